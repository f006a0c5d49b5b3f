"""Trade-ins through the services: a manager attaches an offered appraisal to a deal, the contract's
front gross takes the trade's ACV − allowance, and the delivery's job puts the car into used
stock at its ACV, once, even for a car the group sold before."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from domain.appraisals.errors import (
    AppraisalOtherStoreError,
    TradeInAlreadyAttachedError,
    TradeInVehicleInStockError,
)
from domain.appraisals.model import AppraisalStatus
from domain.appraisals.service import Appraisals
from domain.inventory.model import Vehicle, VehicleStatus, vehicle_id_for
from domain.sales.model import Deal
from domain.shared.errors import (
    ConflictError,
    IllegalTransitionError,
    NotFoundError,
    PermissionDeniedError,
)
from tests.unit.builders import ADMIN, Group, at, group, vin

TRADE_VIN = 50


@pytest.fixture
def g() -> Group:
    return group()


def appraised(g: Group, acv: str = "98000", n: int = TRADE_VIN, store: UUID | None = None) -> UUID:
    """An appraisal by the store's manager, inspected, valued at `acv` and offered for 2 days."""
    appraisals = Appraisals(g.app)
    manager = g.manager if store is None else g.other_manager
    ident = appraisals.create_appraisal(
        manager, store or g.store_id, vin(n), "Toyota", "Camry", "2.5G", "White", 2019, 48000,
        "good", occurred_at=at(hours=1),
    ).id  # fmt: skip
    appraisals.inspect(manager, ident, [("tyres", "fail", "worn", "1600")], occurred_at=at(hours=2))
    appraisals.value(manager, ident, acv, occurred_at=at(hours=2))
    appraisals.make_offer(manager, ident, acv, at(days=2), occurred_at=at(hours=2))
    return ident


def quoted_deal(g: Group) -> UUID:
    """A deal for a car costing 180,000, quoted at 209,800 less 9,800: selling price 200,000."""
    deal_id = g.deal()
    g.sales.attach_vehicle(g.seller, deal_id, g.vehicle(1), occurred_at=at(hours=2))
    g.sales.quote_deal(g.seller, deal_id, "209800", "9800", occurred_at=at(hours=2))
    return deal_id


def signed_front_gross(g: Group, deal_id: UUID) -> Decimal:
    g.sales.sign_contract(g.seller, deal_id, occurred_at=at(hours=3))
    gross = g.sales.get_deal(ADMIN, deal_id).front_gross
    assert gross is not None
    return gross


@pytest.mark.parametrize(
    ("allowance", "front_gross"),
    [
        (None, "20000.00"),  # no trade: 200,000 − 180,000
        ("98000", "20000.00"),  # allowance = ACV: nothing moves
        ("101000", "17000.00"),  # over-allowance 3,000 comes off the new car's gross
        ("95000", "23000.00"),  # under-allowance 3,000 is earned on this deal
    ],
)
def test_front_gross_at_signing_is_selling_price_less_cost_plus_acv_less_allowance(
    g: Group, allowance: str | None, front_gross: str
) -> None:
    deal_id = quoted_deal(g)
    if allowance is not None:
        Appraisals(g.app).attach_trade_in(
            g.manager, deal_id, appraised(g), allowance, "20000", occurred_at=at(hours=2)
        )
    assert signed_front_gross(g, deal_id) == Decimal(front_gross)


def test_the_payoff_does_not_change_front_gross(g: Group) -> None:
    deal_id = quoted_deal(g)
    Appraisals(g.app).attach_trade_in(
        g.manager, deal_id, appraised(g), "98000", "60000", occurred_at=at(hours=2)
    )
    trade = g.sales.get_deal(ADMIN, deal_id).trade_in
    assert trade is not None and trade.equity == Decimal("38000.00")
    assert signed_front_gross(g, deal_id) == Decimal("20000.00")


