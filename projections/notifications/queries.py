"""A user's inbox: their notifications, newest first, each read or not; the unread count.

Read marks are the user's, not facts of the log: they live beside the view, keyed by the
notifications' ids (stable across a rebuild), as one row per notification marked read and one
"read up to" position per user for "mark all read". Every function takes the user whose inbox it
is: a user sees and marks only their own notifications (the recipients were chosen by the read
policy when the notification was made).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.shared.clock import now
from projections.common import utc_iso
from projections.db import Database

READS = "notification_read"
READ_UPTO = "notification_read_upto"
_DDL = (
    f"CREATE TABLE IF NOT EXISTS {READS} ("
    " notification_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, read_at TEXT NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {READ_UPTO} ("
    " user_id TEXT PRIMARY KEY, position BIGINT NOT NULL, read_at TEXT NOT NULL)",
)


def migrate(db: Database) -> None:
    """Create the read-mark tables (idempotent; never dropped by a rebuild)."""
    with db.transaction() as tx:
        for statement in _DDL:
            tx.execute(statement)


@dataclass(frozen=True)
class Notification:
    id: str
    kind: str
    params: dict[str, str]
    link: str
    store_id: str | None
    position: int
    created_at: datetime
    read: bool


_UNREAD = (
    f"NOT EXISTS (SELECT 1 FROM {READS} r WHERE r.notification_id = n.notification_id)"
    f" AND n.position > COALESCE((SELECT u.position FROM {READ_UPTO} u"
    " WHERE u.user_id = n.user_id), 0)"
)


def _row(row: Any) -> Notification:
    return Notification(
        id=row["notification_id"],
        kind=row["kind"],
        params=json.loads(row["params"]),
        link=row["link"],
        store_id=row["store_id"],
        position=int(row["position"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        read=not bool(row["unread"]),
    )


def inbox(
    db: Database, user_id: str, *, unread_only: bool = False, limit: int = 50, before: int = 0
) -> list[Notification]:
    """The user's notifications, newest first (`before`: older than that position)."""
    where = "n.user_id = ?"
    params: list[Any] = [user_id]
    if before:
        where += " AND n.position < ?"
        params.append(before)
    if unread_only:
        where += f" AND {_UNREAD}"
    rows = db.query(
        f"SELECT n.*, CASE WHEN {_UNREAD} THEN 1 ELSE 0 END AS unread FROM rm_notification n"
        f" WHERE {where} ORDER BY n.position DESC, n.notification_id LIMIT ?",
        (*params, limit),
    )
    return [_row(r) for r in rows]


def unread_count(db: Database, user_id: str) -> int:
    row = db.one(
        f"SELECT COUNT(*) AS n FROM rm_notification n WHERE n.user_id = ? AND {_UNREAD}",
        (user_id,),
    )
    return int(row["n"]) if row else 0


def mark_read(db: Database, user_id: str, notification_id: str) -> bool:
    """Mark one of the user's notifications read; False when it is not theirs (or none)."""
    with db.transaction() as tx:
        mine = tx.one(
            "SELECT 1 AS x FROM rm_notification WHERE notification_id = ? AND user_id = ?",
            (notification_id, user_id),
        )
        if mine is None:
            return False
        tx.execute(
            f"INSERT INTO {READS} (notification_id, user_id, read_at) VALUES (?, ?, ?)"
            " ON CONFLICT (notification_id) DO NOTHING",
            (notification_id, user_id, utc_iso(now())),
        )
    return True


def mark_all_read(db: Database, user_id: str) -> int:
    """Mark every notification the user has now read; how many were unread."""
    with db.transaction() as tx:
        row = tx.one(
            f"SELECT COUNT(*) AS n, MAX(n.position) AS top FROM rm_notification n"
            f" WHERE n.user_id = ? AND {_UNREAD}",
            (user_id,),
        )
        count = int(row["n"]) if row else 0
        if not count or row is None:
            return 0
        tx.execute(
            f"INSERT INTO {READ_UPTO} (user_id, position, read_at) VALUES (?, ?, ?)"
            f" ON CONFLICT (user_id) DO UPDATE SET position = excluded.position,"
            f" read_at = excluded.read_at WHERE {READ_UPTO}.position < excluded.position",
            (user_id, int(row["top"]), utc_iso(now())),
        )
    return count


def at_position(db: Database, position: int) -> list[dict[str, Any]]:
    """The notifications one event made (the dispatcher's delivery job reads them)."""
    rows = db.query(
        "SELECT n.*, u.language FROM rm_notification n LEFT JOIN rm_notify_user u"
        " ON u.user_id = n.user_id WHERE n.position = ? ORDER BY n.notification_id",
        (position,),
    )
    return [dict(r) for r in rows]


def events_at(db: Database, position: int) -> list[dict[str, Any]]:
    """The notifying event at a position (its store's group robots hear of it)."""
    rows = db.query("SELECT * FROM rm_notify_event WHERE position = ?", (position,))
    return [dict(r) for r in rows]


def all_rows(db: Database) -> list[dict[str, Any]]:
    """Every notification row (the rebuild test compares them)."""
    return [dict(r) for r in db.query("SELECT * FROM rm_notification ORDER BY notification_id")]
