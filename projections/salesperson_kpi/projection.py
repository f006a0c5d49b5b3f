"""One row per salesperson, store and business day: what they did and what they sold."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.leads.model import Lead
from domain.organisation.model import Staff, Store
from domain.sales.model import Deal
from projections.common import StoreZones, sid, utc_iso
from projections.db import Tx, fen
from projections.projection import Projection, handles

TABLE = "rm_salesperson_kpi"
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
)

_BUMP = (
    f"INSERT INTO {TABLE} (salesperson_id, store_id, day, {', '.join(COUNTERS)})"
    f" VALUES (?, ?, ?, {', '.join('?' for _ in COUNTERS)})"
    " ON CONFLICT (salesperson_id, store_id, day) DO UPDATE SET "
    + ", ".join(f"{c} = {TABLE}.{c} + excluded.{c}" for c in COUNTERS)
)


class SalespersonKpiProjection(Projection):
    """Salesperson KPIs by business day in the store's timezone.

    - A lead's response clock starts at max(capture, assignment); each assignment starts a new
      clock for the new assignee. Its first response is the earliest (by business time) human
      activity logged while that assignment stands; auto-replies never count, not even as
      activities. A response entered late with an earlier time replaces the one counted.
    - Activities and appointments go to the lead's salesperson at the time of the event.
    - Deliveries add a unit, the selling price and the front gross on the delivery day; an
      unwind takes them back on the unwind day.
    """

    name = "salesperson_kpi"
    tables = (
        TABLE,
        ZONES,
        "rm_salesperson_kpi_staff",
        "rm_salesperson_kpi_lead",
        "rm_salesperson_kpi_deal",
    )
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " salesperson_id TEXT NOT NULL, store_id TEXT NOT NULL, day TEXT NOT NULL, "
        + ", ".join(f"{c} BIGINT NOT NULL DEFAULT 0" for c in COUNTERS)
        + ", PRIMARY KEY (salesperson_id, store_id, day))",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_day ON {TABLE} (day, store_id)",
        StoreZones(ZONES).ddl,
        "CREATE TABLE IF NOT EXISTS rm_salesperson_kpi_staff ("
        " staff_id TEXT PRIMARY KEY, name TEXT NOT NULL, store_id TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS rm_salesperson_kpi_lead ("
        " lead_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, captured_at TEXT NOT NULL,"
        " salesperson_id TEXT, clock_start TEXT,"
        " responded_at TEXT, response_day TEXT, response_seconds BIGINT)",
        "CREATE TABLE IF NOT EXISTS rm_salesperson_kpi_deal ("
        " deal_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, salesperson_id TEXT NOT NULL,"
        " selling_price BIGINT, front_gross BIGINT, delivered INTEGER NOT NULL DEFAULT 0)",
    )

    def __init__(self) -> None:
        self.zones = StoreZones(ZONES)

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
        tx.execute(
            "INSERT INTO rm_salesperson_kpi_lead (lead_id, store_id, captured_at)"
            " VALUES (?, ?, ?) ON CONFLICT (lead_id) DO NOTHING",
            (sid(event.originator_id), sid(event.store_id), utc_iso(event.occurred_at)),
        )

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
        tx.execute(
            "INSERT INTO rm_salesperson_kpi_deal (deal_id, store_id, salesperson_id)"
            " VALUES (?, ?, ?) ON CONFLICT (deal_id) DO NOTHING",
            (sid(event.originator_id), sid(event.store_id), sid(event.salesperson_id)),
        )

    @handles(Deal.ContractSigned)
    def on_contract(self, event: Deal.ContractSigned, tx: Tx) -> None:
        tx.execute(
            "UPDATE rm_salesperson_kpi_deal SET selling_price = ?, front_gross = ?"
            " WHERE deal_id = ?",
            (fen(event.selling_price), fen(event.front_gross), sid(event.originator_id)),
        )
        self._credit_deal(tx, event, None, deals_contracted=1)

    @handles(Deal.Delivered)
    def on_delivered(self, event: Deal.Delivered, tx: Tx) -> None:
        self._credit_deal(tx, event, 1)

    @handles(Deal.Unwound)
    def on_unwound(self, event: Deal.Unwound, tx: Tx) -> None:
        self._credit_deal(tx, event, -1)

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _lead(tx: Tx, lead_id: UUID) -> dict[str, Any] | None:
        return tx.one("SELECT * FROM rm_salesperson_kpi_lead WHERE lead_id = ?", (sid(lead_id),))

    def _credit_lead(self, tx: Tx, event: Any, **deltas: int) -> None:
        lead = self._lead(tx, event.originator_id)
        if lead is None or lead["salesperson_id"] is None:
            return
        day = self.zones.day(tx, lead["store_id"], event.occurred_at)
        self._bump(tx, lead["salesperson_id"], lead["store_id"], day.isoformat(), **deltas)

    def _credit_deal(self, tx: Tx, event: Any, sign: int | None, **deltas: int) -> None:
        """Credit a deal's salesperson; with `sign`, also (un)count it as a delivered unit."""
        deal = tx.one(
            "SELECT * FROM rm_salesperson_kpi_deal WHERE deal_id = ?", (sid(event.originator_id),)
        )
        if deal is None:
            return
        if sign is not None:
            delivered = 1 if sign > 0 else 0
            if int(deal["delivered"]) == delivered:
                return  # only a delivered deal can be unwound, and only once
            tx.execute(
                "UPDATE rm_salesperson_kpi_deal SET delivered = ? WHERE deal_id = ?",
                (delivered, deal["deal_id"]),
            )
            deltas |= {
                "units_delivered": sign,
                "revenue": sign * int(deal["selling_price"] or 0),
                "front_gross": sign * int(deal["front_gross"] or 0),
            }
        day = self.zones.day(tx, deal["store_id"], event.occurred_at)
        self._bump(tx, deal["salesperson_id"], deal["store_id"], day.isoformat(), **deltas)

    @staticmethod
    def _bump(tx: Tx, salesperson_id: UUID | str, store_id: str, day: str, **deltas: int) -> None:
        tx.execute(
            _BUMP,
            (sid(salesperson_id), store_id, day, *(deltas.get(c, 0) for c in COUNTERS)),
        )
