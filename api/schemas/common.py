"""Schemas shared by every context."""

from __future__ import annotations

from typing import Generic, TypeVar
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
