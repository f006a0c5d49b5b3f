"""F&I and add-ons on a deal, and the store's pack: Given/When/Then, then the services."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.organisation.model import Store
from domain.sales.errors import (
    DealProductAlreadyCancelledError,
    DealProductExistsError,
    DealProductNotFoundError,
    DealTooManyProductsError,
)
from domain.sales.model import MAX_PRODUCTS, Deal, ProductKind
from domain.shared.actor import Principal
from domain.shared.errors import (
    IllegalTransitionError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)
from tests.unit.builders import ADMIN, FINANCE, MONDAY, Group, at, group, new_app, new_events, state
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
)

LOAN = uuid4()


@pytest.fixture
def g() -> Group:
    return group()


def with_loan(build: Build = contracted) -> Deal:
    deal = build()
    deal.add_product(
        LOAN, "finance", at(days=1), provider="BYD Auto Finance", amount="150000", income="3000"
    )
    new_events(deal)
    return deal


# --- adding products: given / when / then -----------------------------------------------------


def test_a_finance_contract_records_lender_loan_and_dealer_income() -> None:
    deal = contracted()

    deal.add_product(
        LOAN, "finance", at(days=1), provider="BYD Auto Finance", amount="150000", income="3000"
    )

    [event] = new_events(deal)
    assert isinstance(event, Deal.ProductAdded)
    assert (event.product_id, event.kind, event.provider) == (LOAN, "finance", "BYD Auto Finance")
    assert (event.amount, event.income, event.revenue, event.cost) == (
        Decimal("150000.00"),
        Decimal("3000.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert deal.back_gross == Decimal("3000.00")


@pytest.mark.parametrize("kind", ["insurance", "warranty", "gap"])
def test_a_policy_records_its_premium_and_income(kind: str) -> None:
    deal = quoted()

    deal.add_product(uuid4(), kind, at(days=1), provider="PICC", amount="6000", income="900")

    [event] = new_events(deal)
    assert (event.kind, event.amount, event.income) == (kind, Decimal("6000.00"), Decimal("900.00"))


def test_accessories_earn_their_margin() -> None:
    deal = opened()

    deal.add_product(uuid4(), "accessories", at(1), revenue="8000", cost="5200")

    [event] = new_events(deal)
    assert (event.revenue, event.cost, event.income, event.amount) == (
        Decimal("8000.00"),
        Decimal("5200.00"),
        Decimal("2800.00"),
        Decimal("8000.00"),
    )


def test_accessories_sold_below_cost_lose_money() -> None:
    deal = opened()

    deal.add_product(uuid4(), "accessories", at(1), revenue="1000", cost="1200", income="-200")

    assert deal.back_gross == Decimal("-200.00")


@pytest.mark.parametrize(
    ("kind", "terms"),
    [
        ("finance", {"amount": "150000", "income": "3000"}),  # no lender
        ("finance", {"provider": "BYD Auto Finance", "income": "3000"}),  # no loan
        ("finance", {"provider": "BYD Auto Finance", "amount": "150000"}),  # no income
        ("insurance", {"provider": "PICC", "amount": "6000"}),  # no income
        ("insurance", {"income": "-1"}),  # negative income
        ("insurance", {"income": "900", "revenue": "100"}),  # revenue is for accessories
        ("accessories", {"revenue": "8000"}),  # no cost
        ("accessories", {"revenue": "8000", "cost": "5000", "income": "2000"}),  # wrong margin
        ("tyres", {"income": "100"}),  # no such kind
        ("gap", {"income": "1e9"}),  # implausible
    ],
)
def test_a_product_with_missing_or_wrong_terms_is_refused(kind: str, terms: dict[str, str]) -> None:
    deal = contracted()

    with pytest.raises(InvalidValueError):
        deal.add_product(uuid4(), kind, at(days=1), **terms)

    assert new_events(deal) == []


def test_the_same_product_id_twice_is_refused() -> None:
    deal = with_loan()

    with pytest.raises(DealProductExistsError):
        deal.add_product(LOAN, "insurance", at(days=1), income="900")


def test_a_deal_holds_a_bounded_number_of_products() -> None:
    deal = opened()
    for _ in range(MAX_PRODUCTS):
        deal.add_product(uuid4(), "accessories", at(1), revenue="10", cost="5")

    with pytest.raises(DealTooManyProductsError):
        deal.add_product(uuid4(), "accessories", at(1), revenue="10", cost="5")


@pytest.mark.parametrize("build", [delivered, unwound, cancelled])
def test_a_product_is_added_only_before_delivery(build: Build) -> None:
    deal = build()

    with pytest.raises(IllegalTransitionError):
        deal.add_product(uuid4(), "insurance", at(days=9), income="900")


# --- cancelling products ----------------------------------------------------------------------


def test_a_product_is_cancelled_before_delivery_with_a_reason() -> None:
    deal = with_loan()

    deal.cancel_product(LOAN, "customer paid cash", at(days=1, hours=1))

    [event] = new_events(deal)
    assert isinstance(event, Deal.ProductCancelled)
    assert (event.product_id, event.reason) == (LOAN, "customer paid cash")
    assert not deal.products[LOAN].active
    assert deal.back_gross == Decimal("0.00")


def test_a_product_is_cancelled_after_delivery() -> None:
    deal = with_loan()
    deal.deliver(at(days=2))
    new_events(deal)

    deal.cancel_product(LOAN, "loan repaid early", at(days=60))

    assert deal.products[LOAN].cancelled_at == at(days=60)
    assert deal.products[LOAN].cancel_reason == "loan repaid early"


def test_cancelling_a_product_twice_is_refused() -> None:
    deal = with_loan()
    deal.cancel_product(LOAN, "customer paid cash", at(days=1, hours=1))

    with pytest.raises(DealProductAlreadyCancelledError):
        deal.cancel_product(LOAN, "again", at(days=1, hours=2))


def test_cancelling_an_unknown_product_is_not_found() -> None:
    deal = with_loan()

    with pytest.raises(DealProductNotFoundError):
        deal.cancel_product(uuid4(), "no such thing", at(days=2))


def test_a_product_of_an_unwound_deal_is_not_cancelled_again() -> None:
    deal = with_loan()
    deal.deliver(at(days=2))
    deal.unwind("returned", at(days=3))

    with pytest.raises(IllegalTransitionError):
        deal.cancel_product(LOAN, "too late", at(days=4))


def test_a_cancellation_needs_a_reason() -> None:
    deal = with_loan()

    with pytest.raises(InvalidValueError):
        deal.cancel_product(LOAN, "  ", at(days=2))


def test_back_gross_is_the_income_of_the_products_still_standing() -> None:
    deal = with_loan()
    insurance = uuid4()
    deal.add_product(insurance, "insurance", at(days=1), income="900")
    deal.add_product(uuid4(), "accessories", at(days=1), revenue="8000", cost="5200")

    deal.cancel_product(insurance, "policy moved", at(days=1, hours=1))

    assert deal.back_gross == Decimal("3000.00") + Decimal("2800.00")


def test_a_replayed_deal_with_products_equals_the_live_one() -> None:
    app = new_app()
    deal = Deal.open(STORE, CUSTOMER, SELLER, None, MONDAY)
    deal.attach_vehicle(stock(1), at(1))
    deal.add_product(LOAN, "finance", at(2), provider="Lender", amount="100000", income="2000")
    deal.add_product(uuid4(), "accessories", at(2), revenue="3000", cost="1000")
    deal.quote("205000", "0", at(3))
    deal.sign_contract(at(4))
    deal.deliver(at(days=1))
    deal.cancel_product(LOAN, "repaid", at(days=30))
    app.save(deal)

    replayed: Deal = app.repository.get(deal.id)

    assert state(replayed) == state(deal)
    assert replayed.products[LOAN].kind is ProductKind.FINANCE


# --- the service --------------------------------------------------------------------------------


def contracted_deal(g: Group) -> UUID:
    deal_id, vehicle_id = g.deal(), g.vehicle(1)
    g.sales.attach_vehicle(g.seller, deal_id, vehicle_id)
    g.sales.quote_deal(g.seller, deal_id, "205000")
    g.sales.sign_contract(g.seller, deal_id)
    return deal_id


def test_a_salesperson_sells_insurance_on_their_deal(g: Group) -> None:
    deal_id = contracted_deal(g)

    written = g.sales.add_product(g.seller, deal_id, uuid4(), "insurance", income="900")

    assert written.id == deal_id
    assert g.sales.get_deal(g.seller, deal_id).back_gross == Decimal("900.00")


def test_a_colleague_cannot_add_products_to_the_deal(g: Group) -> None:
    deal_id = contracted_deal(g)

    with pytest.raises(NotFoundError):
        g.sales.add_product(g.colleague, deal_id, uuid4(), "insurance", income="900")


def test_finance_cannot_add_products(g: Group) -> None:
    deal_id = contracted_deal(g)

    with pytest.raises(PermissionDeniedError):
        g.sales.add_product(FINANCE, deal_id, uuid4(), "insurance", income="900")


def test_a_manager_cancels_a_product_after_delivery(g: Group) -> None:
    deal_id, product_id = contracted_deal(g), uuid4()
    g.sales.add_product(g.seller, deal_id, product_id, "warranty", income="1200")
    g.sales.deliver_deal(g.seller, deal_id)

    g.sales.cancel_product(g.manager, deal_id, product_id, "cancelled within 30 days")

    assert g.sales.get_deal(g.seller, deal_id).back_gross == Decimal("0.00")


def test_salespeople_cannot_cancel_products(g: Group) -> None:
    deal_id, product_id = contracted_deal(g), uuid4()
    g.sales.add_product(g.seller, deal_id, product_id, "warranty", income="1200")

    with pytest.raises(PermissionDeniedError):
        g.sales.cancel_product(g.seller, deal_id, product_id, "changed my mind")


# --- the pack -----------------------------------------------------------------------------------


def test_setting_the_pack_records_condition_and_amount() -> None:
    store = Store(
        name="Hangzhou BYD",
        city="Hangzhou",
        brands=["BYD"],
        timezone="Asia/Shanghai",
        occurred_at=MONDAY,
    )
    new_events(store)

    store.set_pack("used", Decimal("800.00"), at(1))

    [event] = new_events(store)
    assert isinstance(event, Store.PackSet)
    assert (event.condition, event.amount) == ("used", Decimal("800.00"))
    assert (store.pack_for("used"), store.pack_for("new")) == (Decimal("800.00"), Decimal("0.00"))


@pytest.mark.parametrize("who", [ADMIN, FINANCE])
def test_admin_and_finance_set_a_stores_pack(g: Group, who: Principal) -> None:
    g.organisation.set_pack(who, g.store_id, "new", "500")

    assert g.organisation.get_store(ADMIN, g.store_id).packs == {"new": Decimal("500.00")}


def test_a_store_manager_cannot_set_the_pack(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        g.organisation.set_pack(g.manager, g.store_id, "new", "500")


@pytest.mark.parametrize(("condition", "amount"), [("demo", "500"), ("new", "-1"), ("used", "x")])
def test_a_pack_needs_new_or_used_and_a_non_negative_amount(
    g: Group, condition: str, amount: str
) -> None:
    with pytest.raises(InvalidValueError):
        g.organisation.set_pack(ADMIN, g.store_id, condition, amount)


def test_a_closed_store_takes_no_pack(g: Group) -> None:
    store = g.app.load(Store, g.store_id, "store")
    store.close(at(1))
    g.app.commit(store)

    with pytest.raises(IllegalTransitionError):
        g.organisation.set_pack(ADMIN, g.store_id, "new", "500")
