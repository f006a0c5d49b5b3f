"""Campaigns, partners and partners' leads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import Command, Strict
from domain.intake.partners import PartnerKind
from domain.leads.origin import SourceKind


class CreateCampaign(Strict):
    name: str = Field(min_length=1, max_length=120)
    starts_on: date
    ends_on: date
    store_ids: list[UUID] = Field(min_length=1, max_length=500)


class RecordSpend(Command):
    amount: Decimal = Field(
        max_digits=14, decimal_places=2, description="Yuan; negative corrects an earlier entry"
    )
    spent_on: date
    note: str | None = Field(default=None, max_length=200)


class SpendLine(BaseModel):
    version: int
    amount: Decimal
    total: Decimal
    spent_on: date
    note: str | None
    recorded_at: str


class CampaignLine(BaseModel):
    id: UUID
    name: str
    starts_on: date
    ends_on: date
    store_ids: list[UUID]
    spend: Decimal
    leads: int


class CampaignOut(CampaignLine):
    version: int
    spend_lines: list[SpendLine]


class CampaignSpend(BaseModel):
    campaign_id: UUID
    name: str
    spend: Decimal
    leads: int


class RegisterPartner(Strict):
    name: str = Field(min_length=1, max_length=120)
    kind: PartnerKind
    store_ids: list[UUID] = Field(min_length=1, max_length=500)
    sources: list[str] = Field(
        min_length=1,
        max_length=500,
        description="`kind` (every source of that kind) or `kind:name`, e.g. marketplace:autohome",
    )


class RotateSecret(Command):
    grace_hours: int = Field(
        default=24, ge=0, le=720, description="How long the secrets before stay accepted"
    )


class RevokePartner(Command):
    reason: str | None = Field(default=None, max_length=200)


class PartnerIssued(BaseModel):
    """The secret is shown here once; it is never answered again."""

    id: UUID
    version: int
    position: int
    secret_id: UUID
    secret: str = Field(description="Standard Webhooks signing secret (whsec_...)")


class Deliveries(BaseModel):
    accepted: int = 0
    refused: int = 0
    last_at: str | None = None


class PartnerLine(BaseModel):
    id: UUID
    name: str
    kind: str
    store_ids: list[UUID]
    sources: list[str]
    active: bool
    registered_at: str
    secret_issued_at: str | None
    previous_valid_until: str | None
    revoked_at: str | None
    deliveries: Deliveries = Deliveries()


class DeliveryLine(BaseModel):
    received_at: str
    accepted: bool
    status: int
    reason: str | None
    lead_id: UUID | None


class PartnerLeadIn(Strict):
    """A lead as a partner posts it, signed with Standard Webhooks headers."""

    partner_lead_id: str = Field(min_length=1, max_length=100, description="The partner's own id")
    store_id: UUID
    source_kind: SourceKind
    source_name: str | None = Field(default=None, max_length=40)
    campaign_id: UUID | None = None
    customer_name: str = Field(min_length=1, max_length=200)
    customer_phone: str = Field(min_length=5, max_length=32)
    model_interest: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=2000)
    occurred_at: AwareDatetime | None = None


class PartnerLeadAccepted(BaseModel):
    lead_id: UUID
    created: bool = Field(description="False: this partner lead id was posted before")
    position: int | None = None
