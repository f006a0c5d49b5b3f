"""Roll-up rows answer exactly what the detail rows they summarise would (SQLite only).

The KPI report reads whole months from `rm_salesperson_kpi_month` and only the edge days from
the daily rows; the stock positions report reads `rm_inventory_position` instead of grouping
every vehicle on hand. Over random histories, both must agree with the detail they roll up.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.inventory.model import VehicleStatus
from domain.shared.access import SYSTEM_READ
from domain.shared.months import bounds
from projections.inventory.queries import positions
from projections.lead_funnel.projection import STAGES
from projections.leaderboard.queries import leaderboard
from projections.salesperson_kpi.projection import COUNTERS
from projections.salesperson_kpi.queries import kpi_table
from tests.conftest import sqlite_settings
from tests.integration.test_projection_properties import Plan, plans, play
from tests.integration.views_world import ADMIN, World, at, open_world, phone, revealed

FIRST_DAY = date(2024, 2, 20)  # leads are captured from 4 March; unwinds run into May


def day_sums(world: World, first: date, last: date) -> dict[str, dict[str, int]]:
    """Each salesperson's counters summed straight from the daily rows."""
    rows = world.db.query(
        f"SELECT salesperson_id, {', '.join(f'SUM({c}) AS {c}' for c in COUNTERS)}"
        " FROM rm_salesperson_kpi WHERE day BETWEEN ? AND ? GROUP BY salesperson_id",
        (first.isoformat(), last.isoformat()),
    )
    return {r["salesperson_id"]: {c: int(r[c]) for c in COUNTERS} for r in rows}


def report_sums(
    world: World, first: date, last: date, month: str | None = None
) -> dict[str, dict[str, int]]:
    """The same, as the KPI report gives them (money back in fen, units in thousandths)."""
    if month is None:
        answer = kpi_table(world.db, date_from=first, date_to=last, limit=100)
    else:
        answer = kpi_table(world.db, month=month, limit=100)
    sums: dict[str, dict[str, int]] = {}
    for line in answer["items"]:
        counts = {c: line[c] for c in COUNTERS}
        counts["revenue"] = int(line["revenue"] * 100)
        counts["front_gross"] = int(line["front_gross"] * 100)
        counts["units_delivered"] = int(line["units_delivered"] * 1000)
        sums[str(line["salesperson_id"])] = counts
    return sums


def check_day_ranges(world: World, ranges: list[list[int]]) -> None:
    """The KPI report over any day range equals the daily rows of that range."""
    for low, high in ranges:
        first, last = FIRST_DAY + timedelta(days=low), FIRST_DAY + timedelta(days=high)
        assert report_sums(world, first, last) == day_sums(world, first, last), (first, last)


