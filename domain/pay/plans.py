"""Pay plans: versioned, effective-dated components, assigned to staff or to a role at a store.

Rules (docs/pay-plans.md explains them for finance):
- A published version never changes. A later version supersedes the earlier ones from its
  `effective_from`; effective dates strictly increase with the version number.
- Pay is computed per month, and **the version in force for a month is the one effective on
  the month's first day** (a version effective on 15 March first pays for April). The same
  holds for assignments: the one in force on the month's first day decides the month.
- An assignment names a staff member, or a role at a store. For one person on one day a
  staff assignment beats any role-at-store assignment; among assignments of the same kind the
  latest `effective_from` wins; two of the same kind from the same day would be ambiguous and
  are refused when the second is made (an `AssignmentSlot` per target and day, below).
- `effective_to` is the last day an assignment applies (inclusive). Ending an assignment the
  day before it starts voids it, and frees its day for another assignment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.pay.components import (
    Component,
    CsiGate,
    Draw,
    VolumeTiers,
    components_to_dicts,
    parse_components,
)
from domain.pay.errors import (
    PlanAssignmentAmbiguousError,
    PlanAssignmentEndedError,
    PlanAssignmentsOpenError,
    PlanAssignmentTargetError,
    PlanVersionOrderError,
    ProposalNotPendingError,
    ProposalPendingError,
    SecondPersonRequiredError,
)
from domain.pay.four_eyes import same_person
from domain.shared import months
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import IllegalTransitionError, InvalidValueError, NotFoundError
from domain.shared.months import first_day as first_day  # the day that decides a month's plan

SLOT_NAMESPACE = UUID("0b6c1f3a-5d7e-4b8f-9a21-3c4d5e6f7a80")
DRAFT_PLAN_ID = UUID("00000000-0000-0000-0000-000000000000")


def first_paid_month(effective_from: date) -> str:
    """The first month a version effective from this day pays: the month it starts on if that
    is its first day, else the next one (a month is paid by the version in force on its first
    day)."""
    month = months.of_day(effective_from)
    return month if effective_from.day == 1 else months.next_month(month)


@dataclass(frozen=True)
class PlanVersion:
    """One published (or draft) version of a plan: what the engine computes pay with."""

    plan_id: UUID
    version: int
    effective_from: date
    components: tuple[Component, ...]
    name: str = ""

    def component(self, key: str) -> Component | None:
        for component in self.components:
            if component.key == key:
                return component
        return None

    @property
    def volume_tiers(self) -> tuple[VolumeTiers, ...]:
        return tuple(c for c in self.components if isinstance(c, VolumeTiers))

    @property
    def gates(self) -> tuple[CsiGate, ...]:
        return tuple(c for c in self.components if isinstance(c, CsiGate))

    @property
    def draw(self) -> Draw | None:
        return next((c for c in self.components if isinstance(c, Draw)), None)

    def to_dicts(self) -> list[dict[str, Any]]:
        return components_to_dicts(self.components)

    @classmethod
    def from_dicts(
        cls,
        plan_id: UUID,
        version: int,
        effective_from: date,
        components: Sequence[Mapping[str, Any]],
        name: str = "",
    ) -> PlanVersion:
        return cls(plan_id, version, effective_from, parse_components(list(components)), name)


def version_in_force(versions: Iterable[PlanVersion], month: str) -> PlanVersion | None:
    """The version effective on the month's first day (the latest such), if any."""
    day = first_day(month)
    chosen: PlanVersion | None = None
    for version in versions:
        if version.effective_from <= day and (
            chosen is None or version.effective_from > chosen.effective_from
        ):
            chosen = version
    return chosen


