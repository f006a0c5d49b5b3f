"""Partners' signing secrets, wrapped, in the views database (the `SecretVault` of intake).

Kept like customers' data keys (workers/customer_keys.py): a row per secret, its bytes
AES-GCM-wrapped under a key derived from the keyring's newest `customers` key, the key's id
beside it, so the keyring's rotation leaves older rows readable while their key is kept. A
purpose of its own would have made every existing keyring invalid (a keyring must hold every
purpose), so the wrapping key is HMAC(customers key, "partner-secrets"): never the same bytes as
a customer's wrapping key. Not a view: no rebuild drops it. Created by the one migrate step.

Also here, the intake's delivery log: `intake_messages` (each accepted `webhook-id` per partner,
so a replay within the signature's tolerance is refused; older ones are refused as stale by the
signature check, so rows are pruned after an hour) and `intake_deliveries` (one row per request
that named a partner: accepted or refused, why, the lead) for the admin page's counts.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from audit import personal
from audit.keyring import Keyring
from domain.shared.clock import now
from projections.common import utc_iso
from projections.db import Database

SECRETS_TABLE = "partner_secrets"
MESSAGES_TABLE = "intake_messages"
DELIVERIES_TABLE = "intake_deliveries"
# A webhook-id is remembered this long: more than the signature's tolerance (5 min either way).
MESSAGE_MEMORY = timedelta(hours=1)

DDL = (
    f"CREATE TABLE IF NOT EXISTS {SECRETS_TABLE} ("
    " secret_id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, wrapping_key_id TEXT NOT NULL,"
    " wrapped TEXT NOT NULL, created_at TEXT NOT NULL, valid_until TEXT)",
    f"CREATE INDEX IF NOT EXISTS {SECRETS_TABLE}_partner ON {SECRETS_TABLE} (partner_id)",
    f"CREATE TABLE IF NOT EXISTS {MESSAGES_TABLE} ("
    " partner_id TEXT NOT NULL, message_id TEXT NOT NULL, received_at TEXT NOT NULL,"
    " PRIMARY KEY (partner_id, message_id))",
    f"CREATE TABLE IF NOT EXISTS {DELIVERIES_TABLE} ("
    " delivery_id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, received_at TEXT NOT NULL,"
    " accepted INTEGER NOT NULL, status INTEGER NOT NULL, reason TEXT, lead_id TEXT)",
    f"CREATE INDEX IF NOT EXISTS {DELIVERIES_TABLE}_partner"
    f" ON {DELIVERIES_TABLE} (partner_id, received_at)",
)


def migrate(db: Database) -> None:
    """Create the vault's and the delivery log's tables (idempotent)."""
    with db.transaction() as tx:
        for statement in DDL:
            tx.execute(statement)


def _wrapping_key(secret: bytes) -> bytes:
    return hmac.new(secret, b"partner-secrets", hashlib.sha256).digest()


class PartnerSecrets:
    """The vault: put, expire, forget, and the secrets accepted now (unwrapped, cached briefly)."""

    def __init__(self, db: Database, keyring: Keyring) -> None:
        self.db = db
        self.keyring = keyring
        self._lock = threading.Lock()

    def put(self, partner_id: UUID, secret_id: UUID, secret: bytes) -> None:
        key = self.keyring.current("customers")
        with self.db.transaction() as tx:
            tx.execute(
                f"INSERT INTO {SECRETS_TABLE} (secret_id, partner_id, wrapping_key_id, wrapped,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                (
                    str(secret_id),
                    str(partner_id),
                    key.id,
                    personal.wrap(_wrapping_key(key.secret), secret_id, secret),
                    utc_iso(now()),
                ),
            )

    def expire(self, partner_id: UUID, until: datetime, keep: UUID) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                f"UPDATE {SECRETS_TABLE} SET valid_until = ? WHERE partner_id = ?"
                " AND secret_id <> ? AND (valid_until IS NULL OR valid_until > ?)",
                (utc_iso(until), str(partner_id), str(keep), utc_iso(until)),
            )
            # Secrets whose grace is over are not kept.
            tx.execute(
                f"DELETE FROM {SECRETS_TABLE} WHERE partner_id = ? AND valid_until <= ?",
                (str(partner_id), utc_iso(now())),
            )

    def forget(self, partner_id: UUID) -> None:
        with self.db.transaction() as tx:
            tx.execute(f"DELETE FROM {SECRETS_TABLE} WHERE partner_id = ?", (str(partner_id),))

    def accepted(self, partner_id: UUID, at: datetime) -> list[bytes]:
        rows = self.db.query(
            f"SELECT secret_id, wrapping_key_id, wrapped FROM {SECRETS_TABLE}"
            " WHERE partner_id = ? AND (valid_until IS NULL OR valid_until > ?)"
            " ORDER BY created_at DESC",
            (str(partner_id), utc_iso(at)),
        )
        found: list[bytes] = []
        for row in rows:
            key = self.keyring.find("customers", row["wrapping_key_id"])
            if key is None:
                continue
            try:
                found.append(
                    personal.unwrap(
                        _wrapping_key(key.secret), UUID(row["secret_id"]), row["wrapped"]
                    )
                )
            except ValueError:
                continue
        return found


# --- the delivery log ---------------------------------------------------------------------------


def claim_message(db: Database, partner_id: UUID, message_id: str) -> bool:
    """Remember a partner's webhook-id; False when it was seen already (a replay)."""
    at = now()
    with db.transaction() as tx:
        claimed = tx.changed(
            f"INSERT INTO {MESSAGES_TABLE} (partner_id, message_id, received_at) VALUES (?, ?, ?)"
            " ON CONFLICT (partner_id, message_id) DO NOTHING",
            (str(partner_id), message_id, utc_iso(at)),
        )
    return bool(claimed)


