"""Inventory: each vehicle from arrival at a store until it is delivered to its buyer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.inventory.errors import (
    ReconOrderNotFoundError,
    ReconOrdersOpenError,
    VehicleAlreadyAtStoreError,
    VehicleNotAvailableError,
    VehicleNotFrontLineReadyError,
    VehicleNotHeldByDealError,
    VehiclePriceUnchangedError,
)
from domain.inventory.used import (
    ACQUISITION_SOURCES,
    WHOLESALE_BUYERS,
    ReconItem,
    ReconOrder,
)
from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.clock import happened_on
from domain.shared.errors import ConflictError, IllegalTransitionError, InvalidValueError

# Vehicle ids derive from the VIN (not personal data), so receiving a VIN twice is a conflict.
VEHICLE_NAMESPACE = UUID("2b0f8f0e-7d4c-4f3a-9a51-6c2e3f1d8b47")
FIRST_MODEL_YEAR = 1990


class VehicleStatus(StrEnum):
    IN_STOCK = "in_stock"
    RESERVED = "reserved"
    SOLD = "sold"
    DELIVERED = "delivered"
    # A used car sold wholesale (to a dealer or an auction): it left stock without a deal.
    WHOLESALED = "wholesaled"
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
        if not self.is_front_line_ready:
            raise VehicleNotFrontLineReadyError(self.id)
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
        if not self.is_front_line_ready:
            raise VehicleNotFrontLineReadyError(self.id)
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

    # --- used cars: acquisition, reconditioning (整备), front line, wholesale -----------------
    # Appended after the original lifecycle. A used car, however it arrived (bought, traded in
    # through `receive`), is sellable only once front-line ready; new cars always are.

    class Acquired(ShowroomAggregate.Event):
        source: str
        seller: str

    class ReconOrderOpened(ShowroomAggregate.Event):
        order_id: UUID
        workshop: str
        opened_on: date

    class ReconItemAdded(ShowroomAggregate.Event):
        order_id: UUID
        description: str
        vendor: str
        cost: Decimal

    class ReconStarted(ShowroomAggregate.Event):
        order_id: UUID
        started_on: date

    class ReconFinished(ShowroomAggregate.Event):
        order_id: UUID
        finished_on: date

    class FrontLineReady(ShowroomAggregate.Event):
        ready_on: date
        t2l_days: int

    class Wholesaled(ShowroomAggregate.Event):
        buyer: str
        buyer_kind: str
        price: Decimal
        cost: Decimal
        sold_on: date

    @classmethod
    def acquire(
        cls,
        store_id: UUID,
        source: str,
        seller: str,
        vin: str,
        make: str,
        model: str,
        trim: str,
        colour: str,
        model_year: int,
        cost: Decimal | int | str,
        list_price: Decimal | int | str,
        received_on: date,
        occurred_at: datetime,
    ) -> Vehicle:
        """A used car bought other than as a trade-in: from a private seller, at auction, or
        transferred from another company; it enters stock at its purchase cost."""
        if source not in ACQUISITION_SOURCES:
            raise InvalidValueError(f"source must be one of {', '.join(ACQUISITION_SOURCES)}")
        vehicle = cls.receive(
            store_id=store_id,
            vin=vin,
            make=make,
            model=model,
            trim=trim,
            colour=colour,
            model_year=model_year,
            condition=values.Condition.USED.value,
            cost=cost,
            list_price=list_price,
            received_on=received_on,
            occurred_at=occurred_at,
        )
        vehicle._acquire(
            source=source,
            seller=values.text(seller, "seller", max_length=120),
            occurred_at=occurred_at,
        )
        return vehicle

    @event(Acquired)
    def _acquire(self, source: str, seller: str, occurred_at: datetime) -> None:
        self.source = source
        self.seller = seller

    @property
    def recon_orders(self) -> dict[UUID, ReconOrder]:
        """The reconditioning work orders, oldest first (none for a car never reconditioned)."""
        # Read without writing: a command that only looks must leave the state as replay makes it.
        orders: dict[UUID, ReconOrder] = self.__dict__.get("_recon_orders", {})
        return orders

    @property
    def ready_on(self) -> date | None:
        """The day the used car was declared front-line ready (None: not yet, or a new car)."""
        ready: date | None = self.__dict__.get("_ready_on")
        return ready

    @property
    def is_front_line_ready(self) -> bool:
        return self.condition is values.Condition.NEW or self.ready_on is not None

    @property
    def recon_cost(self) -> Decimal:
        return sum((o.cost for o in self.recon_orders.values()), Decimal(0))

    def _ensure_in_recon(self, action: str) -> None:
        """Reconditioning belongs to a used car in stock that is not on the front line yet."""
        if self.condition is not values.Condition.USED or self.ready_on is not None:
            state = "new" if self.condition is values.Condition.NEW else "front-line ready"
            raise IllegalTransitionError("vehicle", self.id, state, action)
        self._ensure(action, VehicleStatus.IN_STOCK)

    def _order(self, order_id: UUID) -> ReconOrder:
        order = self.recon_orders.get(order_id)
        if order is None:
            raise ReconOrderNotFoundError(self.id, order_id)
        return order

    def _on_or_after(self, day: date, earliest: date, field: str, after: str) -> date:
        day = happened_on(day, field)
        if day < earliest:
            raise InvalidValueError(f"{field} must not be before {after} ({earliest})")
        return day

    def open_recon_order(
        self, order_id: UUID, workshop: str, opened_on: date, occurred_at: datetime
    ) -> None:
        """Open a work order with a vendor or the store's own workshop."""
        self._ensure_in_recon("open a recon order on")
        if order_id in self.recon_orders:
            raise ConflictError(f"recon order {order_id} exists already", id=str(order_id))
        self._open_recon_order(
            order_id=order_id,
            workshop=values.text(workshop, "workshop", max_length=120),
            opened_on=self._on_or_after(opened_on, self.received_on, "opened_on", "received_on"),
            occurred_at=occurred_at,
        )

    @event(ReconOrderOpened)
    def _open_recon_order(
        self, order_id: UUID, workshop: str, opened_on: date, occurred_at: datetime
    ) -> None:
        orders = self.__dict__.setdefault("_recon_orders", {})
        orders[order_id] = ReconOrder(order_id, workshop, opened_on)

    def add_recon_item(
        self,
        order_id: UUID,
        description: str,
        vendor: str,
        cost: Decimal | int | str,
        occurred_at: datetime,
    ) -> None:
        """A line of work on an unfinished order; its cost is added to the vehicle's cost."""
        self._ensure_in_recon("add recon work to")
        order = self._order(order_id)
        if order.finished_on is not None:
            raise IllegalTransitionError("recon order", order_id, "finished", "add work to")
        self._add_recon_item(
            order_id=order_id,
            description=values.text(description, "description", max_length=200),
            vendor=values.text(vendor, "vendor", max_length=120, required=False),
            cost=values.money(cost, field="cost"),
            occurred_at=occurred_at,
        )

    @event(ReconItemAdded)
    def _add_recon_item(
        self, order_id: UUID, description: str, vendor: str, cost: Decimal, occurred_at: datetime
    ) -> None:
        self.recon_orders[order_id].items.append(ReconItem(description, vendor, cost))
        self.cost += cost

    def start_recon_order(self, order_id: UUID, started_on: date, occurred_at: datetime) -> None:
        """Work began on the order."""
        self._ensure_in_recon("start recon on")
        order = self._order(order_id)
        if order.started_on is not None:
            raise IllegalTransitionError("recon order", order_id, "started", "start")
        self._start_recon_order(
            order_id=order_id,
            started_on=self._on_or_after(started_on, order.opened_on, "started_on", "opened_on"),
            occurred_at=occurred_at,
        )

    @event(ReconStarted)
    def _start_recon_order(self, order_id: UUID, started_on: date, occurred_at: datetime) -> None:
        self.recon_orders[order_id].started_on = started_on

    def finish_recon_order(self, order_id: UUID, finished_on: date, occurred_at: datetime) -> None:
        """The order's work is done; a finished order takes no more work."""
        self._ensure_in_recon("finish recon on")
        order = self._order(order_id)
        if order.started_on is None:
            raise IllegalTransitionError("recon order", order_id, "not started", "finish")
        if order.finished_on is not None:
            raise IllegalTransitionError("recon order", order_id, "finished", "finish")
        self._finish_recon_order(
            order_id=order_id,
            finished_on=self._on_or_after(
                finished_on, order.started_on, "finished_on", "started_on"
            ),
            occurred_at=occurred_at,
        )

    @event(ReconFinished)
    def _finish_recon_order(self, order_id: UUID, finished_on: date, occurred_at: datetime) -> None:
        self.recon_orders[order_id].finished_on = finished_on

    def mark_front_line_ready(self, ready_on: date, occurred_at: datetime) -> None:
        """The used car is ready for the lot: every work order finished (a car needing no work
        may have none). T2L = ready_on − received_on, in days."""
        self._ensure_in_recon("put on the front line")
        unfinished = [o for o in self.recon_orders.values() if o.finished_on is None]
        if unfinished:
            raise ReconOrdersOpenError(
                f"vehicle {self.id} has {len(unfinished)} unfinished recon order(s)",
                id=str(self.id),
            )
        earliest = max(
            [
                self.received_on,
                *(o.finished_on for o in self.recon_orders.values() if o.finished_on),
            ]
        )
        ready_on = self._on_or_after(ready_on, earliest, "ready_on", "the last recon finish")
        self._mark_front_line_ready(
            ready_on=ready_on, t2l_days=(ready_on - self.received_on).days, occurred_at=occurred_at
        )

    @event(FrontLineReady)
    def _mark_front_line_ready(self, ready_on: date, t2l_days: int, occurred_at: datetime) -> None:
        self._ready_on = ready_on
        self.t2l_days = t2l_days

    def wholesale(
        self,
        buyer: str,
        buyer_kind: str,
        price: Decimal | int | str,
        sold_on: date,
        occurred_at: datetime,
    ) -> None:
        """Sell a used car in stock to a dealer or at auction; it leaves stock with no deal.
        Wholesale gross = price − cost (recon included), reported apart from retail gross."""
        if self.condition is not values.Condition.USED:
            raise IllegalTransitionError("vehicle", self.id, "new", "wholesale")
        self._ensure("wholesale", VehicleStatus.IN_STOCK)
        if buyer_kind not in WHOLESALE_BUYERS:
            raise InvalidValueError(f"buyer_kind must be one of {', '.join(WHOLESALE_BUYERS)}")
        self._wholesale(
            buyer=values.text(buyer, "buyer", max_length=120),
            buyer_kind=buyer_kind,
            price=_price(price, "price"),
            cost=self.cost,
            sold_on=self._on_or_after(sold_on, self.received_on, "sold_on", "received_on"),
            occurred_at=occurred_at,
        )

    @event(Wholesaled)
    def _wholesale(
        self,
        buyer: str,
        buyer_kind: str,
        price: Decimal,
        cost: Decimal,
        sold_on: date,
        occurred_at: datetime,
    ) -> None:
        self.status = VehicleStatus.WHOLESALED
        self.sold_price = price

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
        # A new life in stock: the last life's reconditioning and front line do not carry over
        # (a car back from a customer is inspected and readied again: docs/used-cars.md).
        self.__dict__.pop("_recon_orders", None)
        self.__dict__.pop("_ready_on", None)
