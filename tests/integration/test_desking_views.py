"""The approvals view on SQLite and PostgreSQL: rebuilt from the log (in pages of two events) it
equals the live one row for row, after requests that were approved and signed, refused,
withdrawn by a new quote, ordered and cancelled, or still pending; the queue shows only the
pending one, at its level, with its age."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import UUID

import pytest

from domain.sales.desk import Desk
from domain.shared.access import SYSTEM_READ
from domain.shared.actor import Principal, Role
from projections.deal_approvals import queries as approvals
from projections.deal_approvals.projection import DealApprovalsProjection
from projections.runner import reset
from tests.integration.views_world import ADMIN, World, at, open_world, phone, table_rows
from workers.settings import Settings


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with open_world(settings) as w:
        yield w


def test_the_approvals_view_rebuilt_from_the_log_equals_the_live_one(world: World) -> None:
    store = world.store("Pudong BYD")
    seller = world.salesperson(store, "Alice")
    alice = Principal(user_id="alice", role=Role.SALESPERSON, store_id=store, staff_id=seller)
    desk = Desk(world.app)
    desk.set_rules(ADMIN, store, "0.03", "0.05", None, "manager", {"Han": "110000"})

    def quoted(n: int, discount: str) -> UUID:
        vehicle = world.vehicle(store, cost="100000", list_price="120000")
        customer = world.crm.register_customer(
            alice, store, f"Buyer {n}", phone(900 + n), occurred_at=at(hours=n)
        ).id
        deal = world.sales.open_deal(alice, store, customer, occurred_at=at(hours=n)).id
        world.sales.attach_vehicle(alice, deal, vehicle, occurred_at=at(hours=n))
        world.sales.quote_deal(alice, deal, "120000", discount, occurred_at=at(hours=n))
        return deal

    signed = quoted(1, "7000")  # 5.83 % off: the manager
    desk.request_approval(alice, signed, "loyal", occurred_at=at(hours=2))
    desk.approve(ADMIN, signed, occurred_at=at(hours=3))
    world.sales.sign_contract(alice, signed, occurred_at=at(hours=4))
    refused = quoted(2, "4000")  # 3.33 %: the team leader
    desk.request_approval(alice, refused, occurred_at=at(hours=2))
    desk.refuse(ADMIN, refused, "no", occurred_at=at(hours=3))
    withdrawn = quoted(3, "4000")
    desk.request_approval(alice, withdrawn, occurred_at=at(hours=3))
    world.sales.quote_deal(alice, withdrawn, "120000", "1000", occurred_at=at(hours=4))
    ordered = quoted(4, "1000")
    desk.place_order(alice, ordered, "5000", occurred_at=at(hours=5))
    desk.cancel_order(alice, ordered, "bought elsewhere", occurred_at=at(hours=6))
    waiting = quoted(5, "11000")  # below the floor too: the manager
    desk.request_approval(alice, waiting, occurred_at=at(hours=6))
    world.catch_up()
    views = [DealApprovalsProjection()]
    live = table_rows(world.db, views)

    for view in views:
        reset(world.db, view)
    world.runner(views, page_size=2).run_until_caught_up()

    assert table_rows(world.db, views) == live
    queue = approvals.pending(
        world.db, scope=SYSTEM_READ, levels=["team_leader", "manager"], now=at(hours=9)
    )
    [line] = queue["items"]
    assert (line["deal_id"], line["level"], line["reasons"], line["age_hours"]) == (
        waiting,
        "manager",
        ["discount", "floor"],
        3,
    )
    assert line["front_gross"] == Decimal("9000.00")
    states = {
        item["deal_id"]: (item["status"], item["deal_status"])
        for item in approvals.requests(world.db, scope=SYSTEM_READ, now=at(hours=9))["items"]
    }
    assert states == {
        signed: ("approved", "contracted"),
        refused: ("refused", "quoted"),
        withdrawn: ("withdrawn", "quoted"),
        waiting: ("pending", "quoted"),
    }
    assert (
        approvals.pending(world.db, scope=SYSTEM_READ, levels=["team_leader"], now=at())["items"]
        == []
    )
