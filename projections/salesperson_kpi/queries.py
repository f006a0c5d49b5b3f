"""The KPI table: one line per salesperson over a month or a range of business days."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from domain.shared import months
from domain.shared.access import SYSTEM_READ, ReadScope
from domain.shared.shares import credited_units
from projections.common import Where, check_page, page, paged, split_by_month, uid
from projections.db import Database, Row, yuan
from projections.payouts import queries as payouts
from projections.salesperson_kpi.projection import (
    COUNTERS,
    GROUP,
    MONTHS,
    PRODUCT_KINDS,
    STAFF,
    TABLE,
)

_MONEY = ("revenue", "front_gross", "back_gross")


def period(month: str | None, date_from: date | None, date_to: date | None) -> tuple[str, str]:
    """First and last business day (inclusive, ISO) of a month or of a day range."""
    if month is not None:
        if date_from is not None or date_to is not None:
            raise ValueError("give a month or a date range, not both")
        return months.bounds(month)
    if date_from is None or date_to is None:
        raise ValueError("give a month, or both date_from and date_to")
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    return date_from.isoformat(), date_to.isoformat()


def kpi_table(
    db: Database,
    month: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    store_id: UUID | None = None,
    salesperson_id: UUID | None = None,
    limit: int = 100,
    offset: int = 0,
    *,
    scope: ReadScope = SYSTEM_READ,
) -> dict[str, Any]:
    """Per salesperson (summed over stores unless `store_id`), by salesperson id (names are
    sealed in the views; a page reveals them as it answers), within `scope` (a
    salesperson's own line, a manager's store's; a request beyond it is not found).

    Items: salesperson_id, name, store_id (where they work now), the counters leads_assigned,
    first_responses, response_seconds, activities, appointments_set, appointments_shown,
    deals_contracted, units_delivered (Decimal units: a split deal credits each salesperson
    their share, e.g. 0.50), revenue and front_gross (Decimal yuan, their shares too), surveys
    and survey_score (CSI surveys not excluded, and the sum of their overall scores),
    avg_response_seconds (Decimal to 0.1 s, None without a response) and csi_average (mean
    overall score of those surveys, Decimal to 0.1, None without a survey).

    Two unit figures, both named, because they may legitimately differ: `units_delivered` is
    the `units` KPI as the month stands now (an unwind takes a unit out of its delivery month,
    whenever recorded), `units_paid` the units the month's approved pay counted, as known at
    its close (None until a period of the month is approved, and for ranges other than one
    whole month). An unwind recorded after that close leaves `units_paid` as paid (pay charges
    it back in a later period) while `units_delivered` drops.
    """
    store_id, salesperson_id, team = scope.narrowed_team(store_id, salesperson_id)
    first, last = period(month, date_from, date_to)
    check_page(limit, offset)
    whole, edges = split_by_month(date.fromisoformat(first), date.fromisoformat(last))
    if (
        whole is not None
        and whole[0] == whole[1]
        and not edges
        and not (store_id or salesperson_id or team is not None)
    ):
        rows, total = _group_month(db, whole[0], limit, offset)
    else:
        rows, total = _summed(db, whole, edges, store_id, salesperson_id, limit, offset, team)
    items = [_line(r) for r in rows]
    one_month = whole[0] if whole is not None and whole[0] == whole[1] and not edges else None
    paid = (
        payouts.units_paid(db, one_month, [i["salesperson_id"] for i in items], store_id)
        if one_month is not None
        else {}
    )
    for item in items:
        units = paid.get(item["salesperson_id"])
        item["units_paid"] = None if units is None else credited_units(units)
    return paged(items, total, limit, offset) | {
        "date_from": date.fromisoformat(first),
        "date_to": date.fromisoformat(last),
    }


def _group_month(db: Database, month: str, limit: int, offset: int) -> tuple[list[Row], int]:
    """The whole group over one month: its roll-up rows, read in salesperson id order off
    the primary key (names are sealed in the view: an order by them would mean nothing)."""
    counted = db.one(f"SELECT COUNT(*) AS n FROM {GROUP} WHERE month = ?", (month,))
    rows = db.query(
        f"SELECT g.*, s.store_id AS current_store_id FROM {GROUP} g"
        f" LEFT JOIN {STAFF} s ON s.staff_id = g.salesperson_id"
        " WHERE g.month = ? ORDER BY g.salesperson_id LIMIT ? OFFSET ?",
        (month, limit, offset),
    )
    return rows, int(counted["n"]) if counted else 0


def _summed(
    db: Database,
    whole: tuple[str, str] | None,
    edges: list[tuple[str, str]],
    store_id: UUID | None,
    salesperson_id: UUID | None,
    limit: int,
    offset: int,
    team: frozenset[UUID] | None = None,
) -> tuple[list[Row], int]:
    """Any other range or filter: whole months from the per-store roll-up, edge days from the
    daily rows, summed per salesperson (of a team only, for a team leader)."""
    filters = (
        Where()
        .equal("store_id", store_id)
        .equal("salesperson_id", salesperson_id)
        .among("salesperson_id", team)
    )
    columns = ", ".join(("salesperson_id", *COUNTERS))
    parts: list[str] = []
    params: list[Any] = []
    if whole is not None:
        where = Where().add("month BETWEEN ? AND ?", *whole).extend(filters)
        parts.append(f"SELECT {columns} FROM {MONTHS}{where.sql}")
        params += where.params
    for low, high in edges:
        where = Where().add("day BETWEEN ? AND ?", low, high).extend(filters)
        parts.append(f"SELECT {columns} FROM {TABLE}{where.sql}")
        params += where.params
    sums = ", ".join(f"SUM(k.{c}) AS {c}" for c in COUNTERS)
    select = (
        f"SELECT k.salesperson_id AS salesperson_id, MAX(s.name) AS name,"
        f" MAX(s.store_id) AS current_store_id, {sums}"
        f" FROM ({' UNION ALL '.join(parts)}) AS k"
        f" LEFT JOIN {STAFF} s ON s.staff_id = k.salesperson_id"
        f" GROUP BY k.salesperson_id"
    )
    return page(db, select, params, "salesperson_id", limit, offset, one_pass=True)


def _line(r: Row) -> dict[str, Any]:
    line: dict[str, Any] = {
        "salesperson_id": uid(r["salesperson_id"]),
        "name": r["name"] or "",
        "store_id": uid(r["current_store_id"]),
    }
    for column in COUNTERS:
        value = int(r[column] or 0)
        line[column] = yuan(value) if column in _MONEY else value
    line["units_delivered"] = credited_units(int(r["units_delivered"] or 0))
    for kind in PRODUCT_KINDS:
        line[f"units_with_{kind}"] = credited_units(int(r[f"units_with_{kind}"] or 0))
    responses = line["first_responses"]
    line["avg_response_seconds"] = (
        (Decimal(line["response_seconds"]) / responses).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
        if responses > 0
        else None
    )
    surveys = line["surveys"]
    line["csi_average"] = (
        (Decimal(line["survey_score"]) / surveys).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if surveys > 0
        else None
    )
    return line
