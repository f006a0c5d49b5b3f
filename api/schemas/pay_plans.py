"""Pay plans: create, publish versions, assign, validate; the plan and its versions out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import Command, Strict, Written
from api.schemas.four_eyes import ProposedVersionOut
from domain.pay.service.plans import AssignmentWritten as DomainAssignmentWritten
from domain.pay.service.plans import VersionWritten as DomainVersionWritten
from domain.shared.actor import Role

COMPONENTS_DOC = (
    "The plan's components, each an object with `type` and a unique `key`"
    " (see docs/pay-plans.md): per_unit, percent_of_gross (with an optional mini),"
    " volume_tiers, spiff, fni, scorecard_bonus, csi_gate, cap, draw."
    ' Give decimals as strings ("0.25", "500.00").'
)


class CreatePlan(Strict):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    occurred_at: AwareDatetime | None = None


class PublishVersion(Command):
    effective_from: date = Field(
        description="First day in force; a month is paid by the version in force on its first day"
    )
    components: list[dict[str, Any]] = Field(max_length=50, description=COMPONENTS_DOC)
    note: str = Field(default="", max_length=2000)


class AssignPlan(Command):
    """Either `staff_id`, or `store_id` and `role`."""

    staff_id: UUID | None = None
    store_id: UUID | None = None
    role: Role | None = None
    effective_from: date = Field(
        description="First day in force; a month follows the assignment in force on its first day"
    )


class EndAssignment(Command):
    effective_to: date = Field(
        description="Last day the assignment applies (the day before it starts voids it)"
    )


class RetirePlan(Command):
    pass


class ValidateComponents(Strict):
    components: list[dict[str, Any]] = Field(max_length=50, description=COMPONENTS_DOC)


class ValidatedComponents(BaseModel):
    components: list[dict[str, Any]] = Field(description="The components as they would be stored")


class VersionWritten(Written):
    """A version published: the first month it pays, with a notice when it starts after the
    first day of a month (that month is still paid by the version before it)."""

    first_paid_month: str = Field(
        description="The first month this version pays: a month is paid by the version in force"
        " on its first day"
    )
    notice: str | None = Field(
        description="Set when the version starts after a month's first day: it pays from the"
        " next month on"
    )
    plan_version: int = Field(description="The number of the plan version proposed or published")
    published: bool = Field(
        description="False: proposed, not in force until another person confirms it"
    )

    @classmethod
    def of_version(cls, written: DomainVersionWritten) -> VersionWritten:
        return cls(
            id=written.id,
            version=written.version,
            position=written.position,
            first_paid_month=written.first_paid_month,
            notice=written.notice,
            plan_version=written.plan_version,
            published=written.published,
        )


class AssignmentWritten(Written):
    assignment_id: UUID

    @classmethod
    def of_assignment(cls, written: DomainAssignmentWritten) -> AssignmentWritten:
        return cls(
            id=written.id,
            version=written.version,
            position=written.position,
            assignment_id=written.assignment_id,
        )


class VersionOut(BaseModel):
    version: int
    effective_from: date
    components: list[dict[str, Any]]
    note: str
    published_at: datetime


class AssignmentOut(BaseModel):
    assignment_id: UUID
    staff_id: UUID | None
    store_id: UUID | None
    role: str | None
    effective_from: date
    effective_to: date | None


class PlanOut(BaseModel):
    id: UUID
    version: int
    name: str
    description: str
    retired: bool
    versions: list[VersionOut]
    assignments: list[AssignmentOut] = Field(description="Those within the caller's scope")
    proposed: ProposedVersionOut | None = Field(
        default=None, description="A version waiting for a second person's confirmation"
    )


class PlanSummaryOut(BaseModel):
    id: UUID
    name: str
    description: str
    retired: bool
    versions: int
    latest_effective_from: date | None
    open_assignments: int
    created_at: datetime
    updated_at: datetime


class PlanInForceOut(BaseModel):
    staff_id: UUID
    month: str
    plan_id: UUID | None
    name: str | None
    version: int | None
    effective_from: date | None
    components: list[dict[str, Any]] | None
