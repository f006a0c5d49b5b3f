"""One row per appraisal, for the used-car manager's list and the look-to-book ratio."""

from __future__ import annotations

from typing import Any

from domain.appraisals.model import Appraisal, AppraisalStatus
from domain.organisation.model import Store
from domain.shared import months
from projections.common import StoreZones, sid, utc_iso
from projections.db import Tx, fen
from projections.projection import Projection, handles

TABLE = "rm_appraisal"
ZONES = "rm_appraisal_store"


class AppraisalsProjection(Projection):
    """Every appraisal as it stands; `month` is the month it was made in the store's time zone
    (a look counts there, and so does its book, whenever the car was acquired)."""

    name = "appraisals"
    tables = (TABLE, ZONES)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " appraisal_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, appraiser_id TEXT NOT NULL,"
        " customer_id TEXT, vin TEXT NOT NULL, make TEXT NOT NULL, model TEXT NOT NULL,"
        " trim TEXT NOT NULL, colour TEXT NOT NULL, model_year INTEGER NOT NULL,"
        " mileage_km BIGINT NOT NULL, grade TEXT NOT NULL, status TEXT NOT NULL,"
        " repair_estimate BIGINT NOT NULL, acv BIGINT, offer BIGINT, expires_at TEXT,"
        " deal_id TEXT, vehicle_id TEXT, created_at TEXT NOT NULL, month TEXT NOT NULL,"
        " closed_at TEXT)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_month ON {TABLE} (month, store_id, appraiser_id)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_list ON {TABLE} (store_id, created_at)",
        StoreZones(ZONES).ddl,
    )

    def __init__(self) -> None:
        self.zones = StoreZones(ZONES)

    @handles(Store.Opened, Store.Updated)
    def on_store(self, event: Any, tx: Tx) -> None:
        self.zones.remember(tx, event.originator_id, event.timezone)

    @handles(Appraisal.Created)
    def on_created(self, event: Appraisal.Created, tx: Tx) -> None:
        day = self.zones.day(tx, event.store_id, event.occurred_at)
        row = {
            "appraisal_id": sid(event.originator_id),
            "store_id": sid(event.store_id),
            "appraiser_id": sid(event.appraiser_id),
            "customer_id": sid(event.customer_id),
            "vin": event.vin,
            "make": event.make,
            "model": event.model,
            "trim": event.trim,
            "colour": event.colour,
            "model_year": event.model_year,
            "mileage_km": event.mileage_km,
            "grade": event.grade,
            "status": AppraisalStatus.OPEN.value,
            "repair_estimate": 0,
            "created_at": utc_iso(event.occurred_at),
            "month": months.of_day(day),
        }
        tx.execute(
            f"INSERT INTO {TABLE} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})"
            " ON CONFLICT (appraisal_id) DO NOTHING",
            tuple(row.values()),
        )

    @handles(Appraisal.Inspected)
    def on_inspected(self, event: Appraisal.Inspected, tx: Tx) -> None:
        self._set(
            tx,
            event,
            status=AppraisalStatus.INSPECTED.value,
            repair_estimate=fen(event.repair_estimate),
        )

    @handles(Appraisal.Valued)
    def on_valued(self, event: Appraisal.Valued, tx: Tx) -> None:
        self._set(
            tx,
            event,
            status=AppraisalStatus.VALUED.value,
            acv=fen(event.acv),
            offer=None,
            expires_at=None,
        )

    @handles(Appraisal.Offered)
    def on_offered(self, event: Appraisal.Offered, tx: Tx) -> None:
        self._set(
            tx,
            event,
            status=AppraisalStatus.OFFERED.value,
            offer=fen(event.amount),
            expires_at=utc_iso(event.expires_at),
        )

    @handles(Appraisal.Accepted)
    def on_accepted(self, event: Appraisal.Accepted, tx: Tx) -> None:
        self._set(tx, event, status=AppraisalStatus.ACCEPTED.value, deal_id=sid(event.deal_id))

    @handles(Appraisal.Acquired)
    def on_acquired(self, event: Appraisal.Acquired, tx: Tx) -> None:
        self._set(
            tx,
            event,
            status=AppraisalStatus.ACQUIRED.value,
            vehicle_id=sid(event.vehicle_id),
            closed_at=utc_iso(event.occurred_at),
        )

    @handles(Appraisal.Declined)
    def on_declined(self, event: Appraisal.Declined, tx: Tx) -> None:
        self._closed(tx, event, AppraisalStatus.DECLINED)

    @handles(Appraisal.Expired)
    def on_expired(self, event: Appraisal.Expired, tx: Tx) -> None:
        self._closed(tx, event, AppraisalStatus.EXPIRED)

    def _closed(self, tx: Tx, event: Any, status: AppraisalStatus) -> None:
        self._set(tx, event, status=status.value, closed_at=utc_iso(event.occurred_at))

    def _set(self, tx: Tx, event: Any, **columns: Any) -> None:
        assignments = ", ".join(f"{name} = ?" for name in columns)
        tx.execute(
            f"UPDATE {TABLE} SET {assignments} WHERE appraisal_id = ?",
            (*columns.values(), sid(event.originator_id)),
        )
