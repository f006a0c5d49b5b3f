"""Rows the API lists and filters: one per store, staff member, customer, lead and deal."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from domain.crm.model import Customer
from domain.leads.model import Lead, LeadStatus
from domain.organisation.model import Staff, Store
from domain.sales.model import Deal, DealStatus
from domain.shared.personal import ERASED, is_sealed
from domain.shared.values import masked_phone
from projections.common import RowChanges, sid, utc_iso
from projections.db import Tx, fen
from projections.projection import Projection, handles


class LeadActivity:
    """A page's activities per lead, merged into the row's first response and last activity
    at the page's end (earliest and latest, whatever order they were entered in)."""

    def __init__(self) -> None:
        self._tx: Tx | None = None
        # lead id -> [earliest response or None, latest activity]
        self._leads: dict[str, list[str | None]] = {}

    def add(self, tx: Tx, lead_id: str, occurred_at: datetime, automated: bool) -> None:
        if tx is not self._tx:
            self._tx, self._leads = tx, {}
        when = utc_iso(occurred_at)
        first, last = self._leads.setdefault(lead_id, [None, when])
        if not automated and (first is None or when < first):
            first = when
        if last is None or when > last:
            last = when
        self._leads[lead_id] = [first, last]

    def flush(self, tx: Tx) -> None:
        if tx is self._tx and self._leads:
            tx.executemany(
                "UPDATE rm_directory_lead SET"
                " first_response_at = CASE WHEN CAST(? AS TEXT) IS NOT NULL"
                " AND (first_response_at IS NULL OR first_response_at > ?)"
                " THEN ? ELSE first_response_at END,"
                " last_activity_at = CASE WHEN last_activity_at IS NULL OR last_activity_at < ?"
                " THEN ? ELSE last_activity_at END"
                " WHERE lead_id = ?",
                [
                    (first, first, first, last, last, lead_id)
                    for lead_id, (first, last) in self._leads.items()
                ],
            )
        self._tx, self._leads = None, {}


# The customer a lead or deal reads under: the record it was made for, or the one that record
# was merged into before (two parameters: the customer id twice).
SURVIVOR = (
    "COALESCE((SELECT survivor_id FROM rm_directory_merge WHERE customer_id = ?), CAST(? AS TEXT))"
)


