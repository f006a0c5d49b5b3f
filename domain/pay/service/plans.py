"""Pay-plan service: create plans, publish versions, assign them, and read them within scope.

Admin and finance manage plans. Store managers read the plans assigned at their store (and only
those assignments); salespeople read the plans assigned to them. `draft` validates components
without saving anything (what-if runs use it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from domain.app import Showroom, Written
from domain.organisation.model import Staff, Store
from domain.pay.components import parse_components
from domain.pay.errors import PlanAssignmentTargetError
from domain.pay.plans import (
    DRAFT_PLAN_ID,
    Assignment,
    AssignmentSlot,
    PayPlan,
    PlanVersion,
    first_paid_month,
    slot_key,
)
from domain.shared.access import PAY_CONFIRMERS, PLAN_MANAGERS, ensure_role
from domain.shared.actor import Principal, Role, acting_as
from domain.shared.clock import aware
from domain.shared.errors import NotFoundError
from domain.shared.values import text


@dataclass(frozen=True)
class VersionWritten(Written):
    """A version was proposed (`published` False: it waits for a second person) or published:
    its number, the first month it pays, and a notice when that is not the month it starts in
    (it starts after that month's first day, which decides the month)."""

    effective_from: date
    first_paid_month: str
    plan_version: int = 0
    published: bool = True

    @property
    def notice(self) -> str | None:
        if self.effective_from.day == 1:
            return None
        return (
            f"in force from {self.effective_from.isoformat()}, this version first pays"
            f" {self.first_paid_month}: a month is paid by the version in force on its first day,"
            f" so {self.effective_from.isoformat()[:7]} is still paid by the version before it"
        )


@dataclass(frozen=True)
class AssignmentWritten(Written):
    """An assignment was recorded on the plan: its id is needed to end it later."""

    assignment_id: UUID


class PayPlans:
    """Versioned pay plans and their assignments (stateless: one per call is fine)."""

    def __init__(self, app: Showroom) -> None:
        self.app = app

    # --- writes -----------------------------------------------------------------------------------

    def create_plan(
        self,
        actor: Principal,
        name: str,
        description: str = "",
        occurred_at: datetime | None = None,
    ) -> Written:
        """Create an empty plan (admin, finance); versions are published next."""
        with acting_as(actor):
            ensure_role(actor, *PLAN_MANAGERS)
            plan = PayPlan(
                name=text(name, "name", max_length=120),
                description=text(
                    description, "description", max_length=2000, required=False, multiline=True
                ),
                occurred_at=aware(occurred_at),
            )
            return self.app.written(plan)

    def propose_version(
        self,
        actor: Principal,
        plan_id: UUID,
        effective_from: date,
        components: Sequence[Mapping[str, Any]],
        note: str = "",
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> VersionWritten:
        """Propose the next immutable version, to be in force from `effective_from` once another
        person confirms it (admin, finance); it pays from the first month whose first day it is
        in force on."""
        with acting_as(actor):
            ensure_role(actor, *PLAN_MANAGERS)
            plan = self.app.load(PayPlan, plan_id, "pay plan", expected_version)
            number = plan.propose_version(
                effective_from,
                components,
                text(note, "note", max_length=2000, required=False, multiline=True),
                proposer=_name(actor),
                occurred_at=aware(occurred_at),
            )
            return self._version_written(plan, number, effective_from, published=False)

    def confirm_version(
        self,
        actor: Principal,
        plan_id: UUID,
        version: int | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> VersionWritten:
        """Confirm the proposed version (admin, finance; not its proposer): it is published."""
        with acting_as(actor):
            ensure_role(actor, *PAY_CONFIRMERS)
            plan = self.app.load(PayPlan, plan_id, "pay plan", expected_version)
            number = plan.confirm_version(_name(actor), aware(occurred_at), version)
            published = plan.versions[-1]  # the one just confirmed
            return self._version_written(plan, number, published.effective_from, published=True)

    def refuse_version(
        self,
        actor: Principal,
        plan_id: UUID,
        reason: str,
        version: int | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Refuse the proposed version with a reason (admin, finance; not its proposer)."""
        with acting_as(actor):
            ensure_role(actor, *PAY_CONFIRMERS)
            plan = self.app.load(PayPlan, plan_id, "pay plan", expected_version)
            plan.refuse_version(
                _name(actor), text(reason, "reason", max_length=500), aware(occurred_at), version
            )
            return self.app.written(plan)

    def withdraw_version(
        self,
        actor: Principal,
        plan_id: UUID,
        reason: str,
        version: int | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """The proposer takes the proposed version back."""
        with acting_as(actor):
            ensure_role(actor, *PLAN_MANAGERS)
            plan = self.app.load(PayPlan, plan_id, "pay plan", expected_version)
            plan.withdraw_version(
                _name(actor), text(reason, "reason", max_length=500), aware(occurred_at), version
            )
            return self.app.written(plan)

    def _version_written(
        self, plan: PayPlan, number: int, effective_from: date, published: bool
    ) -> VersionWritten:
        written = self.app.written(plan)
        return VersionWritten(
            id=written.id,
            version=written.version,
            position=written.position,
            effective_from=effective_from,
            first_paid_month=first_paid_month(effective_from),
            plan_version=number,
            published=published,
        )

    def assign(
        self,
        actor: Principal,
        plan_id: UUID,
        effective_from: date,
        staff_id: UUID | None = None,
        store_id: UUID | None = None,
        role: Role | str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> AssignmentWritten:
        """Assign the plan to a staff member, or to a role at a store (admin, finance).

        The same target cannot get two plans from the same day (on this plan or another).
        """
        with acting_as(actor):
            ensure_role(actor, *PLAN_MANAGERS)
            role_name = _role(role)
            if staff_id is not None:
                self.app.load(Staff, staff_id, "staff")
            if store_id is not None:
                self.app.load(Store, store_id, "store")
            plan = self.app.load(PayPlan, plan_id, "pay plan", expected_version)
            when = aware(occurred_at)
            assignment_id = uuid4()
            plan.assign(assignment_id, staff_id, store_id, role_name, effective_from, when)
            key = slot_key(staff_id, store_id, role_name, effective_from)
            slot_id = AssignmentSlot.id_for(key)
            if self.app.exists(slot_id):
                slot = self.app.load(AssignmentSlot, slot_id, "assignment slot")
                slot.reclaim(plan_id, assignment_id, occurred_at=when)
            else:
                slot = AssignmentSlot(
                    key=key, plan_id=plan_id, assignment_id=assignment_id, occurred_at=when
                )
            written = self.app.written(plan, slot)
            return AssignmentWritten(
                id=written.id,
                version=written.version,
                position=written.position,
                assignment_id=assignment_id,
            )

    def unassign(
        self,
        actor: Principal,
        plan_id: UUID,
        assignment_id: UUID,
        effective_to: date,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """End an assignment after `effective_to`; the day before it starts voids it and frees
        its day for another assignment (admin, finance)."""
        with acting_as(actor):
            ensure_role(actor, *PLAN_MANAGERS)
            plan = self.app.load(PayPlan, plan_id, "pay plan", expected_version)
            when = aware(occurred_at)
            plan.unassign(assignment_id, effective_to, occurred_at=when)
            assignment = plan.assignments[assignment_id]
            if not assignment.void:
                return self.app.written(plan)
            slot_id = AssignmentSlot.id_for(assignment.slot_key)
            slot = self.app.load(AssignmentSlot, slot_id, "assignment slot")
            slot.release(assignment_id, occurred_at=when)
            return self.app.written(plan, slot)

    def retire(
        self,
        actor: Principal,
        plan_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Retire a plan whose assignments have all ended (admin, finance)."""
        with acting_as(actor):
            ensure_role(actor, *PLAN_MANAGERS)
            plan = self.app.load(PayPlan, plan_id, "pay plan", expected_version)
            plan.retire(occurred_at=aware(occurred_at))
            return self.app.written(plan)

    # --- reads ------------------------------------------------------------------------------------

    def get_plan(self, actor: Principal, plan_id: UUID) -> PayPlan:
        """The plan, if the actor may read it (else not found, so ids cannot be probed)."""
        plan = self.app.load(PayPlan, plan_id, "pay plan")
        if not actor.reads_everything and not self.visible_assignments(actor, plan):
            raise NotFoundError("pay plan", plan_id)
        return plan

    def visible_proposal(self, actor: Principal, plan: PayPlan) -> dict[str, Any] | None:
        """The version proposed and waiting for a second person, to group-wide readers (who
        may confirm or watch it); None to everyone else and when nothing waits."""
        return plan.proposed if actor.reads_everything else None

    def visible_assignments(self, actor: Principal, plan: PayPlan) -> list[Assignment]:
        """The plan's assignments the actor may see, by effective date: all for group-wide
        readers, their store's for a store manager, their own for a salesperson."""
        ordered = sorted(
            plan.assignments.values(), key=lambda a: (a.effective_from, str(a.assignment_id))
        )
        if actor.reads_everything:
            return ordered
        if actor.role is Role.STORE_MANAGER and actor.store_id is not None:
            return [a for a in ordered if self._at_store(a, actor.store_id)]
        if actor.role is Role.SALESPERSON and actor.staff_id is not None:
            return [
                a
                for a in ordered
                if a.staff_id == actor.staff_id
                or (
                    a.staff_id is None
                    and a.store_id == actor.store_id
                    and a.role == Role.SALESPERSON.value
                )
            ]
        return []

    def _at_store(self, assignment: Assignment, store_id: UUID) -> bool:
        if assignment.staff_id is None:
            return assignment.store_id == store_id
        try:
            staff = self.app.load(Staff, assignment.staff_id, "staff")
        except NotFoundError:
            return False
        return staff.store_id == store_id

    def plan_version(self, actor: Principal, plan_id: UUID, version: int) -> PlanVersion:
        """One published version, parsed for the engine (scope as get_plan)."""
        return self.get_plan(actor, plan_id).plan_version(version)

    def waiting(self, actor: Principal, plan_ids: Iterable[UUID]) -> list[PayPlan]:
        """Of these plans, those with a version waiting for a second person (group-wide pay
        roles only: others see no proposals)."""
        if actor.role not in PLAN_MANAGERS:
            return []
        plans = [self.app.load(PayPlan, plan_id, "pay plan") for plan_id in plan_ids]
        return [p for p in plans if p.proposed is not None]

    def draft(
        self,
        components: Sequence[Mapping[str, Any]],
        *,
        plan_id: UUID = DRAFT_PLAN_ID,
        version: int = 0,
        effective_from: date = date.min,
        name: str = "draft",
    ) -> PlanVersion:
        """Validate components into a plan version without saving anything (what-if, checks)."""
        return PlanVersion(
            plan_id, version, effective_from, parse_components(list(components)), name
        )


def _role(role: Role | str | None) -> str | None:
    if role is None:
        return None
    try:
        return Role(role).value
    except ValueError:
        raise PlanAssignmentTargetError(f"unknown role {role!r:.40}") from None


def _name(actor: Principal) -> str:
    """How a person is recorded on plan events: the login's name (unique, so comparable)."""
    return actor.username or actor.user_id
