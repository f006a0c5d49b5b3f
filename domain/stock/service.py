"""Stock service: OEM orders through to receipt, transfers between stores with an approval, and
each store's stock settings (aged threshold, target days' supply)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from domain.app import Showroom, Written
from domain.inventory.errors import VehicleAlreadyReceivedError, VehicleStoreClosedError
from domain.inventory.model import Vehicle, vehicle_id_for
from domain.organisation.model import Store
from domain.shared.access import (
    MANAGERS,
    TRANSFER_APPROVERS,
    can_see_vehicle,
    ensure_role,
    ensure_store,
)
from domain.shared.actor import Principal, Role, acting_as
from domain.shared.clock import aware, business_day
from domain.shared.errors import (
    ConflictError,
    IllegalTransitionError,
    NotFoundError,
    PermissionDeniedError,
)
from domain.stock.errors import OrderVinMismatchError
from domain.stock.model import (
    DEFAULT_AGED_DAYS,
    DEFAULT_TARGET_DAYS,
    OemOrder,
    StockSettings,
    settings_id_for,
)


def store_stock_settings(app: Showroom, store_id: UUID) -> tuple[int, int, int]:
    """The store's aged threshold and target days' supply, and the settings' version (0: the
    defaults, never chosen)."""
    ident = settings_id_for(store_id)
    if not app.exists(ident):
        return DEFAULT_AGED_DAYS, DEFAULT_TARGET_DAYS, 0
    settings = app.load(StockSettings, ident, "settings")
    return settings.aged_days, settings.target_days, settings.version


class Stock:
    """The stock pipeline of the group's stores: orders, transfers and settings."""

    def __init__(self, app: Showroom) -> None:
        self.app = app

    # --- OEM orders ---------------------------------------------------------------------------

    def place_order(
        self,
        actor: Principal,
        store_id: UUID,
        make: str,
        model: str,
        trim: str,
        colour: str,
        model_year: int,
        ordered_on: date | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Order a vehicle from the maker for a store (admin, or that store's manager)."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            ensure_store(actor, store_id)
            store = self._open_store(store_id)
            when = aware(occurred_at)
            order = OemOrder.place(
                store_id=store_id,
                make=make,
                model=model,
                trim=trim,
                colour=colour,
                model_year=model_year,
                ordered_on=ordered_on or business_day(when, store.timezone),
                occurred_at=when,
            )
            return self.app.written(order)

    def allocate_order(
        self,
        actor: Principal,
        order_id: UUID,
        vin: str,
        cost: Decimal | int | str,
        list_price: Decimal | int | str,
        allocated_on: date | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record the maker's allocation: the VIN, invoice cost and list price."""
        with acting_as(actor):
            order = self._order(actor, order_id, expected_version)
            when = aware(occurred_at)
            day = allocated_on or self._day(order.store_id, when)
            order.allocate(vin, cost, list_price, day, occurred_at=when)
            return self.app.written(order)

    def ship_order(
        self,
        actor: Principal,
        order_id: UUID,
        expected_on: date,
        shipped_on: date | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """The allocated vehicle is on its way, expected at the store on `expected_on`."""
        with acting_as(actor):
            order = self._order(actor, order_id, expected_version)
            when = aware(occurred_at)
            order.ship(shipped_on or self._day(order.store_id, when), expected_on, occurred_at=when)
            return self.app.written(order)

    def receive_order(
        self,
        actor: Principal,
        order_id: UUID,
        vin: str,
        received_on: date | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """The ordered vehicle arrived: it enters the store's stock (one commit, both records).
        The VIN on the vehicle must be the one allocated."""
        with acting_as(actor):
            order = self._order(actor, order_id, expected_version)
            store = self._open_store(order.store_id)
            when = aware(occurred_at)
            day = received_on or business_day(when, store.timezone)
            if order.vin is None or order.cost is None or order.list_price is None:
                raise IllegalTransitionError("order", order.id, order.status.value, "receive")
            if vin.strip().upper() != order.vin:
                raise OrderVinMismatchError(f"order {order_id} was allocated VIN {order.vin}")
            if self.app.exists(vehicle_id_for(order.vin)):
                raise VehicleAlreadyReceivedError(order.vin)
            vehicle = Vehicle.receive(
                store_id=order.store_id,
                vin=order.vin,
                make=order.make,
                model=order.model,
                trim=order.trim,
                colour=order.colour,
                model_year=order.model_year,
                condition="new",
                cost=order.cost,
                list_price=order.list_price,
                received_on=day,
                occurred_at=when,
            )
            order.receive(vehicle.id, day, occurred_at=when)
            try:
                return self.app.written(order, vehicle)
            except ConflictError:
                raise VehicleAlreadyReceivedError(order.vin) from None

    def cancel_order(
        self,
        actor: Principal,
        order_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Cancel an order that has not shipped, with the reason."""
        with acting_as(actor):
            order = self._order(actor, order_id, expected_version)
            order.cancel(reason, occurred_at=aware(occurred_at))
            return self.app.written(order)

    def get_order(self, actor: Principal, order_id: UUID) -> OemOrder:
        """The order, if its store is in the actor's scope."""
        order = self.app.load(OemOrder, order_id, "order")
        if not can_see_vehicle(actor, order.store_id):
            raise NotFoundError("order", order_id)
        return order

    # --- transfers ----------------------------------------------------------------------------

    def request_transfer(
        self,
        actor: Principal,
        vehicle_id: UUID,
        to_store_id: UUID,
        cost: Decimal | int | str,
        reason: str = "",
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Ask to move a vehicle in stock to another open store at a cost (the manager of
        either store, or admin); the group approves it."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            vehicle = self._vehicle(actor, vehicle_id, expected_version)
            if actor.role is Role.STORE_MANAGER and actor.store_id not in (
                vehicle.store_id,
                to_store_id,
            ):
                raise PermissionDeniedError("this store is outside your scope")
            self._open_store(to_store_id)
            vehicle.request_transfer(to_store_id, cost, reason, occurred_at=aware(occurred_at))
            return self.app.written(vehicle)

    def approve_transfer(
        self,
        actor: Principal,
        vehicle_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Approve a requested transfer (admin, group executive)."""
        with acting_as(actor):
            ensure_role(actor, *TRANSFER_APPROVERS)
            vehicle = self._vehicle(actor, vehicle_id, expected_version)
            vehicle.approve_transfer(occurred_at=aware(occurred_at))
            return self.app.written(vehicle)

    def refuse_transfer(
        self,
        actor: Principal,
        vehicle_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Refuse a requested transfer with the reason (admin, group executive)."""
        with acting_as(actor):
            ensure_role(actor, *TRANSFER_APPROVERS)
            vehicle = self._vehicle(actor, vehicle_id, expected_version)
            vehicle.refuse_transfer(reason, occurred_at=aware(occurred_at))
            return self.app.written(vehicle)

    def ship_transfer(
        self,
        actor: Principal,
        vehicle_id: UUID,
        expected_on: date,
        shipped_on: date | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """The approved transfer leaves the sending store (its manager, or admin)."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            vehicle = self._vehicle(actor, vehicle_id, expected_version)
            ensure_store(actor, vehicle.store_id)
            when = aware(occurred_at)
            day = shipped_on or self._day(vehicle.store_id, when)
            vehicle.ship_transfer(day, expected_on, occurred_at=when)
            return self.app.written(vehicle)

    def receive_transfer(
        self,
        actor: Principal,
        vehicle_id: UUID,
        arrived_on: date | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """The vehicle in transit arrived at the receiving store (its manager, or admin)."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            vehicle = self._vehicle(actor, vehicle_id, expected_version, receiving=True)
            to = getattr(vehicle, "transfer_to", None)
            if to is not None:
                ensure_store(actor, to)
            when = aware(occurred_at)
            day = arrived_on or self._day(to or vehicle.store_id, when)
            vehicle.receive_transfer(day, occurred_at=when)
            return self.app.written(vehicle)

    # --- settings -----------------------------------------------------------------------------

    def get_settings(self, actor: Principal, store_id: UUID) -> dict[str, object]:
        """The store's aged threshold and target days' supply (defaults until set)."""
        self.app.load(Store, store_id, "store")
        if not can_see_vehicle(actor, store_id):
            raise NotFoundError("store", store_id)
        aged, target, version = store_stock_settings(self.app, store_id)
        return {"store_id": store_id, "aged_days": aged, "target_days": target, "version": version}

    def set_settings(
        self,
        actor: Principal,
        store_id: UUID,
        aged_days: object,
        target_days: object,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Choose the store's aged threshold and target days' supply (admin, its manager)."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            ensure_store(actor, store_id)
            self.app.load(Store, store_id, "store")
            when = aware(occurred_at)
            ident = settings_id_for(store_id)
            if not self.app.exists(ident):
                if expected_version not in (None, 0):
                    raise ConflictError("the settings changed since they were read: reload")
                return self.app.written(StockSettings.first(store_id, aged_days, target_days, when))
            settings = self.app.load(StockSettings, ident, "settings", expected_version)
            settings.change(aged_days, target_days, when)
            return self.app.written(settings)

    # --- helpers ------------------------------------------------------------------------------

    def _order(self, actor: Principal, ident: UUID, expected_version: int | None) -> OemOrder:
        ensure_role(actor, *MANAGERS)

        def managed(order: OemOrder) -> None:
            if not can_see_vehicle(actor, order.store_id):
                raise NotFoundError("order", ident)
            ensure_store(actor, order.store_id)

        return self.app.load(OemOrder, ident, "order", expected_version, scope=managed)

    def _vehicle(
        self,
        actor: Principal,
        ident: UUID,
        expected_version: int | None,
        *,
        receiving: bool = False,
    ) -> Vehicle:
        def visible(vehicle: Vehicle) -> None:
            stores = {vehicle.store_id}
            if receiving or vehicle.transfer_state is not None:
                to = getattr(vehicle, "transfer_to", None)
                if to is not None:
                    stores.add(to)  # the receiving store sees the vehicle coming
            if not any(can_see_vehicle(actor, s) for s in stores):
                raise NotFoundError("vehicle", ident)

        return self.app.load(Vehicle, ident, "vehicle", expected_version, scope=visible)

    def _day(self, store_id: UUID, when: datetime) -> date:
        """The business day of `when` on the store's floor (its own timezone)."""
        return business_day(when, self.app.load(Store, store_id, "store").timezone)

    def _open_store(self, store_id: UUID) -> Store:
        store = self.app.load(Store, store_id, "store")
        if not store.active:
            raise VehicleStoreClosedError(f"store {store_id} is closed")
        return store
