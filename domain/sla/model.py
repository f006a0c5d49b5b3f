"""Response-time SLA: a store's limits per channel, the clock of one lead, and its buckets.

- `SlaPolicy`: one per store (its id derives from the store's): for each channel (and a default
  for the others) the first-response limit, the warning point before it and the second limit,
  all in minutes of *opening hours*. A store without one uses `DEFAULT_RULE`.
- `ResponseClock`: one per lead (its id derives from the lead's, so a redelivered timer job
  that tries to start or stop it twice meets a conflict, never a second clock). It records what
  the timers found: about to breach (`Warned`), breached (`Breached`), past the second limit and
  sent back to the routing rules (`Escalated`), and the first human response (`Answered`).
  Each stage is recorded at most once: a job delivered twice notifies once.
- The clock itself is a pure function of the store's hours: `deadlines` and `response_time`
  count opening hours only (nights, closed days and holidays count nothing); a store that never
  set its hours counts every minute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.organisation.working_time import Span, StoreHours, add_working_time, working_time
from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import IllegalTransitionError, InvalidValueError

DEFAULT = "default"  # the rule of every channel without one of its own
MAX_MINUTES = 24 * 60  # a second limit beyond a working day is no SLA
POLICY_NAMESPACE = UUID("0e5d8f43-7a1c-4b2e-9c6d-2f8a1b7e3d50")
CLOCK_NAMESPACE = UUID("9a4c2e71-3b5f-4d08-8e1a-6c7b0d2f5e94")


def policy_id_for(store_id: UUID) -> UUID:
    return uuid5(POLICY_NAMESPACE, str(store_id))


def clock_id_for(lead_id: UUID) -> UUID:
    """The id of the (only) response clock of a lead."""
    return uuid5(CLOCK_NAMESPACE, str(lead_id))


@dataclass(frozen=True)
class Rule:
    """Minutes of opening hours after capture: warn, breach (the limit), reassign."""

    limit_minutes: int
    warn_minutes: int
    reassign_minutes: int

    def as_dict(self) -> dict[str, int]:
        return {
            "limit_minutes": self.limit_minutes,
            "warn_minutes": self.warn_minutes,
            "reassign_minutes": self.reassign_minutes,
        }


DEFAULT_RULE = Rule(limit_minutes=15, warn_minutes=10, reassign_minutes=30)


def _minutes(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError(f"{name} must be a whole number of minutes", field=name)
    if not 1 <= value <= MAX_MINUTES:
        raise InvalidValueError(f"{name} must be between 1 and {MAX_MINUTES} minutes", field=name)
    return value


def rule(value: Mapping[str, object]) -> Rule:
    """A checked rule: 1 ≤ warning < limit < second limit ≤ 1440 minutes."""
    if not isinstance(value, Mapping):
        raise InvalidValueError("a rule has limit_minutes, warn_minutes and reassign_minutes")
    limit = _minutes(value.get("limit_minutes"), "limit_minutes")
    warn = _minutes(value.get("warn_minutes"), "warn_minutes")
    second = _minutes(value.get("reassign_minutes"), "reassign_minutes")
    if warn >= limit:
        raise InvalidValueError("the warning must come before the limit", field="warn_minutes")
    if second <= limit:
        raise InvalidValueError(
            "the second limit must come after the limit", field="reassign_minutes"
        )
    return Rule(limit, warn, second)


def rules(value: Mapping[str, Mapping[str, object]]) -> dict[str, dict[str, int]]:
    """Checked rules by channel: `default` is required, other keys are channels."""
    if not isinstance(value, Mapping) or DEFAULT not in value:
        raise InvalidValueError("give the default rule (and any channel's own)", field="rules")
    channels = {c.value for c in values.Channel}
    checked: dict[str, dict[str, int]] = {}
    for key, each in value.items():
        if key != DEFAULT and key not in channels:
            allowed = ", ".join(sorted(channels))
            raise InvalidValueError(f"{key!r} is no channel ({allowed})", field="rules")
        checked[key] = rule(each).as_dict()
    return checked


def rule_for(policy: Mapping[str, Mapping[str, int]] | None, channel: str) -> Rule:
    """The rule of a channel under a store's rules (None: the store never chose)."""
    if not policy:
        return DEFAULT_RULE
    chosen = policy.get(channel) or policy[DEFAULT]
    return Rule(chosen["limit_minutes"], chosen["warn_minutes"], chosen["reassign_minutes"])


# --- the clock in opening hours (pure) -------------------------------------------------------

_ALL_DAY = (Span(time(0), time.max),)


