"""Pay periods and approved payouts from the view: lists, snapshot lines, chargeback lookups."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.pay.ports import PaidLine, PeriodRef
from domain.shared import months
from domain.shared.access import ReadScope
from projections.common import Where, moment, page, paged, uid
from projections.db import Database, Row, yuan
from projections.payouts.projection import LINES, NO_PRODUCT, PAID, PERIODS, STATEMENTS

_CHUNK = 500  # ids per IN (...) list


def list_periods(
    db: Database,
    *,
    month: str | None = None,
    status: str | None = None,
    store_id: UUID | None = None,
    limit: int = 50,
    offset: int = 0,
    scope: ReadScope,
) -> dict[str, Any]:
    """Periods in `scope`, newest month first; `store_id` only that store's. Store-bound staff
    see their store's periods and the group's, with the head count and total only of their
    own store's for a manager (a salesperson sees only their own statement, elsewhere)."""
    visible_store = None if scope.group_wide else scope.own_store_id
    if not scope.visible or (not scope.group_wide and visible_store is None):
        return paged([], 0, limit, offset)
    where = Where()
    if month is not None:
        where.add("month = ?", months.parse(month))
    where.equal("status", status).equal("store_id", store_id)
    if visible_store is not None:
        where.add("(store_id = ? OR store_id IS NULL)", str(visible_store))
    rows, total = page(
        db,
        f"SELECT * FROM {PERIODS}{where.sql}",
        where.params,
        "month DESC, scope, store_id, period_id",
        limit,
        offset,
    )
    items = []
    for row in map(period_row, rows):
        if not scope.sees_whole_store(row["store_id"]):
            row = {**row, "salespeople": None, "total": None}
        items.append(row)
    return paged(items, total, limit, offset)


def get_period(db: Database, period_id: UUID) -> dict[str, Any] | None:
    row = db.one(f"SELECT * FROM {PERIODS} WHERE period_id = ?", (str(period_id),))
    return None if row is None else period_row(row)


def period_row(r: Row) -> dict[str, Any]:
    return {
        "id": UUID(r["period_id"]),
        "store_id": uid(r["store_id"]),
        "scope": r["scope"],
        "month": r["month"],
        "status": r["status"],
        "protection_days": int(r["protection_days"]),
        "opened_at": moment(r["opened_at"]),
        "known_at": moment(r["known_at"]),
        "approved_at": moment(r["approved_at"]),
        "content_hash": r["content_hash"],
        "salespeople": None if r["salespeople"] is None else int(r["salespeople"]),
        "total": None if r["total"] is None else yuan(int(r["total"])),
        "totals": None if r["totals"] is None else json.loads(r["totals"]),
        "exports": int(r["exports"]),
        "paid_reference": r["paid_reference"],
        "adjustments": int(r["adjustments"]),
        "open_disputes": int(r["open_disputes"]),
        "version": int(r["version"]),
    }


def periods(db: Database) -> list[PeriodRef]:
    """Every period, as the payroll service compares them."""
    rows = db.query(f"SELECT * FROM {PERIODS} ORDER BY month, scope, store_id")
    return [
        PeriodRef(
            period_id=UUID(r["period_id"]),
            store_id=uid(r["store_id"]),
            month=r["month"],
            status=r["status"],
            known_at=None if r["known_at"] is None else datetime.fromisoformat(r["known_at"]),
            protection_days=int(r["protection_days"]),
        )
        for r in rows
    ]


def paid_lines(db: Database, deal_ids: Sequence[UUID]) -> list[PaidLine]:
    """What approved snapshots paid for these deals, line by line."""
    found: list[PaidLine] = []
    ids = sorted({str(d) for d in deal_ids})
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        rows = db.query(
            f"SELECT * FROM {PAID} WHERE deal_id IN ({marks})"
            " ORDER BY deal_id, period_id, salesperson_id, n, product_id",
            chunk,
        )
        found.extend(
            PaidLine(
                period_id=UUID(r["period_id"]),
                salesperson_id=UUID(r["salesperson_id"]),
                n=int(r["n"]),
                deal_id=UUID(r["deal_id"]),
                product_id=None if r["product_id"] == NO_PRODUCT else UUID(r["product_id"]),
                component_type=r["component_type"],
                amount=yuan(int(r["amount"])),
            )
            for r in rows
        )
    return found


