"""Stock positions, the vehicle list with ages, and aging buckets (days since acquisition)."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.inventory.model import VehicleStatus
from domain.shared.access import ReadScope
from domain.shared.clock import days_after
from projections.common import Where, day_of, page, paged, uid
from projections.db import Database, Row, yuan
from projections.inventory.projection import POSITIONS

IN_STOCK, RESERVED = VehicleStatus.IN_STOCK.value, VehicleStatus.RESERVED.value
BUCKETS = ("0-30", "31-60", "61-90", "90+")
MAX_SEARCH_WORDS = 5
_SEARCHED = ("make", "model", "trim", "colour", "vin")
_MATCHES = "(" + " OR ".join(f"LOWER({c}) LIKE ? ESCAPE '\\'" for c in _SEARCHED) + ")"


def _escaped(word: str) -> str:
    """A word matched literally inside LIKE: its wildcards escaped."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def positions(
    db: Database, *, scope: ReadScope, limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    """Vehicles on hand per store, make, model, trim and colour, in the scope's stores.

    Items: store_id, make, model, trim, colour, in_stock, reserved (counts) and cost (Decimal
    yuan, the cost of both; None for those who may not see cost). Only lines with at least one
    vehicle on hand.
    """
    store_id, _ = scope.narrowed()
    where = Where().add("in_stock + reserved > 0").equal("store_id", store_id)
    rows, total = page(
        db,
        f"SELECT * FROM {POSITIONS}{where.sql}",
        where.params,
        "store_id, make, model, trim, colour",
        limit,
        offset,
    )
    items = [
        {
            "store_id": uid(r["store_id"]),
            "make": r["make"],
            "model": r["model"],
            "trim": r["trim"],
            "colour": r["colour"],
            "in_stock": int(r["in_stock"]),
            "reserved": int(r["reserved"]),
            "cost": yuan(int(r["cost"])) if scope.sees_cost else None,
        }
        for r in rows
    ]
    return paged(items, total, limit, offset)


def vehicles(
    db: Database,
    status: str | None = None,
    *,
    scope: ReadScope,
    as_of: date,
    limit: int = 50,
    offset: int = 0,
    search: str | None = None,
) -> dict[str, Any]:
    """Vehicles in the scope's stores, oldest acquisition first, with `age_days` = as_of -
    received_on (a store-bound login asking for another store gets none). `search` keeps the
    vehicles whose make, model, trim, colour or VIN contain every word of it (any case).

    Items: id, vin, store_id, make, model, trim, colour, model_year, condition, cost (None for
    those who may not see it), list_price, sold_price (Decimal yuan or None), status, deal_id,
    received_on, age_days.
    """
    if not scope.visible:
        return paged([], 0, limit, offset) | {"as_of": as_of}
    store_id = scope.store_id
    where = Where().equal("store_id", store_id).equal("status", status)
    for word in (search or "").lower().split()[:MAX_SEARCH_WORDS]:
        where.add(_MATCHES, *[f"%{_escaped(word)}%"] * len(_SEARCHED))
    rows, total = page(
        db,
        f"SELECT * FROM rm_inventory_vehicle{where.sql}",
        where.params,
        "received_on, vehicle_id",
        limit,
        offset,
    )
    items = [_vehicle(r, as_of, scope.sees_cost) for r in rows]
    return paged(items, total, limit, offset) | {"as_of": as_of}


def aging(db: Database, as_of: date, *, scope: ReadScope) -> dict[str, Any]:
    """In-stock and reserved vehicles of the scope's stores by days since acquisition: 0-30,
    31-60, 61-90, 90+.

    Answer: {as_of, store_id, buckets: [{bucket, vehicles, cost}...] (all four, in order),
    total: {vehicles, cost}}; cost is Decimal yuan, None for those who may not see cost (a
    bucket of one car would show its cost).
    """
    store_id, _ = scope.narrowed()
    edges = [days_after(as_of, -days).isoformat() for days in (30, 60, 90)]
    where = Where().add("status IN (?, ?)", IN_STOCK, RESERVED).equal("store_id", store_id)
    rows = db.query(
        "SELECT bucket, COUNT(*) AS vehicles, SUM(cost) AS cost FROM ("
        " SELECT cost, CASE WHEN received_on >= ? THEN '0-30'"
        "  WHEN received_on >= ? THEN '31-60' WHEN received_on >= ? THEN '61-90'"
        f"  ELSE '90+' END AS bucket FROM rm_inventory_vehicle{where.sql}"
        ") AS aged GROUP BY bucket",
        (*edges, *where.params),
    )
    found = {r["bucket"]: (int(r["vehicles"]), int(r["cost"] or 0)) for r in rows}
    counts = [(name, *found.get(name, (0, 0))) for name in BUCKETS]

    def cost(fen: int) -> Any:
        return yuan(fen) if scope.sees_cost else None

    buckets = [{"bucket": n, "vehicles": v, "cost": cost(c)} for n, v, c in counts]
    return {
        "as_of": as_of,
        "store_id": store_id,
        "buckets": buckets,
        "total": {
            "vehicles": sum(v for v, _ in found.values()),
            "cost": cost(sum(c for _, c in found.values())),
        },
    }


def _vehicle(r: Row, as_of: date, sees_cost: bool) -> dict[str, Any]:
    received_on = day_of(r["received_on"])
    assert received_on is not None  # NOT NULL column
    return {
        "id": uid(r["vehicle_id"]),  # `id`, as in GET /vehicles/{id}
        "vin": r["vin"],
        "store_id": uid(r["store_id"]),
        "make": r["make"],
        "model": r["model"],
        "trim": r["trim"],
        "colour": r["colour"],
        "model_year": int(r["model_year"]),
        "condition": r["condition"],
        "cost": yuan(r["cost"]) if sees_cost else None,
        "list_price": yuan(r["list_price"]),
        "sold_price": None if r["sold_price"] is None else yuan(r["sold_price"]),
        "status": r["status"],
        "deal_id": uid(r["deal_id"]),
        "received_on": received_on,
        "age_days": (as_of - received_on).days,
    }
