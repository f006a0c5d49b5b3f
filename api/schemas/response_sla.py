"""Response-time SLA: a store's rules per channel and the month's response report."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import Strict


class SlaRuleIn(Strict):
    limit_minutes: int = Field(ge=1, le=1440, description="First human response within")
    warn_minutes: int = Field(ge=1, le=1440, description="About-to-breach notice at")
    reassign_minutes: int = Field(ge=1, le=1440, description="Back to the routing rules at")


class SlaPolicyIn(Strict):
    rules: dict[str, SlaRuleIn] = Field(
        description="By channel, `default` for every other; minutes of opening hours"
    )
    expected_version: int | None = Field(default=None, ge=0)


class SlaRuleOut(BaseModel):
    limit_minutes: int
    warn_minutes: int
    reassign_minutes: int


class SlaPolicyOut(BaseModel):
    store_id: UUID
    rules: dict[str, SlaRuleOut]
    version: int = Field(description="0 until a manager first chose (the default rule)")


class ResponseLine(BaseModel):
    key: UUID | str | None = Field(description="Store, team or salesperson id (None: unassigned)")
    name: str | None = None
    leads: int
    answered: int
    breached: int
    decided: int = Field(description="Answered or breached (a running clock is not decided)")
    escalated: int = Field(description="Sent back to the routing rules at the second limit")
    breach_rate: Decimal | None = Field(description="breached / decided, 4 places")
    buckets: dict[str, int] = Field(description="First-response time in opening hours")


class ResponseReportOut(BaseModel):
    month: str
    total: ResponseLine
    stores: list[ResponseLine]
    teams: list[ResponseLine]
    salespeople: list[ResponseLine]
