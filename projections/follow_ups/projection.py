"""One row per lead (its next follow-up day while open) and per after-delivery call."""

from __future__ import annotations

from typing import Any

from domain.followups.model import DEFAULT_GAP_DAYS, CallPlan, CallStatus, default_follow_up_on
from domain.leads.model import Lead
from domain.organisation.model import Store
from domain.shared.clock import days_after
from projections.common import sid, utc_iso
from projections.db import Tx
from projections.projection import Projection, handles

LEADS = "rm_follow_up_lead"
CALLS = "rm_follow_up_call"
STORES = "rm_follow_up_store"
DEFAULT_ZONE = "Asia/Shanghai"


class FollowUpsProjection(Projection):
    """Next follow-up day of every lead, and every call after a delivery, for the day lists."""

    name = "follow_ups"
    tables = (LEADS, CALLS, STORES)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {LEADS} ("
        " lead_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, customer_id TEXT NOT NULL,"
        " salesperson_id TEXT, open INTEGER NOT NULL, follow_up_on TEXT NOT NULL,"
        " explicit INTEGER NOT NULL DEFAULT 0, by_default INTEGER NOT NULL DEFAULT 1,"
        " model_interest TEXT, last_contact_at TEXT, updated_at TEXT NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {LEADS}_due ON {LEADS} (open, salesperson_id, follow_up_on)",
        f"CREATE TABLE IF NOT EXISTS {CALLS} ("
        " plan_id TEXT NOT NULL, deal_id TEXT NOT NULL, day_offset INTEGER NOT NULL,"
        " store_id TEXT NOT NULL,"
        " customer_id TEXT NOT NULL, salesperson_id TEXT NOT NULL, due_on TEXT NOT NULL,"
        " status TEXT NOT NULL, score INTEGER, version INTEGER NOT NULL,"
        " updated_at TEXT NOT NULL, PRIMARY KEY (deal_id, day_offset))",
        f"CREATE INDEX IF NOT EXISTS {CALLS}_due ON {CALLS} (status, salesperson_id, due_on)",
        f"CREATE INDEX IF NOT EXISTS {CALLS}_plan ON {CALLS} (plan_id)",
        f"CREATE TABLE IF NOT EXISTS {STORES} (store_id TEXT PRIMARY KEY, timezone TEXT NOT NULL)",
    )

    @handles(Store.Opened, Store.Updated)
    def on_store(self, event: Any, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {STORES} (store_id, timezone) VALUES (?, ?)"
            " ON CONFLICT (store_id) DO UPDATE SET timezone = excluded.timezone",
            (sid(event.originator_id), event.timezone),
        )

    def _zone(self, tx: Tx, store_id: str | None) -> str:
        rows = tx.query(f"SELECT timezone FROM {STORES} WHERE store_id = ?", (store_id,))
        return str(rows[0]["timezone"]) if rows else DEFAULT_ZONE

    @handles(Lead.Captured)
    def on_captured(self, event: Lead.Captured, tx: Tx) -> None:
        # A lead from before follow-up days: due the old rule's two days after its capture
        # (a new one's FollowUpScheduled follows in the same commit and sets its day).
        store = sid(event.store_id)
        due = default_follow_up_on(event.occurred_at, self._zone(tx, store), DEFAULT_GAP_DAYS)
        tx.execute(
            f"INSERT INTO {LEADS} (lead_id, store_id, customer_id, open, follow_up_on,"
            " model_interest, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?)"
            " ON CONFLICT (lead_id) DO NOTHING",
            (
                sid(event.originator_id),
                store,
                sid(event.customer_id),
                due.isoformat(),
                event.model_interest,
                utc_iso(event.occurred_at),
            ),
        )

    @handles(Lead.Assigned)
    def on_assigned(self, event: Lead.Assigned, tx: Tx) -> None:
        self._set(tx, event, salesperson_id=sid(event.salesperson_id))

    @handles(Lead.ActivityLogged)
    def on_activity(self, event: Lead.ActivityLogged, tx: Tx) -> None:
        if event.automated:
            return
        lead = sid(event.originator_id)
        rows = tx.query(
            f"SELECT store_id, explicit, last_contact_at FROM {LEADS} WHERE lead_id = ?", (lead,)
        )
        if not rows:
            return
        at = utc_iso(event.occurred_at)
        last = rows[0]["last_contact_at"]
        if last is not None and str(last) >= at:
            return
        columns: dict[str, Any] = {"last_contact_at": at}
        if not rows[0]["explicit"]:  # the old rule: two days after the last contact
            zone = self._zone(tx, str(rows[0]["store_id"]))
            due = default_follow_up_on(event.occurred_at, zone, DEFAULT_GAP_DAYS)
            columns["follow_up_on"] = due.isoformat()
        self._set(tx, event, **columns)

    @handles(Lead.FollowUpScheduled)
    def on_scheduled(self, event: Lead.FollowUpScheduled, tx: Tx) -> None:
        self._set(
            tx,
            event,
            follow_up_on=event.follow_up_on.isoformat(),
            explicit=1,
            by_default=1 if event.by_default else 0,
        )

    @handles(Lead.Converted, Lead.Lost)
    def on_closed(self, event: Any, tx: Tx) -> None:
        self._set(tx, event, open=0)

    @staticmethod
    def _set(tx: Tx, event: Any, **columns: Any) -> None:
        assignments = ", ".join(f"{c} = ?" for c in columns)
        tx.execute(
            f"UPDATE {LEADS} SET {assignments}, updated_at = ? WHERE lead_id = ?",
            (*columns.values(), utc_iso(event.occurred_at), sid(event.originator_id)),
        )

    # --- calls --------------------------------------------------------------------------------

    @handles(CallPlan.Planned)
    def on_planned(self, event: CallPlan.Planned, tx: Tx) -> None:
        tx.executemany(
            f"INSERT INTO {CALLS} (plan_id, deal_id, day_offset, store_id, customer_id,"
            " salesperson_id, due_on, status, version, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (deal_id, day_offset) DO NOTHING",
            [
                (
                    sid(event.originator_id),
                    sid(event.deal_id),
                    offset,
                    sid(event.store_id),
                    sid(event.customer_id),
                    sid(event.salesperson_id),
                    days_after(event.delivered_on, offset).isoformat(),
                    CallStatus.PENDING.value,
                    event.originator_version,
                    utc_iso(event.occurred_at),
                )
                for offset in event.offsets
            ],
        )

    @handles(CallPlan.CallCompleted)
    def on_completed(self, event: CallPlan.CallCompleted, tx: Tx) -> None:
        status = CallStatus.REACHED if event.outcome == "reached" else CallStatus.NOT_REACHED
        self._call(
            tx, event, "day_offset = ?", [event.offset], status=status.value, score=event.score
        )

    @handles(CallPlan.CallRescheduled)
    def on_rescheduled(self, event: CallPlan.CallRescheduled, tx: Tx) -> None:
        self._call(tx, event, "day_offset = ?", [event.offset], due_on=event.due_on.isoformat())

    @handles(CallPlan.Cancelled)
    def on_cancelled(self, event: CallPlan.Cancelled, tx: Tx) -> None:
        self._call(
            tx, event, "status = ?", [CallStatus.PENDING.value], status=CallStatus.CANCELLED.value
        )

    @staticmethod
    def _call(tx: Tx, event: Any, where: str, params: list[Any], **columns: Any) -> None:
        # Every row of the plan takes its new version (the version a form posts back).
        assignments = ", ".join(f"{c} = ?" for c in columns)
        tx.execute(
            f"UPDATE {CALLS} SET {assignments}, updated_at = ? WHERE plan_id = ? AND {where}",
            (*columns.values(), utc_iso(event.occurred_at), sid(event.originator_id), *params),
        )
        tx.execute(
            f"UPDATE {CALLS} SET version = ? WHERE plan_id = ?",
            (event.originator_version, sid(event.originator_id)),
        )
