"""One contract per view, run on SQLite and PostgreSQL: real commands in, query answers out."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.satisfaction.service import Satisfaction
from domain.shared.access import SYSTEM_READ, read_scope
from domain.shared.actor import SYSTEM
from domain.shared.errors import InvalidValueError
from projections.directory import queries as directory
from projections.directory.phone_index import ViewPhoneIndex
from projections.inventory.queries import aging, positions, vehicles
from projections.lead_funnel.queries import funnel
from projections.leaderboard.queries import leaderboard
from projections.salesperson_kpi.queries import kpi_table
from projections.satisfaction.queries import list_surveys
from tests.conftest import sqlite_settings
from tests.integration.views_world import ADMIN, World, at, open_world, phone, revealed
from workers.settings import Settings

MARCH = "2024-03"


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with open_world(settings) as w:
        yield w


def shown(world: World, query: Callable[..., Any]) -> Callable[..., Any]:
    """`query` answering as the API does: the staff names (sealed in the views, each with the
    person's own key) revealed."""
    return lambda *args, **kw: revealed(world, query(*args, **kw))


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}


# --- directory --------------------------------------------------------------------------------


def test_directory_lists_customers_with_a_masked_phone_and_the_lead_and_deal_status(
    world: World,
) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    lead_id = world.lead(store, alice, at())
    lost_id = world.lead(store, alice, at(5))
    world.leads.lose_lead(ADMIN, lost_id, "price", occurred_at=at(30))
    deal_id = world.contracted_deal(store, alice, at(60), lead_id=lead_id)

    world.catch_up()

    customers = revealed(
        world, directory.list_customers(world.db, scope=read_scope(SYSTEM, store_id=store))
    )
    assert customers["total"] == 2
    assert {c["phone"] for c in customers["items"]} == {"+86139****0001", "+86139****0002"}
    leads = {
        row["id"]: row
        for row in directory.list_leads(world.db, scope=read_scope(SYSTEM, store_id=store))["items"]
    }
    assert leads[lead_id]["status"] == "converted"
    assert leads[lead_id]["deal_id"] == deal_id
    assert leads[lost_id]["status"] == "lost"
    [deal] = directory.list_deals(world.db, scope=read_scope(SYSTEM, salesperson_id=alice))["items"]
    assert (deal["id"], deal["status"], deal["selling_price"]) == (
        deal_id,
        "contracted",
        Decimal("120000.00"),
    )
    assert deal["front_gross"] == Decimal("20000.00")


def test_directory_lists_stores_and_staff_where_they_work_now(world: World) -> None:
    pudong = world.store("Pudong BYD")
    minhang = world.store("Minhang BYD")
    alice = world.salesperson(pudong, "Alice")
    world.salesperson(pudong, "Bob")
    world.organisation.transfer_staff(ADMIN, alice, minhang, occurred_at=at())
    world.organisation.update_store(
        ADMIN, pudong, "Pudong BYD & Denza", "Shanghai", ["BYD"], "Asia/Shanghai"
    )

    world.catch_up()

    stores = directory.list_stores(world.db)
    assert [s["name"] for s in stores["items"]] == ["Minhang BYD", "Pudong BYD & Denza"]
    assert stores["items"][1]["brands"] == ["BYD"]
    assert [
        s["name"] for s in shown(world, directory.list_staff)(world.db, store_id=pudong)["items"]
    ] == ["Bob"]
    assert [
        s["name"] for s in shown(world, directory.list_staff)(world.db, store_id=minhang)["items"]
    ] == ["Alice"]


def test_directory_lists_are_paginated_with_the_total_of_all_pages(world: World) -> None:
    store = world.store()
    for n in range(5):
        world.crm.register_customer(
            ADMIN, store, f"Customer {n}", phone(100 + n), occurred_at=at(n)
        )

    world.catch_up()

    page = directory.list_customers(
        world.db, scope=read_scope(SYSTEM, store_id=store), limit=2, offset=4
    )
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 4)
    assert [c["name"] for c in revealed(world, page["items"])] == ["Customer 0"]  # newest first