def test_attaching_a_trade_in_accepts_the_offer_for_the_deal(g: Group) -> None:
    deal_id, appraisal_id = quoted_deal(g), appraised(g)
    appraisals = Appraisals(g.app)
    appraisals.attach_trade_in(g.manager, deal_id, appraisal_id, "100000", occurred_at=at(hours=2))
    appraisal = appraisals.get_appraisal(g.manager, appraisal_id)
    assert (appraisal.status, appraisal.deal_id) == (AppraisalStatus.ACCEPTED, deal_id)


def test_the_same_appraisal_can_be_attached_again_with_a_new_allowance(g: Group) -> None:
    deal_id, appraisal_id = quoted_deal(g), appraised(g)
    appraisals = Appraisals(g.app)
    appraisals.attach_trade_in(g.manager, deal_id, appraisal_id, "100000", occurred_at=at(hours=2))
    appraisals.attach_trade_in(g.manager, deal_id, appraisal_id, "99000", occurred_at=at(hours=2))
    trade = g.sales.get_deal(ADMIN, deal_id).trade_in
    assert trade is not None and trade.allowance == Decimal("99000.00")


def test_a_second_appraisal_on_the_same_deal_is_refused(g: Group) -> None:
    deal_id = quoted_deal(g)
    appraisals = Appraisals(g.app)
    appraisals.attach_trade_in(g.manager, deal_id, appraised(g), "100000", occurred_at=at(hours=2))
    with pytest.raises(TradeInAlreadyAttachedError):
        appraisals.attach_trade_in(
            g.manager, deal_id, appraised(g, n=51), "100000", occurred_at=at(hours=2)
        )


def test_a_salesperson_cannot_set_a_trade_allowance(g: Group) -> None:
    deal_id = quoted_deal(g)
    with pytest.raises(PermissionDeniedError):
        Appraisals(g.app).attach_trade_in(g.seller, deal_id, appraised(g), "100000")


