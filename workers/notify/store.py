"""Where notifications go: each user's preferences, each store's group robots, and every
delivery with its state (the dead letters among them) and the replays an admin asked for.

These are tables of the views database, not events: a webhook URL and its secret are secrets
that must be replaceable and erasable, which an immutable log cannot do; an e-mail address is a
person's contact, changed at will. Deliveries are the dispatcher's own bookkeeping, like jobs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from uuid import NAMESPACE_URL, uuid4, uuid5

from domain.shared.clock import now
from projections.common import utc_iso
from projections.db import Database, Tx

CHANNELS = ("email", "wecom", "dingtalk")
ROBOT_CHANNELS = ("wecom", "dingtalk")


class DeliveryState:
    PENDING = "pending"  # waiting for its (next) attempt
    SENDING = "sending"  # claimed by an attempt; stays so if the process died during the call
    DELIVERED = "delivered"
    DEAD = "dead"  # every attempt failed: on the admin's dead-letter list


_DDL = (
    "CREATE TABLE IF NOT EXISTS notify_preference ("
    " user_id TEXT PRIMARY KEY, email TEXT, wecom_url TEXT, dingtalk_url TEXT,"
    " dingtalk_secret TEXT, kinds TEXT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS notify_robot ("
    " robot_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, channel TEXT NOT NULL,"
    " name TEXT NOT NULL, url TEXT NOT NULL, secret TEXT, kinds TEXT NOT NULL,"
    " language TEXT NOT NULL, active INTEGER NOT NULL, created_by TEXT NOT NULL,"
    " created_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS notify_robot_store ON notify_robot (store_id)",
    "CREATE TABLE IF NOT EXISTS notify_delivery ("
    " delivery_id TEXT PRIMARY KEY, source TEXT NOT NULL, channel TEXT NOT NULL,"
    " target TEXT NOT NULL, kind TEXT NOT NULL, params TEXT NOT NULL, link TEXT NOT NULL,"
    " language TEXT NOT NULL, position BIGINT NOT NULL, state TEXT NOT NULL,"
    " attempts INTEGER NOT NULL, replays INTEGER NOT NULL, next_at TEXT, last_error TEXT,"
    " created_at TEXT NOT NULL, delivered_at TEXT)",
    "CREATE INDEX IF NOT EXISTS notify_delivery_state ON notify_delivery (state, created_at)",
    "CREATE TABLE IF NOT EXISTS notify_replay ("
    " delivery_id TEXT NOT NULL, replay INTEGER NOT NULL, by_user TEXT NOT NULL,"
    " at TEXT NOT NULL, PRIMARY KEY (delivery_id, replay))",
)


def migrate(db: Database) -> None:
    """Create the notification tables (idempotent)."""
    with db.transaction() as tx:
        for statement in _DDL:
            tx.execute(statement)


def masked(secret: str | None) -> str:
    """A secret as pages show it: its host and last four characters at most."""
    if not secret:
        return ""
    if "://" in secret:
        host = secret.split("://", 1)[1].split("/", 1)[0]
        return f"{host}/…{secret[-4:]}"
    return f"…{secret[-4:]}" if len(secret) > 8 else "…"


# --- preferences --------------------------------------------------------------------------------


@dataclass
class Preferences:
    """Which kinds a user wants on which channel, and their addresses (the inbox gets all)."""

    user_id: str
    email: str | None = None
    wecom_url: str | None = None
    dingtalk_url: str | None = None
    dingtalk_secret: str | None = None
    kinds: dict[str, list[str]] = field(default_factory=dict)  # kind -> channels

    def address(self, channel: str) -> str | None:
        return {"email": self.email, "wecom": self.wecom_url, "dingtalk": self.dingtalk_url}[
            channel
        ]

    def channels_for(self, kind: str) -> list[str]:
        return [c for c in self.kinds.get(kind, []) if c in CHANNELS and self.address(c)]


def preferences(db: Database | Tx, user_id: str) -> Preferences:
    row = db.one("SELECT * FROM notify_preference WHERE user_id = ?", (user_id,))
    if row is None:
        return Preferences(user_id=user_id)
    return Preferences(
        user_id=user_id,
        email=row["email"],
        wecom_url=row["wecom_url"],
        dingtalk_url=row["dingtalk_url"],
        dingtalk_secret=row["dingtalk_secret"],
        kinds=json.loads(row["kinds"]),
    )


def save_preferences(db: Database, prefs: Preferences) -> None:
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO notify_preference (user_id, email, wecom_url, dingtalk_url,"
            " dingtalk_secret, kinds, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET email = excluded.email,"
            " wecom_url = excluded.wecom_url, dingtalk_url = excluded.dingtalk_url,"
            " dingtalk_secret = excluded.dingtalk_secret, kinds = excluded.kinds,"
            " updated_at = excluded.updated_at",
            (
                prefs.user_id,
                prefs.email,
                prefs.wecom_url,
                prefs.dingtalk_url,
                prefs.dingtalk_secret,
                json.dumps(prefs.kinds, sort_keys=True),
                utc_iso(now()),
            ),
        )


# --- store robots -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Robot:
    robot_id: str
    store_id: str
    channel: str
    name: str
    url: str
    secret: str | None
    kinds: tuple[str, ...]
    language: str
    active: bool


def _robot(row: Any) -> Robot:
    return Robot(
        robot_id=row["robot_id"],
        store_id=row["store_id"],
        channel=row["channel"],
        name=row["name"],
        url=row["url"],
        secret=row["secret"],
        kinds=tuple(json.loads(row["kinds"])),
        language=row["language"],
        active=bool(row["active"]),
    )


def robots(db: Database | Tx, store_id: str | None = None) -> list[Robot]:
    if store_id is None:
        rows = db.query("SELECT * FROM notify_robot ORDER BY store_id, created_at")
    else:
        rows = db.query(
            "SELECT * FROM notify_robot WHERE store_id = ? ORDER BY created_at", (store_id,)
        )
    return [_robot(r) for r in rows]


def robot(db: Database | Tx, robot_id: str) -> Robot | None:
    row = db.one("SELECT * FROM notify_robot WHERE robot_id = ?", (robot_id,))
    return _robot(row) if row else None


def add_robot(
    db: Database,
    *,
    store_id: str,
    channel: str,
    name: str,
    url: str,
    secret: str | None,
    kinds: list[str],
    language: str,
    by: str,
) -> str:
    ident = str(uuid4())
    with db.transaction() as tx:
        # The same robot added twice (a form sent again) is the one robot: one message per event.
        same = tx.one(
            "SELECT robot_id FROM notify_robot WHERE store_id = ? AND url = ?", (store_id, url)
        )
        if same is not None:
            return str(same["robot_id"])
        tx.execute(
            "INSERT INTO notify_robot (robot_id, store_id, channel, name, url, secret, kinds,"
            " language, active, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
            (
                ident,
                store_id,
                channel,
                name,
                url,
                secret,
                json.dumps(kinds),
                language,
                by,
                utc_iso(now()),
            ),
        )
    return ident


def remove_robot(db: Database, robot_id: str) -> bool:
    with db.transaction() as tx:
        return tx.changed("DELETE FROM notify_robot WHERE robot_id = ?", (robot_id,)) > 0


# --- deliveries ---------------------------------------------------------------------------------


def delivery_id(source: str, channel: str, target: str) -> str:
    return str(uuid5(NAMESPACE_URL, f"showroom-notify:{source}:{channel}:{target}"))


def deliveries(
    db: Database, *, states: tuple[str, ...] | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Deliveries newest first, of these states (the dead-letter list: dead and sending)."""
    where, params = "", tuple[str, ...]()
    if states:
        where = f" WHERE state IN ({', '.join('?' for _ in states)})"
        params = states
    rows = db.query(
        f"SELECT * FROM notify_delivery{where} ORDER BY created_at DESC, delivery_id LIMIT ?",
        (*params, limit),
    )
    return [dict(r) for r in rows]


def delivery(db: Database | Tx, ident: str) -> dict[str, Any] | None:
    row = db.one("SELECT * FROM notify_delivery WHERE delivery_id = ?", (ident,))
    return dict(row) if row else None


def replays(db: Database, ident: str) -> list[dict[str, Any]]:
    rows = db.query("SELECT * FROM notify_replay WHERE delivery_id = ? ORDER BY replay", (ident,))
    return [dict(r) for r in rows]


def counts(db: Database) -> dict[str, int]:
    rows = db.query("SELECT state, COUNT(*) AS n FROM notify_delivery GROUP BY state")
    return {str(r["state"]): int(r["n"]) for r in rows}
