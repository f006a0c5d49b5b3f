"""Export jobs: request a month's spreadsheet, follow it, download it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import MONTH_PATTERN, Strict
from domain.reporting.model import ExportKind, ExportStatus, Language


class RequestExport(Strict):
    month: str = Field(
        pattern=MONTH_PATTERN, description="The month to export, YYYY-MM", examples=["2026-05"]
    )
    store_id: UUID | None = Field(
        default=None,
        description="One store; leave out for the whole group (a store manager: the own store)",
    )
    language: Language = Field(default=Language.EN, description="Column headers: en or zh")


class ExportOut(BaseModel):
    id: UUID
    version: int
    kind: ExportKind
    month: str
    store_id: UUID | None
    language: Language
    status: ExportStatus
    attempts: int
    requested_by: str
    requested_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    failed_at: datetime | None
    file_name: str | None
    size: int | None = Field(description="Bytes of the file, once completed")
    sha256: str | None = Field(description="Hex SHA-256 of the file, once completed")
    rows: int | None = Field(description="Salesperson rows in the KPI sheet, once completed")
    error: str | None
    download: str | None = Field(description="Path of the file, once completed")
