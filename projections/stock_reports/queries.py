"""Stock reports over the spells: days' supply, turnover, purchase guidance, aging as of a day,
and the inbound pipeline. Every figure carries the inputs it was computed from.

In stock on day D (at its end) = the spells with start_on <= D and (end_on IS NULL or
end_on > D). Retail sales = deliveries (rm_stock_sale), on the store's business day.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from domain.shared import months
from domain.shared.access import ReadScope
from domain.shared.clock import days_after
from domain.shared.errors import PermissionDeniedError
from domain.stock.model import DEFAULT_AGED_DAYS, DEFAULT_TARGET_DAYS, OrderStatus
from projections.common import Where, uid
from projections.db import Database, yuan
from projections.stock_reports.projection import INBOUND, SALES, SETTINGS, SPELLS

LEVELS = {
    "model": ("make", "model"),
    "trim": ("make", "model", "trim"),
    "colour": ("make", "model", "trim", "colour"),
}
BUCKETS = ((0, 30, "0-30"), (31, 60, "31-60"), (61, 90, "61-90"), (91, None, "90+"))
# On order with the maker (no VIN yet) / on its way (allocated, shipped, a transfer shipped).
ON_ORDER = (OrderStatus.ORDERED.value,)
IN_TRANSIT = (OrderStatus.ALLOCATED.value, OrderStatus.IN_TRANSIT.value)
_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")


def _ratio(top: Decimal | int, bottom: Decimal | int, step: Decimal = _TENTH) -> Decimal | None:
    if not bottom:
        return None
    return (Decimal(top) / Decimal(bottom)).quantize(step, ROUND_HALF_UP)


def _store(scope: ReadScope, store_id: UUID | None = None) -> str | None:
    chosen, _ = scope.narrowed(store_id)
    return None if chosen is None else str(chosen)


def _in_stock(day: date) -> tuple[str, tuple[str, str]]:
    text = day.isoformat()
    return "start_on <= ? AND (end_on IS NULL OR end_on > ?)", (text, text)


def days_supply(
    db: Database,
    *,
    scope: ReadScope,
    as_of: date,
    window: int,
    level: str = "model",
    condition: str | None = None,
) -> dict[str, Any]:
    """Per store × model (× trim, × colour): units in stock at the end of `as_of` ÷ the
    average daily retail sales over the `window` days ending on it.

    Items: store_id, the line, units, sold (in the window), daily_sales (sold ÷ window, 2
    places), days_supply (1 place; None when nothing sold: no rate to divide by).
    """
    store = _store(scope)
    line = LEVELS[level]
    cols = ", ".join(("store_id", *line))
    first = days_after(as_of, -(window - 1))
    held, held_params = _in_stock(as_of)
    where = Where().add(held, *held_params).equal("store_id", store).equal("condition", condition)
    units = db.query(
        f"SELECT {cols}, COUNT(*) AS n FROM {SPELLS}{where.sql} GROUP BY {cols}", where.params
    )
    sold_where = (
        Where()
        .add("sold_on >= ? AND sold_on <= ?", first.isoformat(), as_of.isoformat())
        .equal("store_id", store)
        .equal("condition", condition)
    )
    sold = db.query(
        f"SELECT {cols}, COUNT(*) AS n FROM {SALES}{sold_where.sql} GROUP BY {cols}",
        sold_where.params,
    )
    lines: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0])
    for r in units:
        lines[tuple(r[c] for c in ("store_id", *line))][0] = int(r["n"])
    for r in sold:
        lines[tuple(r[c] for c in ("store_id", *line))][1] = int(r["n"])
    items = []
    for key in sorted(lines):
        on_hand, count = lines[key]
        item: dict[str, Any] = {"store_id": uid(key[0])}
        item |= dict(zip(line, key[1:], strict=True))
        item |= {
            "units": on_hand,
            "sold": count,
            "daily_sales": _ratio(count, window, _HUNDREDTH),
            "days_supply": _ratio(on_hand * window, count),
        }
        items.append(item)
    return {
        "as_of": as_of,
        "window_days": window,
        "window_from": first,
        "level": level,
        "condition": condition,
        "items": items,
    }


def turnover(
    db: Database, *, scope: ReadScope, month: str, condition: str | None = None
) -> dict[str, Any]:
    """Per store, for the month: cost of sales ÷ average inventory cost ((opening + closing)
    ÷ 2, opening at the end of the day before the month, closing at its last day), and ×12
    annualised; and units retailed ÷ average units (the used-car measure), also ×12.

    Cost figures are None for those who may not see cost (the unit figures stay).
    """
    if not scope.sees_cost:  # turnover is a cost figure through and through
        raise PermissionDeniedError("the cost of stock is not shown to your role")
    store = _store(scope)
    first, last = months.first_day(month), months.last_day(month)
    stores: dict[str, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(
            ("opening_units", "opening_cost", "closing_units", "closing_cost", "sold", "cogs"), 0
        )
    )
    for name, day in (("opening", days_after(first, -1)), ("closing", last)):
        held, params = _in_stock(day)
        where = Where().add(held, *params).equal("store_id", store).equal("condition", condition)
        for r in db.query(
            f"SELECT store_id, COUNT(*) AS n, SUM(cost) AS c FROM {SPELLS}{where.sql}"
            " GROUP BY store_id",
            where.params,
        ):
            stores[r["store_id"]][f"{name}_units"] = int(r["n"])
            stores[r["store_id"]][f"{name}_cost"] = int(r["c"] or 0)
    where = (
        Where()
        .add("sold_on >= ? AND sold_on <= ?", first.isoformat(), last.isoformat())
        .equal("store_id", store)
        .equal("condition", condition)
    )
    for r in db.query(
        f"SELECT store_id, COUNT(*) AS n, SUM(cost) AS c FROM {SALES}{where.sql} GROUP BY store_id",
        where.params,
    ):
        stores[r["store_id"]]["sold"] = int(r["n"])
        stores[r["store_id"]]["cogs"] = int(r["c"] or 0)
    items = []
    for store_id in sorted(stores):
        f = stores[store_id]
        avg_cost = Decimal(f["opening_cost"] + f["closing_cost"]) / 2
        avg_units = Decimal(f["opening_units"] + f["closing_units"]) / 2
        monthly = _ratio(f["cogs"], avg_cost, _HUNDREDTH)
        units = _ratio(f["sold"], avg_units, _HUNDREDTH)
        money = scope.sees_cost
        items.append(
            {
                "store_id": uid(store_id),
                "opening_units": f["opening_units"],
                "closing_units": f["closing_units"],
                "average_units": avg_units.quantize(_TENTH),
                "units_retailed": f["sold"],
                "unit_turnover": units,
                "unit_turnover_annualised": None if units is None else units * 12,
                "opening_cost": yuan(f["opening_cost"]) if money else None,
                "closing_cost": yuan(f["closing_cost"]) if money else None,
                "average_cost": (avg_cost / 100).quantize(_HUNDREDTH) if money else None,
                "cost_of_sales": yuan(f["cogs"]) if money else None,
                "turnover": monthly if money else None,
                "turnover_annualised": None if monthly is None or not money else monthly * 12,
            }
        )
    return {"month": month, "condition": condition, "items": items}


def _settings(db: Database, store: str | None) -> dict[str, tuple[int, int]]:
    where = Where().equal("store_id", store)
    rows = db.query(
        f"SELECT store_id, aged_days, target_days FROM {SETTINGS}{where.sql}", where.params
    )
    return {r["store_id"]: (int(r["aged_days"]), int(r["target_days"])) for r in rows}


def guidance(
    db: Database,
    *,
    scope: ReadScope,
    as_of: date,
    window: int,
    condition: str = "new",
) -> dict[str, Any]:
    """Per store × model × trim × colour: how many to order so that stock on hand, on order
    and in transit covers the store's target days' supply at the window's sales rate.

    suggested = max(0, ceil(daily_sales × target_days − on_hand − on_order − in_transit)),
    held at 0 while the line has aged stock (days since acquisition ≥ the store's threshold):
    a line whose cars are ageing does not need more of them. Every input is in the item.
    """
    store = _store(scope)
    line = LEVELS["colour"]
    cols = ", ".join(("store_id", *line))
    first = days_after(as_of, -(window - 1))
    settings = _settings(db, store)
    lines: dict[tuple[str, ...], dict[str, Any]] = defaultdict(
        lambda: {"on_hand": 0, "on_order": 0, "in_transit": 0, "sold": 0, "aged": 0, "oldest": None}
    )
    held, params = _in_stock(as_of)
    where = Where().add(held, *params).equal("store_id", store).equal("condition", condition)
    for r in db.query(
        f"SELECT {cols}, acquired_on, COUNT(*) AS n FROM {SPELLS}{where.sql}"
        f" GROUP BY {cols}, acquired_on",
        where.params,
    ):
        entry = lines[tuple(r[c] for c in ("store_id", *line))]
        age = (as_of - date.fromisoformat(r["acquired_on"])).days
        aged_days = settings.get(r["store_id"], (DEFAULT_AGED_DAYS, 0))[0]
        entry["on_hand"] += int(r["n"])
        if age >= aged_days:
            entry["aged"] += int(r["n"])
        entry["oldest"] = max(entry["oldest"] or 0, age)
    where = Where().equal("store_id", store).equal("condition", condition)
    where.add("status IN (?, ?, ?)", *ON_ORDER, *IN_TRANSIT)
    for r in db.query(
        f"SELECT {cols}, status, COUNT(*) AS n FROM {INBOUND}{where.sql} GROUP BY {cols}, status",
        where.params,
    ):
        entry = lines[tuple(r[c] for c in ("store_id", *line))]
        entry["on_order" if r["status"] in ON_ORDER else "in_transit"] += int(r["n"])
    where = (
        Where()
        .add("sold_on >= ? AND sold_on <= ?", first.isoformat(), as_of.isoformat())
        .equal("store_id", store)
        .equal("condition", condition)
    )
    for r in db.query(
        f"SELECT {cols}, COUNT(*) AS n FROM {SALES}{where.sql} GROUP BY {cols}", where.params
    ):
        lines[tuple(r[c] for c in ("store_id", *line))]["sold"] = int(r["n"])
    items = []
    for key in sorted(lines):
        e = lines[key]
        aged_days, target = settings.get(key[0], (DEFAULT_AGED_DAYS, DEFAULT_TARGET_DAYS))
        daily = Decimal(e["sold"]) / window
        need = daily * target
        covered = e["on_hand"] + e["on_order"] + e["in_transit"]
        suggested = max(0, math.ceil(need - covered))
        held_back = e["aged"] > 0 and suggested > 0
        item: dict[str, Any] = {"store_id": uid(key[0])}
        item |= dict(zip(line, key[1:], strict=True))
        item |= {
            "sold": e["sold"],
            "daily_sales": daily.quantize(_HUNDREDTH, ROUND_HALF_UP),
            "target_days": target,
            "target_units": need.quantize(_TENTH, ROUND_HALF_UP),
            "on_hand": e["on_hand"],
            "on_order": e["on_order"],
            "in_transit": e["in_transit"],
            "aged": e["aged"],
            "aged_days": aged_days,
            "oldest_age_days": e["oldest"],
            "suggested": 0 if held_back else suggested,
            "held_for_aging": held_back,
        }
        items.append(item)
    return {
        "as_of": as_of,
        "window_days": window,
        "window_from": first,
        "condition": condition,
        "items": items,
    }


def aging(
    db: Database, *, scope: ReadScope, as_of: date, condition: str | None = None
) -> dict[str, Any]:
    """What each store held at the end of `as_of` (a past day: what was in stock then), by
    days since acquisition, with the store's own aged threshold and how many are past it.

    Items per store: aged_days, buckets [{bucket, vehicles, cost}], aged {vehicles, cost},
    total {vehicles, cost}; cost None for those who may not see it.
    """
    store = _store(scope)
    settings = _settings(db, store)
    held, params = _in_stock(as_of)
    where = Where().add(held, *params).equal("store_id", store).equal("condition", condition)
    rows = db.query(
        f"SELECT store_id, acquired_on, COUNT(*) AS n, SUM(cost) AS c FROM {SPELLS}{where.sql}"
        " GROUP BY store_id, acquired_on",
        where.params,
    )
    per: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {name: [0, 0] for name in (*(b[2] for b in BUCKETS), "aged", "total")}
    )
    for r in rows:
        age = (as_of - date.fromisoformat(r["acquired_on"])).days
        counts = per[r["store_id"]]
        threshold = settings.get(r["store_id"], (DEFAULT_AGED_DAYS, 0))[0]
        n, c = int(r["n"]), int(r["c"] or 0)
        name = next(b[2] for b in BUCKETS if b[1] is None or age <= b[1])
        for slot in (name, "total", *(("aged",) if age >= threshold else ())):
            counts[slot][0] += n
            counts[slot][1] += c

    def cost(fen: int) -> Decimal | None:
        return yuan(fen) if scope.sees_cost else None

    items = []
    for store_id in sorted(per):
        counts = per[store_id]
        items.append(
            {
                "store_id": uid(store_id),
                "aged_days": settings.get(store_id, (DEFAULT_AGED_DAYS, 0))[0],
                "buckets": [
                    {"bucket": b[2], "vehicles": counts[b[2]][0], "cost": cost(counts[b[2]][1])}
                    for b in BUCKETS
                ],
                "aged": {"vehicles": counts["aged"][0], "cost": cost(counts["aged"][1])},
                "total": {"vehicles": counts["total"][0], "cost": cost(counts["total"][1])},
            }
        )
    return {"as_of": as_of, "condition": condition, "items": items}


def pipeline(
    db: Database, *, scope: ReadScope, open_only: bool = True, limit: int = 200
) -> dict[str, Any]:
    """OEM orders and transfers coming to the scope's stores: status, expected day, cost.

    A store manager also sees transfers leaving the store. Cost is None for those who may not
    see it."""
    store = _store(scope)
    where = Where()
    if store is not None:
        where.add("(store_id = ? OR from_store_id = ?)", store, store)
    if open_only:
        where.add("status NOT IN ('received', 'cancelled', 'refused')")
    rows = db.query(
        f"SELECT * FROM {INBOUND}{where.sql} ORDER BY COALESCE(expected_on, '9999'), kind, ident"
        f" LIMIT {int(limit)}",
        where.params,
    )
    items = [
        {
            "kind": r["kind"],
            "id": uid(r["ident"]),
            "store_id": uid(r["store_id"]),
            "from_store_id": uid(r["from_store_id"]),
            "make": r["make"],
            "model": r["model"],
            "trim": r["trim"],
            "colour": r["colour"],
            "status": r["status"],
            "vin": r["vin"],
            "cost": None if r["cost"] is None or not scope.sees_cost else yuan(int(r["cost"])),
            "model_year": r["model_year"],
            "ordered_on": None if r["ordered_on"] is None else date.fromisoformat(r["ordered_on"]),
            "expected_on": None
            if r["expected_on"] is None
            else date.fromisoformat(r["expected_on"]),
            "reason": r["reason"],
            "version": int(r["version"]),
        }
        for r in rows
    ]
    return {"items": items}
