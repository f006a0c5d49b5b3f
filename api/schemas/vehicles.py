from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import Command, Strict
from domain.shared.values import Condition, with_check_digit

Money = Decimal


class ReceiveVehicle(Strict):
    store_id: UUID
    vin: str = Field(
        min_length=17,
        max_length=17,
        description="17 characters of 0-9 and A-Z without I, O, Q; its check digit (the 9th"
        " character, ISO 3779) is verified",
        examples=[with_check_digit("LSVAU2180N2183294")],
    )
    make: str = Field(min_length=1, max_length=60)
    model: str = Field(min_length=1, max_length=60)
    trim: str = Field(min_length=1, max_length=60)
    colour: str = Field(min_length=1, max_length=60)
    model_year: int = Field(ge=1990, le=2100)
    condition: Condition = Condition.NEW
    cost: Money = Field(ge=0, max_digits=12, decimal_places=2)
    list_price: Money = Field(ge=0, max_digits=12, decimal_places=2)
    received_on: date | None = None
    occurred_at: AwareDatetime | None = None


class TransferVehicle(Command):
    to_store_id: UUID


class RepriceVehicle(Command):
    list_price: Money = Field(ge=0, max_digits=12, decimal_places=2)


class VehicleLine(BaseModel):
    """A vehicle in the stock list, with its age on the list's day."""

    id: UUID
    vin: str
    store_id: UUID
    make: str
    model: str
    trim: str
    colour: str
    model_year: int
    condition: str
    status: str
    list_price: Decimal
    sold_price: Decimal | None = None
    cost: Decimal | None = Field(description="Hidden from salespeople")
    received_on: date
    age_days: int
    deal_id: UUID | None


class VehicleOut(VehicleLine):
    """One vehicle (its list line and its version)."""

    version: int


class VehiclePage(BaseModel):
    items: list[VehicleLine]
    total: int
    limit: int
    offset: int
    as_of: date | None = Field(default=None, description="The day ages count to")
