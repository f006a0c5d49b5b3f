"""Leads service: capture, assign and work leads until they convert or are lost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.app import Showroom, Written
from domain.crm.errors import CustomerAlreadyServedError, CustomerPhoneTakenError
from domain.crm.model import Customer
from domain.crm.service import Crm
from domain.leads.campaign import Campaign
from domain.leads.dedup import GroupLeadRules, dedup_setting, group_rules_id
from domain.leads.errors import LeadCustomerMissingError, LeadStoreClosedError
from domain.leads.intake import LeadIntake, LeadWritten, survivor_of
from domain.leads.model import Lead
from domain.leads.origin import Origin
from domain.leads.ports import OpenLeads
from domain.organisation.model import Store
from domain.organisation.service import Organisation
from domain.shared.access import (
    ASSIGNERS,
    FLOOR_WRITERS,
    LOSS_APPROVERS,
    MANAGERS,
    allows,
    can_read,
    ensure_assignable,
    ensure_floor_write,
    ensure_readable,
    ensure_role,
    ensure_store,
)
from domain.shared.actor import Principal, Role, acting_as
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.clock import aware
from domain.shared.errors import (
    ConflictError,
    DomainError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)

# Concurrent captures of one customer at one store conflict on the lead slot or the lead: each
# loser reloads and lands on the winner's lead, so a burst of N needs up to N attempts.
CAPTURE_ATTEMPTS = 20


@dataclass(frozen=True)
class LeadRules:
    """A store's de-duplication rule (`rule_set`: chosen by the store, else the default) and
    the group's protection period in days (None: no lapse)."""

    store_id: UUID
    rule: str
    window_days: int
    rule_set: bool
    protection_days: int | None


