"""One row per salesperson, store and business day: what they did and what they sold."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.leads.model import Lead
from domain.organisation.model import Staff, Store
from domain.sales.model import Deal
from domain.satisfaction.model import Survey
from domain.shared import months
from domain.shared.shares import allocate
from projections.common import (
    CounterDeltas,
    PageGroups,
    PageRows,
    StoreZones,
    adding_upsert,
    credit_whole_deal,
    sid,
    split_deal_credit,
    utc_iso,
)
from projections.db import Tx, fen
from projections.projection import Projection, handles

TABLE = "rm_salesperson_kpi"
MONTHS = "rm_salesperson_kpi_month"
GROUP = "rm_salesperson_kpi_group"
STAFF = "rm_salesperson_kpi_staff"
ZONES = "rm_salesperson_kpi_store"

COUNTERS = (
    "leads_assigned",
    "first_responses",
    "response_seconds",
    "activities",
    "appointments_set",
    "appointments_shown",
    "deals_contracted",
    "units_delivered",
    "revenue",
    "front_gross",
    "surveys",
    "survey_score",
    # F&I (docs/finance-applications.md): the income of the products standing on the month's
    # deliveries (fen, in credit shares), and those deliveries with a product of each kind
    # (thousandths of units, as units_delivered).
    "back_gross",
    "units_with_finance",
    "units_with_insurance",
    "units_with_warranty",
    "units_with_gap",
    "units_with_accessories",
)
PRODUCT_KINDS = ("finance", "insurance", "warranty", "gap", "accessories")
PRODUCTS = "rm_salesperson_kpi_product"
CREDITS = "rm_salesperson_kpi_credit"
SURVEYS = "rm_salesperson_kpi_survey"

_BUMP = adding_upsert(TABLE, ("salesperson_id", "store_id", "day"), COUNTERS)


# The same counters rolled up by month: a month's report reads one row per salesperson and
# store instead of one per day (thirty times fewer; docs/read-models.md).
_ROLL_UP = adding_upsert(MONTHS, ("month", "salesperson_id", "store_id"), COUNTERS)

# And by month across stores, with the salesperson's name (fixed at hire; sealed, as in the
# log): the group's month is then read in salesperson id order off the key, a page at a time.
_GROUP_UP = adding_upsert(
    GROUP,
    ("month", "salesperson_id"),
    COUNTERS,
    also={"name": f"COALESCE((SELECT name FROM {STAFF} WHERE staff_id = ?), '')"},
)


_KPI_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " salesperson_id TEXT NOT NULL, store_id TEXT NOT NULL, day TEXT NOT NULL, "
    + ", ".join(f"{c} BIGINT NOT NULL DEFAULT 0" for c in COUNTERS)
    + ", PRIMARY KEY (salesperson_id, store_id, day))"
)


class SalespersonKpiProjection(Projection):
    """Salesperson KPIs by business day in the store's timezone.

    - A lead's response clock starts at max(capture, assignment); each assignment starts a new
      clock for the new assignee. Its first response is the earliest (by business time) human
      activity logged while that assignment stands; auto-replies never count, not even as
      activities. A response entered late with an earlier time replaces the one counted.
    - Activities and appointments go to the lead's salesperson at the time of the event.
    - Deliveries credit each salesperson of the deal their share of the unit (stored in
      thousandths: `units_delivered` 500 is half a unit), of the selling price and of the front
      gross (split to the fen, the remainder to the largest fractions) on the delivery day; an
      unwind takes back exactly what was credited, on that same delivery day, whenever it is
      recorded: a unit of a month is a delivery of that month that stands (the `units` KPI,
      as pay counts it). Contracts count for the deal's own salesperson.
    - CSI: a survey counts once (`surveys`, and its overall score in `survey_score`) for every
      salesperson it is credited to, on the day it was answered; an exclusion takes it back
      out of that day and a reinstatement puts it back.
    """

    name = "salesperson_kpi"
    version = 2  # 2: an unwind leaves the delivery's day, not its own
    tables = (
        TABLE,
        MONTHS,
        GROUP,
        ZONES,
        "rm_salesperson_kpi_staff",
        "rm_salesperson_kpi_lead",
        "rm_salesperson_kpi_deal",
        CREDITS,
        SURVEYS,
        PRODUCTS,
    )
    ddl = (
        _KPI_DDL,
        f"CREATE INDEX IF NOT EXISTS {TABLE}_day ON {TABLE} (day, store_id)",
        f"CREATE TABLE IF NOT EXISTS {MONTHS} ("
        " month TEXT NOT NULL, salesperson_id TEXT NOT NULL, store_id TEXT NOT NULL, "
        + ", ".join(f"{c} BIGINT NOT NULL DEFAULT 0" for c in COUNTERS)
        + ", PRIMARY KEY (month, salesperson_id, store_id))",
        f"CREATE INDEX IF NOT EXISTS {MONTHS}_store ON {MONTHS} (month, store_id)",
        f"CREATE TABLE IF NOT EXISTS {GROUP} ("
        " month TEXT NOT NULL, salesperson_id TEXT NOT NULL, name TEXT NOT NULL, "
        + ", ".join(f"{c} BIGINT NOT NULL DEFAULT 0" for c in COUNTERS)
        + ", PRIMARY KEY (month, salesperson_id))",
        f"CREATE INDEX IF NOT EXISTS {GROUP}_name ON {GROUP} (month, name, salesperson_id)",
        StoreZones(ZONES).ddl,
        f"CREATE TABLE IF NOT EXISTS {STAFF} ("
        " staff_id TEXT PRIMARY KEY, name TEXT NOT NULL, store_id TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS rm_salesperson_kpi_lead ("
        " lead_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, captured_at TEXT NOT NULL,"
        " salesperson_id TEXT, clock_start TEXT,"
        " responded_at TEXT, response_day TEXT, response_seconds BIGINT)",
        "CREATE TABLE IF NOT EXISTS rm_salesperson_kpi_deal ("
        " deal_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, salesperson_id TEXT NOT NULL,"
        " selling_price BIGINT, front_gross BIGINT, delivered INTEGER NOT NULL DEFAULT 0,"
        " delivered_day TEXT)",
        # The credit of each deal: share in thousandths; the money credited at delivery.
        f"CREATE TABLE IF NOT EXISTS {CREDITS} ("
        " deal_id TEXT NOT NULL, salesperson_id TEXT NOT NULL, ordinal INTEGER NOT NULL,"
        " share BIGINT NOT NULL, units BIGINT, revenue BIGINT, front_gross BIGINT,"
        " back_gross BIGINT,"
        " PRIMARY KEY (deal_id, salesperson_id))",
        # Each deal's products: what stands decides its back gross and penetration.
        f"CREATE TABLE IF NOT EXISTS {PRODUCTS} ("
        " deal_id TEXT NOT NULL, product_id TEXT NOT NULL, kind TEXT NOT NULL,"
        " income BIGINT NOT NULL, active INTEGER NOT NULL,"
        " PRIMARY KEY (deal_id, product_id))",
        f"CREATE TABLE IF NOT EXISTS {SURVEYS} ("
        " survey_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, day TEXT NOT NULL,"
        " overall BIGINT NOT NULL, salesperson_ids TEXT NOT NULL,"
        " excluded INTEGER NOT NULL DEFAULT 0)",
    )

    def __init__(self) -> None:
        self.zones = StoreZones(ZONES)
        self.counters = CounterDeltas(_BUMP)
        self.months = CounterDeltas(_ROLL_UP)
        # The group's upsert takes the salesperson id twice: the row's, and to find the name.
        self.group = CounterDeltas(_GROUP_UP, lambda key, row: (*key, key[1], *row))
        self.leads = PageRows("rm_salesperson_kpi_lead", "lead_id")
        self.deals = PageRows("rm_salesperson_kpi_deal", "deal_id")
        self.credits = PageGroups(CREDITS, "deal_id", "ordinal")
        self.products = PageGroups(PRODUCTS, "deal_id", "product_id")

    def prepare(self, tx: Tx, events: Sequence[Any]) -> None:
        leads = [e for e in events if isinstance(e, Lead.Event)]
        deals = [e for e in events if isinstance(e, Deal.Event)]
        self.leads.fetch(tx, [str(e.originator_id) for e in leads])
        self.deals.fetch(tx, [str(e.originator_id) for e in deals])
        counted = (Deal.Delivered, Deal.Unwound, Deal.ProductAdded, Deal.ProductCancelled)
        touched = [str(e.originator_id) for e in deals if isinstance(e, counted)]
        self.credits.fetch(tx, touched)
        self.products.fetch(tx, touched)

    def create(self, tx: Tx) -> None:
        for statement in self.ddl:
            if statement is _KPI_DDL and tx.dialect == "postgres":
                # One partition per month on PostgreSQL (docs/scale-out.md): the table grows
                # with salespeople × days, and every report reads a month's range of days.
                statement += " PARTITION BY RANGE (day)"
            tx.execute(statement)

    def flush(self, tx: Tx) -> None:
        days = self.counters.items(tx)
        if tx.dialect == "postgres":
            self._partitions(tx, {day[:7] for (_, _, day), _ in days})
        for (seller, store, day), deltas in days:
            self.months.add(tx, (day[:7], seller, store), deltas)
            self.group.add(tx, (day[:7], seller), deltas)
        self.counters.flush(tx)
        self.months.flush(tx)
        self.group.flush(tx)

    @staticmethod
    def _partitions(tx: Tx, buckets: set[str]) -> None:
        """Make sure the months this page writes have their partitions (idempotent DDL, in
        the page's transaction: a rebuild in another process may have dropped them)."""
        if not buckets:
            return
        partitioned = tx.one(
            "SELECT 1 AS yes FROM pg_partitioned_table WHERE partrelid = to_regclass(?)",
            (TABLE,),
        )
        if partitioned is None:
            return  # made before partitioning: it stays one table until rebuilt
        for month in sorted(buckets):
            first, last = months.bounds(month)
            end = date.fromisoformat(last)
            # The calendar's last month has no following day to bound it: MAXVALUE does.
            upper = "MAXVALUE" if end == date.max else f"'{end + timedelta(days=1)}'"
            tx.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE}_{month.replace('-', '_')}"
                f" PARTITION OF {TABLE}"
                f" FOR VALUES FROM ('{first}') TO ({upper})"
            )

    # --- lookups ------------------------------------------------------------------------------

    @handles(Store.Opened, Store.Updated)
    def on_store(self, event: Any, tx: Tx) -> None:
        self.zones.remember(tx, event.originator_id, event.timezone)

    @handles(Staff.Hired)
    def on_staff_hired(self, event: Staff.Hired, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO rm_salesperson_kpi_staff (staff_id, name, store_id) VALUES (?, ?, ?)"
            " ON CONFLICT (staff_id) DO NOTHING",
            (sid(event.originator_id), event.name, sid(event.store_id)),
        )

    @handles(Staff.Transferred)
    def on_staff_transferred(self, event: Staff.Transferred, tx: Tx) -> None:
        tx.execute(
            "UPDATE rm_salesperson_kpi_staff SET store_id = ? WHERE staff_id = ?",
            (sid(event.to_store_id), sid(event.originator_id)),
        )

    # --- leads --------------------------------------------------------------------------------

    @handles(Lead.Captured)
    def on_lead_captured(self, event: Lead.Captured, tx: Tx) -> None:
        row = {
            "lead_id": sid(event.originator_id),
            "store_id": sid(event.store_id),
            "captured_at": utc_iso(event.occurred_at),
            "salesperson_id": None,
            "clock_start": None,
            "responded_at": None,
            "response_day": None,
            "response_seconds": None,
        }
        tx.execute(
            "INSERT INTO rm_salesperson_kpi_lead (lead_id, store_id, captured_at)"
            " VALUES (?, ?, ?) ON CONFLICT (lead_id) DO NOTHING",
            (row["lead_id"], row["store_id"], row["captured_at"]),
        )
        self.leads.inserted(tx, str(row["lead_id"]), row)

    @handles(Lead.Assigned)
    def on_lead_assigned(self, event: Lead.Assigned, tx: Tx) -> None:
        lead = self._lead(tx, event.originator_id)
        if lead is None:
            return
        clock_start = max(datetime.fromisoformat(lead["captured_at"]), event.occurred_at)
        tx.execute(
            "UPDATE rm_salesperson_kpi_lead SET salesperson_id = ?, clock_start = ?,"
            " responded_at = NULL, response_day = NULL, response_seconds = NULL"
            " WHERE lead_id = ?",
            (sid(event.salesperson_id), utc_iso(clock_start), sid(event.originator_id)),
        )
        self.leads.changed(
            tx,
            str(event.originator_id),
            salesperson_id=sid(event.salesperson_id),
            clock_start=utc_iso(clock_start),
            responded_at=None,
            response_day=None,
            response_seconds=None,
        )
        day = self.zones.day(tx, lead["store_id"], event.occurred_at)
        self._bump(tx, event.salesperson_id, lead["store_id"], day.isoformat(), leads_assigned=1)

    @handles(Lead.ActivityLogged)
    def on_activity(self, event: Lead.ActivityLogged, tx: Tx) -> None:
        if event.automated:
            return
        lead = self._lead(tx, event.originator_id)
        if lead is None or lead["salesperson_id"] is None:
            return
        seller, store = lead["salesperson_id"], lead["store_id"]
        day = self.zones.day(tx, store, event.occurred_at).isoformat()
        self._bump(tx, seller, store, day, activities=1)
        responded_at = lead["responded_at"]
        if responded_at is not None:
            if event.occurred_at >= datetime.fromisoformat(responded_at):
                return
            # Entered late but earlier: this one was the first response, not the counted one.
            self._bump(
                tx,
                seller,
                store,
                lead["response_day"],
                first_responses=-1,
                response_seconds=-int(lead["response_seconds"]),
            )
        waited = event.occurred_at - datetime.fromisoformat(lead["clock_start"])
        seconds = max(0, round(waited.total_seconds()))
        tx.execute(
            "UPDATE rm_salesperson_kpi_lead SET responded_at = ?, response_day = ?,"
            " response_seconds = ? WHERE lead_id = ?",
            (utc_iso(event.occurred_at), day, seconds, sid(event.originator_id)),
        )
        self.leads.changed(
            tx,
            str(event.originator_id),
            responded_at=utc_iso(event.occurred_at),
            response_day=day,
            response_seconds=seconds,
        )
        self._bump(tx, seller, store, day, first_responses=1, response_seconds=seconds)

    @handles(Lead.AppointmentSet)
    def on_appointment_set(self, event: Lead.AppointmentSet, tx: Tx) -> None:
        self._credit_lead(tx, event, appointments_set=1)

    @handles(Lead.AppointmentShown)
    def on_appointment_shown(self, event: Lead.AppointmentShown, tx: Tx) -> None:
        self._credit_lead(tx, event, appointments_shown=1)

    # --- deals --------------------------------------------------------------------------------

    @handles(Deal.Opened)
    def on_deal_opened(self, event: Deal.Opened, tx: Tx) -> None:
        row = {
            "deal_id": sid(event.originator_id),
            "store_id": sid(event.store_id),
            "salesperson_id": sid(event.salesperson_id),
            "selling_price": None,
            "front_gross": None,
            "delivered": 0,
            "delivered_day": None,
        }
        tx.execute(
            "INSERT INTO rm_salesperson_kpi_deal (deal_id, store_id, salesperson_id)"
            " VALUES (?, ?, ?) ON CONFLICT (deal_id) DO NOTHING",
            (row["deal_id"], row["store_id"], row["salesperson_id"]),
        )
        self.deals.inserted(tx, str(row["deal_id"]), row)
        credit_whole_deal(tx, CREDITS, event.originator_id, event.salesperson_id)
        self.credits.forget(tx, str(event.originator_id))

    @handles(Deal.CreditSplit)
    def on_credit_split(self, event: Deal.CreditSplit, tx: Tx) -> None:
        split_deal_credit(tx, CREDITS, event.originator_id, event.salesperson_ids, event.shares)
        self.credits.forget(tx, str(event.originator_id))

    @handles(Deal.ContractSigned)
    def on_contract(self, event: Deal.ContractSigned, tx: Tx) -> None:
        price, gross = fen(event.selling_price), fen(event.front_gross)
        tx.execute(
            "UPDATE rm_salesperson_kpi_deal SET selling_price = ?, front_gross = ?"
            " WHERE deal_id = ?",
            (price, gross, sid(event.originator_id)),
        )
        self.deals.changed(tx, str(event.originator_id), selling_price=price, front_gross=gross)
        self._credit_deal(tx, event, None, deals_contracted=1)

    @handles(Deal.Delivered)
    def on_delivered(self, event: Deal.Delivered, tx: Tx) -> None:
        self._count_unit(tx, event, 1)

    @handles(Deal.Unwound)
    def on_unwound(self, event: Deal.Unwound, tx: Tx) -> None:
        self._count_unit(tx, event, -1)

    # --- F&I products ---------------------------------------------------------------------------

    @handles(Deal.ProductAdded)
    def on_product_added(self, event: Deal.ProductAdded, tx: Tx) -> None:
        deal_id = str(event.originator_id)
        before = self._standing(tx, deal_id)
        tx.execute(
            f"INSERT INTO {PRODUCTS} (deal_id, product_id, kind, income, active)"
            " VALUES (?, ?, ?, ?, 1) ON CONFLICT (deal_id, product_id) DO NOTHING",
            (deal_id, sid(event.product_id), event.kind, fen(event.income)),
        )
        self.products.forget(tx, deal_id)
        self._product_changed(tx, event, before)

    @handles(Deal.ProductCancelled)
    def on_product_cancelled(self, event: Deal.ProductCancelled, tx: Tx) -> None:
        deal_id = str(event.originator_id)
        before = self._standing(tx, deal_id)
        tx.execute(
            f"UPDATE {PRODUCTS} SET active = 0 WHERE deal_id = ? AND product_id = ?",
            (deal_id, sid(event.product_id)),
        )
        self.products.forget(tx, deal_id)
        self._product_changed(tx, event, before)

    def _standing(self, tx: Tx, deal_id: str) -> tuple[int, frozenset[str]]:
        """The income (fen) of a deal's products standing, and their kinds."""
        rows = [r for r in self.products.rows(tx, deal_id) if int(r["active"])]
        return sum(int(r["income"]) for r in rows), frozenset(r["kind"] for r in rows)

    def _product_changed(self, tx: Tx, event: Any, before: tuple[int, frozenset[str]]) -> None:
        """A product added or cancelled on a delivered deal changes its delivery day's F&I:
        the income difference split over the credits as at delivery, and the units of each
        kind that appeared or went. Before delivery the delivery itself counts what stands."""
        deal = self._deal(tx, event)
        if deal is None or not int(deal["delivered"]):
            return
        after = self._standing(tx, str(deal["deal_id"]))
        credits = self.credits.rows(tx, str(deal["deal_id"]))
        parts = allocate(after[0] - before[0], [int(c["share"]) for c in credits])
        tx.executemany(
            f"UPDATE {CREDITS} SET back_gross = ? WHERE deal_id = ? AND salesperson_id = ?",
            [
                (int(c["back_gross"] or 0) + part, c["deal_id"], c["salesperson_id"])
                for c, part in zip(credits, parts, strict=True)
            ],
        )
        self.credits.forget(tx, str(deal["deal_id"]))
        for credit, part in zip(credits, parts, strict=True):
            units = int(credit["units"] or 0)
            kinds = {f"units_with_{k}": units for k in after[1] - before[1]}
            kinds |= {f"units_with_{k}": -units for k in before[1] - after[1]}
            self._bump(
                tx,
                credit["salesperson_id"],
                deal["store_id"],
                deal["delivered_day"],
                back_gross=part,
                **kinds,
            )

    # --- CSI ----------------------------------------------------------------------------------

    @handles(Survey.Answered)
    def on_survey_answered(self, event: Survey.Answered, tx: Tx) -> None:
        sellers = [sid(s) for s in event.salesperson_ids]
        changed = tx.changed(
            f"INSERT INTO {SURVEYS} (survey_id, store_id, day, overall, salesperson_ids)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (survey_id) DO NOTHING",
            (
                sid(event.originator_id),
                sid(event.store_id),
                event.answered_on.isoformat(),
                event.overall,
                json.dumps(sellers),
            ),
        )
        survey = self._survey(tx, event.originator_id)
        if changed and survey is not None:
            self._count_survey(tx, survey, 1)

    @handles(Survey.Excluded)
    def on_survey_excluded(self, event: Survey.Excluded, tx: Tx) -> None:
        self._exclude_survey(tx, event.originator_id, True)

    @handles(Survey.Reinstated)
    def on_survey_reinstated(self, event: Survey.Reinstated, tx: Tx) -> None:
        self._exclude_survey(tx, event.originator_id, False)

    # --- helpers ------------------------------------------------------------------------------

    def _lead(self, tx: Tx, lead_id: UUID) -> dict[str, Any] | None:
        return self.leads.get(tx, str(lead_id))

    def _credit_lead(self, tx: Tx, event: Any, **deltas: int) -> None:
        lead = self._lead(tx, event.originator_id)
        if lead is None or lead["salesperson_id"] is None:
            return
        day = self.zones.day(tx, lead["store_id"], event.occurred_at)
        self._bump(tx, lead["salesperson_id"], lead["store_id"], day.isoformat(), **deltas)

    def _deal(self, tx: Tx, event: Any) -> dict[str, Any] | None:
        return self.deals.get(tx, str(event.originator_id))

    def _credit_deal(self, tx: Tx, event: Any, sign: int | None, **deltas: int) -> None:
        """Credit the deal's own salesperson with these counters on the day of `event`."""
        deal = self._deal(tx, event)
        if deal is None:
            return
        day = self.zones.day(tx, deal["store_id"], event.occurred_at)
        self._bump(tx, deal["salesperson_id"], deal["store_id"], day.isoformat(), **deltas)

    def _count_unit(self, tx: Tx, event: Any, sign: int) -> None:
        """(Un)count a delivered unit for every credited salesperson, in their shares."""
        deal = self._deal(tx, event)
        delivered = 1 if sign > 0 else 0
        if deal is None or int(deal["delivered"]) == delivered:
            return  # only a delivered deal can be unwound, and only once
        # The unit belongs to its delivery day: an unwind takes it back out of that day.
        day = deal["delivered_day"] if sign < 0 else None
        day = day or self.zones.day(tx, deal["store_id"], event.occurred_at).isoformat()
        tx.execute(
            "UPDATE rm_salesperson_kpi_deal SET delivered = ?, delivered_day = ? WHERE deal_id = ?",
            (delivered, day, deal["deal_id"]),
        )
        self.deals.changed(tx, str(deal["deal_id"]), delivered=delivered, delivered_day=day)
        credits = self.credits.rows(tx, str(deal["deal_id"]))
        if sign > 0:
            # Fix each person's part at delivery, so that an unwind takes back just that.
            shares = [int(c["share"]) for c in credits]
            revenue = allocate(int(deal["selling_price"] or 0), shares)
            gross = allocate(int(deal["front_gross"] or 0), shares)
            back = allocate(self._standing(tx, str(deal["deal_id"]))[0], shares)
            credits = [
                c | {"units": c["share"], "revenue": r, "front_gross": g, "back_gross": b}
                for c, r, g, b in zip(credits, revenue, gross, back, strict=True)
            ]
            self.credits.forget(tx, str(deal["deal_id"]))
            tx.executemany(
                f"UPDATE {CREDITS} SET units = ?, revenue = ?, front_gross = ?, back_gross = ?"
                " WHERE deal_id = ? AND salesperson_id = ?",
                [
                    (
                        c["units"],
                        c["revenue"],
                        c["front_gross"],
                        c["back_gross"],
                        c["deal_id"],
                        c["salesperson_id"],
                    )
                    for c in credits
                ],
            )
        # Products change only while the deal stands, so the kinds standing now are the ones
        # counted at delivery (or since, by _product_changed).
        kinds = self._standing(tx, str(deal["deal_id"]))[1]
        for credit in credits:
            units = sign * int(credit["units"] or 0)
            self._bump(
                tx,
                credit["salesperson_id"],
                deal["store_id"],
                day,
                back_gross=sign * int(credit["back_gross"] or 0),
                **{f"units_with_{k}": units for k in kinds},
            )
        for credit in credits:
            self._bump(
                tx,
                credit["salesperson_id"],
                deal["store_id"],
                day,
                units_delivered=sign * int(credit["units"] or 0),
                revenue=sign * int(credit["revenue"] or 0),
                front_gross=sign * int(credit["front_gross"] or 0),
            )

    def _survey(self, tx: Tx, survey_id: UUID) -> dict[str, Any] | None:
        return tx.one(f"SELECT * FROM {SURVEYS} WHERE survey_id = ?", (sid(survey_id),))

    def _exclude_survey(self, tx: Tx, survey_id: UUID, excluded: bool) -> None:
        survey = self._survey(tx, survey_id)
        if survey is None or bool(survey["excluded"]) == excluded:
            return  # the domain refuses a repeat; a repeat changes nothing here either
        tx.execute(
            f"UPDATE {SURVEYS} SET excluded = ? WHERE survey_id = ?",
            (int(excluded), survey["survey_id"]),
        )
        self._count_survey(tx, survey, -1 if excluded else 1)

    def _count_survey(self, tx: Tx, survey: dict[str, Any], sign: int) -> None:
        for seller in json.loads(survey["salesperson_ids"]):
            self._bump(
                tx,
                seller,
                survey["store_id"],
                survey["day"],
                surveys=sign,
                survey_score=sign * int(survey["overall"]),
            )

    def _bump(
        self, tx: Tx, salesperson_id: UUID | str, store_id: str, day: str, **deltas: int
    ) -> None:
        self.counters.add(
            tx, (sid(salesperson_id), store_id, day), [deltas.get(c, 0) for c in COUNTERS]
        )
