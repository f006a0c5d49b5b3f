"""One row per lead: where its loss stands (open, pending approval, lost), for the managers'
queue of losses to approve and the loss-reason report (docs/lost-leads.md)."""

from __future__ import annotations

from typing import Any

from domain.leads.model import Lead, LeadStatus
from domain.leads.policy import LossPolicy
from domain.organisation.model import Store
from domain.shared import months
from projections.common import StoreZones, sid, utc_iso
from projections.db import Tx
from projections.projection import Projection, handles

TABLE = "rm_lead_loss"
POLICY = "rm_lead_loss_policy"
ZONES = "rm_lead_loss_store"


class LeadLossesProjection(Projection):
    """A loss counts at approval (in the month of the approval, in the store's time zone), never
    at the request; a rejected request or a reopened lead is open again. A lead closed as lost
    directly (`Lead.Lost`: a manager's, or any stored before approvals) counts as approved."""

    name = "lead_losses"
    tables = (TABLE, POLICY, ZONES)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " lead_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, salesperson_id TEXT,"
        " model_interest TEXT, channel TEXT NOT NULL, status TEXT NOT NULL,"
        " reason TEXT, competitor TEXT, requested_at TEXT, requested_by TEXT,"
        " spot_check TEXT, lost_at TEXT, lost_month TEXT, reopened INTEGER NOT NULL DEFAULT 0)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_status ON {TABLE} (status, store_id)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_month ON {TABLE} (lost_month, store_id)",
        f"CREATE TABLE IF NOT EXISTS {POLICY} ("
        " store_id TEXT PRIMARY KEY, spot_check_required INTEGER NOT NULL)",
        StoreZones(ZONES).ddl,
    )

    def __init__(self) -> None:
        self.zones = StoreZones(ZONES)

    @handles(Store.Opened, Store.Updated)
    def on_store(self, event: Any, tx: Tx) -> None:
        self.zones.remember(tx, event.originator_id, event.timezone)

    @handles(Lead.Captured)
    def on_captured(self, event: Lead.Captured, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {TABLE} (lead_id, store_id, model_interest, channel, status)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (lead_id) DO NOTHING",
            (
                sid(event.originator_id),
                sid(event.store_id),
                event.model_interest,
                event.channel,
                LeadStatus.OPEN.value,
            ),
        )

    @handles(Lead.Assigned)
    def on_assigned(self, event: Lead.Assigned, tx: Tx) -> None:
        self._set(tx, event, salesperson_id=sid(event.salesperson_id))

    @handles(Lead.Converted)
    def on_converted(self, event: Lead.Converted, tx: Tx) -> None:
        self._set(tx, event, status=LeadStatus.CONVERTED.value)

    @handles(Lead.Lost)
    def on_lost(self, event: Lead.Lost, tx: Tx) -> None:
        self._lost(tx, event, event.reason, None)

    @handles(Lead.LossRequested)
    def on_requested(self, event: Lead.LossRequested, tx: Tx) -> None:
        self._set(
            tx,
            event,
            status=LeadStatus.PENDING_LOSS.value,
            reason=event.reason,
            competitor=event.competitor,
            requested_at=utc_iso(event.occurred_at),
            requested_by=event.requested_by,
            spot_check=None,
        )

    @handles(Lead.LossSpotChecked)
    def on_spot_checked(self, event: Lead.LossSpotChecked, tx: Tx) -> None:
        self._set(tx, event, spot_check=event.outcome)

    @handles(Lead.LossApproved)
    def on_approved(self, event: Lead.LossApproved, tx: Tx) -> None:
        self._lost(tx, event, event.reason, event.competitor)

    @handles(Lead.LossRejected)
    def on_rejected(self, event: Lead.LossRejected, tx: Tx) -> None:
        self._reopen(tx, event, reopened=0)

    @handles(Lead.Reopened)
    def on_reopened(self, event: Lead.Reopened, tx: Tx) -> None:
        self._reopen(tx, event, reopened=1)

    @handles(LossPolicy.SpotCheckSet)
    def on_policy(self, event: LossPolicy.SpotCheckSet, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {POLICY} (store_id, spot_check_required) VALUES (?, ?)"
            " ON CONFLICT (store_id)"
            " DO UPDATE SET spot_check_required = excluded.spot_check_required",
            (sid(event.store_id), 1 if event.required else 0),
        )

    # --- helpers ------------------------------------------------------------------------------

    def _lost(self, tx: Tx, event: Any, reason: str, competitor: str | None) -> None:
        row = tx.one(f"SELECT store_id FROM {TABLE} WHERE lead_id = ?", (sid(event.originator_id),))
        if row is None:
            return
        day = self.zones.day(tx, str(row["store_id"]), event.occurred_at)
        self._set(
            tx,
            event,
            status=LeadStatus.LOST.value,
            reason=reason,
            competitor=competitor,
            lost_at=utc_iso(event.occurred_at),
            lost_month=months.of_day(day),
        )

    def _reopen(self, tx: Tx, event: Any, reopened: int) -> None:
        self._set(
            tx,
            event,
            status=LeadStatus.OPEN.value,
            reason=None,
            competitor=None,
            requested_at=None,
            requested_by=None,
            spot_check=None,
            lost_at=None,
            lost_month=None,
            reopened=reopened,
        )

    @staticmethod
    def _set(tx: Tx, event: Any, **columns: Any) -> None:
        names = ", ".join(f"{name} = ?" for name in columns)
        tx.execute(
            f"UPDATE {TABLE} SET {names} WHERE lead_id = ?",
            (*columns.values(), sid(event.originator_id)),
        )
