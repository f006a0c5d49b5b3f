"""Follow-up rules: a store's default gap and call offsets, the next follow-up day of a lead,
and the calls (回访) made to a customer after delivery.

- `FollowUpSettings`: one per store (its id derives from the store's), the manager's choice of
  the default gap between a contact and the next follow-up and the days after delivery on which
  the deal's salesperson calls the customer. A store without one uses the defaults below.
- `CallPlan`: one per delivered deal (its id derives from the deal's, so planning twice is a
  conflict on save: a redelivered job never makes a second plan). It holds one call per offset;
  each is completed as reached (with a satisfaction score that records the deal's CSI survey)
  or not reached, or rescheduled. An unwound deal cancels the calls still pending; a plan
  cancelled before it was made (the unwinding's job ran first) is a tombstone with no calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.followups.errors import CallNotPendingError, CallPlanCancelledError, CallScoreError
from domain.satisfaction.model import score as satisfaction_score
from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.clock import business_day, days_after
from domain.shared.errors import InvalidValueError

DEFAULT_GAP_DAYS = 2  # the old FOLLOW_UP_AFTER rule: a follow-up two days after a contact
DEFAULT_CALL_OFFSETS = (1, 7, 30)
MAX_GAP_DAYS = 60
MAX_OFFSET_DAYS = 365
MAX_OFFSETS = 10

SETTINGS_NAMESPACE = UUID("3f6d2a71-0c4b-4e8f-9b15-7a2e6d9c1f03")
PLAN_NAMESPACE = UUID("b7a0e3c2-5d19-4f6a-8e24-1c9f0b3d7a58")


def settings_id_for(store_id: UUID) -> UUID:
    return uuid5(SETTINGS_NAMESPACE, str(store_id))


def plan_id_for(deal_id: UUID) -> UUID:
    """The id of the (only) call plan of a deal."""
    return uuid5(PLAN_NAMESPACE, str(deal_id))


def gap_days(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError("the follow-up gap must be a whole number of days")
    if not 1 <= value <= MAX_GAP_DAYS:
        raise InvalidValueError(f"the follow-up gap must be between 1 and {MAX_GAP_DAYS} days")
    return value


def call_offsets(offsets: Sequence[object]) -> list[int]:
    """Distinct whole days after delivery, 0 to 365, at most ten, sorted."""
    if not 1 <= len(offsets) <= MAX_OFFSETS:
        raise InvalidValueError(f"give 1 to {MAX_OFFSETS} call days")
    days: list[int] = []
    for value in offsets:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValueError("call days must be whole numbers")
        if not 0 <= value <= MAX_OFFSET_DAYS:
            raise InvalidValueError(f"call days must be between 0 and {MAX_OFFSET_DAYS}")
        if value in days:
            raise InvalidValueError(f"call day {value} is given twice")
        days.append(value)
    return sorted(days)


def default_follow_up_on(contact_at: datetime, timezone: str, gap: int) -> date:
    """The default next follow-up: `gap` days after the contact's day on the store's floor."""
    return days_after(business_day(contact_at, timezone), gap)


def next_follow_up_on(lead: Any, timezone: str, gap: int = DEFAULT_GAP_DAYS) -> date:
    """A lead's next follow-up day: the day a person chose, unless the lead was contacted
    after they chose it; else `gap` days after its latest contact (or its capture). So every
    lead has one, set by default at capture and after each contact, old leads included."""
    contact: datetime = lead.last_activity_at or lead.captured_at
    chosen: date | None = lead.next_follow_up_on
    set_at: datetime | None = lead.follow_up_set_at
    if chosen is not None and set_at is not None and set_at >= contact:
        return chosen
    return default_follow_up_on(contact, timezone, gap)


class Timing(StrEnum):
    """Where a follow-up falls on the salesperson's day."""

    OVERDUE = "overdue"
    TODAY = "today"
    UPCOMING = "upcoming"