def check_month_rows(world: World) -> None:
    """Every month row (per store and group-wide) is the sum of that month's daily rows, and
    the report of a month says the same."""
    sums = ", ".join(f"SUM({c}) AS {c}" for c in COUNTERS)
    by_store = world.db.query(
        f"SELECT SUBSTR(day, 1, 7) AS month, salesperson_id, store_id, {sums}"
        " FROM rm_salesperson_kpi GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )
    monthly = world.db.query(
        f"SELECT month, salesperson_id, store_id, {', '.join(COUNTERS)}"
        " FROM rm_salesperson_kpi_month ORDER BY 1, 2, 3"
    )
    by_group = world.db.query(
        f"SELECT SUBSTR(day, 1, 7) AS month, salesperson_id, {sums}"
        " FROM rm_salesperson_kpi GROUP BY 1, 2 ORDER BY 1, 2"
    )
    group = world.db.query(
        f"SELECT month, salesperson_id, {', '.join(COUNTERS)}"
        " FROM rm_salesperson_kpi_group ORDER BY 1, 2"
    )
    months = {r["month"] for r in group}
    reports = {m: report_sums(world, FIRST_DAY, FIRST_DAY, month=m) for m in months}
    expected = {m: day_sums(world, *(date.fromisoformat(d) for d in bounds(m))) for m in months}

    assert [dict(r) for r in monthly] == [dict(r) for r in by_store]
    assert [dict(r) for r in group] == [dict(r) for r in by_group]
    assert reports == expected


# --- stock positions -------------------------------------------------------------------------

MODELS = ("Han", "Seal")
COLOURS = ("Black", "White")
STEPS = (
    "stock",
    "reserved",
    "cancelled",
    "contracted",
    "delivered",
    "unwound",
    "transfer",
    "reprice",
)


def reserved_deal(world: World, store_id: UUID, seller: UUID, when: datetime) -> UUID:
    """A deal holding a new vehicle, not contracted yet."""
    vehicle_id = world.vehicle(store_id)
    customer_id = world.crm.register_customer(
        ADMIN, store_id, "Buyer", phone(9000 + world._vins), occurred_at=when
    ).id
    deal_id = world.sales.open_deal(ADMIN, store_id, customer_id, seller, occurred_at=when).id
    world.sales.attach_vehicle(ADMIN, deal_id, vehicle_id, occurred_at=when)
    return deal_id


def run_stock(world: World, steps: list[tuple[str, int, int, int]]) -> None:
    """Receive, sell, unwind, cancel, move and reprice vehicles through the real services."""
    stores = [world.store("Pudong BYD"), world.store("Mayfair BYD", "UTC")]
    sellers = [world.salesperson(store, "Amy") for store in stores]
    in_stock: list[tuple[UUID, int]] = []
    for n, (step, store, model, colour) in enumerate(steps):
        when = at(days=n)
        kind = {"model": MODELS[model], "colour": COLOURS[colour]}
        if step == "stock":
            vehicle_id = world.vehicle(stores[store], **kind)
            in_stock.append((vehicle_id, store))
        elif step in ("transfer", "reprice"):
            if not in_stock:
                continue
            vehicle_id, at_store = in_stock.pop(0)
            if step == "transfer":
                world.inventory.transfer_vehicle(
                    ADMIN, vehicle_id, stores[1 - at_store], occurred_at=when
                )
                in_stock.append((vehicle_id, 1 - at_store))
            else:
                world.inventory.reprice_vehicle(ADMIN, vehicle_id, str(99000 - n), occurred_at=when)
                in_stock.append((vehicle_id, at_store))
        elif step in ("reserved", "cancelled"):
            deal_id = reserved_deal(world, stores[store], sellers[store], when)
            if step == "cancelled":
                world.sales.cancel_deal(ADMIN, deal_id, "customer walked", occurred_at=when)
        else:
            deal_id = world.contracted_deal(stores[store], sellers[store], when)
            if step in ("delivered", "unwound"):
                world.sales.deliver_deal(ADMIN, deal_id, occurred_at=when)
            if step == "unwound":
                world.unwind(deal_id, at(days=n, hours=2))
    world.catch_up()


def on_hand_by_line(world: World) -> dict[tuple[str, ...], tuple[int, int, int]]:
    """Vehicles on hand grouped straight from the vehicle rows."""
    counts: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in world.db.query("SELECT * FROM rm_inventory_vehicle"):
        slot = {VehicleStatus.IN_STOCK.value: 0, VehicleStatus.RESERVED.value: 1}.get(r["status"])
        if slot is None:
            continue
        line = counts[(r["store_id"], r["make"], r["model"], r["trim"], r["colour"])]
        line[slot] += 1
        line[2] += int(r["cost"])
    return {key: (a, b, c) for key, (a, b, c) in counts.items()}


def reported_positions(world: World) -> dict[tuple[str, ...], tuple[int, int, int]]:
    found: dict[tuple[str, ...], tuple[int, int, int]] = {}
    offset = 0
    while True:
        answer: dict[str, Any] = positions(world.db, scope=SYSTEM_READ, limit=3, offset=offset)
        for item in answer["items"]:
            key = (str(item["store_id"]), item["make"], item["model"], item["trim"], item["colour"])
            found[key] = (item["in_stock"], item["reserved"], int(item["cost"] * 100))
        offset += 3
        if offset >= answer["total"]:
            return found


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(STEPS),
            st.integers(0, 1),
            st.integers(0, len(MODELS) - 1),
            st.integers(0, len(COLOURS) - 1),
        ),
        max_size=12,
    )
)
def test_stock_positions_are_the_vehicles_on_hand_grouped_by_line(
    steps: list[tuple[str, int, int, int]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp, open_world(sqlite_settings(Path(tmp))) as world:
        run_stock(world, steps)

        assert reported_positions(world) == on_hand_by_line(world)


# --- the group leaderboard -------------------------------------------------------------------


def expected_board(world: World, month: str) -> list[tuple[int, str, str, int, int]]:
    """(rank, salesperson id, name, units, gross) ranked from the per-store rows: competition
    ranks by units then gross, ties in salesperson id order (names are sealed in the views,
    each with the person's own key, so they cannot order anything); names revealed."""
    rows = world.db.query(
        "SELECT l.salesperson_id AS id, s.name AS name, SUM(l.units) AS units,"
        " SUM(l.gross) AS gross FROM rm_leaderboard l"
        " JOIN rm_leaderboard_staff s ON s.staff_id = l.salesperson_id"
        " WHERE l.month = ? GROUP BY l.salesperson_id, s.name",
        (month,),
    )
    lines = sorted(rows, key=lambda r: (-int(r["units"]), -int(r["gross"]), r["id"]))
    board: list[tuple[int, str, str, int, int]] = []
    for position, r in enumerate(lines, start=1):
        better = [x for x in lines if (x["units"], x["gross"]) > (r["units"], r["gross"])]
        name = revealed(world, r["name"])
        board.append((len(better) + 1, r["id"], name, int(r["units"]), int(r["gross"])))
        assert len(better) + 1 <= position
    return board


def check_board_pages(world: World, page_size: int) -> None:
    """The group board, read a page at a time, ranks as the per-store rows do."""
    for month in ("2024-03", "2024-04", "2024-05"):
        lines: list[tuple[int, str, str, int, int]] = []
        offset = 0
        while True:
            answer = leaderboard(world.db, month, limit=page_size, offset=offset)
            lines += [
                (
                    item["rank"],
                    str(item["salesperson_id"]),
                    revealed(world, item["name"]),
                    int(item["units"] * 1000),
                    int(item["gross"] * 100),
                )
                for item in answer["items"]
            ]
            offset += page_size
            if offset >= answer["total"]:
                break

        assert lines == expected_board(world, month)


def check_funnel_group(world: World) -> None:
    """The group funnel row of each channel is the sum of its stores' rows."""
    sums = ", ".join(f"SUM({s}) AS {s}" for s in STAGES)
    by_store = world.db.query(
        f"SELECT month, channel, {sums} FROM rm_lead_funnel GROUP BY 1, 2 ORDER BY 1, 2"
    )
    group = world.db.query(
        f"SELECT month, channel, {', '.join(STAGES)} FROM rm_lead_funnel_group ORDER BY 1, 2"
    )

    assert [dict(r) for r in group] == [dict(r) for r in by_store]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    history=plans,
    ranges=st.lists(
        st.tuples(st.integers(0, 100), st.integers(0, 100)).map(sorted), min_size=1, max_size=6
    ),
    page_size=st.integers(1, 3),
)
def test_every_roll_up_of_any_history_agrees_with_the_rows_it_sums(
    history: list[Plan], ranges: list[list[int]], page_size: int
) -> None:
    """One history played into one store, every roll-up checked against it: the KPI report
    over day ranges and months, the month and group rows, the group board read a page at a
    time, the group funnel. (These were four properties of 25 examples each, each playing its
    own history into its own store: the same checks now share the 25 stores.)"""
    with tempfile.TemporaryDirectory() as tmp, open_world(sqlite_settings(Path(tmp))) as world:
        play(world, history)
        check_day_ranges(world, ranges)
        check_month_rows(world)
        check_board_pages(world, page_size)
        check_funnel_group(world)
