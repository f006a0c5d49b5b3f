"""The stock reports on the hand-computed example of docs/stock.md, on SQLite and PostgreSQL:
days' supply over a stated 30-day window, March's turnover (cost and units), the purchase
guidance with its inputs, aging today and as of a past day (that day's stock, not today's
re-aged), and a transfer moving a vehicle's spell between stores at its cost plus freight."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.shared.access import read_scope
from domain.shared.actor import Principal, Role
from domain.stock.service import Stock
from projections.stock_reports import queries
from tests.integration.views_world import ADMIN, World, at, open_world, vin
from workers.settings import Settings

MARCH_END = date(2024, 3, 31)
GROUP = read_scope(Principal(user_id="exec", role=Role.GROUP_EXEC, username="exec"))


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with open_world(settings) as w:
        yield w


def receive(w: World, store: UUID, model: str, colour: str, on: date, cost: str = "100000") -> UUID:
    w._vins += 1
    return w.inventory.receive_vehicle(
        ADMIN, store, vin(w._vins), "BYD", model, "EV", colour, 2024, "new",
        Decimal(cost), Decimal("120000"), received_on=on, occurred_at=at(days=-60),
    ).id  # fmt: skip


def sell(w: World, store: UUID, seller: UUID, vehicle_id: UUID, when: datetime) -> None:
    w._phones += 1
    customer = w.crm.register_customer(
        ADMIN, store, f"Buyer {w._phones}", f"139{w._phones:08d}", occurred_at=when
    ).id
    deal = w.sales.open_deal(ADMIN, store, customer, seller, occurred_at=when).id
    w.sales.attach_vehicle(ADMIN, deal, vehicle_id, occurred_at=when)
    w.sales.quote_deal(ADMIN, deal, Decimal("120000"), Decimal("0"), occurred_at=when)
    w.sales.sign_contract(ADMIN, deal, occurred_at=when)
    w.sales.deliver_deal(ADMIN, deal, occurred_at=when)


def example(w: World) -> UUID:
    """Store A in March 2024 (docs/stock.md): every vehicle costs 100,000 but the Seals."""
    store = w.store()
    seller = w.salesperson(store, "Seller")
    Stock(w.app).set_settings(ADMIN, store, 60, 45, occurred_at=at(days=-30))
    for _ in range(4):
        receive(w, store, "Han", "Black", date(2024, 3, 1))
    receive(w, store, "Han", "Black", date(2024, 1, 10))  # the aged one
    receive(w, store, "Han", "Blue", date(2024, 3, 1))
    for _ in range(2):
        receive(w, store, "Seal", "White", date(2024, 3, 20), cost="150000")
    for day in range(6):  # Han Black retailed 4 to 9 March
        sell(w, store, seller, receive(w, store, "Han", "Black", date(2024, 3, 1)), at(days=day))
    for day in range(6, 9):  # Han Blue retailed 10 to 12 March
        sell(w, store, seller, receive(w, store, "Han", "Blue", date(2024, 3, 1)), at(days=day))
    stock = Stock(w.app)
    stock.place_order(ADMIN, store, "BYD", "Han", "EV", "Black", 2024, date(2024, 3, 25))
    allocated = stock.place_order(
        ADMIN, store, "BYD", "Han", "EV", "Black", 2024, date(2024, 3, 25)
    )
    stock.allocate_order(ADMIN, allocated.id, vin(900), "100000", "120000", date(2024, 3, 28))
    w.catch_up()
    return store


def by_line(items: list[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(i[k] for k in keys): i for i in items}


def test_days_supply_is_units_over_the_windows_daily_sales(world: World) -> None:
    example(world)

    report = queries.days_supply(world.db, scope=GROUP, as_of=MARCH_END, window=30)

    lines = by_line(report["items"], "model")
    assert (report["window_days"], report["window_from"]) == (30, date(2024, 3, 2))
    assert report["items"] and lines.keys() == {("Han",), ("Seal",)}
    han, seal = lines[("Han",)], lines[("Seal",)]
    # Han: 6 in stock (5 Black, 1 Blue); 9 retailed in 30 days = 0.30 a day; 6 / 0.3 = 20.0 days.
    assert (han["units"], han["sold"], han["daily_sales"], han["days_supply"]) == (
        6, 9, Decimal("0.30"), Decimal("20.0"),
    )  # fmt: skip
    assert (seal["units"], seal["sold"], seal["days_supply"]) == (2, 0, None)


def test_days_supply_per_colour_splits_the_line(world: World) -> None:
    example(world)

    report = queries.days_supply(world.db, scope=GROUP, as_of=MARCH_END, window=30, level="colour")

    lines = by_line(report["items"], "model", "colour")
    assert (lines[("Han", "Black")]["units"], lines[("Han", "Black")]["days_supply"]) == (
        5, Decimal("25.0"),
    )  # fmt: skip
    assert lines[("Han", "Blue")]["days_supply"] == Decimal("10.0")


def test_turnover_is_cost_of_sales_over_average_inventory_cost(world: World) -> None:
    example(world)

    (item,) = queries.turnover(world.db, scope=GROUP, month="2024-03")["items"]

    assert (item["opening_cost"], item["closing_cost"], item["cost_of_sales"]) == (
        Decimal("100000.00"), Decimal("900000.00"), Decimal("900000.00"),
    )  # fmt: skip
    assert (item["turnover"], item["turnover_annualised"]) == (Decimal("1.80"), Decimal("21.60"))
    assert (item["opening_units"], item["closing_units"], item["units_retailed"]) == (1, 8, 9)
    assert (item["unit_turnover"], item["unit_turnover_annualised"]) == (
        Decimal("2.00"), Decimal("24.00"),
    )  # fmt: skip


def test_guidance_orders_up_to_the_target_and_holds_back_a_line_with_aged_stock(
    world: World,
) -> None:
    example(world)

    report = queries.guidance(world.db, scope=GROUP, as_of=MARCH_END, window=30)

    lines = by_line(report["items"], "model", "colour")
    blue, black = lines[("Han", "Blue")], lines[("Han", "Black")]
    # Blue: 3 sold / 30 = 0.10 a day × 45 days = 4.5 wanted; 1 on hand; ceil(3.5) = 4.
    assert (blue["daily_sales"], blue["target_units"], blue["on_hand"], blue["suggested"]) == (
        Decimal("0.10"), Decimal("4.5"), 1, 4,
    )  # fmt: skip
    # Black: 0.20 × 45 = 9 wanted; 5 on hand + 1 on order + 1 in transit = 7; 2 short, but one
    # car is 81 days old (threshold 60): held at 0.
    assert (black["on_hand"], black["on_order"], black["in_transit"], black["aged"]) == (5, 1, 1, 1)
    assert (black["suggested"], black["held_for_aging"]) == (0, True)


def test_aging_as_of_a_past_day_counts_that_days_stock(world: World) -> None:
    example(world)

    today = queries.aging(world.db, scope=GROUP, as_of=MARCH_END)["items"][0]
    past = queries.aging(world.db, scope=GROUP, as_of=date(2024, 3, 5))["items"][0]

    assert [b["vehicles"] for b in today["buckets"]] == [7, 0, 1, 0]
    assert (today["aged"]["vehicles"], today["aged_days"]) == (1, 60)
    # 5 March: 8 Han Black of 1 March (2 retailed on the 4th and 5th), 4 Han Blue, and the
    # January car at 55 days: not aged yet; the Seals had not arrived.
    assert [b["vehicles"] for b in past["buckets"]] == [12, 1, 0, 0]
    assert past["aged"]["vehicles"] == 0


def test_a_transfer_moves_the_vehicle_to_the_other_stores_stock_at_cost_plus_freight(
    world: World,
) -> None:
    store = world.store()
    other = world.store("Minhang BYD")
    vehicle = receive(world, store, "Han", "Black", date(2024, 3, 1))
    stock = Stock(world.app)
    stock.request_transfer(ADMIN, vehicle, other, "800", occurred_at=at())
    stock.approve_transfer(ADMIN, vehicle, occurred_at=at())
    stock.ship_transfer(ADMIN, vehicle, date(2024, 3, 7), date(2024, 3, 5), occurred_at=at(days=1))
    world.catch_up()
    (moving,) = queries.pipeline(world.db, scope=GROUP)["items"]
    in_transit = queries.aging(world.db, scope=GROUP, as_of=date(2024, 3, 6))["items"]

    stock.receive_transfer(ADMIN, vehicle, date(2024, 3, 7), occurred_at=at(days=3))
    world.catch_up()

    assert (moving["status"], moving["expected_on"], moving["cost"]) == (
        "in_transit", date(2024, 3, 7), Decimal("800.00"),
    )  # fmt: skip
    assert in_transit == []  # on the road: in neither store's stock
    (arrived,) = queries.aging(world.db, scope=GROUP, as_of=date(2024, 3, 7))["items"]
    assert (arrived["store_id"], arrived["total"]["cost"]) == (other, Decimal("100800.00"))
    assert queries.pipeline(world.db, scope=GROUP)["items"] == []
