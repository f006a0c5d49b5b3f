from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import Command, Strict


class RecordSurvey(Strict):
    deal_id: UUID = Field(description="A delivered deal (one survey per deal)")
    answers: dict[str, int] = Field(
        min_length=1, max_length=50, description="Score (0–100) per question"
    )
    overall: int = Field(ge=0, le=100, description="The overall score, 0–100")
    answered_on: date = Field(description="The day the customer answered")
    occurred_at: AwareDatetime | None = None


class ExcludeSurvey(Command):
    reason: str = Field(min_length=1, max_length=500)


class ReinstateSurvey(Command):
    pass


class SurveyOut(BaseModel):
    id: UUID
    version: int
    deal_id: UUID
    store_id: UUID
    salesperson_ids: list[UUID] = Field(description="The deal's credited salespeople")
    answers: dict[str, int]
    overall: int
    answered_on: date
    excluded: bool
    exclusion_reason: str | None


class SurveyLine(BaseModel):
    """A survey in a list."""

    id: UUID
    deal_id: UUID
    store_id: UUID
    salesperson_ids: list[UUID]
    overall: int
    answers: dict[str, int]
    answered_on: date
    excluded: bool
    exclusion_reason: str | None
