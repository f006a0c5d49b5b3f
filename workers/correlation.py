"""The request id: which request a log line, and the jobs a request's events ask for, belong to.

The API takes a client's `X-Request-ID` (when short and of safe characters) or makes one, and
holds it in `REQUEST_ID` while it answers (api/metrics.py). Every log line written meanwhile
carries it (ops/logs.py).

Jobs are not made by the request: the dispatcher makes them later, in another process, from the
events in the log (workers/dispatcher.py). So the id travels with the events that ask for work:

1. Before a commit saves them, `JobOrigins.note` writes (event key -> request id) for each event
   a dispatcher rule maps to work, when a request id is set. The key is the one the dispatcher
   gives the event's job (aggregate id and version), known before the save; writing *before*
   the save means the dispatcher can never see the event before its note (a note whose save
   then failed is an orphan, swept after a day).
2. The dispatcher, recording the event's job in its page transaction, takes the note (reads and
   deletes it) and keeps the id on the job row.
3. When it sends the job it binds the id, and `RequestIdMiddleware` copies it into the dramatiq
   message's options; the worker binds it again while the actor runs the message.

Request ids are not personal data (random or client-chosen tokens of safe characters), but they
are not kept in the event log either: they are operational, and the log is for ever.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware

from projections.db import Database, Tx

log = logging.getLogger(__name__)

HEADER = "X-Request-ID"
OPTION = "request_id"  # the dramatiq message option that carries it
TABLE = "job_origins"
ORPHANS_AFTER = timedelta(days=1)

# Short and of characters safe in a log line, a header and a Prometheus exemplar alike.
_VALID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

REQUEST_ID: ContextVar[str | None] = ContextVar("showroom_request_id", default=None)

_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " event_key TEXT PRIMARY KEY, request_id TEXT NOT NULL, noted_at TEXT NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_noted ON {TABLE} (noted_at)",
)


def valid(value: str | None) -> str | None:
    """`value` if it may serve as a request id (1-64 of A-Z a-z 0-9 . _ : -), else None."""
    if value is None or _VALID.fullmatch(value) is None:
        return None
    return value


def new() -> str:
    return uuid.uuid4().hex


def current() -> str | None:
    return REQUEST_ID.get()


@contextmanager
def bound(request_id: str | None) -> Iterator[None]:
    """Hold `request_id` as the current one inside the block (None: none)."""
    token = REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


def event_key(event: Any) -> str:
    """The key the dispatcher gives an event's job by default (workers/dispatcher.py)."""
    return f"{event.originator_id}:{event.originator_version}"


def migrate(db: Database) -> None:
    with db.transaction() as tx:
        for statement in _DDL:
            tx.execute(statement)


class JobOrigins:
    """Notes, before a commit, which request asked for the events that will make jobs."""

    def __init__(self, db: Database, event_types: Iterable[type[Any]]) -> None:
        self.db = db
        self.event_types = frozenset(event_types)

    def note(self, events: Sequence[Any]) -> None:
        """A commit observer (domain/app.py): called with the events about to be saved."""
        request_id = REQUEST_ID.get()
        if request_id is None:
            return
        keys = [event_key(e) for e in events if type(e) in self.event_types]
        if not keys:
            return
        try:
            self._write(keys, request_id)
        except Exception:  # a lost note costs a log line its id: never the write itself
            log.warning(
                "request id of %d event(s) not noted for their jobs", len(keys), exc_info=True
            )

    def _write(self, keys: Sequence[str], request_id: str) -> None:
        now = datetime.now(UTC)
        with self.db.transaction() as tx:
            tx.executemany(
                f"INSERT INTO {TABLE} (event_key, request_id, noted_at) VALUES (?, ?, ?)"
                " ON CONFLICT (event_key) DO UPDATE SET request_id = excluded.request_id,"
                " noted_at = excluded.noted_at",
                [(key, request_id, now.isoformat(timespec="microseconds")) for key in keys],
            )
            # Notes whose save failed are never taken: swept here, where notes are rare.
            cutoff = (now - ORPHANS_AFTER).isoformat(timespec="microseconds")
            tx.execute(f"DELETE FROM {TABLE} WHERE noted_at < ?", (cutoff,))


def take(tx: Tx, key: str) -> str | None:
    """The request id noted for an event's key, removed in the caller's transaction."""
    row = tx.one(f"SELECT request_id FROM {TABLE} WHERE event_key = ?", (key,))
    if row is None:
        return None
    tx.execute(f"DELETE FROM {TABLE} WHERE event_key = ?", (key,))
    return str(row["request_id"])


class RequestIdMiddleware(Middleware):
    """Carries the request id from the sender into the message, and from it into the worker."""

    def __init__(self) -> None:
        self._tokens: dict[str, Token[str | None]] = {}

    def before_enqueue(self, broker: dramatiq.Broker, message: Any, delay: int) -> None:
        request_id = REQUEST_ID.get()
        if request_id is not None:
            message.options[OPTION] = request_id

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        # Each worker thread runs one message at a time, in its own context.
        self._tokens[message.message_id] = REQUEST_ID.set(valid(message.options.get(OPTION)))

    def after_process_message(
        self, broker: dramatiq.Broker, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        token = self._tokens.pop(message.message_id, None)
        if token is not None:
            REQUEST_ID.reset(token)

    after_skip_message = after_process_message


def observer(db: Database, event_types: Iterable[type[Any]]) -> Callable[[Sequence[Any]], None]:
    """The commit observer the runtime installs on its application."""
    return JobOrigins(db, event_types).note
