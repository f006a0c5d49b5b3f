"""Evaluations with their ranks, ranking history, approved scores, targets and scorecards.

Ranks are competition ranks (1, 1, 3) of the approved evaluations of a month by score, within
the store the salesperson was evaluated at and within the whole group; they are computed with
window functions when asked, so they are never stale. Drafts have no rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.shared import months
from domain.shared.access import ReadScope
from domain.shared.shares import credited_units
from projections.common import Where, moment, page, paged, uid
from projections.db import Database, Row
from projections.payouts import queries as payouts
from projections.performance.projection import EVALUATIONS, SCORECARDS, STAFF, STORES, TARGETS

_CENT = Decimal("0.01")
_BEST_FIRST = "COALESCE(score, -1) DESC, salesperson_id"

# Every approved evaluation of the months matching `{where}`, ranked; drafts ride along unranked.
_RANKED = (
    "SELECT e.*, COALESCE(s.name, '') AS name, COALESCE(st.name, '') AS store_name,"
    " CASE WHEN e.status = 'approved' THEN"
    "  RANK() OVER (PARTITION BY e.month, e.status, e.store_id ORDER BY e.score DESC) END"
    "  AS store_rank,"
    " CASE WHEN e.status = 'approved' THEN"
    "  RANK() OVER (PARTITION BY e.month, e.status ORDER BY e.score DESC) END AS group_rank"
    f" FROM {EVALUATIONS} e"
    f" LEFT JOIN {STAFF} s ON s.staff_id = e.salesperson_id"
    f" LEFT JOIN {STORES} st ON st.store_id = e.store_id"
    " {where}"
)


def points(value: int | None) -> Decimal | None:
    """A stored score (integer hundredths) back to a Decimal to 2 places."""
    return None if value is None else (Decimal(value) / 100).quantize(_CENT)


def evaluations(
    db: Database,
    month: str,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
    *,
    scope: ReadScope,
) -> dict[str, Any]:
    """A month's evaluations in `scope` (a salesperson's own, a store's, or all), best score
    first; a manager asking for another store: not found.

    Items: evaluation_id, salesperson_id, name, store_id, store_name, month, status (draft |
    approved), score (Decimal), grade, scorecard_id, scorecard_version, computed_at,
    approved_at, approved_by, comments (how many), last_comment, version, and store_rank and
    group_rank (approved only; ranked among the whole store and group even when filtered), and
    units_paid (see `units_paid`).
    """
    if scope.own_only:
        if not scope.visible:
            return paged([], 0, limit, offset) | {"month": month, "store_id": None}
        store_id, salesperson_id = None, scope.salesperson_id
    else:
        store_id, salesperson_id = scope.narrowed()
    months.parse(month)
    ranked = _RANKED.format(where="WHERE e.month = ?")
    where = Where().equal("r.store_id", store_id).equal("r.salesperson_id", salesperson_id)
    where.equal("r.status", status)
    select = f"SELECT r.* FROM ({ranked}) AS r{where.sql}"
    rows, total = page(
        db,
        select,
        [month, *where.params],
        _BEST_FIRST,
        limit,
        offset,
    )
    return paged(_with_units_paid(db, [_evaluation(r) for r in rows]), total, limit, offset) | {
        "month": month,
        "store_id": store_id,
    }


def history(db: Database, salesperson_id: UUID) -> list[dict[str, Any]]:
    """Every approved evaluation of a salesperson, newest month first, with the ranks they had
    in their store and in the group that month (for promotion decisions)."""
    ranked = _RANKED.format(where="WHERE e.status = 'approved'")
    rows = db.query(
        f"SELECT r.* FROM ({ranked}) AS r WHERE r.salesperson_id = ? ORDER BY r.month DESC",
        (str(salesperson_id),),
    )
    return _with_units_paid(db, [_evaluation(r) for r in rows])


def units_paid(db: Database, month: str, salesperson_ids: Sequence[UUID]) -> dict[UUID, Decimal]:
    """Credited units the month's approved pay counted per salesperson, as known at its close
    (the KPI report's `units_paid`); a salesperson without an approved statement is absent.

    An evaluation scores the `units` KPI as the month stood when it was computed (an unwind,
    whenever recorded, takes the unit out of its delivery month), so the two may differ: an
    unwind recorded after the pay close stays paid (charged back in a later period)."""
    months.parse(month)
    found = payouts.units_paid(db, month, salesperson_ids)
    return {person: credited_units(milli) for person, milli in found.items()}


def _with_units_paid(db: Database, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The evaluation lines with `units_paid` of their salesperson and month (None if unpaid)."""
    by_month: dict[str, list[UUID]] = {}
    for item in items:
        by_month.setdefault(item["month"], []).append(item["salesperson_id"])
    paid = {
        (month, person): units
        for month, people in by_month.items()
        for person, units in units_paid(db, month, people).items()
    }
    return [
        item | {"units_paid": paid.get((item["month"], item["salesperson_id"]))} for item in items
    ]


def approved_scores(db: Database, month: str, store_id: UUID | None = None) -> dict[UUID, Decimal]:
    """Salesperson id → approved score (0–cap, 100 = on target) of `month`; drafts and
    reopened evaluations are absent. With `store_id`, those evaluated at that store."""
    months.parse(month)
    where = Where().add("month = ?", month).add("status = 'approved'")
    where.equal("store_id", store_id)
    rows = db.query(f"SELECT salesperson_id, score FROM {EVALUATIONS}{where.sql}", where.params)
    return {UUID(r["salesperson_id"]): points(r["score"]) or Decimal("0.00") for r in rows}


def targets(
    db: Database,
    month: str,
    target_scope: str | None = None,
    subject_id: UUID | None = None,
    kpi_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
    *,
    scope: ReadScope,
) -> dict[str, Any]:
    """The targets of a month in `scope`: a salesperson's own; with a store, the store's own
    and its salespeople's (a manager asking for another store: not found).

    Items: scope, subject_id, subject_name, store_id (a salesperson's: where they work now),
    month, kpi_id, kpi_version, value (Decimal), set_by, set_at, version.
    """
    store_id: UUID | None = None
    if scope.own_only:
        mine = scope.salesperson_id
        if (
            mine is None
            or target_scope not in (None, "salesperson")
            or subject_id
            not in (
                None,
                mine,
            )
        ):
            return paged([], 0, limit, offset) | {"month": month}
        target_scope, subject_id = "salesperson", mine
    else:
        store_id, _ = scope.narrowed()
    months.parse(month)
    where = Where().add("t.month = ?", month).equal("t.scope", target_scope)
    where.equal("t.subject_id", subject_id).equal("t.kpi_id", kpi_id)
    if store_id is not None:
        where.add(
            "((t.scope = 'store' AND t.subject_id = ?)"
            " OR (t.scope = 'salesperson' AND s.store_id = ?))",
            str(store_id),
            str(store_id),
        )
    select = (
        "SELECT t.*, s.name AS staff_name, s.store_id AS staff_store_id, st.name AS store_name"
        f" FROM {TARGETS} t"
        f" LEFT JOIN {STAFF} s ON t.scope = 'salesperson' AND s.staff_id = t.subject_id"
        f" LEFT JOIN {STORES} st ON t.scope = 'store' AND st.store_id = t.subject_id"
        f"{where.sql}"
    )
    rows, total = page(
        db, select, where.params, "scope, subject_id, kpi_id, kpi_version", limit, offset
    )
    return paged([_target(r) for r in rows], total, limit, offset) | {"month": month}


def scorecards(
    db: Database, *, scope: ReadScope, limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    """Scorecards by name in `scope`: all, or with a store the group's and that store's
    (store-bound staff: their store's; another store is not found).

    Items: scorecard_id, name, store_id (None: the group's), versions (how many published),
    effective_from_month (of the latest), created_at, version.
    """
    store_id, _ = scope.narrowed()
    where = Where()
    if store_id is not None:
        where.add("(store_id IS NULL OR store_id = ?)", str(store_id))
    rows, total = page(
        db,
        f"SELECT * FROM {SCORECARDS}{where.sql}",
        where.params,
        "name, scorecard_id",
        limit,
        offset,
    )
    items = [
        {
            "scorecard_id": UUID(r["scorecard_id"]),
            "name": r["name"],
            "store_id": uid(r["store_id"]),
            "versions": int(r["versions"]),
            "effective_from_month": r["effective_from_month"],
            "created_at": moment(r["created_at"]),
            "version": int(r["version"]),
        }
        for r in rows
    ]
    return paged(items, total, limit, offset)


def _evaluation(r: Row) -> dict[str, Any]:
    return {
        "evaluation_id": UUID(r["evaluation_id"]),
        "salesperson_id": UUID(r["salesperson_id"]),
        "name": r["name"],
        "store_id": uid(r["store_id"]),
        "store_name": r["store_name"],
        "month": r["month"],
        "status": r["status"],
        "score": points(r["score"]),
        "grade": r["grade"],
        "scorecard_id": uid(r["scorecard_id"]),
        "scorecard_version": r["scorecard_version"],
        "computed_at": moment(r["computed_at"]),
        "approved_at": moment(r["approved_at"]),
        "approved_by": r["approved_by"],
        "comments": int(r["comments"]),
        "last_comment": r["last_comment"],
        "version": int(r["version"]),
        "store_rank": None if r["store_rank"] is None else int(r["store_rank"]),
        "group_rank": None if r["group_rank"] is None else int(r["group_rank"]),
    }


def _target(r: Row) -> dict[str, Any]:
    salesperson = r["scope"] == "salesperson"
    return {
        "scope": r["scope"],
        "subject_id": uid(r["subject_id"]),
        "subject_name": (r["staff_name"] if salesperson else r["store_name"]) or "",
        "store_id": uid(r["staff_store_id"] if salesperson else r["subject_id"]),
        "month": r["month"],
        "kpi_id": r["kpi_id"],
        "kpi_version": int(r["kpi_version"]),
        "value": Decimal(r["value"]),
        "set_by": r["set_by"],
        "set_at": moment(r["set_at"]),
        "version": int(r["version"]),
    }
