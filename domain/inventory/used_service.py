"""Used cars: acquisition, reconditioning work orders, front line, wholesale, aged policy."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.app import Showroom, Written
from domain.inventory.errors import VehicleAlreadyReceivedError, VehicleStoreClosedError
from domain.inventory.model import Vehicle, vehicle_id_for
from domain.inventory.policy import UsedCarPolicy, policy_id_for
from domain.organisation.model import Store
from domain.shared import values
from domain.shared.access import MANAGERS, can_see_vehicle, ensure_role, ensure_store
from domain.shared.actor import Principal, acting_as
from domain.shared.clock import aware, business_day
from domain.shared.errors import ConflictError, NotFoundError


class UsedCars:
    """The used-car manager's work: buy, recondition, put on the line, wholesale; the policy."""

    def __init__(self, app: Showroom) -> None:
        self.app = app

    def acquire(
        self,
        actor: Principal,
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
        received_on: date | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Buy a used car into a store's stock (admin, or that store's manager)."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            ensure_store(actor, store_id)
            store = self._open_store(store_id)
            when = aware(occurred_at)
            number = values.vin(vin)
            if self.app.exists(vehicle_id_for(number)):
                raise VehicleAlreadyReceivedError(number)
            vehicle = Vehicle.acquire(
                store_id=store_id,
                source=source,
                seller=seller,
                vin=number,
                make=make,
                model=model,
                trim=trim,
                colour=colour,
                model_year=model_year,
                cost=cost,
                list_price=list_price,
                received_on=received_on or business_day(when, store.timezone),
                occurred_at=when,
            )
            try:
                return self.app.written(vehicle)
            except ConflictError:
                raise VehicleAlreadyReceivedError(number) from None

    def open_recon_order(
        self,
        actor: Principal,
        vehicle_id: UUID,
        order_id: UUID,
        workshop: str,
        opened_on: date | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Open a reconditioning work order under the id the caller chose (the route's uuid4)."""
        with acting_as(actor):
            vehicle = self._managed(actor, vehicle_id, expected_version)
            when = aware(occurred_at)
            vehicle.open_recon_order(
                order_id, workshop, opened_on or self._today(vehicle, when), occurred_at=when
            )
            return self.app.written(vehicle)

    def add_recon_item(
        self,
        actor: Principal,
        vehicle_id: UUID,
        order_id: UUID,
        description: str,
        vendor: str,
        cost: Decimal | int | str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Add a line of work to an order; its cost is added to the vehicle's cost."""
        with acting_as(actor):
            vehicle = self._managed(actor, vehicle_id, expected_version)
            vehicle.add_recon_item(order_id, description, vendor, cost, aware(occurred_at))
            return self.app.written(vehicle)

    def start_recon_order(
        self,
        actor: Principal,
        vehicle_id: UUID,
        order_id: UUID,
        started_on: date | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Work began on the order."""
        with acting_as(actor):
            vehicle = self._managed(actor, vehicle_id, expected_version)
            when = aware(occurred_at)
            vehicle.start_recon_order(order_id, started_on or self._today(vehicle, when), when)
            return self.app.written(vehicle)

    def finish_recon_order(
        self,
        actor: Principal,
        vehicle_id: UUID,
        order_id: UUID,
        finished_on: date | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """The order's work is done."""
        with acting_as(actor):
            vehicle = self._managed(actor, vehicle_id, expected_version)
            when = aware(occurred_at)
            vehicle.finish_recon_order(order_id, finished_on or self._today(vehicle, when), when)
            return self.app.written(vehicle)

    def mark_front_line_ready(
        self,
        actor: Principal,
        vehicle_id: UUID,
        ready_on: date | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Put the used car on the front line: from now it may be reserved and sold."""
        with acting_as(actor):
            vehicle = self._managed(actor, vehicle_id, expected_version)
            when = aware(occurred_at)
            vehicle.mark_front_line_ready(ready_on or self._today(vehicle, when), when)
            return self.app.written(vehicle)

    def wholesale(
        self,
        actor: Principal,
        vehicle_id: UUID,
        buyer: str,
        buyer_kind: str,
        price: Decimal | int | str,
        sold_on: date | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Sell a used car in stock to a dealer or at auction (no deal, no salesperson)."""
        with acting_as(actor):
            vehicle = self._managed(actor, vehicle_id, expected_version)
            when = aware(occurred_at)
            vehicle.wholesale(buyer, buyer_kind, price, sold_on or self._today(vehicle, when), when)
            return self.app.written(vehicle)

    def set_policy(
        self,
        actor: Principal,
        store_id: UUID,
        steps: list[dict[str, Any]],
        wholesale_at_days: int | None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Set a store's aged-used-car policy (admin, or that store's manager)."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            ensure_store(actor, store_id)
            self._open_store(store_id)
            when = aware(occurred_at)
            ident = policy_id_for(store_id)
            if self.app.exists(ident):
                policy = self.app.load(UsedCarPolicy, ident, "used-car policy")
            else:
                policy = UsedCarPolicy(store_id=store_id, occurred_at=when)
            policy.set(steps, wholesale_at_days, occurred_at=when)
            return self.app.written(policy)

    def policy(self, actor: Principal, store_id: UUID) -> UsedCarPolicy | None:
        """A store's policy (None: never set), for whoever sees the store's stock."""
        with acting_as(actor):
            if not can_see_vehicle(actor, store_id):
                raise NotFoundError("store", store_id)
            ident = policy_id_for(store_id)
            if not self.app.exists(ident):
                return None
            return self.app.load(UsedCarPolicy, ident, "used-car policy")

    # --- helpers ------------------------------------------------------------------------------

    def _today(self, vehicle: Vehicle, when: datetime) -> date:
        store = self.app.load(Store, vehicle.store_id, "store")
        return business_day(when, store.timezone)

    def _managed(self, actor: Principal, ident: UUID, expected_version: int | None) -> Vehicle:
        # Role before state: a role that may never do this gets 403 whether the id exists or not.
        ensure_role(actor, *MANAGERS)

        def managed_by_actor(vehicle: Vehicle) -> None:
            if not can_see_vehicle(actor, vehicle.store_id):
                raise NotFoundError("vehicle", ident)
            ensure_store(actor, vehicle.store_id)

        return self.app.load(Vehicle, ident, "vehicle", expected_version, scope=managed_by_actor)

    def _open_store(self, store_id: UUID) -> Store:
        store = self.app.load(Store, store_id, "store")
        if not store.active:
            raise VehicleStoreClosedError(f"store {store_id} is closed")
        return store
