"""The read-model database: SQLite (embedded) or PostgreSQL, behind one small interface.

Views write portable SQL with `?` placeholders; the PostgreSQL side rewrites them to `%s`.
Money is stored as integer fen and dates as ISO text, so sums are exact and both engines
return the same rows (the views' contract tests run on both).
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from projections.private import private_file

Row = dict[str, Any]
_CENT = Decimal("0.01")
Params = Sequence[Any]


class Tx(ABC):
    """One open transaction on the views database.

    A write (`execute`, `executemany`) may be held and sent later, with other writes, the next
    read or the commit (a projection page's transaction on PostgreSQL): its errors surface
    there, and the whole transaction rolls back. `changed` is the write whose row count the
    caller needs.
    """

    dialect: str  # "sqlite" | "postgres": for the little DDL that differs

    @abstractmethod
    def execute(self, sql: str, params: Params = ()) -> None:
        """Run a statement."""

    @abstractmethod
    def changed(self, sql: str, params: Params = ()) -> int:
        """Run a statement now; the number of rows it changed."""

    @abstractmethod
    def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...

    @abstractmethod
    def query(self, sql: str, params: Params = ()) -> list[Row]: ...

    def one(self, sql: str, params: Params = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None


class Database(ABC):
    dialect: str

    @abstractmethod
    @contextmanager
    def transaction(self, *, batched: bool = False) -> Iterator[Tx]:
        """A write transaction: committed when the block ends, rolled back on error.

        `batched`: writes may be queued until the next read or the commit (a projection
        page's many small statements then cost one round trip per read, not one each)."""

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        with self.transaction() as tx:
            return tx.query(sql, params)

    def one(self, sql: str, params: Params = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    @abstractmethod
    def close(self) -> None: ...


# --- SQLite -------------------------------------------------------------------------------------


class _SqliteTx(Tx):
    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Params = ()) -> None:
        self.connection.execute(sql, tuple(params))

    def changed(self, sql: str, params: Params = ()) -> int:
        return self.connection.execute(sql, tuple(params)).rowcount

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self.connection.executemany(sql, [tuple(r) for r in rows])

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        cursor = self.connection.execute(sql, tuple(params))
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# Page cache of a projection runner's connection (KiB): bounded, so memory stays flat; and
# the WAL size (pages of 4 KiB) at which its commits checkpoint. Measured on a 1.7M-event
# rebuild together with 20-page catch-up batches: 488 s -> 341 s (docs/benchmarks.md).
WRITER_CACHE_KIB = 64 * 1024
WRITER_CHECKPOINT_PAGES = 16384


class SqliteDatabase(Database):
    """A file in WAL mode: readers never wait for the projection writer."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        private_file(path)  # 0600 in a 0700 folder before SQLite creates it by the umask
        self._local = threading.local()
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA busy_timeout=30000")
        return connection

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread: sqlite3 connections must not be shared across threads.
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect()
            self._local.connection = connection
        return connection

    @contextmanager
    def transaction(self, *, batched: bool = False) -> Iterator[Tx]:
        # In process, SQLite has no round trips to save. A batched transaction is a runner's
        # page, whose lookups and upserts wander over every view's indexes: its connection
        # keeps a larger page cache (the default 2 MiB re-reads the same pages all the time)
        # and checkpoints the WAL less often, so that a hot page is copied into the database
        # once per checkpoint rather than once per commit.
        connection = self._connection()
        if batched and not getattr(self._local, "writer", False):
            connection.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
            connection.execute(f"PRAGMA wal_autocheckpoint={WRITER_CHECKPOINT_PAGES}")
            self._local.writer = True
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield _SqliteTx(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        # Reads need no write lock: a plain autocommit SELECT sees the last committed page.
        return _SqliteTx(self._connection()).query(sql, params)

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
            self._local.writer = False


# --- PostgreSQL ---------------------------------------------------------------------------------


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


class _PostgresTx(Tx):
    dialect = "postgres"

    def __init__(self, connection: psycopg.Connection[Row]) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Params = ()) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(_pg(sql), tuple(params))  # type: ignore[arg-type]

    def changed(self, sql: str, params: Params = ()) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(_pg(sql), tuple(params))  # type: ignore[arg-type]
            return cursor.rowcount

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(_pg(sql), [tuple(r) for r in rows])  # type: ignore[arg-type]

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        with self.connection.cursor() as cursor:
            cursor.execute(_pg(sql), tuple(params))  # type: ignore[arg-type]
            return list(cursor.fetchall()) if cursor.description else []


class _HeldPostgresTx(Tx):
    """A projection page's transaction: writes are held, then sent with the next read (or at
    the commit) as one text of many statements, in the order they were made.

    A page makes thousands of small writes and a few reads (views fetch what a page needs in
    one query at its start: `PageRows`, `PageGroups`). Sent one by one, even pipelined, each
    write cost a poll and a send on the client and a wake-up of the server (a third of the
    runner's time, profiled); held, a page costs a round trip per read. Parameters are bound
    on the client (psycopg's `ClientCursor.mogrify`, which quotes by type): only the simple
    query protocol takes several statements at once. A text is sent early when it reaches
    `HOLD` statements, so that a page without reads holds a bounded amount.
    """

    dialect = "postgres"
    HOLD = 5000

    def __init__(self, connection: psycopg.Connection[Row]) -> None:
        self.connection = connection
        self._binder = psycopg.ClientCursor(connection)
        self._held: list[str] = []

    def _bound(self, sql: str, params: Params) -> str:
        return self._binder.mogrify(_pg(sql), tuple(params))  # type: ignore[arg-type]

    def execute(self, sql: str, params: Params = ()) -> None:
        self._held.append(self._bound(sql, params))
        if len(self._held) >= self.HOLD:
            self.send()

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self._held.extend(self._bound(sql, r) for r in rows)
        if len(self._held) >= self.HOLD:
            self.send()

    def _send(self, cursor: psycopg.Cursor[Row], last: str | None = None) -> None:
        """Run the held writes (and `last`), leaving `cursor` on the last statement's result."""
        if last is not None:
            self._held.append(last)
        if not self._held:
            return
        text, self._held = ";\n".join(self._held), []
        cursor.execute(text.encode())  # no parameters: the simple protocol, many statements
        while cursor.nextset():
            pass

    def changed(self, sql: str, params: Params = ()) -> int:
        with self.connection.cursor() as cursor:
            self._send(cursor, self._bound(sql, params))
            return cursor.rowcount

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        with self.connection.cursor() as cursor:
            self._send(cursor, self._bound(sql, params))
            return list(cursor.fetchall()) if cursor.description else []

    def send(self) -> None:
        with self.connection.cursor() as cursor:
            self._send(cursor)


class PostgresDatabase(Database):
    dialect = "postgres"

    def __init__(self, url: str, schema: str = "public", max_size: int = 10) -> None:
        self.url, self.schema = url, schema
        options = f"-c search_path={schema}" if schema != "public" else ""
        self.pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            kwargs={"row_factory": dict_row, "options": options},
            open=True,
        )

    @contextmanager
    def transaction(self, *, batched: bool = False) -> Iterator[Tx]:
        with self.pool.connection() as connection, connection.transaction():
            if not batched:
                yield _PostgresTx(connection)
                return
            held = _HeldPostgresTx(connection)
            yield held
            held.send()

    def connect(self) -> psycopg.Connection[Row]:
        """A dedicated connection (advisory locks live as long as it does)."""
        options = f"-c search_path={self.schema}" if self.schema != "public" else ""
        return psycopg.connect(self.url, row_factory=dict_row, autocommit=True, options=options)

    def close(self) -> None:
        self.pool.close()


def open_database(database_url: str | None, data_dir: Path, schema: str = "public") -> Database:
    if database_url is None:
        return SqliteDatabase(data_dir / "views.sqlite3")
    return PostgresDatabase(database_url, schema=schema)


def fen(amount: Decimal | int | str) -> int:
    """Money to integer fen for storage (exact sums on both engines)."""
    return int((Decimal(amount) * 100).to_integral_value())


def yuan(fen_amount: int | None) -> Decimal:
    """Integer fen back to a Decimal amount."""
    return (Decimal(fen_amount or 0) / 100).quantize(_CENT)
