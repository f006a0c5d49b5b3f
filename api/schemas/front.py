"""Bodies and answers of the front-of-house organisation routes (teams, hours, duty)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import Strict

SPANS: Any = Field(
    default_factory=list,
    max_length=6,
    description='Stretches of the day, "HH:MM-HH:MM" (24:00 ends the day); none: closed / off',
    examples=[["09:00-12:00", "13:00-18:00"]],
)


class FormTeam(Strict):
    name: str = Field(min_length=1, max_length=60)
    leader_id: UUID


class RenameTeam(Strict):
    name: str = Field(min_length=1, max_length=60)


class TeamMember(Strict):
    staff_id: UUID


class TeamLeader(Strict):
    leader_id: UUID


class TeamOut(BaseModel):
    id: UUID
    name: str
    leader_id: UUID
    members: list[UUID] = Field(description="Everyone in the team, the leader included")


class TeamWrittenOut(BaseModel):
    """A team command's answer: the team's id, the store's teams record version and position."""

    id: UUID
    version: int
    position: int


class DaySpans(Strict):
    spans: list[str] = SPANS


class DateHours(Strict):
    spans: list[str] = SPANS
    note: str = Field(default="", max_length=60, description="e.g. 国庆节 / National Day")


class HoursOut(BaseModel):
    store_id: UUID
    timezone: str
    weekly: dict[int, list[str]] = Field(description="Spans per weekday, 0 = Monday")
    dates: dict[date, list[str]] = Field(description="Dates with their own hours (none: closed)")
    notes: dict[date, str]
    open_now: bool


class LeaveIn(Strict):
    first: date
    last: date


class Availability(Strict):
    available: bool


class DutyOut(BaseModel):
    staff_id: UUID
    store_id: UUID
    shifts: dict[int, list[str]]
    leave: list[LeaveIn]
    available: bool
    on_duty_now: bool


class OnDutyLine(BaseModel):
    staff_id: UUID
    name: str
    role: str
    team_id: UUID | None


class OnDutyOut(BaseModel):
    store_id: UUID
    at: str
    items: list[OnDutyLine]