def clock_hours(hours: StoreHours) -> StoreHours:
    """The hours the clock counts in: the store's, or every minute when it set no weekly hours
    (its holidays still count nothing)."""
    if any(hours.weekly.values()):
        return hours
    return StoreHours(hours.timezone, dict.fromkeys(range(7), _ALL_DAY), hours.exceptions)


@dataclass(frozen=True)
class Deadlines:
    warn_at: datetime
    due_at: datetime
    reassign_at: datetime


def deadlines(hours: StoreHours, captured_at: datetime, chosen: Rule) -> Deadlines:
    """When a lead captured at `captured_at` is about to breach, breaches and is reassigned."""
    counted = clock_hours(hours)

    def after(minutes: int) -> datetime:
        return add_working_time(counted, captured_at, timedelta(minutes=minutes))

    return Deadlines(
        after(chosen.warn_minutes), after(chosen.limit_minutes), after(chosen.reassign_minutes)
    )


def response_time(hours: StoreHours, captured_at: datetime, responded_at: datetime) -> timedelta:
    """Opening hours between capture and the first human response (never negative)."""
    return max(working_time(clock_hours(hours), captured_at, responded_at), timedelta(0))


class Bucket(StrEnum):
    """First-response time, in opening hours."""

    UNDER_5 = "0-5m"
    UNDER_30 = "5-30m"
    UNDER_60 = "30-60m"
    UNDER_240 = "1-4h"
    OVER_240 = "over-4h"


BUCKETS = tuple(Bucket)
_BOUNDS = (
    (5, Bucket.UNDER_5),
    (30, Bucket.UNDER_30),
    (60, Bucket.UNDER_60),
    (240, Bucket.UNDER_240),
)


def bucket(elapsed: timedelta) -> Bucket:
    """The bucket of a response time: a bound belongs to the bucket below it (5 min: 0–5)."""
    for minutes, each in _BOUNDS:
        if elapsed <= timedelta(minutes=minutes):
            return each
    return Bucket.OVER_240


# A lead recorded more than this after its capture is history typed in (a go-live, a late
# entry): whether it was answered in time was settled before the system knew of it.
BACKDATED = timedelta(hours=24)


def clocked(captured_at: datetime, recorded_at: datetime) -> bool:
    """Whether a lead gets a response clock: not when it was entered long after its capture."""
    return recorded_at - captured_at <= BACKDATED


class Stage(StrEnum):
    WARN = "warn"
    BREACH = "breach"
    REASSIGN = "reassign"


# --- aggregates ------------------------------------------------------------------------------


class SlaPolicy(ShowroomAggregate):
    """A store's response-time rules per channel (minutes of opening hours)."""

    class Set(ShowroomAggregate.Created):
        store_id: UUID
        rules: dict[str, dict[str, int]]

    class Changed(ShowroomAggregate.Event):
        rules: dict[str, dict[str, int]]

    @staticmethod
    def create_id(store_id: UUID) -> UUID:
        return policy_id_for(store_id)

    @classmethod
    def first(
        cls, store_id: UUID, chosen: Mapping[str, Mapping[str, object]], occurred_at: datetime
    ) -> SlaPolicy:
        return cls(store_id=store_id, rules=rules(chosen), occurred_at=occurred_at)

    @event(Set)
    def __init__(
        self, store_id: UUID, rules: dict[str, dict[str, int]], occurred_at: datetime
    ) -> None:
        self.store_id = store_id
        self.rules = dict(rules)

    def change(self, chosen: Mapping[str, Mapping[str, object]], occurred_at: datetime) -> None:
        self._change(rules=rules(chosen), occurred_at=occurred_at)

    @event(Changed)
    def _change(self, rules: dict[str, dict[str, int]], occurred_at: datetime) -> None:
        self.rules = dict(rules)