def test_the_phone_index_finds_a_customer_registered_a_moment_ago(world: World) -> None:
    store = world.store()
    runner = world.runner()
    runner.start()
    customer_id = world.crm.register_customer(ADMIN, store, "Li Wei", phone(7), occurred_at=at()).id
    index = ViewPhoneIndex(world.app, world.db, wait_seconds=10)

    found = index.find(world.crm.phone_hash(phone(7)))

    assert found == customer_id
    assert index.find(world.crm.phone_hash(phone(8))) is None


# --- salesperson KPIs -------------------------------------------------------------------------


def test_kpis_average_the_first_human_response_and_ignore_auto_replies(world: World) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    answered = world.lead(store, alice, at())
    world.lead(store, alice, at(1))
    world.leads.log_activity(ADMIN, answered, "message", automated=True, occurred_at=at(0.5))
    world.leads.log_activity(ADMIN, answered, "call", occurred_at=at(10))
    world.leads.log_activity(ADMIN, answered, "call", occurred_at=at(40))

    world.catch_up()

    [line] = shown(world, kpi_table)(world.db, month=MARCH)["items"]
    assert line["name"] == "Alice"
    assert (line["leads_assigned"], line["first_responses"], line["activities"]) == (2, 1, 2)
    assert line["avg_response_seconds"] == Decimal("600")


def test_a_response_entered_late_with_an_earlier_time_replaces_the_one_counted(
    world: World,
) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    lead_id = world.lead(store, alice, at())
    world.leads.log_activity(ADMIN, lead_id, "call", occurred_at=at(30))
    world.leads.log_activity(ADMIN, lead_id, "visit", occurred_at=at(5))

    world.catch_up()

    [line] = shown(world, kpi_table)(world.db, month=MARCH)["items"]
    assert (line["first_responses"], line["avg_response_seconds"]) == (1, Decimal("300"))


def test_a_reassigned_lead_starts_a_new_response_clock_for_the_new_salesperson(
    world: World,
) -> None:
    store = world.store()
    alice, bob = world.salesperson(store, "Alice"), world.salesperson(store, "Bob")
    lead_id = world.lead(store, alice, at())
    world.leads.assign_lead(ADMIN, lead_id, bob, occurred_at=at(60))
    world.leads.log_activity(ADMIN, lead_id, "call", occurred_at=at(62))
    world.leads.set_appointment(ADMIN, lead_id, at(days=1), "test_drive", occurred_at=at(63))

    world.catch_up()

    lines = by_name(shown(world, kpi_table)(world.db, month=MARCH)["items"])
    assert (lines["Alice"]["leads_assigned"], lines["Alice"]["first_responses"]) == (1, 0)
    assert lines["Bob"]["leads_assigned"] == 1
    assert lines["Bob"]["avg_response_seconds"] == Decimal("120")
    assert lines["Bob"]["appointments_set"] == 1


def test_kpis_count_appointments_set_and_shown(world: World) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    lead_id = world.lead(store, alice, at())
    kept = UUID(int=1)
    world.leads.set_appointment(
        ADMIN, lead_id, at(hours=2), "visit", appointment_id=kept, occurred_at=at(5)
    )
    world.leads.mark_shown(ADMIN, lead_id, kept, occurred_at=at(hours=2))
    missed = UUID(int=2)
    world.leads.set_appointment(
        ADMIN, lead_id, at(days=1), "visit", appointment_id=missed, occurred_at=at(hours=3)
    )
    world.leads.mark_no_show(ADMIN, lead_id, missed, occurred_at=at(days=1, hours=1))

    world.catch_up()

    [line] = shown(world, kpi_table)(world.db, month=MARCH)["items"]
    assert (line["appointments_set"], line["appointments_shown"]) == (2, 1)


def test_a_delivered_then_unwound_deal_nets_to_zero_units_and_revenue(world: World) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    deal_id = world.delivered_deal(store, alice, at())
    world.unwind(deal_id, at(days=3))

    world.catch_up()

    [line] = shown(world, kpi_table)(world.db, month=MARCH)["items"]
    assert line["deals_contracted"] == 1
    assert (line["units_delivered"], line["revenue"], line["front_gross"]) == (0, 0, 0)


