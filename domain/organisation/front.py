"""Front of house organisation: sales teams, opening hours, holidays, shifts, leave, on-duty
status, and closing a store. One thin service over the one application (docs/organisation-front.md).

Who may do what (domain/shared/access.py): an admin anywhere, a store manager in the own store
manage teams, hours, holidays, shifts and leave; every salesperson (and team leader) sets their
own on-duty status; anyone store-bound reads the own store's teams and hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.app import Showroom, Written
from domain.organisation.model import Staff, Store
from domain.organisation.service import Organisation
from domain.organisation.teams import SalesTeams, Team
from domain.organisation.working_time import StoreHours, is_open, on_duty
from domain.shared.access import STORE_BOUND, TEAM_MANAGERS, ensure_role, ensure_store
from domain.shared.actor import Principal, Role, acting_as
from domain.shared.clock import aware, now
from domain.shared.errors import InvalidValueError, NotFoundError, PermissionDeniedError
from domain.shared.values import text


@dataclass(frozen=True)
class TeamWritten:
    """A team command's answer: the store's teams aggregate as written, and the team's id."""

    written: Written
    team_id: UUID


class FrontOfHouse:
    """Sales teams and working time of the group's stores."""

    def __init__(self, app: Showroom, organisation: Organisation) -> None:
        self.app = app
        self.organisation = organisation

    # --- teams ----------------------------------------------------------------------------------

    def _roster(self, store_id: UUID) -> SalesTeams:
        try:
            return self.app.load(SalesTeams, SalesTeams.id_for(store_id), "teams")
        except NotFoundError:
            return SalesTeams(store_id=store_id, occurred_at=now())

    def _managed_roster(self, actor: Principal, store_id: UUID) -> SalesTeams:
        ensure_role(actor, *TEAM_MANAGERS)
        ensure_store(actor, store_id)
        store = self.app.load(Store, store_id, "store")
        if not store.active:
            raise InvalidValueError(f"store {store_id} is closed")
        return self._roster(store_id)

    def _seller(self, store_id: UUID, staff_id: UUID) -> None:
        self.organisation.active_salesperson(store_id, staff_id)

    def teams(self, actor: Principal, store_id: UUID) -> list[Team]:
        """A store's teams by name (its own staff and group roles)."""
        if actor.role in STORE_BOUND and actor.store_id != store_id:
            raise NotFoundError("store", store_id)
        self.app.load(Store, store_id, "store")
        try:
            roster = self.app.load(SalesTeams, SalesTeams.id_for(store_id), "teams")
        except NotFoundError:
            return []
        return sorted(roster.teams.values(), key=lambda t: (t.name.casefold(), str(t.id)))

    def form_team(
        self, actor: Principal, store_id: UUID, name: str, leader_id: UUID
    ) -> TeamWritten:
        """Form a team with a leader from the store's sales floor (admin, the store's manager)."""
        with acting_as(actor):
            roster = self._managed_roster(actor, store_id)
            self._seller(store_id, leader_id)
            team_id = roster.form(text(name, "name", max_length=60), leader_id, aware(None))
            return TeamWritten(self.app.written(roster), team_id)

    def rename_team(
        self, actor: Principal, store_id: UUID, team_id: UUID, name: str
    ) -> TeamWritten:
        with acting_as(actor):
            roster = self._managed_roster(actor, store_id)
            roster.rename(team_id, text(name, "name", max_length=60), aware(None))
            return TeamWritten(self.app.written(roster), team_id)

    def disband_team(self, actor: Principal, store_id: UUID, team_id: UUID) -> TeamWritten:
        with acting_as(actor):
            roster = self._managed_roster(actor, store_id)
            roster.disband(team_id, aware(None))
            return TeamWritten(self.app.written(roster), team_id)

    def add_member(
        self, actor: Principal, store_id: UUID, team_id: UUID, staff_id: UUID
    ) -> TeamWritten:
        """Put a salesperson of the store in a team (one team at most)."""
        with acting_as(actor):
            roster = self._managed_roster(actor, store_id)
            roster.team(team_id)
            self._seller(store_id, staff_id)
            roster.add_member(team_id, staff_id, aware(None))
            return TeamWritten(self.app.written(roster), team_id)

    def remove_member(
        self, actor: Principal, store_id: UUID, team_id: UUID, staff_id: UUID
    ) -> TeamWritten:
        with acting_as(actor):
            roster = self._managed_roster(actor, store_id)
            roster.remove_member(team_id, staff_id, aware(None))
            return TeamWritten(self.app.written(roster), team_id)

    def change_leader(
        self, actor: Principal, store_id: UUID, team_id: UUID, leader_id: UUID
    ) -> TeamWritten:
        with acting_as(actor):
            roster = self._managed_roster(actor, store_id)
            roster.team(team_id)
            self._seller(store_id, leader_id)
            roster.change_leader(team_id, leader_id, aware(None))
            return TeamWritten(self.app.written(roster), team_id)

    # --- opening hours and holidays -------------------------------------------------------------

    def _managed_store(self, actor: Principal, store_id: UUID) -> Store:
        ensure_role(actor, *TEAM_MANAGERS)
        ensure_store(actor, store_id)
        return self.app.load(Store, store_id, "store")

    def set_hours(
        self, actor: Principal, store_id: UUID, weekday: int, spans: list[str]
    ) -> Written:
        """Set the store's opening hours of one weekday (no spans: closed that weekday)."""
        with acting_as(actor):
            store = self._managed_store(actor, store_id)
            store.set_hours(weekday, spans, occurred_at=aware(None))
            return self.app.written(store)

    def set_day_hours(
        self, actor: Principal, store_id: UUID, day: date, spans: list[str], note: str = ""
    ) -> Written:
        """Give one date its own hours (no spans: a holiday, closed all day)."""
        with acting_as(actor):
            store = self._managed_store(actor, store_id)
            label = text(note, "note", max_length=60) if note.strip() else ""
            store.set_day_hours(day, spans, label, occurred_at=aware(None))
            return self.app.written(store)

    def clear_day_hours(self, actor: Principal, store_id: UUID, day: date) -> Written:
        with acting_as(actor):
            store = self._managed_store(actor, store_id)
            store.clear_day_hours(day, occurred_at=aware(None))
            return self.app.written(store)

    def store_hours(self, actor: Principal, store_id: UUID) -> StoreHours:
        return self.organisation.get_store(actor, store_id).hours

    # --- shifts, leave, on-duty status ----------------------------------------------------------

    def _managed_staff(self, actor: Principal, staff_id: UUID) -> Staff:
        ensure_role(actor, *TEAM_MANAGERS)
        staff = self.app.load(
            Staff, staff_id, "staff", scope=lambda s: _same_store(actor, s.store_id, staff_id)
        )
        return staff

    def set_shifts(
        self, actor: Principal, staff_id: UUID, weekday: int, spans: list[str]
    ) -> Written:
        """Set a salesperson's shifts on one weekday (store time; none: off that weekday)."""
        with acting_as(actor):
            staff = self._managed_staff(actor, staff_id)
            staff.set_shifts(weekday, spans, occurred_at=aware(None))
            return self.app.written(staff)

    def record_leave(self, actor: Principal, staff_id: UUID, first: date, last: date) -> Written:
        """Record leave from `first` to `last` (store-local dates, both included)."""
        with acting_as(actor):
            staff = self._managed_staff(actor, staff_id)
            staff.record_leave(first, last, occurred_at=aware(None))
            return self.app.written(staff)

    def cancel_leave(self, actor: Principal, staff_id: UUID, first: date) -> Written:
        with acting_as(actor):
            staff = self._managed_staff(actor, staff_id)
            staff.cancel_leave(first, occurred_at=aware(None))
            return self.app.written(staff)

    def set_availability(self, actor: Principal, available: bool) -> Written:
        """A salesperson (or team leader) marks themselves available on the floor, or not."""
        with acting_as(actor):
            if actor.staff_id is None or actor.role not in (Role.SALESPERSON, Role.TEAM_LEADER):
                raise PermissionDeniedError("only salespeople set their own on-duty status")
            staff = self.app.load(Staff, actor.staff_id, "staff")
            staff.set_availability(available, occurred_at=aware(None))
            return self.app.written(staff)

    def own_duty(self, actor: Principal) -> Staff | None:
        """The signed-in person's own staff record when they set an on-duty status (salespeople,
        team leaders), else None."""
        if actor.staff_id is None or actor.role not in (Role.SALESPERSON, Role.TEAM_LEADER):
            return None
        return self.app.load(Staff, actor.staff_id, "staff")

    def staff_duty(self, actor: Principal, staff_id: UUID) -> Staff:
        """A staff member with shifts, leave and status (their store's staff and managers)."""
        return self.app.load(
            Staff, staff_id, "staff", scope=lambda s: _same_store(actor, s.store_id, staff_id)
        )

    def on_duty_now(self, actor: Principal, staff_id: UUID, at: datetime | None = None) -> bool:
        staff = self.staff_duty(actor, staff_id)
        store = self.app.load(Store, staff.store_id, "store")
        moment = aware(at) if at is not None else now()
        return staff.active and store.active and on_duty(store.hours, staff.duty, moment)

    def store_open_now(self, actor: Principal, store_id: UUID, at: datetime | None = None) -> bool:
        store = self.organisation.get_store(actor, store_id)
        return store.active and is_open(store.hours, at or now())


def _same_store(actor: Principal, store_id: UUID, staff_id: UUID) -> None:
    if actor.role in STORE_BOUND and actor.store_id != store_id:
        raise NotFoundError("staff", staff_id)