def snapshot_statements(
    db: Database, period_id: UUID, salesperson_id: UUID | None = None
) -> list[dict[str, Any]]:
    """The approved statement records of a period (by store, then salesperson id)."""
    where = Where().equal("period_id", period_id).equal("salesperson_id", salesperson_id)
    rows = db.query(
        f"SELECT record FROM {STATEMENTS}{where.sql} ORDER BY store_id, salesperson_id",
        where.params,
    )
    return [json.loads(r["record"]) for r in rows]


def snapshot_summary(db: Database, period_id: UUID) -> list[dict[str, Any]]:
    """One row per salesperson of an approved period: the figures, without the lines."""
    rows = db.query(
        f"SELECT * FROM {STATEMENTS} WHERE period_id = ? ORDER BY store_id, salesperson_id",
        (str(period_id),),
    )
    return [
        {
            "salesperson_id": UUID(r["salesperson_id"]),
            "store_id": uid(r["store_id"]),
            "units_milli": int(r["units_milli"]),
            "commission_gross": yuan(int(r["commission_gross"])),
            "back_gross": yuan(int(r["back_gross"])),
            "earnings": yuan(int(r["earnings"])),
            "draw_recovery": yuan(int(r["draw_recovery"])),
            "adjustments": yuan(int(r["adjustments"])),
            "chargebacks": yuan(int(r["chargebacks"])),
            "total": yuan(int(r["total"])),
            "lines": int(r["lines"]),
        }
        for r in rows
    ]


def snapshot_lines(
    db: Database, period_id: UUID, limit: int = 1000, offset: int = 0
) -> dict[str, Any]:
    """A page of the lines of an approved period, by salesperson and line number."""
    rows, total = page(
        db,
        f"SELECT * FROM {LINES} WHERE period_id = ?",
        (str(period_id),),
        "salesperson_id, n",
        limit,
        offset,
    )
    return paged(
        [
            {
                "salesperson_id": UUID(r["salesperson_id"]),
                "n": int(r["n"]),
                "component_key": r["component_key"],
                "component_type": r["component_type"],
                "amount": yuan(int(r["amount"])),
                "deal_ids": [UUID(d) for d in r["deal_ids"].split(",") if d],
                "formula": r["formula"],
            }
            for r in rows
        ],
        total,
        limit,
        offset,
    )


def units_paid(
    db: Database, month: str, salesperson_ids: Sequence[UUID], store_id: UUID | None = None
) -> dict[UUID, int]:
    """The units (in thousandths) the month's approved pay counted for each salesperson, as
    known at its periods' close; a salesperson the month's approved pay has no statement for is
    left out. With `store_id`: that store's period, or the group period's statements of the
    people it attributes to that store."""
    found: dict[UUID, int] = {}
    ids = [str(i) for i in salesperson_ids]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        where = Where().add("p.month = ?", months.parse(month))
        where.add(f"s.salesperson_id IN ({', '.join('?' for _ in chunk)})", *chunk)
        if store_id is not None:
            where.add(
                "(p.store_id = ? OR (p.store_id IS NULL AND s.store_id = ?))",
                str(store_id),
                str(store_id),
            )
        rows = db.query(
            f"SELECT s.salesperson_id AS salesperson_id, SUM(s.units_milli) AS units"
            f" FROM {STATEMENTS} s JOIN {PERIODS} p ON p.period_id = s.period_id{where.sql}"
            " GROUP BY s.salesperson_id",
            where.params,
        )
        found |= {UUID(r["salesperson_id"]): int(r["units"]) for r in rows}
    return found
