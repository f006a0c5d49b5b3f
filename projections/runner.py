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
import threading
import time
from collections.abc import Iterable, Sequence
from typing import IO, Any

import psycopg
from eventsourcing.persistence import Notification
from psycopg import sql

from domain.app import Showroom
from projections.db import Database, PostgresDatabase, Tx
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
# Processes starting together migrate one after the other (PostgreSQL advisory lock key).
_MIGRATE_LOCK = 0x5EED_0F_5C


class ViewsNotCaughtUpError(Exception):
    """The views did not reach a requested log position within the wait (HTTP 503)."""

    def __init__(self, position: int, reached: int) -> None:
        super().__init__(f"views reached log position {reached}, not yet {position}")
        self.position, self.reached = position, reached


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


def migrate(db: Database, projections: Iterable[Projection]) -> None:
    """Create the tracking table and every view's tables (idempotent).

    A view built by a release whose tables or handlers differ (another fingerprint, or none
    recorded) is dropped and its tracking deleted, so that its runner replays the log into
    the new shape: a deploy never serves a half-built view as if it were caught up.
    """
    with db.transaction() as tx:
        if tx.dialect == "postgres":
            tx.query("SELECT pg_advisory_xact_lock(?) AS locked", (_MIGRATE_LOCK,))
        tx.execute(TRACKING_DDL)
        tx.execute(SCHEMA_DDL)
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


def positions(db: Database) -> dict[str, int]:
    return {r["name"]: int(r["position"]) for r in db.query("SELECT * FROM projection_tracking")}


def reset(db: Database, projection: Projection) -> None:
    """Drop a view's rows and tracking in one transaction; a runner then replays the log."""
    with db.transaction() as tx:
        projection.drop(tx)
        projection.create(tx)
        tx.execute("DELETE FROM projection_tracking WHERE name = ?", (projection.name,))


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
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_dir / f"projection-{name}.lock", "w")  # noqa: SIM115
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

    # --- processing -----------------------------------------------------------------------

    def run_once(self) -> int:
        """Process at most one page for each projection this runner holds; events handled."""
        with self._busy:
            return self._run_once()

    def _run_once(self) -> int:
        owned = [p for p in self.projections if self._locks.try_acquire(p.name)]
        if not owned:
            return 0
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
        handled = 0
        # One commit for the whole page: a failure in any view rolls every view back to the
        # page's start, and the page is retried as a whole.
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
        if caught_up:
            self._analyze(owned)
        return handled or len(notifications)

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
        todo = [n for n in page if n.id > after] if page[0].id <= after else page
        if not todo:
            return 0
        topics = projection.topics
        mine: list[tuple[str, Any]] = []
        for notification in todo:
            if notification.topic not in topics:
                continue
            event = decoded.get(notification.id)
            if event is None:
                event = self.app.mapper.to_domain_event(notification)
                decoded[notification.id] = event
            mine.append((notification.topic, event))
        if mine:
            projection.prepare(tx, [event for _, event in mine])
        for topic, event in mine:
            projection.handle(topic, event, tx)
        return max(len(mine), 1)

    def run_until_caught_up(self, max_pages: int | None = None) -> None:
        pages = 0
        while self.run_once():
            pages += 1
            if max_pages is not None and pages >= max_pages:
                return

    # --- the background loop ----------------------------------------------------------------

    def start(self) -> None:
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


def wait_for(db: Database, names: Iterable[str], position: int, timeout: float) -> None:
    """Block until every named view has reached `position` (read-your-writes), or raise."""
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