@dataclass(frozen=True)
class Assignment:
    """A plan given to one staff member, or to everyone of a role at a store, from a day on."""

    assignment_id: UUID
    plan_id: UUID
    staff_id: UUID | None
    store_id: UUID | None
    role: str | None
    effective_from: date
    effective_to: date | None = None

    @property
    def for_staff(self) -> bool:
        return self.staff_id is not None

    def applies_on(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    @property
    def void(self) -> bool:
        return self.effective_to is not None and self.effective_to < self.effective_from

    def covers(self, staff_id: UUID, store_id: UUID | None, role: str | None) -> bool:
        if self.staff_id is not None:
            return self.staff_id == staff_id
        return store_id is not None and self.store_id == store_id and self.role == role

    @property
    def slot_key(self) -> str:
        return slot_key(self.staff_id, self.store_id, self.role, self.effective_from)


def resolve_assignment(
    assignments: Iterable[Assignment],
    staff_id: UUID,
    store_id: UUID | None,
    role: str | None,
    day: date,
) -> Assignment | None:
    """The assignment deciding `staff_id`'s plan on `day` (working at `store_id` as `role`).

    A staff assignment beats a role-at-store one; within a kind the latest effective_from wins;
    a tie is ambiguous (refused when assigning, so only inconsistent data can reach it).
    """
    best: Assignment | None = None
    for candidate in assignments:
        if not (candidate.applies_on(day) and candidate.covers(staff_id, store_id, role)):
            continue
        if best is None or (candidate.for_staff, candidate.effective_from) > (
            best.for_staff,
            best.effective_from,
        ):
            best = candidate
        elif (candidate.for_staff, candidate.effective_from) == (
            best.for_staff,
            best.effective_from,
        ) and candidate.assignment_id != best.assignment_id:
            raise PlanAssignmentAmbiguousError(
                f"staff {staff_id} has two pay-plan assignments from {day.isoformat()}",
                assignments=sorted([str(best.assignment_id), str(candidate.assignment_id)]),
            )
    return best


def slot_key(staff_id: UUID | None, store_id: UUID | None, role: str | None, day: date) -> str:
    if staff_id is not None:
        return f"staff:{staff_id}:{day.isoformat()}"
    return f"role:{store_id}:{role}:{day.isoformat()}"


# --- the aggregate --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedVersion:
    """A version as its event stored it (components as normalised dicts)."""

    version: int
    effective_from: date
    components: tuple[dict[str, Any], ...]
    note: str
    published_at: datetime


class PayPlan(ShowroomAggregate):
    """A named pay plan: its immutable versions and who it is assigned to."""

    class Created(ShowroomAggregate.Created):
        name: str
        description: str

    class VersionPublished(ShowroomAggregate.Event):
        version: int
        effective_from: date
        components: list[dict[str, Any]]
        note: str

    # Four eyes (docs/pay-plans.md): a version is proposed by one person and published (in
    # force) only when another confirms it; `VersionPublished` is that confirmation.
    class VersionProposed(ShowroomAggregate.Event):
        version: int
        effective_from: date
        components: list[dict[str, Any]]
        note: str
        proposer: str

    class VersionRefused(ShowroomAggregate.Event):
        version: int
        refuser: str
        reason: str

    class VersionWithdrawn(ShowroomAggregate.Event):
        version: int
        reason: str

    class Assigned(ShowroomAggregate.Event):
        assignment_id: UUID
        staff_id: UUID | None
        store_id: UUID | None
        role: str | None
        effective_from: date

    class Unassigned(ShowroomAggregate.Event):
        assignment_id: UUID
        effective_to: date

    class Retired(ShowroomAggregate.Event):
        pass

    @event(Created)
    def __init__(self, name: str, description: str, occurred_at: datetime) -> None:
        self.name, self.description = name, description
        self.versions: list[PublishedVersion] = []
        # The version waiting for a second person's confirmation, if any (one at a time).
        self.proposed: dict[str, Any] | None = None
        self.assignments: dict[UUID, Assignment] = {}
        self.retired = False

    def _ensure_active(self, action: str) -> None:
        if self.retired:
            raise IllegalTransitionError("pay plan", self.id, "retired", action)

    # --- versions ---------------------------------------------------------------------------------

    def propose_version(
        self,
        effective_from: date,
        components: Sequence[Mapping[str, Any]],
        note: str,
        proposer: str,
        occurred_at: datetime,
    ) -> int:
        """Propose the next version (validated and normalised); it is not in force until
        another person confirms it. Answers its number."""
        self._ensure_active("propose a version of")
        if self.proposed is not None:
            raise ProposalPendingError(
                f"version {self.proposed['version']} of pay plan {self.id} waits for"
                " confirmation: confirm, refuse or withdraw it first",
                version=self.proposed["version"],
            )
        self._check_order(effective_from)
        normalised = components_to_dicts(parse_components(list(components)))
        number = len(self.versions) + 1
        self._propose_version(
            version=number,
            effective_from=effective_from,
            components=normalised,
            note=note,
            proposer=proposer,
            occurred_at=occurred_at,
        )
        return number

    def _check_order(self, effective_from: date) -> None:
        if self.versions and effective_from <= self.versions[-1].effective_from:
            raise PlanVersionOrderError(
                f"version {len(self.versions) + 1} must take effect after"
                f" {self.versions[-1].effective_from.isoformat()} (version"
                f" {self.versions[-1].version})",
                latest_effective_from=self.versions[-1].effective_from.isoformat(),
            )

    @event(VersionProposed)
    def _propose_version(
        self,
        version: int,
        effective_from: date,
        components: list[dict[str, Any]],
        note: str,
        proposer: str,
        occurred_at: datetime,
    ) -> None:
        self.proposed = {
            "version": version,
            "effective_from": effective_from,
            "components": components,
            "note": note,
            "proposer": proposer,
            "proposed_at": occurred_at,
        }

    def _pending_version(self, version: int | None, action: str) -> dict[str, Any]:
        if self.proposed is None or (version is not None and self.proposed["version"] != version):
            raise ProposalNotPendingError(
                f"cannot {action}: no version {version or ''} of pay plan {self.id} waits for"
                " confirmation".replace("  ", " ")
            )
        return self.proposed

    def confirm_version(
        self, confirmer: str, occurred_at: datetime, version: int | None = None
    ) -> int:
        """A second person confirms the proposed version: it is published, in force from its
        `effective_from`. Answers its number."""
        proposed = self._pending_version(version, "confirm")
        self._ensure_active("publish a version of")
        if same_person(proposed["proposer"], confirmer):
            raise SecondPersonRequiredError(
                "you proposed this version: another person must confirm it"
            )
        self._check_order(proposed["effective_from"])
        self._publish_version(
            version=proposed["version"],
            effective_from=proposed["effective_from"],
            components=proposed["components"],
            note=proposed["note"],
            occurred_at=occurred_at,
        )
        return int(proposed["version"])

    def refuse_version(
        self, refuser: str, reason: str, occurred_at: datetime, version: int | None = None
    ) -> None:
        """A second person refuses the proposed version, with a reason: it is never in force."""
        proposed = self._pending_version(version, "refuse")
        if same_person(proposed["proposer"], refuser):
            raise SecondPersonRequiredError("you proposed this version: withdraw it instead")
        self._refuse_version(
            version=proposed["version"], refuser=refuser, reason=reason, occurred_at=occurred_at
        )

    @event(VersionRefused)
    def _refuse_version(
        self, version: int, refuser: str, reason: str, occurred_at: datetime
    ) -> None:
        self.proposed = None

    def withdraw_version(
        self, who: str, reason: str, occurred_at: datetime, version: int | None = None
    ) -> None:
        """The proposer takes the proposed version back."""
        proposed = self._pending_version(version, "withdraw")
        if not same_person(proposed["proposer"], who):
            raise SecondPersonRequiredError("only the proposer withdraws a version: refuse it")
        self._withdraw_version(version=proposed["version"], reason=reason, occurred_at=occurred_at)

    @event(VersionWithdrawn)
    def _withdraw_version(self, version: int, reason: str, occurred_at: datetime) -> None:
        self.proposed = None

    @event(VersionPublished)
    def _publish_version(
        self,
        version: int,
        effective_from: date,
        components: list[dict[str, Any]],
        note: str,
        occurred_at: datetime,
    ) -> None:
        self.versions.append(
            PublishedVersion(version, effective_from, tuple(components), note, occurred_at)
        )
        self.proposed = None

    def plan_version(self, number: int) -> PlanVersion:
        """A published version, parsed for the engine."""
        if not 1 <= number <= len(self.versions):
            raise NotFoundError("pay plan version", f"{self.id}/{number}")
        published = self.versions[number - 1]
        return PlanVersion.from_dicts(
            self.id, published.version, published.effective_from, published.components, self.name
        )

    def version_for_month(self, month: str) -> PlanVersion | None:
        """The version in force on the month's first day."""
        day = first_day(month)
        chosen = [v for v in self.versions if v.effective_from <= day]
        return self.plan_version(chosen[-1].version) if chosen else None

    # --- assignments ------------------------------------------------------------------------------

    def assign(
        self,
        assignment_id: UUID,
        staff_id: UUID | None,
        store_id: UUID | None,
        role: str | None,
        effective_from: date,
        occurred_at: datetime,
    ) -> None:
        """Give the plan to a staff member, or to a role at a store, from `effective_from`."""
        self._ensure_active("assign")
        if staff_id is not None and (store_id is not None or role is not None):
            raise PlanAssignmentTargetError(
                "assign a plan either to staff_id, or to a role at a store_id, not both"
            )
        if staff_id is None and (store_id is None or role is None):
            raise PlanAssignmentTargetError(
                "an assignment needs staff_id, or both store_id and role"
            )
        if assignment_id in self.assignments:
            raise PlanAssignmentTargetError(f"assignment {assignment_id} exists already")
        key = slot_key(staff_id, store_id, role, effective_from)
        for other in self.assignments.values():
            if not other.void and other.slot_key == key:
                raise PlanAssignmentAmbiguousError(
                    f"this plan is already assigned to the same target from"
                    f" {effective_from.isoformat()}",
                    assignment_id=str(other.assignment_id),
                )
        self._assign(
            assignment_id=assignment_id,
            staff_id=staff_id,
            store_id=store_id,
            role=role,
            effective_from=effective_from,
            occurred_at=occurred_at,
        )

    @event(Assigned)
    def _assign(
        self,
        assignment_id: UUID,
        staff_id: UUID | None,
        store_id: UUID | None,
        role: str | None,
        effective_from: date,
        occurred_at: datetime,
    ) -> None:
        self.assignments[assignment_id] = Assignment(
            assignment_id, self.id, staff_id, store_id, role, effective_from
        )

    def unassign(self, assignment_id: UUID, effective_to: date, occurred_at: datetime) -> None:
        """End an assignment after `effective_to` (the day before it starts voids it)."""
        assignment = self.assignments.get(assignment_id)
        if assignment is None:
            raise NotFoundError("pay plan assignment", assignment_id)
        if assignment.effective_to is not None:
            raise PlanAssignmentEndedError("pay plan assignment", assignment_id, "ended", "end")
        if effective_to < assignment.effective_from - timedelta(days=1):
            raise InvalidValueError(
                "effective_to is at the earliest the day before the assignment starts"
                f" ({(assignment.effective_from - timedelta(days=1)).isoformat()}), which voids it"
            )
        self._unassign(
            assignment_id=assignment_id, effective_to=effective_to, occurred_at=occurred_at
        )

    @event(Unassigned)
    def _unassign(self, assignment_id: UUID, effective_to: date, occurred_at: datetime) -> None:
        current = self.assignments[assignment_id]
        self.assignments[assignment_id] = Assignment(
            current.assignment_id,
            current.plan_id,
            current.staff_id,
            current.store_id,
            current.role,
            current.effective_from,
            effective_to,
        )

    @property
    def open_assignments(self) -> list[Assignment]:
        return [a for a in self.assignments.values() if a.effective_to is None]

    # --- retirement -------------------------------------------------------------------------------

    def retire(self, occurred_at: datetime) -> None:
        """Close the plan for good; every assignment must have ended first (history stays)."""
        self._ensure_active("retire")
        if self.open_assignments:
            raise PlanAssignmentsOpenError(
                f"pay plan {self.id} still has {len(self.open_assignments)} open assignment(s):"
                " end them first",
                assignments=sorted(str(a.assignment_id) for a in self.open_assignments),
            )
        self._retire(occurred_at=occurred_at)

    @event(Retired)
    def _retire(self, occurred_at: datetime) -> None:
        self.retired = True


class AssignmentSlot(ShowroomAggregate):
    """One target (a staff member, or a role at a store) on one effective day, claimed by at most
    one live assignment across all plans.

    Its id derives from the target and the day, so two plans claiming it at once collide on save
    (a conflict), and a claim of a taken slot is refused: the guard against ambiguous plans.
    """

    class Claimed(ShowroomAggregate.Created):
        key: str
        plan_id: UUID
        assignment_id: UUID

    class Released(ShowroomAggregate.Event):
        assignment_id: UUID

    class Reclaimed(ShowroomAggregate.Event):
        plan_id: UUID
        assignment_id: UUID

    @staticmethod
    def id_for(key: str) -> UUID:
        return uuid5(SLOT_NAMESPACE, key)

    @staticmethod
    def create_id(key: str) -> UUID:
        return AssignmentSlot.id_for(key)

    @event(Claimed)
    def __init__(self, key: str, plan_id: UUID, assignment_id: UUID, occurred_at: datetime) -> None:
        self.key = key
        self.plan_id: UUID | None = plan_id
        self.assignment_id: UUID | None = assignment_id

    @property
    def taken(self) -> bool:
        return self.assignment_id is not None

    def reclaim(self, plan_id: UUID, assignment_id: UUID, occurred_at: datetime) -> None:
        if self.taken:
            raise PlanAssignmentAmbiguousError(
                "another pay plan is already assigned to the same target from the same day",
                plan_id=str(self.plan_id),
                assignment_id=str(self.assignment_id),
            )
        self._reclaim(plan_id=plan_id, assignment_id=assignment_id, occurred_at=occurred_at)

    @event(Reclaimed)
    def _reclaim(self, plan_id: UUID, assignment_id: UUID, occurred_at: datetime) -> None:
        self.plan_id, self.assignment_id = plan_id, assignment_id

    def release(self, assignment_id: UUID, occurred_at: datetime) -> None:
        if self.assignment_id != assignment_id:
            raise IllegalTransitionError(
                "assignment slot", self.id, "held by another assignment", "release"
            )
        self._release(assignment_id=assignment_id, occurred_at=occurred_at)

    @event(Released)
    def _release(self, assignment_id: UUID, occurred_at: datetime) -> None:
        self.plan_id, self.assignment_id = None, None
