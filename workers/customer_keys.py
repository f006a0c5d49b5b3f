"""The customer key store: each customer's data key, wrapped, in the views database.

It holds one key per *person* whose data is sealed: customers, and members of staff (their
names, leaving reasons, evaluation comments and reopening reasons, pay dispute reasons).
A row is keyed by the person's id (the `customer_id` column keeps its name so that no table
moves); staff ids and customer ids are both random UUIDs and never collide. Only customers
have an erasure route; a staff member's key is made with their `Staff.Hired` (or the first
value sealed about them) and marked in `customer_key_staff`.

Not a view: no rebuild drops it (a rebuild of the views must never erase a customer by
accident). Created by the one migrate step (`workers/runtime.py`), like the export files.

- `customer_keys`: one row per customer, the data key wrapped (AES-GCM) under the keyring's
  `customers` key named by `wrapping_key_id` (rotation: new keys are wrapped under the newest,
  old rows stay readable while their key stays in the keyring).
- `customer_key_erasures`: the customers erased, so a value written for one later (a note on an
  old lead) is sealed with a throwaway key and is erased from birth.
- `customer_key_staff`: the ids of the keys that are a member of staff's. Staff are not erased
  on demand, so `keys_for` keeps their unwrapped keys per process for `STAFF_KEY_SECONDS`
  (a 2,000-row leaderboard then reveals without 2,000 unwraps), and the revealer keeps the
  values it opened with them for as long (`staff_value`: a name is then a dictionary lookup,
  not an unseal; holding the key in memory already gives as much). Customers' keys and values
  are read every time, so that an erasure holds at once in every process.
- `erasures.jsonl` in the key folder (`settings.keys_dir`): every erasure appended as a
  tombstone, apart from the data, so that a backup of the data restored later can be made to
  forget the same customers: run `apply_erasures` (`showroom keys apply-erasures`) after every
  restore.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from uuid import UUID

from audit import personal
from audit.keyring import Keyring
from domain.shared.clock import now
from projections.db import Database

KEYS_TABLE = "customer_keys"
ERASURES_TABLE = "customer_key_erasures"
STAFF_TABLE = "customer_key_staff"
TOMBSTONE_FILE = "erasures.jsonl"
# How long a process keeps a member of staff's unwrapped key for reading.
STAFF_KEY_SECONDS = 300.0
# At most this many revealed staff values kept per process (then the memo starts again).
STAFF_VALUES_KEPT = 50_000

DDL = (
    f"CREATE TABLE IF NOT EXISTS {KEYS_TABLE} ("
    " customer_id TEXT PRIMARY KEY, wrapping_key_id TEXT NOT NULL, wrapped TEXT NOT NULL,"
    " created_at TEXT NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {ERASURES_TABLE} ("
    " customer_id TEXT PRIMARY KEY, erased_at TEXT NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {STAFF_TABLE} (customer_id TEXT PRIMARY KEY)",
)


def migrate(db: Database) -> None:
    """Create the key store's tables (idempotent)."""
    with db.transaction() as tx:
        for statement in DDL:
            tx.execute(statement)


