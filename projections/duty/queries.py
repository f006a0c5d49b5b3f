"""Who of a store is on duty at an instant: the duty view and the pure working-time rules."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.organisation.working_time import Duty, Leave, StoreHours, spans
from domain.organisation.working_time import on_duty as duty_at
from domain.shared.access import SALES_FLOOR, ReadScope
from domain.shared.clock import now
from domain.shared.errors import NotFoundError
from projections.common import uid
from projections.db import Database, Row
from projections.duty.projection import STAFF, STORES


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


def on_duty(
    db: Database, scope: ReadScope, store_id: UUID, at: datetime | None = None
) -> dict[str, Any]:
    """The store's active salespeople (and team leaders, managers who sell) on duty at `at`
    (default now), by name: on shift, not on leave, available, and the store open.

    Staff of another store (and anyone without a store in reach) get not found.
    """
    scope.ensure_visible()
    if scope.store_id is not None and scope.store_id != store_id:
        raise NotFoundError("store", store_id)
    moment = at or now()
    store = db.one(f"SELECT * FROM {STORES} WHERE store_id = ?", (str(store_id),))
    if store is None:
        raise NotFoundError("store", store_id)
    items: list[dict[str, Any]] = []
    if store["active"]:
        hours = _hours(store)
        roles = [r.value for r in SALES_FLOOR]
        marks = ", ".join("?" for _ in roles)
        rows = db.query(
            f"SELECT * FROM {STAFF} WHERE store_id = ? AND active = 1 AND role IN ({marks})"
            " ORDER BY name, staff_id",
            (str(store_id), *roles),
        )
        for row in rows:
            if duty_at(hours, _duty(row), moment):
                items.append(
                    {
                        "staff_id": uid(row["staff_id"]),
                        "name": row["name"],
                        "role": row["role"],
                        "team_id": uid(row["team_id"]),
                    }
                )
    return {"store_id": store_id, "at": moment.isoformat(), "items": items}
