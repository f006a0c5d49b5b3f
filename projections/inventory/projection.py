"""One row per vehicle, from arrival to delivery (and back to stock after an unwind)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.inventory.model import Vehicle, VehicleStatus
from projections.common import CounterDeltas, PageRows, adding_upsert, sid, utc_iso
from projections.db import Row, Tx, fen
from projections.projection import Projection, handles

TABLE = "rm_inventory_vehicle"
POSITIONS = "rm_inventory_position"
LINE = ("store_id", "make", "model", "trim", "colour")
ON_HAND = {VehicleStatus.IN_STOCK.value: 0, VehicleStatus.RESERVED.value: 1}

# Stock positions kept as counts per line, so that the group's position report reads one row
# per store and line instead of grouping every vehicle on hand.
_MOVE = adding_upsert(POSITIONS, LINE, ("in_stock", "reserved", "cost"))


class InventoryProjection(Projection):
    """The vehicles of every store as they stand now; aging is counted from `received_on`.

    `rm_inventory_position` counts the vehicles on hand (in stock, reserved) and their cost per
    store, make, model, trim and colour; a line that runs out stays, at zero.
    """

    name = "inventory"
    tables = (TABLE, POSITIONS)
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
        f"CREATE TABLE IF NOT EXISTS {POSITIONS} ("
        " store_id TEXT NOT NULL, make TEXT NOT NULL, model TEXT NOT NULL,"
        " trim TEXT NOT NULL, colour TEXT NOT NULL, in_stock BIGINT NOT NULL,"
        " reserved BIGINT NOT NULL, cost BIGINT NOT NULL,"
        f" PRIMARY KEY ({', '.join(LINE)}))",
        # Lines with something on hand (the report's count reads this, not every line ever).
        f"CREATE INDEX IF NOT EXISTS {POSITIONS}_on_hand ON {POSITIONS} (store_id)"
        " WHERE in_stock + reserved > 0",
    )

    def __init__(self) -> None:
        self.vehicles = PageRows(TABLE, "vehicle_id")
        self.positions = CounterDeltas(_MOVE)

    def prepare(self, tx: Tx, events: Sequence[Any]) -> None:
        self.vehicles.fetch(
            tx, [str(e.originator_id) for e in events if isinstance(e, Vehicle.Event)]
        )

    def flush(self, tx: Tx) -> None:
        self.positions.flush(tx)

    @handles(Vehicle.Received)
    def on_received(self, event: Vehicle.Received, tx: Tx) -> None:
        key = str(event.originator_id)
        if self.vehicles.get(tx, key) is not None:
            return
        row: Row = {
            "vehicle_id": sid(event.originator_id),
            "vin": event.vin,
            "store_id": sid(event.store_id),
            "make": event.make,
            "model": event.model,
            "trim": event.trim,
            "colour": event.colour,
            "model_year": event.model_year,
            "condition": event.condition,
            "cost": fen(event.cost),
            "list_price": fen(event.list_price),
            "status": VehicleStatus.IN_STOCK.value,
            "received_on": event.received_on.isoformat(),
            "deal_id": None,
            "sold_price": None,
            "updated_at": utc_iso(event.occurred_at),
        }
        tx.execute(
            f"INSERT INTO {TABLE} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            tuple(row.values()),
        )
        self.vehicles.inserted(tx, key, row)
        self._count(tx, row, 1)

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

    @handles(Vehicle.Reacquired)
    def on_reacquired(self, event: Vehicle.Reacquired, tx: Tx) -> None:
        # A car delivered once, back as used stock (a trade-in): a new acquisition, aged anew.
        self._set(
            tx,
            event,
            store_id=sid(event.store_id),
            condition=event.condition,
            cost=fen(event.cost),
            list_price=fen(event.list_price),
            received_on=event.received_on.isoformat(),
            status=VehicleStatus.IN_STOCK.value,
            deal_id=None,
            sold_price=None,
        )

    def _set(self, tx: Tx, event: Any, **columns: Any) -> None:
        key = str(event.originator_id)
        found = self.vehicles.get(tx, key)
        if found is None:
            return
        before = dict(found)  # `changed` updates the page's row in place
        columns["updated_at"] = utc_iso(event.occurred_at)
        assignments = ", ".join(f"{name} = ?" for name in columns)
        tx.execute(
            f"UPDATE {TABLE} SET {assignments} WHERE vehicle_id = ?",
            (*columns.values(), sid(event.originator_id)),
        )
        self.vehicles.changed(tx, key, **columns)
        self._count(tx, before, -1)
        self._count(tx, before | columns, 1)

    def _count(self, tx: Tx, vehicle: Row, sign: int) -> None:
        """Add (or take away) a vehicle's part in its stock position, if it is on hand."""
        slot = ON_HAND.get(vehicle["status"])
        if slot is None:
            return
        counts = [0, 0, sign * int(vehicle["cost"])]
        counts[slot] = sign
        self.positions.add(tx, tuple(vehicle[c] for c in LINE), counts)

    # --- used cars (appended): recon cost joins the vehicle's cost; a wholesale leaves stock ---

    @handles(Vehicle.ReconItemAdded)
    def on_recon_item(self, event: Vehicle.ReconItemAdded, tx: Tx) -> None:
        found = self.vehicles.get(tx, str(event.originator_id))
        if found is not None:
            self._set(tx, event, cost=int(found["cost"]) + fen(event.cost))

    @handles(Vehicle.Wholesaled)
    def on_wholesaled(self, event: Vehicle.Wholesaled, tx: Tx) -> None:
        self._set(tx, event, status=VehicleStatus.WHOLESALED.value, sold_price=fen(event.price))

    # Transfers with an approval (domain/stock): in transit the vehicle is on no store's floor;
    # on arrival it stands at the receiving store, its cost raised by the transfer's.

    @handles(Vehicle.TransferShipped)
    def on_transfer_shipped(self, event: Vehicle.TransferShipped, tx: Tx) -> None:
        self._set(tx, event, status=VehicleStatus.IN_TRANSIT.value)

    @handles(Vehicle.TransferArrived)
    def on_transfer_arrived(self, event: Vehicle.TransferArrived, tx: Tx) -> None:
        found = self.vehicles.get(tx, str(event.originator_id))
        if found is None:
            return
        self._set(
            tx,
            event,
            status=VehicleStatus.IN_STOCK.value,
            store_id=sid(event.to_store_id),
            cost=int(found["cost"]) + fen(event.cost),
        )
