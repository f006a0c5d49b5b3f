"""Pay plans as rows: plans, versions (components as JSON text), assignments, and staff.

The projection keeps its own staff lookup (role, and the store a person worked at from which
business day on) so that the plan of a month can be resolved as it stood on the month's first
day, and every row keeps the record time of the event behind it so that plans can be resolved
"as known at" a moment (a pay period's approval). Nothing here is computed from the clock.
"""

from __future__ import annotations

import json
from typing import Any

from domain.organisation.model import Staff, Store
from domain.pay.plans import PayPlan
from projections.common import StoreZones, sid, utc_iso
from projections.db import Tx
from projections.projection import Projection, handles

PLANS = "rm_pay_plan"
VERSIONS = "rm_pay_plan_version"
ASSIGNMENTS = "rm_pay_plan_assignment"
STAFF = "rm_pay_plan_staff"
POSTS = "rm_pay_plan_post"
STORES = "rm_pay_plan_store"


class PayPlansProjection(Projection):
    """Plans, their versions and assignments; resolves whose plan is which for a month."""

    name = "pay_plans"
    tables = (PLANS, VERSIONS, ASSIGNMENTS, STAFF, POSTS, STORES)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {PLANS} ("
        " plan_id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL,"
        " retired INTEGER NOT NULL DEFAULT 0, versions INTEGER NOT NULL DEFAULT 0,"
        " latest_effective_from TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {VERSIONS} ("
        " plan_id TEXT NOT NULL, version INTEGER NOT NULL, effective_from TEXT NOT NULL,"
        " components TEXT NOT NULL, note TEXT NOT NULL, published_at TEXT NOT NULL,"
        " recorded_at TEXT NOT NULL, PRIMARY KEY (plan_id, version))",
        f"CREATE TABLE IF NOT EXISTS {ASSIGNMENTS} ("
        " assignment_id TEXT PRIMARY KEY, plan_id TEXT NOT NULL, staff_id TEXT,"
        " store_id TEXT, role TEXT, effective_from TEXT NOT NULL, effective_to TEXT,"
        " assigned_at TEXT NOT NULL, recorded_at TEXT NOT NULL, ended_recorded_at TEXT)",
        f"CREATE INDEX IF NOT EXISTS {ASSIGNMENTS}_by_plan ON {ASSIGNMENTS} (plan_id)",
        f"CREATE INDEX IF NOT EXISTS {ASSIGNMENTS}_by_staff ON {ASSIGNMENTS} (staff_id)",
        f"CREATE INDEX IF NOT EXISTS {ASSIGNMENTS}_by_store ON {ASSIGNMENTS} (store_id, role)",
        f"CREATE TABLE IF NOT EXISTS {STAFF} ("
        " staff_id TEXT PRIMARY KEY, role TEXT NOT NULL, store_id TEXT NOT NULL,"
        " left_on TEXT, recorded_at TEXT NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {STAFF}_by_store ON {STAFF} (store_id)",
        # Where each person worked from which business day on (hire, then every transfer).
        f"CREATE TABLE IF NOT EXISTS {POSTS} ("
        " staff_id TEXT NOT NULL, seq INTEGER NOT NULL, since TEXT NOT NULL,"
        " store_id TEXT NOT NULL, recorded_at TEXT NOT NULL, PRIMARY KEY (staff_id, seq))",
        f"CREATE TABLE IF NOT EXISTS {STORES} (store_id TEXT PRIMARY KEY, timezone TEXT NOT NULL)",
    )

    def __init__(self) -> None:
        self.zones = StoreZones(STORES)

    # --- organisation -----------------------------------------------------------------------------

    @handles(Store.Opened, Store.Updated)
    def on_store(self, event: Any, tx: Tx) -> None:
        self.zones.remember(tx, event.originator_id, event.timezone)

    @handles(Staff.Hired)
    def on_hired(self, event: Staff.Hired, tx: Tx) -> None:
        staff_id, recorded = sid(event.originator_id), utc_iso(event.timestamp)
        tx.execute(
            f"INSERT INTO {STAFF} (staff_id, role, store_id, recorded_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (staff_id) DO NOTHING",
            (staff_id, event.role, sid(event.store_id), recorded),
        )
        self._post(tx, event, event.store_id)

    @handles(Staff.Transferred)
    def on_transferred(self, event: Staff.Transferred, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {STAFF} SET store_id = ? WHERE staff_id = ?",
            (sid(event.to_store_id), sid(event.originator_id)),
        )
        self._post(tx, event, event.to_store_id)

    def _post(self, tx: Tx, event: Any, store_id: Any) -> None:
        tx.execute(
            f"INSERT INTO {POSTS} (staff_id, seq, since, store_id, recorded_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (staff_id, seq) DO NOTHING",
            (
                sid(event.originator_id),
                event.originator_version,
                self.zones.day(tx, store_id, event.occurred_at).isoformat(),
                sid(store_id),
                utc_iso(event.timestamp),
            ),
        )

    @handles(Staff.Left)
    def on_left(self, event: Staff.Left, tx: Tx) -> None:
        staff = tx.one(
            f"SELECT store_id FROM {STAFF} WHERE staff_id = ?", (sid(event.originator_id),)
        )
        if staff is None:
            return
        day = self.zones.day(tx, staff["store_id"], event.occurred_at)
        tx.execute(
            f"UPDATE {STAFF} SET left_on = ? WHERE staff_id = ?",
            (day.isoformat(), sid(event.originator_id)),
        )

    # --- plans ------------------------------------------------------------------------------------

    @handles(PayPlan.Created)
    def on_created(self, event: PayPlan.Created, tx: Tx) -> None:
        when = utc_iso(event.occurred_at)
        tx.execute(
            f"INSERT INTO {PLANS} (plan_id, name, description, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (plan_id) DO NOTHING",
            (sid(event.originator_id), event.name, event.description, when, when),
        )

    @handles(PayPlan.VersionPublished)
    def on_version(self, event: PayPlan.VersionPublished, tx: Tx) -> None:
        plan_id = sid(event.originator_id)
        tx.execute(
            f"INSERT INTO {VERSIONS} (plan_id, version, effective_from, components, note,"
            " published_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (plan_id, version) DO NOTHING",
            (
                plan_id,
                event.version,
                event.effective_from.isoformat(),
                json.dumps(list(event.components), sort_keys=True, ensure_ascii=False),
                event.note,
                utc_iso(event.occurred_at),
                utc_iso(event.timestamp),
            ),
        )
        tx.execute(
            f"UPDATE {PLANS} SET versions = ?, latest_effective_from = ?, updated_at = ?"
            " WHERE plan_id = ?",
            (event.version, event.effective_from.isoformat(), utc_iso(event.occurred_at), plan_id),
        )

    @handles(PayPlan.Assigned)
    def on_assigned(self, event: PayPlan.Assigned, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {ASSIGNMENTS} (assignment_id, plan_id, staff_id, store_id, role,"
            " effective_from, assigned_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (assignment_id) DO NOTHING",
            (
                sid(event.assignment_id),
                sid(event.originator_id),
                sid(event.staff_id),
                sid(event.store_id),
                event.role,
                event.effective_from.isoformat(),
                utc_iso(event.occurred_at),
                utc_iso(event.timestamp),
            ),
        )
        self._touch(tx, event)

    @handles(PayPlan.Unassigned)
    def on_unassigned(self, event: PayPlan.Unassigned, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {ASSIGNMENTS} SET effective_to = ?, ended_recorded_at = ?"
            " WHERE assignment_id = ?",
            (event.effective_to.isoformat(), utc_iso(event.timestamp), sid(event.assignment_id)),
        )
        self._touch(tx, event)

    @handles(PayPlan.Retired)
    def on_retired(self, event: PayPlan.Retired, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {PLANS} SET retired = 1, updated_at = ? WHERE plan_id = ?",
            (utc_iso(event.occurred_at), sid(event.originator_id)),
        )

    def _touch(self, tx: Tx, event: Any) -> None:
        tx.execute(
            f"UPDATE {PLANS} SET updated_at = ? WHERE plan_id = ?",
            (utc_iso(event.occurred_at), sid(event.originator_id)),
        )
