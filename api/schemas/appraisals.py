"""Appraisals, trade-ins on deals, and the look-to-book ratio."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import Command, Strict
from domain.appraisals.model import FindingResult, Grade
from domain.shared.values import with_check_digit

Money = Decimal


class CreateAppraisal(Strict):
    store_id: UUID
    vin: str = Field(
        min_length=17,
        max_length=17,
        description="The customer's car: 17 characters, check digit verified (ISO 3779)",
        examples=[with_check_digit("JTNB11HK0J3000123")],
    )
    make: str = Field(min_length=1, max_length=60)
    model: str = Field(min_length=1, max_length=60)
    trim: str = Field(default="", max_length=60)
    colour: str = Field(default="", max_length=60)
    model_year: int = Field(ge=1990, le=2100)
    mileage_km: int = Field(ge=0, le=2_000_000)
    grade: Grade
    customer_id: UUID | None = None
    appraiser_id: UUID | None = Field(
        default=None, description="Admin only: the appraiser (a manager appraises as themselves)"
    )
    occurred_at: AwareDatetime | None = None


class FindingIn(Strict):
    item: str = Field(min_length=1, max_length=60, examples=["tyres"])
    result: FindingResult
    note: str = Field(default="", max_length=200)
    repair_cost: Money = Field(default=Decimal(0), ge=0, max_digits=12, decimal_places=2)


class Inspect(Command):
    findings: list[FindingIn] = Field(min_length=1, max_length=40)


class Value(Command):
    acv: Money = Field(gt=0, max_digits=12, decimal_places=2, description="Actual cash value")


class Offer(Command):
    amount: Money = Field(gt=0, max_digits=12, decimal_places=2)
    expires_at: AwareDatetime


class Decline(Command):
    reason: str = Field(min_length=1, max_length=500)


class Expire(Command):
    pass


class AttachTradeIn(Command):
    appraisal_id: UUID
    allowance: Money = Field(
        gt=0, max_digits=12, decimal_places=2, description="What the customer is given"
    )
    payoff: Money = Field(
        default=Decimal(0), ge=0, max_digits=12, decimal_places=2, description="Loan still owed"
    )


class FindingOut(BaseModel):
    item: str
    result: str
    note: str
    repair_cost: Decimal


class AppraisalOut(BaseModel):
    id: UUID
    version: int
    store_id: UUID
    appraiser_id: UUID
    customer_id: UUID | None
    vin: str
    make: str
    model: str
    trim: str
    colour: str
    model_year: int
    mileage_km: int
    grade: str
    status: str
    findings: list[FindingOut]
    repair_estimate: Decimal
    acv: Decimal | None
    offer: Decimal | None
    expires_at: datetime | None
    offer_expired: bool
    deal_id: UUID | None
    vehicle_id: UUID | None
    created_at: datetime
    closed_at: datetime | None
    decline_reason: str | None


class AppraisalLine(BaseModel):
    id: UUID
    store_id: UUID
    appraiser_id: UUID
    customer_id: UUID | None
    vin: str
    make: str
    model: str
    trim: str
    colour: str
    model_year: int
    mileage_km: int
    grade: str
    status: str
    repair_estimate: Decimal
    acv: Decimal | None
    offer: Decimal | None
    expires_at: datetime | None
    offer_expired: bool
    deal_id: UUID | None
    vehicle_id: UUID | None
    created_at: datetime
    month: str
    closed_at: datetime | None


class TradeInOut(BaseModel):
    """A deal's trade-in as the caller may see it: ACV and the gross effect are the dealer's
    cost figures, hidden from salespeople (docs/trade-ins.md)."""

    deal_id: UUID
    appraisal_id: UUID
    vin: str
    allowance: Decimal
    payoff: Decimal
    equity: Decimal = Field(description="Allowance − payoff (negative: owed on top)")
    acv: Decimal | None = Field(description="Hidden from salespeople")
    over_allowance: Decimal | None = Field(description="Allowance above ACV; hidden from sales")
    gross_adjustment: Decimal | None = Field(
        description="ACV − allowance, added to front gross at signing; hidden from salespeople"
    )


class LookToBookBy(StrEnum):
    STORE = "store"
    APPRAISER = "appraiser"


class LookToBookLine(BaseModel):
    store_id: UUID | None
    appraiser_id: UUID | None
    looks: int
    books: int
    declined: int
    expired: int
    open: int
    looks_per_book: Decimal | None = Field(description="Looks ÷ books (None without a book)")
    book_rate: Decimal = Field(description="Books ÷ looks")


class LookToBookOut(BaseModel):
    month: str
    by: str
    rows: list[LookToBookLine]
    total: LookToBookLine