class Leads:
    """Leads of the stores, from capture to conversion or loss.

    Round-robin assignment (give a new lead to the store's active salesperson with the fewest
    open leads) is not here on purpose: it needs the open-lead count per salesperson and the
    list of a store's active salespeople, which only read models hold. It belongs in a worker
    that queries those views and then calls `assign_lead` as the system principal.
    """

    def __init__(
        self,
        app: Showroom,
        crm: Crm,
        *,
        organisation: Organisation | None = None,
        open_leads: OpenLeads | None = None,
    ) -> None:
        self.app = app
        self.crm = crm
        # The runtime shares its one Organisation; alone (tests, tools) the service makes one.
        self._organisation = organisation or Organisation(app)
        self.intake = LeadIntake(app, open_leads)

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
        origin: Origin | None = None,
        lead_id: UUID | None = None,
    ) -> Written:
        """Capture a lead for a known customer, or for a name and phone (de-duplicated).

        A phone the group knows links the lead to that customer when the capturer may see them;
        otherwise the enquiry is passed on (`_pass_on`) and the answer is a neutral
        CustomerAlreadyServedError naming nobody.
        """
        with acting_as(actor):
            ensure_role(actor, *FLOOR_WRITERS)
            ensure_store(actor, store_id)
            store = self._open_store(store_id)
            when = aware(occurred_at)
            assignee = self._assignee(actor, store_id, salesperson_id)
            if customer_id is not None:
                if customer_name is not None or customer_phone is not None:
                    raise InvalidValueError("give either customer_id or name and phone, not both")
                # A record merged into another answers as the survivor (docs/lead-dedup.md).
                customer = survivor_of(self.app, customer_id)
                ensure_readable(
                    actor, "customer", customer_id, customer.store_id, customer.owner_id
                )
                customer.ensure_not_erased()
                return self._placed(
                    store,
                    customer.id,
                    channel,
                    model_interest,
                    note,
                    when,
                    assignee,
                    origin=origin,
                    lead_id=lead_id,
                )
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
                placed = self.intake.place(
                    store,
                    known_id,
                    channel,
                    model_interest,
                    note,
                    when,
                    assignee,
                    origin=self._checked(origin, store_id),
                    lead_id=lead_id,
                )
                try:
                    done = self.crm.save_new(new, *placed.to_save)
                    return LeadWritten(done.id, done.version, done.position, placed.enquiry)
                except CustomerPhoneTakenError as taken:
                    known_id = taken.customer_id  # a concurrent capture registered them first
            customer = survivor_of(self.app, known_id)
            if can_read(actor, customer.store_id, customer.owner_id):
                return self._placed(
                    store,
                    customer.id,
                    channel,
                    model_interest,
                    note,
                    when,
                    assignee,
                    origin=origin,
                    lead_id=lead_id,
                )
            if customer.store_id != store_id and not customer.erased:
                lapsed, last, days = self.intake.lapsed(customer, when)
                if lapsed and days is not None:
                    # The owner's protection lapsed: the capturing store takes the customer,
                    # written as an event of the customer, with the lead in the same save.
                    customer.take_over(store_id, assignee, last, days, occurred_at=when)
                    placed = self.intake.place(
                        store,
                        customer.id,
                        channel,
                        model_interest,
                        note,
                        when,
                        assignee,
                        origin=self._checked(origin, store_id),
                        lead_id=lead_id,
                    )
                    return placed.written(self.app, customer)
            self._pass_on(
                actor, customer, channel, model_interest, note, when, origin=origin, lead_id=lead_id
            )
            raise CustomerAlreadyServedError(passed_on=True)

    def _placed(
        self,
        store: Store,
        customer_id: UUID,
        channel: str,
        model_interest: str | None,
        note: str | None,
        when: datetime,
        assignee: UUID | None,
        *,
        origin: Origin | None = None,
        lead_id: UUID | None = None,
    ) -> LeadWritten:
        """The enquiry on the customer's open lead at the store, or a new lead; tried again
        (state reloaded) when a concurrent capture of the same customer at the store saved
        first: the lead slot or the lead's version conflicts, never both writes land. A
        partner's lead id (`lead_id`) is not tried again: its conflict is the partner posting
        the same lead twice, which the intake answers with the lead it landed on."""
        checked = self._checked(origin, store.id)
        for attempt in range(1, CAPTURE_ATTEMPTS + 1):
            placed = self.intake.place(
                store,
                customer_id,
                channel,
                model_interest,
                note,
                when,
                assignee,
                origin=checked,
                lead_id=lead_id,
            )
            try:
                return placed.written(self.app)
            except ConflictError:
                if lead_id is not None or attempt == CAPTURE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _pass_on(
        self,
        actor: Principal,
        customer: Customer,
        channel: str,
        model_interest: str | None,
        note: str | None,
        when: datetime,
        origin: Origin | None = None,
        lead_id: UUID | None = None,
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
        # At the customer's store, the store's de-duplication rule holds too.
        placed = self.intake.place(
            store,
            customer.id,
            channel,
            model_interest,
            note,
            when,
            owner,
            origin=self._checked(origin, store.id),
            lead_id=lead_id,
        )
        placed.written(self.app)

    def _checked(self, origin: Origin | None, store_id: UUID) -> Origin | None:
        """The lead's origin, once its campaign (if any) is known to run in the store."""
        if origin is not None and origin.campaign_id is not None:
            campaign = self.app.load(Campaign, origin.campaign_id, "campaign")
            campaign.ensure_runs_in(store_id)
        return origin

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
            ensure_role(actor, *ASSIGNERS)
            ensure_assignable(actor, salesperson_id)
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
        """Close the lead without a deal at once (managers); salespeople request a loss instead
        (domain/leads/losses.py), which a manager approves."""
        with acting_as(actor):
            if not allows(actor, LOSS_APPROVERS):
                raise PermissionDeniedError(
                    "salespeople request a loss (POST /leads/{id}/loss-request); a manager approves"
                )
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
        """Salespeople take what they capture; managers may assign it at once, team leaders
        within their team."""
        if actor.role is Role.TEAM_LEADER:
            assignee = salesperson_id if salesperson_id is not None else actor.staff_id
            if assignee is None:
                raise PermissionDeniedError("this team leader login has no staff record")
            ensure_assignable(actor, assignee)
            self._organisation.active_salesperson(store_id, assignee)
            return assignee
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

    # --- de-duplication and protection settings (docs/lead-dedup.md) ---------------------------

    def set_lead_dedup(
        self,
        actor: Principal,
        store_id: UUID,
        rule: str,
        window_days: int,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Set when a customer's enquiry is recorded on their open lead at the store (managers
        of the store, admins)."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            ensure_store(actor, store_id)
            chosen, window = dedup_setting(rule, window_days)
            store = self.app.load(Store, store_id, "store")
            store.set_lead_dedup(chosen.value, window, occurred_at=aware(occurred_at))
            return self.app.written(store)

    def set_protection_period(
        self, actor: Principal, protection_days: int | None, occurred_at: datetime | None = None
    ) -> Written:
        """Set the group's protection period: how long a customer stays with the owner after
        the owner's last activity with them (None: until a manager moves them; admins)."""
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN)
            when = aware(occurred_at)
            try:
                rules = self.app.load(GroupLeadRules, group_rules_id(), "group lead rules")
            except NotFoundError:
                return self.app.written(GroupLeadRules.start(protection_days, when))
            rules.set_protection(protection_days, when)
            return self.app.written(rules)

    def lead_rules(self, actor: Principal, store_id: UUID) -> LeadRules:
        """The store's de-duplication rule and the group's protection period (the store's
        staff, group readers)."""
        with acting_as(actor):
            if not actor.reads_everything:
                ensure_store(actor, store_id)
            store = self.app.load(Store, store_id, "store")
            rule, window = self.intake.rule_of(store)
            return LeadRules(
                store_id=store_id,
                rule=rule.value,
                window_days=window,
                rule_set=store.lead_dedup is not None,
                protection_days=self.intake.protection_days(),
            )
