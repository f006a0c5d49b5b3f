"""One row per vehicle, from arrival to delivery (and back to stock after an unwind)."""

from __future__ import annotations

from typing import Any

from domain.inventory.model import Vehicle, VehicleStatus
from projections.common import sid, utc_iso
from projections.db import Tx, fen
from projections.projection import Projection, handles

TABLE = "rm_inventory_vehicle"


class InventoryProjection(Projection):
    """The vehicles of every store as they stand now; aging is counted from `received_on`."""

    name = "inventory"
    tables = (TABLE,)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " vehicle_id TEXT PRIMARY KEY, vin TEXT NOT NULL, store_id TEXT NOT NULL,"
        " make TEXT NOT NULL, model TEXT NOT NULL, trim TEXT NOT NULL, colour TEXT NOT NULL,"
        " model_year INTEGER NOT NULL, condition TEXT NOT NULL,"
        " cost BIGINT NOT NULL, list_price BIGINT NOT NULL, status TEXT NOT NULL,"
        " received_on TEXT NOT NULL, deal_id TEXT, sold_price BIGINT,"
        " updated_at TEXT NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_store ON {TABLE} (store_id, status, received_on)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_status ON {TABLE} (status, received_on)",
    )

    @handles(Vehicle.Received)
    def on_received(self, event: Vehicle.Received, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {TABLE} (vehicle_id, vin, store_id, make, model, trim, colour,"
            " model_year, condition, cost, list_price, status, received_on, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (vehicle_id) DO NOTHING",
            (
                sid(event.originator_id),
                event.vin,
                sid(event.store_id),
                event.make,
                event.model,
                event.trim,
                event.colour,
                event.model_year,
                event.condition,
                fen(event.cost),
                fen(event.list_price),
                VehicleStatus.IN_STOCK.value,
                event.received_on.isoformat(),
                utc_iso(event.occurred_at),
            ),
        )

    @handles(Vehicle.Reserved)
    def on_reserved(self, event: Vehicle.Reserved, tx: Tx) -> None:
        self._set(tx, event, status=VehicleStatus.RESERVED.value, deal_id=sid(event.deal_id))

    @handles(Vehicle.Released, Vehicle.ReturnedToStock)
    def on_back_in_stock(self, event: Any, tx: Tx) -> None:
        self._set(tx, event, status=VehicleStatus.IN_STOCK.value, deal_id=None, sold_price=None)

    @handles(Vehicle.Sold)
    def on_sold(self, event: Vehicle.Sold, tx: Tx) -> None:
        self._set(tx, event, status=VehicleStatus.SOLD.value, sold_price=fen(event.price))

    @handles(Vehicle.Delivered)
    def on_delivered(self, event: Vehicle.Delivered, tx: Tx) -> None:
        self._set(tx, event, status=VehicleStatus.DELIVERED.value)

    @handles(Vehicle.Repriced)
    def on_repriced(self, event: Vehicle.Repriced, tx: Tx) -> None:
        self._set(tx, event, list_price=fen(event.list_price))

    @handles(Vehicle.Transferred)
    def on_transferred(self, event: Vehicle.Transferred, tx: Tx) -> None:
        self._set(tx, event, store_id=sid(event.to_store_id))

    @staticmethod
    def _set(tx: Tx, event: Any, **columns: Any) -> None:
        columns["updated_at"] = utc_iso(event.occurred_at)
        assignments = ", ".join(f"{name} = ?" for name in columns)
        tx.execute(
            f"UPDATE {TABLE} SET {assignments} WHERE vehicle_id = ?",
            (*columns.values(), sid(event.originator_id)),
        )
