"""Follows the one notification log and keeps every projection up to date.

Unlike the library's runner (one transaction per event, no SQLite subscription), this one polls
the log, decodes a page once for all projections, and commits the page of every projection it
holds in one transaction, together with their tracking positions (on PostgreSQL the page's
writes are held and sent many statements at a time: see `projections.db._HeldPostgresTx`). One
runner works on a projection at a time: PostgreSQL advisory locks (or file locks on the
embedded default) guard each name, and a second runner waits as a hot standby.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import psycopg
from eventsourcing.persistence import Notification
from psycopg import sql

from domain.app import Showroom
from projections.db import Database, Params, PostgresDatabase, Row, Tx
from projections.private import open_private
from projections.projection import Projection

log = logging.getLogger(__name__)

# How many pages a runner takes at once while it is behind the log: fewer, bigger commits
# (measured: 5 pages a commit instead of 1 cut a 100k-event rebuild's commit time from 7 s to
# 3 s on SQLite; 20 instead of 5, with the SQLite writer settings in projections/db.py, took a
# 1.7M-event rebuild from 488 s to 341 s). Memory stays bounded by one batch of pages.
CATCH_UP_PAGES = 20

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
)

# Which shape of each view its tables hold (Projection.fingerprint).
SCHEMA_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_schema ("
    " name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL)"
)
# A view that failed on an event: where it stopped and why (see ProjectionRunner._isolate).
FAILURE_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_failure ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL, topic TEXT NOT NULL,"
    " error TEXT NOT NULL, failed_at TEXT NOT NULL)"
)

# Processes starting together migrate one after the other (PostgreSQL advisory lock key).
_MIGRATE_LOCK = 0x5EED_0F_5C


class ViewsNotCaughtUpError(Exception):
    """The views did not reach a requested log position within the wait (HTTP 503)."""

    def __init__(self, position: int, reached: int) -> None:
        super().__init__(f"views reached log position {reached}, not yet {position}")
        self.position, self.reached = position, reached


@dataclass(frozen=True)
class ViewFailure:
    """A view stopped at the event it could not project: `position` is that event's."""

    name: str
    position: int
    topic: str
    error: str
    failed_at: str


# Errors of the database itself (a lost connection, a lock timeout): the page is retried as it
# is, never blamed on an event.
TRANSIENT: tuple[type[BaseException], ...] = (sqlite3.OperationalError, psycopg.OperationalError)


def failures(db: Database) -> list[ViewFailure]:
    """Every view that is stopped at an event it failed on, in name order."""
    rows = db.query("SELECT * FROM projection_failure ORDER BY name")
    return [
        ViewFailure(r["name"], int(r["position"]), r["topic"], r["error"], r["failed_at"])
        for r in rows
    ]


def _record_failure(tx: Tx, failure: ViewFailure) -> None:
    tx.execute(
        "INSERT INTO projection_failure (name, position, topic, error, failed_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position,"
        " topic = excluded.topic, error = excluded.error, failed_at = excluded.failed_at",
        (failure.name, failure.position, failure.topic, failure.error, failure.failed_at),
    )


def tracking_position(tx: Tx, name: str) -> int:
    row = tx.one("SELECT position FROM projection_tracking WHERE name = ?", (name,))
    return int(row["position"]) if row else 0


_SET_TRACKING = (
    "INSERT INTO projection_tracking (name, position) VALUES (?, ?)"
    " ON CONFLICT (name) DO UPDATE SET position = excluded.position"
)


def set_tracking(tx: Tx, name: str, position: int) -> None:
    tx.execute(_SET_TRACKING, (name, position))


def _tracked(tx: Tx, names: Sequence[str]) -> dict[str, int]:
    marks = ", ".join("?" for _ in names)
    rows = tx.query(
        f"SELECT name, position FROM projection_tracking WHERE name IN ({marks})", list(names)
    )
    return {r["name"]: int(r["position"]) for r in rows}


