"""One row per deal: the approval of its current quote (none, pending, approved, refused or
withdrawn by a new quote), for the approvers' queue and the salesperson's requests
(docs/desking.md)."""

from __future__ import annotations

from typing import Any

from domain.sales.model import Deal
from projections.common import sid, utc_iso
from projections.db import Tx, fen
from projections.projection import Projection, handles

TABLE = "rm_deal_approval"


class DealApprovalsProjection(Projection):
    """A request is pending until a decision; a new quote, another vehicle or the deal's
    cancellation withdraws it (the aggregate forgets it too); a contract leaves it as decided."""

    name = "deal_approvals"
    tables = (TABLE,)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " deal_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, salesperson_id TEXT NOT NULL,"
        " make TEXT, model TEXT, vin TEXT, list_price BIGINT, cost BIGINT,"
        " price BIGINT, discount BIGINT, status TEXT, level TEXT, reasons TEXT, note TEXT,"
        " requested_at TEXT, requested_by TEXT, decided_at TEXT, decided_by TEXT,"
        " decided_level TEXT, decision_note TEXT, deal_status TEXT NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_status ON {TABLE} (status, store_id)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_seller ON {TABLE} (salesperson_id, requested_at)",
    )

    @handles(Deal.Opened)
    def on_opened(self, event: Deal.Opened, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {TABLE} (deal_id, store_id, salesperson_id, deal_status)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (deal_id) DO NOTHING",
            (sid(event.originator_id), sid(event.store_id), sid(event.salesperson_id), "open"),
        )

    @handles(Deal.VehicleAttached)
    def on_vehicle(self, event: Deal.VehicleAttached, tx: Tx) -> None:
        self._withdraw(tx, event)
        self._set(
            tx,
            event,
            make=event.make,
            model=event.model,
            vin=event.vin,
            list_price=fen(event.list_price),
            cost=fen(event.cost),
            price=None,
            discount=None,
            deal_status="open",
        )

    @handles(Deal.Quoted)
    def on_quoted(self, event: Deal.Quoted, tx: Tx) -> None:
        self._withdraw(tx, event)
        self._set(
            tx, event, price=fen(event.price), discount=fen(event.discount), deal_status="quoted"
        )

    @handles(Deal.ApprovalRequested)
    def on_requested(self, event: Deal.ApprovalRequested, tx: Tx) -> None:
        self._set(
            tx,
            event,
            status="pending",
            level=event.level,
            reasons=",".join(event.reasons),
            note=event.note,
            requested_at=utc_iso(event.occurred_at),
            requested_by=event.requested_by,
            decided_at=None,
            decided_by=None,
            decided_level=None,
            decision_note=None,
        )

    @handles(Deal.ApprovalGranted, Deal.ApprovalRefused)
    def on_decided(self, event: Any, tx: Tx) -> None:
        granted = isinstance(event, Deal.ApprovalGranted)
        self._set(
            tx,
            event,
            status="approved" if granted else "refused",
            decided_at=utc_iso(event.occurred_at),
            decided_by=event.decided_by,
            decided_level=event.level,
            decision_note=event.note if granted else event.reason,
        )

    @handles(Deal.OrderPlaced)
    def on_ordered(self, event: Deal.OrderPlaced, tx: Tx) -> None:
        self._set(tx, event, deal_status="ordered")

    @handles(Deal.ContractSigned)
    def on_signed(self, event: Deal.ContractSigned, tx: Tx) -> None:
        self._set(tx, event, deal_status="contracted")

    @handles(Deal.Cancelled)
    def on_cancelled(self, event: Deal.Cancelled, tx: Tx) -> None:
        self._withdraw(tx, event)
        self._set(tx, event, deal_status="cancelled")

    @staticmethod
    def _withdraw(tx: Tx, event: Any) -> None:
        # The aggregate forgets the approval with the quote it was for: so does the queue.
        tx.execute(
            f"UPDATE {TABLE} SET status = CASE WHEN status = 'pending' THEN 'withdrawn'"
            " ELSE NULL END WHERE deal_id = ? AND status IS NOT NULL",
            (sid(event.originator_id),),
        )

    @staticmethod
    def _set(tx: Tx, event: Any, **columns: Any) -> None:
        names = ", ".join(f"{name} = ?" for name in columns)
        tx.execute(
            f"UPDATE {TABLE} SET {names} WHERE deal_id = ?",
            (*columns.values(), sid(event.originator_id)),
        )
