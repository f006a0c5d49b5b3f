"""One row per used car, from acquisition to its retail delivery or wholesale; one per policy."""

from __future__ import annotations

import json
from typing import Any

from domain.inventory.model import Vehicle, VehicleStatus
from domain.inventory.policy import UsedCarPolicy
from domain.shared.clock import DEFAULT_TIMEZONE, business_day
from projections.common import sid, utc_iso
from projections.db import Tx, fen
from projections.projection import Projection, handles

USED = "rm_used_vehicle"
POLICIES = "rm_used_policy"


class UsedStockProjection(Projection):
    """Used cars as they stand: cost with recon, T2L, retail or wholesale gross by day.

    A retail disposal counts on its delivery day (as units sold do) and leaves when the deal is
    unwound; a wholesale on its sale day. Days are the Shanghai business day of the event."""

    name = "used_stock"
    tables = (USED, POLICIES)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {USED} ("
        " vehicle_id TEXT PRIMARY KEY, vin TEXT NOT NULL, store_id TEXT NOT NULL,"
        " make TEXT NOT NULL, model TEXT NOT NULL, trim TEXT NOT NULL, colour TEXT NOT NULL,"
        " model_year INTEGER NOT NULL, source TEXT NOT NULL, seller TEXT NOT NULL,"
        " acquisition_cost BIGINT NOT NULL, recon_cost BIGINT NOT NULL, cost BIGINT NOT NULL,"
        " asking_price BIGINT NOT NULL, list_price BIGINT NOT NULL,"
        " received_on TEXT NOT NULL, open_orders INTEGER NOT NULL, ready_on TEXT,"
        " t2l_days INTEGER, status TEXT NOT NULL, deal_id TEXT, sold_price BIGINT,"
        " disposal TEXT, buyer TEXT, disposed_on TEXT, gross BIGINT, updated_at TEXT NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {USED}_store ON {USED} (store_id, status, received_on)",
        f"CREATE INDEX IF NOT EXISTS {USED}_disposed ON {USED} (disposed_on, store_id)",
        f"CREATE TABLE IF NOT EXISTS {POLICIES} (policy_id TEXT PRIMARY KEY,"
        " store_id TEXT NOT NULL, steps TEXT NOT NULL, wholesale_at_days INTEGER)",
        f"CREATE INDEX IF NOT EXISTS {POLICIES}_store ON {POLICIES} (store_id)",
    )

    @handles(Vehicle.Received)
    def on_received(self, event: Vehicle.Received, tx: Tx) -> None:
        if event.condition != "used":
            return
        row = {
            "vehicle_id": sid(event.originator_id),
            "vin": event.vin,
            "store_id": sid(event.store_id),
            "make": event.make,
            "model": event.model,
            "trim": event.trim,
            "colour": event.colour,
            "model_year": event.model_year,
            # A used car received with no acquisition event came in as a trade-in.
            "source": "trade_in",
            "seller": "",
            "acquisition_cost": fen(event.cost),
            "recon_cost": 0,
            "cost": fen(event.cost),
            "asking_price": fen(event.list_price),
            "list_price": fen(event.list_price),
            "received_on": event.received_on.isoformat(),
            "open_orders": 0,
            "status": VehicleStatus.IN_STOCK.value,
            "updated_at": utc_iso(event.occurred_at),
        }
        tx.execute(
            f"INSERT INTO {USED} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})"
            " ON CONFLICT (vehicle_id) DO NOTHING",
            tuple(row.values()),
        )

    @handles(Vehicle.Acquired)
    def on_acquired(self, event: Vehicle.Acquired, tx: Tx) -> None:
        self._set(tx, event, source=event.source, seller=event.seller)

    @handles(Vehicle.ReconOrderOpened)
    def on_order_opened(self, event: Vehicle.ReconOrderOpened, tx: Tx) -> None:
        self._add(tx, event, "open_orders = open_orders + 1")

    @handles(Vehicle.ReconFinished)
    def on_order_finished(self, event: Vehicle.ReconFinished, tx: Tx) -> None:
        self._add(tx, event, "open_orders = open_orders - 1")

    @handles(Vehicle.ReconItemAdded)
    def on_item(self, event: Vehicle.ReconItemAdded, tx: Tx) -> None:
        amount = fen(event.cost)
        self._add(tx, event, "recon_cost = recon_cost + ?, cost = cost + ?", amount, amount)

    @handles(Vehicle.FrontLineReady)
    def on_ready(self, event: Vehicle.FrontLineReady, tx: Tx) -> None:
        self._set(tx, event, ready_on=event.ready_on.isoformat(), t2l_days=event.t2l_days)

    @handles(Vehicle.Reserved)
    def on_reserved(self, event: Vehicle.Reserved, tx: Tx) -> None:
        self._set(tx, event, status=VehicleStatus.RESERVED.value, deal_id=sid(event.deal_id))

    @handles(Vehicle.Released)
    def on_released(self, event: Vehicle.Released, tx: Tx) -> None:
        self._set(tx, event, status=VehicleStatus.IN_STOCK.value, deal_id=None)

    @handles(Vehicle.Sold)
    def on_sold(self, event: Vehicle.Sold, tx: Tx) -> None:
        self._set(tx, event, status=VehicleStatus.SOLD.value, sold_price=fen(event.price))

    @handles(Vehicle.Delivered)
    def on_delivered(self, event: Vehicle.Delivered, tx: Tx) -> None:
        self._add(
            tx,
            event,
            "status = ?, disposal = 'retail', disposed_on = ?, gross = sold_price - cost",
            VehicleStatus.DELIVERED.value,
            business_day(event.occurred_at, DEFAULT_TIMEZONE).isoformat(),
        )

    @handles(Vehicle.ReturnedToStock)
    def on_returned(self, event: Vehicle.ReturnedToStock, tx: Tx) -> None:
        self._set(
            tx,
            event,
            status=VehicleStatus.IN_STOCK.value,
            deal_id=None,
            sold_price=None,
            disposal=None,
            disposed_on=None,
            gross=None,
        )

    @handles(Vehicle.Repriced)
    def on_repriced(self, event: Vehicle.Repriced, tx: Tx) -> None:
        self._set(tx, event, list_price=fen(event.list_price))

    @handles(Vehicle.Transferred)
    def on_transferred(self, event: Vehicle.Transferred, tx: Tx) -> None:
        self._set(tx, event, store_id=sid(event.to_store_id))

    @handles(Vehicle.Wholesaled)
    def on_wholesaled(self, event: Vehicle.Wholesaled, tx: Tx) -> None:
        self._set(
            tx,
            event,
            status=VehicleStatus.WHOLESALED.value,
            sold_price=fen(event.price),
            disposal="wholesale",
            buyer=event.buyer,
            disposed_on=event.sold_on.isoformat(),
            gross=fen(event.price) - fen(event.cost),
        )

    @handles(UsedCarPolicy.Created)
    def on_policy(self, event: UsedCarPolicy.Created, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {POLICIES} (policy_id, store_id, steps) VALUES (?, ?, '[]')"
            " ON CONFLICT (policy_id) DO NOTHING",
            (sid(event.originator_id), sid(event.store_id)),
        )

    @handles(UsedCarPolicy.Set)
    def on_policy_set(self, event: UsedCarPolicy.Set, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {POLICIES} SET steps = ?, wholesale_at_days = ? WHERE policy_id = ?",
            (json.dumps(event.steps), event.wholesale_at_days, sid(event.originator_id)),
        )

    def _set(self, tx: Tx, event: Any, **columns: Any) -> None:
        columns["updated_at"] = utc_iso(event.occurred_at)
        assignments = ", ".join(f"{name} = ?" for name in columns)
        tx.execute(
            f"UPDATE {USED} SET {assignments} WHERE vehicle_id = ?",
            (*columns.values(), sid(event.originator_id)),
        )

    def _add(self, tx: Tx, event: Any, assignments: str, *params: Any) -> None:
        tx.execute(
            f"UPDATE {USED} SET {assignments}, updated_at = ? WHERE vehicle_id = ?",
            (*params, utc_iso(event.occurred_at), sid(event.originator_id)),
        )
