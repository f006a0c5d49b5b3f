"""Follow-up tasks: next follow-up days, after-delivery calls (回访), store settings."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import Command, Strict

Timing = Literal["overdue", "today", "upcoming"]


class ScheduleFollowUp(Command):
    follow_up_on: date = Field(description="The day of the next follow-up (today or later)")


class CompleteCall(Command):
    outcome: Literal["reached", "not_reached", "rescheduled"]
    score: int | None = Field(
        default=None, ge=0, le=100, description="Satisfaction 0–100, only when reached"
    )
    note: str | None = Field(default=None, max_length=1000, description="Sealed personal data")
    reschedule_to: date | None = Field(default=None, description="Only when rescheduled")


class FollowUpSettingsIn(Strict):
    gap_days: int = Field(ge=1, le=60, description="Days from a contact to the next follow-up")
    call_offsets: list[int] = Field(
        min_length=1, max_length=10, description="Days after delivery of each call (回访)"
    )
    expected_version: int | None = Field(default=None, ge=0)


class FollowUpSettingsOut(BaseModel):
    store_id: UUID
    gap_days: int
    call_offsets: list[int]
    version: int = Field(description="0 until a manager first chose (the defaults)")


class FollowUpLine(BaseModel):
    """An open lead's next follow-up on the salesperson's day."""

    lead_id: UUID
    store_id: UUID
    customer_id: UUID
    customer_name: str | None
    salesperson_id: UUID | None
    model_interest: str | None
    follow_up_on: date
    by_default: bool = Field(description="Set by the store's gap, not chosen by a person")
    timing: Timing
    days_overdue: int


class CallLine(BaseModel):
    """A pending call after a delivery."""

    deal_id: UUID
    offset: int = Field(description="Days after delivery")
    store_id: UUID
    customer_id: UUID
    customer_name: str | None
    salesperson_id: UUID
    due_on: date
    timing: Timing
    days_overdue: int
    version: int


class MyDayOut(BaseModel):
    today: date = Field(description="The day in the caller's store")
    follow_ups: list[FollowUpLine] = Field(description="Overdue first, then today's, upcoming")
    calls: list[CallLine] = Field(description="Pending calls due within a week, overdue first")


class OverdueLine(BaseModel):
    salesperson_id: UUID
    store_id: UUID
    follow_ups: int = Field(description="Open leads whose follow-up day has passed")
    calls: int = Field(description="Pending calls whose day has passed")
    oldest_on: date
    days_overdue: int


class CallOut(BaseModel):
    offset: int
    due_on: date
    status: Literal["pending", "reached", "not_reached", "cancelled"]
    score: int | None


class CallPlanOut(BaseModel):
    id: UUID
    version: int
    deal_id: UUID
    store_id: UUID
    salesperson_id: UUID
    delivered_on: date
    cancelled: bool
    calls: list[CallOut]
