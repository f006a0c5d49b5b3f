"""Sales: a deal from first talk to delivery, with its vehicle, price and front-end gross."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from domain.inventory.model import Vehicle
from domain.sales.errors import (
    DealDiscountTooLargeError,
    DealVehicleAlreadyAttachedError,
    DealVehicleMissingError,
    DealVehicleOtherStoreError,
)
from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import IllegalTransitionError, InvalidValueError


class DealStatus(StrEnum):
    OPEN = "open"
    QUOTED = "quoted"
    CONTRACTED = "contracted"
    DELIVERED = "delivered"
    UNWOUND = "unwound"
    CANCELLED = "cancelled"


# Before the contract the deal may still change its vehicle, its quote, or be cancelled.
NEGOTIATING = (DealStatus.OPEN, DealStatus.QUOTED)


def _reason(value: str) -> str:
    return values.text(value, "reason", max_length=500)


class Deal(ShowroomAggregate):
    """One sale of one vehicle to one customer by one salesperson of a store."""

    class Opened(ShowroomAggregate.Created):
        store_id: UUID
        customer_id: UUID
        salesperson_id: UUID
        lead_id: UUID | None

    class VehicleAttached(ShowroomAggregate.Event):
        vehicle_id: UUID
        vin: str
        cost: Decimal
        list_price: Decimal
        condition: str
        make: str
        model: str
        trim: str
        colour: str

    class Quoted(ShowroomAggregate.Event):
        price: Decimal
        discount: Decimal

    class ContractSigned(ShowroomAggregate.Event):
        selling_price: Decimal
        front_gross: Decimal

    class Delivered(ShowroomAggregate.Event):
        pass

    class Unwound(ShowroomAggregate.Event):
        reason: str

    class Cancelled(ShowroomAggregate.Event):
        reason: str

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        store_id: UUID,
        customer_id: UUID,
        salesperson_id: UUID,
        lead_id: UUID | None,
        occurred_at: datetime,
    ) -> Deal:
        return cls(
            store_id=store_id,
            customer_id=customer_id,
            salesperson_id=salesperson_id,
            lead_id=lead_id,
            occurred_at=occurred_at,
        )

    @event(Opened)
    def __init__(
        self,
        store_id: UUID,
        customer_id: UUID,
        salesperson_id: UUID,
        lead_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.store_id = store_id
        self.customer_id = customer_id
        self.salesperson_id = salesperson_id
        self.lead_id = lead_id
        self.status = DealStatus.OPEN
        self.opened_at = occurred_at
        self.vehicle_id: UUID | None = None
        self.vin: str | None = None
        self.vehicle_cost: Decimal | None = None
        self.list_price: Decimal | None = None
        self.condition: values.Condition | None = None
        self.make: str | None = None
        self.model: str | None = None
        self.trim: str | None = None
        self.colour: str | None = None
        self.price: Decimal | None = None
        self.discount: Decimal | None = None
        self.selling_price: Decimal | None = None
        self.front_gross: Decimal | None = None
        self.contracted_at: datetime | None = None
        self.delivered_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.close_reason: str | None = None

    def _ensure(self, action: str, *allowed: DealStatus) -> None:
        if self.status not in allowed:
            raise IllegalTransitionError("deal", self.id, self.status.value, action)

    # --- negotiation --------------------------------------------------------------------------

    def attach_vehicle(self, vehicle: Vehicle, occurred_at: datetime) -> None:
        """Put a vehicle of the deal's store on the deal; any quote must be made again.

        The caller reserves `vehicle` (and releases the previous one) in the same save.
        """
        self._ensure("attach a vehicle to", *NEGOTIATING)
        if vehicle.id == self.vehicle_id:
            raise DealVehicleAlreadyAttachedError(
                f"vehicle {vehicle.id} is already on deal {self.id}"
            )
        if vehicle.store_id != self.store_id:
            raise DealVehicleOtherStoreError(
                f"vehicle {vehicle.id} stands in store {vehicle.store_id}, not {self.store_id}"
            )
        self._attach_vehicle(
            vehicle_id=vehicle.id,
            vin=vehicle.vin,
            cost=vehicle.cost,
            list_price=vehicle.list_price,
            condition=vehicle.condition.value,
            make=vehicle.make,
            model=vehicle.model,
            trim=vehicle.trim,
            colour=vehicle.colour,
            occurred_at=occurred_at,
        )

    @event(VehicleAttached)
    def _attach_vehicle(
        self,
        vehicle_id: UUID,
        vin: str,
        cost: Decimal,
        list_price: Decimal,
        condition: str,
        make: str,
        model: str,
        trim: str,
        colour: str,
        occurred_at: datetime,
    ) -> None:
        self.vehicle_id = vehicle_id
        self.vin = vin
        self.vehicle_cost = cost
        self.list_price = list_price
        self.condition = values.Condition(condition)
        self.make, self.model, self.trim, self.colour = make, model, trim, colour
        # A quote was for the previous vehicle.
        self.status = DealStatus.OPEN
        self.price = None
        self.discount = None

    def quote(
        self, price: Decimal | int | str, discount: Decimal | int | str, occurred_at: datetime
    ) -> None:
        """Offer the attached vehicle at `price` less `discount` (a new quote replaces the old)."""
        self._ensure("quote", *NEGOTIATING)
        if self.vehicle_id is None:
            raise DealVehicleMissingError(f"deal {self.id} needs a vehicle before a quote")
        amount = values.money(price, field="price")
        if amount == 0:
            raise InvalidValueError("price must be positive")
        off = values.money(discount, field="discount")
        if off > amount:
            raise DealDiscountTooLargeError(f"discount {off} is larger than price {amount}")
        self._quote(price=amount, discount=off, occurred_at=occurred_at)

    @event(Quoted)
    def _quote(self, price: Decimal, discount: Decimal, occurred_at: datetime) -> None:
        self.status = DealStatus.QUOTED
        self.price = price
        self.discount = discount

    # --- contract and after -------------------------------------------------------------------

    def sign_contract(self, occurred_at: datetime) -> None:
        """Sign at the quoted price; the caller marks the vehicle sold in the same save."""
        self._ensure("sign the contract of", DealStatus.QUOTED)
        if self.price is None or self.discount is None or self.vehicle_cost is None:
            raise DealVehicleMissingError(f"deal {self.id} has no quoted vehicle")
        selling_price = self.price - self.discount
        self._sign_contract(
            selling_price=selling_price,
            front_gross=values.money(
                selling_price - self.vehicle_cost, field="front_gross", allow_negative=True
            ),
            occurred_at=occurred_at,
        )

    @event(ContractSigned)
    def _sign_contract(
        self, selling_price: Decimal, front_gross: Decimal, occurred_at: datetime
    ) -> None:
        self.status = DealStatus.CONTRACTED
        self.selling_price = selling_price
        self.front_gross = front_gross
        self.contracted_at = occurred_at

    def deliver(self, occurred_at: datetime) -> None:
        """Hand the vehicle to the customer; the caller marks the vehicle delivered too."""
        self._ensure("deliver", DealStatus.CONTRACTED)
        self._deliver(occurred_at=occurred_at)

    @event(Delivered)
    def _deliver(self, occurred_at: datetime) -> None:
        self.status = DealStatus.DELIVERED
        self.delivered_at = occurred_at

    def unwind(self, reason: str, occurred_at: datetime) -> None:
        """Take a delivered sale back; the caller returns the vehicle to stock in the same save."""
        self._ensure("unwind", DealStatus.DELIVERED)
        self._unwind(reason=_reason(reason), occurred_at=occurred_at)

    @event(Unwound)
    def _unwind(self, reason: str, occurred_at: datetime) -> None:
        self.status = DealStatus.UNWOUND
        self.closed_at = occurred_at
        self.close_reason = reason

    def cancel(self, reason: str, occurred_at: datetime) -> None:
        """Give up before the contract; the caller releases the vehicle in the same save."""
        self._ensure("cancel", *NEGOTIATING)
        self._cancel(reason=_reason(reason), occurred_at=occurred_at)

    @event(Cancelled)
    def _cancel(self, reason: str, occurred_at: datetime) -> None:
        self.status = DealStatus.CANCELLED
        self.closed_at = occurred_at
        self.close_reason = reason
