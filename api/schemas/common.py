"""Schemas shared by every context."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.app import Written as DomainWritten

T = TypeVar("T")


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
