"""Inventory service: receive vehicles into stock, move them between stores, price them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from domain.app import Showroom, Written
from domain.inventory.errors import VehicleAlreadyReceivedError, VehicleStoreClosedError
from domain.inventory.model import Vehicle, vehicle_id_for
from domain.organisation.model import Store
from domain.shared import values
from domain.shared.access import MANAGERS, can_see_vehicle, ensure_role, ensure_store
from domain.shared.actor import Principal, acting_as
from domain.shared.clock import aware, business_day
from domain.shared.errors import ConflictError, NotFoundError


class Inventory:
    """The vehicles of the group's stores."""

    def __init__(self, app: Showroom) -> None:
        self.app = app

    def receive_vehicle(
        self,
        actor: Principal,
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
        received_on: date | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Take a vehicle into a store's stock (admin, or that store's manager)."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            ensure_store(actor, store_id)
            store = self._open_store(store_id)
            when = aware(occurred_at)
            number = values.vin(vin)
            # Checked first for a clear answer; the unique id still catches a concurrent twin.
            if self.app.exists(vehicle_id_for(number)):
                raise VehicleAlreadyReceivedError(number)
            vehicle = Vehicle.receive(
                store_id=store_id,
                vin=number,
                make=make,
                model=model,
                trim=trim,
                colour=colour,
                model_year=model_year,
                condition=condition,
                cost=cost,
                list_price=list_price,
                received_on=received_on or business_day(when, store.timezone),
                occurred_at=when,
            )
            try:
                return self.app.written(vehicle)
            except ConflictError:
                raise VehicleAlreadyReceivedError(number) from None

    def transfer_vehicle(
        self,
        actor: Principal,
        vehicle_id: UUID,
        to_store_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Move a vehicle in stock to another open store (admin, or the sending store's manager)."""
        with acting_as(actor):
            vehicle = self._managed(actor, vehicle_id, expected_version)
            self._open_store(to_store_id)
            vehicle.transfer(to_store_id, occurred_at=aware(occurred_at))
            return self.app.written(vehicle)

    def reprice_vehicle(
        self,
        actor: Principal,
        vehicle_id: UUID,
        list_price: Decimal | int | str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Change the list price of a vehicle not sold yet (admin, or the store's manager)."""
        with acting_as(actor):
            vehicle = self._managed(actor, vehicle_id, expected_version)
            vehicle.reprice(list_price, occurred_at=aware(occurred_at))
            return self.app.written(vehicle)

    def get_vehicle(self, actor: Principal, vehicle_id: UUID) -> Vehicle:
        """The vehicle, if it stands in a store the actor's scope reaches."""
        with acting_as(actor):
            vehicle = self.app.load(Vehicle, vehicle_id, "vehicle")
            if not can_see_vehicle(actor, vehicle.store_id):
                raise NotFoundError("vehicle", vehicle_id)
            return vehicle

    # --- helpers ------------------------------------------------------------------------------

    def _managed(self, actor: Principal, ident: UUID, expected_version: int | None) -> Vehicle:
        # Role before state: a role that may never do this gets 403 whether the id exists or not.
        ensure_role(actor, *MANAGERS)

        def managed_by_actor(vehicle: Vehicle) -> None:
            if not can_see_vehicle(actor, vehicle.store_id):
                raise NotFoundError("vehicle", ident)  # before 403: an outsider learns nothing
            ensure_store(actor, vehicle.store_id)

        return self.app.load(Vehicle, ident, "vehicle", expected_version, scope=managed_by_actor)

    def _open_store(self, store_id: UUID) -> Store:
        store = self.app.load(Store, store_id, "store")
        if not store.active:
            raise VehicleStoreClosedError(f"store {store_id} is closed")
        return store
