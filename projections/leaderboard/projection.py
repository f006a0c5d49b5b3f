"""Credited units, front gross and revenue per month, store and salesperson, net of unwinds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.organisation.model import Staff, Store
from domain.sales.model import Deal
from domain.shared.shares import allocate
from projections.common import (
    PageGroups,
    PageRows,
    StoreZones,
    adding_upsert,
    credit_whole_deal,
    sid,
    split_deal_credit,
)
from projections.db import Tx, fen
from projections.projection import Projection, handles

TABLE = "rm_leaderboard"
STORES = "rm_leaderboard_store"
CREDITS = "rm_leaderboard_credit"
GROUP = "rm_leaderboard_group"
_FIGURES = ("units", "gross", "revenue")
_ADD_STORE = adding_upsert(TABLE, ("month", "store_id", "salesperson_id"), _FIGURES)
_ADD_GROUP = adding_upsert(GROUP, ("month", "salesperson_id"), _FIGURES)


class LeaderboardProjection(Projection):
    """A delivery counts in the month of its business day, as long as it stands: an unwind takes
    it back out of that same month, whenever it is recorded (the `units` KPI, as pay counts
    units; docs/read-models.md), so no month holds negative units.

    A split deal credits each salesperson their share: `units` holds thousandths of a unit
    (500 is half a car), gross and revenue are split to the fen (remainders to the largest
    fractions) and fixed at delivery, so an unwind takes back exactly what was credited.
    """

    name = "leaderboard"
    version = 2  # 2: an unwind leaves the delivery's month, not its own
    tables = (TABLE, GROUP, STORES, "rm_leaderboard_staff", "rm_leaderboard_deal", CREDITS)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " month TEXT NOT NULL, store_id TEXT NOT NULL, salesperson_id TEXT NOT NULL,"
        " units BIGINT NOT NULL, gross BIGINT NOT NULL, revenue BIGINT NOT NULL,"
        " PRIMARY KEY (month, store_id, salesperson_id))",
        # The group's board, summed over stores and kept in rank order by an index, so that
        # its first pages are read without ranking every salesperson of the month.
        f"CREATE TABLE IF NOT EXISTS {GROUP} ("
        " month TEXT NOT NULL, salesperson_id TEXT NOT NULL,"
        " units BIGINT NOT NULL, gross BIGINT NOT NULL, revenue BIGINT NOT NULL,"
        " PRIMARY KEY (month, salesperson_id))",
        f"CREATE INDEX IF NOT EXISTS {GROUP}_rank ON {GROUP} (month, units DESC, gross DESC)",
        f"CREATE TABLE IF NOT EXISTS {STORES} ("
        " store_id TEXT PRIMARY KEY, name TEXT NOT NULL, timezone TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS rm_leaderboard_staff ("
        " staff_id TEXT PRIMARY KEY, name TEXT NOT NULL, store_id TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS rm_leaderboard_deal ("
        " deal_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, salesperson_id TEXT NOT NULL,"
        " selling_price BIGINT, front_gross BIGINT, delivered INTEGER NOT NULL DEFAULT 0,"
        " delivered_day TEXT)",
        f"CREATE TABLE IF NOT EXISTS {CREDITS} ("
        " deal_id TEXT NOT NULL, salesperson_id TEXT NOT NULL, ordinal INTEGER NOT NULL,"
        " share BIGINT NOT NULL, gross BIGINT, revenue BIGINT,"
        " PRIMARY KEY (deal_id, salesperson_id))",
    )

    def __init__(self) -> None:
        self.zones = StoreZones(STORES)
        self.deals = PageRows("rm_leaderboard_deal", "deal_id")
        self.credits = PageGroups(CREDITS, "deal_id", "ordinal")

    def prepare(self, tx: Tx, events: Sequence[Any]) -> None:
        # Deliveries and unwinds read their deal and its credits: one query each per page.
        counted = [
            str(e.originator_id) for e in events if isinstance(e, Deal.Delivered | Deal.Unwound)
        ]
        self.deals.fetch(tx, counted)
        self.credits.fetch(tx, counted)

    @handles(Store.Opened, Store.Updated)
    def on_store(self, event: Any, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {STORES} (store_id, name, timezone) VALUES (?, ?, ?)"
            " ON CONFLICT (store_id) DO UPDATE SET name = excluded.name,"
            " timezone = excluded.timezone",
            (sid(event.originator_id), event.name, event.timezone),
        )
        self.zones.remember(tx, event.originator_id, event.timezone, write=False)

    @handles(Staff.Hired)
    def on_staff_hired(self, event: Staff.Hired, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO rm_leaderboard_staff (staff_id, name, store_id) VALUES (?, ?, ?)"
            " ON CONFLICT (staff_id) DO NOTHING",
            (sid(event.originator_id), event.name, sid(event.store_id)),
        )

    @handles(Staff.Transferred)
    def on_staff_transferred(self, event: Staff.Transferred, tx: Tx) -> None:
        tx.execute(
            "UPDATE rm_leaderboard_staff SET store_id = ? WHERE staff_id = ?",
            (sid(event.to_store_id), sid(event.originator_id)),
        )

    @handles(Deal.Opened)
    def on_deal_opened(self, event: Deal.Opened, tx: Tx) -> None:
        deal_id = str(event.originator_id)
        row = {
            "deal_id": deal_id,
            "store_id": sid(event.store_id),
            "salesperson_id": sid(event.salesperson_id),
            "selling_price": None,
            "front_gross": None,
            "delivered": 0,
            "delivered_day": None,
        }
        tx.execute(
            "INSERT INTO rm_leaderboard_deal (deal_id, store_id, salesperson_id)"
            " VALUES (?, ?, ?) ON CONFLICT (deal_id) DO NOTHING",
            (deal_id, row["store_id"], row["salesperson_id"]),
        )
        self.deals.inserted(tx, deal_id, row)
        credit_whole_deal(tx, CREDITS, event.originator_id, event.salesperson_id)
        self.credits.forget(tx, deal_id)

    @handles(Deal.CreditSplit)
    def on_credit_split(self, event: Deal.CreditSplit, tx: Tx) -> None:
        split_deal_credit(tx, CREDITS, event.originator_id, event.salesperson_ids, event.shares)
        self.credits.forget(tx, str(event.originator_id))

    @handles(Deal.ContractSigned)
    def on_contract(self, event: Deal.ContractSigned, tx: Tx) -> None:
        self.deals.changed(
            tx,
            str(event.originator_id),
            selling_price=fen(event.selling_price),
            front_gross=fen(event.front_gross),
        )
        tx.execute(
            "UPDATE rm_leaderboard_deal SET selling_price = ?, front_gross = ? WHERE deal_id = ?",
            (fen(event.selling_price), fen(event.front_gross), sid(event.originator_id)),
        )

    @handles(Deal.Delivered)
    def on_delivered(self, event: Deal.Delivered, tx: Tx) -> None:
        self._count(tx, event, 1)

    @handles(Deal.Unwound)
    def on_unwound(self, event: Deal.Unwound, tx: Tx) -> None:
        self._count(tx, event, -1)

    def _count(self, tx: Tx, event: Any, sign: int) -> None:
        deal = self.deals.get(tx, str(event.originator_id))
        delivered = 1 if sign > 0 else 0
        if deal is None or int(deal["delivered"]) == delivered:
            return  # only a delivered deal can be unwound, and only once
        # The unit belongs to its delivery day: an unwind takes it back out of that day's month.
        day = deal["delivered_day"] if sign < 0 else None
        day = day or self.zones.day(tx, deal["store_id"], event.occurred_at).isoformat()
        tx.execute(
            "UPDATE rm_leaderboard_deal SET delivered = ?, delivered_day = ? WHERE deal_id = ?",
            (delivered, day, deal["deal_id"]),
        )
        self.deals.changed(tx, str(deal["deal_id"]), delivered=delivered, delivered_day=day)
        credits = self.credits.rows(tx, str(deal["deal_id"]))
        if sign > 0:
            shares = [int(c["share"]) for c in credits]
            gross = allocate(int(deal["front_gross"] or 0), shares)
            revenue = allocate(int(deal["selling_price"] or 0), shares)
            credits = [
                c | {"gross": g, "revenue": r}
                for c, g, r in zip(credits, gross, revenue, strict=True)
            ]
            self.credits.forget(tx, str(deal["deal_id"]))
            tx.executemany(
                f"UPDATE {CREDITS} SET gross = ?, revenue = ?"
                " WHERE deal_id = ? AND salesperson_id = ?",
                [(c["gross"], c["revenue"], c["deal_id"], c["salesperson_id"]) for c in credits],
            )
        month = day[:7]
        counts = [
            (
                c["salesperson_id"],
                sign * int(c["share"]),
                sign * int(c["gross"] or 0),
                sign * int(c["revenue"] or 0),
            )
            for c in credits
        ]
        tx.executemany(_ADD_STORE, [(month, deal["store_id"], *count) for count in counts])
        tx.executemany(_ADD_GROUP, [(month, *count) for count in counts])
