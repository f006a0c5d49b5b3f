"""The Idempotency-Key store of the API: one row per (user, key), kept in the views database.

A support table like the export files (workers/files.py), created by the one migrate step
(workers/runtime.py); the API's middleware (api/idempotency.py) claims and finishes keys.
"""

from __future__ import annotations

from typing import Any

from domain.shared.clock import now
from projections.db import Database

DDL = (
    "CREATE TABLE IF NOT EXISTS api_idempotency ("
    " user_id TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,"
    " status INTEGER NOT NULL, body TEXT, content_type TEXT, created_at TEXT NOT NULL,"
    " PRIMARY KEY (user_id, key))"
)
IN_PROGRESS = 0


def migrate(db: Database) -> None:
    """Create the keys table (idempotent)."""
    with db.transaction() as tx:
        tx.execute(DDL)


def claim(db: Database, user: str, key: str, digest: str) -> dict[str, Any] | None:
    """Claim the key; the existing row when it was claimed before."""
    # Insert first: of concurrent first tries exactly one inserts (the others wait for it on
    # PostgreSQL, then do nothing); a select-then-insert let two through to a duplicate key.
    with db.transaction() as tx:
        claimed = tx.changed(
            "INSERT INTO api_idempotency (user_id, key, request_hash, status, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, key) DO NOTHING",
            (user, key, digest, IN_PROGRESS, now().isoformat()),
        )
        if claimed:
            return None
        return tx.one(
            "SELECT request_hash, status, body, content_type FROM api_idempotency"
            " WHERE user_id = ? AND key = ?",
            (user, key),
        )


def finish(db: Database, user: str, key: str, status: int, body: str, ctype: str) -> None:
    with db.transaction() as tx:
        if status >= 500:
            # A server failure wrote nothing the client can rely on: let the retry run again.
            tx.execute("DELETE FROM api_idempotency WHERE user_id = ? AND key = ?", (user, key))
        else:
            tx.execute(
                "UPDATE api_idempotency SET status = ?, body = ?, content_type = ?"
                " WHERE user_id = ? AND key = ?",
                (status, body, ctype, user, key),
            )
