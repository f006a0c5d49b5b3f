"""How far each month's leads got: captured → contacted → appointment → shown → deal → delivered."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.leads.model import Lead
from domain.organisation.model import Store
from domain.sales.model import Deal
from domain.shared import months
from projections.common import CounterDeltas, PageRows, StoreZones, adding_upsert, sid
from projections.db import Tx
from projections.projection import Projection, handles

TABLE = "rm_lead_funnel"
GROUP = "rm_lead_funnel_group"
ZONES = "rm_lead_funnel_store"
STAGES = ("captured", "contacted", "appointment", "shown", "deal", "delivered")
CAPTURED, CONTACTED, APPOINTMENT, SHOWN, DEAL, DELIVERED = range(len(STAGES))

_BUMP = adding_upsert(TABLE, ("month", "store_id", "channel"), STAGES)

# The same counts summed over the group's stores: the group's funnel reads a row per channel.
_GROUP_UP = adding_upsert(GROUP, ("month", "channel"), STAGES)


class LeadFunnelProjection(Projection):
    """Counts leads by the furthest stage they reached, in the cohort of their capture month.

    A lead that reached a stage counts in every stage before it too (a walk-in converted on the
    spot was contacted, though nobody logged a call), so the counts never grow along the funnel
    and each lead counts at most once per stage. An unwind takes a delivered lead back to deal.
    """

    name = "lead_funnel"
    tables = (TABLE, GROUP, ZONES, "rm_lead_funnel_lead", "rm_lead_funnel_deal")
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " month TEXT NOT NULL, store_id TEXT NOT NULL, channel TEXT NOT NULL, "
        + ", ".join(f"{s} BIGINT NOT NULL DEFAULT 0" for s in STAGES)
        + ", PRIMARY KEY (month, store_id, channel))",
        f"CREATE TABLE IF NOT EXISTS {GROUP} ("
        " month TEXT NOT NULL, channel TEXT NOT NULL, "
        + ", ".join(f"{s} BIGINT NOT NULL DEFAULT 0" for s in STAGES)
        + ", PRIMARY KEY (month, channel))",
        StoreZones(ZONES).ddl,
        # One row per lead: its cohort and the furthest stage reached (the per-lead flags).
        "CREATE TABLE IF NOT EXISTS rm_lead_funnel_lead ("
        " lead_id TEXT PRIMARY KEY, month TEXT NOT NULL, store_id TEXT NOT NULL,"
        " channel TEXT NOT NULL, stage INTEGER NOT NULL, delivered_deal_id TEXT)",
        "CREATE TABLE IF NOT EXISTS rm_lead_funnel_deal ("
        " deal_id TEXT PRIMARY KEY, lead_id TEXT NOT NULL)",
    )

    def __init__(self) -> None:
        self.zones = StoreZones(ZONES)
        self.counters = CounterDeltas(_BUMP)
        self.group = CounterDeltas(_GROUP_UP)
        self.leads = PageRows("rm_lead_funnel_lead", "lead_id")
        self.links = PageRows("rm_lead_funnel_deal", "deal_id")

    def prepare(self, tx: Tx, events: Sequence[Any]) -> None:
        self.leads.fetch(tx, [str(e.originator_id) for e in events if isinstance(e, Lead.Event)])
        deals = [str(e.originator_id) for e in events if isinstance(e, Deal.Event)]
        self.links.fetch(tx, deals)
        # Deliveries and unwinds read the lead their deal came from.
        linked = [self.links.get(tx, d) for d in deals]
        self.leads.fetch(tx, [str(row["lead_id"]) for row in linked if row is not None])

    @handles(Store.Opened, Store.Updated)
    def on_store(self, event: Any, tx: Tx) -> None:
        self.zones.remember(tx, event.originator_id, event.timezone)

    @handles(Lead.Captured)
    def on_captured(self, event: Lead.Captured, tx: Tx) -> None:
        month = months.of_day(self.zones.day(tx, event.store_id, event.occurred_at))
        lead_id = str(event.originator_id)
        if self.leads.get(tx, lead_id) is not None:
            return  # counted when it was captured
        row = {
            "lead_id": lead_id,
            "month": month,
            "store_id": sid(event.store_id),
            "channel": event.channel,
            "stage": CAPTURED,
            "delivered_deal_id": None,
        }
        tx.execute(
            "INSERT INTO rm_lead_funnel_lead (lead_id, month, store_id, channel, stage)"
            " VALUES (?, ?, ?, ?, ?)",
            (lead_id, month, row["store_id"], event.channel, CAPTURED),
        )
        self.leads.inserted(tx, lead_id, row)
        self._bump(tx, month, sid(event.store_id), event.channel, CAPTURED, CAPTURED)

    @handles(Lead.ActivityLogged)
    def on_activity(self, event: Lead.ActivityLogged, tx: Tx) -> None:
        if not event.automated:
            self._advance(tx, event.originator_id, CONTACTED)

    @handles(Lead.AppointmentSet)
    def on_appointment(self, event: Lead.AppointmentSet, tx: Tx) -> None:
        self._advance(tx, event.originator_id, APPOINTMENT)

    @handles(Lead.AppointmentShown)
    def on_shown(self, event: Lead.AppointmentShown, tx: Tx) -> None:
        self._advance(tx, event.originator_id, SHOWN)

    @handles(Lead.Converted)
    def on_converted(self, event: Lead.Converted, tx: Tx) -> None:
        self._link(tx, event.deal_id, event.originator_id)
        self._advance(tx, event.originator_id, DEAL)

    @handles(Deal.Opened)
    def on_deal_opened(self, event: Deal.Opened, tx: Tx) -> None:
        if event.lead_id is not None:
            self._link(tx, event.originator_id, event.lead_id)

    @handles(Deal.Delivered)
    def on_delivered(self, event: Deal.Delivered, tx: Tx) -> None:
        lead_id = self._lead_of(tx, event.originator_id)
        if lead_id is not None and self._advance(tx, lead_id, DELIVERED):
            tx.execute(
                "UPDATE rm_lead_funnel_lead SET delivered_deal_id = ? WHERE lead_id = ?",
                (sid(event.originator_id), lead_id),
            )
            self.leads.changed(tx, lead_id, delivered_deal_id=sid(event.originator_id))

    @handles(Deal.Unwound)
    def on_unwound(self, event: Deal.Unwound, tx: Tx) -> None:
        lead_id = self._lead_of(tx, event.originator_id)
        if lead_id is None:
            return
        lead = self.leads.get(tx, lead_id)
        if lead is None or lead["delivered_deal_id"] != sid(event.originator_id):
            return
        tx.execute(
            "UPDATE rm_lead_funnel_lead SET stage = ?, delivered_deal_id = NULL WHERE lead_id = ?",
            (DEAL, lead_id),
        )
        self.leads.changed(tx, lead_id, stage=DEAL, delivered_deal_id=None)
        self._bump(tx, lead["month"], lead["store_id"], lead["channel"], DELIVERED, DELIVERED, -1)

    # --- helpers ------------------------------------------------------------------------------

    def _link(self, tx: Tx, deal_id: UUID, lead_id: UUID) -> None:
        tx.execute(
            "INSERT INTO rm_lead_funnel_deal (deal_id, lead_id) VALUES (?, ?)"
            " ON CONFLICT (deal_id) DO NOTHING",
            (sid(deal_id), sid(lead_id)),
        )
        self.links.inserted(tx, str(deal_id), {"deal_id": str(deal_id), "lead_id": str(lead_id)})

    def _lead_of(self, tx: Tx, deal_id: UUID) -> str | None:
        row = self.links.get(tx, str(deal_id))
        return None if row is None else str(row["lead_id"])

    def _advance(self, tx: Tx, lead_id: UUID | str, stage: int) -> bool:
        """Move a lead to `stage` if it is further than it got so far; whether it moved."""
        lead = self.leads.get(tx, str(lead_id))
        if lead is None or int(lead["stage"]) >= stage:
            return False
        before = int(lead["stage"])
        tx.execute(
            "UPDATE rm_lead_funnel_lead SET stage = ? WHERE lead_id = ?", (stage, sid(lead_id))
        )
        self.leads.changed(tx, str(lead_id), stage=stage)
        self._bump(tx, lead["month"], lead["store_id"], lead["channel"], before + 1, stage)
        return True

    def _bump(
        self,
        tx: Tx,
        month: str,
        store_id: str | None,
        channel: str,
        first: int,
        last: int,
        by: int = 1,
    ) -> None:
        """Add `by` to the stages first..last of a cohort row."""
        deltas = [by if first <= s <= last else 0 for s in range(len(STAGES))]
        self.counters.add(tx, (month, store_id, channel), deltas)

    def flush(self, tx: Tx) -> None:
        for (month, _, channel), deltas in self.counters.items(tx):
            self.group.add(tx, (month, channel), deltas)
        self.counters.flush(tx)
        self.group.flush(tx)