def test_an_unwind_takes_the_unit_out_of_the_day_it_was_delivered(world: World) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    world.delivered_deal(store, alice, at(), price="150000")
    deal_id = world.delivered_deal(store, alice, at(), price="150000")
    world.unwind(deal_id, at(days=30))  # 3 April

    world.catch_up()

    [march] = shown(world, kpi_table)(world.db, month=MARCH)["items"]
    assert (march["units_delivered"], march["revenue"]) == (1, Decimal("150000.00"))
    assert march["front_gross"] == Decimal("50000.00")
    assert shown(world, kpi_table)(world.db, month="2024-04")["items"] == []


def test_the_business_day_is_the_stores_day_not_the_utc_day(world: World) -> None:
    shanghai = world.store("Pudong BYD", "Asia/Shanghai")
    london = world.store("Mayfair BYD", "UTC")
    alice = world.salesperson(shanghai, "Alice")
    bob = world.salesperson(london, "Bob")
    late_evening_utc = datetime(2024, 3, 31, 23, 30, tzinfo=UTC)  # 07:30 on 1 April in Shanghai
    world.lead(shanghai, alice, late_evening_utc)
    world.lead(london, bob, late_evening_utc)

    world.catch_up()

    assert [i["name"] for i in shown(world, kpi_table)(world.db, month=MARCH)["items"]] == ["Bob"]
    assert [i["name"] for i in shown(world, kpi_table)(world.db, month="2024-04")["items"]] == [
        "Alice"
    ]
    first_of_april = shown(world, kpi_table)(
        world.db, date_from=date(2024, 4, 1), date_to=date(2024, 4, 1)
    )
    assert [i["name"] for i in first_of_april["items"]] == ["Alice"]


def split_delivery(
    world: World, store: UUID, sellers: list[UUID], shares: list[str], when: datetime, **kw: Any
) -> UUID:
    deal_id = world.contracted_deal(store, sellers[0], when, **kw)
    world.sales.split_credit(ADMIN, deal_id, list(zip(sellers, shares, strict=True)))
    world.sales.deliver_deal(ADMIN, deal_id, occurred_at=when)
    return deal_id


def test_a_split_deal_credits_each_salesperson_their_share_of_unit_revenue_and_gross(
    world: World,
) -> None:
    store = world.store()
    alice, bob = world.salesperson(store, "Alice"), world.salesperson(store, "Bob")
    split_delivery(world, store, [alice, bob], ["0.5", "0.5"], at(), price="120000.01")
    world.delivered_deal(store, alice, at(hours=1))

    world.catch_up()

    lines = by_name(shown(world, kpi_table)(world.db, month=MARCH)["items"])
    assert (lines["Alice"]["units_delivered"], lines["Bob"]["units_delivered"]) == (
        Decimal("1.50"),
        Decimal("0.50"),
    )
    assert lines["Alice"]["revenue"] + lines["Bob"]["revenue"] == Decimal("240000.01")
    assert (lines["Alice"]["front_gross"], lines["Bob"]["front_gross"]) == (
        Decimal("30000.01"),  # the odd fen goes to the first share
        Decimal("10000.00"),
    )
    assert (lines["Alice"]["deals_contracted"], lines["Bob"]["deals_contracted"]) == (2, 0)


def test_an_unwound_split_deal_takes_back_exactly_what_each_was_credited(world: World) -> None:
    store = world.store()
    alice, bob, cat = (world.salesperson(store, n) for n in ("Alice", "Bob", "Cat"))
    deal_id = split_delivery(world, store, [alice, bob, cat], ["0.34", "0.33", "0.33"], at())
    world.unwind(deal_id, at(days=2))

    world.catch_up()

    for line in shown(world, kpi_table)(world.db, month=MARCH)["items"]:
        assert (line["units_delivered"], line["revenue"], line["front_gross"]) == (0, 0, 0)
    for line in shown(world, leaderboard)(world.db, MARCH)["items"]:
        assert (line["units"], line["gross"], line["revenue"]) == (0, 0, 0)


