"""Response-time SLA service: a store's rules, and the clock of each lead as its timers fire.

The clock's work comes from the dispatcher (workers/actors/response_sla.py): a captured lead's
job starts its clock (the deadlines in the store's opening hours), and the timers then ask
`fire` for each stage. Every method the jobs call is idempotent: a stage already recorded, a
lead already answered, converted or lost, or a clock saved meanwhile by a second delivery of
the same job writes nothing. An automated activity never answers a clock (the lead's
`first_response_at` counts only human ones, as the KPI does).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from domain.app import Showroom, Written
from domain.leads.model import Lead
from domain.organisation.model import Store
from domain.shared.access import MANAGERS, can_see_vehicle, ensure_role, ensure_store
from domain.shared.actor import SYSTEM, Principal, Role, acting_as
from domain.shared.clock import aware, now
from domain.shared.errors import ConflictError, NotFoundError
from domain.sla.model import (
    DEFAULT,
    DEFAULT_RULE,
    ResponseClock,
    SlaPolicy,
    Stage,
    clock_id_for,
    deadlines,
    policy_id_for,
    response_time,
    rule_for,
)

SLA_BREACH = "sla_breach"  # the reason a lead asks the routing rules for a new owner


def store_rules(app: Showroom, store_id: UUID) -> dict[str, dict[str, int]] | None:
    """The store's rules by channel (None: it never chose, the default rule applies)."""
    ident = policy_id_for(store_id)
    if not app.exists(ident):
        return None
    return dict(app.load(SlaPolicy, ident, "response SLA").rules)


class ResponseSla:
    """Response-time SLA: store rules, per-lead clocks, breaches and reassignment requests."""

    def __init__(self, app: Showroom) -> None:
        self.app = app

    # --- settings -----------------------------------------------------------------------------

    def get_policy(self, actor: Principal, store_id: UUID) -> dict[str, object]:
        """The store's rules by channel (the default rule until a manager sets them)."""
        self.app.load(Store, store_id, "store")
        if not can_see_vehicle(actor, store_id):  # store-wide settings: its staff and the group
            raise NotFoundError("store", store_id)
        ident = policy_id_for(store_id)
        chosen = store_rules(self.app, store_id) or {DEFAULT: DEFAULT_RULE.as_dict()}
        version = self.app.load(SlaPolicy, ident, "SLA").version if self.app.exists(ident) else 0
        return {"store_id": store_id, "rules": chosen, "version": version}

    def set_policy(
        self,
        actor: Principal,
        store_id: UUID,
        chosen: Mapping[str, Mapping[str, object]],
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Choose the store's response limits per channel (admin, the store's manager). Leads
        captured from now on use them; running clocks keep their deadlines."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            ensure_store(actor, store_id)
            self.app.load(Store, store_id, "store")
            when = aware(occurred_at)
            ident = policy_id_for(store_id)
            if not self.app.exists(ident):
                if expected_version not in (None, 0):
                    raise ConflictError("the SLA changed since it was read: reload")
                return self.app.written(SlaPolicy.first(store_id, chosen, when))
            policy = self.app.load(SlaPolicy, ident, "SLA", expected_version)
            policy.change(chosen, when)
            return self.app.written(policy)

    # --- the clock of a lead (the dispatcher's jobs, as the system) ---------------------------

    def start(self, lead_id: UUID) -> ResponseClock:
        """The lead's clock, started once with its deadlines in the store's opening hours."""
        with acting_as(SYSTEM):
            ident = clock_id_for(lead_id)
            if self.app.exists(ident):
                return self.app.load(ResponseClock, ident, "response clock")
            lead = self.app.load(Lead, lead_id, "lead")
            store = self.app.load(Store, lead.store_id, "store")
            chosen = rule_for(store_rules(self.app, lead.store_id), lead.channel.value)
            clock = ResponseClock.start(
                lead_id=lead.id,
                store_id=lead.store_id,
                channel=lead.channel.value,
                captured_at=lead.captured_at,
                limit_minutes=chosen.limit_minutes,
                due=deadlines(store.hours, lead.captured_at, chosen),
                salesperson_id=lead.salesperson_id,
            )
            try:
                self.app.written(clock)
            except ConflictError:  # started meanwhile by another delivery of the job
                return self.app.load(ResponseClock, ident, "response clock")
            return clock

    def answer(self, lead_id: UUID) -> Written | None:
        """Stop the lead's clock at its first human response (nothing before one, or twice, or
        without a clock: the start job answers a lead that was answered before it ran)."""
        with acting_as(SYSTEM):
            clock = self._clock(lead_id)
            if clock is None or clock.answered_at is not None:
                return None
            lead = self.app.load(Lead, lead_id, "lead")
            if lead.first_response_at is None:
                return None
            store = self.app.load(Store, lead.store_id, "store")
            elapsed = response_time(store.hours, clock.captured_at, lead.first_response_at)
            clock.answer(lead.salesperson_id, lead.first_response_at, elapsed)
            return self._saved(clock)

    def fire(self, lead_id: UUID, stage: Stage) -> Written | None:
        """A timer's stage at its due time: about to breach, breached, or past the second limit
        (breached first if that was not recorded, then the lead asks the routing rules for a new
        owner with the reason "sla_breach"). Nothing for an answered or closed lead, or a stage
        already recorded."""
        with acting_as(SYSTEM):
            clock = self._clock(lead_id)
            if clock is None or clock.answered_at is not None:
                return None
            lead = self.app.load(Lead, lead_id, "lead")
            if lead.first_response_at is not None:
                return self.answer(lead_id)  # answered; the answering job may not have run yet
            if not lead.is_open:
                return None
            # Business time is the due time; never later than now (a dispatcher whose clock
            # runs ahead of this process's must not record a future event).
            when = min(clock.due(stage), now())
            owner = lead.salesperson_id
            if stage is Stage.WARN:
                if clock.warned or clock.breached:
                    return None
                clock.warn(owner, when)
                return self._saved(clock)
            if not clock.breached:
                clock.breach(owner, min(clock.due_at, when))
            if stage is Stage.BREACH:
                return self._saved(clock) if clock.pending_events else None
            if clock.escalated:
                return self._saved(clock) if clock.pending_events else None
            clock.escalate(owner, when)
            lead.request_routing(SLA_BREACH, when)
            return self._saved(clock, lead)

    def _clock(self, lead_id: UUID) -> ResponseClock | None:
        """The lead's clock when its start job made one (a lead entered long after its capture
        has none: the dispatcher asks for no start; an answer that runs first waits for it)."""
        ident = clock_id_for(lead_id)
        if not self.app.exists(ident):
            return None
        return self.app.load(ResponseClock, ident, "response clock")

    def _saved(self, clock: ResponseClock, *others: Lead) -> Written | None:
        try:
            return self.app.written(clock, *others)
        except ConflictError:
            return None  # another delivery of the same job recorded it meanwhile


# Who reads the response report (salespeople their own, team leaders their team's).
SLA_READERS = (
    Role.ADMIN,
    Role.GROUP_EXEC,
    Role.STORE_MANAGER,
    Role.TEAM_LEADER,
    Role.SALESPERSON,
    Role.FINANCE,
    Role.AUDITOR,
)
