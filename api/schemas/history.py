"""Schemas of the audit endpoints: an aggregate's history and the log's integrity report."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field


class EventOut(BaseModel):
    version: int = Field(description="The aggregate's version after this event")
    type: str = Field(description="Stable event name, e.g. Deal.ContractSigned")
    occurred_at: str | None = Field(description="Business time (ISO 8601)")
    recorded_at: str = Field(description="When the event store recorded it (ISO 8601)")
    actor: str | None = Field(description="User id of whoever caused it")
    data: dict[str, Any] = Field(description="The event's own fields, JSON-friendly")


class HistoryOut(BaseModel):
    aggregate_id: UUID
    type: str = Field(description="Aggregate class, e.g. Deal")
    version: int = Field(description="The version the events run up to and the state is at")
    events: list[EventOut]
    state: dict[str, Any] = Field(description="The aggregate as it stood at `version`")


class IntegrityOut(BaseModel):
    ok: bool
    count: int = Field(description="Notifications read")
    first_id: int | None
    last_id: int | None = Field(description="Log position the head hash covers")
    aggregates: int
    head_hash: str = Field(description="SHA-256 chain over every event up to last_id")
    problem_count: int
    problems: list[str] = Field(description="The first problems found (at most 100)")
