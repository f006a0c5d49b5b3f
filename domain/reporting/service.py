"""Reporting service: request spreadsheet exports and follow them until their file is ready."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.app import Showroom, Written
from domain.organisation.model import Store
from domain.reporting import model
from domain.reporting.model import Export, ExportKind
from domain.shared import months
from domain.shared.access import EXPORT_READERS, GROUP_EXPORTERS
from domain.shared.actor import SYSTEM, Principal, Role, acting_as
from domain.shared.clock import aware
from domain.shared.errors import NotFoundError, PermissionDeniedError


class Reporting:
    """Spreadsheet exports of the month's KPIs and leaderboard (stateless over the app)."""

    def __init__(self, app: Showroom) -> None:
        self.app = app

    def request_export(
        self,
        actor: Principal,
        month: str,
        store_id: UUID | None = None,
        language: str = "en",
        kind: str = ExportKind.KPI_MONTH.value,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Ask for a month's export of one store or the whole group; a worker builds it."""
        with acting_as(actor):
            scope = self._scope(actor, store_id)
            if scope is not None:
                self.app.load(Store, scope, "store")
            export = Export(
                kind=ExportKind(kind).value,
                month=months.parse(month),
                store_id=scope,
                language=model.language(language).value,
                requested_by=actor.user_id,
                occurred_at=aware(occurred_at),
            )
            return self.app.written(export)

    @staticmethod
    def _scope(actor: Principal, store_id: UUID | None) -> UUID | None:
        """The store the export covers (None: the group), within the actor's reach."""
        if actor.role in GROUP_EXPORTERS:
            return store_id
        if actor.role is Role.STORE_MANAGER:
            if actor.store_id is None:
                raise PermissionDeniedError("this login has no store to export")
            if store_id is not None and store_id != actor.store_id:
                raise PermissionDeniedError("this store is outside your scope")
            return actor.store_id
        raise PermissionDeniedError(f"role {actor.role.value} may not export figures")

    def get_export(self, actor: Principal, export_id: UUID) -> Export:
        """An export, seen by its requester or by an admin or auditor (others: not found)."""
        export = self.app.load(Export, export_id, "export")
        if actor.role not in EXPORT_READERS and export.requested_by != actor.user_id:
            raise NotFoundError("export", export_id)
        return export

    def downloadable(self, actor: Principal, export_id: UUID) -> Export:
        """A completed export the actor may fetch the file of (409 while it is not ready)."""
        export = self.get_export(actor, export_id)
        export.ensure_downloadable()
        return export

    # --- the worker's steps (system calls) ---------------------------------------------------

    def start(self, export_id: UUID, occurred_at: datetime | None = None) -> Written:
        """Record one more attempt at building the file."""
        with acting_as(SYSTEM):
            export = self.app.load(Export, export_id, "export")
            export.start(occurred_at=aware(occurred_at))
            return self.app.written(export)

    def complete(
        self,
        export_id: UUID,
        file_name: str,
        size: int,
        sha256: str,
        rows: int,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record that the file was built and stored."""
        with acting_as(SYSTEM):
            export = self.app.load(Export, export_id, "export")
            export.complete(file_name, size, sha256, rows, occurred_at=aware(occurred_at))
            return self.app.written(export)

    def fail(self, export_id: UUID, error: str, occurred_at: datetime | None = None) -> Written:
        """Record that the export gave up (the worker ran out of retries)."""
        with acting_as(SYSTEM):
            export = self.app.load(Export, export_id, "export")
            export.fail(error, occurred_at=aware(occurred_at))
            return self.app.written(export)
