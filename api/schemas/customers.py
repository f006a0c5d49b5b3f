from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import Command, Strict
from domain.shared.values import Channel


class RegisterCustomer(Strict):
    store_id: UUID
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=5, max_length=32, examples=["13800138000"])
    owner_id: UUID | None = None
    source: Channel = Channel.WALK_IN
    occurred_at: AwareDatetime | None = None


class RecordPreferences(Command):
    model: str | None = Field(default=None, max_length=100)
    colour: str | None = Field(default=None, max_length=60)
    trim: str | None = Field(default=None, max_length=100)
    budget: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)


class ReassignCustomer(Command):
    owner_id: UUID


class RecordConsent(Command):
    channel: str = Field(min_length=1, max_length=20, examples=["sms"])
    granted: bool


class CustomerOut(BaseModel):
    id: UUID
    version: int
    store_id: UUID
    owner_id: UUID | None
    name: str
    phone: str
    source: str
    preferences: dict[str, str | None]
    consents: dict[str, bool]
    merged_into: UUID | None = Field(
        default=None, description="The customer this record was merged into (it answers as that)"
    )
    merged_from: list[UUID] = Field(default_factory=list, description="Records merged into this")


class CustomerLine(BaseModel):
    """A customer in a list: the phone number always masked."""

    id: UUID
    store_id: UUID
    owner_id: UUID | None
    name: str
    phone: str = Field(description="Masked: 136****6000")
    source: str
    preferences: dict[str, str | None] = Field(description="model, colour, trim, budget")
    created_at: datetime
    updated_at: datetime


class RecordErasure(Strict):
    """An erasure request (PIPL right to deletion): why, not who (the reason is kept in clear
    in the log, for the auditor: a request's reference, the law it answers)."""

    reason: str = Field(min_length=1, max_length=500, examples=["客户本人申请删除 2026-12-01"])
    occurred_at: AwareDatetime | None = None


class RecordEvents(BaseModel):
    """One record (the customer, a lead, a deal, a survey) and its events, oldest first."""

    id: str
    events: list[dict[str, Any]]


class CustomerDataOut(BaseModel):
    """Everything held about one customer (PIPL right of access), as one JSON file."""

    customer_id: str
    generated_at: str
    about: str
    customer: list[RecordEvents]
    leads: list[RecordEvents]
    deals: list[RecordEvents]
    surveys: list[RecordEvents]
