"""Pay periods: open/close/approve/pay, statements and their lines, explain, what-if, exports."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import MONTH_PATTERN, Command, Strict, Written
from api.schemas.four_eyes import ApprovalRequestOut, ProposalOut
from domain.pay.periods import DEFAULT_PROTECTION_DAYS, MAX_PROTECTION_DAYS
from domain.reporting.model import Language

Amount = Decimal


# --- requests -----------------------------------------------------------------------------------


class OpenPeriod(Strict):
    store_id: UUID | None = Field(
        default=None, description="The store whose salespeople it pays; leave out for the group"
    )
    month: str = Field(pattern=MONTH_PATTERN, examples=["2026-05"])
    protection_days: int = Field(
        default=DEFAULT_PROTECTION_DAYS,
        ge=0,
        le=MAX_PROTECTION_DAYS,
        description="No chargeback for a deal reversed more than this many days after delivery",
    )
    occurred_at: AwareDatetime | None = None


class StepPeriod(Command):
    pass


class ReopenPeriod(Command):
    reason: str = Field(min_length=1, max_length=500)


class RecordPayment(Command):
    reference: str = Field(
        min_length=1, max_length=100, description="Payroll's reference, e.g. the bank batch"
    )


class AddAdjustment(Command):
    salesperson_id: UUID
    amount: Decimal = Field(
        max_digits=12, decimal_places=2, description="Plus or minus, in CNY", examples=["-300.00"]
    )
    reason: str = Field(min_length=1, max_length=500)


class DisputeWritten(Written):
    """A dispute raised: the period written, and the dispute's id (to resolve it)."""

    dispute_id: UUID


class RaiseDispute(Strict):
    line: int = Field(ge=1, description="The number of the disputed line on your statement")
    reason: str = Field(min_length=1, max_length=1000)
    occurred_at: AwareDatetime | None = None


class ResolveDispute(Strict):
    resolution: str = Field(min_length=1, max_length=1000)
    adjustment_amount: Decimal | None = Field(
        default=None,
        max_digits=12,
        decimal_places=2,
        description="Pay this much more (or less); lands in this period until it is approved,"
        " else in the next open period",
    )
    occurred_at: AwareDatetime | None = None


class WhatIf(Strict):
    components: list[dict[str, Any]] | None = Field(
        default=None,
        max_length=50,
        description="A draft plan's components (as for a plan version), applied instead of"
        " each person's plan",
    )
    tiers: list[dict[str, Any]] | None = Field(
        default=None,
        max_length=30,
        description="A new tier table for each person's volume-tier component",
    )
    tier_component: str | None = Field(
        default=None,
        description="Which volume-tier component the tiers replace (default: the first)",
    )
    staff_ids: list[UUID] | None = Field(
        default=None, max_length=5000, description="Only these salespeople (default: everyone)"
    )


class RequestPayoutExport(Strict):
    language: Language = Field(default=Language.EN, description="Column headers: en or zh")
    format: Literal["xlsx", "csv"] = Field(
        default="xlsx", description="xlsx: finance's workbook; csv: payroll import"
    )


# --- answers ------------------------------------------------------------------------------------


class PartOut(BaseModel):
    deal_id: UUID
    product_id: UUID | None
    amount: Amount


class LinkOut(BaseModel):
    period_id: UUID
    salesperson_id: UUID
    n: int
    amount: Amount


class LineOut(BaseModel):
    n: int
    salesperson_id: UUID
    component_key: str
    component_type: str
    plan_id: UUID | None
    plan_version: int | None
    source_deal_ids: list[UUID]
    inputs: dict[str, Any] = Field(description="Every number the formula used")
    formula: str
    amount: Amount
    parts: list[PartOut] = Field(default=[], description="What the line paid per deal")
    links: list[LinkOut] = Field(default=[], description="A chargeback's original lines")


class TierOut(BaseModel):
    component_key: str
    mode: str
    units: Decimal
    current_threshold: Decimal | None
    next_threshold: Decimal | None
    units_to_next: Decimal | None
    pays_now: Amount
    next_unit_pays: Amount


