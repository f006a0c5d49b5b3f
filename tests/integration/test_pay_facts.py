"""The pay_facts view on SQLite and PostgreSQL: what pay is computed from, as known at any time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.satisfaction.service import Satisfaction
from domain.shared.errors import InvalidValueError
from projections.pay_facts.queries import cancellations_between, period_facts, unwinds_between
from projections.registry import projection_by_name
from projections.runner import reset
from tests.integration.views_world import ADMIN, World, at, open_world, table_rows
from workers.settings import Settings

MARCH = "2024-03"
HALF = Decimal("0.50")


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with open_world(settings) as w:
        yield w


def known_now() -> datetime:
    """A record-time moment strictly between the writes before and after it."""
    time.sleep(0.002)
    moment = datetime.now(UTC)
    time.sleep(0.002)
    return moment


def split_delivery(
    world: World, store: UUID, sellers: list[UUID], shares: list[str], when: datetime, **kw: str
) -> UUID:
    deal_id = world.contracted_deal(store, sellers[0], when, **kw)
    world.sales.split_credit(
        ADMIN, deal_id, list(zip(sellers, shares, strict=True)), occurred_at=when
    )
    world.sales.deliver_deal(ADMIN, deal_id, occurred_at=when)
    return deal_id


# --- credits ------------------------------------------------------------------------------------


def test_a_split_delivery_gives_a_credit_per_salesperson_with_the_pack_in_force(
    world: World,
) -> None:
    store = world.store()
    alice, bob = world.salesperson(store, "Alice"), world.salesperson(store, "Bob")
    world.organisation.set_pack(ADMIN, store, "new", "500")
    deal_id = split_delivery(world, store, [alice, bob], ["0.5", "0.5"], at(days=2))
    world.organisation.set_pack(ADMIN, store, "new", "800")  # later deliveries only

    world.catch_up()

    facts = period_facts(world.db, MARCH)
    assert [(c.salesperson_id, c.share) for c in facts.credits] == [(alice, HALF), (bob, HALF)]
    credit = facts.credits[0]
    assert (credit.deal_id, credit.store_id, credit.condition) == (deal_id, store, "new")
    assert (credit.make, credit.model, credit.trim) == ("BYD", "Han", "EV")
    assert credit.delivered_on == date(2024, 3, 6)
    assert credit.days_in_stock == 5  # received 1 March
    assert (credit.selling_price, credit.front_gross, credit.pack) == (
        Decimal("120000.00"),
        Decimal("20000.00"),
        Decimal("500.00"),
    )
    assert credit.commission_gross == Decimal("19500.00")
    assert facts.evaluation_scores == {} and facts.draw_balances == {}


def test_a_delivery_after_a_pack_change_takes_the_new_pack(world: World) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    world.organisation.set_pack(ADMIN, store, "new", "500")
    world.delivered_deal(store, alice, at())
    world.organisation.set_pack(ADMIN, store, "new", "800")
    world.delivered_deal(store, alice, at(days=1))

    world.catch_up()

    assert [c.pack for c in period_facts(world.db, MARCH).credits] == [
        Decimal("500.00"),
        Decimal("800.00"),
    ]


def test_the_month_is_the_stores_business_day_and_a_store_sees_only_its_own(
    world: World,
) -> None:
    pudong, london = world.store("Pudong BYD"), world.store("Mayfair BYD", "UTC")
    alice, bob = world.salesperson(pudong, "Alice"), world.salesperson(london, "Bob")
    late = datetime(2024, 3, 31, 23, 30, tzinfo=UTC)  # 1 April in Shanghai, 31 March in London
    world.delivered_deal(pudong, alice, late)
    world.delivered_deal(london, bob, late)

    world.catch_up()

    assert [c.salesperson_id for c in period_facts(world.db, MARCH).credits] == [bob]
    assert [c.salesperson_id for c in period_facts(world.db, "2024-04").credits] == [alice]
    assert period_facts(world.db, MARCH, store_id=pudong).credits == ()
    assert period_facts(world.db, "2024-04", store_id=pudong).store_id == pudong


def test_credits_come_in_delivery_order(world: World) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    second = world.delivered_deal(store, alice, at(days=3))
    first = world.delivered_deal(store, alice, at(days=1))  # entered late

    world.catch_up()

    assert [c.deal_id for c in period_facts(world.db, MARCH).credits] == [first, second]


# --- unwinds, as known at -------------------------------------------------------------------


def test_an_unwound_delivery_is_still_there_as_known_before_the_unwind(world: World) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    before_delivery = known_now()
    deal_id = world.delivered_deal(store, alice, at())
    delivered = known_now()
    world.unwind(deal_id, at(days=40))  # business time in April
    unwound = known_now()

    world.catch_up()

    assert period_facts(world.db, MARCH).credits == ()
    assert [c.deal_id for c in period_facts(world.db, MARCH, known_at=delivered).credits] == [
        deal_id
    ]
    assert period_facts(world.db, MARCH, known_at=before_delivery).credits == ()
    [unwind] = unwinds_between(world.db, delivered, unwound)
    assert (unwind.deal_id, unwind.delivered_on, unwind.unwound_on) == (
        deal_id,
        date(2024, 3, 4),
        date(2024, 4, 13),
    )
    assert unwind.days_since_delivery == 40
    assert unwind.reason == "finance rejected"
    assert [(c.salesperson_id, c.share) for c in unwind.credits] == [(alice, Decimal("1.00"))]
    assert unwinds_between(world.db, before_delivery, delivered) == ()
    assert unwinds_between(world.db, unwound, known_now()) == ()


def test_an_unwind_lists_the_credits_of_every_salesperson_of_a_split_deal(world: World) -> None:
    store = world.store()
    alice, bob = world.salesperson(store, "Alice"), world.salesperson(store, "Bob")
    deal_id = split_delivery(world, store, [alice, bob], ["0.7", "0.3"], at())
    start = known_now()
    world.unwind(deal_id, at(days=5))

    world.catch_up()

    [unwind] = unwinds_between(world.db, start, known_now(), store_id=store)
    assert [(c.salesperson_id, c.share) for c in unwind.credits] == [
        (alice, Decimal("0.70")),
        (bob, Decimal("0.30")),
    ]
    assert unwinds_between(world.db, start, known_now(), store_id=world.store("Other")) == ()


# --- products and their cancellation ------------------------------------------------------------


def test_products_stand_until_cancelled_and_a_cancellation_after_delivery_is_listed(
    world: World,
) -> None:
    store = world.store()
    alice = world.salesperson(store, "Alice")
    deal_id = world.contracted_deal(store, alice, at())
    loan, mats, policy = uuid4(), uuid4(), uuid4()
    world.sales.add_product(
        ADMIN, deal_id, loan, "finance", provider="Lender", amount="90000", income="2500"
    )
    world.sales.add_product(ADMIN, deal_id, mats, "accessories", revenue="3000", cost="1000")
    world.sales.add_product(ADMIN, deal_id, policy, "insurance", income="900")
    world.sales.cancel_product(ADMIN, deal_id, policy, "bought elsewhere")  # before delivery
    world.sales.deliver_deal(ADMIN, deal_id, occurred_at=at(days=1))
    delivered = known_now()
    world.sales.cancel_product(ADMIN, deal_id, loan, "repaid early", occurred_at=at(days=20))
    cancelled = known_now()

    world.catch_up()

    [now] = period_facts(world.db, MARCH).credits
    [then] = period_facts(world.db, MARCH, known_at=delivered).credits
    assert [(p.product_id, p.kind, p.income) for p in now.products] == [
        (mats, "accessories", Decimal("2000.00"))
    ]
    assert {p.product_id for p in then.products} == {loan, mats}
    assert then.back_gross == Decimal("4500.00")
    [chargeback] = cancellations_between(world.db, delivered, cancelled)
    assert (chargeback.deal_id, chargeback.product.product_id, chargeback.reason) == (
        deal_id,
        loan,
        "repaid early",
    )
    assert (chargeback.delivered_on, chargeback.cancelled_on) == (
        date(2024, 3, 5),
        date(2024, 3, 24),
    )
    assert chargeback.days_since_delivery == 19
    assert chargeback.product.income == Decimal("2500.00")
    assert [c.salesperson_id for c in chargeback.credits] == [alice]
    assert {p.product_id for p in chargeback.credits[0].products} == {loan, mats}
    everything = cancellations_between(world.db, datetime(2000, 1, 1, tzinfo=UTC), cancelled)
    assert [c.product.product_id for c in everything] == [loan]  # not the one before delivery


# --- surveys ------------------------------------------------------------------------------------


def test_surveys_of_the_month_carry_their_exclusion_as_known_at(world: World) -> None:
    store = world.store()
    alice, bob = world.salesperson(store, "Alice"), world.salesperson(store, "Bob")
    deal_id = split_delivery(world, store, [alice, bob], ["0.5", "0.5"], at())
    satisfaction = Satisfaction(world.app)
    survey_id = satisfaction.record_survey(
        ADMIN, deal_id, {"delivery": 9}, 86, date(2024, 3, 20)
    ).id
    answered = known_now()
    satisfaction.exclude_survey(ADMIN, survey_id, "wrong customer called")
    other = world.delivered_deal(store, alice, at())
    satisfaction.record_survey(ADMIN, other, {"delivery": 5}, 40, date(2024, 4, 2))  # April

    world.catch_up()

    now = period_facts(world.db, MARCH).surveys
    then = period_facts(world.db, MARCH, known_at=answered).surveys
    assert [(s.salesperson_id, s.score, s.excluded) for s in now] == [
        (alice, Decimal(86), True),
        (bob, Decimal(86), True),
    ]
    assert [s.excluded for s in then] == [False, False]
    assert {s.survey_id for s in then} == {survey_id}
    assert [s.answered_on for s in period_facts(world.db, "2024-04").surveys] == [date(2024, 4, 2)]


# --- rebuild ------------------------------------------------------------------------------------


def test_the_pay_facts_rebuild_row_for_row(world: World) -> None:
    store = world.store()
    alice, bob = world.salesperson(store, "Alice"), world.salesperson(store, "Bob")
    world.organisation.set_pack(ADMIN, store, "new", "300")
    deal_id = split_delivery(world, store, [alice, bob], ["0.6", "0.4"], at())
    world.unwind(deal_id, at(days=3))
    other = world.contracted_deal(store, bob, at(days=4))
    product = uuid4()
    world.sales.add_product(ADMIN, other, product, "gap", income="400")
    world.sales.deliver_deal(ADMIN, other, occurred_at=at(days=5))
    world.sales.cancel_product(ADMIN, other, product, "refunded", occurred_at=at(days=6))
    Satisfaction(world.app).record_survey(ADMIN, other, {"overall": 7}, 70, date(2024, 3, 12))
    world.catch_up()
    names = ("pay_facts", "satisfaction", "salesperson_kpi", "leaderboard")
    live = table_rows(world.db, [projection_by_name(n) for n in names])

    for name in names:
        reset(world.db, projection_by_name(name))
    world.runner([projection_by_name(n) for n in names], page_size=4).run_until_caught_up()

    assert table_rows(world.db, [projection_by_name(n) for n in names]) == live


def test_a_malformed_month_or_a_naive_moment_is_refused(world: World) -> None:
    with pytest.raises(InvalidValueError, match="month must look like YYYY-MM"):
        period_facts(world.db, "2024-3")
    with pytest.raises(ValueError):
        period_facts(world.db, MARCH, known_at=datetime(2024, 3, 1))
