"""Appraisals service: used-car managers appraise customers' cars; a deal takes one in trade,
and its delivery puts the car into used stock at its ACV (docs/trade-ins.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from domain.app import Showroom, Written
from domain.appraisals.errors import AppraisalOtherStoreError, TradeInVehicleInStockError
from domain.appraisals.model import Appraisal, AppraisalStatus
from domain.crm.model import Customer
from domain.inventory.model import Vehicle, VehicleStatus, vehicle_id_for
from domain.organisation.model import Store
from domain.sales.model import Deal, DealStatus
from domain.shared.access import (
    APPRAISAL_READERS,
    APPRAISERS,
    ensure_floor_write,
    ensure_readable,
    ensure_role,
    ensure_store,
)
from domain.shared.actor import SYSTEM, Principal, acting_as
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.clock import aware, business_day
from domain.shared.errors import (
    ConflictError,
    IllegalTransitionError,
    InvalidValueError,
    PermissionDeniedError,
)

TRADE_IN_SOURCE = "trade_in"


class Appraisals:
    """Appraisals of customers' cars, trade-ins on deals, and their way into used stock."""

    def __init__(self, app: Showroom) -> None:
        self.app = app

    def create_appraisal(
        self,
        actor: Principal,
        store_id: UUID,
        vin: str,
        make: str,
        model: str,
        trim: str,
        colour: str,
        model_year: int,
        mileage_km: int,
        grade: str,
        customer_id: UUID | None = None,
        appraiser_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Start an appraisal in a store (its manager, or admin naming the appraiser)."""
        with acting_as(actor):
            ensure_role(actor, *APPRAISERS)
            ensure_store(actor, store_id)
            store = self.app.load(Store, store_id, "store")
            if not store.active:
                raise InvalidValueError(f"store {store_id} is closed")
            appraiser = actor.staff_id or appraiser_id
            if appraiser is None:
                raise InvalidValueError("name the appraiser (appraiser_id)")
            if actor.staff_id is not None and appraiser_id not in (None, actor.staff_id):
                raise PermissionDeniedError("a manager appraises as themselves")
            if customer_id is not None:
                customer = self.app.load(Customer, customer_id, "customer")
                ensure_readable(actor, "customer", customer_id, customer.store_id, None)
            appraisal = Appraisal.create(
                store_id=store_id,
                appraiser_id=appraiser,
                customer_id=customer_id,
                vin=vin,
                make=make,
                model=model,
                trim=trim,
                colour=colour,
                model_year=model_year,
                mileage_km=mileage_km,
                grade=grade,
                occurred_at=aware(occurred_at),
            )
            return self.app.written(appraisal)

    def inspect(
        self,
        actor: Principal,
        appraisal_id: UUID,
        rows: Sequence[tuple[str, str, str, Decimal | int | str]],
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record the inspection checklist: (item, result, note, repair cost) per item."""
        with acting_as(actor):
            appraisal = self._writable(actor, appraisal_id, expected_version)
            appraisal.inspect(rows, occurred_at=aware(occurred_at))
            return self.app.written(appraisal)

    def value(
        self,
        actor: Principal,
        appraisal_id: UUID,
        acv: Decimal | int | str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Set the car's actual cash value (ACV)."""
        with acting_as(actor):
            appraisal = self._writable(actor, appraisal_id, expected_version)
            appraisal.value(acv, occurred_at=aware(occurred_at))
            return self.app.written(appraisal)

    def make_offer(
        self,
        actor: Principal,
        appraisal_id: UUID,
        amount: Decimal | int | str,
        expires_at: datetime,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Offer the customer an amount for the car, valid until `expires_at`."""
        with acting_as(actor):
            appraisal = self._writable(actor, appraisal_id, expected_version)
            appraisal.make_offer(amount, expires_at, occurred_at=aware(occurred_at))
            return self.app.written(appraisal)

    def decline(
        self,
        actor: Principal,
        appraisal_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Close an appraisal the customer did not take; one accepted on a deal only once
        that deal was cancelled (otherwise its delivery would find no car to take)."""
        with acting_as(actor):
            appraisal = self._writable(actor, appraisal_id, expected_version)
            if appraisal.status is AppraisalStatus.ACCEPTED and appraisal.deal_id is not None:
                deal = self.app.load(Deal, appraisal.deal_id, "deal")
                if deal.status is not DealStatus.CANCELLED:
                    raise ConflictError(
                        f"appraisal {appraisal_id} is the trade-in of deal {deal.id}:"
                        " cancel the deal first",
                        deal_id=str(deal.id),
                    )
            appraisal.decline(reason, occurred_at=aware(occurred_at))
            return self.app.written(appraisal)

    def expire(
        self,
        actor: Principal,
        appraisal_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Close an offer past its expiry."""
        with acting_as(actor):
            appraisal = self._writable(actor, appraisal_id, expected_version)
            appraisal.expire(occurred_at=aware(occurred_at))
            return self.app.written(appraisal)

    def get_appraisal(self, actor: Principal, appraisal_id: UUID) -> Appraisal:
        """The appraisal, with its ACV, for appraisers of its store and the group's readers."""
        with acting_as(actor):
            ensure_role(actor, *APPRAISAL_READERS)
            appraisal = self.app.load(Appraisal, appraisal_id, "appraisal")
            ensure_readable(actor, "appraisal", appraisal_id, appraisal.store_id, None)
            return appraisal

    # --- trade-in on a deal -------------------------------------------------------------------

    def attach_trade_in(
        self,
        actor: Principal,
        deal_id: UUID,
        appraisal_id: UUID,
        allowance: Decimal | int | str,
        payoff: Decimal | int | str = 0,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Take an offered appraisal in trade on a deal before its contract (managers): the
        customer accepts the offer in the same save; the same appraisal may be attached again
        to change the allowance or payoff."""
        with acting_as(actor):
            ensure_role(actor, *APPRAISERS)
            deal = self.app.load(
                Deal,
                deal_id,
                "deal",
                expected_version,
                scope=lambda d: ensure_floor_write(
                    actor, "deal", deal_id, d.store_id, d.salesperson_id
                ),
            )
            appraisal = self.app.load(Appraisal, appraisal_id, "appraisal")
            ensure_readable(actor, "appraisal", appraisal_id, appraisal.store_id, None)
            if appraisal.store_id != deal.store_id:
                raise AppraisalOtherStoreError(
                    f"appraisal {appraisal_id} was made by store {appraisal.store_id}"
                )
            when = aware(occurred_at)
            self._ensure_not_in_stock(appraisal.vin)
            if appraisal.acv is None:
                raise IllegalTransitionError(
                    "appraisal", appraisal.id, appraisal.status.value, "trade in"
                )
            # The deal's rules first (before the contract, one trade), then the offer's.
            deal.attach_trade_in(
                appraisal_id=appraisal.id,
                vin=appraisal.vin,
                acv=appraisal.acv,
                allowance=allowance,
                payoff=payoff,
                occurred_at=when,
            )
            others: list[ShowroomAggregate] = []
            if not (appraisal.status is AppraisalStatus.ACCEPTED and appraisal.deal_id == deal.id):
                appraisal.accept(deal.id, occurred_at=when)
                others.append(appraisal)
            return self.app.written(deal, *others)

    def receive_trade_in(self, deal_id: UUID) -> Written | None:
        """Put a delivered deal's trade-in into used stock at its ACV (the dispatcher's job,
        as the system). Idempotent: nothing is written when the deal has no trade-in, is no
        longer delivered, or its appraisal was acquired already (a redelivered job)."""
        with acting_as(SYSTEM):
            deal = self.app.load(Deal, deal_id, "deal")
            trade = deal.trade_in
            if trade is None or deal.status is not DealStatus.DELIVERED:
                return None
            appraisal = self.app.load(Appraisal, trade.appraisal_id, "appraisal")
            if appraisal.status is not AppraisalStatus.ACCEPTED or appraisal.deal_id != deal.id:
                return None
            when = deal.delivered_at or aware(None)
            store = self.app.load(Store, deal.store_id, "store")
            received_on = business_day(when, store.timezone)
            vehicle = self._vehicle_for(appraisal, trade.acv, received_on, when)
            appraisal.acquire(vehicle.id, occurred_at=when)
            try:
                return self.app.written(vehicle, appraisal)
            except ConflictError:
                return None  # taken in meanwhile by another delivery of the job

    # --- helpers ------------------------------------------------------------------------------

    def _vehicle_for(
        self, appraisal: Appraisal, acv: Decimal, received_on: date, when: datetime
    ) -> Vehicle:
        """The vehicle the trade becomes: new to the group's books, or, for a car the group
        sold before (same VIN, same id), the delivered vehicle taken back as used stock."""
        ident = vehicle_id_for(appraisal.vin)
        if self.app.exists(ident):
            vehicle = self.app.load(Vehicle, ident, "vehicle")
            if vehicle.status is not VehicleStatus.DELIVERED:
                raise TradeInVehicleInStockError(
                    f"VIN {appraisal.vin} is in stock already", vin=appraisal.vin
                )
            vehicle.reacquire(
                store_id=appraisal.store_id,
                cost=acv,
                list_price=acv,
                received_on=received_on,
                source=TRADE_IN_SOURCE,
                reference_id=appraisal.id,
                occurred_at=when,
            )
            return vehicle
        return Vehicle.receive(
            store_id=appraisal.store_id,
            vin=appraisal.vin,
            make=appraisal.make,
            model=appraisal.model,
            trim=appraisal.trim,
            colour=appraisal.colour,
            model_year=appraisal.model_year,
            condition="used",
            cost=acv,
            list_price=acv,
            received_on=received_on,
            occurred_at=when,
        )

    def _ensure_not_in_stock(self, vin: str) -> None:
        ident = vehicle_id_for(vin)
        if self.app.exists(ident):
            vehicle = self.app.load(Vehicle, ident, "vehicle")
            if vehicle.status is not VehicleStatus.DELIVERED:
                raise TradeInVehicleInStockError(f"VIN {vin} is in stock already", vin=vin)

    def _writable(
        self, actor: Principal, appraisal_id: UUID, expected_version: int | None
    ) -> Appraisal:
        ensure_role(actor, *APPRAISERS)

        def in_scope(appraisal: Appraisal) -> None:
            ensure_readable(actor, "appraisal", appraisal_id, appraisal.store_id, None)
            ensure_store(actor, appraisal.store_id)

        return self.app.load(Appraisal, appraisal_id, "appraisal", expected_version, scope=in_scope)
