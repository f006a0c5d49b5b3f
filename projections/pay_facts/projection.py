"""Fact tables for pay: every row keeps business time and record time, so a query can answer
"as known at" any moment without replaying the log.

- `rm_pay_facts_credit`: one row per (deal, credited salesperson) of each delivery: the share,
  the business time and day (store timezone) of delivery, the vehicle (condition, make, model,
  trim, days in stock), selling price, front gross and the pack in force at delivery; and, once
  unwound, the unwind's business time, day, record time and reason.
- `rm_pay_facts_product`: one row per F&I or add-on product with its money and, once cancelled,
  the cancellation's business time, day, record time and reason (and whether the deal was
  delivered then: only those cancellations are chargebacks).
- `rm_pay_facts_survey`: one row per (survey, credited salesperson), and
  `rm_pay_facts_survey_status` one row per exclusion or reinstatement.

The other tables are this projection's own lookups (store zones, packs, vehicles' arrival,
deals still open and their credit). The pack in force is the one the log held when the
delivery was recorded: a pack change never re-rates deliveries already made.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.inventory.model import Vehicle
from domain.organisation.model import Store
from domain.sales.model import Deal
from domain.satisfaction.model import Survey
from domain.shared import months
from domain.shared.clock import in_utc
from domain.shared.shares import MILLI, milli_shares
from projections.common import PageGroups, PageRows, StoreZones, sid
from projections.db import Tx, fen
from projections.projection import Projection, handles

ZONES = "rm_pay_facts_store"
PACKS = "rm_pay_facts_pack"
VEHICLES = "rm_pay_facts_vehicle"
DEALS = "rm_pay_facts_deal"
DEAL_CREDITS = "rm_pay_facts_deal_credit"
CREDITS = "rm_pay_facts_credit"
PRODUCTS = "rm_pay_facts_product"
SURVEYS = "rm_pay_facts_survey"
SURVEY_STATUS = "rm_pay_facts_survey_status"
# A deal's row as `on_deal_opened` inserts it (the page's memo of it, before any update).
_NEW_DEAL = dict.fromkeys(
    ("vehicle_id", "condition", "make", "model", "trim", "selling_price", "front_gross")
) | {"delivered": 0}


def stamp(moment: datetime) -> str:
    """A moment as these tables store it: fixed-width UTC text, so text order is time order."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a moment must carry a timezone")
    # isoformat, not strftime: %Y of a year before 1000 is not four digits on every platform.
    return in_utc(moment).isoformat(timespec="microseconds")


