"""Answers of the reports: KPI table, leaderboard, lead funnel, stock positions and aging."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field


class KpiLine(BaseModel):
    salesperson_id: UUID
    name: str
    store_id: UUID | None = Field(description="Where they work now")
    leads_assigned: int
    first_responses: int
    response_seconds: int
    activities: int
    appointments_set: int
    appointments_shown: int
    deals_contracted: int
    units_delivered: Decimal = Field(
        description="Credited units delivered in the month as it stands now (an unwind takes"
        " its unit out of the month of the delivery): a half-split deal is 0.50"
    )
    units_paid: Decimal | None = Field(
        default=None,
        description="The units the month's approved pay statements counted, as known at the"
        " pay close (an unwind after the close stays paid and is charged back later); null"
        " until a pay period of the month is approved, and for a range of days",
    )
    revenue: Decimal = Field(description="Yuan, their credited share")
    front_gross: Decimal = Field(description="Yuan, their credited share")
    surveys: int
    survey_score: int
    avg_response_seconds: Decimal | None
    csi_average: Decimal | None


class KpiTableOut(BaseModel):
    month: str
    store_id: UUID | None
    date_from: date
    date_to: date
    items: list[KpiLine]
    total: int
    limit: int
    offset: int


class LeaderboardLine(BaseModel):
    rank: int = Field(description="Competition ranking by units then gross: 1, 1, 3")
    salesperson_id: UUID
    name: str
    store_id: UUID | None
    store_name: str
    units: Decimal
    gross: Decimal | None = Field(
        description="Front gross, their credited share (a salesperson sees only their own)"
    )
    revenue: Decimal


class LeaderboardOut(BaseModel):
    month: str
    store_id: UUID | None
    items: list[LeaderboardLine]
    total: int
    limit: int
    offset: int


class FunnelRates(BaseModel):
    contacted: Decimal | None
    appointment: Decimal | None
    shown: Decimal | None
    deal: Decimal | None
    delivered: Decimal | None
    overall: Decimal | None = Field(description="Delivered ÷ captured")


class FunnelLine(BaseModel):
    channel: str | None = Field(description="None in the total")
    captured: int
    contacted: int
    appointment: int
    shown: int
    deal: int
    delivered: int
    rates: FunnelRates


class FunnelOut(BaseModel):
    month: str
    store_id: UUID | None
    channels: list[FunnelLine]
    total: FunnelLine


class PositionLine(BaseModel):
    store_id: UUID
    make: str
    model: str
    trim: str
    colour: str
    in_stock: int
    reserved: int
    cost: Decimal | None = Field(description="Cost of the line's vehicles; hidden from salespeople")


class PositionsOut(BaseModel):
    items: list[PositionLine]
    total: int
    limit: int
    offset: int


class AgingBucket(BaseModel):
    bucket: str = Field(description="0-30, 31-60, 61-90 or 90+ days since acquisition")
    vehicles: int
    cost: Decimal | None = Field(description="Summed cost; hidden from salespeople")


class AgingTotal(BaseModel):
    vehicles: int
    cost: Decimal | None = Field(description="Summed cost; hidden from salespeople")


class AgingOut(BaseModel):
    as_of: date
    store_id: UUID | None
    buckets: list[AgingBucket]
    total: AgingTotal
