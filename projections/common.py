"""Small helpers every read model shares: ids, times, months and pages.

Only code is shared here, never tables: each projection keeps its own lookups (store zones,
lead owners...) under its own table prefix, so a view can be dropped and rebuilt on its own.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.shared import months
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, in_utc
from domain.shared.shares import MILLI, milli_shares
from projections.db import Database, Params, Row, Tx

MAX_LIMIT = 1000


def sid(value: UUID | str | None) -> str | None:
    """An id as stored in a view: text, or NULL."""
    return None if value is None else str(value)


def uid(value: str | None) -> UUID | None:
    """An id read from a view."""
    return None if value is None else UUID(value)


def utc_iso(moment: datetime) -> str:
    """A moment as stored in a view: ISO text in UTC, so that text order is time order (total:
    a moment beyond the calendar's ends in UTC is stored as that end)."""
    return in_utc(moment).isoformat()


def moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def day_of(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def flag(value: Any) -> bool:
    return bool(value)


def split_by_month(first: date, last: date) -> tuple[tuple[str, str] | None, list[tuple[str, str]]]:
    """The whole months inside [first, last] (first and last 'YYYY-MM', or None) and the day
    ranges (ISO, inclusive) left at either edge: at most two, one for a range inside a month."""
    whole: list[str] = []
    edges: list[tuple[str, str]] = []
    month = first.replace(day=1)
    while month <= last:
        end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        low, high = max(first, month), min(last, end)
        if low == month and high == end:
            whole.append(months.of_day(month))
        else:
            edges.append((low.isoformat(), high.isoformat()))
        if end == date.max:
            break
        month = end + timedelta(days=1)
    return ((whole[0], whole[-1]) if whole else None), edges


class StoreZones:
    """The timezone of each store, as a projection keeps it in its own lookup table.

    Lookups are remembered for the length of one transaction only (the runner opens one per
    page): inside it this projection is the table's only writer, and after a rollback or a
    rebuild nothing remembered can outlive the rows it came from.
    """

    def __init__(self, table: str) -> None:
        self.table = table
        self._tx: Tx | None = None
        self._known: dict[str, str] = {}
        self._whole = False

    @property
    def ddl(self) -> str:
        return (
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            " store_id TEXT PRIMARY KEY, timezone TEXT NOT NULL)"
        )

    def _memo(self, tx: Tx) -> dict[str, str]:
        if tx is not self._tx:
            self._tx, self._known, self._whole = tx, {}, False
        return self._known

    def remember(self, tx: Tx, store_id: UUID, timezone: str, *, write: bool = True) -> None:
        """Keep a store's zone (`write=False`: the caller's own upsert already stored it)."""
        if write:
            tx.execute(
                f"INSERT INTO {self.table} (store_id, timezone) VALUES (?, ?)"
                " ON CONFLICT (store_id) DO UPDATE SET timezone = excluded.timezone",
                (sid(store_id), timezone),
            )
        self._memo(tx)[str(store_id)] = timezone

    def day(self, tx: Tx, store_id: UUID | str, when: datetime) -> date:
        """The business day of `when` on the floor of the store."""
        known = self._memo(tx)
        key = str(store_id)
        timezone = known.get(key)
        if timezone is None:
            if not self._whole:
                # A group has at most a few thousand stores: the first miss of a page reads
                # them all, so that a page of many stores costs one query, not one each.
                self._whole = True
                for row in tx.query(f"SELECT store_id, timezone FROM {self.table}"):
                    known.setdefault(row["store_id"], row["timezone"])
            timezone = known.setdefault(key, DEFAULT_TIMEZONE)
        return business_day(when, timezone)


_KEYS_A_QUERY = 500  # keys in one IN list: a page fetch of thousands is a few statements


def _rows_of_keys(
    tx: Tx,
    table: str,
    key: str,
    keys: Iterable[str],
    known: Container[str],
    order: str | None = None,
) -> Iterator[tuple[list[str], list[Row]]]:
    """The rows of the keys not `known` yet, a few hundred keys to a query: (keys, rows)."""
    wanted = sorted({k for k in keys if k not in known})
    for start in range(0, len(wanted), _KEYS_A_QUERY):
        chunk = wanted[start : start + _KEYS_A_QUERY]
        marks = ", ".join("?" for _ in chunk)
        ordered = f" ORDER BY {key}, {order}" if order else ""
        yield chunk, tx.query(f"SELECT * FROM {table} WHERE {key} IN ({marks}){ordered}", chunk)


class PageRows:
    """Rows of one lookup table by key, as a page's handlers see them.

    A projection's `prepare` fetches the rows its page will read in one query (`fetch`); its
    handlers then read them here (`get`) and report their own writes (`inserted`, `changed`),
    so that what they read stays what the table holds. On PostgreSQL that turns one round trip
    per event into one per page. Kept for one transaction only, like StoreZones: after a
    rollback the retried page fetches again.
    """

    def __init__(self, table: str, key: str) -> None:
        self.table, self.key = table, key
        self._tx: Tx | None = None
        self._rows: dict[str, Row | None] = {}

    def _memo(self, tx: Tx) -> dict[str, Row | None]:
        if tx is not self._tx:
            self._tx, self._rows = tx, {}
        return self._rows

    def fetch(self, tx: Tx, keys: Iterable[str]) -> None:
        memo = self._memo(tx)
        for chunk, rows in _rows_of_keys(tx, self.table, self.key, keys, memo):
            found = {r[self.key]: r for r in rows}
            for key in chunk:
                memo[key] = found.get(key)

    def get(self, tx: Tx, key: str) -> Row | None:
        memo = self._memo(tx)
        if key not in memo:
            memo[key] = tx.one(f"SELECT * FROM {self.table} WHERE {self.key} = ?", (key,))
        return memo[key]

    def inserted(self, tx: Tx, key: str, row: Row) -> None:
        """After `INSERT ... ON CONFLICT DO NOTHING` of this whole row."""
        memo = self._memo(tx)
        # Absent before, so the insert took place; a key not fetched is read by the next `get`.
        if key in memo and memo[key] is None:
            memo[key] = dict(row)

    def changed(self, tx: Tx, key: str, **columns: Any) -> None:
        """After `UPDATE ... SET columns WHERE key = ?`."""
        row = self._memo(tx).get(key)
        if row is not None:
            row.update(columns)


class PageGroups:
    """Rows of one lookup table by a key they share (a deal's credits), as a page sees them.

    Like PageRows, but a key has a list of rows, in `order`. A handler that writes the rows of
    a key `forget`s it, and the next read of that key asks the table again: a page's fetch
    then saves the reads of every key the page does not write first (deliveries of deals
    opened on earlier pages, nearly all of them).
    """

    def __init__(self, table: str, key: str, order: str) -> None:
        self.table, self.key, self.order = table, key, order
        self._tx: Tx | None = None
        self._rows: dict[str, list[Row]] = {}

    def _memo(self, tx: Tx) -> dict[str, list[Row]]:
        if tx is not self._tx:
            self._tx, self._rows = tx, {}
        return self._rows

    def fetch(self, tx: Tx, keys: Iterable[str]) -> None:
        memo = self._memo(tx)
        for chunk, rows in _rows_of_keys(tx, self.table, self.key, keys, memo, self.order):
            for key in chunk:
                memo[key] = []
            for row in rows:
                memo[row[self.key]].append(row)

    def rows(self, tx: Tx, key: str) -> list[Row]:
        memo = self._memo(tx)
        if key not in memo:
            memo[key] = tx.query(
                f"SELECT * FROM {self.table} WHERE {self.key} = ? ORDER BY {self.order}", (key,)
            )
        return [dict(row) for row in memo[key]]

    def forget(self, tx: Tx, key: str) -> None:
        """After a write to the rows of `key`."""
        self._memo(tx).pop(key, None)


def adding_upsert(
    table: str, keys: Sequence[str], counters: Sequence[str], *, also: dict[str, str] | None = None
) -> str:
    """An INSERT of a row of counters that adds them to the row with the same `keys`, if
    there is one. `also`: further columns set on insert only, as SQL expressions."""
    extra = also or {}
    columns = (*keys, *extra, *counters)
    values = (*("?" for _ in keys), *extra.values(), *("?" for _ in counters))
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(values)})"
        f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counters)
    )


