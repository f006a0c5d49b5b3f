"""Schemas of the floor rotation (docs/floor-rotation.md)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import Strict


class RotationMember(BaseModel):
    staff_id: UUID
    place: int = Field(description="1 = first in line")
    with_customer: bool


class RotationTake(BaseModel):
    turn: int
    staff_id: UUID
    at: datetime
    lead_id: UUID | None
    returned: bool = Field(description="The turn went back: the customer was someone else's")


class RotationOut(BaseModel):
    store_id: UUID
    day: date = Field(description="The store's local date")
    version: int = Field(description="0 while nobody has checked in today")
    up: UUID | None = Field(description="Who takes the next walk-in")
    after: list[UUID] = Field(description="The free people after the one up, in turn order")
    line: list[RotationMember]
    takes: list[RotationTake]


class StaffChoice(Strict):
    staff_id: UUID | None = Field(default=None, description="Someone else (managers); default: me")


class CheckOut(StaffChoice):
    reason: str = Field(default="", max_length=200)


class WithCustomer(StaffChoice):
    busy: bool = Field(description="True: with a customer (out of turn); false: free again")


class Skip(Strict):
    staff_id: UUID
    reason: str = Field(min_length=1, max_length=200)
    expected_version: int | None = Field(default=None, ge=1)


class Move(Strict):
    staff_id: UUID
    place: int = Field(ge=1, le=500, description="1 = up next")
    expected_version: int | None = Field(default=None, ge=1)


class WalkInIn(Strict):
    customer_name: str = Field(min_length=1, max_length=100)
    customer_phone: str = Field(min_length=1, max_length=40)
    model_interest: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=2000)


class WalkInOut(BaseModel):
    id: UUID = Field(description="The rotation")
    version: int
    position: int
    staff_id: UUID = Field(description="Who took the walk-in")
    turn: int
    lead_id: UUID