def timing(due_on: date, today: date) -> Timing:
    if due_on < today:
        return Timing.OVERDUE
    return Timing.TODAY if due_on == today else Timing.UPCOMING


class FollowUpSettings(ShowroomAggregate):
    """A store's follow-up settings: the default gap and the after-delivery call days."""

    class Set(ShowroomAggregate.Created):
        store_id: UUID
        gap_days: int
        call_offsets: list[int]

    class Changed(ShowroomAggregate.Event):
        gap_days: int
        call_offsets: list[int]

    @staticmethod
    def create_id(store_id: UUID) -> UUID:
        return settings_id_for(store_id)

    @classmethod
    def first(
        cls, store_id: UUID, gap: object, offsets: Sequence[object], occurred_at: datetime
    ) -> FollowUpSettings:
        return cls(
            store_id=store_id,
            gap_days=gap_days(gap),
            call_offsets=call_offsets(offsets),
            occurred_at=occurred_at,
        )

    @event(Set)
    def __init__(
        self, store_id: UUID, gap_days: int, call_offsets: list[int], occurred_at: datetime
    ) -> None:
        self.store_id = store_id
        self.gap_days = gap_days
        self.call_offsets = list(call_offsets)

    def change(self, gap: object, offsets: Sequence[object], occurred_at: datetime) -> None:
        self._change(
            gap_days=gap_days(gap), call_offsets=call_offsets(offsets), occurred_at=occurred_at
        )

    @event(Changed)
    def _change(self, gap_days: int, call_offsets: list[int], occurred_at: datetime) -> None:
        self.gap_days = gap_days
        self.call_offsets = list(call_offsets)


class CallStatus(StrEnum):
    PENDING = "pending"
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    CANCELLED = "cancelled"


class CallOutcome(StrEnum):
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    RESCHEDULED = "rescheduled"


@dataclass(frozen=True)
class Call:
    """One call of a plan, named by its offset (days after delivery)."""

    offset: int
    due_on: date
    status: CallStatus = CallStatus.PENDING
    score: int | None = None
    completed_at: datetime | None = None