class StatementSummary(BaseModel):
    salesperson_id: UUID
    store_id: UUID | None
    month: str
    plan_id: UUID | None
    plan_version: int | None
    plan_name: str
    units: Decimal
    commission_gross: Amount
    back_gross: Amount
    components: dict[str, Amount]
    earnings: Amount
    draw_recovery: Amount
    adjustments: Amount
    chargebacks: Amount
    total: Amount
    deficit_out: Amount = Field(description="Draw deficit carried to the next period")
    tiers: list[TierOut]


class StatementOut(StatementSummary):
    draw: dict[str, Any] | None
    lines: list[LineOut]


class TotalsOut(BaseModel):
    salespeople: int
    units: Decimal
    commission_gross: Amount
    back_gross: Amount
    earnings: Amount
    draw_recovery: Amount
    adjustments: Amount
    chargebacks: Amount
    total: Amount
    components: dict[str, Amount]


class AdjustmentOut(BaseModel):
    adjustment_id: UUID
    salesperson_id: UUID
    amount: Amount
    reason: str
    approver: str
    dispute_id: UUID | None
    origin_period_id: UUID | None
    occurred_at: datetime


class DisputeOut(BaseModel):
    dispute_id: UUID
    salesperson_id: UUID
    line_ref: str
    reason: str
    status: str
    raised_at: datetime
    resolution: str | None
    adjustment_amount: Amount | None
    adjustment_period_id: UUID | None
    resolved_at: datetime | None


class PeriodOut(BaseModel):
    id: UUID
    version: int
    store_id: UUID | None
    scope: str
    month: str
    status: str
    protection_days: int
    opened_at: datetime
    known_at: datetime | None = Field(description="Figures are as the log knew them then")
    approved_at: datetime | None
    content_hash: str | None = Field(description="SHA-256 of the approved snapshot")
    totals: TotalsOut | None = Field(
        description="Sums over every statement (only for those who may see them all);"
        " provisional until approved"
    )
    export_ids: list[UUID]
    paid_reference: str | None
    adjustments: list[AdjustmentOut] = Field(description="The adjustments that count")
    disputes: list[DisputeOut]
    proposals: list[ProposalOut] = Field(
        default_factory=list,
        description="Adjustments above the threshold proposed for a second person (any state)",
    )
    approval_request: ApprovalRequestOut | None = Field(
        default=None, description="An approval requested and waiting for a second person"
    )


class PeriodLine(BaseModel):
    id: UUID
    store_id: UUID | None
    scope: str
    month: str
    status: str
    protection_days: int
    known_at: datetime | None
    approved_at: datetime | None
    content_hash: str | None
    salespeople: int | None
    total: Amount | None
    open_disputes: int
    version: int


class EventOut(BaseModel):
    version: int
    type: str
    occurred_at: str | None = Field(description="Business time")
    recorded_at: str | None = Field(description="Record time")
    actor: str | None
    data: dict[str, Any]


class SourceOut(BaseModel):
    aggregate_id: UUID
    kind: str = Field(description="deal, evaluation or pay period")
    events: list[EventOut]


class ExplainOut(BaseModel):
    period_id: UUID
    month: str
    status: str
    salesperson_id: UUID
    line: LineOut
    plan_id: UUID | None
    plan_version: int | None
    plan_name: str
    known_at: datetime | None
    sources: list[SourceOut] = Field(description="The records behind the line and their events")


class VerificationOut(BaseModel):
    period_id: UUID
    equal: bool
    snapshot_hash: str
    recomputed_hash: str
    differences: list[UUID] = Field(description="Salespeople whose statements differ")


class WhatIfLine(BaseModel):
    salesperson_id: UUID
    store_id: UUID | None
    old_plan: str | None
    new_plan: str | None
    units: Decimal
    old_total: Amount
    new_total: Amount
    difference: Amount


class WhatIfOut(BaseModel):
    period_id: UUID
    month: str
    draft: list[dict[str, Any]] | None
    people: list[WhatIfLine]
    old_total: Amount
    new_total: Amount
    difference: Amount


class MyPayOut(BaseModel):
    salesperson_id: UUID
    month: str
    period_id: UUID | None
    period_status: str | None = Field(description="None: no pay period is open for the month")
    total: Amount = Field(description="Pay to date")
    units: Decimal
    current_tier: TierOut | None
    units_to_next_tier: Decimal | None
    next_unit_pays: Amount | None = Field(description="What one more unit would add")
    statement: StatementOut
