"""Inventory: each vehicle from arrival at a store until it is delivered to its buyer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.inventory.errors import (
    VehicleAlreadyAtStoreError,
    VehicleNotAvailableError,
    VehicleNotHeldByDealError,
    VehiclePriceUnchangedError,
)
from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.clock import happened_on
from domain.shared.errors import IllegalTransitionError, InvalidValueError

# Vehicle ids derive from the VIN (not personal data), so receiving a VIN twice is a conflict.
VEHICLE_NAMESPACE = UUID("2b0f8f0e-7d4c-4f3a-9a51-6c2e3f1d8b47")
FIRST_MODEL_YEAR = 1990


class VehicleStatus(StrEnum):
    IN_STOCK = "in_stock"
    RESERVED = "reserved"
    SOLD = "sold"
    DELIVERED = "delivered"
    # On the road between two stores (a transfer shipped, not yet arrived): on nobody's floor.
    IN_TRANSIT = "in_transit"


def vehicle_id_for(vin: str) -> UUID:
    """The id of the vehicle with this VIN (validated and upper-cased first)."""
    return uuid5(VEHICLE_NAMESPACE, values.vin(vin))


def _price(value: Decimal | int | str, field: str) -> Decimal:
    amount = values.money(value, field=field)
    if amount == 0:
        raise InvalidValueError(f"{field} must be positive")
    return amount


class Vehicle(ShowroomAggregate):
    """A vehicle in a store's stock: in stock, reserved by a deal, sold, then delivered."""

    class Received(ShowroomAggregate.Created):
        vin: str
        make: str
        model: str
        trim: str
        colour: str
        model_year: int
        condition: str
        cost: Decimal
        list_price: Decimal
        store_id: UUID
        received_on: date

    class Reserved(ShowroomAggregate.Event):
        deal_id: UUID

    class Released(ShowroomAggregate.Event):
        deal_id: UUID

    class Sold(ShowroomAggregate.Event):
        deal_id: UUID
        price: Decimal

    class Delivered(ShowroomAggregate.Event):
        deal_id: UUID

    class ReturnedToStock(ShowroomAggregate.Event):
        deal_id: UUID
        reason: str

    class Repriced(ShowroomAggregate.Event):
        list_price: Decimal

    class Transferred(ShowroomAggregate.Event):
        from_store_id: UUID
        to_store_id: UUID

    @staticmethod
    def create_id(vin: str) -> UUID:
        return uuid5(VEHICLE_NAMESPACE, vin)

    # --- arrival ------------------------------------------------------------------------------

    @classmethod
    def receive(
        cls,
        store_id: UUID,
        vin: str,
        make: str,
        model: str,
        trim: str,
        colour: str,
        model_year: int,
        condition: str,
        cost: Decimal | int | str,
        list_price: Decimal | int | str,
        received_on: date,
        occurred_at: datetime,
    ) -> Vehicle:
        """A vehicle arriving in a store's stock; its model year is 1990 to next year."""
        received_on = happened_on(received_on, "received_on")
        if isinstance(model_year, bool) or not isinstance(model_year, int):
            raise InvalidValueError("model_year must be a whole number")
        latest = received_on.year + 1
        if not FIRST_MODEL_YEAR <= model_year <= latest:
            raise InvalidValueError(f"model_year must be between {FIRST_MODEL_YEAR} and {latest}")
        try:
            state = values.Condition(condition)
        except ValueError:
            raise InvalidValueError("condition must be new or used") from None
        return cls(
            vin=values.vin(vin),
            make=values.text(make, "make", max_length=60),
            model=values.text(model, "model", max_length=60),
            trim=values.text(trim, "trim", max_length=60, required=False),
            colour=values.text(colour, "colour", max_length=60, required=False),
            model_year=model_year,
            condition=state.value,
            cost=_price(cost, "cost"),
            list_price=_price(list_price, "list_price"),
            store_id=store_id,
            received_on=received_on,
            occurred_at=occurred_at,
        )

    @event(Received)
    def __init__(
        self,
        vin: str,
        make: str,
        model: str,
        trim: str,
        colour: str,
        model_year: int,
        condition: str,
        cost: Decimal,
        list_price: Decimal,
        store_id: UUID,
        received_on: date,
        occurred_at: datetime,
    ) -> None:
        self.vin = vin
        self.make = make
        self.model = model
        self.trim = trim
        self.colour = colour
        self.model_year = model_year
        self.condition = values.Condition(condition)
        self.cost = cost
        self.list_price = list_price
        self.store_id = store_id
        self.received_on = received_on
        self.status = VehicleStatus.IN_STOCK
        self.deal_id: UUID | None = None
        self.sold_price: Decimal | None = None

    def _ensure(self, action: str, *allowed: VehicleStatus) -> None:
        if self.status not in allowed:
            raise IllegalTransitionError("vehicle", self.id, self.status.value, action)

    def _ensure_held_by(self, deal_id: UUID) -> None:
        if self.deal_id != deal_id:
            raise VehicleNotHeldByDealError(f"vehicle {self.id} is not held by deal {deal_id}")

    @property
    def is_available(self) -> bool:
        return self.status is VehicleStatus.IN_STOCK

    # --- the sale -----------------------------------------------------------------------------

    def reserve(self, deal_id: UUID, occurred_at: datetime) -> None:
        """Hold the vehicle for a deal; only a vehicle in stock can be held."""
        if self.status is not VehicleStatus.IN_STOCK:
            raise VehicleNotAvailableError(self.id, self.status.value)
        self._reserve(deal_id=deal_id, occurred_at=occurred_at)

    @event(Reserved)
    def _reserve(self, deal_id: UUID, occurred_at: datetime) -> None:
        self.status = VehicleStatus.RESERVED
        self.deal_id = deal_id

    def release(self, deal_id: UUID, occurred_at: datetime) -> None:
        """The holding deal let the vehicle go (another vehicle, or the deal was cancelled)."""
        self._ensure("release", VehicleStatus.RESERVED)
        self._ensure_held_by(deal_id)
        self._release(deal_id=deal_id, occurred_at=occurred_at)

    @event(Released)
    def _release(self, deal_id: UUID, occurred_at: datetime) -> None:
        self.status = VehicleStatus.IN_STOCK
        self.deal_id = None

    def sell(self, deal_id: UUID, price: Decimal, occurred_at: datetime) -> None:
        """The holding deal's contract was signed at `price`."""
        self._ensure("sell", VehicleStatus.RESERVED)
        self._ensure_held_by(deal_id)
        self._sell(
            deal_id=deal_id, price=values.money(price, field="price"), occurred_at=occurred_at
        )

    @event(Sold)
    def _sell(self, deal_id: UUID, price: Decimal, occurred_at: datetime) -> None:
        self.status = VehicleStatus.SOLD
        self.sold_price = price

    def deliver(self, deal_id: UUID, occurred_at: datetime) -> None:
        """The buyer drove the vehicle away."""
        self._ensure("deliver", VehicleStatus.SOLD)
        self._ensure_held_by(deal_id)
        self._deliver(deal_id=deal_id, occurred_at=occurred_at)

    @event(Delivered)
    def _deliver(self, deal_id: UUID, occurred_at: datetime) -> None:
        self.status = VehicleStatus.DELIVERED

    def return_to_stock(self, deal_id: UUID, reason: str, occurred_at: datetime) -> None:
        """The delivered sale was unwound: the vehicle is back in the store's stock."""
        self._ensure("return to stock", VehicleStatus.DELIVERED)
        self._ensure_held_by(deal_id)
        self._return_to_stock(
            deal_id=deal_id,
            reason=values.text(reason, "reason", max_length=500),
            occurred_at=occurred_at,
        )

    @event(ReturnedToStock)
    def _return_to_stock(self, deal_id: UUID, reason: str, occurred_at: datetime) -> None:
        self.status = VehicleStatus.IN_STOCK
        self.deal_id = None
        self.sold_price = None

    # --- stock management ---------------------------------------------------------------------

    def reprice(self, list_price: Decimal | int | str, occurred_at: datetime) -> None:
        """Change the sticker price of a vehicle not sold yet."""
        self._ensure("reprice", VehicleStatus.IN_STOCK, VehicleStatus.RESERVED)
        amount = _price(list_price, "list_price")
        if amount == self.list_price:
            raise VehiclePriceUnchangedError(f"vehicle {self.id} is already listed at {amount}")
        self._reprice(list_price=amount, occurred_at=occurred_at)

    @event(Repriced)
    def _reprice(self, list_price: Decimal, occurred_at: datetime) -> None:
        self.list_price = list_price

    def transfer(self, to_store_id: UUID, occurred_at: datetime) -> None:
        """Move a vehicle in stock to another store of the group."""
        self._ensure("transfer", VehicleStatus.IN_STOCK)
        if to_store_id == self.store_id:
            raise VehicleAlreadyAtStoreError(f"vehicle {self.id} is already at store {to_store_id}")
        self._transfer(
            from_store_id=self.store_id, to_store_id=to_store_id, occurred_at=occurred_at
        )

    @event(Transferred)
    def _transfer(self, from_store_id: UUID, to_store_id: UUID, occurred_at: datetime) -> None:
        self.store_id = to_store_id

    # --- transfers with an approval (domain/stock) ----------------------------------------------
    # A transfer is requested with its cost, approved (or refused) by the group, shipped (the
    # vehicle is in transit, off both stores' floors) and received at the other store, whose
    # stock then carries the vehicle at its cost plus the transfer's.

    class TransferRequested(ShowroomAggregate.Event):
        to_store_id: UUID
        cost: Decimal
        reason: str

    class TransferApproved(ShowroomAggregate.Event):
        to_store_id: UUID

    class TransferRefused(ShowroomAggregate.Event):
        to_store_id: UUID
        reason: str

    class TransferShipped(ShowroomAggregate.Event):
        from_store_id: UUID
        to_store_id: UUID
        shipped_on: date
        expected_on: date

    class TransferArrived(ShowroomAggregate.Event):
        from_store_id: UUID
        to_store_id: UUID
        cost: Decimal
        arrived_on: date

    @property
    def transfer_state(self) -> str | None:
        """None, or where the open transfer stands: requested, approved, in_transit."""
        state: str | None = getattr(self, "_transfer_state", None)
        return state

    def request_transfer(
        self, to_store_id: UUID, cost: Decimal | int | str, reason: str, occurred_at: datetime
    ) -> None:
        """Ask to move a vehicle in stock to another store at a cost (freight, driver)."""
        self._ensure("request a transfer", VehicleStatus.IN_STOCK)
        if self.transfer_state is not None:
            raise IllegalTransitionError("transfer", self.id, self.transfer_state, "request")
        if to_store_id == self.store_id:
            raise VehicleAlreadyAtStoreError(f"vehicle {self.id} is already at store {to_store_id}")
        self._request_transfer(
            to_store_id=to_store_id,
            cost=values.money(cost, field="cost"),
            reason=values.text(reason, "reason", max_length=500, required=False),
            occurred_at=occurred_at,
        )

    @event(TransferRequested)
    def _request_transfer(
        self, to_store_id: UUID, cost: Decimal, reason: str, occurred_at: datetime
    ) -> None:
        self._transfer_state: str | None = "requested"
        self.transfer_to: UUID | None = to_store_id
        self.transfer_cost = cost

    def _ensure_transfer(self, action: str, *states: str) -> UUID:
        if self.transfer_state not in states:
            raise IllegalTransitionError("transfer", self.id, self.transfer_state or "none", action)
        assert self.transfer_to is not None  # set with every state
        return self.transfer_to

    def approve_transfer(self, occurred_at: datetime) -> None:
        """The group agrees to the requested transfer."""
        to = self._ensure_transfer("approve", "requested")
        self._approve_transfer(to_store_id=to, occurred_at=occurred_at)

    @event(TransferApproved)
    def _approve_transfer(self, to_store_id: UUID, occurred_at: datetime) -> None:
        self._transfer_state = "approved"

    def refuse_transfer(self, reason: str, occurred_at: datetime) -> None:
        """The group refuses the requested transfer, with its reason."""
        to = self._ensure_transfer("refuse", "requested")
        self._refuse_transfer(
            to_store_id=to,
            reason=values.text(reason, "reason", max_length=500),
            occurred_at=occurred_at,
        )

    @event(TransferRefused)
    def _refuse_transfer(self, to_store_id: UUID, reason: str, occurred_at: datetime) -> None:
        self._transfer_state = None
        self.transfer_to = None

    def ship_transfer(self, shipped_on: date, expected_on: date, occurred_at: datetime) -> None:
        """The approved transfer leaves the store; it is expected at the other on `expected_on`."""
        to = self._ensure_transfer("ship", "approved")
        self._ensure("ship", VehicleStatus.IN_STOCK)
        shipped_on = happened_on(shipped_on, "shipped_on")
        if expected_on < shipped_on:
            raise InvalidValueError("expected_on cannot be before shipped_on")
        self._ship_transfer(
            from_store_id=self.store_id,
            to_store_id=to,
            shipped_on=shipped_on,
            expected_on=expected_on,
            occurred_at=occurred_at,
        )

    @event(TransferShipped)
    def _ship_transfer(
        self,
        from_store_id: UUID,
        to_store_id: UUID,
        shipped_on: date,
        expected_on: date,
        occurred_at: datetime,
    ) -> None:
        self._transfer_state = "in_transit"
        self.status = VehicleStatus.IN_TRANSIT
        self.transfer_expected_on = expected_on

    def receive_transfer(self, arrived_on: date, occurred_at: datetime) -> None:
        """The vehicle in transit arrived: it joins the other store's stock, cost + transfer."""
        to = self._ensure_transfer("receive", "in_transit")
        self._receive_transfer(
            from_store_id=self.store_id,
            to_store_id=to,
            cost=self.transfer_cost,
            arrived_on=happened_on(arrived_on, "arrived_on"),
            occurred_at=occurred_at,
        )

    @event(TransferArrived)
    def _receive_transfer(
        self,
        from_store_id: UUID,
        to_store_id: UUID,
        cost: Decimal,
        arrived_on: date,
        occurred_at: datetime,
    ) -> None:
        self._transfer_state = None
        self.transfer_to = None
        self.status = VehicleStatus.IN_STOCK
        self.store_id = to_store_id
        self.cost = self.cost + cost
