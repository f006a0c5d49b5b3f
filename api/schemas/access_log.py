"""Schemas of the access log's routes: entries (newest first, by cursor) and its verification."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AccessEntryOut(BaseModel):
    sequence: int = Field(description="Position in the access log's chain (1, 2, ...)")
    at: datetime = Field(description="When it was recorded (UTC)")
    kind: str = Field(description="What happened: login_succeeded, full_phone_read, ...")
    actor_id: str | None = Field(description="User id of who did it (none: a failed login)")
    actor_username: str | None = Field(description="That user's username")
    subject: str | None = Field(
        description="About whom or what: a customer, staff member, user, export or period id;"
        " the username tried for a login"
    )
    detail: dict[str, Any]
    address: str | None = Field(description="The client's address")
    user_agent: str | None


class AccessPageOut(BaseModel):
    items: list[AccessEntryOut]
    limit: int
    next_cursor: int | None = Field(description="Pass as `cursor` for the next (older) page")


class AccessProblemOut(BaseModel):
    sequence: int = Field(description="The entry where the chain breaks")
    problem: str


class AccessVerificationOut(BaseModel):
    ok: bool
    count: int = Field(description="Entries read")
    last_sequence: int
    head: str = Field(description="HMAC chain head after the last entry")
    first_break: int | None = Field(description="Sequence of the first problem found")
    problem_count: int
    problems: list[AccessProblemOut] = Field(description="The first problems (at most 100)")
    anchored_sequence: int | None = Field(
        default=None,
        description="The entry the last signed checkpoint anchored (none: no checkpoint yet)",
    )
    anchored_at: str | None = Field(default=None, description="When that checkpoint was signed")
    unanchored: int = Field(default=0, description="Entries after it, not anchored yet")
