"""Which `events` key each stored body is under, and re-encryption under the current one.

Re-encryption rewrites only the stored bytes of a body (the outer layer): the body it decrypts
to stays byte-identical, so whatever is computed over the decrypted bodies (the log's hash
chain, the views) does not change. It works online, in batches of one short transaction each,
in log order, selecting only the bodies not yet under the current key (a comparison of each
body's first bytes, in SQL): so it is idempotent, and a run interrupted anywhere is resumed by
running it again. Each row is rewritten only if it still holds the bytes read (compare and
swap), so two runs at once never lose a body.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.application import Application
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from psycopg import sql

from audit.cipher import EventCipher, header, key_id_of

CLEAR = "(clear)"  # JSON bodies stored before encryption was the default
LEGACY = "(legacy SHOWROOM_CIPHER_KEY)"  # bodies of eventsourcing's AESCipher
HEAD_BYTES = 6 + 255 + 28  # enough of a body to read any key id of its header


@dataclass
class KeyUse:
    """Stored event bodies per key id (CLEAR and LEGACY for bodies without the header)."""

    total: int = 0
    by_key: Counter[str] = field(default_factory=Counter)


@dataclass
class Reencrypted:
    """What one `reencrypt` did: bodies rewritten, batches, passes over the log."""

    rewritten: int = 0
    batches: int = 0
    passes: int = 0
    complete: bool = False


class StoredBodies:
    """The `state` column of the application's events table, on SQLite or PostgreSQL."""

    def __init__(self, app: Application[Any]) -> None:
        recorder: Any = app.recorder
        self.datastore = recorder.datastore
        self.table = recorder.events_table_name
        self.postgres = isinstance(self.datastore, PostgresDatastore)
        if not self.postgres and not isinstance(self.datastore, SQLiteDatastore):
            raise TypeError(f"no stored bodies on {type(self.datastore).__name__}")

    def _sql(self, sqlite: str, postgres: str) -> Any:
        """One statement in each dialect; `{t}` is the events table."""
        if not self.postgres:
            return sqlite.format(t=f'"{self.table}"')
        schema = sql.Identifier(self.datastore.schema)
        return sql.SQL(postgres).format(
            t=sql.SQL("{}.{}").format(schema, sql.Identifier(self.table))
        )

    def _rows(self, statement: Any, params: tuple[Any, ...]) -> list[Any]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, params)
            rows: list[Any] = cursor.fetchall()
            return rows

    def count(self) -> int:
        [row] = self._rows(
            self._sql("SELECT count(*) AS n FROM {t}", "SELECT count(*) AS n FROM {t}"), ()
        )
        return int(row["n"])

    def count_under(self, prefix: bytes) -> int:
        """Bodies that start with `prefix` (the header of one key)."""
        statement = self._sql(
            "SELECT count(*) AS n FROM {t} WHERE substr(state, 1, ?) = ?",
            "SELECT count(*) AS n FROM {t} WHERE substring(state from 1 for %s) = %s",
        )
        [row] = self._rows(statement, (len(prefix), prefix))
        return int(row["n"])

    def heads_not_under(self, prefixes: list[bytes]) -> Iterator[bytes]:
        """The first bytes of every body that starts with none of `prefixes`."""
        sqlite_where = " AND ".join(["substr(state, 1, ?) != ?"] * len(prefixes)) or "1 = 1"
        pg_where = " AND ".join(["substring(state from 1 for %s) <> %s"] * len(prefixes)) or "TRUE"
        after = 0
        while True:
            statement = self._sql(
                f"SELECT rowid AS id, substr(state, 1, {HEAD_BYTES}) AS head FROM {{t}}"
                f" WHERE rowid > ? AND {sqlite_where} ORDER BY rowid LIMIT 5000",
                f"SELECT notification_id AS id, substring(state from 1 for {HEAD_BYTES}) AS head"
                f" FROM {{t}} WHERE notification_id > %s AND {pg_where}"
                " ORDER BY notification_id LIMIT 5000",
            )
            params: list[Any] = [after]
            for prefix in prefixes:
                params += [len(prefix), prefix]
            rows = self._rows(statement, tuple(params))
            if not rows:
                return
            for row in rows:
                yield bytes(row["head"])
            after = int(rows[-1]["id"])

    def batch_not_under(self, prefix: bytes, after: int, limit: int) -> list[tuple[int, bytes]]:
        """Up to `limit` bodies after log position `after` that do not start with `prefix`."""
        statement = self._sql(
            "SELECT rowid AS id, state FROM {t} WHERE rowid > ? AND substr(state, 1, ?) != ?"
            " ORDER BY rowid LIMIT ?",
            "SELECT notification_id AS id, state FROM {t} WHERE notification_id > %s"
            " AND substring(state from 1 for %s) <> %s ORDER BY notification_id LIMIT %s",
        )
        rows = self._rows(statement, (after, len(prefix), prefix, limit))
        return [(int(row["id"]), bytes(row["state"])) for row in rows]

    def rewrite(self, changes: list[tuple[int, bytes, bytes]]) -> int:
        """Replace each (position, old, new) body still holding `old`, in one transaction."""
        statement = self._sql(
            "UPDATE {t} SET state = ? WHERE rowid = ? AND state = ?",
            "UPDATE {t} SET state = %s WHERE notification_id = %s AND state = %s",
        )
        changed = 0
        with self.datastore.transaction(commit=True) as cursor:
            raw = cursor if self.postgres else cursor.sqlite_cursor
            if not self.postgres:
                # Freed space is zeroed: what a body held in clear does not stay in the file.
                raw.execute("PRAGMA secure_delete = ON")
            for position, old, new in changes:
                raw.execute(statement, (new, position, old))
                changed += max(raw.rowcount, 0)
        return changed


