"""Stock pipeline and reports: OEM orders, transfers with an approval, stock settings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import IntEnum
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import Command, Strict
from domain.shared.values import with_check_digit


class Window(IntEnum):
    """The sales window of days' supply and guidance: 30 or 90 days, stated in the answer."""

    DAYS_30 = 30
    DAYS_90 = 90


Level = Literal["model", "trim", "colour"]
ConditionFilter = Literal["new", "used"]
_VIN = Field(
    min_length=17,
    max_length=17,
    description="17 characters; its check digit (ISO 3779) is verified",
    examples=[with_check_digit("LSVAU2180N2183294")],
)
_MONEY = Field(ge=0, max_digits=12, decimal_places=2)


class PlaceOrder(Strict):
    store_id: UUID
    make: str = Field(min_length=1, max_length=60)
    model: str = Field(min_length=1, max_length=60)
    trim: str = Field(default="", max_length=60)
    colour: str = Field(default="", max_length=60)
    model_year: int = Field(ge=1990, le=2100)
    ordered_on: date | None = None
    occurred_at: AwareDatetime | None = None


class AllocateOrder(Command):
    vin: str = _VIN
    cost: Decimal = _MONEY
    list_price: Decimal = _MONEY
    allocated_on: date | None = None


class ShipOrder(Command):
    expected_on: date = Field(description="The day the vehicle is expected at the store")
    shipped_on: date | None = None


class ReceiveOrder(Command):
    vin: str = _VIN
    received_on: date | None = None


class CancelOrder(Command):
    reason: str = Field(min_length=1, max_length=500)


class OrderOut(BaseModel):
    id: UUID
    version: int
    store_id: UUID
    make: str
    model: str
    trim: str
    colour: str
    model_year: int
    status: str
    ordered_on: date
    vin: str | None
    cost: Decimal | None
    list_price: Decimal | None
    expected_on: date | None
    vehicle_id: UUID | None


class RequestTransfer(Command):
    to_store_id: UUID
    cost: Decimal = Field(ge=0, max_digits=12, decimal_places=2, description="Freight, driver")
    reason: str = Field(default="", max_length=500)


class ApproveTransfer(Command):
    pass


class RefuseTransfer(Command):
    reason: str = Field(min_length=1, max_length=500)


class ShipTransfer(Command):
    expected_on: date
    shipped_on: date | None = None


class ReceiveTransfer(Command):
    arrived_on: date | None = None


class StockSettingsIn(Strict):
    aged_days: int = Field(ge=1, le=730, description="Days since acquisition a car is aged at")
    target_days: int = Field(ge=1, le=365, description="Days' supply guidance orders up to")
    expected_version: int | None = Field(default=None, ge=0)


class StockSettingsOut(BaseModel):
    store_id: UUID
    aged_days: int
    target_days: int
    version: int


class SupplyLine(BaseModel):
    store_id: UUID
    make: str
    model: str
    trim: str | None = None
    colour: str | None = None
    units: int
    sold: int
    daily_sales: Decimal | None
    days_supply: Decimal | None = Field(description="None when nothing sold in the window")


class DaysSupplyOut(BaseModel):
    as_of: date
    window_days: int
    window_from: date
    level: str
    condition: str | None
    items: list[SupplyLine]


class TurnoverLine(BaseModel):
    store_id: UUID
    opening_units: int
    closing_units: int
    average_units: Decimal
    units_retailed: int
    unit_turnover: Decimal | None
    unit_turnover_annualised: Decimal | None
    opening_cost: Decimal | None
    closing_cost: Decimal | None
    average_cost: Decimal | None
    cost_of_sales: Decimal | None
    turnover: Decimal | None
    turnover_annualised: Decimal | None


class TurnoverOut(BaseModel):
    month: str
    condition: str | None
    items: list[TurnoverLine]


class GuidanceLine(BaseModel):
    store_id: UUID
    make: str
    model: str
    trim: str
    colour: str
    sold: int
    daily_sales: Decimal
    target_days: int
    target_units: Decimal
    on_hand: int
    on_order: int
    in_transit: int
    aged: int
    aged_days: int
    oldest_age_days: int | None
    suggested: int
    held_for_aging: bool


class GuidanceOut(BaseModel):
    as_of: date
    window_days: int
    window_from: date
    condition: str
    items: list[GuidanceLine]


class AgingCount(BaseModel):
    vehicles: int
    cost: Decimal | None


class AgingBucket(AgingCount):
    bucket: str


class AgingLine(BaseModel):
    store_id: UUID
    aged_days: int
    buckets: list[AgingBucket]
    aged: AgingCount
    total: AgingCount


class AgingOut(BaseModel):
    as_of: date
    condition: str | None
    items: list[AgingLine]


class InboundLine(BaseModel):
    kind: str
    id: UUID
    store_id: UUID
    from_store_id: UUID | None
    make: str
    model: str
    trim: str
    colour: str
    status: str
    vin: str | None
    cost: Decimal | None
    model_year: int | None
    ordered_on: date | None
    expected_on: date | None
    reason: str | None
    version: int


class PipelineOut(BaseModel):
    items: list[InboundLine]