class CounterDeltas:
    """Counter increments of one page, summed per row and written once at the page's end.

    `sql` is an upsert that adds its last `width` parameters to the row named by the first
    ones. The sums are kept for one transaction only (the runner opens one per page and calls
    the projection's `flush` before committing): after a rollback the retried page starts
    afresh. Only for counters no handler reads back while the page is running.
    """

    def __init__(
        self,
        sql: str,
        params: Callable[[tuple[Any, ...], list[int]], Sequence[Any]] | None = None,
    ) -> None:
        self.sql = sql
        self.params = params or (lambda key, row: (*key, *row))
        self._tx: Tx | None = None
        self._rows: dict[tuple[Any, ...], list[int]] = {}

    def add(self, tx: Tx, key: tuple[Any, ...], deltas: Iterable[int]) -> None:
        if tx is not self._tx:
            self._tx, self._rows = tx, {}
        row = self._rows.get(key)
        if row is None:
            self._rows[key] = list(deltas)
        else:
            for n, delta in enumerate(deltas):
                row[n] += delta

    def items(self, tx: Tx) -> list[tuple[tuple[Any, ...], list[int]]]:
        """The rows this page changes so far, with their summed increments."""
        return list(self._rows.items()) if tx is self._tx else []

    def flush(self, tx: Tx) -> None:
        if tx is self._tx and self._rows:
            tx.executemany(self.sql, [self.params(key, row) for key, row in self._rows.items()])
        self._tx, self._rows = None, {}