def test_a_salesperson_cannot_read_an_appraisal(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        Appraisals(g.app).get_appraisal(g.seller, appraised(g))


def test_another_stores_manager_does_not_see_an_appraisal(g: Group) -> None:
    with pytest.raises(NotFoundError):
        Appraisals(g.app).get_appraisal(g.other_manager, appraised(g))


def test_an_appraisal_of_another_store_cannot_be_traded_in(g: Group) -> None:
    deal_id, appraisal_id = quoted_deal(g), appraised(g, store=g.other_store_id)
    with pytest.raises(AppraisalOtherStoreError):
        Appraisals(g.app).attach_trade_in(ADMIN, deal_id, appraisal_id, "100000")


def test_a_trade_in_cannot_be_attached_after_the_contract(g: Group) -> None:
    deal_id = quoted_deal(g)
    g.sales.sign_contract(g.seller, deal_id, occurred_at=at(hours=3))
    with pytest.raises(IllegalTransitionError):
        Appraisals(g.app).attach_trade_in(g.manager, deal_id, appraised(g), "100000")


def test_a_car_in_stock_cannot_be_traded_in(g: Group) -> None:
    g.vehicle(TRADE_VIN)
    with pytest.raises(TradeInVehicleInStockError):
        Appraisals(g.app).attach_trade_in(g.manager, quoted_deal(g), appraised(g), "100000")


def deliver_with_trade(g: Group, allowance: str = "101000") -> tuple[UUID, UUID]:
    deal_id, appraisal_id = quoted_deal(g), appraised(g)
    Appraisals(g.app).attach_trade_in(
        g.manager, deal_id, appraisal_id, allowance, occurred_at=at(hours=2)
    )
    g.sales.sign_contract(g.seller, deal_id, occurred_at=at(hours=3))
    g.sales.deliver_deal(g.seller, deal_id, occurred_at=at(days=1))
    return deal_id, appraisal_id


def test_on_delivery_the_trade_enters_used_stock_at_its_acv(g: Group) -> None:
    deal_id, appraisal_id = deliver_with_trade(g)
    Appraisals(g.app).receive_trade_in(deal_id)
    vehicle = g.vehicle_of(vehicle_id_for(vin(TRADE_VIN)))
    assert (vehicle.status, vehicle.condition.value, vehicle.cost, vehicle.store_id) == (
        VehicleStatus.IN_STOCK,
        "used",
        Decimal("98000.00"),
        g.store_id,
    )
    appraisal = Appraisals(g.app).get_appraisal(ADMIN, appraisal_id)
    assert (appraisal.status, appraisal.vehicle_id) == (AppraisalStatus.ACQUIRED, vehicle.id)


def test_receiving_a_trade_in_twice_writes_nothing_the_second_time(g: Group) -> None:
    deal_id, _ = deliver_with_trade(g)
    appraisals = Appraisals(g.app)
    assert appraisals.receive_trade_in(deal_id) is not None
    assert appraisals.receive_trade_in(deal_id) is None
    assert g.vehicle_of(vehicle_id_for(vin(TRADE_VIN))).version == 1


def test_a_deal_without_a_trade_in_receives_nothing(g: Group) -> None:
    deal_id = quoted_deal(g)
    g.sales.sign_contract(g.seller, deal_id, occurred_at=at(hours=3))
    g.sales.deliver_deal(g.seller, deal_id, occurred_at=at(days=1))
    assert Appraisals(g.app).receive_trade_in(deal_id) is None


def test_a_car_the_group_sold_before_comes_back_as_the_same_vehicle_used_at_acv(
    g: Group,
) -> None:
    # The group sold the car with VIN 50 new to another customer, delivered.
    first = g.deal(n=7)
    g.sales.attach_vehicle(g.seller, first, g.vehicle(TRADE_VIN), occurred_at=at(hours=2))
    g.sales.quote_deal(g.seller, first, "209800", "0", occurred_at=at(hours=2))
    g.sales.sign_contract(g.seller, first, occurred_at=at(hours=2))
    g.sales.deliver_deal(g.seller, first, occurred_at=at(hours=2))
    # Now it comes back as the trade-in of another deal.
    deal_id, _ = deliver_with_trade(g)
    Appraisals(g.app).receive_trade_in(deal_id)
    vehicle = g.vehicle_of(vehicle_id_for(vin(TRADE_VIN)))
    assert (vehicle.status, vehicle.condition.value, vehicle.cost, vehicle.deal_id) == (
        VehicleStatus.IN_STOCK,
        "used",
        Decimal("98000.00"),
        None,
    )
    assert isinstance(list(g.app.events.get(vehicle.id))[-1], Vehicle.Reacquired)


def test_an_accepted_appraisal_is_declined_only_once_its_deal_is_cancelled(g: Group) -> None:
    deal_id, appraisal_id = quoted_deal(g), appraised(g)
    appraisals = Appraisals(g.app)
    appraisals.attach_trade_in(g.manager, deal_id, appraisal_id, "100000", occurred_at=at(hours=2))
    with pytest.raises(ConflictError):
        appraisals.decline(g.manager, appraisal_id, "customer kept the car")
    g.sales.cancel_deal(g.seller, deal_id, "bought elsewhere", occurred_at=at(hours=4))
    appraisals.decline(g.manager, appraisal_id, "customer kept the car", occurred_at=at(hours=4))
    assert appraisals.get_appraisal(g.manager, appraisal_id).status is AppraisalStatus.DECLINED


def test_an_offer_past_expiry_cannot_be_traded_in(g: Group) -> None:
    deal_id, appraisal_id = quoted_deal(g), appraised(g)
    with pytest.raises(Exception, match="expired"):
        Appraisals(g.app).attach_trade_in(
            g.manager, deal_id, appraisal_id, "100000", occurred_at=at(days=2) + timedelta(hours=1)
        )


_ = Deal
