from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import Command, Strict
from api.schemas.common import Written as WrittenOut
from domain.sales.model import ProductKind


class OpenDeal(Strict):
    store_id: UUID
    customer_id: UUID
    salesperson_id: UUID | None = None
    lead_id: UUID | None = Field(default=None, description="Converts this open lead")
    occurred_at: AwareDatetime | None = None


class AttachVehicle(Command):
    vehicle_id: UUID


class QuoteDeal(Command):
    price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    discount: Decimal = Field(default=Decimal(0), ge=0, max_digits=12, decimal_places=2)


class StepDeal(Command):
    pass


class CloseDeal(Command):
    reason: str = Field(min_length=1, max_length=500)


class CreditIn(Strict):
    salesperson_id: UUID
    share: Decimal = Field(gt=0, le=1, max_digits=3, decimal_places=2, examples=["0.5"])


class SplitCredit(Command):
    credits: list[CreditIn] = Field(
        min_length=1,
        max_length=4,
        description="Salespeople of the deal's store and their shares (> 0, two decimals, "
        "summing to 1); the deal's own salesperson keeps a share",
    )


class AddProduct(Command):
    product_id: UUID | None = Field(
        default=None, description="The product's id on the deal (default: a new one)"
    )
    kind: ProductKind
    provider: str | None = Field(
        default=None, max_length=100, description="Lender, insurer or warranty company"
    )
    amount: Decimal | None = Field(
        default=None,
        ge=0,
        max_digits=12,
        decimal_places=2,
        description="Loan amount (finance, required), premium or price",
    )
    income: Decimal | None = Field(
        default=None,
        max_digits=12,
        decimal_places=2,
        description="Dealer income (required but for accessories, where it is revenue − cost)",
    )
    revenue: Decimal | None = Field(
        default=None, ge=0, max_digits=12, decimal_places=2, description="Accessories only"
    )
    cost: Decimal | None = Field(
        default=None, ge=0, max_digits=12, decimal_places=2, description="Accessories only"
    )


class CancelProduct(Command):
    product_id: UUID
    reason: str = Field(min_length=1, max_length=500)


class ProductWritten(WrittenOut):
    """A product added: the deal written, and the product's id on it."""

    product_id: UUID


class CreditOut(BaseModel):
    salesperson_id: UUID
    share: Decimal


class ProductOut(BaseModel):
    product_id: UUID
    kind: ProductKind
    provider: str | None
    amount: Decimal
    income: Decimal
    revenue: Decimal
    cost: Decimal | None = Field(description="Accessories' cost; hidden from salespeople")
    added_at: datetime
    active: bool
    cancelled_at: datetime | None
    cancel_reason: str | None


class DealOut(BaseModel):
    id: UUID
    version: int
    store_id: UUID
    customer_id: UUID
    salesperson_id: UUID
    lead_id: UUID | None
    status: str
    vehicle_id: UUID | None
    vin: str | None
    list_price: Decimal | None
    price: Decimal | None
    discount: Decimal | None
    selling_price: Decimal | None
    front_gross: Decimal | None = Field(description="Selling price − vehicle cost")
    opened_at: datetime
    contracted_at: datetime | None
    delivered_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    credits: list[CreditOut] = Field(description="Who the deal is credited to, in what shares")
    products: list[ProductOut] = Field(description="F&I products and accessories, cancelled too")
    back_gross: Decimal = Field(description="Income of the products not cancelled")


class DealLine(BaseModel):
    """A deal in a list (the detail is GET /deals/{id})."""

    id: UUID
    store_id: UUID
    customer_id: UUID
    salesperson_id: UUID
    lead_id: UUID | None
    vehicle_id: UUID | None
    vin: str | None
    status: str
    price: Decimal | None
    discount: Decimal | None
    selling_price: Decimal | None
    front_gross: Decimal | None = Field(description="Selling price − vehicle cost")
    opened_at: datetime
    updated_at: datetime
