"""Targets, scorecards and evaluations as rows; ranks are computed when asked (never stored)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.organisation.model import Staff, Store
from domain.performance.evaluations import Evaluation
from domain.performance.scorecards import Scorecard
from domain.performance.targets import TargetSheet
from projections.common import sid, utc_iso
from projections.db import Tx
from projections.projection import Projection, handles

EVALUATIONS = "rm_performance_evaluation"
TARGETS = "rm_performance_target"
SCORECARDS = "rm_performance_scorecard"
STAFF = "rm_performance_staff"
STORES = "rm_performance_store"


def hundredths(score: Decimal) -> int:
    """A score (2 places) as stored: integer hundredths, so order and sums are exact."""
    return int((Decimal(score) * 100).to_integral_value())


class PerformanceProjection(Projection):
    """One row per target, scorecard and evaluation (draft or approved).

    Evaluations keep the store the salesperson was evaluated at, so the ranking of a month stays
    as it was when staff move later. Only approved evaluations are ranked and reported as
    scores; a reopened one leaves the ranking until it is approved again.
    """

    name = "performance"
    tables = (EVALUATIONS, TARGETS, SCORECARDS, STAFF, STORES)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {EVALUATIONS} ("
        " evaluation_id TEXT PRIMARY KEY, salesperson_id TEXT NOT NULL, month TEXT NOT NULL,"
        " store_id TEXT, status TEXT NOT NULL, score BIGINT, grade TEXT,"
        " scorecard_id TEXT, scorecard_version INTEGER, computed_at TEXT,"
        " approved_at TEXT, approved_by TEXT, comments INTEGER NOT NULL DEFAULT 0,"
        " last_comment TEXT, version INTEGER NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {EVALUATIONS}_month ON {EVALUATIONS} (month, status)",
        f"CREATE INDEX IF NOT EXISTS {EVALUATIONS}_person ON {EVALUATIONS} (salesperson_id)",
        f"CREATE TABLE IF NOT EXISTS {TARGETS} ("
        " sheet_id TEXT NOT NULL, kpi_id TEXT NOT NULL, kpi_version INTEGER NOT NULL,"
        " scope TEXT NOT NULL, subject_id TEXT, month TEXT NOT NULL, value TEXT NOT NULL,"
        " set_by TEXT NOT NULL, set_at TEXT NOT NULL, version INTEGER NOT NULL,"
        " PRIMARY KEY (sheet_id, kpi_id, kpi_version))",
        f"CREATE INDEX IF NOT EXISTS {TARGETS}_month ON {TARGETS} (month, scope)",
        f"CREATE TABLE IF NOT EXISTS {SCORECARDS} ("
        " scorecard_id TEXT PRIMARY KEY, name TEXT NOT NULL, store_id TEXT,"
        " versions INTEGER NOT NULL DEFAULT 0, effective_from_month TEXT,"
        " created_at TEXT NOT NULL, version INTEGER NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {STAFF} ("
        " staff_id TEXT PRIMARY KEY, name TEXT NOT NULL, store_id TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {STORES} (store_id TEXT PRIMARY KEY, name TEXT NOT NULL)",
    )

    # --- lookups ------------------------------------------------------------------------------

    @handles(Store.Opened, Store.Updated)
    def on_store(self, event: Any, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {STORES} (store_id, name) VALUES (?, ?)"
            " ON CONFLICT (store_id) DO UPDATE SET name = excluded.name",
            (sid(event.originator_id), event.name),
        )

    @handles(Staff.Hired)
    def on_staff_hired(self, event: Staff.Hired, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {STAFF} (staff_id, name, store_id) VALUES (?, ?, ?)"
            " ON CONFLICT (staff_id) DO NOTHING",
            (sid(event.originator_id), event.name, sid(event.store_id)),
        )

    @handles(Staff.Transferred)
    def on_staff_transferred(self, event: Staff.Transferred, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {STAFF} SET store_id = ? WHERE staff_id = ?",
            (sid(event.to_store_id), sid(event.originator_id)),
        )

    # --- targets ------------------------------------------------------------------------------

    @handles(TargetSheet.TargetSet)
    def on_target_set(self, event: TargetSheet.TargetSet, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {TARGETS} (sheet_id, kpi_id, kpi_version, scope, subject_id, month,"
            " value, set_by, set_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (sheet_id, kpi_id, kpi_version) DO UPDATE SET value = excluded.value,"
            " set_by = excluded.set_by, set_at = excluded.set_at, version = excluded.version",
            (
                sid(event.originator_id),
                event.kpi_id,
                event.kpi_version,
                event.scope,
                sid(event.subject_id),
                event.month,
                str(event.value),
                event.actor,
                utc_iso(event.occurred_at),
                event.originator_version,
            ),
        )

    @handles(TargetSheet.TargetCleared)
    def on_target_cleared(self, event: TargetSheet.TargetCleared, tx: Tx) -> None:
        tx.execute(
            f"DELETE FROM {TARGETS} WHERE sheet_id = ? AND kpi_id = ? AND kpi_version = ?",
            (sid(event.originator_id), event.kpi_id, event.kpi_version),
        )

    # --- scorecards ---------------------------------------------------------------------------

    @handles(Scorecard.Created)
    def on_scorecard_created(self, event: Scorecard.Created, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {SCORECARDS} (scorecard_id, name, store_id, created_at, version)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (scorecard_id) DO NOTHING",
            (
                sid(event.originator_id),
                event.name,
                sid(event.store_id),
                utc_iso(event.occurred_at),
                event.originator_version,
            ),
        )

    @handles(Scorecard.VersionPublished)
    def on_version_published(self, event: Scorecard.VersionPublished, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {SCORECARDS} SET versions = ?, effective_from_month = ?, version = ?"
            " WHERE scorecard_id = ?",
            (
                event.version,
                event.effective_from_month,
                event.originator_version,
                sid(event.originator_id),
            ),
        )

    # --- evaluations --------------------------------------------------------------------------

    @handles(Evaluation.Opened)
    def on_evaluation_opened(self, event: Evaluation.Opened, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {EVALUATIONS} (evaluation_id, salesperson_id, month, status, version)"
            " VALUES (?, ?, ?, 'draft', ?) ON CONFLICT (evaluation_id) DO NOTHING",
            (
                sid(event.originator_id),
                sid(event.salesperson_id),
                event.month,
                event.originator_version,
            ),
        )

    @handles(Evaluation.Computed)
    def on_evaluation_computed(self, event: Evaluation.Computed, tx: Tx) -> None:
        self._update(
            tx,
            event,
            store_id=sid(event.store_id),
            score=hundredths(event.score),
            grade=event.grade,
            scorecard_id=sid(event.scorecard_id),
            scorecard_version=event.scorecard_version,
            computed_at=utc_iso(event.occurred_at),
        )

    @handles(Evaluation.Commented)
    def on_evaluation_commented(self, event: Evaluation.Commented, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {EVALUATIONS} SET comments = comments + 1 WHERE evaluation_id = ?",
            (sid(event.originator_id),),
        )
        self._update(tx, event, last_comment=event.comment)

    @handles(Evaluation.Approved)
    def on_evaluation_approved(self, event: Evaluation.Approved, tx: Tx) -> None:
        self._update(
            tx,
            event,
            status="approved",
            approved_at=utc_iso(event.occurred_at),
            approved_by=event.actor,
        )

    @handles(Evaluation.Reopened)
    def on_evaluation_reopened(self, event: Evaluation.Reopened, tx: Tx) -> None:
        self._update(tx, event, status="draft", approved_at=None, approved_by=None)

    @staticmethod
    def _update(tx: Tx, event: Any, **columns: str | int | datetime | None) -> None:
        columns["version"] = event.originator_version
        assignments = ", ".join(f"{column} = ?" for column in columns)
        tx.execute(
            f"UPDATE {EVALUATIONS} SET {assignments} WHERE evaluation_id = ?",
            (*columns.values(), sid(event.originator_id)),
        )