class DirectoryProjection(Projection):
    """Current state of the things people look up by list: no history, no figures."""

    name = "directory"
    tables = (
        "rm_directory_store",
        "rm_directory_staff",
        "rm_directory_customer",
        "rm_directory_phone",
        "rm_directory_lead",
        "rm_directory_deal",
        "rm_directory_merge",
    )
    ddl = (
        "CREATE TABLE IF NOT EXISTS rm_directory_store ("
        " store_id TEXT PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL,"
        " brands TEXT NOT NULL, timezone TEXT NOT NULL, active INTEGER NOT NULL,"
        " opened_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS rm_directory_staff ("
        " staff_id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,"
        " store_id TEXT NOT NULL, active INTEGER NOT NULL, hired_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS rm_directory_staff_store ON rm_directory_staff (store_id)",
        "CREATE TABLE IF NOT EXISTS rm_directory_customer ("
        " customer_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, owner_id TEXT,"
        " name TEXT NOT NULL, phone_sealed TEXT NOT NULL, source TEXT NOT NULL,"
        " preferred_model TEXT, preferred_colour TEXT, preferred_trim TEXT, budget BIGINT,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS rm_directory_customer_store"
        " ON rm_directory_customer (store_id, created_at)",
        "CREATE INDEX IF NOT EXISTS rm_directory_customer_owner"
        " ON rm_directory_customer (owner_id, created_at)",
        "CREATE TABLE IF NOT EXISTS rm_directory_phone ("
        " phone_hash TEXT PRIMARY KEY, customer_id TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS rm_directory_lead ("
        " lead_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, customer_id TEXT NOT NULL,"
        " salesperson_id TEXT, channel TEXT NOT NULL, status TEXT NOT NULL,"
        " model_interest TEXT, deal_id TEXT, lost_reason TEXT,"
        " first_response_at TEXT, last_activity_at TEXT, appointment_for TEXT,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS rm_directory_lead_store"
        " ON rm_directory_lead (store_id, created_at)",
        "CREATE INDEX IF NOT EXISTS rm_directory_lead_salesperson"
        " ON rm_directory_lead (salesperson_id, created_at)",
        "CREATE TABLE IF NOT EXISTS rm_directory_deal ("
        " deal_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, customer_id TEXT NOT NULL,"
        " salesperson_id TEXT NOT NULL, lead_id TEXT, vehicle_id TEXT, vin TEXT,"
        " status TEXT NOT NULL, quoted_price BIGINT, discount BIGINT,"
        " selling_price BIGINT, front_gross BIGINT,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS rm_directory_deal_store"
        " ON rm_directory_deal (store_id, created_at)",
        "CREATE INDEX IF NOT EXISTS rm_directory_deal_salesperson"
        " ON rm_directory_deal (salesperson_id, created_at)",
        # Customers merged into another (docs/lead-dedup.md): their leads and deals read under
        # the survivor; the row stays for the duplicate's own page to link to the survivor.
        "CREATE TABLE IF NOT EXISTS rm_directory_merge ("
        " customer_id TEXT PRIMARY KEY, survivor_id TEXT NOT NULL, merged_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS rm_directory_merge_survivor"
        " ON rm_directory_merge (survivor_id)",
    )

    def __init__(self) -> None:
        self.changes = RowChanges("rm_directory_{kind}", "{kind}_id")
        self.activity = LeadActivity()

    # --- organisation -------------------------------------------------------------------------

    @handles(Store.Opened, Store.Updated)
    def on_store(self, event: Any, tx: Tx) -> None:
        when = utc_iso(event.occurred_at)
        tx.execute(
            "INSERT INTO rm_directory_store"
            " (store_id, name, city, brands, timezone, active, opened_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, 1, ?, ?)"
            " ON CONFLICT (store_id) DO UPDATE SET name = excluded.name, city = excluded.city,"
            " brands = excluded.brands, timezone = excluded.timezone,"
            " updated_at = excluded.updated_at",
            (
                sid(event.originator_id),
                event.name,
                event.city,
                json.dumps(list(event.brands), ensure_ascii=False),
                event.timezone,
                when,
                when,
            ),
        )

    @handles(Store.Closed)
    def on_store_closed(self, event: Store.Closed, tx: Tx) -> None:
        # Written at once, not merged at the page's end: the store's upsert above writes the
        # same row without going through the page's changes.
        tx.execute(
            "UPDATE rm_directory_store SET active = 0, updated_at = ? WHERE store_id = ?",
            (utc_iso(event.occurred_at), sid(event.originator_id)),
        )

    @handles(Staff.Hired)
    def on_staff_hired(self, event: Staff.Hired, tx: Tx) -> None:
        when = utc_iso(event.occurred_at)
        tx.execute(
            "INSERT INTO rm_directory_staff"
            " (staff_id, name, role, store_id, active, hired_at, updated_at)"
            " VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (staff_id) DO NOTHING",
            (sid(event.originator_id), event.name, event.role, sid(event.store_id), when, when),
        )

    @handles(Staff.Transferred)
    def on_staff_transferred(self, event: Staff.Transferred, tx: Tx) -> None:
        self._set(tx, "staff", event, store_id=sid(event.to_store_id))

    @handles(Staff.Left)
    def on_staff_left(self, event: Staff.Left, tx: Tx) -> None:
        self._set(tx, "staff", event, active=0)

    # --- customers ----------------------------------------------------------------------------

    @handles(Customer.Registered)
    def on_customer_registered(self, event: Customer.Registered, tx: Tx) -> None:
        customer_id, when = sid(event.originator_id), utc_iso(event.occurred_at)
        tx.execute(
            "INSERT INTO rm_directory_customer (customer_id, store_id, owner_id, name,"
            " phone_sealed, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (customer_id) DO NOTHING",
            (
                customer_id,
                sid(event.store_id),
                sid(event.owner_id),
                # Name and phone as the log keeps them: sealed with the customer's key (the API
                # reveals them); a customer stored before sealing keeps only the masked phone.
                event.name,
                event.phone if is_sealed(event.phone) else masked_phone(event.phone),
                event.source,
                when,
                when,
            ),
        )
        # The first customer with a number keeps it; the domain refuses a second one anyway.
        tx.execute(
            "INSERT INTO rm_directory_phone (phone_hash, customer_id) VALUES (?, ?)"
            " ON CONFLICT (phone_hash) DO NOTHING",
            (event.phone_hash, customer_id),
        )

    @handles(Customer.ErasureRecorded)
    def on_customer_erased(self, event: Customer.ErasureRecorded, tx: Tx) -> None:
        # The sealed values are dead with the key; a customer stored in clear before sealing
        # loses them here. The phone's hash no longer finds the customer (the number is free).
        customer_id = sid(event.originator_id)
        self._set(tx, "customer", event, name=ERASED, phone_sealed=ERASED)
        tx.execute("DELETE FROM rm_directory_phone WHERE customer_id = ?", (customer_id,))

    @handles(Customer.PreferencesRecorded)
    def on_preferences(self, event: Customer.PreferencesRecorded, tx: Tx) -> None:
        self._set(
            tx,
            "customer",
            event,
            preferred_model=event.model,
            preferred_colour=event.colour,
            preferred_trim=event.trim,
            budget=None if event.budget is None else fen(event.budget),
        )

    @handles(Customer.Reassigned)
    def on_reassigned(self, event: Customer.Reassigned, tx: Tx) -> None:
        self._set(tx, "customer", event, owner_id=sid(event.owner_id))

    # --- leads --------------------------------------------------------------------------------

    @handles(Lead.Captured)
    def on_lead_captured(self, event: Lead.Captured, tx: Tx) -> None:
        when = utc_iso(event.occurred_at)
        tx.execute(
            "INSERT INTO rm_directory_lead (lead_id, store_id, customer_id, channel, status,"
            " model_interest, created_at, updated_at) VALUES (?, ?, " + SURVIVOR + ","
            " ?, ?, ?, ?, ?) ON CONFLICT (lead_id) DO NOTHING",
            (
                sid(event.originator_id),
                sid(event.store_id),
                sid(event.customer_id),
                sid(event.customer_id),
                event.channel,
                LeadStatus.OPEN.value,
                event.model_interest,
                when,
                when,
            ),
        )

    @handles(Lead.Assigned)
    def on_lead_assigned(self, event: Lead.Assigned, tx: Tx) -> None:
        self._set(tx, "lead", event, salesperson_id=sid(event.salesperson_id))

    @handles(Lead.ActivityLogged)
    def on_lead_activity(self, event: Lead.ActivityLogged, tx: Tx) -> None:
        # Activities may be entered late: the first response is the earliest (by business
        # time) that was not automated, the last activity the latest, as the aggregate keeps.
        self._set(tx, "lead", event)
        self.activity.add(tx, str(event.originator_id), event.occurred_at, event.automated)

    @handles(Lead.AppointmentSet)
    def on_appointment_set(self, event: Lead.AppointmentSet, tx: Tx) -> None:
        self._set(tx, "lead", event, appointment_for=utc_iso(event.scheduled_for))

    @handles(Lead.AppointmentShown, Lead.AppointmentMissed)
    def on_appointment_resolved(self, event: Any, tx: Tx) -> None:
        self._set(tx, "lead", event, appointment_for=None)

    @handles(Lead.Converted)
    def on_lead_converted(self, event: Lead.Converted, tx: Tx) -> None:
        self._set(tx, "lead", event, status=LeadStatus.CONVERTED.value, deal_id=sid(event.deal_id))

    @handles(Lead.Lost)
    def on_lead_lost(self, event: Lead.Lost, tx: Tx) -> None:
        self._set(tx, "lead", event, status=LeadStatus.LOST.value, lost_reason=event.reason)

    # Lost leads by approval (docs/lost-leads.md): a requested loss takes the lead off the
    # salesperson's day (not open) until a manager approves it (lost) or rejects it (open).
    @handles(Lead.LossRequested)
    def on_lead_loss_requested(self, event: Lead.LossRequested, tx: Tx) -> None:
        self._set(tx, "lead", event, status=LeadStatus.PENDING_LOSS.value)

    @handles(Lead.LossApproved)
    def on_lead_loss_approved(self, event: Lead.LossApproved, tx: Tx) -> None:
        self._set(tx, "lead", event, status=LeadStatus.LOST.value, lost_reason=event.reason)

    @handles(Lead.LossRejected, Lead.Reopened)
    def on_lead_open_again(self, event: Any, tx: Tx) -> None:
        self._set(tx, "lead", event, status=LeadStatus.OPEN.value, lost_reason=None)

    # --- deals --------------------------------------------------------------------------------

    @handles(Deal.Opened)
    def on_deal_opened(self, event: Deal.Opened, tx: Tx) -> None:
        when = utc_iso(event.occurred_at)
        tx.execute(
            "INSERT INTO rm_directory_deal (deal_id, store_id, customer_id, salesperson_id,"
            " lead_id, status, created_at, updated_at) VALUES (?, ?, " + SURVIVOR + ","
            " ?, ?, ?, ?, ?) ON CONFLICT (deal_id) DO NOTHING",
            (
                sid(event.originator_id),
                sid(event.store_id),
                sid(event.customer_id),
                sid(event.customer_id),
                sid(event.salesperson_id),
                sid(event.lead_id),
                DealStatus.OPEN.value,
                when,
                when,
            ),
        )

    @handles(Deal.VehicleAttached)
    def on_vehicle_attached(self, event: Deal.VehicleAttached, tx: Tx) -> None:
        # A new vehicle voids the quote, as it does in the aggregate.
        self._set(
            tx,
            "deal",
            event,
            vehicle_id=sid(event.vehicle_id),
            vin=event.vin,
            status=DealStatus.OPEN.value,
            quoted_price=None,
            discount=None,
        )

    @handles(Deal.Quoted)
    def on_quoted(self, event: Deal.Quoted, tx: Tx) -> None:
        self._set(
            tx,
            "deal",
            event,
            status=DealStatus.QUOTED.value,
            quoted_price=fen(event.price),
            discount=fen(event.discount),
        )

    @handles(Deal.ContractSigned)
    def on_contract(self, event: Deal.ContractSigned, tx: Tx) -> None:
        self._set(
            tx,
            "deal",
            event,
            status=DealStatus.CONTRACTED.value,
            selling_price=fen(event.selling_price),
            front_gross=fen(event.front_gross),
        )

    @handles(Deal.Delivered)
    def on_deal_delivered(self, event: Deal.Delivered, tx: Tx) -> None:
        self._set(tx, "deal", event, status=DealStatus.DELIVERED.value)

    @handles(Deal.Unwound)
    def on_deal_unwound(self, event: Deal.Unwound, tx: Tx) -> None:
        self._set(tx, "deal", event, status=DealStatus.UNWOUND.value)

    @handles(Deal.Cancelled)
    def on_deal_cancelled(self, event: Deal.Cancelled, tx: Tx) -> None:
        self._set(tx, "deal", event, status=DealStatus.CANCELLED.value)

    # --- de-duplication, protection period, merging (docs/lead-dedup.md) ----------------------

    @handles(Lead.EnquiryRecorded)
    def on_enquiry(self, event: Lead.EnquiryRecorded, tx: Tx) -> None:
        if event.model_interest is None:
            self._set(tx, "lead", event)
        else:
            self._set(tx, "lead", event, model_interest=event.model_interest)

    @handles(Customer.TakenOver)
    def on_taken_over(self, event: Customer.TakenOver, tx: Tx) -> None:
        self._set(tx, "customer", event, store_id=sid(event.store_id), owner_id=sid(event.owner_id))

    @handles(Customer.MergedInto)
    def on_merged(self, event: Customer.MergedInto, tx: Tx) -> None:
        # Written at once (not merged at the page's end): the rows moved are found by the
        # customer column, which the page's pending changes never touch.
        duplicate, survivor = sid(event.originator_id), sid(event.survivor_id)
        when = utc_iso(event.occurred_at)
        tx.execute(
            "UPDATE rm_directory_merge SET survivor_id = ? WHERE survivor_id = ?",
            (survivor, duplicate),
        )
        tx.execute(
            "INSERT INTO rm_directory_merge (customer_id, survivor_id, merged_at) VALUES (?, ?, ?)"
            " ON CONFLICT (customer_id) DO UPDATE SET survivor_id = excluded.survivor_id",
            (duplicate, survivor, when),
        )
        for table in ("rm_directory_lead", "rm_directory_deal"):
            tx.execute(
                f"UPDATE {table} SET customer_id = ? WHERE customer_id = ?",
                (survivor, duplicate),
            )
        self._set(tx, "customer", event)

    # --- helpers ------------------------------------------------------------------------------

    def _set(self, tx: Tx, kind: str, event: Any, **columns: Any) -> None:
        """Change some columns of one row and stamp it with the event's business time."""
        columns["updated_at"] = utc_iso(event.occurred_at)
        self.changes.set(tx, kind, sid(event.originator_id), columns)

    def flush(self, tx: Tx) -> None:
        self.changes.flush(tx)
        self.activity.flush(tx)
