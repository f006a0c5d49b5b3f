"""One row per lead's response clock: its capture month in the store's time zone, its owner,
whether it breached, and its first-response time in opening hours with the bucket; and the
current sales teams, so the report can add up per salesperson, team and store
(docs/response-sla.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.leads.model import Lead
from domain.organisation.model import Store
from domain.organisation.teams import SalesTeams
from domain.shared import months
from domain.sla.model import ResponseClock, bucket
from projections.common import StoreZones, sid, utc_iso
from projections.db import Tx
from projections.projection import Projection, handles

TABLE = "rm_response_sla"
TEAMS = "rm_response_sla_team"
MEMBERS = "rm_response_sla_member"
ZONES = "rm_response_sla_store"


class ResponseSlaProjection(Projection):
    """A clock counts in the month its lead was captured. Its owner is the salesperson who
    had the lead at the breach or at the first response (the one the clock judged); a lead
    answered late is breached even when no timer fired. Teams are as they are now: a
    salesperson who changed teams brings their leads along."""

    name = "response_sla"
    tables = (TABLE, TEAMS, MEMBERS, ZONES)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " lead_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, channel TEXT NOT NULL,"
        " salesperson_id TEXT, month TEXT NOT NULL, captured_at TEXT NOT NULL,"
        " due_at TEXT NOT NULL, warned INTEGER NOT NULL DEFAULT 0,"
        " breached INTEGER NOT NULL DEFAULT 0, escalated INTEGER NOT NULL DEFAULT 0,"
        " answered_at TEXT, working_seconds INTEGER, bucket TEXT)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_month ON {TABLE} (month, store_id)",
        f"CREATE TABLE IF NOT EXISTS {TEAMS} (team_id TEXT PRIMARY KEY, name TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {MEMBERS} ( staff_id TEXT PRIMARY KEY, team_id TEXT NOT NULL)",
        StoreZones(ZONES).ddl,
    )

    def __init__(self) -> None:
        self.zones = StoreZones(ZONES)

    @handles(Store.Opened, Store.Updated)
    def on_store(self, event: Any, tx: Tx) -> None:
        self.zones.remember(tx, event.originator_id, event.timezone)

    @handles(ResponseClock.Started)
    def on_started(self, event: ResponseClock.Started, tx: Tx) -> None:
        day = self.zones.day(tx, event.store_id, event.captured_at)
        tx.execute(
            f"INSERT INTO {TABLE} (lead_id, store_id, channel, salesperson_id, month,"
            " captured_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (lead_id) DO NOTHING",
            (
                sid(event.lead_id),
                sid(event.store_id),
                event.channel,
                sid(event.salesperson_id),
                months.of_day(day),
                utc_iso(event.captured_at),
                utc_iso(event.due_at),
            ),
        )

    @handles(Lead.Assigned)
    def on_assigned(self, event: Lead.Assigned, tx: Tx) -> None:
        # A running clock is the new owner's; a decided one stays with the owner it judged.
        tx.execute(
            f"UPDATE {TABLE} SET salesperson_id = ? WHERE lead_id = ?"
            " AND answered_at IS NULL AND breached = 0",
            (sid(event.salesperson_id), sid(event.originator_id)),
        )

    @handles(ResponseClock.Warned)
    def on_warned(self, event: ResponseClock.Warned, tx: Tx) -> None:
        self._set(tx, event, "warned = 1")

    @handles(ResponseClock.Breached)
    def on_breached(self, event: ResponseClock.Breached, tx: Tx) -> None:
        self._set(tx, event, "breached = 1")

    @handles(ResponseClock.Escalated)
    def on_escalated(self, event: ResponseClock.Escalated, tx: Tx) -> None:
        self._set(tx, event, "escalated = 1")

    @handles(ResponseClock.Answered)
    def on_answered(self, event: ResponseClock.Answered, tx: Tx) -> None:
        elapsed = timedelta(seconds=event.working_seconds)
        self._set(
            tx,
            event,
            "answered_at = ?, working_seconds = ?, bucket = ?, breached = ?",
            utc_iso(event.responded_at),
            event.working_seconds,
            bucket(elapsed).value,
            1 if event.breached else 0,
        )

    def _set(self, tx: Tx, event: Any, assignments: str, *params: Any) -> None:
        # The owner the clock judged, when it names one (an unassigned lead keeps none).
        tx.execute(
            f"UPDATE {TABLE} SET {assignments},"
            " salesperson_id = COALESCE(?, salesperson_id) WHERE lead_id = ?",
            (*params, sid(event.salesperson_id), sid(event.lead_id)),
        )

    # --- the teams, as they are now -------------------------------------------------------------

    @handles(SalesTeams.TeamFormed)
    def on_formed(self, event: SalesTeams.TeamFormed, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {TEAMS} (team_id, name) VALUES (?, ?)"
            " ON CONFLICT (team_id) DO UPDATE SET name = excluded.name",
            (sid(event.team_id), event.name),
        )
        self._join(tx, event.team_id, event.leader_id)

    @handles(SalesTeams.TeamRenamed)
    def on_renamed(self, event: SalesTeams.TeamRenamed, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {TEAMS} SET name = ? WHERE team_id = ?", (event.name, sid(event.team_id))
        )

    @handles(SalesTeams.TeamDisbanded)
    def on_disbanded(self, event: SalesTeams.TeamDisbanded, tx: Tx) -> None:
        tx.execute(f"DELETE FROM {MEMBERS} WHERE team_id = ?", (sid(event.team_id),))
        tx.execute(f"DELETE FROM {TEAMS} WHERE team_id = ?", (sid(event.team_id),))

    @handles(SalesTeams.MemberAdded)
    def on_added(self, event: SalesTeams.MemberAdded, tx: Tx) -> None:
        self._join(tx, event.team_id, event.staff_id)

    @handles(SalesTeams.LeaderChanged)
    def on_leader(self, event: SalesTeams.LeaderChanged, tx: Tx) -> None:
        self._join(tx, event.team_id, event.leader_id)

    @handles(SalesTeams.MemberRemoved)
    def on_removed(self, event: SalesTeams.MemberRemoved, tx: Tx) -> None:
        tx.execute(
            f"DELETE FROM {MEMBERS} WHERE staff_id = ? AND team_id = ?",
            (sid(event.staff_id), sid(event.team_id)),
        )

    def _join(self, tx: Tx, team_id: Any, staff_id: Any) -> None:
        tx.execute(
            f"INSERT INTO {MEMBERS} (staff_id, team_id) VALUES (?, ?)"
            " ON CONFLICT (staff_id) DO UPDATE SET team_id = excluded.team_id",
            (sid(staff_id), sid(team_id)),
        )
