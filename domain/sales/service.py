"""Sales service: deals from opening to delivery; the vehicle changes in the same atomic save."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from domain.app import Showroom, Written
from domain.crm.model import Customer
from domain.inventory.model import Vehicle
from domain.leads.model import Lead
from domain.organisation.model import Store
from domain.organisation.service import Organisation
from domain.sales.desk import Desk
from domain.sales.errors import (
    DealLeadMismatchError,
    DealSalespersonMissingError,
    DealStoreClosedError,
    DealVehicleMissingError,
)
from domain.sales.model import Deal, credit_shares
from domain.shared.access import (
    FLOOR_WRITERS,
    MANAGERS,
    can_see_vehicle,
    ensure_floor_write,
    ensure_readable,
    ensure_role,
    ensure_store,
)
from domain.shared.actor import Principal, Role, acting_as
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.clock import aware
from domain.shared.errors import NotFoundError, PermissionDeniedError


class Sales:
    """Deals of the stores: vehicle, quote, contract, delivery, and their undoing."""

    def __init__(self, app: Showroom, *, organisation: Organisation | None = None) -> None:
        self.app = app
        # The runtime shares its one Organisation; alone (tests, tools) the service makes one.
        self._organisation = organisation or Organisation(app)

    def open_deal(
        self,
        actor: Principal,
        store_id: UUID,
        customer_id: UUID,
        salesperson_id: UUID | None = None,
        lead_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Open a deal for a customer; opened from a lead, the lead converts in the same save."""
        with acting_as(actor):
            ensure_role(actor, *FLOOR_WRITERS)
            ensure_store(actor, store_id)
            self._open_store(store_id)
            when = aware(occurred_at)
            lead: Lead | None = None
            if lead_id is not None:
                lead = self.app.load(Lead, lead_id, "lead")
                ensure_readable(actor, "lead", lead_id, lead.store_id, lead.salesperson_id)
            # The customer must be the caller's to see even through a lead of their own: a lead
            # does not hand over a customer another salesperson owns (404, so ids don't leak).
            customer = self.app.load(Customer, customer_id, "customer")
            ensure_readable(actor, "customer", customer_id, customer.store_id, customer.owner_id)
            if lead is not None and (lead.store_id != store_id or lead.customer_id != customer_id):
                raise DealLeadMismatchError(
                    f"lead {lead_id} is not for customer {customer_id} at store {store_id}"
                )
            seller = self._seller(actor, store_id, salesperson_id, lead)
            deal = Deal.open(store_id, customer_id, seller, lead_id, occurred_at=when)
            others: list[ShowroomAggregate] = []
            if lead is not None:
                if lead.salesperson_id is None:
                    lead.assign(seller, occurred_at=when)
                lead.convert(deal.id, occurred_at=when)
                others.append(lead)
            return self.app.written(deal, *others)

    def attach_vehicle(
        self,
        actor: Principal,
        deal_id: UUID,
        vehicle_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Reserve a free vehicle of the deal's store for the deal, freeing the previous one."""
        with acting_as(actor):
            deal = self._writable(actor, deal_id, expected_version)
            when = aware(occurred_at)
            vehicle = self.app.load(Vehicle, vehicle_id, "vehicle")
            if not can_see_vehicle(actor, vehicle.store_id):
                raise NotFoundError("vehicle", vehicle_id)
            previous_id = deal.vehicle_id
            deal.attach_vehicle(vehicle, occurred_at=when)
            vehicle.reserve(deal.id, occurred_at=when)
            others: list[ShowroomAggregate] = [vehicle]
            if previous_id is not None:
                previous = self.app.load(Vehicle, previous_id, "vehicle")
                previous.release(deal.id, occurred_at=when)
                others.append(previous)
            return self.app.written(deal, *others)

    def quote_deal(
        self,
        actor: Principal,
        deal_id: UUID,
        price: Decimal | int | str,
        discount: Decimal | int | str = 0,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Quote the attached vehicle: price less discount is the selling price."""
        with acting_as(actor):
            deal = self._writable(actor, deal_id, expected_version)
            deal.quote(price, discount, occurred_at=aware(occurred_at))
            return self.app.written(deal)

    def sign_contract(
        self,
        actor: Principal,
        deal_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Sign at the quoted price; the vehicle is sold in the same save."""
        with acting_as(actor):
            deal = self._writable(actor, deal_id, expected_version)
            when = aware(occurred_at)
            # The store's approval rules gate the contract (docs/desking.md).
            deal.sign_contract(occurred_at=when, requirement=Desk(self.app).requirement(deal))
            vehicle = self._vehicle_of(deal)
            if deal.selling_price is None:  # set by the contract just signed
                raise DealVehicleMissingError(f"deal {deal_id} has no selling price")
            vehicle.sell(deal.id, deal.selling_price, occurred_at=when)
            return self.app.written(deal, vehicle)

    def deliver_deal(
        self,
        actor: Principal,
        deal_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Hand the contracted vehicle over; the vehicle is delivered in the same save."""
        with acting_as(actor):
            deal = self._writable(actor, deal_id, expected_version)
            when = aware(occurred_at)
            deal.deliver(occurred_at=when)
            vehicle = self._vehicle_of(deal)
            vehicle.deliver(deal.id, occurred_at=when)
            return self.app.written(deal, vehicle)

    def unwind_deal(
        self,
        actor: Principal,
        deal_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Take back a delivered sale (managers); the vehicle returns to stock in the same save."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            deal = self._writable(actor, deal_id, expected_version)
            when = aware(occurred_at)
            deal.unwind(reason, occurred_at=when)
            vehicle = self._vehicle_of(deal)
            vehicle.return_to_stock(deal.id, reason, occurred_at=when)
            return self.app.written(deal, vehicle)

    def cancel_deal(
        self,
        actor: Principal,
        deal_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Give up a deal before its contract; a reserved vehicle is released in the same save."""
        with acting_as(actor):
            deal = self._writable(actor, deal_id, expected_version)
            when = aware(occurred_at)
            deal.cancel(reason, occurred_at=when)
            if deal.vehicle_id is None:
                return self.app.written(deal)
            vehicle = self._vehicle_of(deal)
            vehicle.release(deal.id, occurred_at=when)
            return self.app.written(deal, vehicle)

    # --- credit and F&I ----------------------------------------------------------------------

    def split_credit(
        self,
        actor: Principal,
        deal_id: UUID,
        credits: Sequence[tuple[UUID, Decimal | int | str]],
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Credit a deal before delivery to salespeople of its store in shares summing to 1.

        Managers (or admin) only: a split moves pay, and salespeople gifting half-deals to push
        a colleague over a tier is a known game. Every salesperson named must be active on the
        floor of the deal's store; the deal's own salesperson keeps a share and the deal.
        """
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            deal = self._writable(actor, deal_id, expected_version)
            salesperson_ids = [salesperson_id for salesperson_id, _ in credits]
            shares = credit_shares(salesperson_ids, [share for _, share in credits])
            for salesperson_id in salesperson_ids:
                self._organisation.active_salesperson(deal.store_id, salesperson_id)
            deal.split_credit(salesperson_ids, shares, occurred_at=aware(occurred_at))
            return self.app.written(deal)

    def add_product(
        self,
        actor: Principal,
        deal_id: UUID,
        product_id: UUID,
        kind: str,
        provider: str | None = None,
        amount: Decimal | int | str | None = None,
        income: Decimal | int | str | None = None,
        revenue: Decimal | int | str | None = None,
        cost: Decimal | int | str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Sell an F&I product or accessories on a deal before delivery (floor writers)."""
        with acting_as(actor):
            deal = self._writable(actor, deal_id, expected_version)
            deal.add_product(
                product_id,
                kind,
                occurred_at=aware(occurred_at),
                provider=provider,
                amount=amount,
                income=income,
                revenue=revenue,
                cost=cost,
            )
            return self.app.written(deal)

    def cancel_product(
        self,
        actor: Principal,
        deal_id: UUID,
        product_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Cancel an F&I product, before or after delivery (managers): pay is charged back."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            deal = self._writable(actor, deal_id, expected_version)
            deal.cancel_product(product_id, reason, occurred_at=aware(occurred_at))
            return self.app.written(deal)

    def get_deal(self, actor: Principal, deal_id: UUID) -> Deal:
        """The deal, if the actor's scope reaches it (a co-credited salesperson reads it too)."""
        with acting_as(actor):
            deal = self.app.load(Deal, deal_id, "deal")
            if not (actor.role is Role.SALESPERSON and deal.is_credited_to(actor.staff_id)):
                ensure_readable(actor, "deal", deal_id, deal.store_id, deal.salesperson_id)
            return deal

    # --- helpers ------------------------------------------------------------------------------

    def _writable(self, actor: Principal, deal_id: UUID, expected_version: int | None) -> Deal:
        # Role before state: a role that may never do this gets 403 whether the id exists or not.
        ensure_role(actor, *FLOOR_WRITERS)
        return self.app.load(
            Deal,
            deal_id,
            "deal",
            expected_version,
            scope=lambda deal: ensure_floor_write(
                actor, "deal", deal_id, deal.store_id, deal.salesperson_id
            ),
        )

    def _vehicle_of(self, deal: Deal) -> Vehicle:
        if deal.vehicle_id is None:
            raise DealVehicleMissingError(f"deal {deal.id} has no vehicle")
        return self.app.load(Vehicle, deal.vehicle_id, "vehicle")

    def _seller(
        self, actor: Principal, store_id: UUID, salesperson_id: UUID | None, lead: Lead | None
    ) -> UUID:
        """Salespeople sell for themselves; managers name a seller or take the lead's."""
        if actor.role is Role.SALESPERSON:
            if actor.staff_id is None:
                raise PermissionDeniedError("this salesperson login has no staff record")
            if salesperson_id is not None and salesperson_id != actor.staff_id:
                raise PermissionDeniedError("a salesperson opens deals for themselves")
            return actor.staff_id
        seller = salesperson_id
        if seller is None and lead is not None:
            seller = lead.salesperson_id
        if seller is None:
            raise DealSalespersonMissingError("name the salesperson of the deal")
        self._organisation.active_salesperson(store_id, seller)
        return seller

    def _open_store(self, store_id: UUID) -> Store:
        store = self.app.load(Store, store_id, "store")
        if not store.active:
            raise DealStoreClosedError(f"store {store_id} is closed")
        return store
