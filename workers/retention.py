"""Retention of stored files: export workbooks (and any stored upload) are deleted after
`Settings.file_retention_days`, by a timer job (workers/timers.py, workers/actors/maintenance.py).

A file holds personal data for as long as it is kept (PIPL: no longer than its purpose needs),
so it is not kept for ever. What was deleted leaves a tombstone (which file, made when, deleted
when), so a download after that answers "gone for good" (410) rather than "never existed" (404),
and the pages can say why. The events that asked for the file and recorded its checksum stay.

Each table of stored files is listed in `STORED_FILES`: a table with a text key column and an
ISO-8601 UTC `created_at` column. Uploads stored by a later release add their table there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.shared.errors import GoneError, NotFoundError
from projections.db import Database
from workers import files

TABLE = "expired_files"

# Stored files: table -> (key column, file name column).
STORED_FILES: Mapping[str, tuple[str, str]] = {files.TABLE: ("export_id", "file_name")}

_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " source TEXT NOT NULL, file_id TEXT NOT NULL, file_name TEXT NOT NULL,"
    " created_at TEXT NOT NULL, expired_at TEXT NOT NULL, PRIMARY KEY (source, file_id))"
)


class FileExpiredError(GoneError):
    """The file was deleted after the retention period (HTTP 410)."""

    title = "File deleted after its retention period"

    def __init__(self, file_id: UUID | str, file_name: str, expired_at: str, days: int) -> None:
        super().__init__(
            f"{file_name} was deleted on {expired_at[:10]}, {days} days after it was made"
            " (file retention); request it again",
            id=str(file_id),
            file_name=file_name,
            expired_at=expired_at,
            retention_days=days,
        )


@dataclass(frozen=True)
class Expired:
    """The tombstone of a deleted file."""

    file_id: str
    file_name: str
    created_at: str
    expired_at: str


def migrate(db: Database) -> None:
    """Create the tombstones table (idempotent)."""
    with db.transaction() as tx:
        tx.execute(_DDL)


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def expire_files(db: Database, days: int, *, now: datetime | None = None) -> int:
    """Delete every stored file made more than `days` days before `now`, leaving a tombstone
    for each, in one transaction; how many. Idempotent; `days` <= 0 keeps every file."""
    if days <= 0:
        return 0
    moment = now or datetime.now(UTC)
    cutoff = _moment(moment - timedelta(days=days))
    expired = 0
    with db.transaction() as tx:
        for table, (key, name) in STORED_FILES.items():
            tx.execute(
                f"INSERT INTO {TABLE} (source, file_id, file_name, created_at, expired_at)"
                f" SELECT ?, {key}, {name}, created_at, ? FROM {table} WHERE created_at < ?"
                " ON CONFLICT (source, file_id) DO UPDATE SET file_name = excluded.file_name,"
                " created_at = excluded.created_at, expired_at = excluded.expired_at",
                (table, _moment(moment), cutoff),
            )
            expired += tx.changed(f"DELETE FROM {table} WHERE created_at < ?", (cutoff,))
    return expired


def expired(db: Database, file_id: UUID | str, source: str = files.TABLE) -> Expired | None:
    """The tombstone of a file deleted by retention, or None."""
    row = db.one(f"SELECT * FROM {TABLE} WHERE source = ? AND file_id = ?", (source, str(file_id)))
    if row is None:
        return None
    return Expired(row["file_id"], row["file_name"], row["created_at"], row["expired_at"])


def kept_export_file(db: Database, export_id: UUID | str, days: int) -> files.StoredFile:
    """An export's stored file; FileExpiredError (410) once retention deleted it, NotFoundError
    (404) when there never was one."""
    stored = files.load_file(db, export_id)
    if stored is not None:
        return stored
    gone = expired(db, export_id)
    if gone is not None:
        raise FileExpiredError(export_id, gone.file_name, gone.expired_at, days)
    raise NotFoundError("export file", export_id)
