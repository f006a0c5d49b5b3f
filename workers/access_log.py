"""The access log: who logged in, who read what personal data, who downloaded what.

An append-only table in the views database (like the export files, not a view: a rebuild never
drops it), hash-chained with an HMAC under the keyring's `access` key (audit/access_chain.py).
Callers record through `AccessLog.record(Access(...))`.

Recording must not slow a read down: `record` stamps the time and hands the entry to this
process's writer thread, which appends whatever has gathered in one transaction (a group
commit). A request pays for a queue put, not for a commit. What that costs: entries recorded in
the last moment before the process dies (killed, not stopped: `close` writes them) are lost;
`flush` waits until everything recorded so far is in the table.

The append is serialised across processes: on PostgreSQL by a row lock on the head row
(`access_log_head`, one row: the last sequence and head), on SQLite by `BEGIN IMMEDIATE`; so
several API processes extend one chain and never fork it. Triggers refuse UPDATE and DELETE on
the table (and TRUNCATE on PostgreSQL).

A database owner can still drop the triggers, delete the last entries and set the head row back:
every signed checkpoint of the event log carries the access log's head (workers/checkpoints.py),
and a verification compares the entry the latest one anchored with the one stored.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from queue import Empty, SimpleQueue
from typing import Any

from audit.access_chain import (
    GENESIS,
    AccessChainReport,
    Anchor,
    ChainEntry,
    StoredEntry,
    check_anchor,
    link,
    verify,
)
from audit.keyring import Keyring
from domain.shared.clock import now
from projections.db import Database, Row

log = logging.getLogger(__name__)

TABLE = "access_log"
HEAD_TABLE = "access_log_head"
# Longest stored address, user agent and subject: a client must not fill the table with one
# header (a username tried is whatever the client sent).
MAX_ADDRESS, MAX_USER_AGENT, MAX_SUBJECT = 100, 512, 200
BATCH = 500  # most entries one append writes
# How long the writer gathers entries before it appends them: at most this long an entry waits
# (and is lost if the process is killed meanwhile); `flush` and `close` do not wait for it.
LINGER_SECONDS = 0.05


class AccessKind(StrEnum):
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    TOKEN_ISSUED = "token_issued"
    TOKEN_REVOKED = "token_revoked"
    FULL_PHONE_READ = "full_phone_read"
    ID_NUMBER_READ = "id_number_read"
    PAY_STATEMENT_READ = "pay_statement_read"
    EXPORT_DOWNLOADED = "export_downloaded"
    CUSTOMER_DATA_EXPORTED = "customer_data_exported"
    CUSTOMER_ERASED = "customer_erased"
    SECOND_FACTOR_CHANGED = "second_factor_changed"
    ADMIN_ACTION = "admin_action"


@dataclass(frozen=True)
class Access:
    """One entry: what happened, who did it (None: not known, a failed login), to whom/what."""

    kind: AccessKind
    actor_id: str | None
    subject: str | None = None  # a customer id, staff id, export id, username tried...
    detail: Mapping[str, str] = field(default_factory=dict)
    address: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class AccessEntry:
    """An entry as stored: its sequence in the chain and its time besides what was recorded."""

    sequence: int
    at: datetime
    kind: str
    actor_id: str | None
    subject: str | None
    detail: dict[str, Any]
    address: str | None
    user_agent: str | None


# --- the table ----------------------------------------------------------------------------------

_COLUMNS = (
    "sequence, at, kind, actor_id, subject, detail, address, user_agent, key_id,"
    " previous_head, head"
)
_DDL = {
    "sqlite": [
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " sequence INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, actor_id TEXT,"
        " subject TEXT, detail TEXT NOT NULL, address TEXT, user_agent TEXT,"
        " key_id TEXT NOT NULL, previous_head TEXT NOT NULL, head TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {HEAD_TABLE} ("
        " id INTEGER PRIMARY KEY, sequence INTEGER NOT NULL, head TEXT NOT NULL)",
        f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}"
        " BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END",
        f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}"
        " BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END",
    ],
    "postgres": [
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " sequence BIGINT PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, actor_id TEXT,"
        " subject TEXT, detail TEXT NOT NULL, address TEXT, user_agent TEXT,"
        " key_id TEXT NOT NULL, previous_head TEXT NOT NULL, head TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {HEAD_TABLE} ("
        " id INTEGER PRIMARY KEY, sequence BIGINT NOT NULL, head TEXT NOT NULL)",
        f"CREATE OR REPLACE FUNCTION {TABLE}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN RAISE EXCEPTION 'the access log is append-only'; END $$",
        f"CREATE OR REPLACE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}"
        f" FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse()",
        f"CREATE OR REPLACE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_refuse()",
    ],
}
_INDEXES = (
    f"CREATE INDEX IF NOT EXISTS {TABLE}_by_actor ON {TABLE} (actor_id, sequence)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_by_subject ON {TABLE} (subject, sequence)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_by_kind ON {TABLE} (kind, sequence)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_by_time ON {TABLE} (at)",
)


def migrate(db: Database) -> None:
    """Create the table, its head row, indexes and append-only triggers (idempotent)."""
    with db.transaction() as tx:
        for statement in (*_DDL[db.dialect], *_INDEXES):
            tx.execute(statement)
        tx.execute(
            f"INSERT INTO {HEAD_TABLE} (id, sequence, head) VALUES (1, 0, ?)"
            " ON CONFLICT (id) DO NOTHING",
            (GENESIS,),
        )


def stamp(moment: datetime) -> str:
    """A time as stored: UTC, microseconds always written, so text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _clip(value: str | None, size: int) -> str | None:
    # A NUL is refused by PostgreSQL's text: a username tried with one must not stop the log.
    return None if value is None else str(value)[:size].replace("\x00", "\ufffd")


