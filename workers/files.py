"""Export files, kept in the views database so every API and worker process reaches them.

A file is written once per export (an upsert: a retried job overwrites its own half-finished
attempt) and read back by the API; local disks are not shared between machines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from projections.db import Database

TABLE = "export_files"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_DDL = {
    "sqlite": (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " export_id TEXT PRIMARY KEY, file_name TEXT NOT NULL, content_type TEXT NOT NULL,"
        " content BLOB NOT NULL, created_at TEXT NOT NULL)"
    ),
    "postgres": (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " export_id TEXT PRIMARY KEY, file_name TEXT NOT NULL, content_type TEXT NOT NULL,"
        " content BYTEA NOT NULL, created_at TEXT NOT NULL)"
    ),
}


@dataclass(frozen=True)
class StoredFile:
    export_id: str
    file_name: str
    content_type: str
    content: bytes
    created_at: str


def migrate(db: Database) -> None:
    """Create the files table (idempotent)."""
    with db.transaction() as tx:
        tx.execute(_DDL[db.dialect])


def save_file(
    db: Database, export_id: UUID | str, name: str, content_type: str, content: bytes
) -> None:
    """Store (or replace) the file of an export."""
    with db.transaction() as tx:
        tx.execute(
            f"INSERT INTO {TABLE} (export_id, file_name, content_type, content, created_at)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (export_id) DO UPDATE SET file_name = excluded.file_name,"
            " content_type = excluded.content_type, content = excluded.content,"
            " created_at = excluded.created_at",
            (str(export_id), name, content_type, bytes(content), datetime.now(UTC).isoformat()),
        )


def load_file(db: Database, export_id: UUID | str) -> StoredFile | None:
    """The stored file of an export, or None."""
    row = db.one(f"SELECT * FROM {TABLE} WHERE export_id = ?", (str(export_id),))
    if row is None:
        return None
    return StoredFile(
        export_id=row["export_id"],
        file_name=row["file_name"],
        content_type=row["content_type"],
        content=bytes(row["content"]),
        created_at=row["created_at"],
    )
