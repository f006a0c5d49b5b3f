"""Routing's request and response bodies (docs/routing.md)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class PolicyIn(BaseModel):
    """How a store (or a team) hands out leads."""

    model_config = ConfigDict(extra="forbid")

    mode: str = Field(description="round_robin or weighted")
    weights: dict[UUID, int] = Field(default_factory=dict, description="staff id → 1..10")
    on_duty_only: bool = True
    cap: int | None = Field(default=None, description="open leads per person, 1..500, or none")
    fallback_id: UUID | None = Field(
        default=None, description="who takes what nobody eligible can (a team: its leader)"
    )


class PolicyOut(PolicyIn):
    pass


class MatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team_id: UUID
    channel: str | None = None
    interest: str | None = Field(default=None, description="a brand or model, case-insensitive")


class MatchesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    matches: list[MatchIn]


class RulesOut(BaseModel):
    store_id: UUID
    version: int | None  # None: no rules set, leads are handed out by hand
    store: PolicyOut
    teams: dict[UUID, PolicyOut]
    matches: list[MatchIn]


class QueuedLeadOut(BaseModel):
    lead_id: UUID
    why: str
    since: datetime
    pool: str
    channel: str
    model_interest: str | None
    captured_at: datetime


class QueueAssign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    salesperson_id: UUID


class FairnessLineOut(BaseModel):
    staff_id: UUID
    name: str
    weight: int
    duty_hours: float
    offered: int
    due: float
    received: int
    by_fallback: int
    duty_share: float


class FairnessOut(BaseModel):
    store_id: UUID
    month: str
    routed: int
    queued: int
    lines: list[FairnessLineOut]
