"""One row per CSI survey (its answers, overall score and exclusion), and its salespeople."""

from __future__ import annotations

import json
from typing import Any

from domain.satisfaction.model import Survey
from domain.shared import months
from projections.common import sid, utc_iso
from projections.db import Tx
from projections.projection import Projection, handles

TABLE = "rm_satisfaction_survey"
CREDITS = "rm_satisfaction_credit"


class SatisfactionProjection(Projection):
    """Current state of every survey, for the survey list: no history, no figures."""

    name = "satisfaction"
    tables = (TABLE, CREDITS)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " survey_id TEXT PRIMARY KEY, deal_id TEXT NOT NULL, store_id TEXT NOT NULL,"
        " overall INTEGER NOT NULL, answers TEXT NOT NULL, answered_on TEXT NOT NULL,"
        " month TEXT NOT NULL, excluded INTEGER NOT NULL DEFAULT 0, exclusion_reason TEXT,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_store ON {TABLE} (store_id, answered_on)",
        f"CREATE TABLE IF NOT EXISTS {CREDITS} ("
        " survey_id TEXT NOT NULL, salesperson_id TEXT NOT NULL, ordinal INTEGER NOT NULL,"
        " PRIMARY KEY (survey_id, salesperson_id))",
        f"CREATE INDEX IF NOT EXISTS {CREDITS}_salesperson ON {CREDITS} (salesperson_id)",
    )

    @handles(Survey.Answered)
    def on_answered(self, event: Survey.Answered, tx: Tx) -> None:
        survey_id, when = sid(event.originator_id), utc_iso(event.occurred_at)
        tx.execute(
            f"INSERT INTO {TABLE} (survey_id, deal_id, store_id, overall, answers, answered_on,"
            " month, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (survey_id) DO NOTHING",
            (
                survey_id,
                sid(event.deal_id),
                sid(event.store_id),
                event.overall,
                json.dumps(event.answers, ensure_ascii=False, sort_keys=True),
                event.answered_on.isoformat(),
                months.of_day(event.answered_on),
                when,
                when,
            ),
        )
        tx.executemany(
            f"INSERT INTO {CREDITS} (survey_id, salesperson_id, ordinal) VALUES (?, ?, ?)"
            " ON CONFLICT (survey_id, salesperson_id) DO NOTHING",
            [(survey_id, sid(s), n) for n, s in enumerate(event.salesperson_ids)],
        )

    @handles(Survey.Excluded)
    def on_excluded(self, event: Survey.Excluded, tx: Tx) -> None:
        self._set(tx, event, excluded=1, exclusion_reason=event.reason)

    @handles(Survey.Reinstated)
    def on_reinstated(self, event: Survey.Reinstated, tx: Tx) -> None:
        self._set(tx, event, excluded=0, exclusion_reason=None)

    @staticmethod
    def _set(tx: Tx, event: Any, **columns: Any) -> None:
        assignments = ", ".join(f"{c} = ?" for c in columns)
        tx.execute(
            f"UPDATE {TABLE} SET {assignments}, updated_at = ? WHERE survey_id = ?",
            (*columns.values(), utc_iso(event.occurred_at), sid(event.originator_id)),
        )
