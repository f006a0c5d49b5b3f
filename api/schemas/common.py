"""Schemas shared by every context."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from fastapi import Query
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from domain.app import Written as DomainWritten
from domain.shared import clock, months
from domain.shared.errors import InvalidValueError

T = TypeVar("T")


MONTH_PATTERN = months.PATTERN
RANGE = "from 2000 to two years ahead"


def _month_in_range(value: str | None) -> str | None:
    # The domain's own rule (months.parse), as a ValueError: a schema error, never a 500.
    try:
        return None if value is None else months.parse(value)
    except InvalidValueError as error:
        raise ValueError(error.detail) from None


def _day_in_range(value: date | None) -> date | None:
    try:
        return None if value is None else clock.plausible_day(value, "as_of")
    except InvalidValueError as error:
        raise ValueError(error.detail) from None


# The one type of a month in a query (`?month=2026-11`): YYYY-MM, 2000-01 to two years ahead.
MonthQuery = Annotated[
    str,
    Query(pattern=MONTH_PATTERN, description=f"YYYY-MM, {RANGE}", examples=["2026-11"]),
    AfterValidator(_month_in_range),
]
OptionalMonthQuery = Annotated[
    str | None,
    Query(pattern=MONTH_PATTERN, description=f"YYYY-MM, {RANGE}", examples=["2026-11"]),
    AfterValidator(_month_in_range),
]
# The one type of a report's date in a query (`?as_of=2026-11-30`): 2000-01-01 to two years ahead.
ReportDateQuery = Annotated[
    date | None,
    Query(description=f"YYYY-MM-DD, {RANGE} (default: today in Shanghai)"),
    AfterValidator(_day_in_range),
]


class Strict(BaseModel):
    """Request bodies refuse unknown fields: a typo is an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Command(Strict):
    """A state change: optimistic `expected_version` and optional business time."""

    expected_version: int | None = Field(
        default=None, ge=1, description="Refuse with 409 unless the record is at this version"
    )
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When it happened on the floor (default: now)"
    )


class Written(BaseModel):
    id: UUID
    version: int
    position: int

    @classmethod
    def of(cls, written: DomainWritten) -> Written:
        return cls(id=written.id, version=written.version, position=written.position)


class PageOf(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, result: Mapping[str, Any], limit: int, offset: int) -> PageOf[T]:
        """A page from a view query's `{items, total}` answer."""
        return cls(items=result["items"], total=result["total"], limit=limit, offset=offset)

    @classmethod
    def empty(cls, limit: int, offset: int) -> PageOf[T]:
        return cls(items=[], total=0, limit=limit, offset=offset)


class StoppedView(BaseModel):
    name: str
    position: int = Field(description="The log position of the event it failed on")


class HealthOut(BaseModel):
    status: str = Field(description="ok, or degraded while a view is stopped")
    views: list[StoppedView] | None = Field(default=None, description="The stopped views")
