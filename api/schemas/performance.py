"""KPI definitions, targets, scorecards and evaluations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import MONTH_PATTERN, Command, Strict
from domain.performance.targets import TargetScope

KpiId = Annotated[
    str, Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$", examples=["units"])
]
Month = Annotated[str, Field(pattern=MONTH_PATTERN, examples=["2026-03"])]


# --- KPI definitions ----------------------------------------------------------------------------


class KpiDefinitionOut(BaseModel):
    id: str
    version: int
    name_en: str
    name_zh: str
    unit: str = Field(description="units | CNY | ratio (a fraction) | minutes | score | count")
    direction: str = Field(description="higher or lower is better")
    formula: str
    inputs: list[str] = Field(description="The base counters of the KPI view it reads")
    unwinds: str | None = Field(
        default=None, description="How an unwound delivery counts (KPIs that read deliveries)"
    )


# --- targets ------------------------------------------------------------------------------------


class TargetKey(Command):
    scope: TargetScope
    subject_id: UUID | None = Field(
        default=None, description="The salesperson or store; none for a group target"
    )
    month: Month = Field(description="The month the target is for, YYYY-MM")
    kpi_id: KpiId
    kpi_version: int = Field(default=1, ge=1, le=1000)


class SetTarget(TargetKey):
    value: Decimal = Field(
        gt=0,
        max_digits=14,
        description="Positive; rates are fractions (0.25 = 25 %), money in CNY, CSI 0–100",
    )


class ClearTarget(TargetKey):
    pass


class TargetLine(BaseModel):
    scope: TargetScope
    subject_id: UUID | None
    subject_name: str
    store_id: UUID | None
    month: str
    kpi_id: str
    kpi_version: int
    value: Decimal
    set_by: str
    set_at: datetime
    version: int


# --- scorecards ---------------------------------------------------------------------------------


class CreateScorecard(Strict):
    name: str = Field(min_length=1, max_length=200)
    store_id: UUID | None = Field(
        default=None, description="A store's own scorecard; none for the group's"
    )
    occurred_at: AwareDatetime | None = None


class ScorecardItemIn(Strict):
    kpi_id: KpiId
    kpi_version: int = Field(default=1, ge=1, le=1000)
    weight: Decimal = Field(
        gt=0, le=100, max_digits=5, decimal_places=2, description="Percent; items sum to 100"
    )
    cap_percent: Decimal = Field(
        default=Decimal(150),
        ge=100,
        le=500,
        max_digits=5,
        decimal_places=2,
        description="Attainment counts up to this percent of target",
    )


class GradeIn(Strict):
    grade: str = Field(min_length=1, max_length=10, examples=["A"])
    minimum: Decimal = Field(ge=0, le=500, max_digits=5, decimal_places=2)


class PublishScorecardVersion(Command):
    effective_from_month: Month = Field(
        description="The first month this version applies to, YYYY-MM"
    )
    items: list[ScorecardItemIn] = Field(min_length=1, max_length=20)
    grades: list[GradeIn] = Field(
        min_length=1, max_length=10, description="One grade must start at minimum 0"
    )


class ScorecardItemOut(BaseModel):
    kpi_id: str
    kpi_version: int
    weight: Decimal
    cap_percent: Decimal


class GradeOut(BaseModel):
    grade: str
    minimum: Decimal


class ScorecardVersionOut(BaseModel):
    version: int
    effective_from_month: str
    items: list[ScorecardItemOut]
    grades: list[GradeOut]
    published_at: datetime


class ScorecardOut(BaseModel):
    id: UUID
    version: int
    name: str
    store_id: UUID | None
    created_at: datetime
    versions: list[ScorecardVersionOut]


class ScorecardLine(BaseModel):
    scorecard_id: UUID
    name: str
    store_id: UUID | None
    versions: int
    effective_from_month: str | None
    created_at: datetime
    version: int


# --- evaluations --------------------------------------------------------------------------------


class ComputeEvaluation(Strict):
    salesperson_id: UUID
    month: Month = Field(description="The month to evaluate, YYYY-MM")
    occurred_at: AwareDatetime | None = None


class CommentEvaluation(Command):
    comment: str = Field(min_length=1, max_length=2000)


class ApproveEvaluation(Command):
    pass


class ReopenEvaluation(Command):
    reason: str = Field(min_length=1, max_length=500)


UNITS_PAID = (
    "The units the salesperson's approved pay statements of the month counted, as known at the"
    " pay close (the KPI report's `units_paid`). The score counts the `units` KPI as the month"
    " stood at `counters_position`, so an unwind recorded after the close lowers that figure"
    " while this one stays as paid (it is charged back later); null until a pay period of the"
    " month is approved"
)


class EvaluationItemOut(BaseModel):
    kpi_id: str
    kpi_version: int
    weight: Decimal
    cap_percent: Decimal
    direction: str
    actual: Decimal | None
    target: Decimal | None
    attainment: Decimal | None = Field(description="Actual against target, 1 = met")
    capped: Decimal | None
    weighted: Decimal | None = Field(description="Points this item adds to the score")
    excluded: str | None = Field(description="Why the item did not count, if it did not")


class CommentOut(BaseModel):
    comment: str
    actor: str
    at: datetime


class EvaluationOut(BaseModel):
    id: UUID
    version: int
    salesperson_id: UUID
    month: str
    store_id: UUID | None
    status: str
    score: Decimal | None
    grade: str | None
    scorecard_id: UUID | None
    scorecard_version: int | None
    items: list[EvaluationItemOut]
    grades: list[GradeOut]
    counters: dict[str, Decimal | None] = Field(description="The KPI view's counters used")
    counters_position: int = Field(description="The log position those counters reflect")
    units_paid: Decimal | None = Field(default=None, description=UNITS_PAID)
    computed_at: datetime | None
    comments: list[CommentOut]
    approved_at: datetime | None
    approved_by: str | None
    reopen_reason: str | None


class EvaluationLine(BaseModel):
    evaluation_id: UUID
    salesperson_id: UUID
    name: str
    store_id: UUID | None
    store_name: str
    month: str
    status: str
    score: Decimal | None
    grade: str | None
    scorecard_id: UUID | None
    scorecard_version: int | None
    computed_at: datetime | None
    approved_at: datetime | None
    approved_by: str | None
    comments: int
    last_comment: str | None
    version: int
    store_rank: int | None = Field(description="Rank among the store's approved evaluations")
    group_rank: int | None = Field(description="Rank among the group's approved evaluations")
    units_paid: Decimal | None = Field(default=None, description=UNITS_PAID)
