"""The log's chain links and signed checkpoints: written, kept, exported, and verified.

Two tables of the views database, neither of them a view (no rebuild drops them, the migrate
step only creates them):

- `audit_checkpoints`: one signed checkpoint per log position (audit/chain.py);
- `audit_chain_links`: the chain's head after each event up to the last checkpoint, so that a
  verification names the exact position where the log was changed, not only the checkpoint
  that disagrees. A link is keyed: without the chain key nobody can make one that agrees.

`write_checkpoint` continues the chain from the last checkpoint (it never re-reads the log
before it), checks the new events on the way, and signs the new head. It is run by a timer
through the dispatcher (`SHOWROOM_CHECKPOINT_MINUTES`, hourly by default), at every pay-period
approval (a dispatcher rule), and by `showroom audit checkpoint`. A break found while doing so
is logged as an error and no checkpoint is written past it.

Each checkpoint also carries the access log's head (workers/access_log.py): the writer checks
the access log's entries since the last anchored one and signs the head it reached, so that a
tail of the access log deleted or rewritten later is found by `verify_access` (the access log's
own head row lives in the same database as its entries and could be set back with them).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from audit.access_chain import GENESIS as ACCESS_GENESIS
from audit.access_chain import AccessChainReport, Anchor
from audit.chain import (
    CLEAR_AFTER_ENCRYPTION,
    GENESIS,
    BodyUnreadableError,
    Checkpoint,
    encrypted,
    event_body,
    event_link,
    public_key_hex,
    sign_checkpoint,
    signature_ok,
    stored_in_clear,
)
from audit.integrity import IntegrityReport, verify
from audit.keyring import Keyring
from domain.app import Showroom
from domain.shared import clock
from projections.db import Database
from workers import access_log

log = logging.getLogger(__name__)

CHECKPOINTS = "audit_checkpoints"
LINKS = "audit_chain_links"
ACTOR = "write_checkpoint"
EXPORT_FORMAT = "showroom-checkpoints-v1"
# Events one checkpoint covers at most: a first checkpoint of a large log is several.
MOST_PER_CHECKPOINT = 50_000
# Writers of checkpoints take turns (PostgreSQL advisory lock key; SQLite's write lock serves).
_LOCK = 0x5348_4348_4B50  # "SHCHKP"

_DDL = (
    f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS} ("
    " position BIGINT PRIMARY KEY, head TEXT NOT NULL, recorded_at TEXT NOT NULL,"
    " key_id TEXT NOT NULL, reason TEXT NOT NULL, signature TEXT NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {LINKS} (position BIGINT PRIMARY KEY, head TEXT NOT NULL)",
)
# The access log's head a checkpoint carries (added later: older rows have none).
_ACCESS_COLUMNS = (("access_sequence", "BIGINT"), ("access_head", "TEXT"))


def migrate(db: Database) -> None:
    """Create the tables (idempotent). They are never dropped: they are not views."""
    with db.transaction() as tx:
        for statement in _DDL:
            tx.execute(statement)
        if db.dialect == "postgres":
            for name, kind in _ACCESS_COLUMNS:
                tx.execute(f"ALTER TABLE {CHECKPOINTS} ADD COLUMN IF NOT EXISTS {name} {kind}")
        else:
            columns = {row["name"] for row in tx.query(f"PRAGMA table_info({CHECKPOINTS})")}
            for name, kind in _ACCESS_COLUMNS:
                if name not in columns:
                    tx.execute(f"ALTER TABLE {CHECKPOINTS} ADD COLUMN {name} {kind}")


def load_checkpoints(db: Database) -> list[Checkpoint]:
    """Every stored checkpoint, by position."""
    rows = db.query(f"SELECT * FROM {CHECKPOINTS} ORDER BY position")
    return [Checkpoint.from_dict(row) for row in rows]


def last_checkpoint(db: Database) -> Checkpoint | None:
    row = db.one(f"SELECT * FROM {CHECKPOINTS} ORDER BY position DESC LIMIT 1")
    return Checkpoint.from_dict(row) if row else None


def last_access_anchor(db: Database) -> Checkpoint | None:
    """The latest checkpoint that carries the access log's head (None: none does yet)."""
    row = db.one(
        f"SELECT * FROM {CHECKPOINTS} WHERE access_sequence IS NOT NULL"
        " ORDER BY position DESC LIMIT 1"
    )
    return Checkpoint.from_dict(row) if row else None