def test_kpis_count_surveys_and_average_their_overall_score_leaving_excluded_ones_out(
    world: World,
) -> None:
    store = world.store()
    alice, bob = world.salesperson(store, "Alice"), world.salesperson(store, "Bob")
    satisfaction = Satisfaction(world.app)
    shared = split_delivery(world, store, [alice, bob], ["0.5", "0.5"], at())
    own = world.delivered_deal(store, alice, at())
    excluded = world.delivered_deal(store, alice, at())
    satisfaction.record_survey(ADMIN, shared, {"delivery": 9}, 90, date(2024, 3, 10))
    satisfaction.record_survey(ADMIN, own, {"delivery": 7}, 75, date(2024, 3, 11))
    survey_id = satisfaction.record_survey(ADMIN, excluded, {"delivery": 0}, 0, date(2024, 3, 12))
    satisfaction.exclude_survey(ADMIN, survey_id.id, "customer meant another dealer")

    world.catch_up()

    lines = by_name(shown(world, kpi_table)(world.db, month=MARCH)["items"])
    assert (lines["Alice"]["surveys"], lines["Alice"]["csi_average"]) == (2, Decimal("82.5"))
    assert (lines["Bob"]["surveys"], lines["Bob"]["csi_average"]) == (1, Decimal("90.0"))
    satisfaction.reinstate_survey(ADMIN, survey_id.id)
    world.catch_up()
    assert by_name(shown(world, kpi_table)(world.db, month=MARCH)["items"])["Alice"]["surveys"] == 3


def test_the_survey_list_is_scoped_by_store_salesperson_month_and_exclusion(world: World) -> None:
    store, other = world.store(), world.store("Minhang BYD")
    alice, bob = world.salesperson(store, "Alice"), world.salesperson(store, "Bob")
    carol = world.salesperson(other, "Carol")
    satisfaction = Satisfaction(world.app)
    shared = split_delivery(world, store, [alice, bob], ["0.5", "0.5"], at())
    elsewhere = world.delivered_deal(other, carol, at())
    satisfaction.record_survey(ADMIN, shared, {"delivery": 9}, 90, date(2024, 3, 10))
    far = satisfaction.record_survey(ADMIN, elsewhere, {"delivery": 3}, 30, date(2024, 4, 1)).id
    satisfaction.exclude_survey(ADMIN, far, "test call")

    world.catch_up()

    [mine] = list_surveys(world.db, salesperson_id=bob)["items"]
    assert (mine["deal_id"], mine["salesperson_ids"], mine["answers"]) == (
        shared,
        [alice, bob],
        {"delivery": 9},
    )
    assert list_surveys(world.db, store_id=other)["items"][0]["excluded"] is True
    assert list_surveys(world.db, month=MARCH)["total"] == 1
    assert list_surveys(world.db, excluded=False)["total"] == 1


# --- leaderboard ------------------------------------------------------------------------------


def test_the_leaderboard_ranks_by_units_then_gross_and_ties_share_a_rank(world: World) -> None:
    store = world.store()
    zoe, amy, bob, cat = (world.salesperson(store, n) for n in ("Zoe", "Amy", "Bob", "Cat"))
    for seller in (zoe, amy):  # two units, 20k + 30k gross each
        world.delivered_deal(store, seller, at(), price="120000")
        world.delivered_deal(store, seller, at(hours=1), price="130000")
    world.delivered_deal(store, bob, at(), price="200000")  # one unit, more gross
    world.delivered_deal(store, cat, at(), price="110000")

    world.catch_up()

    board = shown(world, leaderboard)(world.db, MARCH, store_id=store)
    # Equal figures share a rank; within it the lines follow the salesperson's id (names are
    # sealed in the view, so they cannot order anything).
    assert [(i["rank"], i["units"]) for i in board["items"]] == [(1, 2), (1, 2), (3, 1), (4, 1)]
    tied = board["items"][:2]
    assert {i["name"] for i in tied} == {"Amy", "Zoe"}
    assert [i["salesperson_id"] for i in tied] == sorted((zoe, amy))
    assert [i["name"] for i in board["items"][2:]] == ["Bob", "Cat"]
    assert board["items"][0]["gross"] == Decimal("50000.00")
    assert board["items"][0]["store_name"] == "Pudong BYD"


