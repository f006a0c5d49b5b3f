from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import Command, Strict


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
