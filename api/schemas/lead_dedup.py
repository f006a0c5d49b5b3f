"""Bodies and answers of de-duplication, protection period and merging (docs/lead-dedup.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import Strict, Written
from domain.app import Written as DomainWritten
from domain.leads.dedup import MAX_DAYS, DedupRule


class CaptureWritten(Written):
    """A capture's answer: the lead, and whether a new lead was opened (`lead_opened`) or the
    enquiry was recorded on the customer's open lead at the store (`enquiry_recorded`)."""

    outcome: Literal["lead_opened", "enquiry_recorded"] = "lead_opened"

    @classmethod
    def of_capture(cls, written: DomainWritten) -> CaptureWritten:
        enquiry = bool(getattr(written, "recorded_as_enquiry", False))
        return cls(
            id=written.id,
            version=written.version,
            position=written.position,
            outcome="enquiry_recorded" if enquiry else "lead_opened",
        )


class SetLeadRules(Strict):
    rule: DedupRule = Field(
        description="off: every enquiry opens a lead; any_open: recorded on any open lead of"
        " the customer at the store; last_activity: on an open lead touched within the window"
    )
    window_days: int = Field(ge=1, le=MAX_DAYS)
    occurred_at: AwareDatetime | None = None


class SetProtection(Strict):
    protection_days: int | None = Field(
        ge=1, le=MAX_DAYS, description="Days after the owner's last activity; null: no lapse"
    )
    occurred_at: AwareDatetime | None = None


class LeadRulesOut(BaseModel):
    store_id: UUID
    rule: str
    window_days: int
    rule_set: bool = Field(description="false: the store uses the default rule")
    protection_days: int | None


class MergeCustomers(Strict):
    duplicate_id: UUID = Field(description="The record that goes; the path's customer stays")
    occurred_at: AwareDatetime | None = None


class EnquiryOut(BaseModel):
    at: datetime
    channel: str
    source: str | None
    model_interest: str | None
    note: str | None


class CandidateCustomer(BaseModel):
    id: UUID
    store_id: UUID
    name: str
    phone: str = Field(description="Masked")
    created_at: datetime


class MergeCandidate(BaseModel):
    """Two customers that may be one person, and why they were paired."""

    reason: Literal["same_name_similar_phone", "same_name", "similar_phone"]
    first: CandidateCustomer
    second: CandidateCustomer
