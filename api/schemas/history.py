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
    head_hash: str = Field(
        description="Keyed HMAC-SHA256 chain over every event up to last_id (docs/audit-chain.md)"
    )
    problem_count: int
    problems: list[str] = Field(description="The first problems found (at most 100)")
    keyed: bool = Field(default=True, description="Whether the chain was keyed with the chain key")
    first_break: int | None = Field(
        default=None, description="The first log position where the chain breaks (null: none)"
    )
    checkpoints: int = Field(default=0, description="Signed checkpoints compared")
    last_checkpoint: CheckpointOut | None = None
    disagreeing_checkpoints: list[int] = Field(
        default_factory=list, description="Positions of checkpoints the log disagrees with"
    )
    bad_signatures: list[int] = Field(
        default_factory=list, description="Positions of checkpoints whose signature fails"
    )
    truncated: bool = Field(default=False, description="The log ends before the last checkpoint")
    unanchored: int = Field(default=0, description="Events after the last checkpoint")


class CheckpointOut(BaseModel):
    position: int = Field(description="The log position the head covers")
    head: str = Field(description="The chain's head there")
    recorded_at: str = Field(description="When the checkpoint was signed (ISO 8601, UTC)")
    key_id: str = Field(description="The chain key it was made with")
    reason: str = Field(description="timer, period-approved or manual")
    signature: str = Field(description="Ed25519 signature of the checkpoint's message, hex")
    access_sequence: int | None = Field(
        default=None,
        description="The access log's last entry when signed (none: an older checkpoint)",
    )
    access_head: str | None = Field(
        default=None, description="The access log's chain head at that entry"
    )


class CheckpointsOut(BaseModel):
    format: str
    exported_at: str
    public_keys: dict[str, str] = Field(
        description="Ed25519 public key (hex) per chain key id: checks the signatures"
    )
    signature: str
    checkpoints: list[CheckpointOut]
