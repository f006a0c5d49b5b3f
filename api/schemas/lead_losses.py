"""Lost leads: requests, decisions, the queue and the loss-reason report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import Command, Strict
from domain.leads.model import LossReason, SpotCheckOutcome


class RequestLoss(Command):
    reason: LossReason
    competitor: str | None = Field(
        default=None, max_length=80, description="Brand or dealer the customer went to"
    )
    note: str | None = Field(default=None, max_length=1000, description="Sealed: personal data")


class SpotCheck(Command):
    outcome: SpotCheckOutcome
    note: str | None = Field(default=None, max_length=1000, description="Sealed: personal data")


class ApproveLoss(Command):
    """Nothing is required: the body may be left out."""


class RejectLoss(Command):
    comment: str = Field(min_length=1, max_length=1000, description="Sealed: personal data")


class ReopenLead(Command):
    reason: str = Field(min_length=1, max_length=1000, description="Sealed: personal data")


class LossPolicyIn(Strict):
    spot_check_required: bool


class LossPolicyOut(BaseModel):
    store_id: UUID
    spot_check_required: bool


class PendingLossLine(BaseModel):
    lead_id: UUID
    store_id: UUID
    salesperson_id: UUID | None
    model_interest: str | None
    channel: str
    reason: str
    competitor: str | None
    requested_at: datetime
    requested_by: str
    age_hours: int
    spot_check: SpotCheckOutcome | None
    spot_check_required: bool


class LostLeadLine(BaseModel):
    lead_id: UUID
    store_id: UUID
    salesperson_id: UUID | None
    model_interest: str | None
    reason: str
    competitor: str | None
    lost_at: datetime


class LossBy(StrEnum):
    STORE = "store"
    MODEL = "model"
    SALESPERSON = "salesperson"


class ReasonShare(BaseModel):
    reason: str
    count: int
    share: Decimal


class LossGroup(BaseModel):
    key: str | None
    total: int
    reasons: list[ReasonShare]


class LossReasonsOut(BaseModel):
    month: str
    by: LossBy
    store_id: UUID | None
    salesperson_id: UUID | None
    total: int
    reasons: dict[str, int]
    groups: list[LossGroup]
