"""Errors of the reporting context."""

from __future__ import annotations

from uuid import UUID

from domain.shared.errors import ConflictError


class ExportNotReadyError(ConflictError):
    """The file of an export that has not completed (yet) was asked for (HTTP 409)."""

    title = "Export not ready"

    def __init__(self, ident: UUID, status: str) -> None:
        super().__init__(
            f"export {ident} is {status}: its file exists once it has completed",
            id=str(ident),
            export_status=status,
        )


class ExportAlreadyCompletedError(ConflictError):
    """A completed export is final: it is neither started nor completed again (HTTP 409)."""

    title = "Export already completed"

    def __init__(self, ident: UUID) -> None:
        super().__init__(f"export {ident} has already completed", id=str(ident))
