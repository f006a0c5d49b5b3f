"""Where an enquiry lands: on the customer's open lead at the store, or on a new lead.

Every way in (floor capture, an enquiry passed on to the customer's store, partner intake) calls
`LeadIntake.place` and saves what it returns in one save, so the store's de-duplication rule
holds whichever door the enquiry came through (docs/lead-dedup.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.app import Showroom, Written
from domain.crm.model import Customer
from domain.leads.dedup import (
    DEFAULT_DEDUP,
    DedupRule,
    GroupLeadRules,
    LeadSlot,
    PartnerEnquiry,
    group_rules_id,
    protection_lapsed,
    slot_id,
    within_window,
)
from domain.leads.model import Lead
from domain.leads.origin import Origin
from domain.leads.ports import OpenLeads
from domain.organisation.model import Store
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import NotFoundError


@dataclass(frozen=True)
class LeadWritten(Written):
    """A capture's answer: the lead written, and whether the enquiry was recorded on an open
    lead of the customer (True) rather than opening a new one."""

    recorded_as_enquiry: bool = False


@dataclass
class Placed:
    """The lead an enquiry landed on and everything to save with it (the lead first)."""

    lead: Lead
    to_save: list[ShowroomAggregate]
    enquiry: bool

    def written(self, app: Showroom, *others: ShowroomAggregate) -> LeadWritten:
        done = app.written(self.lead, *self.to_save[1:], *others)
        return LeadWritten(done.id, done.version, done.position, self.enquiry)


class LeadIntake:
    """The store's de-duplication rule and the group's protection period, applied."""

    def __init__(self, app: Showroom, open_leads: OpenLeads | None = None) -> None:
        self.app = app
        self.open_leads = open_leads

    # --- de-duplication -----------------------------------------------------------------------

    def rule_of(self, store: Store) -> tuple[DedupRule, int]:
        chosen = store.lead_dedup
        if chosen is None:
            return DEFAULT_DEDUP
        return DedupRule(chosen[0]), chosen[1]

    def open_lead(self, store: Store, customer_id: UUID, at: datetime) -> Lead | None:
        """The customer's open lead at the store that takes an enquiry made `at`, if any."""
        rule, window = self.rule_of(store)
        if rule is DedupRule.OFF:
            return None
        slot = self._slot(store.id, customer_id)
        if slot is None:
            lead = self._unslotted(store.id, customer_id)
        else:
            lead = self.app.load(Lead, slot.lead_id, "lead")
        if (
            lead is not None
            and lead.is_open
            and within_window(rule, window, lead.last_touched_at, at)
        ):
            return lead
        return None

    def _unslotted(self, store_id: UUID, customer_id: UUID) -> Lead | None:
        """The customer's newest open lead at the store captured before lead slots existed
        (found in the views), if any."""
        if self.open_leads is None:
            return None
        for lead_id in self.open_leads.open_lead_ids(store_id, customer_id):
            lead = self.app.load(Lead, lead_id, "lead")
            if lead.is_open:
                return lead
        return None

    def place(
        self,
        store: Store,
        customer_id: UUID,
        channel: str,
        model_interest: str | None,
        note: str | None,
        when: datetime,
        assignee: UUID | None,
        *,
        source: str | None = None,
        origin: Origin | None = None,
        lead_id: UUID | None = None,
    ) -> Placed:
        """Record the enquiry on the customer's open lead at `store`, or capture a new lead
        (assigned to `assignee` if given) and point the customer's slot at it. `origin` is the
        lead's source and campaign; `lead_id` a partner's lead id (docs/lead-intake.md), kept
        with an enquiry as a PartnerEnquiry so that posting it again answers the same lead."""
        existing = self.open_lead(store, customer_id, when)
        if existing is not None:
            named = source if origin is None else origin.source
            existing.record_enquiry(channel, model_interest, note, when, source=named)
            if existing.salesperson_id is None and assignee is not None:
                existing.assign(assignee, occurred_at=when)
            saved: list[ShowroomAggregate] = [existing]
            if self._slot(store.id, customer_id) is None:
                # A lead from before slots: from now on its slot names it.
                saved.append(LeadSlot.open(store.id, customer_id, existing.id, when))
            if lead_id is not None:
                saved.append(PartnerEnquiry.record(lead_id, existing.id, when))
            return Placed(existing, saved, enquiry=True)
        lead = Lead.capture(
            store.id, customer_id, channel, model_interest, note, when, origin, lead_id
        )
        if assignee is not None:
            lead.assign(assignee, occurred_at=when)
        slot = self._slot(store.id, customer_id)
        if slot is None:
            slot = LeadSlot.open(store.id, customer_id, lead.id, when)
        else:
            slot.move(lead.id, when)
        return Placed(lead, [lead, slot], enquiry=False)

    def _slot(self, store_id: UUID, customer_id: UUID) -> LeadSlot | None:
        try:
            return self.app.load(LeadSlot, slot_id(store_id, customer_id), "lead slot")
        except NotFoundError:
            return None

    # --- protection period --------------------------------------------------------------------

    def protection_days(self) -> int | None:
        try:
            rules = self.app.load(GroupLeadRules, group_rules_id(), "group lead rules")
        except NotFoundError:
            return None
        return rules.protection_days

    def owner_last_activity(self, customer: Customer) -> datetime:
        """The owner's last activity with the customer: their registration or take-over, or the
        last call, visit or message on their current lead at their store by its salesperson.
        Enquiries passed on to the store do not count: they are other stores' contacts."""
        moments = [customer.registered_at, customer.taken_over_at]
        slot = self._slot(customer.store_id, customer.id)
        if slot is not None:
            lead = self.app.load(Lead, slot.lead_id, "lead")
            if lead.salesperson_id is not None and lead.salesperson_id == customer.owner_id:
                moments.append(lead.last_activity_at)
        return max(m for m in moments if m is not None)

    def lapsed(self, customer: Customer, at: datetime) -> tuple[bool, datetime, int | None]:
        """Whether the owner's protection of `customer` lapsed at `at`, from what, for how long."""
        days = self.protection_days()
        last = self.owner_last_activity(customer)
        return protection_lapsed(days, last, at), last, days


def survivor_of(app: Showroom, customer_id: UUID) -> Customer:
    """The customer a record answers as: itself, or the record it was merged into (followed
    through merges of merges)."""
    customer = app.load(Customer, customer_id, "customer")
    seen = {customer.id}
    while customer.merged_into is not None and customer.merged_into not in seen:
        customer = app.load(Customer, customer.merged_into, "customer")
        seen.add(customer.id)
    return customer
