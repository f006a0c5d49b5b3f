"""The lead lifecycle against a reference model: any sequence of commands, legal or not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.leads.model import ActivityKind, Lead, LossReason
from domain.shared.errors import DomainError
from tests.unit.builders import MONDAY, new_app, state


@dataclass
class Reference:
    """What a lead should be, in the plainest terms."""

    status: str = "open"
    salesperson: UUID | None = None
    first_response: datetime | None = None
    activities: int = 0
    appointment: UUID | None = None
    due: datetime | None = None
    shown: int = 0
    missed: int = 0
    deals: list[UUID] = field(default_factory=list)


class LeadLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = new_app()
        self.sellers = [uuid4(), uuid4()]
        self.now = MONDAY
        self.lead = Lead.capture(uuid4(), uuid4(), "phone", None, None, MONDAY)
        self.ref = Reference()

    def attempt(self, allowed: bool, command: Callable[[], object]) -> bool:
        """Run the command; it must succeed exactly when the reference allows it."""
        before = len(self.lead.pending_events)
        if allowed:
            command()
            return True
        with pytest.raises(DomainError):
            command()
        assert len(self.lead.pending_events) == before  # a refusal records nothing
        return False

    @rule(minutes=st.integers(1, 60 * 24))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(index=st.integers(0, 1))
    def assign(self, index: int) -> None:
        seller = self.sellers[index]
        allowed = self.ref.status == "open" and seller != self.ref.salesperson
        if self.attempt(allowed, lambda: self.lead.assign(seller, self.now)):
            self.ref.salesperson = seller

    @rule(
        kind=st.sampled_from(list(ActivityKind)),
        automated=st.booleans(),
        late_by=st.integers(0, 120),
    )
    def log_activity(self, kind: ActivityKind, automated: bool, late_by: int) -> None:
        when = self.now - timedelta(minutes=late_by)
        allowed = (
            self.ref.status == "open"
            and self.ref.salesperson is not None
            and not (automated and kind in (ActivityKind.VISIT, ActivityKind.TEST_DRIVE))
        )
        if self.attempt(
            allowed, lambda: self.lead.log_activity(kind.value, None, None, automated, when)
        ):
            self.ref.activities += 1
            if not automated and (
                self.ref.first_response is None or when < self.ref.first_response
            ):
                self.ref.first_response = when

    @rule(purpose=st.sampled_from(["visit", "test_drive"]), ahead=st.integers(0, 60 * 48))
    def set_appointment(self, purpose: str, ahead: int) -> None:
        due = self.now + timedelta(minutes=ahead)
        chosen = uuid4()
        allowed = (
            self.ref.status == "open"
            and self.ref.salesperson is not None
            and self.ref.appointment is None
        )
        if self.attempt(
            allowed,
            lambda: self.lead.set_appointment(due, purpose, self.now, appointment_id=chosen),
        ):
            self.ref.appointment, self.ref.due = chosen, due

    @rule(the_pending_one=st.booleans())
    def mark_shown(self, the_pending_one: bool) -> None:
        target = self.ref.appointment if the_pending_one and self.ref.appointment else uuid4()
        allowed = self.ref.appointment is not None and target == self.ref.appointment
        if self.attempt(allowed, lambda: self.lead.mark_shown(target, self.now)):
            self.ref.appointment, self.ref.due = None, None
            self.ref.shown += 1

    @rule(the_pending_one=st.booleans())
    def mark_no_show(self, the_pending_one: bool) -> None:
        target = self.ref.appointment if the_pending_one and self.ref.appointment else uuid4()
        allowed = (
            self.ref.appointment is not None
            and target == self.ref.appointment
            and self.ref.due is not None
            and self.now >= self.ref.due
        )
        if self.attempt(allowed, lambda: self.lead.mark_no_show(target, self.now)):
            self.ref.appointment, self.ref.due = None, None
            self.ref.missed += 1

    @rule()
    def convert(self) -> None:
        deal_id = uuid4()
        if self.attempt(self.ref.status == "open", lambda: self.lead.convert(deal_id, self.now)):
            self.ref.status = "converted"
            self.ref.deals.append(deal_id)

    @rule(reason=st.sampled_from(list(LossReason)), note=st.sampled_from([None, "", "moved"]))
    def lose(self, reason: LossReason, note: str | None) -> None:
        allowed = self.ref.status == "open" and (reason is not LossReason.OTHER or bool(note))
        if self.attempt(allowed, lambda: self.lead.lose(reason.value, note, self.now)):
            self.ref.status = "lost"

    @rule()
    def save_and_replay(self) -> None:
        self.app.save(self.lead)
        replayed: Lead = self.app.repository.get(self.lead.id)
        assert state(replayed) == state(self.lead)
        self.lead = replayed

    @invariant()
    def matches_the_reference(self) -> None:
        lead, ref = self.lead, self.ref
        assert lead.status.value == ref.status
        assert lead.salesperson_id == ref.salesperson
        assert lead.first_response_at == ref.first_response
        assert lead.activities == ref.activities
        assert (lead.appointment_id, lead.appointment_for) == (ref.appointment, ref.due)
        assert (lead.appointments_shown, lead.appointments_missed) == (ref.shown, ref.missed)
        assert lead.deal_id == (ref.deals[0] if ref.deals else None)


LeadLifecycle.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
TestTheLeadLifecycleFollowsTheReferenceModel = LeadLifecycle.TestCase
