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

    # --- back into stock (docs/trade-ins.md) --------------------------------------------------

    class Reacquired(ShowroomAggregate.Event):
        """A car the group delivered once is the group's again (a trade-in): its id derives
        from the VIN, so it comes back as this same vehicle, used, at its new cost."""

        store_id: UUID
        condition: str
        cost: Decimal
        list_price: Decimal
        received_on: date
        source: str
        reference_id: UUID

    def reacquire(
        self,
        store_id: UUID,
        cost: Decimal | int | str,
        list_price: Decimal | int | str,
        received_on: date,
        source: str,
        reference_id: UUID,
        occurred_at: datetime,
    ) -> None:
        """Take a delivered vehicle back into a store's stock as a used car (not an unwind: the
        sale stands; this is a new acquisition of the same car)."""
        self._ensure("take back into stock", VehicleStatus.DELIVERED)
        self._reacquire(
            store_id=store_id,
            condition=values.Condition.USED.value,
            cost=_price(cost, "cost"),
            list_price=_price(list_price, "list_price"),
            received_on=happened_on(received_on, "received_on"),
            source=values.text(source, "source", max_length=40),
            reference_id=reference_id,
            occurred_at=occurred_at,
        )

    @event(Reacquired)
    def _reacquire(
        self,
        store_id: UUID,
        condition: str,
        cost: Decimal,
        list_price: Decimal,
        received_on: date,
        source: str,
        reference_id: UUID,
        occurred_at: datetime,
    ) -> None:
        self.store_id = store_id
        self.condition = values.Condition(condition)
        self.cost = cost
        self.list_price = list_price
        self.received_on = received_on
        self.status = VehicleStatus.IN_STOCK
        self.deal_id = None
        self.sold_price = None
