"""The approvers' queue of quotes waiting for a decision, and a salesperson's own requests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.shared.access import ReadScope
from projections.common import Where, moment, page, paged, uid
from projections.db import Database, yuan
from projections.deal_approvals.projection import TABLE

_PERCENT = Decimal("0.01")


def pending(
    db: Database,
    *,
    scope: ReadScope,
    levels: Iterable[str],
    now: datetime,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Requests waiting in the scope at one of `levels` (the approver's own and below), the
    highest level first, then the oldest, with their age in hours."""
    chosen = sorted(levels)
    if not scope.visible or not chosen:
        return paged([], 0, limit, offset)
    where = _scoped(scope).add("status = ?", "pending")
    where.add(f"level IN ({', '.join('?' for _ in chosen)})", *chosen)
    rows, total = page(
        db,
        f"SELECT * FROM {TABLE}{where.sql}",
        where.params,
        "CASE level WHEN 'general_manager' THEN 0 WHEN 'manager' THEN 1 ELSE 2 END,"
        " requested_at, deal_id",
        limit,
        offset,
    )
    return paged([_line(r, scope, now) for r in rows], total, limit, offset)


def requests(
    db: Database, *, scope: ReadScope, now: datetime, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Every deal in the scope whose current quote was sent for approval, newest request first
    (a salesperson's own: what happened to each request)."""
    if not scope.visible:
        return paged([], 0, limit, offset)
    where = _scoped(scope).add("status IS NOT NULL")
    rows, total = page(
        db,
        f"SELECT * FROM {TABLE}{where.sql}",
        where.params,
        "requested_at DESC, deal_id",
        limit,
        offset,
    )
    return paged([_line(r, scope, now) for r in rows], total, limit, offset)


def _scoped(scope: ReadScope) -> Where:
    return (
        Where()
        .equal("store_id", scope.store_id)
        .equal("salesperson_id", scope.salesperson_id)
        .among("salesperson_id", scope.salesperson_ids)
    )


def _line(row: dict[str, Any], scope: ReadScope, now: datetime) -> dict[str, Any]:
    requested_at = moment(row["requested_at"])
    age = 0 if requested_at is None else max(0, int((now - requested_at).total_seconds()))
    list_price = yuan(row["list_price"]) if row["list_price"] is not None else None
    price = yuan(row["price"]) if row["price"] is not None else None
    discount = yuan(row["discount"]) if row["discount"] is not None else None
    selling = price - discount if price is not None and discount is not None else None
    off_share = None
    if list_price and selling is not None:
        off_share = ((list_price - selling) * 100 / list_price).quantize(
            _PERCENT, rounding=ROUND_HALF_UP
        )
    # Cost, and the front gross that gives it away, only for those who see cost.
    cost = yuan(row["cost"]) if row["cost"] is not None and scope.sees_cost else None
    gross = selling - cost if selling is not None and cost is not None else None
    return {
        "deal_id": uid(row["deal_id"]),
        "store_id": uid(row["store_id"]),
        "salesperson_id": uid(row["salesperson_id"]),
        "vehicle": " ".join(p for p in (row["make"], row["model"]) if p) or None,
        "vin": row["vin"],
        "list_price": list_price,
        "price": price,
        "discount": discount,
        "selling_price": selling,
        "off_list_percent": off_share,
        "front_gross": gross,
        "status": row["status"],
        "level": row["level"],
        "reasons": [r for r in (row["reasons"] or "").split(",") if r],
        "note": row["note"],
        "requested_at": requested_at,
        "requested_by": row["requested_by"],
        "age_hours": age // 3600,
        "decided_at": moment(row["decided_at"]),
        "decided_level": row["decided_level"],
        "decision_note": row["decision_note"],
        "deal_status": row["deal_status"],
    }
