"""Leads service: capture, assign and work leads until they convert or are lost."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.app import Showroom, Written
from domain.crm.errors import CustomerAlreadyServedError, CustomerPhoneTakenError
from domain.crm.model import Customer
from domain.crm.service import Crm
from domain.leads.errors import LeadCustomerMissingError, LeadStoreClosedError
from domain.leads.model import Lead
from domain.organisation.model import Store
from domain.organisation.service import Organisation
from domain.shared.access import (
    FLOOR_WRITERS,
    MANAGERS,
    can_read,
    ensure_floor_write,
    ensure_readable,
    ensure_role,
    ensure_store,
)
from domain.shared.actor import Principal, Role, acting_as
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.clock import aware
from domain.shared.errors import (
    DomainError,
    InvalidValueError,
    PermissionDeniedError,
)


class Leads:
    """Leads of the stores, from capture to conversion or loss.

    Round-robin assignment (give a new lead to the store's active salesperson with the fewest
    open leads) is not here on purpose: it needs the open-lead count per salesperson and the
    list of a store's active salespeople, which only read models hold. It belongs in a worker
    that queries those views and then calls `assign_lead` as the system principal.
    """

    def __init__(
        self, app: Showroom, crm: Crm, *, organisation: Organisation | None = None
    ) -> None:
        self.app = app
        self.crm = crm
        # The runtime shares its one Organisation; alone (tests, tools) the service makes one.
        self._organisation = organisation or Organisation(app)

    def capture_lead(
        self,
        actor: Principal,
        store_id: UUID,
        channel: str,
        customer_id: UUID | None = None,
        customer_name: str | None = None,
        customer_phone: str | None = None,
        model_interest: str | None = None,
        note: str | None = None,
        salesperson_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Capture a lead for a known customer, or for a name and phone (de-duplicated).

        A phone the group knows links the lead to that customer when the capturer may see them;
        otherwise the enquiry is passed on (`_pass_on`) and the answer is a neutral
        CustomerAlreadyServedError naming nobody.
        """
        with acting_as(actor):
            ensure_role(actor, *FLOOR_WRITERS)
            ensure_store(actor, store_id)
            self._open_store(store_id)
            when = aware(occurred_at)
            assignee = self._assignee(actor, store_id, salesperson_id)
            if customer_id is not None:
                if customer_name is not None or customer_phone is not None:
                    raise InvalidValueError("give either customer_id or name and phone, not both")
                customer = self.app.load(Customer, customer_id, "customer")
                ensure_readable(
                    actor, "customer", customer_id, customer.store_id, customer.owner_id
                )
                customer.ensure_not_erased()
                lead = self._new_lead(store_id, customer_id, channel, model_interest, note, when)
                return self.app.written(self._assigned(lead, assignee, when))
            if customer_name is None or customer_phone is None:
                raise LeadCustomerMissingError(
                    "a lead needs customer_id, or customer name and phone"
                )
            known_id, new = self.crm.find_or_new(
                actor,
                store_id,
                customer_name,
                customer_phone,
                owner_id=assignee,
                source=channel,
                occurred_at=when,
            )
            if new is not None:
                lead = self._new_lead(store_id, known_id, channel, model_interest, note, when)
                try:
                    return self.crm.save_new(new, self._assigned(lead, assignee, when))
                except CustomerPhoneTakenError as taken:
                    known_id = taken.customer_id  # a concurrent capture registered them first
            customer = self.app.load(Customer, known_id, "customer")
            if can_read(actor, customer.store_id, customer.owner_id):
                lead = self._new_lead(store_id, known_id, channel, model_interest, note, when)
                return self.app.written(self._assigned(lead, assignee, when))
            self._pass_on(actor, customer, channel, model_interest, note, when)
            raise CustomerAlreadyServedError(passed_on=True)

    def _pass_on(
        self,
        actor: Principal,
        customer: Customer,
        channel: str,
        model_interest: str | None,
        note: str | None,
        when: datetime,
    ) -> None:
        """An enquiry for a customer the capturer may not see goes to whoever serves them.

        The customer stays with the owner: captured at the owner's own store, the enquiry is a
        new lead of the customer's store assigned to the owner (if still an active salesperson
        there); captured at another store, or for a customer without an active owner, it is an
        unassigned lead of the customer's store, which its manager resolves (assigns or loses).
        Nothing is written for the capturer. A customer of a closed store gets nothing written:
        an admin moves such customers first. This is the seam where a protection period and a
        manager's queue of contested enquiries plug in.
        """
        store = self.app.load(Store, customer.store_id, "store")
        if not store.active:
            return
        owner = customer.owner_id if actor.store_id == customer.store_id else None
        if owner is not None:
            try:
                self._organisation.active_salesperson(customer.store_id, owner)
            except DomainError:
                owner = None
        lead = self._new_lead(customer.store_id, customer.id, channel, model_interest, note, when)
        self.app.written(self._assigned(lead, owner, when))

    @staticmethod
    def _new_lead(
        store_id: UUID,
        customer_id: UUID,
        channel: str,
        model_interest: str | None,
        note: str | None,
        when: datetime,
    ) -> Lead:
        return Lead.capture(store_id, customer_id, channel, model_interest, note, when)

    @staticmethod
    def _assigned(lead: Lead, assignee: UUID | None, when: datetime) -> Lead:
        if assignee is not None:
            lead.assign(assignee, occurred_at=when)
        return lead

    def assign_lead(
        self,
        actor: Principal,
        lead_id: UUID,
        salesperson_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Give the lead to an active salesperson of its store, or hand it over (managers)."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            lead = self._writable(actor, lead_id, expected_version)
            self._organisation.active_salesperson(lead.store_id, salesperson_id)
            lead.assign(salesperson_id, occurred_at=aware(occurred_at))
            return self.app.written(lead)

    def log_activity(
        self,
        actor: Principal,
        lead_id: UUID,
        kind: str,
        outcome: str | None = None,
        note: str | None = None,
        automated: bool = False,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record a call, message, visit or test drive with the lead's customer."""
        with acting_as(actor):
            lead = self._writable(actor, lead_id, expected_version)
            lead.log_activity(kind, outcome, note, automated, occurred_at=aware(occurred_at))
            return self.app.written(lead)

    def set_appointment(
        self,
        actor: Principal,
        lead_id: UUID,
        scheduled_for: datetime,
        purpose: str,
        appointment_id: UUID | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Book a visit or a test drive (a client may choose the appointment id to retry safely)."""
        with acting_as(actor):
            lead = self._writable(actor, lead_id, expected_version)
            lead.set_appointment(
                scheduled_for,
                purpose,
                occurred_at=aware(occurred_at),
                appointment_id=appointment_id,
            )
            return self.app.written(lead)

    def mark_shown(
        self,
        actor: Principal,
        lead_id: UUID,
        appointment_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """The customer came to the pending appointment."""
        with acting_as(actor):
            lead = self._writable(actor, lead_id, expected_version)
            lead.mark_shown(appointment_id, occurred_at=aware(occurred_at))
            return self.app.written(lead)

    def mark_no_show(
        self,
        actor: Principal,
        lead_id: UUID,
        appointment_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """The customer missed the pending appointment."""
        with acting_as(actor):
            lead = self._writable(actor, lead_id, expected_version)
            lead.mark_no_show(appointment_id, occurred_at=aware(occurred_at))
            return self.app.written(lead)

    def lose_lead(
        self,
        actor: Principal,
        lead_id: UUID,
        reason: str,
        note: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Close the lead without a deal, with the reason it was lost."""
        with acting_as(actor):
            lead = self._writable(actor, lead_id, expected_version)
            lead.lose(reason, note, occurred_at=aware(occurred_at))
            return self.app.written(lead)

    def get_lead(self, actor: Principal, lead_id: UUID) -> Lead:
        """The lead, if the actor's scope reaches it."""
        with acting_as(actor):
            lead = self.app.load(Lead, lead_id, "lead")
            ensure_readable(actor, "lead", lead_id, lead.store_id, lead.salesperson_id)
            return lead

    def get_timeline(
        self, actor: Principal, lead_id: UUID
    ) -> tuple[Lead, list[ShowroomAggregate.Event]]:
        """The lead and what happened to it, oldest first, if the actor's scope reaches it."""
        with acting_as(actor):
            lead = self.get_lead(actor, lead_id)
            events = [e for e in self.app.events.get(lead_id, lte=lead.version)]
            return lead, [e for e in events if isinstance(e, ShowroomAggregate.Event)]

    # --- helpers ------------------------------------------------------------------------------

    def _writable(self, actor: Principal, lead_id: UUID, expected_version: int | None) -> Lead:
        # Role before state: a role that may never do this gets 403 whether the id exists or not.
        ensure_role(actor, *FLOOR_WRITERS)
        return self.app.load(
            Lead,
            lead_id,
            "lead",
            expected_version,
            scope=lambda lead: ensure_floor_write(
                actor, "lead", lead_id, lead.store_id, lead.salesperson_id
            ),
        )

    def _assignee(
        self, actor: Principal, store_id: UUID, salesperson_id: UUID | None
    ) -> UUID | None:
        """Salespeople take what they capture; managers may assign it at once."""
        if actor.role is Role.SALESPERSON:
            if actor.staff_id is None:
                raise PermissionDeniedError("this salesperson login has no staff record")
            if salesperson_id is not None and salesperson_id != actor.staff_id:
                raise PermissionDeniedError("only managers assign leads to others")
            return actor.staff_id
        if salesperson_id is not None:
            self._organisation.active_salesperson(store_id, salesperson_id)
        return salesperson_id

    def _open_store(self, store_id: UUID) -> Store:
        store = self.app.load(Store, store_id, "store")
        if not store.active:
            raise LeadStoreClosedError(f"store {store_id} is closed")
        return store
