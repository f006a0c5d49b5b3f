"""Sessions: one row per issued token, keyed by its id (`jti`), in the views database.

Not a view (nothing in the event log rebuilds it): a login writes its row, a revocation marks
it, and every authenticated request looks its token up (`is_revoked`, one primary-key read).
A token whose row is missing (issued before this table existed, or minted by a test) is not
refused for that alone: its signature, expiry and generation still decide. Rows are dropped a
day after their token expired, when the same user logs in again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from projections.db import Database, Row

TABLE = "auth_sessions"
USER_AGENT_MAX = 300
KEPT_AFTER_EXPIRY = timedelta(days=1)

_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " token_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, issued_at TEXT NOT NULL,"
    " expires_at TEXT NOT NULL, address TEXT NOT NULL, user_agent TEXT NOT NULL,"
    " revoked_at TEXT)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_user ON {TABLE} (user_id, expires_at)",
)


@dataclass(frozen=True)
class Session:
    token_id: str
    user_id: str
    issued_at: datetime
    expires_at: datetime
    address: str
    user_agent: str
    revoked_at: datetime | None


def migrate(db: Database) -> None:
    """Create the sessions table (idempotent)."""
    with db.transaction() as tx:
        for statement in _DDL:
            tx.execute(statement)


def _iso(moment: datetime) -> str:
    # UTC with a fixed width, so that text order is time order in both databases.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def record(
    db: Database,
    token_id: str,
    user_id: str,
    issued_at: datetime,
    expires_at: datetime,
    address: str,
    user_agent: str,
) -> None:
    """A session began: the token `token_id` was issued to `user_id`."""
    with db.transaction() as tx:
        tx.execute(
            f"DELETE FROM {TABLE} WHERE user_id = ? AND expires_at < ?",
            (user_id, _iso(issued_at - KEPT_AFTER_EXPIRY)),
        )
        tx.execute(
            f"INSERT INTO {TABLE} (token_id, user_id, issued_at, expires_at, address,"
            " user_agent, revoked_at) VALUES (?, ?, ?, ?, ?, ?, NULL)",
            (
                token_id,
                user_id,
                _iso(issued_at),
                _iso(expires_at),
                address[:100],
                user_agent[:USER_AGENT_MAX],
            ),
        )


def is_revoked(db: Database, token_id: str) -> bool:
    """Whether the session of this token was revoked (the check on every request)."""
    row = db.one(f"SELECT revoked_at FROM {TABLE} WHERE token_id = ?", (token_id,))
    return row is not None and row["revoked_at"] is not None


def _session(row: Row) -> Session:
    revoked = row["revoked_at"]
    return Session(
        token_id=row["token_id"],
        user_id=row["user_id"],
        issued_at=datetime.fromisoformat(row["issued_at"]),
        expires_at=datetime.fromisoformat(row["expires_at"]),
        address=row["address"],
        user_agent=row["user_agent"],
        revoked_at=datetime.fromisoformat(revoked) if revoked is not None else None,
    )


def active(db: Database, user_id: str, at: datetime) -> list[Session]:
    """The user's sessions neither revoked nor expired at `at`, newest first."""
    rows = db.query(
        f"SELECT * FROM {TABLE} WHERE user_id = ? AND expires_at > ? AND revoked_at IS NULL"
        " ORDER BY issued_at DESC, token_id",
        (user_id, _iso(at)),
    )
    return [_session(row) for row in rows]


def get(db: Database, token_id: str) -> Session | None:
    row = db.one(f"SELECT * FROM {TABLE} WHERE token_id = ?", (token_id,))
    return _session(row) if row is not None else None


def revoke(db: Database, user_id: str, token_ids: list[str], at: datetime) -> list[str]:
    """Mark these sessions of `user_id` revoked; answers the ids that were active until now."""
    done: list[str] = []
    with db.transaction() as tx:
        for token_id in token_ids:
            changed = tx.changed(
                f"UPDATE {TABLE} SET revoked_at = ?"
                " WHERE token_id = ? AND user_id = ? AND revoked_at IS NULL",
                (_iso(at), token_id, user_id),
            )
            if changed:
                done.append(token_id)
    return done