class CustomerKeys:
    """Customers' data keys: made on a customer's first personal value, read in batches,
    destroyed on erasure."""

    def __init__(self, db: Database, keyring: Keyring, tombstones: Path | None = None) -> None:
        self.db = db
        self.keyring = keyring
        self.tombstones = tombstones
        # Keys to seal with, per process: sealing with a key destroyed meanwhile only makes the
        # new value erased too; reading never uses this cache (an erasure holds at once).
        self._write_keys: dict[UUID, bytes] = {}
        # Staff members' keys for reading, with when they were read (never a customer's).
        self._staff_keys: dict[UUID, tuple[float, bytes]] = {}
        # And the values revealed with them: sealed token (after `pii:1:`) → (until, field, value).
        self._staff_values: dict[str, tuple[float, str, str]] = {}
        self.staff_key_seconds = STAFF_KEY_SECONDS
        self._lock = threading.Lock()

    # --- the mapper's side ------------------------------------------------------------------

    def key_for_write(self, customer_id: UUID, *, staff: bool = False) -> bytes:
        """The customer's data key, made and stored on first use; for a customer erased, a
        throwaway key (what is sealed with it is erased from the start). `staff`: the person
        is a member of staff (their key is marked so, once per process)."""
        with self._lock:
            cached = self._write_keys.get(customer_id)
        if cached is not None:
            return cached
        key = self._stored_or_new(customer_id, staff)
        with self._lock:
            self._write_keys[customer_id] = key
        return key

    def _stored_or_new(self, customer_id: UUID, staff: bool = False) -> bytes:
        cid = str(customer_id)
        wrapping = self.keyring.current("customers")
        data_key = personal.new_data_key()
        with self.db.transaction() as tx:
            if tx.one(f"SELECT 1 AS x FROM {ERASURES_TABLE} WHERE customer_id = ?", (cid,)):
                return data_key  # never stored
            # Insert first: of two first writes racing, one inserts and both read its key.
            tx.execute(
                f"INSERT INTO {KEYS_TABLE} (customer_id, wrapping_key_id, wrapped, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (customer_id) DO NOTHING",
                (
                    cid,
                    wrapping.id,
                    personal.wrap(wrapping.secret, customer_id, data_key),
                    now().isoformat(),
                ),
            )
            if staff:
                tx.execute(
                    f"INSERT INTO {STAFF_TABLE} (customer_id) VALUES (?)"
                    " ON CONFLICT (customer_id) DO NOTHING",
                    (cid,),
                )
            row = tx.one(
                f"SELECT wrapping_key_id, wrapped FROM {KEYS_TABLE} WHERE customer_id = ?", (cid,)
            )
        assert row is not None
        return self._unwrap(customer_id, row["wrapping_key_id"], row["wrapped"]) or data_key

    # --- the readers' side ------------------------------------------------------------------

    def keys_for(self, customer_ids: Iterable[UUID]) -> dict[UUID, bytes | None]:
        """Each person's data key, in one query per 500; None: destroyed (or never made).
        Members of staff's keys come from this process's cache while fresh."""
        wanted = list(dict.fromkeys(customer_ids))
        found: dict[UUID, bytes | None] = dict.fromkeys(wanted)
        fresh_after = time.monotonic() - self.staff_key_seconds
        with self._lock:
            for cid in wanted:
                cached = self._staff_keys.get(cid)
                if cached is not None and cached[0] > fresh_after:
                    found[cid] = cached[1]
        todo = [c for c in wanted if found[c] is None]
        read: dict[UUID, bytes] = {}
        for start in range(0, len(todo), 500):
            chunk = [str(c) for c in todo[start : start + 500]]
            marks = ", ".join("?" * len(chunk))
            rows = self.db.query(
                f"SELECT k.customer_id AS customer_id, k.wrapping_key_id AS wrapping_key_id,"
                f" k.wrapped AS wrapped, s.customer_id AS staff FROM {KEYS_TABLE} k"
                f" LEFT JOIN {STAFF_TABLE} s ON s.customer_id = k.customer_id"
                f" WHERE k.customer_id IN ({marks})",
                chunk,
            )
            for row in rows:
                cid = UUID(row["customer_id"])
                key = self._unwrap(cid, row["wrapping_key_id"], row["wrapped"])
                found[cid] = key
                if key is not None and row["staff"] is not None:
                    read[cid] = key
        if read:
            stamp = time.monotonic()
            with self._lock:
                self._staff_keys.update((cid, (stamp, key)) for cid, key in read.items())
        return found

    def staff_value(self, token: str) -> tuple[str, str] | None:
        """(field, value) of a member of staff's sealed `token` revealed a moment ago here."""
        kept = self._staff_values.get(token)
        if kept is None or kept[0] < time.monotonic():
            return None
        return kept[1], kept[2]

    def keep_staff_value(self, person_id: UUID, token: str, field: str, value: str) -> None:
        """Remember a revealed value while its person's key is a cached staff key."""
        cached = self._staff_keys.get(person_id)
        if cached is None:
            return  # a customer's (or a staff key not cached): never kept
        if len(self._staff_values) >= STAFF_VALUES_KEPT:
            self._staff_values.clear()
        self._staff_values[token] = (cached[0] + self.staff_key_seconds, field, value)

    def is_erased(self, customer_id: UUID) -> bool:
        return bool(
            self.db.one(
                f"SELECT 1 AS x FROM {ERASURES_TABLE} WHERE customer_id = ?", (str(customer_id),)
            )
        )

    def _unwrap(self, customer_id: UUID, key_id: str, wrapped: str) -> bytes | None:
        wrapping = self.keyring.find("customers", key_id)
        if wrapping is None:
            return None  # its wrapping key was retired from the keyring
        try:
            return personal.unwrap(wrapping.secret, customer_id, wrapped)
        except ValueError:
            return None

    # --- erasure ----------------------------------------------------------------------------

    def destroy(self, customer_id: UUID, erased_at: datetime | None = None) -> None:
        """Erase the customer: the data key deleted, the erasure remembered here and appended
        to the tombstone file in the key folder (so a restored backup can forget it too)."""
        when = (erased_at or now()).isoformat()
        self._forget(customer_id, when)
        if self.tombstones is not None:
            _append_tombstone(self.tombstones, customer_id, when)

    def _forget(self, customer_id: UUID, when: str) -> None:
        cid = str(customer_id)
        with self.db.transaction() as tx:
            tx.execute(f"DELETE FROM {KEYS_TABLE} WHERE customer_id = ?", (cid,))
            tx.execute(
                f"INSERT INTO {ERASURES_TABLE} (customer_id, erased_at) VALUES (?, ?)"
                " ON CONFLICT (customer_id) DO NOTHING",
                (cid, when),
            )
        with self._lock:
            self._write_keys.pop(customer_id, None)
            self._staff_keys.pop(customer_id, None)
            prefix = f"{customer_id}:"
            for token in [t for t in self._staff_values if t.startswith(prefix)]:
                self._staff_values.pop(token, None)


def tombstone_path(keys_dir: Path) -> Path:
    return keys_dir / TOMBSTONE_FILE


def _append_tombstone(path: Path, customer_id: UUID, when: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    line = json.dumps({"customer_id": str(customer_id), "erased_at": when}) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def read_tombstones(path: Path) -> list[tuple[UUID, str]]:
    """The erasures recorded in a tombstone file (none when it does not exist)."""
    if not path.exists():
        return []
    erased: list[tuple[UUID, str]] = []
    for line in path.read_text().splitlines():
        if line.strip():
            item = json.loads(line)
            erased.append((UUID(item["customer_id"]), str(item["erased_at"])))
    return erased


def apply_erasures(keys: CustomerKeys, tombstones: Path) -> int:
    """Re-apply every erasure of the tombstone file to a key store: call it after a backup of
    the data is restored, so that customers erased since the backup was taken are erased in
    the restored data too (their keys, back from the backup, deleted again). Idempotent;
    returns how many tombstones it applied."""
    entries = read_tombstones(tombstones)
    for customer_id, when in entries:
        keys._forget(customer_id, when)
    return len(entries)