class ResponseClock(ShowroomAggregate):
    """One lead's first-response clock and what its timers found."""

    class Started(ShowroomAggregate.Created):
        lead_id: UUID
        store_id: UUID
        channel: str
        captured_at: datetime
        limit_minutes: int
        warn_at: datetime
        due_at: datetime
        reassign_at: datetime
        salesperson_id: UUID | None  # the owner when the clock started (None: unassigned)

    class Warned(ShowroomAggregate.Event):
        lead_id: UUID
        store_id: UUID
        salesperson_id: UUID | None

    class Breached(ShowroomAggregate.Event):
        lead_id: UUID
        store_id: UUID
        salesperson_id: UUID | None

    class Escalated(ShowroomAggregate.Event):
        lead_id: UUID
        store_id: UUID
        salesperson_id: UUID | None  # the owner the lead leaves

    class Answered(ShowroomAggregate.Event):
        lead_id: UUID
        store_id: UUID
        salesperson_id: UUID | None
        responded_at: datetime
        working_seconds: int
        breached: bool

    @staticmethod
    def create_id(lead_id: UUID) -> UUID:
        return clock_id_for(lead_id)

    @classmethod
    def start(
        cls,
        lead_id: UUID,
        store_id: UUID,
        channel: str,
        captured_at: datetime,
        limit_minutes: int,
        due: Deadlines,
        salesperson_id: UUID | None = None,
    ) -> ResponseClock:
        return cls(
            lead_id=lead_id,
            store_id=store_id,
            channel=channel,
            captured_at=captured_at,
            limit_minutes=limit_minutes,
            warn_at=due.warn_at,
            due_at=due.due_at,
            reassign_at=due.reassign_at,
            salesperson_id=salesperson_id,
            occurred_at=captured_at,
        )

    @event(Started)
    def __init__(
        self,
        lead_id: UUID,
        store_id: UUID,
        channel: str,
        captured_at: datetime,
        limit_minutes: int,
        warn_at: datetime,
        due_at: datetime,
        reassign_at: datetime,
        salesperson_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.lead_id, self.store_id, self.channel = lead_id, store_id, channel
        self.captured_at, self.limit_minutes = captured_at, limit_minutes
        self.warn_at, self.due_at, self.reassign_at = warn_at, due_at, reassign_at
        self.warned = self.breached = self.escalated = False
        self.answered_at: datetime | None = None

    def due(self, stage: Stage) -> datetime:
        return {Stage.WARN: self.warn_at, Stage.BREACH: self.due_at}.get(stage, self.reassign_at)

    def _ensure_running(self, action: str) -> None:
        if self.answered_at is not None:
            raise IllegalTransitionError("response clock", self.id, "answered", action)

    def warn(self, salesperson_id: UUID | None, occurred_at: datetime) -> None:
        """About to breach (only before the breach: a late warning after it says nothing)."""
        self._ensure_running("warn")
        if self.warned or self.breached:
            raise IllegalTransitionError("response clock", self.id, "warned", "warn")
        self._warn(
            lead_id=self.lead_id,
            store_id=self.store_id,
            salesperson_id=salesperson_id,
            occurred_at=occurred_at,
        )

    @event(Warned)
    def _warn(
        self, lead_id: UUID, store_id: UUID, salesperson_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.warned = True

    def breach(self, salesperson_id: UUID | None, occurred_at: datetime) -> None:
        self._ensure_running("breach")
        if self.breached:
            raise IllegalTransitionError("response clock", self.id, "breached", "breach")
        self._breach(
            lead_id=self.lead_id,
            store_id=self.store_id,
            salesperson_id=salesperson_id,
            occurred_at=occurred_at,
        )

    @event(Breached)
    def _breach(
        self, lead_id: UUID, store_id: UUID, salesperson_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.breached = True

    def escalate(self, salesperson_id: UUID | None, occurred_at: datetime) -> None:
        """Past the second limit: the lead goes back to the routing rules (once)."""
        self._ensure_running("escalate")
        if not self.breached or self.escalated:
            state = "escalated" if self.escalated else "not breached"
            raise IllegalTransitionError("response clock", self.id, state, "escalate")
        self._escalate(
            lead_id=self.lead_id,
            store_id=self.store_id,
            salesperson_id=salesperson_id,
            occurred_at=occurred_at,
        )

    @event(Escalated)
    def _escalate(
        self, lead_id: UUID, store_id: UUID, salesperson_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.escalated = True

    def answer(
        self, salesperson_id: UUID | None, responded_at: datetime, elapsed: timedelta
    ) -> None:
        """The first human response: stops the clock; breached when it came after the limit."""
        self._ensure_running("answer")
        self._answer(
            lead_id=self.lead_id,
            store_id=self.store_id,
            salesperson_id=salesperson_id,
            responded_at=responded_at,
            working_seconds=int(elapsed.total_seconds()),
            breached=elapsed > timedelta(minutes=self.limit_minutes),
            occurred_at=responded_at,
        )

    @event(Answered)
    def _answer(
        self,
        lead_id: UUID,
        store_id: UUID,
        salesperson_id: UUID | None,
        responded_at: datetime,
        working_seconds: int,
        breached: bool,
        occurred_at: datetime,
    ) -> None:
        self.answered_at = responded_at
