"""The queue of losses waiting for a manager, and the loss-reason report."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.shared import months
from domain.shared.access import ReadScope
from projections.common import Where, moment, page, paged, uid
from projections.db import Database
from projections.lead_losses.projection import POLICY, TABLE

# What the report groups losses by, and the column that holds it.
GROUPINGS = {"store": "store_id", "model": "model_interest", "salesperson": "salesperson_id"}
_PLACES = Decimal("0.0001")


def pending(
    db: Database, *, scope: ReadScope, now: datetime, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Leads whose loss waits for approval in the scope, oldest request first, with the age of
    the request in hours and whether the store requires a spot-check call first."""
    if not scope.visible:
        return paged([], 0, limit, offset)
    where = (
        Where()
        .add("l.status = ?", "pending_loss")
        .equal("l.store_id", scope.store_id)
        .equal("l.salesperson_id", scope.salesperson_id)
        .among("l.salesperson_id", scope.salesperson_ids)
    )
    rows, total = page(
        db,
        f"SELECT l.*, COALESCE(p.spot_check_required, 0) AS spot_check_required"
        f" FROM {TABLE} l LEFT JOIN {POLICY} p ON p.store_id = l.store_id{where.sql}",
        where.params,
        "requested_at, lead_id",
        limit,
        offset,
    )
    return paged([_pending_line(r, now) for r in rows], total, limit, offset)


def _pending_line(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    requested_at = moment(row["requested_at"])
    age = 0 if requested_at is None else max(0, int((now - requested_at).total_seconds()))
    return {
        "lead_id": uid(row["lead_id"]),
        "store_id": uid(row["store_id"]),
        "salesperson_id": uid(row["salesperson_id"]),
        "model_interest": row["model_interest"],
        "channel": row["channel"],
        "reason": row["reason"],
        "competitor": row["competitor"],
        "requested_at": requested_at,
        "requested_by": row["requested_by"],
        "age_hours": age // 3600,
        "spot_check": row["spot_check"],
        "spot_check_required": bool(row["spot_check_required"]),
    }


def lost_leads(
    db: Database, *, scope: ReadScope, month: str, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Leads lost (approved) in `month` in the scope, newest first: what a manager may reopen."""
    if not scope.visible:
        return paged([], 0, limit, offset)
    months.parse(month)
    where = (
        Where()
        .add("status = ?", "lost")
        .add("lost_month = ?", month)
        .equal("store_id", scope.store_id)
        .equal("salesperson_id", scope.salesperson_id)
        .among("salesperson_id", scope.salesperson_ids)
    )
    rows, total = page(
        db,
        f"SELECT * FROM {TABLE}{where.sql}",
        where.params,
        "lost_at DESC, lead_id",
        limit,
        offset,
    )
    items = [
        {
            "lead_id": uid(r["lead_id"]),
            "store_id": uid(r["store_id"]),
            "salesperson_id": uid(r["salesperson_id"]),
            "model_interest": r["model_interest"],
            "reason": r["reason"],
            "competitor": r["competitor"],
            "lost_at": moment(r["lost_at"]),
        }
        for r in rows
    ]
    return paged(items, total, limit, offset)


def loss_reasons(db: Database, month: str, by: str, *, scope: ReadScope) -> dict[str, Any]:
    """Leads lost in `month` (counted at approval) by reason, per store, model of interest or
    salesperson (`by`), in the scope: counts and each reason's share of the group's losses.

    Answer: {month, by, store_id, salesperson_id, total, reasons: {reason: count},
    groups: [{key, total, reasons: [{reason, count, share}]}]}; shares are Decimal fractions
    to 4 places of the group's total.
    """
    store_id, salesperson_id, team = scope.narrowed_team()
    months.parse(month)
    column = GROUPINGS.get(by)
    if column is None:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    where = (
        Where()
        .add("status = ?", "lost")
        .add("lost_month = ?", month)
        .equal("store_id", store_id)
        .equal("salesperson_id", salesperson_id)
        .among("salesperson_id", team)
    )
    rows = db.query(
        f"SELECT {column} AS grouping, reason, COUNT(*) AS n FROM {TABLE}{where.sql}"
        f" GROUP BY {column}, reason ORDER BY {column}, reason",
        where.params,
    )
    groups: dict[str | None, dict[str, int]] = {}
    overall: dict[str, int] = {}
    for row in rows:
        key = row["grouping"]
        reason, count = str(row["reason"]), int(row["n"])
        groups.setdefault(key, {})[reason] = count
        overall[reason] = overall.get(reason, 0) + count
    lines: list[dict[str, Any]] = []
    for key, counts in groups.items():
        total = sum(counts.values())
        lines.append(
            {
                "key": key,
                "total": total,
                "reasons": [
                    {"reason": r, "count": n, "share": _share(n, total)}
                    for r, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
                ],
            }
        )
    lines.sort(key=lambda line: (-int(line["total"]), str(line["key"])))
    return {
        "month": month,
        "by": by,
        "store_id": store_id,
        "salesperson_id": salesperson_id,
        "total": sum(overall.values()),
        "reasons": dict(sorted(overall.items())),
        "groups": lines,
    }


def spot_check_required(db: Database, store_id: Any) -> bool:
    row = db.one(f"SELECT spot_check_required FROM {POLICY} WHERE store_id = ?", (str(store_id),))
    return bool(row and row["spot_check_required"])


def _share(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(_PLACES, rounding=ROUND_HALF_UP)
