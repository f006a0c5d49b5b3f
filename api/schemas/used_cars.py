"""Used cars: acquisition, recon work orders, front line, wholesale, aged policy, gross."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import Command, Strict
from domain.shared.values import with_check_digit

Money = Decimal


class AcquireUsedCar(Strict):
    store_id: UUID
    source: Literal["private", "auction", "transfer"]
    seller: str = Field(min_length=1, max_length=120)
    vin: str = Field(min_length=17, max_length=17, examples=[with_check_digit("LFV2A21K0P4123456")])
    make: str = Field(min_length=1, max_length=60)
    model: str = Field(min_length=1, max_length=60)
    trim: str = Field(default="", max_length=60)
    colour: str = Field(default="", max_length=60)
    model_year: int = Field(ge=1990, le=2100)
    cost: Money = Field(gt=0, max_digits=12, decimal_places=2)
    list_price: Money = Field(gt=0, max_digits=12, decimal_places=2)
    received_on: date | None = None
    occurred_at: AwareDatetime | None = None


class OpenReconOrder(Command):
    workshop: str = Field(min_length=1, max_length=120, description="A vendor or own workshop")
    opened_on: date | None = None


class AddReconItem(Command):
    description: str = Field(min_length=1, max_length=200)
    vendor: str = Field(default="", max_length=120)
    cost: Money = Field(ge=0, max_digits=12, decimal_places=2)


class StartReconOrder(Command):
    started_on: date | None = None


class FinishReconOrder(Command):
    finished_on: date | None = None


class FrontLineReady(Command):
    ready_on: date | None = None


class WholesaleUsedCar(Command):
    buyer: str = Field(min_length=1, max_length=120)
    buyer_kind: Literal["dealer", "auction"]
    price: Money = Field(gt=0, max_digits=12, decimal_places=2)
    sold_on: date | None = None


class ReconOrderWritten(BaseModel):
    """The vehicle written (id, version, position) and the new order's id."""

    id: UUID
    version: int
    position: int
    order_id: UUID


class PriceStepIn(Strict):
    days: int = Field(ge=1, le=3650, description="From this age (days since acquisition) on")
    percent_off: Decimal = Field(gt=0, lt=100, max_digits=5, decimal_places=2)


class SetUsedCarPolicy(Strict):
    steps: list[PriceStepIn] = Field(default_factory=list, max_length=10)
    wholesale_at_days: int | None = Field(default=None, ge=1, le=3650)
    occurred_at: AwareDatetime | None = None


class UsedCarPolicyOut(BaseModel):
    store_id: UUID
    steps: list[PriceStepIn]
    wholesale_at_days: int | None


class ReconItemOut(BaseModel):
    description: str
    vendor: str
    cost: Decimal | None


class ReconOrderOut(BaseModel):
    order_id: UUID
    workshop: str
    status: str
    opened_on: date
    started_on: date | None
    finished_on: date | None
    cost: Decimal | None = Field(description="Hidden from salespeople")
    items: list[ReconItemOut]


class UsedCarOut(BaseModel):
    id: UUID
    version: int
    vin: str
    store_id: UUID
    make: str
    model: str
    model_year: int
    status: str
    source: str
    received_on: date
    front_line_ready: bool
    ready_on: date | None
    t2l_days: int | None
    list_price: Decimal
    cost: Decimal | None = Field(description="With recon; hidden from salespeople")
    recon_cost: Decimal | None
    recon_orders: list[ReconOrderOut]


class UsedCarLine(BaseModel):
    id: UUID
    vin: str
    store_id: UUID
    make: str
    model: str
    trim: str
    colour: str
    model_year: int
    source: str
    status: str
    received_on: date
    age_days: int
    front_line_ready: bool
    ready_on: date | None
    t2l_days: int
    in_recon: bool
    open_orders: int
    list_price: Decimal
    asking_price: Decimal
    step_days: int | None
    step_percent_off: Decimal | None
    suggested_price: Decimal | None
    wholesale_due: bool
    acquisition_cost: Decimal | None
    recon_cost: Decimal | None
    cost: Decimal | None


class UsedCarPage(BaseModel):
    items: list[UsedCarLine]
    total: int
    limit: int
    offset: int
    as_of: date


class DisposalPart(BaseModel):
    units: int
    gross: Decimal


class RetailPart(DisposalPart):
    t2l_days_mean: Decimal | None


class UsedGrossOut(BaseModel):
    month: str
    store_id: UUID | None
    retail: RetailPart
    wholesale: DisposalPart