class CallPlan(ShowroomAggregate):
    """The calls to a customer after a delivered deal, by the deal's salesperson."""

    class Planned(ShowroomAggregate.Created):
        deal_id: UUID
        store_id: UUID
        customer_id: UUID
        salesperson_id: UUID
        delivered_on: date
        offsets: list[int]

    class CallCompleted(ShowroomAggregate.Event):
        personal_fields: ClassVar[tuple[str, ...]] = ("note",)
        personal_subject: ClassVar[str] = "customer_id"

        offset: int
        outcome: str
        score: int | None
        note: str | None
        customer_id: UUID
        survey_id: UUID | None  # the CSI survey the score recorded (None: not counted)

    class CallRescheduled(ShowroomAggregate.Event):
        personal_fields: ClassVar[tuple[str, ...]] = ("note",)
        personal_subject: ClassVar[str] = "customer_id"

        offset: int
        due_on: date
        note: str | None
        customer_id: UUID

    class Cancelled(ShowroomAggregate.Event):
        reason: str

    @staticmethod
    def create_id(deal_id: UUID) -> UUID:
        return plan_id_for(deal_id)

    @classmethod
    def plan(
        cls,
        deal_id: UUID,
        store_id: UUID,
        customer_id: UUID,
        salesperson_id: UUID,
        delivered_on: date,
        offsets: Sequence[int],
        occurred_at: datetime,
    ) -> CallPlan:
        """A call on each of `offsets` days after the delivery day (none: a tombstone)."""
        return cls(
            deal_id=deal_id,
            store_id=store_id,
            customer_id=customer_id,
            salesperson_id=salesperson_id,
            delivered_on=delivered_on,
            offsets=call_offsets(offsets) if offsets else [],
            occurred_at=occurred_at,
        )

    @event(Planned)
    def __init__(
        self,
        deal_id: UUID,
        store_id: UUID,
        customer_id: UUID,
        salesperson_id: UUID,
        delivered_on: date,
        offsets: list[int],
        occurred_at: datetime,
    ) -> None:
        self.deal_id = deal_id
        self.store_id = store_id
        self.customer_id = customer_id
        self.salesperson_id = salesperson_id
        self.delivered_on = delivered_on
        self.calls = {d: Call(offset=d, due_on=days_after(delivered_on, d)) for d in offsets}
        self.cancelled = False
        self.cancel_reason: str | None = None

    @property
    def pending(self) -> list[Call]:
        return [c for c in self.calls.values() if c.status is CallStatus.PENDING]

    def _pending_call(self, offset: int) -> Call:
        if self.cancelled:
            raise CallPlanCancelledError(f"the calls of deal {self.deal_id} were cancelled")
        call = self.calls.get(offset)
        if call is None or call.status is not CallStatus.PENDING:
            raise CallNotPendingError(f"no pending call on day {offset} of deal {self.deal_id}")
        return call

    def complete(
        self,
        offset: int,
        outcome: str,
        score: int | None,
        note: str | None,
        reschedule_to: date | None,
        today: date,
        survey_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        """Record how a call went; `rescheduled` keeps it pending on `reschedule_to`."""
        self._pending_call(offset)
        try:
            result = CallOutcome(outcome)
        except ValueError:
            allowed = ", ".join(o.value for o in CallOutcome)
            raise InvalidValueError(f"outcome must be one of {allowed}") from None
        cleaned = values.text(note, "note", max_length=1000, required=False) if note else None
        if result is not CallOutcome.REACHED and score is not None:
            raise CallScoreError("score is given only when the customer was reached")
        if score is not None:
            score = satisfaction_score(score, "score")
        if result is CallOutcome.RESCHEDULED:
            if reschedule_to is None:
                raise InvalidValueError("reschedule_to: say the day the call is rescheduled to")
            if reschedule_to < today:
                raise InvalidValueError(f"reschedule_to cannot be in the past (today is {today})")
            self._reschedule(
                offset=offset,
                due_on=reschedule_to,
                note=cleaned or None,
                customer_id=self.customer_id,
                occurred_at=occurred_at,
            )
            return
        if reschedule_to is not None:
            raise InvalidValueError("reschedule_to is given only when the call is rescheduled")
        self._complete(
            offset=offset,
            outcome=result.value,
            score=score,
            note=cleaned or None,
            customer_id=self.customer_id,
            survey_id=survey_id if score is not None else None,
            occurred_at=occurred_at,
        )

    @event(CallCompleted)
    def _complete(
        self,
        offset: int,
        outcome: str,
        score: int | None,
        note: str | None,
        customer_id: UUID,
        survey_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        status = CallStatus.REACHED if outcome == CallOutcome.REACHED else CallStatus.NOT_REACHED
        self.calls[offset] = replace(
            self.calls[offset], status=status, score=score, completed_at=occurred_at
        )

    @event(CallRescheduled)
    def _reschedule(
        self, offset: int, due_on: date, note: str | None, customer_id: UUID, occurred_at: datetime
    ) -> None:
        self.calls[offset] = replace(self.calls[offset], due_on=due_on)

    def cancel(self, reason: str, occurred_at: datetime) -> None:
        """The deal was unwound: the pending calls are not made (an idempotent no-op twice)."""
        if self.cancelled:
            return
        self._cancel(reason=values.text(reason, "reason", max_length=500), occurred_at=occurred_at)

    @event(Cancelled)
    def _cancel(self, reason: str, occurred_at: datetime) -> None:
        self.cancelled = True
        self.cancel_reason = reason
        for offset, call in list(self.calls.items()):
            if call.status is CallStatus.PENDING:
                self.calls[offset] = replace(call, status=CallStatus.CANCELLED)