def _chain_entry(sequence: int, at: datetime, access: Access, key_id: str) -> ChainEntry:
    return ChainEntry(
        sequence=sequence,
        at=stamp(at),
        kind=str(access.kind),
        actor_id=None if access.actor_id is None else str(access.actor_id),
        subject=_clip(access.subject, MAX_SUBJECT),
        detail=json.dumps(
            dict(access.detail),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            default=str,
        ),
        address=_clip(access.address, MAX_ADDRESS),
        user_agent=_clip(access.user_agent, MAX_USER_AGENT),
        key_id=key_id,
    )


def append(db: Database, keyring: Keyring, items: Sequence[tuple[datetime, Access]]) -> int:
    """Append entries (time, access) in one transaction, chained after the head; the new last
    sequence. The head row is locked first, so concurrent appends queue and never fork."""
    key = keyring.current("access")
    with db.transaction() as tx:
        lock = " FOR UPDATE" if tx.dialect == "postgres" else ""
        head_row = tx.one(f"SELECT sequence, head FROM {HEAD_TABLE} WHERE id = 1{lock}")
        if head_row is None:
            raise RuntimeError("the access log has no head row: run `showroom migrate`")
        sequence, head = int(head_row["sequence"]), str(head_row["head"])
        rows = []
        for at, access in items:
            sequence += 1
            entry = _chain_entry(sequence, at, access, key.id)
            previous, head = head, link(head, key.secret, entry)
            rows.append(
                (
                    entry.sequence,
                    entry.at,
                    entry.kind,
                    entry.actor_id,
                    entry.subject,
                    entry.detail,
                    entry.address,
                    entry.user_agent,
                    entry.key_id,
                    previous,
                    head,
                )
            )
        tx.executemany(
            f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
        tx.execute(f"UPDATE {HEAD_TABLE} SET sequence = ?, head = ? WHERE id = 1", (sequence, head))
    return sequence


# --- the process's log: record now, write in the background -----------------------------------


class AccessLog:
    """This process's access log: `record` queues, a writer thread appends in batches."""

    def __init__(
        self,
        db: Database,
        keyring: Keyring,
        *,
        linger: float = LINGER_SECONDS,
        retry_seconds: float = 1.0,
    ) -> None:
        self.db, self.keyring = db, keyring
        self.linger, self.retry_seconds = linger, retry_seconds
        self._queue: SimpleQueue[Any] = SimpleQueue()
        self._lock = threading.Lock()
        self._written_changed = threading.Condition()
        self._recorded = 0
        self._written = 0
        self._thread: threading.Thread | None = None
        self._hurry = threading.Event()  # set by flush and close: stop lingering
        self._closed = False

    def record(self, access: Access) -> None:
        """Record one access now (its time is now); written to the table within moments."""
        at = now()
        with self._lock:
            if self._thread is None:
                self._start()
            self._recorded += 1
        self._queue.put((at, access))

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._write_loop, name="access-log", daemon=True)
        self._thread.start()

    def _write_loop(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if item is None:
                break
            # Linger a moment while entries gather: a busy server then commits once per
            # `linger` seconds, not once per read. It sleeps rather than waiting on the queue,
            # so that each `record` does not wake it (a thread switch per read, measured).
            self._hurry.wait(self.linger)
            self._hurry.clear()
            batch = [item]
            while len(batch) < BATCH:
                try:
                    more = self._queue.get_nowait()
                except Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            self._write(batch)

    def _write(self, batch: list[tuple[datetime, Access]]) -> None:
        attempts = 0
        while True:
            try:
                append(self.db, self.keyring, batch)
                break
            except Exception:  # the database away for a moment: keep the entries, try again
                attempts += 1
                log.exception(
                    "access log: %d entries not written yet (try %d)", len(batch), attempts
                )
                if attempts >= 3 and len(batch) > 1:
                    # One entry the database refuses must not hold back the others.
                    for one in batch:
                        self._write_one(one)
                    break
                if attempts >= 3 and (self._closed or len(batch) == 1):
                    log.error("access log: %d entries could not be written", len(batch))
                    break
                time.sleep(self.retry_seconds)
        with self._written_changed:
            self._written += len(batch)
            self._written_changed.notify_all()

    def _write_one(self, item: tuple[datetime, Access]) -> None:
        for _attempt in range(3):
            try:
                append(self.db, self.keyring, [item])
                return
            except Exception:
                time.sleep(self.retry_seconds)
        log.error("access log: an entry could not be written: %r", item[1])

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every entry recorded before this call is in the table (False: timed out)."""
        with self._lock:
            target = self._recorded
        if self._written < target:
            self._hurry.set()  # the writer stops lingering and writes now
        deadline = time.monotonic() + timeout
        with self._written_changed:
            while self._written < target:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._written_changed.wait(left)
        return True

    def close(self) -> None:
        """Write what is queued, then stop the writer."""
        self._closed = True
        thread = self._thread
        if thread is not None:
            self._queue.put(None)
            self._hurry.set()
            thread.join(timeout=30)
            self._thread = None

    @property
    def entries(self) -> list[Access]:
        """Every entry as recorded, oldest first (after a flush; for tests and small logs)."""
        self.flush()
        return [
            Access(
                kind=AccessKind(row["kind"]),
                actor_id=row["actor_id"],
                subject=row["subject"],
                detail=json.loads(row["detail"]),
                address=row["address"],
                user_agent=row["user_agent"],
            )
            for row in self.db.query(f"SELECT * FROM {TABLE} ORDER BY sequence")
        ]

    # Verifying against the signed checkpoints' anchor is workers/checkpoints.verify_running (the
    # checkpoints read this module; this one does not read them).


# --- reading ------------------------------------------------------------------------------------


def _stored(
    db: Database, page_size: int, after: int | None = None, upto: int | None = None
) -> Iterator[StoredEntry]:
    while True:
        where, params = ("WHERE sequence > ?", [after]) if after is not None else ("", [])
        if upto is not None:
            where = f"{where} {'AND' if where else 'WHERE'} sequence <= ?"
            params.append(upto)
        rows = db.query(
            f"SELECT {_COLUMNS} FROM {TABLE} {where} ORDER BY sequence LIMIT ?",
            (*params, page_size),
        )
        for row in rows:
            yield StoredEntry(
                entry=ChainEntry(
                    sequence=int(row["sequence"]),
                    at=row["at"],
                    kind=row["kind"],
                    actor_id=row["actor_id"],
                    subject=row["subject"],
                    detail=row["detail"],
                    address=row["address"],
                    user_agent=row["user_agent"],
                    key_id=row["key_id"],
                ),
                previous_head=row["previous_head"],
                head=row["head"],
            )
        if len(rows) < page_size:
            return
        after = int(rows[-1]["sequence"])


def _key_of(keyring: Keyring) -> Callable[[str], bytes | None]:
    def key_of(key_id: str) -> bytes | None:
        key = keyring.find("access", key_id)
        return None if key is None else key.secret

    return key_of


def verify_since(
    db: Database, keyring: Keyring, after: tuple[int, str], *, page_size: int = 5000
) -> AccessChainReport:
    """Check the entries after `after` (sequence, head) up to the head row, as read first: what
    a checkpoint may anchor (entries appended meanwhile wait for the next one)."""
    head = read_head(db)
    upto = None if head is None else head[0]
    entries = _stored(db, page_size, after=after[0] or None, upto=upto)
    return verify(entries, _key_of(keyring), recorded_head=head, after=after)


def read_head(db: Database) -> tuple[int, str] | None:
    """The head row: the last sequence appended and its chain value (None: no head row)."""
    row = db.one(f"SELECT sequence, head FROM {HEAD_TABLE} WHERE id = 1")
    return None if row is None else (int(row["sequence"]), str(row["head"]))


def verify_store(
    db: Database,
    keyring: Keyring,
    *,
    page_size: int = 5000,
    anchor: Anchor | None = None,
) -> AccessChainReport:
    """Check the stored chain: every entry's head under its key, every link, no gap, the head
    row matching the last entry; and the entry a signed checkpoint anchored (`anchor`, see
    workers/checkpoints.verify_access) still the one stored."""
    report = verify(_stored(db, page_size), _key_of(keyring), recorded_head=read_head(db))
    if anchor is not None:
        row = db.one(f"SELECT head FROM {TABLE} WHERE sequence = ?", (anchor.sequence,))
        stored = GENESIS if anchor.sequence == 0 else None  # anchored while the log was empty
        check_anchor(report, anchor, str(row["head"]) if row is not None else stored)
    return report


@dataclass(frozen=True)
class AccessQuery:
    """Filters of a search: by whom (user ids; `usernames` match the logins they tried), about
    whom (a subject: a customer, staff member, export...), which kind, when; and the page."""

    actor_ids: tuple[str, ...] = ()
    usernames: tuple[str, ...] = ()
    subject: str | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None  # the cursor: entries older than this sequence
    limit: int = 50


def search(db: Database, query: AccessQuery) -> tuple[list[AccessEntry], int | None]:
    """Entries matching `query`, newest first; and the cursor of the next (older) page."""
    where: list[str] = []
    params: list[Any] = []
    if query.actor_ids or query.usernames:
        either = []
        if query.actor_ids:
            either.append(f"actor_id IN ({', '.join('?' * len(query.actor_ids))})")
            params += query.actor_ids
        if query.usernames:
            # A login attempt names the username tried, with no actor when it failed.
            either.append(
                f"(kind IN (?, ?) AND subject IN ({', '.join('?' * len(query.usernames))}))"
            )
            params += [AccessKind.LOGIN_FAILED, AccessKind.LOGIN_SUCCEEDED, *query.usernames]
        where.append("(" + " OR ".join(either) + ")")
    if query.subject is not None:
        where.append("subject = ?")
        params.append(query.subject)
    if query.kind is not None:
        where.append("kind = ?")
        params.append(query.kind)
    if query.since is not None:
        where.append("at >= ?")
        params.append(stamp(query.since))
    if query.until is not None:
        where.append("at < ?")
        params.append(stamp(query.until))
    if query.before is not None:
        where.append("sequence < ?")
        params.append(query.before)
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    rows = db.query(
        f"SELECT {_COLUMNS} FROM {TABLE} {clause} ORDER BY sequence DESC LIMIT ?",
        (*params, query.limit + 1),
    )
    more = len(rows) > query.limit
    entries = [_entry(row) for row in rows[: query.limit]]
    return entries, (entries[-1].sequence if more else None)


def _entry(row: Row) -> AccessEntry:
    return AccessEntry(
        sequence=int(row["sequence"]),
        at=datetime.strptime(row["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
        kind=row["kind"],
        actor_id=row["actor_id"],
        subject=row["subject"],
        detail=json.loads(row["detail"]),
        address=row["address"],
        user_agent=row["user_agent"],
    )
