"""Deals and their vehicles against a reference model, through the sales service.

Two deals of one store compete for three vehicles (one of them in another store); every step
is tried whether legal or not, and deal and vehicle states must match the reference after each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.inventory.model import VehicleStatus
from domain.shared.actor import Principal
from domain.shared.errors import DomainError
from tests.unit.builders import ADMIN, group

NEGOTIATING = ("open", "quoted")
# Which deal states may hold a vehicle in each vehicle state.
HOLDING = {
    VehicleStatus.RESERVED: NEGOTIATING,
    VehicleStatus.SOLD: ("contracted",),
    VehicleStatus.DELIVERED: ("delivered",),
}
deals = st.integers(0, 1)
vehicles = st.integers(0, 2)
amounts = st.decimals(0, 300000, places=2)


@dataclass
class DealRef:
    status: str = "open"
    vehicle: int | None = None
    price: Decimal | None = None
    discount: Decimal | None = None


@dataclass
class VehicleRef:
    status: str = "in_stock"
    holder: int | None = None
    here: bool = True  # in the deals' store


class DealLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.g = group()
        self.sellers: list[Principal] = [self.g.seller, self.g.colleague]
        self.deal_ids = [self.g.deal(seller, n=i) for i, seller in enumerate(self.sellers)]
        self.vehicle_ids = [
            self.g.vehicle(1),
            self.g.vehicle(2, cost="250000"),
            self.g.vehicle(3, store_id=self.g.other_store_id),
        ]
        self.deal_refs = [DealRef(), DealRef()]
        self.vehicle_refs = [VehicleRef(), VehicleRef(), VehicleRef(here=False)]

    def attempt(self, allowed: bool, command: Callable[[], object]) -> bool:
        before = self.g.app.position()
        if allowed:
            command()
            return True
        with pytest.raises(DomainError):
            command()
        assert self.g.app.position() == before  # a refusal writes nothing
        return False

    @rule(d=deals, v=vehicles)
    def attach_vehicle(self, d: int, v: int) -> None:
        deal, vehicle = self.deal_refs[d], self.vehicle_refs[v]
        allowed = (
            deal.status in NEGOTIATING
            and deal.vehicle != v
            and vehicle.here
            and vehicle.status == "in_stock"
        )
        command = partial(
            self.g.sales.attach_vehicle, self.sellers[d], self.deal_ids[d], self.vehicle_ids[v]
        )
        if self.attempt(allowed, command):
            if deal.vehicle is not None:
                self.vehicle_refs[deal.vehicle] = VehicleRef()
            self.vehicle_refs[v] = VehicleRef("reserved", d)
            self.deal_refs[d] = DealRef("open", v)

    @rule(d=deals, price=amounts, discount=amounts)
    def quote(self, d: int, price: Decimal, discount: Decimal) -> None:
        deal = self.deal_refs[d]
        allowed = (
            deal.status in NEGOTIATING
            and deal.vehicle is not None
            and price > 0
            and discount <= price
        )
        command = partial(
            self.g.sales.quote_deal, self.sellers[d], self.deal_ids[d], price, discount
        )
        if self.attempt(allowed, command):
            deal.status, deal.price, deal.discount = "quoted", price, discount

    @rule(d=deals)
    def sign_contract(self, d: int) -> None:
        deal = self.deal_refs[d]
        command = partial(self.g.sales.sign_contract, self.sellers[d], self.deal_ids[d])
        if self.attempt(deal.status == "quoted", command):
            deal.status = "contracted"
            assert deal.vehicle is not None
            self.vehicle_refs[deal.vehicle].status = "sold"

    @rule(d=deals)
    def deliver(self, d: int) -> None:
        deal = self.deal_refs[d]
        command = partial(self.g.sales.deliver_deal, self.sellers[d], self.deal_ids[d])
        if self.attempt(deal.status == "contracted", command):
            deal.status = "delivered"
            assert deal.vehicle is not None
            self.vehicle_refs[deal.vehicle].status = "delivered"

    @rule(d=deals)
    def unwind(self, d: int) -> None:
        deal = self.deal_refs[d]
        command = partial(self.g.sales.unwind_deal, self.g.manager, self.deal_ids[d], "returned")
        if self.attempt(deal.status == "delivered", command):
            deal.status = "unwound"
            assert deal.vehicle is not None
            self.vehicle_refs[deal.vehicle] = VehicleRef()

    @rule(d=deals)
    def cancel(self, d: int) -> None:
        deal = self.deal_refs[d]
        command = partial(self.g.sales.cancel_deal, self.sellers[d], self.deal_ids[d], "walked")
        if self.attempt(deal.status in NEGOTIATING, command):
            deal.status = "cancelled"
            if deal.vehicle is not None:
                self.vehicle_refs[deal.vehicle] = VehicleRef()

    @rule(d=deals)
    def advance(self, d: int) -> None:
        """The next step of the happy path, so that long lives (unwinds) are explored too."""
        ref = self.deal_refs[d]
        free = [v for v, r in enumerate(self.vehicle_refs) if r.here and r.status == "in_stock"]
        if ref.status in NEGOTIATING and ref.vehicle is None and free:
            self.attach_vehicle(d, free[0])
        elif ref.status == "open" and ref.vehicle is not None:
            self.quote(d, Decimal("205000"), Decimal("5000"))
        elif ref.status == "quoted":
            self.sign_contract(d)
        elif ref.status == "contracted":
            self.deliver(d)
        elif ref.status == "delivered":
            self.unwind(d)

    @invariant()
    def deals_match_the_reference(self) -> None:
        for d, ref in enumerate(self.deal_refs):
            deal = self.g.sales.get_deal(self.sellers[d], self.deal_ids[d])
            expected_vehicle = None if ref.vehicle is None else self.vehicle_ids[ref.vehicle]
            assert (deal.status.value, deal.vehicle_id) == (ref.status, expected_vehicle)
            if ref.status in NEGOTIATING:
                assert (deal.price, deal.discount) == (ref.price, ref.discount)

    @invariant()
    def vehicles_match_the_reference(self) -> None:
        for v, ref in enumerate(self.vehicle_refs):
            vehicle = self.g.vehicle_of(self.vehicle_ids[v])
            expected_holder = None if ref.holder is None else self.deal_ids[ref.holder]
            assert vehicle.status.value == ref.status
            assert vehicle.deal_id == expected_holder

    @invariant()
    def a_held_vehicle_is_the_vehicle_of_its_deal(self) -> None:
        for vehicle_id in self.vehicle_ids:
            vehicle = self.g.vehicle_of(vehicle_id)
            if vehicle.deal_id is None:
                assert vehicle.status is VehicleStatus.IN_STOCK
                continue
            deal = self.g.sales.get_deal(ADMIN, vehicle.deal_id)
            assert deal.vehicle_id == vehicle_id
            assert deal.status.value in HOLDING[vehicle.status]


DealLifecycle.TestCase.settings = settings(max_examples=30, stateful_step_count=25, deadline=None)
TestTheDealLifecycleFollowsTheReferenceModel = DealLifecycle.TestCase
