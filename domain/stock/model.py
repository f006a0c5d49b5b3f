"""Stock pipeline and policy: OEM orders from placing to receipt, and each store's stock settings.

An OEM order is one vehicle ordered from the maker: placed (a model, trim, colour), allocated
(the maker names the VIN, the invoice cost and the list price), shipped (in transit with an
expected day) and received, which creates the Vehicle through `Vehicle.receive`. Orders count
as stock "in transit" in the purchase guidance from allocation until receipt.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.clock import happened_on
from domain.shared.errors import IllegalTransitionError, InvalidValueError

SETTINGS_NAMESPACE = UUID("8d3c1f57-2a6e-4b90-9c14-5e7f0a2b6d31")
DEFAULT_AGED_DAYS = 60  # DOMAIN.md: groups set their own "aged" threshold, often 60
DEFAULT_TARGET_DAYS = 45  # days' supply a store orders up to when it chose none
WINDOWS = (30, 90)  # the sales windows days' supply and guidance may be computed over


class OrderStatus(StrEnum):
    ORDERED = "ordered"
    ALLOCATED = "allocated"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    CANCELLED = "cancelled"


def _positive(value: Decimal | int | str, field: str) -> Decimal:
    amount = values.money(value, field=field)
    if amount == 0:
        raise InvalidValueError(f"{field} must be positive")
    return amount


class OemOrder(ShowroomAggregate):
    """One new vehicle ordered from the maker for a store, until it is received or cancelled."""

    class Placed(ShowroomAggregate.Created):
        store_id: UUID
        make: str
        model: str
        trim: str
        colour: str
        model_year: int
        ordered_on: date

    class Allocated(ShowroomAggregate.Event):
        vin: str
        cost: Decimal
        list_price: Decimal
        allocated_on: date

    class Shipped(ShowroomAggregate.Event):
        shipped_on: date
        expected_on: date

    class Received(ShowroomAggregate.Event):
        vehicle_id: UUID
        received_on: date

    class Cancelled(ShowroomAggregate.Event):
        reason: str

    @classmethod
    def place(
        cls,
        store_id: UUID,
        make: str,
        model: str,
        trim: str,
        colour: str,
        model_year: int,
        ordered_on: date,
        occurred_at: datetime,
    ) -> OemOrder:
        """Order one vehicle of a model, trim and colour for a store."""
        ordered_on = happened_on(ordered_on, "ordered_on")
        if isinstance(model_year, bool) or not isinstance(model_year, int):
            raise InvalidValueError("model_year must be a whole number")
        if not 1990 <= model_year <= ordered_on.year + 1:
            raise InvalidValueError(f"model_year must be between 1990 and {ordered_on.year + 1}")
        return cls(
            store_id=store_id,
            make=values.text(make, "make", max_length=60),
            model=values.text(model, "model", max_length=60),
            trim=values.text(trim, "trim", max_length=60, required=False),
            colour=values.text(colour, "colour", max_length=60, required=False),
            model_year=model_year,
            ordered_on=ordered_on,
            occurred_at=occurred_at,
        )

    @event(Placed)
    def __init__(
        self,
        store_id: UUID,
        make: str,
        model: str,
        trim: str,
        colour: str,
        model_year: int,
        ordered_on: date,
        occurred_at: datetime,
    ) -> None:
        self.store_id = store_id
        self.make, self.model, self.trim, self.colour = make, model, trim, colour
        self.model_year = model_year
        self.ordered_on = ordered_on
        self.status = OrderStatus.ORDERED
        self.vin: str | None = None
        self.cost: Decimal | None = None
        self.list_price: Decimal | None = None
        self.expected_on: date | None = None
        self.vehicle_id: UUID | None = None

    def _ensure(self, action: str, *allowed: OrderStatus) -> None:
        if self.status not in allowed:
            raise IllegalTransitionError("order", self.id, self.status.value, action)

    def allocate(
        self,
        vin: str,
        cost: Decimal | int | str,
        list_price: Decimal | int | str,
        allocated_on: date,
        occurred_at: datetime,
    ) -> None:
        """The maker allocates a vehicle (its VIN, invoice cost and list price) to the order."""
        self._ensure("allocate", OrderStatus.ORDERED)
        allocated_on = happened_on(allocated_on, "allocated_on")
        if allocated_on < self.ordered_on:
            raise InvalidValueError("allocated_on cannot be before ordered_on")
        self._allocate(
            vin=values.vin(vin),
            cost=_positive(cost, "cost"),
            list_price=_positive(list_price, "list_price"),
            allocated_on=allocated_on,
            occurred_at=occurred_at,
        )

    @event(Allocated)
    def _allocate(
        self,
        vin: str,
        cost: Decimal,
        list_price: Decimal,
        allocated_on: date,
        occurred_at: datetime,
    ) -> None:
        self.status = OrderStatus.ALLOCATED
        self.vin, self.cost, self.list_price = vin, cost, list_price

    def ship(self, shipped_on: date, expected_on: date, occurred_at: datetime) -> None:
        """The allocated vehicle left the maker; it is expected at the store on `expected_on`."""
        self._ensure("ship", OrderStatus.ALLOCATED)
        shipped_on = happened_on(shipped_on, "shipped_on")
        if expected_on < shipped_on:
            raise InvalidValueError("expected_on cannot be before shipped_on")
        self._ship(shipped_on=shipped_on, expected_on=expected_on, occurred_at=occurred_at)

    @event(Shipped)
    def _ship(self, shipped_on: date, expected_on: date, occurred_at: datetime) -> None:
        self.status = OrderStatus.IN_TRANSIT
        self.expected_on = expected_on

    def receive(self, vehicle_id: UUID, received_on: date, occurred_at: datetime) -> None:
        """The vehicle arrived (the service creates the Vehicle in the same commit)."""
        self._ensure("receive", OrderStatus.ALLOCATED, OrderStatus.IN_TRANSIT)
        self._receive(
            vehicle_id=vehicle_id,
            received_on=happened_on(received_on, "received_on"),
            occurred_at=occurred_at,
        )

    @event(Received)
    def _receive(self, vehicle_id: UUID, received_on: date, occurred_at: datetime) -> None:
        self.status = OrderStatus.RECEIVED
        self.vehicle_id = vehicle_id

    def cancel(self, reason: str, occurred_at: datetime) -> None:
        """Cancel an order not shipped yet, with the reason."""
        self._ensure("cancel", OrderStatus.ORDERED, OrderStatus.ALLOCATED)
        self._cancel(reason=values.text(reason, "reason", max_length=500), occurred_at=occurred_at)

    @event(Cancelled)
    def _cancel(self, reason: str, occurred_at: datetime) -> None:
        self.status = OrderStatus.CANCELLED


def settings_id_for(store_id: UUID) -> UUID:
    """The id of the (only) stock settings of a store."""
    return uuid5(SETTINGS_NAMESPACE, str(store_id))


def _days(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError(f"{field} must be a whole number of days")
    if not low <= value <= high:
        raise InvalidValueError(f"{field} must be between {low} and {high} days")
    return value


class StockSettings(ShowroomAggregate):
    """A store's stock settings: the age at which a vehicle is "aged", and the days' supply
    the purchase guidance orders up to."""

    class Set(ShowroomAggregate.Created):
        store_id: UUID
        aged_days: int
        target_days: int

    class Changed(ShowroomAggregate.Event):
        aged_days: int
        target_days: int

    @staticmethod
    def create_id(store_id: UUID) -> UUID:
        return settings_id_for(store_id)

    @classmethod
    def first(
        cls, store_id: UUID, aged_days: object, target_days: object, occurred_at: datetime
    ) -> StockSettings:
        return cls(
            store_id=store_id,
            aged_days=_days(aged_days, "aged_days", 1, 730),
            target_days=_days(target_days, "target_days", 1, 365),
            occurred_at=occurred_at,
        )

    @event(Set)
    def __init__(
        self, store_id: UUID, aged_days: int, target_days: int, occurred_at: datetime
    ) -> None:
        self.store_id = store_id
        self.aged_days = aged_days
        self.target_days = target_days

    def change(self, aged_days: object, target_days: object, occurred_at: datetime) -> None:
        self._change(
            aged_days=_days(aged_days, "aged_days", 1, 730),
            target_days=_days(target_days, "target_days", 1, 365),
            occurred_at=occurred_at,
        )

    @event(Changed)
    def _change(self, aged_days: int, target_days: int, occurred_at: datetime) -> None:
        self.aged_days = aged_days
        self.target_days = target_days
