"""The stock's history as spells: each stretch of time a vehicle stood in one store's stock.

A spell opens when a vehicle is received (from the maker, a trade, a transfer's arrival, an
unwound sale) and closes when it is delivered to its buyer or leaves on a transfer. What a store
held on any past day is then the spells open on that day: the aging report as of a past day is
computed from what was in stock then, not from today's stock re-aged. Deliveries are the retail
sales (one row each, at the cost the vehicle carried); the pipeline holds OEM orders and
transfers until they arrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from domain.inventory.model import Vehicle
from domain.organisation.model import Store
from domain.stock.model import OemOrder, OrderStatus, StockSettings
from projections.common import PageRows, StoreZones, sid
from projections.db import Row, Tx, fen
from projections.projection import Projection, handles

VEHICLES = "rm_stock_vehicle"
SPELLS = "rm_stock_spell"
SALES = "rm_stock_sale"
INBOUND = "rm_stock_inbound"
SETTINGS = "rm_stock_settings"
ZONES = "rm_stock_zones"
LINE = ("make", "model", "trim", "colour", "condition")


class StockReportsProjection(Projection):
    """Spells in stock per vehicle and store, retail sales, the inbound pipeline, settings."""

    name = "stock_reports"
    tables = (VEHICLES, SPELLS, SALES, INBOUND, SETTINGS, ZONES)
    ddl = (
        # The vehicle's current spell (seq) and whether it is open, for the next event.
        f"CREATE TABLE IF NOT EXISTS {VEHICLES} ("
        " vehicle_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, make TEXT NOT NULL,"
        " model TEXT NOT NULL, trim TEXT NOT NULL, colour TEXT NOT NULL,"
        " condition TEXT NOT NULL, cost BIGINT NOT NULL, acquired_on TEXT NOT NULL,"
        " seq INTEGER NOT NULL, open INTEGER NOT NULL, sold_price BIGINT)",
        f"CREATE TABLE IF NOT EXISTS {SPELLS} ("
        " vehicle_id TEXT NOT NULL, seq INTEGER NOT NULL, store_id TEXT NOT NULL,"
        " make TEXT NOT NULL, model TEXT NOT NULL, trim TEXT NOT NULL, colour TEXT NOT NULL,"
        " condition TEXT NOT NULL, cost BIGINT NOT NULL, acquired_on TEXT NOT NULL,"
        " start_on TEXT NOT NULL, end_on TEXT, ended_by TEXT,"
        " PRIMARY KEY (vehicle_id, seq))",
        f"CREATE INDEX IF NOT EXISTS {SPELLS}_store ON {SPELLS} (store_id, start_on)",
        # Today's stock (open spells) is most asked for: a partial index keeps it small.
        f"CREATE INDEX IF NOT EXISTS {SPELLS}_open ON {SPELLS} (store_id) WHERE end_on IS NULL",
        f"CREATE TABLE IF NOT EXISTS {SALES} ("
        " vehicle_id TEXT NOT NULL, seq INTEGER NOT NULL, store_id TEXT NOT NULL,"
        " make TEXT NOT NULL, model TEXT NOT NULL, trim TEXT NOT NULL, colour TEXT NOT NULL,"
        " condition TEXT NOT NULL, cost BIGINT NOT NULL, sold_price BIGINT,"
        " sold_on TEXT NOT NULL, PRIMARY KEY (vehicle_id, seq))",
        f"CREATE INDEX IF NOT EXISTS {SALES}_store ON {SALES} (store_id, sold_on)",
        f"CREATE INDEX IF NOT EXISTS {SALES}_day ON {SALES} (sold_on)",
        # kind 'order' (ident: the order) or 'transfer' (ident: the vehicle, its open transfer).
        f"CREATE TABLE IF NOT EXISTS {INBOUND} ("
        " kind TEXT NOT NULL, ident TEXT NOT NULL, store_id TEXT NOT NULL,"
        " from_store_id TEXT, make TEXT NOT NULL, model TEXT NOT NULL, trim TEXT NOT NULL,"
        " colour TEXT NOT NULL, condition TEXT NOT NULL, status TEXT NOT NULL, vin TEXT,"
        " cost BIGINT, model_year INTEGER, ordered_on TEXT, expected_on TEXT, reason TEXT,"
        " version INTEGER NOT NULL, PRIMARY KEY (kind, ident))",
        f"CREATE INDEX IF NOT EXISTS {INBOUND}_store ON {INBOUND} (store_id, status)",
        f"CREATE TABLE IF NOT EXISTS {SETTINGS} ("
        " store_id TEXT PRIMARY KEY, settings_id TEXT NOT NULL, aged_days INTEGER NOT NULL,"
        " target_days INTEGER NOT NULL)",
        StoreZones(ZONES).ddl,
    )

    def __init__(self) -> None:
        self.vehicles = PageRows(VEHICLES, "vehicle_id")
        self.zones = StoreZones(ZONES)

    def prepare(self, tx: Tx, events: Sequence[Any]) -> None:
        self.vehicles.fetch(
            tx, [str(e.originator_id) for e in events if isinstance(e, Vehicle.Event)]
        )

    @handles(Store.Opened, Store.Updated)
    def on_store(self, event: Any, tx: Tx) -> None:
        self.zones.remember(tx, event.originator_id, event.timezone)

    # --- vehicles -----------------------------------------------------------------------------

    @handles(Vehicle.Received)
    def on_received(self, event: Vehicle.Received, tx: Tx) -> None:
        key = str(event.originator_id)
        if self.vehicles.get(tx, key) is not None:
            return
        row: Row = {
            "vehicle_id": key,
            "store_id": sid(event.store_id),
            "make": event.make,
            "model": event.model,
            "trim": event.trim,
            "colour": event.colour,
            "condition": event.condition,
            "cost": fen(event.cost),
            "acquired_on": event.received_on.isoformat(),
            "seq": 1,
            "open": 1,
            "sold_price": None,
        }
        _insert(tx, VEHICLES, row)
        self.vehicles.inserted(tx, key, row)
        self._open_spell(tx, row, event.received_on)

    @handles(Vehicle.Sold)
    def on_sold(self, event: Vehicle.Sold, tx: Tx) -> None:
        self._update(tx, event, sold_price=fen(event.price))

    @handles(Vehicle.Delivered)
    def on_delivered(self, event: Vehicle.Delivered, tx: Tx) -> None:
        row = self.vehicles.get(tx, str(event.originator_id))
        if row is None or not row["open"]:
            return
        day = self.zones.day(tx, row["store_id"], event.occurred_at)
        self._close_spell(tx, row, day, "sold")
        sale = {c: row[c] for c in ("vehicle_id", "seq", "store_id", *LINE, "cost", "sold_price")}
        _insert(tx, SALES, sale | {"sold_on": day.isoformat()})
        self._update(tx, event, open=0)

    @handles(Vehicle.ReturnedToStock)
    def on_returned(self, event: Vehicle.ReturnedToStock, tx: Tx) -> None:
        row = self.vehicles.get(tx, str(event.originator_id))
        if row is None or row["open"]:
            return
        # The unwound sale was not a sale: it leaves the sales, and a new spell opens.
        tx.execute(
            f"DELETE FROM {SALES} WHERE vehicle_id = ? AND seq = ?", (row["vehicle_id"], row["seq"])
        )
        day = self.zones.day(tx, row["store_id"], event.occurred_at)
        self._update(tx, event, seq=int(row["seq"]) + 1, open=1, sold_price=None)
        self._open_spell(tx, row, day)

    @handles(Vehicle.Transferred)
    def on_transferred(self, event: Vehicle.Transferred, tx: Tx) -> None:
        row = self.vehicles.get(tx, str(event.originator_id))
        if row is None or not row["open"]:
            return
        day = self.zones.day(tx, row["store_id"], event.occurred_at)
        self._close_spell(tx, row, day, "transfer")
        self._update(tx, event, seq=int(row["seq"]) + 1, store_id=sid(event.to_store_id))
        self._open_spell(tx, row, day)

    @handles(Vehicle.TransferRequested)
    def on_transfer_requested(self, event: Vehicle.TransferRequested, tx: Tx) -> None:
        row = self.vehicles.get(tx, str(event.originator_id))
        if row is None:
            return
        inbound = {
            "kind": "transfer",
            "ident": row["vehicle_id"],
            "store_id": sid(event.to_store_id),
            "from_store_id": row["store_id"],
            **{c: row[c] for c in LINE},
            "status": "requested",
            "vin": None,
            "cost": fen(event.cost),
            "model_year": None,
            "ordered_on": None,
            "expected_on": None,
            "reason": event.reason,
            "version": event.originator_version,
        }
        tx.execute(
            f"DELETE FROM {INBOUND} WHERE kind = 'transfer' AND ident = ?", (row["vehicle_id"],)
        )
        _insert(tx, INBOUND, inbound)

    @handles(Vehicle.TransferApproved)
    def on_transfer_approved(self, event: Vehicle.TransferApproved, tx: Tx) -> None:
        _inbound(tx, "transfer", event, status="approved")

    @handles(Vehicle.TransferRefused)
    def on_transfer_refused(self, event: Vehicle.TransferRefused, tx: Tx) -> None:
        _inbound(tx, "transfer", event, status="refused", reason=event.reason)

    @handles(Vehicle.TransferShipped)
    def on_transfer_shipped(self, event: Vehicle.TransferShipped, tx: Tx) -> None:
        _inbound(
            tx, "transfer", event, status="in_transit", expected_on=event.expected_on.isoformat()
        )
        row = self.vehicles.get(tx, str(event.originator_id))
        if row is None or not row["open"]:
            return
        self._close_spell(tx, row, event.shipped_on, "transfer")
        self._update(tx, event, open=0)

    @handles(Vehicle.TransferArrived)
    def on_transfer_arrived(self, event: Vehicle.TransferArrived, tx: Tx) -> None:
        _inbound(tx, "transfer", event, status="received")
        row = self.vehicles.get(tx, str(event.originator_id))
        if row is None:
            return
        self._update(
            tx,
            event,
            seq=int(row["seq"]) + 1,
            open=1,
            store_id=sid(event.to_store_id),
            cost=int(row["cost"]) + fen(event.cost),
        )
        self._open_spell(tx, row, event.arrived_on)

    # --- OEM orders ---------------------------------------------------------------------------

    @handles(OemOrder.Placed)
    def on_order_placed(self, event: OemOrder.Placed, tx: Tx) -> None:
        row: Row = {
            "kind": "order",
            "ident": sid(event.originator_id),
            "store_id": sid(event.store_id),
            "from_store_id": None,
            "make": event.make,
            "model": event.model,
            "trim": event.trim,
            "colour": event.colour,
            "condition": "new",
            "status": OrderStatus.ORDERED.value,
            "vin": None,
            "cost": None,
            "model_year": event.model_year,
            "ordered_on": event.ordered_on.isoformat(),
            "expected_on": None,
            "reason": None,
            "version": event.originator_version,
        }
        tx.execute(
            f"INSERT INTO {INBOUND} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})"
            " ON CONFLICT (kind, ident) DO NOTHING",
            tuple(row.values()),
        )

    @handles(OemOrder.Allocated)
    def on_order_allocated(self, event: OemOrder.Allocated, tx: Tx) -> None:
        _inbound(
            tx,
            "order",
            event,
            status=OrderStatus.ALLOCATED.value,
            vin=event.vin,
            cost=fen(event.cost),
        )

    @handles(OemOrder.Shipped)
    def on_order_shipped(self, event: OemOrder.Shipped, tx: Tx) -> None:
        _inbound(
            tx,
            "order",
            event,
            status=OrderStatus.IN_TRANSIT.value,
            expected_on=event.expected_on.isoformat(),
        )

    @handles(OemOrder.Received)
    def on_order_received(self, event: OemOrder.Received, tx: Tx) -> None:
        _inbound(tx, "order", event, status=OrderStatus.RECEIVED.value)

    @handles(OemOrder.Cancelled)
    def on_order_cancelled(self, event: OemOrder.Cancelled, tx: Tx) -> None:
        _inbound(tx, "order", event, status=OrderStatus.CANCELLED.value, reason=event.reason)

    # --- settings -----------------------------------------------------------------------------

    @handles(StockSettings.Set)
    def on_settings_set(self, event: StockSettings.Set, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {SETTINGS} (settings_id, store_id, aged_days, target_days)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (store_id) DO NOTHING",
            (sid(event.originator_id), sid(event.store_id), event.aged_days, event.target_days),
        )

    @handles(StockSettings.Changed)
    def on_settings_changed(self, event: StockSettings.Changed, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {SETTINGS} SET aged_days = ?, target_days = ? WHERE settings_id = ?",
            (event.aged_days, event.target_days, sid(event.originator_id)),
        )

    # --- helpers ------------------------------------------------------------------------------

    def _open_spell(self, tx: Tx, vehicle: Row, day: date) -> None:
        current = self.vehicles.get(tx, vehicle["vehicle_id"]) or vehicle
        spell = {
            c: current[c] for c in ("vehicle_id", "seq", "store_id", *LINE, "cost", "acquired_on")
        }
        _insert(tx, SPELLS, spell | {"start_on": day.isoformat(), "end_on": None, "ended_by": None})

    def _close_spell(self, tx: Tx, vehicle: Row, day: date, why: str) -> None:
        tx.execute(
            f"UPDATE {SPELLS} SET end_on = ?, ended_by = ? WHERE vehicle_id = ? AND seq = ?",
            (day.isoformat(), why, vehicle["vehicle_id"], vehicle["seq"]),
        )

    def _update(self, tx: Tx, event: Any, **columns: Any) -> None:
        key = str(event.originator_id)
        assignments = ", ".join(f"{name} = ?" for name in columns)
        tx.execute(
            f"UPDATE {VEHICLES} SET {assignments} WHERE vehicle_id = ?", (*columns.values(), key)
        )
        self.vehicles.changed(tx, key, **columns)


def _insert(tx: Tx, table: str, row: Row) -> None:
    tx.execute(
        f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
        tuple(row.values()),
    )


def _inbound(tx: Tx, kind: str, event: Any, **columns: Any) -> None:
    columns["version"] = event.originator_version
    assignments = ", ".join(f"{name} = ?" for name in columns)
    tx.execute(
        f"UPDATE {INBOUND} SET {assignments} WHERE kind = ? AND ident = ?",
        (*columns.values(), kind, sid(event.originator_id)),
    )