def test_the_group_leaderboard_sums_a_salesperson_across_stores(world: World) -> None:
    pudong, minhang = world.store("Pudong BYD"), world.store("Minhang BYD")
    alice, bob = world.salesperson(pudong, "Alice"), world.salesperson(minhang, "Bob")
    world.delivered_deal(pudong, alice, at())
    world.organisation.transfer_staff(ADMIN, alice, minhang, occurred_at=at(hours=1))
    world.delivered_deal(minhang, alice, at(days=1))
    world.delivered_deal(minhang, bob, at(days=1), price="300000")

    world.catch_up()

    group = shown(world, leaderboard)(world.db, MARCH)
    assert [(i["rank"], i["name"], i["units"], i["store_name"]) for i in group["items"]] == [
        (1, "Alice", 2, "Minhang BYD"),
        (2, "Bob", 1, "Minhang BYD"),
    ]
    store_board = shown(world, leaderboard)(world.db, MARCH, store_id=pudong)
    assert [(i["name"], i["units"]) for i in store_board["items"]] == [("Alice", 1)]


def test_the_leaderboard_takes_an_unwind_out_of_the_month_of_its_delivery(world: World) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    world.delivered_deal(store, alice, at())
    unwound = world.delivered_deal(store, alice, at())
    world.unwind(unwound, at(days=30))  # April

    world.catch_up()

    [march] = shown(world, leaderboard)(world.db, MARCH)["items"]
    assert (march["units"], march["gross"]) == (1, Decimal("20000.00"))
    assert shown(world, leaderboard)(world.db, "2024-04")["items"] == []


def test_the_leaderboard_is_paginated_after_ranking(world: World) -> None:
    store = world.store()
    for n, name in enumerate(("Amy", "Bob", "Cat")):
        seller = world.salesperson(store, name)
        for _ in range(3 - n):
            world.delivered_deal(store, seller, at())

    world.catch_up()

    page = shown(world, leaderboard)(world.db, MARCH, limit=1, offset=2)
    assert page["total"] == 3
    assert [(i["rank"], i["name"]) for i in page["items"]] == [(3, "Cat")]


def test_the_leaderboard_ranks_split_units(world: World) -> None:
    store = world.store()
    amy, bob = world.salesperson(store, "Amy"), world.salesperson(store, "Bob")
    split_delivery(world, store, [amy, bob], ["0.75", "0.25"], at(), price="120000")
    world.delivered_deal(store, bob, at(), price="110000")

    world.catch_up()

    board = shown(world, leaderboard)(world.db, MARCH, store_id=store)["items"]
    assert [(i["rank"], i["name"], i["units"], i["gross"]) for i in board] == [
        (1, "Bob", Decimal("1.25"), Decimal("15000.00")),
        (2, "Amy", Decimal("0.75"), Decimal("15000.00")),
    ]