class PayFactsProjection(Projection):
    """Deliveries credited per salesperson, products, unwinds, cancellations and surveys."""

    name = "pay_facts"
    tables = (
        ZONES,
        PACKS,
        VEHICLES,
        DEALS,
        DEAL_CREDITS,
        CREDITS,
        PRODUCTS,
        SURVEYS,
        SURVEY_STATUS,
    )
    ddl = (
        StoreZones(ZONES).ddl,
        f"CREATE TABLE IF NOT EXISTS {PACKS} ("
        " store_id TEXT NOT NULL, condition TEXT NOT NULL, amount BIGINT NOT NULL,"
        " PRIMARY KEY (store_id, condition))",
        f"CREATE TABLE IF NOT EXISTS {VEHICLES} ("
        " vehicle_id TEXT PRIMARY KEY, received_on TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {DEALS} ("
        " deal_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, vehicle_id TEXT, condition TEXT,"
        " make TEXT, model TEXT, trim TEXT, selling_price BIGINT, front_gross BIGINT,"
        " delivered INTEGER NOT NULL DEFAULT 0)",
        f"CREATE TABLE IF NOT EXISTS {DEAL_CREDITS} ("
        " deal_id TEXT NOT NULL, salesperson_id TEXT NOT NULL, ordinal INTEGER NOT NULL,"
        " share BIGINT NOT NULL, PRIMARY KEY (deal_id, salesperson_id))",
        f"CREATE TABLE IF NOT EXISTS {CREDITS} ("
        " deal_id TEXT NOT NULL, salesperson_id TEXT NOT NULL, ordinal INTEGER NOT NULL,"
        " store_id TEXT NOT NULL, share BIGINT NOT NULL,"
        " delivered_at TEXT NOT NULL, delivered_on TEXT NOT NULL, month TEXT NOT NULL,"
        " delivered_recorded_at TEXT NOT NULL,"
        " condition TEXT NOT NULL, make TEXT NOT NULL, model TEXT NOT NULL, trim TEXT NOT NULL,"
        " days_in_stock INTEGER NOT NULL, selling_price BIGINT NOT NULL,"
        " front_gross BIGINT NOT NULL, pack BIGINT NOT NULL,"
        " unwound_at TEXT, unwound_on TEXT, unwound_recorded_at TEXT, unwind_reason TEXT,"
        " PRIMARY KEY (deal_id, salesperson_id))",
        f"CREATE INDEX IF NOT EXISTS {CREDITS}_month ON {CREDITS} (month, store_id)",
        f"CREATE INDEX IF NOT EXISTS {CREDITS}_unwound ON {CREDITS} (unwound_recorded_at)",
        f"CREATE TABLE IF NOT EXISTS {PRODUCTS} ("
        " deal_id TEXT NOT NULL, product_id TEXT NOT NULL, store_id TEXT NOT NULL,"
        " kind TEXT NOT NULL, provider TEXT, amount BIGINT NOT NULL, income BIGINT NOT NULL,"
        " revenue BIGINT NOT NULL, cost BIGINT NOT NULL,"
        " added_at TEXT NOT NULL, added_recorded_at TEXT NOT NULL,"
        " cancelled_at TEXT, cancelled_on TEXT, cancelled_recorded_at TEXT, cancel_reason TEXT,"
        " cancelled_after_delivery INTEGER NOT NULL DEFAULT 0,"
        " PRIMARY KEY (deal_id, product_id))",
        f"CREATE INDEX IF NOT EXISTS {PRODUCTS}_cancelled ON {PRODUCTS} (cancelled_recorded_at)",
        f"CREATE TABLE IF NOT EXISTS {SURVEYS} ("
        " survey_id TEXT NOT NULL, salesperson_id TEXT NOT NULL, ordinal INTEGER NOT NULL,"
        " deal_id TEXT NOT NULL, store_id TEXT NOT NULL, score INTEGER NOT NULL,"
        " answered_on TEXT NOT NULL, month TEXT NOT NULL, recorded_at TEXT NOT NULL,"
        " PRIMARY KEY (survey_id, salesperson_id))",
        f"CREATE INDEX IF NOT EXISTS {SURVEYS}_month ON {SURVEYS} (month, store_id)",
        f"CREATE TABLE IF NOT EXISTS {SURVEY_STATUS} ("
        " survey_id TEXT NOT NULL, version INTEGER NOT NULL, excluded INTEGER NOT NULL,"
        " reason TEXT, occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL,"
        " PRIMARY KEY (survey_id, version))",
        # Surveys learnt of after a period's close: the late-survey adjustment looks them up.
        f"CREATE INDEX IF NOT EXISTS {SURVEY_STATUS}_recorded ON {SURVEY_STATUS} (recorded_at)",
    )

    def __init__(self) -> None:
        self.zones = StoreZones(ZONES)
        self.deals = PageRows(DEALS, "deal_id")
        self.credits = PageGroups(DEAL_CREDITS, "deal_id", "ordinal")
        self.vehicles = PageRows(VEHICLES, "vehicle_id")
        self._packs_tx: Tx | None = None
        self._packs: dict[tuple[str, str], int] = {}

    def prepare(self, tx: Tx, events: Sequence[Any]) -> None:
        # Products, deliveries and unwinds read their deal's row, and a delivery its credits
        # and its vehicle's arrival: one query each for the page, not one each per event.
        self.deals.fetch(tx, [str(e.originator_id) for e in events if isinstance(e, Deal.Event)])
        delivered = [str(e.originator_id) for e in events if isinstance(e, Deal.Delivered)]
        self.credits.fetch(tx, delivered)
        deals = [self.deals.get(tx, deal_id) for deal_id in delivered]
        self.vehicles.fetch(tx, [d["vehicle_id"] for d in deals if d and d["vehicle_id"]])

    def _pack(self, tx: Tx, store_id: str, condition: str) -> int:
        """A store's pack for a condition; the table (a row or two a store) is read whole once
        a page."""
        if tx is not self._packs_tx:
            self._packs_tx = tx
            self._packs = {
                (r["store_id"], r["condition"]): int(r["amount"])
                for r in tx.query(f"SELECT store_id, condition, amount FROM {PACKS}")
            }
        return self._packs.get((store_id, condition), 0)

    # --- lookups ------------------------------------------------------------------------------

    @handles(Store.Opened, Store.Updated)
    def on_store(self, event: Any, tx: Tx) -> None:
        self.zones.remember(tx, event.originator_id, event.timezone)

    @handles(Store.PackSet)
    def on_pack_set(self, event: Store.PackSet, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {PACKS} (store_id, condition, amount) VALUES (?, ?, ?)"
            " ON CONFLICT (store_id, condition) DO UPDATE SET amount = excluded.amount",
            (sid(event.originator_id), event.condition, fen(event.amount)),
        )
        if tx is self._packs_tx:
            self._packs[(str(event.originator_id), event.condition)] = fen(event.amount)

    @handles(Vehicle.Received)
    def on_vehicle_received(self, event: Vehicle.Received, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {VEHICLES} (vehicle_id, received_on) VALUES (?, ?)"
            " ON CONFLICT (vehicle_id) DO NOTHING",
            (sid(event.originator_id), event.received_on.isoformat()),
        )
        vehicle_id = str(event.originator_id)
        row = {"vehicle_id": vehicle_id, "received_on": event.received_on.isoformat()}
        self.vehicles.inserted(tx, vehicle_id, row)

    # --- deals before delivery ----------------------------------------------------------------

    @handles(Deal.Opened)
    def on_deal_opened(self, event: Deal.Opened, tx: Tx) -> None:
        deal_id = str(event.originator_id)
        tx.execute(
            f"INSERT INTO {DEALS} (deal_id, store_id) VALUES (?, ?)"
            " ON CONFLICT (deal_id) DO NOTHING",
            (deal_id, sid(event.store_id)),
        )
        row = {**_NEW_DEAL, "deal_id": deal_id, "store_id": sid(event.store_id)}
        self.deals.inserted(tx, deal_id, row)
        self.credits.forget(tx, deal_id)
        tx.execute(
            f"INSERT INTO {DEAL_CREDITS} (deal_id, salesperson_id, ordinal, share)"
            " VALUES (?, ?, 0, ?) ON CONFLICT (deal_id, salesperson_id) DO NOTHING",
            (deal_id, sid(event.salesperson_id), MILLI),
        )

    @handles(Deal.CreditSplit)
    def on_credit_split(self, event: Deal.CreditSplit, tx: Tx) -> None:
        deal_id = sid(event.originator_id)
        self.credits.forget(tx, str(event.originator_id))
        tx.execute(f"DELETE FROM {DEAL_CREDITS} WHERE deal_id = ?", (deal_id,))
        tx.executemany(
            f"INSERT INTO {DEAL_CREDITS} (deal_id, salesperson_id, ordinal, share)"
            " VALUES (?, ?, ?, ?)",
            [
                (deal_id, sid(salesperson_id), n, share)
                for n, (salesperson_id, share) in enumerate(
                    zip(event.salesperson_ids, milli_shares(event.shares), strict=True)
                )
            ],
        )

    @handles(Deal.VehicleAttached)
    def on_vehicle_attached(self, event: Deal.VehicleAttached, tx: Tx) -> None:
        self.deals.changed(
            tx,
            str(event.originator_id),
            vehicle_id=sid(event.vehicle_id),
            condition=event.condition,
            make=event.make,
            model=event.model,
            trim=event.trim,
        )
        tx.execute(
            f"UPDATE {DEALS} SET vehicle_id = ?, condition = ?, make = ?, model = ?, trim = ?"
            " WHERE deal_id = ?",
            (
                sid(event.vehicle_id),
                event.condition,
                event.make,
                event.model,
                event.trim,
                sid(event.originator_id),
            ),
        )

    @handles(Deal.ContractSigned)
    def on_contract(self, event: Deal.ContractSigned, tx: Tx) -> None:
        self.deals.changed(
            tx,
            str(event.originator_id),
            selling_price=fen(event.selling_price),
            front_gross=fen(event.front_gross),
        )
        tx.execute(
            f"UPDATE {DEALS} SET selling_price = ?, front_gross = ? WHERE deal_id = ?",
            (fen(event.selling_price), fen(event.front_gross), sid(event.originator_id)),
        )

    # --- products -----------------------------------------------------------------------------

    @handles(Deal.ProductAdded)
    def on_product_added(self, event: Deal.ProductAdded, tx: Tx) -> None:
        deal = self._deal(tx, event.originator_id)
        if deal is None:
            return
        tx.execute(
            f"INSERT INTO {PRODUCTS} (deal_id, product_id, store_id, kind, provider, amount,"
            " income, revenue, cost, added_at, added_recorded_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (deal_id, product_id) DO NOTHING",
            (
                deal["deal_id"],
                sid(event.product_id),
                deal["store_id"],
                event.kind,
                event.provider,
                fen(event.amount),
                fen(event.income),
                fen(event.revenue),
                fen(event.cost),
                stamp(event.occurred_at),
                stamp(event.timestamp),
            ),
        )

    @handles(Deal.ProductCancelled)
    def on_product_cancelled(self, event: Deal.ProductCancelled, tx: Tx) -> None:
        deal = self._deal(tx, event.originator_id)
        if deal is None:
            return
        day = self.zones.day(tx, deal["store_id"], event.occurred_at)
        tx.execute(
            f"UPDATE {PRODUCTS} SET cancelled_at = ?, cancelled_on = ?, cancelled_recorded_at = ?,"
            " cancel_reason = ?, cancelled_after_delivery = ?"
            " WHERE deal_id = ? AND product_id = ? AND cancelled_recorded_at IS NULL",
            (
                stamp(event.occurred_at),
                day.isoformat(),
                stamp(event.timestamp),
                event.reason,
                int(deal["delivered"]),
                deal["deal_id"],
                sid(event.product_id),
            ),
        )

    # --- delivery and unwind ------------------------------------------------------------------

    @handles(Deal.Delivered)
    def on_delivered(self, event: Deal.Delivered, tx: Tx) -> None:
        deal = self._deal(tx, event.originator_id)
        if deal is None or int(deal["delivered"]):
            return
        tx.execute(f"UPDATE {DEALS} SET delivered = 1 WHERE deal_id = ?", (deal["deal_id"],))
        self.deals.changed(tx, deal["deal_id"], delivered=1)
        store_id, condition = deal["store_id"], deal["condition"] or ""
        day = self.zones.day(tx, store_id, event.occurred_at)
        pack = self._pack(tx, store_id, condition)
        vehicle = self.vehicles.get(tx, deal["vehicle_id"]) if deal["vehicle_id"] else None
        days_in_stock = 0
        if vehicle is not None:
            received = datetime.fromisoformat(vehicle["received_on"]).date()
            days_in_stock = max(0, (day - received).days)
        credits = self.credits.rows(tx, deal["deal_id"])
        tx.executemany(
            f"INSERT INTO {CREDITS} (deal_id, salesperson_id, ordinal, store_id, share,"
            " delivered_at, delivered_on, month, delivered_recorded_at, condition, make, model,"
            " trim, days_in_stock, selling_price, front_gross, pack)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (deal_id, salesperson_id) DO NOTHING",
            [
                (
                    deal["deal_id"],
                    credit["salesperson_id"],
                    credit["ordinal"],
                    store_id,
                    credit["share"],
                    stamp(event.occurred_at),
                    day.isoformat(),
                    months.of_day(day),
                    stamp(event.timestamp),
                    condition,
                    deal["make"] or "",
                    deal["model"] or "",
                    deal["trim"] or "",
                    days_in_stock,
                    int(deal["selling_price"] or 0),
                    int(deal["front_gross"] or 0),
                    pack,
                )
                for credit in credits
            ],
        )

    @handles(Deal.Unwound)
    def on_unwound(self, event: Deal.Unwound, tx: Tx) -> None:
        deal = self._deal(tx, event.originator_id)
        if deal is None:
            return
        day = self.zones.day(tx, deal["store_id"], event.occurred_at)
        tx.execute(
            f"UPDATE {CREDITS} SET unwound_at = ?, unwound_on = ?, unwound_recorded_at = ?,"
            " unwind_reason = ? WHERE deal_id = ? AND unwound_recorded_at IS NULL",
            (
                stamp(event.occurred_at),
                day.isoformat(),
                stamp(event.timestamp),
                event.reason,
                deal["deal_id"],
            ),
        )

    # --- surveys ------------------------------------------------------------------------------

    @handles(Survey.Answered)
    def on_survey_answered(self, event: Survey.Answered, tx: Tx) -> None:
        survey_id, recorded = sid(event.originator_id), stamp(event.timestamp)
        tx.executemany(
            f"INSERT INTO {SURVEYS} (survey_id, salesperson_id, ordinal, deal_id, store_id,"
            " score, answered_on, month, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (survey_id, salesperson_id) DO NOTHING",
            [
                (
                    survey_id,
                    sid(salesperson_id),
                    n,
                    sid(event.deal_id),
                    sid(event.store_id),
                    event.overall,
                    event.answered_on.isoformat(),
                    months.of_day(event.answered_on),
                    recorded,
                )
                for n, salesperson_id in enumerate(event.salesperson_ids)
            ],
        )
        self._survey_status(tx, event, excluded=False, reason=None)

    @handles(Survey.Excluded)
    def on_survey_excluded(self, event: Survey.Excluded, tx: Tx) -> None:
        self._survey_status(tx, event, excluded=True, reason=event.reason)

    @handles(Survey.Reinstated)
    def on_survey_reinstated(self, event: Survey.Reinstated, tx: Tx) -> None:
        self._survey_status(tx, event, excluded=False, reason=None)

    # --- helpers ------------------------------------------------------------------------------

    def _deal(self, tx: Tx, deal_id: UUID) -> dict[str, Any] | None:
        return self.deals.get(tx, str(deal_id))

    @staticmethod
    def _survey_status(tx: Tx, event: Any, *, excluded: bool, reason: str | None) -> None:
        tx.execute(
            f"INSERT INTO {SURVEY_STATUS} (survey_id, version, excluded, reason, occurred_at,"
            " recorded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (survey_id, version) DO NOTHING",
            (
                sid(event.originator_id),
                event.originator_version,
                int(excluded),
                reason,
                stamp(event.occurred_at),
                stamp(event.timestamp),
            ),
        )