def release_message(db: Database, partner_id: UUID, message_id: str) -> None:
    """Forget a webhook-id whose request wrote nothing (refused after the claim)."""
    with db.transaction() as tx:
        tx.execute(
            f"DELETE FROM {MESSAGES_TABLE} WHERE partner_id = ? AND message_id = ?",
            (str(partner_id), message_id),
        )


def prune_messages(db: Database) -> None:
    with db.transaction() as tx:
        tx.execute(
            f"DELETE FROM {MESSAGES_TABLE} WHERE received_at < ?",
            (utc_iso(now() - MESSAGE_MEMORY),),
        )


def record_delivery(
    db: Database,
    partner_id: UUID,
    *,
    accepted: bool,
    status: int,
    reason: str | None = None,
    lead_id: UUID | None = None,
) -> None:
    with db.transaction() as tx:
        tx.execute(
            f"INSERT INTO {DELIVERIES_TABLE} (delivery_id, partner_id, received_at, accepted,"
            " status, reason, lead_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                str(uuid4()),
                str(partner_id),
                utc_iso(now()),
                int(accepted),
                status,
                reason,
                None if lead_id is None else str(lead_id),
            ),
        )


def delivery_counts(db: Database, since: datetime) -> dict[UUID, dict[str, Any]]:
    """Per partner since `since`: accepted and refused requests and the last one's time."""
    rows = db.query(
        f"SELECT partner_id, SUM(accepted) AS accepted, COUNT(*) - SUM(accepted) AS refused,"
        f" MAX(received_at) AS last_at FROM {DELIVERIES_TABLE} WHERE received_at >= ?"
        " GROUP BY partner_id",
        (utc_iso(since),),
    )
    return {
        UUID(r["partner_id"]): {
            "accepted": int(r["accepted"] or 0),
            "refused": int(r["refused"] or 0),
            "last_at": r["last_at"],
        }
        for r in rows
    }


def recent_deliveries(db: Database, partner_id: UUID, limit: int = 20) -> list[dict[str, Any]]:
    """A partner's latest requests, newest first."""
    rows = db.query(
        f"SELECT received_at, accepted, status, reason, lead_id FROM {DELIVERIES_TABLE}"
        " WHERE partner_id = ? ORDER BY received_at DESC LIMIT ?",
        (str(partner_id), limit),
    )
    return [
        {
            "received_at": r["received_at"],
            "accepted": bool(r["accepted"]),
            "status": int(r["status"]),
            "reason": r["reason"],
            "lead_id": None if r["lead_id"] is None else UUID(r["lead_id"]),
        }
        for r in rows
    ]