def migrate(db: Database, projections: Iterable[Projection], *, head: int | None = None) -> None:
    """Create the tracking table and every view's tables (idempotent).

    Given the log's `head`, a view tracked beyond it is reset too (`reset_views_ahead`).

    A view built by a release whose tables or handlers differ (another fingerprint, or none
    recorded) is dropped and its tracking deleted, so that its runner replays the log into
    the new shape: a deploy never serves a half-built view as if it were caught up.
    """
    with db.transaction() as tx:
        if tx.dialect == "postgres":
            tx.query("SELECT pg_advisory_xact_lock(?) AS locked", (_MIGRATE_LOCK,))
        tx.execute(TRACKING_DDL)
        tx.execute(SCHEMA_DDL)
        tx.execute(FAILURE_DDL)
        built = {
            r["name"]: r["fingerprint"]
            for r in tx.query("SELECT name, fingerprint FROM projection_schema")
        }
        tracked = {r["name"] for r in tx.query("SELECT name FROM projection_tracking")}
        for projection in projections:
            mark = projection.fingerprint()
            if built.get(projection.name) != mark:
                if projection.name in built or projection.name in tracked:
                    log.warning("view %s changed shape: dropped, to be rebuilt", projection.name)
                    projection.drop(tx)
                    tx.execute("DELETE FROM projection_tracking WHERE name = ?", (projection.name,))
                tx.execute(
                    "INSERT INTO projection_schema (name, fingerprint) VALUES (?, ?)"
                    " ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint",
                    (projection.name, mark),
                )
            projection.create(tx)
    if head is not None:
        reset_views_ahead(db, projections, head)


def reset_views_ahead(db: Database, projections: Iterable[Projection], head: int) -> list[str]:
    """Reset every view whose tracking is beyond the log's head; the names reset.

    That happens when an older events file is restored under newer views (an improvised
    backup): such a view believes it has seen positions the log will hand out again to new
    events, and would skip them for ever. Replaying it from the start is the only safe repair.
    Read `head` after the positions' writers could have moved: tracking only ever follows
    events that were in the log, so a position beyond a head read later is a restore.
    """
    known = positions(db)
    ahead = [p for p in projections if known.get(p.name, 0) > head]
    for projection in ahead:
        log.error(
            "view %s is at log position %d but the log ends at %d (older events restored?):"
            " reset, to be rebuilt",
            projection.name,
            known[projection.name],
            head,
        )
        reset(db, projection)
    return [p.name for p in ahead]


def positions(db: Database) -> dict[str, int]:
    return {r["name"]: int(r["position"]) for r in db.query("SELECT * FROM projection_tracking")}


def reset(db: Database, projection: Projection) -> None:
    """Drop a view's rows and tracking in one transaction; a runner then replays the log."""
    with db.transaction() as tx:
        projection.drop(tx)
        projection.create(tx)
        tx.execute("DELETE FROM projection_tracking WHERE name = ?", (projection.name,))
        tx.execute("DELETE FROM projection_failure WHERE name = ?", (projection.name,))


class _Batch(Tx):
    """The same transaction under a new handle (see ProjectionRunner.rebuild)."""

    def __init__(self, tx: Tx) -> None:
        self.tx, self.dialect = tx, tx.dialect

    def execute(self, sql: str, params: Params = ()) -> None:
        self.tx.execute(sql, params)

    def changed(self, sql: str, params: Params = ()) -> int:
        return self.tx.changed(sql, params)

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self.tx.executemany(sql, rows)

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        return self.tx.query(sql, params)


class _RolledBack(Exception):
    """Ends a trial transaction (ProjectionRunner._trial)."""


class _Locks:
    """One lock per projection name, so a second runner of a name stands by."""

    def __init__(self, db: Database, lock_dir: Any) -> None:
        self.db = db
        self.lock_dir = lock_dir
        self._files: dict[str, IO[str]] = {}
        self._pg: Any = None

    def try_acquire(self, name: str) -> bool:
        if name in self._files:
            return True
        if isinstance(self.db, PostgresDatabase):
            if self._pg is None:
                self._pg = self.db.connect()
            # The schema is part of the key: deployments (and test runs) sharing a database
            # server must not block each other's runners.
            scope = f"showroom:{self.db.schema}:{name}"
            key = int.from_bytes(hashlib.sha256(scope.encode()).digest()[:8], "big")
            key -= 1 << 63 if key >= 1 << 63 else 0
            row = self._pg.execute("SELECT pg_try_advisory_lock(%s) AS ok", (key,)).fetchone()
            if row and row["ok"]:
                self._files[name] = None  # type: ignore[assignment]
                return True
            return False
        path = Path(self.lock_dir) / f"projection-{name}.lock"
        handle = os.fdopen(open_private(path, os.O_WRONLY), "w")  # 0600 like the data beside it
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._files[name] = handle
        return True

    def release_all(self) -> None:
        for handle in self._files.values():
            if handle is not None:
                handle.close()
        self._files.clear()
        if self._pg is not None:
            self._pg.close()  # closing the session releases its advisory locks
            self._pg = None


