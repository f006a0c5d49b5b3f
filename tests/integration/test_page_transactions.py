"""A projection page's transaction (`batched=True`) on both engines.

On PostgreSQL its writes are held, bound on the client and sent many statements to a text
with the next read, at the commit, or when a text is full. These tests pin what that must not
change: writes take effect in the order they were made, a read sees every write before it,
values of every kind arrive as they were given, and a failed write anywhere in the page
commits none of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from projections import db as views_db
from projections.db import Database, open_database
from workers.settings import Settings

TABLE = "test_page_tx"


@pytest.fixture
def db(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    # Send every three writes, so that a page of a few statements crosses several texts.
    monkeypatch.setattr(views_db._HeldPostgresTx, "HOLD", 3)
    database = open_database(settings.database_url, settings.data_dir, settings.postgres_schema)
    with database.transaction() as tx:
        tx.execute(f"DROP TABLE IF EXISTS {TABLE}")
        tx.execute(
            f"CREATE TABLE {TABLE} (k INTEGER PRIMARY KEY, n BIGINT NOT NULL, t TEXT, d TEXT)"
        )
    try:
        yield database
    finally:
        database.close()


def rows(db: Database) -> list[dict[str, Any]]:
    return db.query(f"SELECT k, n, t FROM {TABLE} ORDER BY k")


def test_writes_apply_in_order_and_a_read_sees_every_write_before_it(db: Database) -> None:
    with db.transaction(batched=True) as tx:
        for k in range(7):
            tx.execute(f"INSERT INTO {TABLE} (k, n) VALUES (?, ?)", (k, 1))
        # An update of a row inserted several texts earlier, then an increment of it.
        tx.execute(f"UPDATE {TABLE} SET n = 10 WHERE k = ?", (0,))
        tx.executemany(f"UPDATE {TABLE} SET n = n + 1 WHERE k = ?", [(0,), (6,)])
        seen = tx.query(f"SELECT k, n FROM {TABLE} WHERE k IN (0, 6) ORDER BY k")
        assert seen == [{"k": 0, "n": 11}, {"k": 6, "n": 2}]
        assert tx.changed(f"DELETE FROM {TABLE} WHERE k >= ?", (5,)) == 2
        tx.execute(f"UPDATE {TABLE} SET n = n * 2 WHERE k = ?", (1,))
    assert [(r["k"], r["n"]) for r in rows(db)] == [(0, 11), (1, 2), (2, 1), (3, 1), (4, 1)]


def test_a_failed_write_anywhere_in_the_page_commits_none_of_it(db: Database) -> None:
    with pytest.raises((psycopg.Error, sqlite3.Error)), db.transaction(batched=True) as tx:
        for k in range(5):
            tx.execute(f"INSERT INTO {TABLE} (k, n) VALUES (?, ?)", (k, 1))
        tx.execute(f"INSERT INTO {TABLE} (k, n) VALUES (?, ?)", (0, 1))  # duplicate key
        for k in range(5, 9):
            tx.execute(f"INSERT INTO {TABLE} (k, n) VALUES (?, ?)", (k, 1))
        tx.query(f"SELECT COUNT(*) AS n FROM {TABLE}")
    assert rows(db) == []
    # The database is usable afterwards: the next page commits.
    with db.transaction(batched=True) as tx:
        tx.execute(f"INSERT INTO {TABLE} (k, n) VALUES (?, ?)", (1, 1))
    assert len(rows(db)) == 1


def test_an_error_in_a_handler_rolls_back_the_writes_already_sent(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction(batched=True) as tx:
        for k in range(10):
            tx.execute(f"INSERT INTO {TABLE} (k, n) VALUES (?, ?)", (k, 1))
        raise RuntimeError("a handler failed")
    assert rows(db) == []


texts = st.one_of(st.none(), st.text(max_size=40))


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(st.tuples(st.integers(-(2**62), 2**62), texts), min_size=1, max_size=8))
def test_values_arrive_as_they_were_given(db: Database, values: list[tuple[int, Any]]) -> None:
    """Text with quotes, percent signs, backslashes and any Unicode; NULL; big integers."""
    given_rows = [(k, n, t.replace("\x00", "") if t else t) for k, (n, t) in enumerate(values)]
    with db.transaction(batched=True) as tx:
        tx.execute(f"DELETE FROM {TABLE}")
        tx.executemany(f"INSERT INTO {TABLE} (k, n, t) VALUES (?, ?, ?)", given_rows)
    assert [(r["k"], r["n"], r["t"]) for r in rows(db)] == given_rows


def test_decimal_and_percent_in_sql_text_are_bound_not_interpolated(db: Database) -> None:
    with db.transaction(batched=True) as tx:
        tx.execute(
            f"INSERT INTO {TABLE} (k, n, t, d) VALUES (?, ?, ?, ?)",
            (1, 5, "50% off; DROP TABLE x; --", str(Decimal("1.10"))),
        )
        found = tx.one(f"SELECT t, d FROM {TABLE} WHERE t LIKE ?", ("50%",))
    assert found == {"t": "50% off; DROP TABLE x; --", "d": "1.10"}