def iter_links(db: Database, *, page: int = 20_000) -> Iterator[tuple[int, str]]:
    """Every stored link, by position, a page at a time."""
    after = -1
    while True:
        rows = db.query(
            f"SELECT position, head FROM {LINKS} WHERE position > ? ORDER BY position LIMIT ?",
            (after, page),
        )
        for row in rows:
            yield int(row["position"]), str(row["head"])
        if len(rows) < page:
            return
        after = int(rows[-1]["position"])


# --- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one run of the writer did: the checkpoint written (None: none), events folded, and
    the break that stopped it (None: none)."""

    checkpoint: Checkpoint | None
    folded: int
    problem: str | None = None


def write_checkpoint(
    app: Showroom,
    db: Database,
    keyring: Keyring,
    *,
    reason: str,
    now: Callable[[], datetime] = clock.now,
    page_size: int = 1000,
    most: int = MOST_PER_CHECKPOINT,
) -> Outcome:
    """Extend the chain from the last checkpoint to the log's end and sign a checkpoint there.

    Nothing new since the last checkpoint: nothing is written. A break (the last checkpoint's
    signature or event changed, the log shorter than it, a body that does not decrypt, positions
    out of order) is logged as an error; the checkpoint stops before it (or is not written).
    A long way to the end (the first checkpoint of a large log) is walked in checkpoints of at
    most `most` events each, so that memory and each transaction stay bounded; the outcome is
    the last one's, with every event folded counted."""
    folded = 0
    while True:
        outcome = _write_one(app, db, keyring, reason, now, page_size, most)
        folded += outcome.folded
        if outcome.checkpoint is None or outcome.problem or outcome.folded < most:
            return Outcome(outcome.checkpoint, folded, outcome.problem)


def _write_one(
    app: Showroom,
    db: Database,
    keyring: Keyring,
    reason: str,
    now: Callable[[], datetime],
    page_size: int,
    most: int,
) -> Outcome:
    last = last_checkpoint(db)
    key = keyring.current("chain")
    head, position, problem = GENESIS, 0, None
    if last is not None:
        problem = _check_last(app, db, keyring, last)
        if problem is not None:
            log.error("log chain: %s; no checkpoint written", problem)
            return Outcome(None, 0, problem)
        head, position = last.head, last.position

    # Whether encryption began by the last checkpoint (its event encrypted): after that, a
    # body in clear is a break (audit/chain.py).
    began = False
    if last is not None:
        anchored = app.recorder.select_notifications(start=last.position, limit=1)
        began = bool(anchored) and encrypted(anchored[0].state)
    links: list[tuple[int, str]] = []
    start = position + 1
    while problem is None and len(links) < most:
        limit = min(page_size, most - len(links))
        page = app.recorder.select_notifications(start=start, limit=limit)
        for notification in page:
            if notification.id <= position:
                problem = f"position {notification.id} does not follow {position}"
                break
            try:
                body = event_body(app.mapper, notification.state)
            except BodyUnreadableError as error:
                problem = f"position {notification.id}: the body does not decrypt: {error}"
                break
            if encrypted(notification.state):
                began = True
            elif began and stored_in_clear(notification.state, body):
                problem = f"position {notification.id}: {CLEAR_AFTER_ENCRYPTION}"
                break
            head = event_link(
                key.secret,
                head,
                notification.id,
                notification.originator_id,
                notification.originator_version,
                notification.topic,
                body,
            )
            position = notification.id
            links.append((position, head))
        if len(page) < limit:
            break
        start = page[-1].id + 1
    if problem is not None:
        log.error("log chain: %s; the checkpoint stops before it", problem)
    if not links:
        return Outcome(None, 0, problem)

    checkpoint = sign_checkpoint(
        key.secret,
        position=position,
        head=head,
        recorded_at=now().astimezone(UTC).isoformat(timespec="microseconds"),
        key_id=key.id,
        reason=reason,
        access=_access_head(db, keyring),
    )
    # On PostgreSQL the links go as one text of statements (a held transaction): a checkpoint
    # of 1,000 new events took 210 ms with psycopg's executemany, 74 ms so.
    with db.transaction(batched=db.dialect == "postgres") as tx:
        if db.dialect == "postgres":
            tx.query("SELECT pg_advisory_xact_lock(?) AS locked", (_LOCK,))
        latest = tx.one(f"SELECT MAX(position) AS position FROM {CHECKPOINTS}")
        latest_position = int(latest["position"] or 0) if latest else 0
        if latest_position != (last.position if last else 0):
            # Another writer got there first: its checkpoint stands, this one is dropped.
            return Outcome(None, 0, problem)
        tx.executemany(f"INSERT INTO {LINKS} (position, head) VALUES (?, ?)", links)
        tx.execute(
            f"INSERT INTO {CHECKPOINTS} (position, head, recorded_at, key_id, reason, signature,"
            " access_sequence, access_head) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                checkpoint.position,
                checkpoint.head,
                checkpoint.recorded_at,
                checkpoint.key_id,
                checkpoint.reason,
                checkpoint.signature,
                checkpoint.access_sequence,
                checkpoint.access_head,
            ),
        )
    return Outcome(checkpoint, len(links), problem)


