from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import Command, Strict, Written
from domain.leads.model import ActivityKind, AppointmentPurpose, LossReason
from domain.leads.origin import SourceKind
from domain.shared.values import Channel


class CaptureLead(Strict):
    store_id: UUID
    channel: Channel
    customer_id: UUID | None = None
    customer_name: str | None = Field(default=None, min_length=1, max_length=200)
    customer_phone: str | None = Field(default=None, min_length=5, max_length=32)
    model_interest: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=2000)
    salesperson_id: UUID | None = None
    occurred_at: AwareDatetime | None = None
    source_kind: SourceKind | None = Field(
        default=None, description="Who sent the lead: marketplace, oem, social, ..."
    )
    source_name: str | None = Field(
        default=None, max_length=40, description="The source's slug, e.g. autohome, dongchedi"
    )
    campaign_id: UUID | None = None


class AssignLead(Command):
    salesperson_id: UUID


class LogActivity(Command):
    kind: ActivityKind
    outcome: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)
    automated: bool = Field(
        default=False, description="Auto-replies are recorded but never count as a response"
    )


class SetAppointment(Command):
    scheduled_for: AwareDatetime
    purpose: AppointmentPurpose = AppointmentPurpose.VISIT
    appointment_id: UUID | None = None


class AppointmentWritten(Written):
    """An appointment set: the lead written, and the appointment's id on it."""

    appointment_id: UUID


class AppointmentOutcome(Command):
    """Nothing is required: the body may be left out."""


class LoseLead(Command):
    reason: LossReason
    note: str | None = Field(default=None, max_length=2000)


class LeadOut(BaseModel):
    id: UUID
    version: int
    store_id: UUID
    customer_id: UUID
    channel: str
    status: str
    salesperson_id: UUID | None
    model_interest: str | None
    note: str | None
    captured_at: datetime
    first_response_at: datetime | None
    activities: int
    appointment_id: UUID | None
    appointment_for: datetime | None
    appointment_purpose: str | None
    appointments_shown: int
    appointments_missed: int
    deal_id: UUID | None
    lost_reason: str | None
    enquiries: int = Field(default=0, description="Further enquiries recorded on the lead")


class LeadLine(BaseModel):
    """A lead in a list (the detail is GET /leads/{id})."""

    id: UUID
    store_id: UUID
    customer_id: UUID
    salesperson_id: UUID | None
    channel: str
    status: str
    model_interest: str | None
    deal_id: UUID | None
    lost_reason: str | None
    captured_at: datetime
    updated_at: datetime


class DueLeadLine(LeadLine):
    """An open lead in the order of what is due (GET /leads/due)."""

    customer_name: str | None = Field(
        description="Null when the customer is another salesperson's (a lead handed over)"
    )
    first_response_at: datetime | None
    last_activity_at: datetime | None
    appointment_for: datetime | None
    due: Literal["new", "appointment", "follow_up", "later"] = Field(
        description="new: not answered yet; appointment: booked before the end of today (or"
        " past, to mark shown or no-show); follow_up: its next follow-up day is today or"
        " past; later"
    )
    due_at: datetime = Field(
        description="Captured (new), the appointment, or the last contact: the order within"
    )