def key_use(app: Application[Any], key_ids: list[str]) -> KeyUse:
    """How many stored bodies are under each key (the keyring's, then any other found)."""
    bodies = StoredBodies(app)
    use = KeyUse(total=bodies.count())
    prefixes = [header(key_id) for key_id in key_ids]
    for key_id, prefix in zip(key_ids, prefixes, strict=True):
        use.by_key[key_id] = bodies.count_under(prefix)
    if use.total > sum(use.by_key.values()):
        for head in bodies.heads_not_under(prefixes):
            found = key_id_of(head)
            use.by_key[found or (CLEAR if head[:1] == b"{" else LEGACY)] += 1
    return use


def count_under(app: Application[Any], key_id: str) -> int:
    """Stored bodies under this key (what `retire` checks is zero)."""
    return StoredBodies(app).count_under(header(key_id))


def reencrypt(
    app: Application[Any],
    *,
    batch_size: int = 500,
    max_rows: int | None = None,
    settle_until: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Reencrypted:
    """Rewrite every body not under the current key under it (module doc).

    `max_rows`: stop after about this many (a run in slices). `settle_until`: a wall time
    (the keyring file's change plus the time processes take to follow it) before which a
    pass that found nothing is repeated, for bodies a process still wrote under the old key.
    `progress(position, rewritten)` after each batch."""
    cipher = app.mapper.cipher
    if not isinstance(cipher, EventCipher):
        raise TypeError("the application does not use audit.cipher.EventCipher")
    bodies = StoredBodies(app)
    done = Reencrypted()
    while True:
        done.passes += 1
        prefix = header(cipher.current_key_id)
        after, found = 0, 0
        while True:
            rows = bodies.batch_not_under(prefix, after, batch_size)
            if not rows:
                break
            changes = [
                (position, old, cipher.encrypt(cipher.decrypt(old))) for position, old in rows
            ]
            done.rewritten += bodies.rewrite(changes)
            done.batches += 1
            found += len(rows)
            after = rows[-1][0]
            if progress is not None:
                progress(after, done.rewritten)
            if max_rows is not None and done.rewritten >= max_rows:
                return done
        if found == 0 and (settle_until is None or time.time() >= settle_until):
            done.complete = True
            return done
        if found == 0:
            time.sleep(min(1.0, max(0.0, settle_until - time.time())))  # type: ignore[operator]
