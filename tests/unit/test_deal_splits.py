"""Split deals: Given/When/Then on the credit of a deal, the exact split of money, and access."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.organisation.errors import StaffInactiveError
from domain.sales.errors import DealCreditSharesError
from domain.sales.model import Deal, credit_shares
from domain.shared.actor import Principal
from domain.shared.errors import (
    IllegalTransitionError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)
from tests.unit.builders import ADMIN, MONDAY, Group, at, group, new_app, new_events, state
from tests.unit.test_deals import (
    CUSTOMER,
    SELLER,
    STORE,
    Build,
    cancelled,
    contracted,
    delivered,
    opened,
    quoted,
    stock,
    unwound,
    with_vehicle,
)

COLLEAGUE, THIRD = uuid4(), uuid4()


@pytest.fixture
def g() -> Group:
    return group()


# --- the aggregate: given / when / then ---------------------------------------------------------


def test_an_opened_deal_is_credited_wholly_to_its_salesperson() -> None:
    deal = opened()

    assert deal.credits == {SELLER: Decimal("1")}


@pytest.mark.parametrize("build", [opened, with_vehicle, quoted, contracted])
def test_a_deal_is_split_before_delivery(build: Build) -> None:
    deal = build()

    deal.split_credit([SELLER, COLLEAGUE], ["0.5", "0.5"], at(days=1))

    [event] = new_events(deal)
    assert isinstance(event, Deal.CreditSplit)
    assert (event.salesperson_ids, event.shares) == (
        [SELLER, COLLEAGUE],
        [Decimal("0.50"), Decimal("0.50")],
    )
    assert deal.credits == {SELLER: Decimal("0.5"), COLLEAGUE: Decimal("0.5")}


def test_a_split_is_undone_by_crediting_the_salesperson_alone() -> None:
    deal = opened()
    deal.split_credit([SELLER, COLLEAGUE], ["0.7", "0.3"], at(1))

    deal.split_credit([SELLER], ["1"], at(2))

    assert deal.credits == {SELLER: Decimal("1.00")}


def test_three_salespeople_share_a_deal_in_hundredths() -> None:
    deal = opened()

    deal.split_credit([SELLER, COLLEAGUE, THIRD], ["0.34", "0.33", "0.33"], at(1))

    assert sum(deal.credits.values()) == 1


@pytest.mark.parametrize(
    "shares",
    [
        ["0.5", "0.6"],  # more than one deal
        ["0.5", "0.4"],  # less than one deal
        ["0.505", "0.495"],  # three decimals
        ["1", "0"],  # a zero share
        ["1.5", "-0.5"],  # a negative share
        ["NaN", "0.5"],
        ["half", "half"],
    ],
)
def test_shares_that_do_not_make_one_deal_are_refused(shares: list[str]) -> None:
    deal = opened()

    with pytest.raises(DealCreditSharesError):
        deal.split_credit([SELLER, COLLEAGUE], shares, at(1))

    assert new_events(deal) == []


def test_a_float_share_is_refused() -> None:
    with pytest.raises(DealCreditSharesError):
        credit_shares([SELLER, COLLEAGUE], [0.5, Decimal("0.5")])  # type: ignore[list-item]


def test_a_salesperson_credited_twice_is_refused() -> None:
    deal = opened()

    with pytest.raises(DealCreditSharesError):
        deal.split_credit([SELLER, SELLER], ["0.5", "0.5"], at(1))


def test_more_shares_than_salespeople_are_refused() -> None:
    deal = opened()

    with pytest.raises(DealCreditSharesError):
        deal.split_credit([SELLER], ["0.5", "0.5"], at(1))


def test_the_deals_own_salesperson_keeps_a_share() -> None:
    deal = opened()

    with pytest.raises(DealCreditSharesError):
        deal.split_credit([COLLEAGUE, THIRD], ["0.5", "0.5"], at(1))


@pytest.mark.parametrize("build", [delivered, unwound, cancelled])
def test_a_split_after_delivery_or_closing_is_refused(build: Build) -> None:
    deal = build()

    with pytest.raises(IllegalTransitionError):
        deal.split_credit([SELLER, COLLEAGUE], ["0.5", "0.5"], at(days=9))


def test_a_replayed_split_deal_equals_the_live_one() -> None:
    app = new_app()
    deal = Deal.open(STORE, CUSTOMER, SELLER, None, MONDAY)
    deal.attach_vehicle(stock(1), at(1))
    deal.quote("205000", "5000", at(2))
    deal.sign_contract(at(3))
    deal.split_credit([SELLER, COLLEAGUE], ["0.6", "0.4"], at(days=1))
    deal.deliver(at(days=2))
    app.save(deal)

    replayed: Deal = app.repository.get(deal.id)

    assert state(replayed) == state(deal)
    assert replayed.credits == {SELLER: Decimal("0.60"), COLLEAGUE: Decimal("0.40")}


# --- the service ----------------------------------------------------------------------------


def staff(who: Principal) -> UUID:
    assert who.staff_id is not None
    return who.staff_id


def split_deal(g: Group) -> UUID:
    deal_id = g.deal(g.seller)
    g.sales.split_credit(
        g.manager, deal_id, [(staff(g.seller), "0.5"), (staff(g.colleague), "0.5")]
    )
    return deal_id


def test_a_manager_splits_a_deal_with_a_colleague_of_the_store(g: Group) -> None:
    deal_id = split_deal(g)

    deal = g.sales.get_deal(g.manager, deal_id)
    half = Decimal("0.50")
    assert deal.credits == {staff(g.seller): half, staff(g.colleague): half}
    assert deal.salesperson_id == staff(g.seller)


def test_a_salesperson_cannot_split_their_own_deal(g: Group) -> None:
    deal_id = g.deal(g.seller)
    credits = [(staff(g.seller), "0.5"), (staff(g.colleague), "0.5")]

    with pytest.raises(PermissionDeniedError):
        g.sales.split_credit(g.seller, deal_id, credits)


def test_a_salesperson_of_another_store_cannot_share_the_deal(g: Group) -> None:
    deal_id = g.deal(g.seller)
    credits = [(staff(g.seller), "0.5"), (staff(g.other_seller), "0.5")]

    with pytest.raises(InvalidValueError):
        g.sales.split_credit(ADMIN, deal_id, credits)


def test_a_salesperson_who_left_cannot_share_the_deal(g: Group) -> None:
    deal_id = g.deal(g.seller)
    g.organisation.staff_leaves(ADMIN, staff(g.colleague), "moved away")
    credits = [(staff(g.seller), "0.5"), (staff(g.colleague), "0.5")]

    with pytest.raises(StaffInactiveError):
        g.sales.split_credit(g.manager, deal_id, credits)


def test_shares_not_summing_to_one_are_refused_by_the_service_too(g: Group) -> None:
    deal_id = g.deal(g.seller)
    before = g.app.position()

    with pytest.raises(DealCreditSharesError):
        g.sales.split_credit(
            g.manager, deal_id, [(staff(g.seller), "0.5"), (staff(g.colleague), "0.49")]
        )

    assert g.app.position() == before


def test_a_co_credited_salesperson_reads_the_deal_but_cannot_change_it(g: Group) -> None:
    deal_id = split_deal(g)

    assert g.sales.get_deal(g.colleague, deal_id).id == deal_id
    with pytest.raises(NotFoundError):
        g.sales.cancel_deal(g.colleague, deal_id, "not mine to cancel")


def test_a_salesperson_not_credited_still_cannot_read_the_deal(g: Group) -> None:
    deal_id = split_deal(g)
    third = g.salesperson(g.store_id, "wu")

    with pytest.raises(NotFoundError):
        g.sales.get_deal(third, deal_id)
