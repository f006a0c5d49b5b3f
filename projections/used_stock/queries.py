"""The used stock list (age, cost with recon, T2L, price step, wholesale flag), a store's
policy, and retail against wholesale gross for a month."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.inventory.model import VehicleStatus
from domain.inventory.policy import PriceStep, step_for
from domain.shared import months
from domain.shared.access import ReadScope
from domain.shared.errors import PermissionDeniedError
from projections.common import Where, day_of, page, paged, sid, uid
from projections.db import Database, Row, yuan
from projections.used_stock.projection import POLICIES, USED

ON_HAND = (VehicleStatus.IN_STOCK.value, VehicleStatus.RESERVED.value)
Policy = tuple[tuple[PriceStep, ...], int | None]


def policy(db: Database, store_id: UUID) -> Policy:
    """A store's price steps and wholesale age (none and None when never set)."""
    row = db.query(
        f"SELECT steps, wholesale_at_days FROM {POLICIES} WHERE store_id = ?", (sid(store_id),)
    )
    if not row:
        return (), None
    steps = tuple(
        PriceStep(int(s["days"]), Decimal(s["percent_off"])) for s in json.loads(row[0]["steps"])
    )
    wholesale_at = row[0]["wholesale_at_days"]
    return steps, None if wholesale_at is None else int(wholesale_at)


def used_cars(
    db: Database,
    *,
    scope: ReadScope,
    as_of: date,
    on_hand: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Used cars of the scope's stores, oldest acquisition first (on hand only by default).

    Items: id, vin, store_id, make, model, trim, colour, model_year, source, status,
    received_on, age_days (as_of − received_on), front_line_ready, ready_on, t2l_days (for a car
    still in recon: days so far, with `in_recon`), open_orders, list_price, asking_price (the
    first list price), suggested_price and step_days / step_percent_off (the store's step the
    car has reached, or None), wholesale_due (age ≥ the store's wholesale age), and —
    None for those who may not see cost — acquisition_cost, recon_cost, cost (with recon).
    """
    if not scope.visible:
        return paged([], 0, limit, offset) | {"as_of": as_of}
    where = Where().equal("store_id", scope.store_id)
    if on_hand:
        where.add("status IN (?, ?)", *ON_HAND)
    rows, total = page(
        db,
        f"SELECT * FROM {USED}{where.sql}",
        where.params,
        "received_on, vehicle_id",
        limit,
        offset,
    )
    policies: dict[str, Policy] = {}
    items = []
    for r in rows:
        store = r["store_id"]
        if store not in policies:
            policies[store] = policy(db, UUID(store))
        items.append(_car(r, as_of, scope.sees_cost, policies[store]))
    return paged(items, total, limit, offset) | {"as_of": as_of}


def _car(r: Row, as_of: date, sees_cost: bool, rules: Policy) -> dict[str, Any]:
    received_on = day_of(r["received_on"])
    assert received_on is not None  # NOT NULL column
    ready_on = day_of(r["ready_on"])
    age = (as_of - received_on).days
    steps, wholesale_at = rules
    on_hand = r["status"] in ON_HAND
    step = step_for(steps, age) if on_hand else None
    asking = yuan(r["asking_price"])

    def cost(column: str) -> Decimal | None:
        return yuan(r[column]) if sees_cost else None

    return {
        "id": uid(r["vehicle_id"]),
        "vin": r["vin"],
        "store_id": uid(r["store_id"]),
        "make": r["make"],
        "model": r["model"],
        "trim": r["trim"],
        "colour": r["colour"],
        "model_year": int(r["model_year"]),
        "source": r["source"],
        "status": r["status"],
        "received_on": received_on,
        "age_days": age,
        "front_line_ready": ready_on is not None,
        "ready_on": ready_on,
        "t2l_days": int(r["t2l_days"]) if r["t2l_days"] is not None else age,
        "in_recon": ready_on is None,
        "open_orders": int(r["open_orders"]),
        "list_price": yuan(r["list_price"]),
        "asking_price": asking,
        "step_days": None if step is None else step.days,
        "step_percent_off": None if step is None else step.percent_off,
        "suggested_price": None if step is None else step.price_for(asking),
        "wholesale_due": on_hand and wholesale_at is not None and age >= wholesale_at,
        "acquisition_cost": cost("acquisition_cost"),
        "recon_cost": cost("recon_cost"),
        "cost": cost("cost"),
    }


def disposal_gross(db: Database, month: str, *, scope: ReadScope) -> dict[str, Any]:
    """Used-car disposals of a month in the scope's stores, retail and wholesale apart.

    Retail: delivered in the month (unwound ones leave), gross = selling price − cost with
    recon. Wholesale: sold in the month, gross = wholesale price − cost with recon.
    Answer: {month, store_id, retail: {units, gross, t2l_days_mean}, wholesale: {units, gross}}.
    Cost-blind roles (salespeople) may not read it.
    """
    if not scope.sees_cost:
        raise PermissionDeniedError("used-car gross shows cost: managers and finance only")
    scope.ensure_visible()
    first, last = months.first_day(month), months.last_day(month)
    where = (
        Where()
        .add("disposed_on BETWEEN ? AND ?", first.isoformat(), last.isoformat())
        .equal("store_id", scope.store_id)
    )
    rows = db.query(
        "SELECT disposal, COUNT(*) AS units, SUM(gross) AS gross, SUM(t2l_days) AS t2l,"
        f" COUNT(t2l_days) AS timed FROM {USED}{where.sql} GROUP BY disposal",
        where.params,
    )
    found = {r["disposal"]: r for r in rows}

    def part(kind: str) -> dict[str, Any]:
        r = found.get(kind)
        units = int(r["units"]) if r else 0
        answer: dict[str, Any] = {"units": units, "gross": yuan(int(r["gross"] or 0) if r else 0)}
        return answer

    retail = part("retail")
    timed = found.get("retail")
    retail["t2l_days_mean"] = (
        (Decimal(int(timed["t2l"])) / int(timed["timed"])).quantize(Decimal("0.1"))
        if timed and int(timed["timed"])
        else None
    )
    return {
        "month": month,
        "store_id": scope.store_id,
        "retail": retail,
        "wholesale": part("wholesale"),
    }