# Shares in hundredths that sum to one deal, for one to four salespeople.
split_shares = st.integers(1, 4).flatmap(
    lambda n: (
        st.lists(st.integers(1, 97), min_size=n - 1, max_size=n - 1)
        .filter(lambda parts: sum(parts) < 100)
        .map(lambda parts: [*parts, 100 - sum(parts)])
    )
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hundredths=split_shares,
    price=st.decimals(100001, 999999, places=2),
    unwound=st.booleans(),
)
def test_the_shares_of_a_split_deal_always_add_up_to_one_unit_in_the_kpis(
    hundredths: list[int], price: Decimal, unwound: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp, open_world(sqlite_settings(Path(tmp))) as world:
        store = world.store()
        sellers = [world.salesperson(store, f"S{n}") for n in range(len(hundredths))]
        shares = [str(Decimal(h) / 100) for h in hundredths]
        deal_id = split_delivery(world, store, sellers, shares, at(), price=str(price))
        if unwound:
            world.unwind(deal_id, at(hours=1))
        world.catch_up()

        kpis = shown(world, kpi_table)(world.db, month=MARCH)["items"]
        board = shown(world, leaderboard)(world.db, MARCH)["items"]

    expected = (0 if unwound else 1, 0 if unwound else price)
    assert (sum(i["units_delivered"] for i in kpis), sum(i["revenue"] for i in kpis)) == expected
    assert (sum(i["units"] for i in board), sum(i["revenue"] for i in board)) == expected
    if not unwound:
        units = {i["salesperson_id"]: i["units_delivered"] for i in kpis}
        assert units == {s: Decimal(h) / 100 for s, h in zip(sellers, hundredths, strict=True)}


# --- lead funnel ------------------------------------------------------------------------------


def test_the_funnel_counts_each_lead_once_at_every_stage_it_reached(world: World) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    # A website lead all the way to delivery, with two calls and two appointments.
    sold = world.lead(store, alice, at(), channel="website")
    world.leads.log_activity(ADMIN, sold, "call", occurred_at=at(5))
    world.leads.log_activity(ADMIN, sold, "call", occurred_at=at(6))
    for n in (1, 2):
        world.leads.set_appointment(
            ADMIN, sold, at(hours=n), "visit", appointment_id=UUID(int=n), occurred_at=at(10)
        )
        world.leads.mark_shown(ADMIN, sold, UUID(int=n), occurred_at=at(hours=n))
    deal_id = world.contracted_deal(store, alice, at(hours=3), lead_id=sold)
    world.sales.deliver_deal(ADMIN, deal_id, occurred_at=at(days=2))
    # A website lead that only got an auto-reply, a phone lead with a human call.
    auto = world.lead(store, alice, at(1), channel="website")
    world.leads.log_activity(ADMIN, auto, "message", automated=True, occurred_at=at(2))
    called = world.lead(store, alice, at(2), channel="phone")
    world.leads.log_activity(ADMIN, called, "call", occurred_at=at(20))

    world.catch_up()

    answer = funnel(world.db, MARCH, scope=SYSTEM_READ)
    phone_line, website = answer["channels"]
    stages = ("captured", "contacted", "appointment", "shown", "deal", "delivered")
    assert [website[s] for s in stages] == [2, 1, 1, 1, 1, 1]
    assert [phone_line[s] for s in stages] == [1, 1, 0, 0, 0, 0]
    assert [answer["total"][s] for s in stages] == [3, 2, 1, 1, 1, 1]
    assert website["rates"]["contacted"] == Decimal("0.5000")
    assert answer["total"]["rates"]["contacted"] == Decimal("0.6667")
    assert answer["total"]["rates"]["overall"] == Decimal("0.3333")
    assert phone_line["rates"]["shown"] is None  # no appointment to show up to


def test_an_unwind_takes_the_lead_back_out_of_delivered(world: World) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    lead_id = world.lead(store, alice, at())
    deal_id = world.contracted_deal(store, alice, at(hours=1), lead_id=lead_id)
    world.sales.deliver_deal(ADMIN, deal_id, occurred_at=at(days=1))
    world.unwind(deal_id, at(days=40))

    world.catch_up()

    total = funnel(world.db, MARCH, scope=SYSTEM_READ)["total"]
    assert (total["deal"], total["delivered"]) == (1, 0)


def test_the_funnel_files_a_lead_under_the_month_it_was_captured(world: World) -> None:
    store = world.store()
    other = world.store("Minhang BYD")
    alice = world.salesperson(store, "Alice")
    bob = world.salesperson(other, "Bob")
    world.lead(store, alice, datetime(2024, 3, 31, 16, 30, tzinfo=UTC))  # 1 April in Shanghai
    world.lead(store, alice, at())
    world.lead(other, bob, at())

    world.catch_up()

    assert (
        funnel(world.db, MARCH, scope=read_scope(SYSTEM, store_id=store))["total"]["captured"] == 1
    )
    assert funnel(world.db, MARCH, scope=SYSTEM_READ)["total"]["captured"] == 2
    assert funnel(world.db, "2024-04", scope=SYSTEM_READ)["total"]["captured"] == 1
    assert funnel(world.db, "2024-05", scope=SYSTEM_READ)["channels"] == []


# --- inventory --------------------------------------------------------------------------------


def test_aging_buckets_count_days_since_acquisition(world: World) -> None:
    store = world.store()
    as_of = date(2024, 6, 30)
    for age in (0, 30, 31, 60, 61, 90, 91, 400):
        world.vehicle(store, received_on=as_of - timedelta(days=age), cost="100000")
    world.delivered_deal(store, world.salesperson(store, "Alice"), at())  # gone from stock

    world.catch_up()

    answer = aging(world.db, as_of, scope=read_scope(SYSTEM, store_id=store))
    assert [(b["bucket"], b["vehicles"]) for b in answer["buckets"]] == [
        ("0-30", 2),
        ("31-60", 2),
        ("61-90", 2),
        ("90+", 2),
    ]
    assert answer["total"] == {"vehicles": 8, "cost": Decimal("800000.00")}


def test_positions_count_vehicles_in_stock_and_reserved_per_model_and_colour(
    world: World,
) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    black = [world.vehicle(store, colour="Black") for _ in range(3)]
    world.vehicle(store, colour="White")
    customer = world.crm.register_customer(ADMIN, store, "Li Wei", phone(50), occurred_at=at()).id
    deal_id = world.sales.open_deal(ADMIN, store, customer, alice, occurred_at=at()).id
    world.sales.attach_vehicle(ADMIN, deal_id, black[0], occurred_at=at())

    world.catch_up()

    lines = positions(world.db, scope=read_scope(SYSTEM, store_id=store))["items"]
    assert [(p["colour"], p["in_stock"], p["reserved"]) for p in lines] == [
        ("Black", 2, 1),
        ("White", 1, 0),
    ]


def test_the_vehicle_list_follows_a_sale_and_its_unwind_and_shows_the_age(world: World) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    deal_id = world.delivered_deal(store, alice, at())
    vehicle_id = world.sales.get_deal(ADMIN, deal_id).vehicle_id
    assert vehicle_id is not None
    world.unwind(deal_id, at(days=1))
    world.inventory.reprice_vehicle(ADMIN, vehicle_id, "99000", occurred_at=at(days=2))

    world.catch_up()

    [vehicle] = vehicles(
        world.db, scope=read_scope(SYSTEM, store_id=store), as_of=date(2024, 4, 10)
    )["items"]
    assert (vehicle["status"], vehicle["deal_id"], vehicle["sold_price"]) == (
        "in_stock",
        None,
        None,
    )
    assert vehicle["list_price"] == Decimal("99000.00")
    assert vehicle["age_days"] == 40  # received 1 March


def test_every_query_refuses_a_malformed_month_or_page(world: World) -> None:
    # A month is read by the one rule of domain.shared.months: a domain error (422), not a 500.
    with pytest.raises(InvalidValueError, match="month must look like YYYY-MM"):
        shown(world, leaderboard)(world.db, "2024-13")
    with pytest.raises(InvalidValueError, match="month must look like YYYY-MM"):
        funnel(world.db, "March", scope=SYSTEM_READ)
    with pytest.raises(ValueError):
        shown(world, kpi_table)(world.db, month="2024-03", date_from=date(2024, 3, 1))
    with pytest.raises(ValueError):
        directory.list_leads(world.db, scope=SYSTEM_READ, limit=0)


def test_the_phone_index_answers_from_the_view_when_the_wait_runs_out(world: World) -> None:
    store = world.store()
    world.crm.register_customer(ADMIN, store, "Li Wei", phone(9), occurred_at=at())
    index = ViewPhoneIndex(world.app, world.db, wait_seconds=0.05)  # no runner: never catches up

    found = index.find(world.crm.phone_hash(phone(9)))

    assert found is None
