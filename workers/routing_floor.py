"""Routing's `Floor` port over the views: the duty view (who is on duty) and the directory
(open leads per salesperson), read once both include every write saved so far."""

from __future__ import annotations

import json
from datetime import date, datetime
from uuid import UUID

from domain.app import Showroom
from domain.organisation.working_time import Duty, Leave, StoreHours, on_duty, spans
from domain.routing.decide import Seller
from domain.shared.access import SALES_FLOOR
from projections.db import Database, Row
from projections.duty.projection import STAFF, STORES
from projections.runner import wait_for

VIEWS = ("duty", "directory")


def _hours(row: Row) -> StoreHours:
    return StoreHours(
        timezone=row["timezone"],
        weekly={int(d): spans(v) for d, v in json.loads(row["weekly"]).items()},
        exceptions={date.fromisoformat(d): spans(v) for d, v in json.loads(row["dates"]).items()},
    )


def _duty(row: Row) -> Duty:
    return Duty(
        shifts={int(d): spans(v) for d, v in json.loads(row["shifts"]).items()},
        leave=tuple(
            Leave(date.fromisoformat(a), date.fromisoformat(b)) for a, b in json.loads(row["leave"])
        ),
        available=bool(row["available"]),
    )


class ViewFloor:
    """`domain.routing.ports.Floor` over `rm_duty_*` and `rm_directory_lead`.

    Waits for both views to reach the log's newest position first: every routed lead saved
    before this read then counts against its owner's cap, and one saved after it conflicts on
    the store's rotation, so its router reads again."""

    def __init__(self, app: Showroom, db: Database, wait_seconds: float) -> None:
        self.app, self.db, self.wait_seconds = app, db, wait_seconds

    def sellers(self, store_id: UUID, at: datetime) -> list[Seller]:
        wait_for(self.db, VIEWS, self.app.position(), self.wait_seconds)
        store = self.db.one(f"SELECT * FROM {STORES} WHERE store_id = ?", (str(store_id),))
        if store is None or not store["active"]:
            return []
        hours = _hours(store)
        roles = [r.value for r in SALES_FLOOR]
        marks = ", ".join("?" for _ in roles)
        staff = self.db.query(
            f"SELECT * FROM {STAFF} WHERE store_id = ? AND active = 1 AND role IN ({marks})",
            (str(store_id), *roles),
        )
        counts = {
            str(r["salesperson_id"]): int(r["n"])
            for r in self.db.query(
                "SELECT salesperson_id, COUNT(*) AS n FROM rm_directory_lead"
                " WHERE store_id = ? AND status = 'open' AND salesperson_id IS NOT NULL"
                " GROUP BY salesperson_id",
                (str(store_id),),
            )
        }
        return [
            Seller(
                staff_id=UUID(str(row["staff_id"])),
                on_duty=on_duty(hours, _duty(row), at),
                open_leads=counts.get(str(row["staff_id"]), 0),
                team_id=UUID(str(row["team_id"])) if row["team_id"] else None,
            )
            for row in staff
        ]
