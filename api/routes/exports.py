"""Spreadsheet exports: request one (a worker builds it), poll it, download the file."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from api import access
from api.deps import ActorDep, ReportingDep, RuntimeDep
from api.schemas.common import Written
from api.schemas.exports import ExportOut, RequestExport
from domain.reporting.model import Export, ExportStatus
from workers import files, retention

router = APIRouter(prefix="/exports", tags=["exports"])

XLSX = files.XLSX_CONTENT_TYPE


def export_out(export: Export) -> ExportOut:
    completed = export.status is ExportStatus.COMPLETED
    failed = export.status is ExportStatus.FAILED
    return ExportOut(
        id=export.id,
        version=export.version,
        kind=export.kind,
        month=export.month,
        store_id=export.store_id,
        language=export.language,
        status=export.status,
        attempts=export.attempts,
        requested_by=export.requested_by,
        requested_at=export.requested_at,
        started_at=export.started_at,
        completed_at=export.finished_at if completed else None,
        failed_at=export.finished_at if failed else None,
        file_name=export.file_name,
        size=export.size,
        sha256=export.sha256,
        rows=export.rows,
        error=export.error,
        download=f"/exports/{export.id}/file" if completed else None,
    )


@router.post("", status_code=202)
def request_export(body: RequestExport, reporting: ReportingDep, actor: ActorDep) -> Written:
    """Ask for a month's KPI and leaderboard workbook; poll GET /exports/{id} until completed."""
    # The dispatcher sends the job from the log (workers/dispatcher.py), never this route.
    written = reporting.request_export(actor, body.month, body.store_id, body.language.value)
    return Written.of(written)


@router.get("/{export_id}")
def get_export(export_id: UUID, reporting: ReportingDep, actor: ActorDep) -> ExportOut:
    """An export's status and, once completed, its file's name, size and checksum."""
    return export_out(reporting.get_export(actor, export_id))


@router.get(
    "/{export_id}/file",
    response_class=Response,
    responses={
        200: {"content": {XLSX: {}}, "description": "The workbook"},
        409: {"description": "The export has not completed (yet)"},
        410: {"description": "The file was deleted after the retention period"},
    },
)
def download_export(
    export_id: UUID,
    request: Request,
    reporting: ReportingDep,
    runtime: RuntimeDep,
    actor: ActorDep,
) -> Response:
    """The workbook of a completed export (409 while it is not ready, 410 once deleted)."""
    export = reporting.downloadable(actor, export_id)
    days = runtime.settings.file_retention_days
    stored = retention.kept_export_file(runtime.db, export.id, days)
    access.export_downloaded(runtime, request, actor, export, "api")
    return Response(
        content=stored.content,
        media_type=stored.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{stored.file_name}"',
            "ETag": f'"{export.sha256}"',
        },
    )