def _access_head(db: Database, keyring: Keyring) -> tuple[int, str] | None:
    """The access log's head to sign: its head row, once the entries since the last anchored
    one check out (their chain, keys and the head row). A break is logged as an error and the
    last anchored head is carried again, so that a forged tail is never anchored."""
    anchored = last_access_anchor(db)
    after = (
        (anchored.access_sequence, anchored.access_head or ACCESS_GENESIS)
        if anchored is not None and anchored.access_sequence is not None
        else (0, ACCESS_GENESIS)
    )
    report = access_log.verify_since(db, keyring, after)
    if report.ok:
        return report.last_sequence, report.head
    first = report.problems[0]
    log.error("access log: entry %d: %s; its head is not anchored", first.sequence, first.problem)
    return None if anchored is None else after


def _check_last(app: Showroom, db: Database, keyring: Keyring, last: Checkpoint) -> str | None:
    """Whether the chain may continue from the last checkpoint: its signature holds, and its
    event is still there and links from the link before it (cheap: one event, two links)."""
    key = keyring.find("chain", last.key_id)
    if key is None:
        return f"the chain key {last.key_id!r} of the last checkpoint is not in the keyring"
    if not signature_ok(last, public_key_hex(key.secret)):
        return f"the last checkpoint (position {last.position}) has a signature that fails"
    page = app.recorder.select_notifications(start=last.position, limit=1)
    if not page or page[0].id != last.position:
        end = app.recorder.max_notification_id() or 0
        if end < last.position:
            return f"the log ends at position {end}, before the last checkpoint ({last.position})"
        return f"the event at the last checkpoint's position {last.position} is missing"
    before = db.one(
        f"SELECT head FROM {LINKS} WHERE position < ? ORDER BY position DESC LIMIT 1",
        (last.position,),
    )
    notification = page[0]
    try:
        body = event_body(app.mapper, notification.state)
    except BodyUnreadableError as error:
        return f"position {last.position}: the body does not decrypt: {error}"
    link = event_link(
        key.secret,
        before["head"] if before else GENESIS,
        notification.id,
        notification.originator_id,
        notification.originator_version,
        notification.topic,
        body,
    )
    if link != last.head:
        return f"position {last.position}: the event differs from the one the chain anchored"
    return None


# --- verifying and exporting --------------------------------------------------------------------


