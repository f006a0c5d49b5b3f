"""The survey list: newest answered first, filtered by store, salesperson, month, exclusion."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from domain.shared import months
from domain.shared.access import SYSTEM_READ, ReadScope
from projections.common import Where, day_of, flag, page, paged, uid
from projections.db import Database, Row
from projections.satisfaction.projection import CREDITS, TABLE


def list_surveys(
    db: Database,
    store_id: UUID | None = None,
    salesperson_id: UUID | None = None,
    month: str | None = None,
    excluded: bool | None = None,
    limit: int = 50,
    offset: int = 0,
    *,
    scope: ReadScope = SYSTEM_READ,
) -> dict[str, Any]:
    """Surveys in `scope` (a salesperson's credited ones, a manager's store's), newest
    answered first; a request beyond the scope gets none.

    Items: id, deal_id, store_id, salesperson_ids, overall, answers, answered_on, excluded,
    exclusion_reason. `salesperson_id` keeps the surveys credited to that salesperson.
    """
    if not scope.visible:
        return paged([], 0, limit, offset)
    store_id, salesperson_id, team = scope.narrowed_team(store_id, salesperson_id)
    where = Where().equal("s.store_id", store_id)
    if salesperson_id is not None:
        where.add(
            f"s.survey_id IN (SELECT survey_id FROM {CREDITS} WHERE salesperson_id = ?)",
            str(salesperson_id),
        )
    if team is not None:
        # A team leader: surveys credited to someone of the team.
        credited = Where().among("salesperson_id", team)
        where.add(
            f"s.survey_id IN (SELECT survey_id FROM {CREDITS}{credited.sql})", *credited.params
        )
    if month is not None:
        where.add("s.month = ?", months.parse(month))
    if excluded is not None:
        where.add("s.excluded = ?", int(excluded))
    rows, total = page(
        db,
        f"SELECT s.* FROM {TABLE} s{where.sql}",
        where.params,
        "answered_on DESC, survey_id",
        limit,
        offset,
    )
    sellers = _salespeople(db, [r["survey_id"] for r in rows])
    return paged([_survey(r, sellers.get(r["survey_id"], [])) for r in rows], total, limit, offset)


def _salespeople(db: Database, survey_ids: list[str]) -> dict[str, list[UUID]]:
    if not survey_ids:
        return {}
    marks = ", ".join("?" for _ in survey_ids)
    rows = db.query(
        f"SELECT survey_id, salesperson_id FROM {CREDITS} WHERE survey_id IN ({marks})"
        " ORDER BY survey_id, ordinal",
        survey_ids,
    )
    found: dict[str, list[UUID]] = {}
    for r in rows:
        found.setdefault(r["survey_id"], []).append(UUID(r["salesperson_id"]))
    return found


def _survey(r: Row, salesperson_ids: list[UUID]) -> dict[str, Any]:
    return {
        "id": uid(r["survey_id"]),
        "deal_id": uid(r["deal_id"]),
        "store_id": uid(r["store_id"]),
        "salesperson_ids": salesperson_ids,
        "overall": int(r["overall"]),
        "answers": json.loads(r["answers"]),
        "answered_on": day_of(r["answered_on"]),
        "excluded": flag(r["excluded"]),
        "exclusion_reason": r["exclusion_reason"],
    }
