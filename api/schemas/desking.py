"""Desking: a store's approval rules, approval requests and decisions, structure and order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import Command, Strict
from domain.sales.desking import ApprovalLevel, ApprovalRules

Share = Annotated[Decimal, Field(gt=0, lt=1, max_digits=5, decimal_places=4)]


class ApprovalRulesIn(Strict):
    """Shares of list price (0.05 = 5 %); leave a step out to switch it off."""

    discount_team_leader: Share | None = None
    discount_manager: Share | None = None
    discount_general_manager: Share | None = None
    floor_level: ApprovalLevel = ApprovalLevel.MANAGER
    floor_prices: dict[str, Decimal] = Field(
        default_factory=dict, description="Floor price (底价) per model name", max_length=200
    )
    loss_level: ApprovalLevel = ApprovalLevel.GENERAL_MANAGER
    loss_rule: bool = Field(default=True, description="Whether a negative front gross needs it")


class ApprovalRulesOut(BaseModel):
    store_id: UUID
    discount_team_leader: Decimal | None
    discount_manager: Decimal | None
    discount_general_manager: Decimal | None
    floor_level: ApprovalLevel
    floor_prices: dict[str, Decimal]
    loss_level: ApprovalLevel
    loss_rule: bool

    @classmethod
    def of(cls, store_id: UUID, rules: ApprovalRules) -> ApprovalRulesOut:
        return cls(
            store_id=store_id,
            discount_team_leader=rules.discount_team_leader,
            discount_manager=rules.discount_manager,
            discount_general_manager=rules.discount_general_manager,
            floor_level=rules.floor_level,
            floor_prices=dict(rules.floor_prices),
            loss_level=rules.loss_level,
            loss_rule=rules.loss_rule,
        )


class RequestApproval(Command):
    note: str | None = Field(default=None, max_length=500)


class ApproveQuote(Command):
    """Nothing is required: the body may be left out."""

    note: str | None = Field(default=None, max_length=500)


class RefuseQuote(Command):
    reason: str = Field(min_length=1, max_length=500)


class SetStructure(Command):
    down_payment: Decimal = Field(ge=0, max_digits=12, decimal_places=2)


class PlaceOrder(Command):
    deposit: Decimal = Field(gt=0, max_digits=12, decimal_places=2)


class CancelOrder(Command):
    reason: str = Field(min_length=1, max_length=500)


class ApprovalOut(BaseModel):
    """Where the deal's current quote stands: what the store's rules need, and the request."""

    deal_id: UUID
    needed_level: ApprovalLevel | None
    reasons: list[str]
    status: str | None = Field(description="pending, approved, refused, or none asked")
    requested_level: ApprovalLevel | None
    decided_level: ApprovalLevel | None
    decision_note: str | None
    may_sign: bool = Field(description="Whether a contract (or an order) would be accepted now")
    down_payment: Decimal | None
    amount_financed: Decimal | None
    order_deposit: Decimal | None


class ApprovalLine(BaseModel):
    deal_id: UUID
    store_id: UUID
    salesperson_id: UUID
    vehicle: str | None
    vin: str | None
    list_price: Decimal | None
    price: Decimal | None
    discount: Decimal | None
    selling_price: Decimal | None
    off_list_percent: Decimal | None
    front_gross: Decimal | None = Field(description="Shown only to those who see cost")
    status: str
    level: str | None
    reasons: list[str]
    note: str | None
    requested_at: datetime | None
    requested_by: str | None
    age_hours: int
    decided_at: datetime | None
    decided_level: str | None
    decision_note: str | None
    deal_status: str