def verify_log(
    app: Showroom,
    db: Database,
    keyring: Keyring,
    *,
    stop: int | None = None,
    extra: list[Checkpoint] | None = None,
) -> IntegrityReport:
    """Recompute the chain from the start against every stored link and checkpoint (and the
    checkpoints of an export kept elsewhere, `extra`: one that differs from the stored one at
    its position, or is no longer stored, is a finding)."""
    checkpoints = load_checkpoints(db)
    problems: list[str] = []
    if extra:
        stored = {c.position: c for c in checkpoints}
        for kept in extra:
            here = stored.get(kept.position)
            if here is None:
                problems.append(
                    f"the kept checkpoint at position {kept.position} is no longer stored"
                )
                checkpoints.append(kept)
            elif here != kept:
                problems.append(
                    f"the stored checkpoint at position {kept.position} differs from the kept one"
                )
                checkpoints.append(kept)
    report = verify(app, stop=stop, keyring=keyring, checkpoints=checkpoints, links=iter_links(db))
    for problem in problems:
        report.add_problem(problem)
    return report


def verify_access(
    db: Database,
    keyring: Keyring,
    *,
    extra: list[Checkpoint] | None = None,
    page_size: int = 5000,
) -> AccessChainReport:
    """Check the access log's chain (workers/access_log.verify_store) and the entry the latest
    signed checkpoint anchored (of those stored, and of an export kept elsewhere, `extra`):
    a tail deleted or rewritten before that checkpoint is a problem, even with the head row set
    back. A checkpoint whose signature fails anchors nothing and is a problem itself."""
    candidates = [c for c in (last_access_anchor(db), *(extra or ())) if c is not None]
    candidates = [c for c in candidates if c.access_sequence is not None]
    latest = max(candidates, key=lambda c: c.position, default=None)
    anchor, problem = None, None
    if latest is not None and latest.access_sequence is not None:
        key = keyring.find("chain", latest.key_id)
        if key is not None and signature_ok(latest, public_key_hex(key.secret)):
            anchor = Anchor(
                sequence=latest.access_sequence,
                head=latest.access_head or "",
                recorded_at=latest.recorded_at,
                position=latest.position,
            )
        else:
            problem = (
                f"the checkpoint at position {latest.position} that anchors the access log"
                " has a signature that fails (or its chain key is not in the keyring)"
            )
    report = access_log.verify_store(db, keyring, page_size=page_size, anchor=anchor)
    if problem is not None and latest is not None and latest.access_sequence is not None:
        report.add(latest.access_sequence, problem)
    return report


def verify_running(log: access_log.AccessLog, page_size: int = 5000) -> AccessChainReport:
    """`verify_access` of a running access log, after writing what it has queued."""
    log.flush()
    return verify_access(log.db, log.keyring, page_size=page_size)


def export(db: Database, keyring: Keyring) -> dict[str, Any]:
    """Every checkpoint with the public keys that check their signatures (JSON for an auditor
    to keep elsewhere; docs/audit-chain.md says how to check it)."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": clock.now().astimezone(UTC).isoformat(timespec="seconds"),
        "public_keys": {key.id: public_key_hex(key.secret) for key in keyring.all("chain")},
        "signature": "Ed25519 over the checkpoint's message (docs/audit-chain.md)",
        "checkpoints": [c.as_dict() for c in load_checkpoints(db)],
    }


def export_json(db: Database, keyring: Keyring) -> str:
    return json.dumps(export(db, keyring), indent=2) + "\n"


def read_export(text: str) -> tuple[dict[str, str], list[Checkpoint]]:
    """The public keys and checkpoints of an exported file (ValueError when it is not one)."""
    try:
        document = json.loads(text)
        if document.get("format") != EXPORT_FORMAT:
            raise ValueError(f"not a {EXPORT_FORMAT} file")
        keys = {str(k): str(v) for k, v in document["public_keys"].items()}
        marks = [Checkpoint.from_dict(item) for item in document["checkpoints"]]
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as error:
        raise ValueError(f"not a checkpoints export: {error}") from None
    return keys, marks


def check_export(keys: dict[str, str], marks: list[Checkpoint]) -> list[str]:
    """What is wrong with an export, by its own public keys: the checkpoints whose signature
    fails (an empty list: every one holds)."""
    return [
        f"checkpoint at position {c.position}: the signature does not verify"
        for c in marks
        if c.key_id not in keys or not signature_ok(c, keys[c.key_id])
    ]
