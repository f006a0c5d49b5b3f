"""Loan applications and F&I KPIs on SQLite and PostgreSQL: the hand-computed month of
docs/finance-applications.md through the services, the KPI view and the pay facts, and the
list of loans declined on contracted deals."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.finance.service import Finance
from domain.pay.engine import calculate_period
from domain.pay.plans import PlanVersion
from domain.performance.kpis import kpi_value
from domain.shared.access import read_scope
from projections.loan_applications import queries as loans
from projections.pay_facts.queries import period_facts
from projections.salesperson_kpi.queries import kpi_table
from tests.integration.views_world import ADMIN, World, at, open_world
from workers.settings import Settings

MARCH = "2024-03"
D = Decimal
# The demo's F&I component: ¥300 per finance contract, 10 % of insurance income.
FNI = {
    "type": "fni",
    "key": "fni",
    "products": {"finance": {"flat": "300"}, "insurance": {"rate": "0.1"}},
}


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with open_world(settings) as w:
        yield w


def funded_loan(world: World, deal_id: UUID, reserve: str, *, deliver_first: bool = False) -> UUID:
    finance = Finance(world.app)
    application_id = finance.submit(
        ADMIN, deal_id, "BYD Auto Finance", "80000", 36, "45000", "4.5", occurred_at=at(hours=1)
    ).id
    finance.approve(ADMIN, application_id, "proof of income", "BAF-1", occurred_at=at(hours=2))
    if deliver_first:
        world.sales.deliver_deal(ADMIN, deal_id, occurred_at=at(days=1))
    finance.fund(ADMIN, application_id, reserve, "reserve", "BAF-2", occurred_at=at(days=1))
    return application_id


def the_month(world: World) -> tuple[UUID, dict[str, Any]]:
    """The month of the docs: four deliveries by one salesperson.

    A: front 5,000; a loan funded with a 3,200 reserve; insurance 1,500.
    B: front 3,000; insurance 1,200.
    C: front −1,000; accessories 8,000 − 5,200 = 2,800.
    D: front 2,000; nothing.
    """
    store = world.store()
    chen = world.salesperson(store, "Chen")
    a = world.contracted_deal(store, chen, at(), price="125000", cost="120000")
    b = world.contracted_deal(store, chen, at(), price="123000", cost="120000")
    c = world.contracted_deal(store, chen, at(), price="119000", cost="120000")
    d = world.contracted_deal(store, chen, at(), price="122000", cost="120000")
    funded_loan(world, a, "3200")
    world.sales.add_product(ADMIN, a, uuid4(), "insurance", income="1500", occurred_at=at(days=1))
    world.sales.add_product(ADMIN, b, uuid4(), "insurance", income="1200", occurred_at=at(days=1))
    world.sales.add_product(
        ADMIN, c, uuid4(), "accessories", revenue="8000", cost="5200", occurred_at=at(days=1)
    )
    for deal_id in (a, b, c, d):
        world.sales.deliver_deal(ADMIN, deal_id, occurred_at=at(days=2))
    world.catch_up()
    [line] = kpi_table(world.db, month=MARCH, salesperson_id=chen)["items"]
    return chen, line


def test_the_hand_computed_month_gives_its_pvr_and_penetrations(world: World) -> None:
    _, line = the_month(world)

    assert (line["units_delivered"], line["front_gross"], line["back_gross"]) == (
        D("4.00"),
        D("9000.00"),
        D("8700.00"),
    )
    assert kpi_value("pvr", 1, line) == D("2175.00")
    assert kpi_value("total_pvr", 1, line) == D("4425.00")
    assert kpi_value("finance_penetration", 1, line) == D("0.2500")
    assert kpi_value("insurance_penetration", 1, line) == D("0.5000")
    assert kpi_value("accessories_penetration", 1, line) == D("0.2500")
    assert kpi_value("gap_penetration", 1, line) == D("0.0000")
    assert kpi_value("warranty_penetration", 1, line) == D("0.0000")


def test_pay_reads_the_funded_reserve_as_the_same_f_and_i_income(world: World) -> None:
    chen, _ = the_month(world)
    version = PlanVersion.from_dicts(uuid4(), 1, at().date().replace(day=1), [FNI], "fni")

    statement = calculate_period(period_facts(world.db, MARCH), lambda _: version)[chen]

    # back gross as the KPI reads it; F&I pay: A 300 + 10 % × 1,500, B 10 % × 1,200.
    assert statement.back_gross == D("8700.00")
    assert statement.total == D("570.00")


def test_a_loan_funded_after_delivery_counts_in_the_delivery_month_until_cancelled(
    world: World,
) -> None:
    store = world.store()
    chen = world.salesperson(store, "Chen")
    deal_id = world.contracted_deal(store, chen, at())
    application_id = funded_loan(world, deal_id, "2000", deliver_first=True)
    world.catch_up()
    [funded] = kpi_table(world.db, month=MARCH, salesperson_id=chen)["items"]

    world.sales.cancel_product(
        ADMIN, deal_id, application_id, "repaid early", occurred_at=at(days=9)
    )
    world.catch_up()
    [cancelled] = kpi_table(world.db, month=MARCH, salesperson_id=chen)["items"]

    assert (funded["back_gross"], funded["units_with_finance"]) == (D("2000.00"), D("1.00"))
    assert (cancelled["back_gross"], cancelled["units_with_finance"]) == (D("0.00"), D("0.00"))


def test_an_unwind_takes_the_f_and_i_income_out_of_the_delivery_month(world: World) -> None:
    store = world.store()
    chen, liu = world.salesperson(store, "Chen"), world.salesperson(store, "Liu")
    deal_id = world.contracted_deal(store, chen, at())
    world.sales.split_credit(ADMIN, deal_id, [(chen, "0.5"), (liu, "0.5")], occurred_at=at())
    funded_loan(world, deal_id, "3001", deliver_first=True)
    world.catch_up()
    halves = kpi_table(world.db, month=MARCH, store_id=store)["items"]

    world.unwind(deal_id, at(days=10))
    world.catch_up()
    after = kpi_table(world.db, month=MARCH, store_id=store)["items"]

    assert sorted(line["back_gross"] for line in halves) == [D("1500.50"), D("1500.50")]
    assert all(line["units_with_finance"] == D("0.50") for line in halves)
    assert all(line["back_gross"] == 0 and line["units_with_finance"] == 0 for line in after)


def test_a_loan_declined_on_a_contracted_deal_is_on_the_managers_list(world: World) -> None:
    store = world.store()
    chen = world.salesperson(store, "Chen")
    contracted = world.contracted_deal(store, chen, at())
    quoted = world.contracted_deal(store, chen, at())
    finance = Finance(world.app)
    declined = []
    for deal_id in (contracted, quoted):
        application_id = finance.submit(
            ADMIN, deal_id, "Ping An Bank", "60000", 24, "60000", "3.9", occurred_at=at(hours=1)
        ).id
        declined.append(application_id)
    world.sales.deliver_deal(ADMIN, quoted, occurred_at=at(hours=2))  # no longer contracted
    for application_id in declined:
        finance.decline(ADMIN, application_id, "income too low", occurred_at=at(hours=3))
    world.catch_up()

    listed = loans.declined_on_contracts(world.db, scope=read_scope(ADMIN, store_id=store))
    [line] = listed["items"]

    assert (line["application_id"], line["deal_id"], line["reason"]) == (
        declined[0],
        contracted,
        "income too low",
    )
    assert (line["deal_status"], line["funded_since"]) == ("contracted", False)
    assert [a["status"] for a in loans.of_deal(world.db, contracted)] == ["declined"]