class ProjectionRunner:
    """Keeps a set of projections following the log, a page at a time."""

    def __init__(
        self,
        app: Showroom,
        db: Database,
        projections: Iterable[Projection],
        *,
        lock_dir: Any,
        page_size: int = 1000,
        poll_seconds: float = 0.02,
        notify_url: str | None = None,
    ) -> None:
        self.app, self.db = app, db
        self.projections = list(projections)
        self.page_size, self.poll_seconds = page_size, poll_seconds
        self._limit = page_size
        self._locks = _Locks(db, lock_dir)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: threading.Thread | None = None
        # The event store's PostgreSQL, whose appends are announced with NOTIFY (None: poll).
        self.notify_url = notify_url
        # One page at a time per runner object: the background loop and a caller of
        # run_until_caught_up must never apply the same page twice.
        self._busy = threading.Lock()
        self.errors = 0
        # Views this runner stopped at an event they failed on (until a restart or a reset);
        # and the failures on record when it started, cleared once their view gets past them.
        self.failed: dict[str, ViewFailure] = {}
        self._handling = 0
        self._on_record: dict[str, int] | None = None

    # --- processing -----------------------------------------------------------------------

    def run_once(self) -> int:
        """Process at most one page for each projection this runner holds; events handled."""
        with self._busy:
            return self._run_once()

    def _run_once(self) -> int:
        if self.failed:
            self._forget_reset_failures()
        owned = [
            p
            for p in self.projections
            if p.name not in self.failed and self._locks.try_acquire(p.name)
        ]
        if not owned:
            return 0
        if self._on_record is None:
            self._on_record = {f.name: f.position for f in failures(self.db)}
        current = positions(self.db)
        start = min(current.get(p.name, 0) for p in owned) + 1
        limit = self._limit
        notifications = self.app.recorder.select_notifications(start=start, limit=limit)
        # Behind the log (a rebuild, a restart): take bigger pages, so that fewer commits
        # carry the catching up; back at the head, pages are small again.
        full = len(notifications) == limit
        caught_up = limit > self.page_size and not full
        self._limit = self.page_size * CATCH_UP_PAGES if full else self.page_size
        if not notifications:
            if caught_up:
                self._analyze(owned)
            return 0
        decoded: dict[int, Any] = {}
        try:
            handled = self._commit_page(owned, notifications, decoded)
        except TRANSIENT:
            raise
        except Exception:
            # One view's failure must not stop the others: commit each view on its own, and
            # stop only the one that cannot project an event of this page.
            log.warning("a projection page failed; projecting its views one by one", exc_info=True)
            handled = self._isolate(owned, notifications, decoded)
        if caught_up:
            self._analyze(owned)
        return handled or len(notifications)

    def _commit_page(
        self,
        owned: Sequence[Projection],
        notifications: Sequence[Notification],
        decoded: dict[int, Any],
    ) -> int:
        handled = 0
        # One commit for the whole page: a failure in any view rolls every view back to the
        # page's start.
        with self.db.transaction(batched=True) as tx:
            # Read the positions inside the transaction: they are the truth, even after a
            # rebuild reset one view since the read above.
            tracked = _tracked(tx, [p.name for p in owned])
            reached: list[tuple[str, int]] = []
            for projection in owned:
                after = tracked.get(projection.name, 0)
                handled += self._apply_page(projection, notifications, decoded, tx, after)
                projection.flush(tx)
                if notifications[-1].id > after:
                    reached.append((projection.name, notifications[-1].id))
            tx.executemany(_SET_TRACKING, reached)
            self._clear_passed_failures(tx, reached)
        return handled

    def _clear_passed_failures(self, tx: Tx, reached: Sequence[tuple[str, int]]) -> None:
        """A view on record as failed that got past its event (after a fix) is healthy again."""
        if not self._on_record:
            return
        for name, position in reached:
            failed_at = self._on_record.get(name)
            if failed_at is not None and position >= failed_at:
                tx.execute("DELETE FROM projection_failure WHERE name = ?", (name,))
                del self._on_record[name]
                log.info("view %s got past log position %d and runs again", name, failed_at)

    def _forget_reset_failures(self) -> None:
        """A failed view that was reset (rebuild) since it failed is followed again."""
        recorded = {f.name for f in failures(self.db)}
        for name in [n for n in self.failed if n not in recorded]:
            log.info("view %s was reset: following the log again", name)
            del self.failed[name]

    def _isolate(
        self,
        owned: Sequence[Projection],
        notifications: Sequence[Notification],
        decoded: dict[int, Any],
    ) -> int:
        handled = 0
        for projection in owned:
            try:
                handled += self._commit_page([projection], notifications, decoded)
            except TRANSIENT:
                raise
            except Exception as error:
                handled += self._stop_at_failing_event(projection, notifications, error)
        return handled

    def _stop_at_failing_event(
        self, projection: Projection, page: Sequence[Notification], error: Exception
    ) -> int:
        """Commit the view up to the event it fails on, and stop it there.

        The event is found by bisecting the page with trial transactions that are rolled
        back: the longest prefix that projects is committed, with the tracking position just
        before the failing event, so a fixed release resumes exactly there.
        """
        after = positions(self.db).get(projection.name, 0)
        todo = [n for n in page if n.id > after]
        good, bad = 0, len(todo)  # todo[:good] projects; todo[:bad] fails with `error`
        while bad - good > 1:
            middle = (good + bad) // 2
            failed = self._trial(projection, todo[:middle])
            if failed is None:
                good = middle
            else:
                bad, error = middle, failed
        culprit = todo[bad - 1]
        failure = ViewFailure(
            name=projection.name,
            position=culprit.id,
            topic=culprit.topic,
            error=f"{type(error).__name__}: {error}"[:2000],
            failed_at=datetime.now(UTC).isoformat(),
        )
        with self.db.transaction(batched=True) as tx:
            handled = self._apply_page(projection, todo[:good], {}, tx, after)
            projection.flush(tx)
            if culprit.id - 1 > after:
                set_tracking(tx, projection.name, culprit.id - 1)
            _record_failure(tx, failure)
        self.failed[projection.name] = failure
        self.errors += 1
        if self._on_record is not None:
            self._on_record[projection.name] = culprit.id
        log.error(
            "view %s stopped at log position %d (%s): %s; the other views go on."
            " Fix and restart to resume it (`showroom status` shows it)",
            failure.name,
            failure.position,
            failure.topic,
            failure.error,
        )
        return handled

    def _trial(self, projection: Projection, notifications: Sequence[Notification]) -> Any:
        """Project these events in a transaction that is rolled back: the error, or None."""
        try:
            with self.db.transaction(batched=True) as tx:
                after = tracking_position(tx, projection.name)
                self._apply_page(projection, notifications, {}, tx, after)
                projection.flush(tx)
                # A held PostgreSQL page sends its writes with a read: their errors show here.
                tx.query("SELECT 1 AS sent")
                raise _RolledBack
        except _RolledBack:
            return None
        except TRANSIENT:
            raise
        except Exception as error:
            return error

    def _analyze(self, projections: Sequence[Projection]) -> None:
        """Refresh PostgreSQL's statistics of views that have just caught up (a rebuild, a long
        stop): the planner would otherwise choose from the sizes they had when they were empty
        (measured: the group leaderboard's page took 11.8 ms with a sort of every salesperson,
        0.7 ms off its rank index once analysed). SQLite plans without statistics."""
        if self.db.dialect != "postgres":
            return
        with self.db.transaction() as tx:
            for projection in projections:
                for table in projection.tables:
                    tx.execute(f"ANALYZE {table}")

    def _apply_page(
        self,
        projection: Projection,
        page: Sequence[Notification],
        decoded: dict[int, Any],
        tx: Tx,
        after: int,
    ) -> int:
        if not page:
            return 0
        todo = [n for n in page if n.id > after] if page[0].id <= after else page
        if not todo:
            return 0
        topics = projection.topics
        mine: list[tuple[int, str, Any]] = []
        for notification in todo:
            if notification.topic not in topics:
                continue
            self._handling = notification.id
            event = decoded.get(notification.id)
            if event is None:
                event = self.app.mapper.to_domain_event(notification)
                decoded[notification.id] = event
            mine.append((notification.id, notification.topic, event))
        if mine:
            projection.prepare(tx, [event for _, _, event in mine])
        for position, topic, event in mine:
            self._handling = position  # named by a rebuild that fails here
            projection.position = position
            projection.handle(topic, event, tx)
        self._handling = 0
        return max(len(mine), 1)

    def run_until_caught_up(self, max_pages: int | None = None) -> None:
        pages = 0
        while self.run_once():
            pages += 1
            if max_pages is not None and pages >= max_pages:
                return

    # --- the background loop ----------------------------------------------------------------

    def check_log_head(self) -> list[str]:
        """Reset the views tracked beyond the log's head (older events restored); their names."""
        return reset_views_ahead(self.db, self.projections, self.app.position())

    def rebuild(self, projection: Projection) -> ViewFailure | None:
        """Drop a view and replay the whole log into it in ONE transaction.

        On success the new rows replace the old at the commit (PostgreSQL readers see the old
        rows until then; SQLite's WAL readers too). If an event cannot be projected, nothing
        changes: the view keeps its rows, tracking and any failure on record, and the failure
        (the event's position and the error) is returned. Needs this view's runner lock: the
        caller checks `holds(projection)` first.
        """
        position = 0
        try:
            with self.db.transaction(batched=True) as tx:
                projection.drop(tx)
                projection.create(tx)
                tx.execute("DELETE FROM projection_tracking WHERE name = ?", (projection.name,))
                tx.execute("DELETE FROM projection_failure WHERE name = ?", (projection.name,))
                head = 0
                while True:
                    page = self.app.recorder.select_notifications(
                        start=head + 1, limit=self.page_size * CATCH_UP_PAGES
                    )
                    if not page:
                        break
                    # A fresh handle per batch: page helpers keep per-transaction memos, which
                    # must stay as bounded here as under the runner's commits.
                    batch = _Batch(tx)
                    self._apply_page(projection, page, {}, batch, 0)
                    position = page[-1].id
                    projection.flush(batch)
                    batch.query("SELECT 1 AS sent")
                    head = page[-1].id
                if head:
                    set_tracking(tx, projection.name, head)
        except TRANSIENT:
            raise
        except Exception as error:
            return ViewFailure(
                name=projection.name,
                position=self._handling or position,
                topic="",
                error=f"{type(error).__name__}: {error}"[:2000],
                failed_at=datetime.now(UTC).isoformat(),
            )
        self.failed.pop(projection.name, None)
        return None

    def holds(self, projection: Projection) -> bool:
        """Whether this runner has (or can take) the view's lock: no other process runs it."""
        return self._locks.try_acquire(projection.name)

    def start(self) -> None:
        self.check_log_head()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="projections", daemon=True)
        self._thread.start()
        if self.notify_url and getattr(self.app.recorder, "channel_name", None):
            self._listener = threading.Thread(
                target=self._listen, name="projections-listen", daemon=True
            )
            self._listener.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:
                # A failing page is retried after a pause; nothing it wrote was committed.
                self.errors += 1
                log.exception("projection page failed; retrying")
                worked = 0
                self._stop.wait(1.0)
            if not worked:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def _listen(self) -> None:
        """Wake the loop as soon as PostgreSQL announces an append.

        The library's insert path sends `NOTIFY <events table>` with every append, so another
        process's commit reaches this runner in about a millisecond instead of at the next
        poll; the poll stays as the fallback (a notification is lost while reconnecting).
        """
        assert self.notify_url is not None
        channel = str(getattr(self.app.recorder, "channel_name", ""))
        listen = sql.SQL("LISTEN {0}").format(sql.Identifier(channel))
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.notify_url, autocommit=True) as connection:
                    connection.execute(listen)
                    while not self._stop.is_set():
                        for _ in connection.notifies(timeout=0.5, stop_after=1):
                            self._wake.set()
            except psycopg.Error:
                log.warning("listening for appends failed; polling meanwhile", exc_info=True)
                self._stop.wait(1.0)

    def wake(self) -> None:
        """Look at the log now rather than at the next poll (called after a local write)."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._listener is not None:
            self._listener.join(timeout=5)
            self._listener = None
        self._locks.release_all()


def views_reached(db: Database, names: Iterable[str]) -> tuple[int, list[str]]:
    """The lowest position the named views reached, leaving out the failed ones; and those.

    A failed view would otherwise hold every read-your-writes wait until it times out: the
    reads that do not need it answer, and say which views are stale (docs/read-models.md).
    """
    wanted = list(names)
    stopped = {f.name for f in failures(db)} & set(wanted)
    known = positions(db)
    live = [known.get(n, 0) for n in wanted if n not in stopped]
    return (min(live) if live else max(known.values(), default=0)), sorted(stopped)


def wait_for(db: Database, names: Iterable[str], position: int, timeout: float) -> None:
    """Block until every named view has reached `position` (read-your-writes), or raise.

    Strict: a failed view is waited for too, so the ports that compute from a view (pay,
    phone look-ups) refuse with a 503 rather than compute from rows that stopped."""
    wanted = list(names)
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        known = positions(db)
        reached = min((known.get(n, 0) for n in wanted), default=position)
        if reached >= position:
            return
        if time.monotonic() >= deadline:
            raise ViewsNotCaughtUpError(position, reached)
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
