"""Loan applications on deals: submission, the lender's answers, and what the views show."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import Command
from domain.finance.model import IncomeBasis, LoanStatus

_REFERENCE = Field(
    default=None,
    max_length=100,
    description="The lender's own reference for this answer: an answer whose reference was"
    " applied before is applied once (a redelivered message changes nothing)",
)


class SubmitLoan(Command):
    lender: str = Field(min_length=1, max_length=100, description="The bank or captive lender")
    amount: Decimal = Field(gt=0, description="Yuan financed", max_digits=12, decimal_places=2)
    term_months: int = Field(ge=1, le=120)
    down_payment: Decimal = Field(ge=0, description="Yuan", max_digits=12, decimal_places=2)
    rate: Decimal = Field(
        ge=0, le=36, max_digits=6, decimal_places=3, description="The customer's rate, % a year"
    )


class ApproveLoan(Command):
    conditions: str = Field(
        default="", max_length=1000, description="What the lender asks before funding"
    )
    lender_reference: str | None = _REFERENCE


class DeclineLoan(Command):
    reason: str = Field(min_length=1, max_length=500)
    lender_reference: str | None = _REFERENCE


class FundLoan(Command):
    income: Decimal = Field(
        ge=0,
        description="The dealer's reserve or participation (yuan): F&I income",
        max_digits=12,
        decimal_places=2,
    )
    income_basis: IncomeBasis = IncomeBasis.RESERVE
    lender_reference: str | None = _REFERENCE


class WithdrawLoan(Command):
    reason: str = Field(min_length=1, max_length=500)


class LoanApplicationOut(BaseModel):
    application_id: UUID
    deal_id: UUID
    store_id: UUID
    salesperson_id: UUID
    lender: str
    amount: Decimal
    term_months: int
    down_payment: Decimal
    rate: Decimal = Field(description="% a year")
    status: LoanStatus
    conditions: str | None
    reason: str | None = Field(description="Why declined or withdrawn")
    lender_reference: str | None = Field(description="The reference of the last answer")
    income: Decimal | None = Field(description="Dealer income once funded")
    income_basis: IncomeBasis | None
    submitted_at: datetime | None
    answered_at: datetime | None
    funded_at: datetime | None
    deal_status: str | None = Field(description="The deal's status now")
    funded_since: bool = Field(
        default=False, description="Another loan of the same deal was funded since"
    )
    version: int