class RowChanges:
    """Column updates of one page, merged per row and written at the page's end.

    A lead's activities, appointments and status changes each set a few columns of its one
    row; a page holding several of them writes the row once, with the last value of each
    column, as the updates one by one would have left it. `table` and `key` are patterns
    with `{kind}` (e.g. "rm_directory_{kind}"). Only for rows no handler reads back while
    the page is running, and inserted (if at all) before the page's end, as a row's first
    event is.
    """

    def __init__(self, table: str, key: str) -> None:
        self.table, self.key = table, key
        self._tx: Tx | None = None
        self._rows: dict[tuple[str, Any], dict[str, Any]] = {}

    def set(self, tx: Tx, kind: str, ident: Any, columns: dict[str, Any]) -> None:
        if tx is not self._tx:
            self._tx, self._rows = tx, {}
        self._rows.setdefault((kind, ident), {}).update(columns)

    def flush(self, tx: Tx) -> None:
        if tx is self._tx:
            batches: dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]] = {}
            for (kind, ident), columns in self._rows.items():
                batch = batches.setdefault((kind, tuple(columns)), [])
                batch.append((*columns.values(), ident))
            for (kind, names), rows in batches.items():
                assignments = ", ".join(f"{name} = ?" for name in names)
                tx.executemany(
                    f"UPDATE {self.table.format(kind=kind)} SET {assignments}"
                    f" WHERE {self.key.format(kind=kind)} = ?",
                    rows,
                )
        self._tx, self._rows = None, {}


def check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise ValueError("offset must not be negative")


def page(
    db: Database,
    select: str,
    params: Params,
    order_by: str,
    limit: int,
    offset: int,
    *,
    one_pass: bool = False,
) -> tuple[list[Row], int]:
    """One page of a SELECT in a stable order, and how many rows the whole SELECT has."""
    check_page(limit, offset)
    if one_pass:
        # An aggregate is computed once, its row count with it, instead of once to count and
        # again to page (a plain list is better served by an index's count and order).
        rows = db.query(
            f"SELECT paged.*, COUNT(*) OVER () AS total_rows_ FROM ({select}) AS paged"
            f" ORDER BY {order_by} LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        if rows or offset == 0:
            total = int(rows[0].pop("total_rows_")) if rows else 0
            for row in rows[1:]:
                del row["total_rows_"]
            return rows, total
    counted = db.one(f"SELECT COUNT(*) AS n FROM ({select}) AS counted", params)
    total = int(counted["n"]) if counted else 0
    rows = db.query(f"{select} ORDER BY {order_by} LIMIT ? OFFSET ?", (*params, limit, offset))
    return rows, total


def paged(items: list[dict[str, Any]], total: int, limit: int, offset: int) -> dict[str, Any]:
    """The shape of every paginated answer."""
    return {"items": items, "total": total, "limit": limit, "offset": offset}


class Where:
    """AND-ed optional filters with `?` parameters."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> Where:
        self.clauses.append(clause)
        self.params.extend(params)
        return self

    def equal(self, column: str, value: Any) -> Where:
        if value is not None:
            self.add(f"{column} = ?", sid(value) if isinstance(value, UUID) else value)
        return self

    def among(self, column: str, values: Iterable[UUID] | None) -> Where:
        """`column IN (...)` for a set of ids (a team); None adds nothing, empty matches none."""
        if values is not None:
            ids = sorted(str(v) for v in values)
            if not ids:
                return self.add("1 = 0")
            self.add(f"{column} IN ({', '.join('?' for _ in ids)})", *ids)
        return self

    def extend(self, other: Where) -> Where:
        self.clauses += other.clauses
        self.params += other.params
        return self

    @property
    def sql(self) -> str:
        return (" WHERE " + " AND ".join(self.clauses)) if self.clauses else ""


def credit_whole_deal(tx: Tx, table: str, deal_id: UUID, salesperson_id: UUID) -> None:
    """A new deal credits its salesperson with the whole unit until a split says otherwise."""
    tx.execute(
        f"INSERT INTO {table} (deal_id, salesperson_id, ordinal, share) VALUES (?, ?, 0, ?)"
        " ON CONFLICT (deal_id, salesperson_id) DO NOTHING",
        (sid(deal_id), sid(salesperson_id), MILLI),
    )


def split_deal_credit(
    tx: Tx, table: str, deal_id: UUID, salesperson_ids: Iterable[UUID], shares: Iterable[Any]
) -> None:
    """Replace a deal's credits with its split: shares in thousandths, in the order given."""
    tx.execute(f"DELETE FROM {table} WHERE deal_id = ?", (sid(deal_id),))
    tx.executemany(
        f"INSERT INTO {table} (deal_id, salesperson_id, ordinal, share) VALUES (?, ?, ?, ?)",
        [
            (sid(deal_id), sid(salesperson_id), n, share)
            for n, (salesperson_id, share) in enumerate(
                zip(salesperson_ids, milli_shares(list(shares)), strict=True)
            )
        ],
    )
