"""One row per lead (its next follow-up day while open) and per after-delivery call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.followups.model import (
    DEFAULT_GAP_DAYS,
    CallPlan,
    CallStatus,
    FollowUpSettings,
    default_follow_up_on,
)
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
    """Next follow-up day of every lead, and every call after a delivery, for the day lists.

    A lead's day is its store's gap (as the store had set it when the contact was recorded)
    after its capture or its latest contact, or the day a person chose since: the same rule as
    `domain.followups.model.next_follow_up_on`, worked out once per event here."""

    name = "follow_ups"
    tables = (LEADS, CALLS, STORES)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {LEADS} ("
        " lead_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, customer_id TEXT NOT NULL,"
        " salesperson_id TEXT, open INTEGER NOT NULL, follow_up_on TEXT NOT NULL,"
        " chosen INTEGER NOT NULL DEFAULT 0,"
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
        f"CREATE TABLE IF NOT EXISTS {STORES} (store_id TEXT PRIMARY KEY,"
        " timezone TEXT NOT NULL, gap_days INTEGER NOT NULL, settings_id TEXT)",
    )

    @handles(Store.Opened, Store.Updated)
    def on_store(self, event: Any, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {STORES} (store_id, timezone, gap_days) VALUES (?, ?, ?)"
            " ON CONFLICT (store_id) DO UPDATE SET timezone = excluded.timezone",
            (sid(event.originator_id), event.timezone, DEFAULT_GAP_DAYS),
        )

    @handles(FollowUpSettings.Set)
    def on_settings(self, event: FollowUpSettings.Set, tx: Tx) -> None:
        self._gap(tx, sid(event.store_id), event.gap_days, sid(event.originator_id))

    @handles(FollowUpSettings.Changed)
    def on_settings_changed(self, event: FollowUpSettings.Changed, tx: Tx) -> None:
        self._gap(tx, None, event.gap_days, settings_id=sid(event.originator_id))

    @staticmethod
    def _gap(tx: Tx, store_id: str | None, gap: int, settings_id: str | None = None) -> None:
        if store_id is not None:
            tx.execute(
                f"UPDATE {STORES} SET gap_days = ?, settings_id = ? WHERE store_id = ?",
                (gap, settings_id, store_id),
            )
        else:
            tx.execute(
                f"UPDATE {STORES} SET gap_days = ? WHERE settings_id = ?", (gap, settings_id)
            )

    def _default(self, tx: Tx, store_id: str | None, contact: datetime) -> str:
        rows = tx.query(f"SELECT timezone, gap_days FROM {STORES} WHERE store_id = ?", (store_id,))
        zone, gap = (
            (str(rows[0]["timezone"]), int(rows[0]["gap_days"]))
            if rows
            else (
                DEFAULT_ZONE,
                DEFAULT_GAP_DAYS,
            )
        )
        return default_follow_up_on(contact, zone, gap).isoformat()

    @handles(Lead.Captured)
    def on_captured(self, event: Lead.Captured, tx: Tx) -> None:
        store = sid(event.store_id)
        tx.execute(
            f"INSERT INTO {LEADS} (lead_id, store_id, customer_id, open, follow_up_on,"
            " model_interest, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?)"
            " ON CONFLICT (lead_id) DO NOTHING",
            (
                sid(event.originator_id),
                store,
                sid(event.customer_id),
                self._default(tx, store, event.occurred_at),
                event.model_interest,
                utc_iso(event.occurred_at),
            ),
        )

    @handles(Lead.Assigned)
    def on_assigned(self, event: Lead.Assigned, tx: Tx) -> None:
        self._set(tx, event, salesperson_id=sid(event.salesperson_id))

    @handles(Lead.ActivityLogged)
    def on_activity(self, event: Lead.ActivityLogged, tx: Tx) -> None:
        lead = sid(event.originator_id)
        rows = tx.query(f"SELECT store_id, last_contact_at FROM {LEADS} WHERE lead_id = ?", (lead,))
        if not rows:
            return
        at = utc_iso(event.occurred_at)
        last = rows[0]["last_contact_at"]
        if last is not None and str(last) >= at:  # an older contact entered late moves nothing
            return
        due = self._default(tx, str(rows[0]["store_id"]), event.occurred_at)
        self._set(tx, event, last_contact_at=at, follow_up_on=due, chosen=0)

    @handles(Lead.FollowUpScheduled)
    def on_scheduled(self, event: Lead.FollowUpScheduled, tx: Tx) -> None:
        self._set(tx, event, follow_up_on=event.follow_up_on.isoformat(), chosen=1)

    # A lead waiting for its loss to be approved is not worked (docs/lost-leads.md): it leaves
    # the day like a closed one, and comes back, with the day it had, when the loss is rejected
    # or the lost lead reopened.
    @handles(Lead.Converted, Lead.Lost, Lead.LossRequested, Lead.LossApproved)
    def on_closed(self, event: Any, tx: Tx) -> None:
        self._set(tx, event, open=0)

    @handles(Lead.LossRejected, Lead.Reopened)
    def on_open_again(self, event: Any, tx: Tx) -> None:
        self._set(tx, event, open=1)

    @staticmethod
    def _set(tx: Tx, event: Any, **columns: Any) -> None:
        assignments = "".join(f"{c} = ?, " for c in columns)
        tx.execute(
            f"UPDATE {LEADS} SET {assignments}updated_at = ? WHERE lead_id = ?",
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
