"""Opening hours, shifts, leave, on-duty status and team of every store and salesperson.

Routing asks "who of store S is on duty at t" many times a second; this view holds, per store,
its hours and, per staff member, shifts, leave, status and team as small JSON texts, so one
indexed read of a store's staff answers it with the pure functions of
domain/organisation/working_time.py (projections/duty/queries.py).
"""

from __future__ import annotations

import json
from typing import Any

from domain.organisation.model import Staff, Store
from domain.organisation.teams import SalesTeams
from projections.common import sid
from projections.db import Tx
from projections.projection import Projection, handles

STORES = "rm_duty_store"
STAFF = "rm_duty_staff"


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


class DutyProjection(Projection):
    """One row per store (hours) and per staff member (shifts, leave, status, team)."""

    name = "duty"
    tables = (STORES, STAFF)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {STORES} ("
        " store_id TEXT PRIMARY KEY, name TEXT NOT NULL, timezone TEXT NOT NULL,"
        " active INTEGER NOT NULL, weekly TEXT NOT NULL, dates TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {STAFF} ("
        " staff_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, name TEXT NOT NULL,"
        " role TEXT NOT NULL, active INTEGER NOT NULL, shifts TEXT NOT NULL,"
        " leave TEXT NOT NULL, available INTEGER NOT NULL, team_id TEXT)",
        f"CREATE INDEX IF NOT EXISTS {STAFF}_store ON {STAFF} (store_id, active)",
    )

    # --- stores ---------------------------------------------------------------------------------

    @handles(Store.Opened)
    def on_store_opened(self, event: Store.Opened, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {STORES} (store_id, name, timezone, active, weekly, dates)"
            " VALUES (?, ?, ?, 1, '{}', '{}') ON CONFLICT (store_id) DO NOTHING",
            (sid(event.originator_id), event.name, event.timezone),
        )

    @handles(Store.Updated)
    def on_store_updated(self, event: Store.Updated, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {STORES} SET name = ?, timezone = ? WHERE store_id = ?",
            (event.name, event.timezone, sid(event.originator_id)),
        )

    @handles(Store.Closed)
    def on_store_closed(self, event: Store.Closed, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {STORES} SET active = 0 WHERE store_id = ?", (sid(event.originator_id),)
        )

    def _store_json(self, tx: Tx, store_id: str, column: str) -> dict[str, Any]:
        row = tx.one(f"SELECT {column} FROM {STORES} WHERE store_id = ?", (store_id,))
        return {} if row is None else dict(json.loads(row[column]))

    @handles(Store.HoursSet)
    def on_hours(self, event: Store.HoursSet, tx: Tx) -> None:
        store_id = str(event.originator_id)
        weekly = self._store_json(tx, store_id, "weekly")
        weekly[str(event.weekday)] = list(event.spans)
        tx.execute(f"UPDATE {STORES} SET weekly = ? WHERE store_id = ?", (_dump(weekly), store_id))

    @handles(Store.DayHoursSet, Store.DayHoursCleared)
    def on_date_hours(self, event: Any, tx: Tx) -> None:
        store_id = str(event.originator_id)
        dates = self._store_json(tx, store_id, "dates")
        day = event.day.isoformat()
        if isinstance(event, Store.DayHoursSet):
            dates[day] = list(event.spans)
        else:
            dates.pop(day, None)
        tx.execute(f"UPDATE {STORES} SET dates = ? WHERE store_id = ?", (_dump(dates), store_id))

    # --- staff ----------------------------------------------------------------------------------

    @handles(Staff.Hired)
    def on_hired(self, event: Staff.Hired, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {STAFF} (staff_id, store_id, name, role, active, shifts, leave,"
            " available, team_id) VALUES (?, ?, ?, ?, 1, '{}', '[]', 1, NULL)"
            " ON CONFLICT (staff_id) DO NOTHING",
            (sid(event.originator_id), sid(event.store_id), event.name, event.role),
        )

    @handles(Staff.Transferred)
    def on_transferred(self, event: Staff.Transferred, tx: Tx) -> None:
        # A transfer leaves the old store's team (the store's teams record still names them
        # until a manager removes them; the view never shows them in another store's team).
        tx.execute(
            f"UPDATE {STAFF} SET store_id = ?, team_id = NULL WHERE staff_id = ?",
            (sid(event.to_store_id), sid(event.originator_id)),
        )

    @handles(Staff.Left)
    def on_left(self, event: Staff.Left, tx: Tx) -> None:
        tx.execute(f"UPDATE {STAFF} SET active = 0 WHERE staff_id = ?", (sid(event.originator_id),))

    @handles(Staff.ShiftsSet)
    def on_shifts(self, event: Staff.ShiftsSet, tx: Tx) -> None:
        staff_id = str(event.originator_id)
        row = tx.one(f"SELECT shifts FROM {STAFF} WHERE staff_id = ?", (staff_id,))
        shifts = {} if row is None else dict(json.loads(row["shifts"]))
        shifts[str(event.weekday)] = list(event.spans)
        tx.execute(f"UPDATE {STAFF} SET shifts = ? WHERE staff_id = ?", (_dump(shifts), staff_id))

    @handles(Staff.LeaveRecorded, Staff.LeaveCancelled)
    def on_leave(self, event: Any, tx: Tx) -> None:
        staff_id = str(event.originator_id)
        row = tx.one(f"SELECT leave FROM {STAFF} WHERE staff_id = ?", (staff_id,))
        leave = [] if row is None else [tuple(x) for x in json.loads(row["leave"])]
        stretch = (event.first.isoformat(), event.last.isoformat())
        if isinstance(event, Staff.LeaveRecorded):
            leave = sorted({*leave, stretch})
        else:
            leave = [x for x in leave if x != stretch]
        tx.execute(
            f"UPDATE {STAFF} SET leave = ? WHERE staff_id = ?",
            (_dump([list(x) for x in leave]), staff_id),
        )

    @handles(Staff.AvailabilitySet)
    def on_availability(self, event: Staff.AvailabilitySet, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {STAFF} SET available = ? WHERE staff_id = ?",
            (int(event.available), sid(event.originator_id)),
        )

    # --- teams ----------------------------------------------------------------------------------

    @handles(SalesTeams.TeamFormed, SalesTeams.LeaderChanged)
    def on_leader(self, event: Any, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {STAFF} SET team_id = ? WHERE staff_id = ?",
            (sid(event.team_id), sid(event.leader_id)),
        )

    @handles(SalesTeams.MemberAdded)
    def on_member_added(self, event: SalesTeams.MemberAdded, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {STAFF} SET team_id = ? WHERE staff_id = ?",
            (sid(event.team_id), sid(event.staff_id)),
        )

    @handles(SalesTeams.MemberRemoved)
    def on_member_removed(self, event: SalesTeams.MemberRemoved, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {STAFF} SET team_id = NULL WHERE staff_id = ? AND team_id = ?",
            (sid(event.staff_id), sid(event.team_id)),
        )

    @handles(SalesTeams.TeamDisbanded)
    def on_disbanded(self, event: SalesTeams.TeamDisbanded, tx: Tx) -> None:
        tx.execute(f"UPDATE {STAFF} SET team_id = NULL WHERE team_id = ?", (sid(event.team_id),))
