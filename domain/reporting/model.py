"""Exports: a spreadsheet of a month's figures, requested by a user and built by a worker."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from domain.reporting.errors import ExportAlreadyCompletedError, ExportNotReadyError
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import IllegalTransitionError, InvalidValueError
from domain.shared.values import scrubbed


class ExportStatus(StrEnum):
    REQUESTED = "requested"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class ExportKind(StrEnum):
    KPI_MONTH = "kpi_month"
    # A pay period's payouts (the period is the one of the export's store/group and month).
    PAYOUT_WORKBOOK = "payout_workbook"
    PAYOUT_CSV = "payout_csv"


class Language(StrEnum):
    EN = "en"
    ZH = "zh"


MAX_ERROR_LENGTH = 2000


def language(value: str) -> Language:
    try:
        return Language(value)
    except ValueError:
        allowed = ", ".join(m.value for m in Language)
        raise InvalidValueError(f"language must be one of {allowed}") from None


class Export(ShowroomAggregate):
    """One export job: requested → running (once per attempt) → completed | failed."""

    class Requested(ShowroomAggregate.Created):
        kind: str
        month: str
        store_id: UUID | None
        language: str
        requested_by: str

    class Started(ShowroomAggregate.Event):
        attempt: int

    class Completed(ShowroomAggregate.Event):
        file_name: str
        size: int
        sha256: str
        rows: int

    class Failed(ShowroomAggregate.Event):
        error: str

    @event(Requested)
    def __init__(
        self,
        kind: str,
        month: str,
        store_id: UUID | None,
        language: str,
        requested_by: str,
        occurred_at: datetime,
    ) -> None:
        self.kind, self.month, self.store_id = ExportKind(kind), month, store_id
        self.language, self.requested_by = Language(language), requested_by
        self.status = ExportStatus.REQUESTED
        self.requested_at = occurred_at
        self.attempts = 0
        self.started_at: datetime | None = None
        self.finished_at: datetime | None = None
        self.file_name: str | None = None
        self.size: int | None = None
        self.sha256: str | None = None
        self.rows: int | None = None
        self.error: str | None = None

    @property
    def scope(self) -> str:
        """'group', or 'store-<first 8 hex digits of the store id>' (file names)."""
        return "group" if self.store_id is None else f"store-{self.store_id.hex[:8]}"

    @property
    def done(self) -> bool:
        return self.status in (ExportStatus.COMPLETED, ExportStatus.FAILED)

    # --- commands -------------------------------------------------------------------------

    def start(self, occurred_at: datetime) -> None:
        """Record one more attempt; a retry after a failed attempt starts again."""
        if self.status is ExportStatus.COMPLETED:
            raise ExportAlreadyCompletedError(self.id)
        if self.status is ExportStatus.FAILED:
            raise IllegalTransitionError("export", self.id, self.status.value, "start")
        self._start(attempt=self.attempts + 1, occurred_at=occurred_at)

    @event(Started)
    def _start(self, attempt: int, occurred_at: datetime) -> None:
        self.status, self.attempts, self.started_at = ExportStatus.RUNNING, attempt, occurred_at

    def complete(
        self, file_name: str, size: int, sha256: str, rows: int, occurred_at: datetime
    ) -> None:
        if self.status is ExportStatus.COMPLETED:
            raise ExportAlreadyCompletedError(self.id)
        if self.status is not ExportStatus.RUNNING:
            raise IllegalTransitionError("export", self.id, self.status.value, "complete")
        if not file_name.strip():
            raise InvalidValueError("file_name must not be blank")
        if size <= 0 or rows < 0:
            raise InvalidValueError("an export file has a positive size and no negative rows")
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise InvalidValueError("sha256 must be 64 lower-case hex digits")
        self._complete(
            file_name=file_name, size=size, sha256=sha256, rows=rows, occurred_at=occurred_at
        )

    @event(Completed)
    def _complete(
        self, file_name: str, size: int, sha256: str, rows: int, occurred_at: datetime
    ) -> None:
        self.status, self.finished_at = ExportStatus.COMPLETED, occurred_at
        self.file_name, self.size, self.sha256, self.rows = file_name, size, sha256, rows

    def fail(self, error: str, occurred_at: datetime) -> None:
        if self.status is ExportStatus.COMPLETED:
            raise ExportAlreadyCompletedError(self.id)
        if self.status is ExportStatus.FAILED:
            raise IllegalTransitionError("export", self.id, self.status.value, "fail")
        reason = scrubbed(error).strip() or "unknown error"
        self._fail(error=reason[:MAX_ERROR_LENGTH], occurred_at=occurred_at)

    @event(Failed)
    def _fail(self, error: str, occurred_at: datetime) -> None:
        self.status, self.finished_at, self.error = ExportStatus.FAILED, occurred_at, error

    def ensure_downloadable(self) -> None:
        """Only a completed export has a file."""
        if self.status is not ExportStatus.COMPLETED:
            raise ExportNotReadyError(self.id, self.status.value)
