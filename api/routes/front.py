"""Front of house organisation: sales teams, opening hours and holidays, shifts, leave, the
on-duty status, and closing a store (docs/organisation-front.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from api.deps import ActorDep, ConsistentDep, OrganisationDep, RuntimeDep
from api.schemas.common import Command, Written
from api.schemas.front import (
    Availability,
    DateHours,
    DaySpans,
    DutyOut,
    FormTeam,
    HoursOut,
    LeaveIn,
    OnDutyOut,
    RenameTeam,
    TeamLeader,
    TeamMember,
    TeamOut,
    TeamWrittenOut,
)
from domain.organisation.front import TeamWritten
from domain.shared.access import read_scope
from domain.shared.clock import planned
from projections.duty import queries as duty

router = APIRouter(tags=["organisation"])


def _team(written: TeamWritten) -> TeamWrittenOut:
    w = written.written
    return TeamWrittenOut(id=written.team_id, version=w.version, position=w.position)


@router.post("/stores/{store_id}/closure", status_code=201)
def close_store(
    store_id: UUID, organisation: OrganisationDep, actor: ActorDep, body: Command = Command()
) -> Written:
    """Close a store (admin): no new leads, staff, hours or teams from then on."""
    return Written.of(
        organisation.close_store(actor, store_id, body.expected_version, body.occurred_at)
    )


# --- teams ----------------------------------------------------------------------------------


@router.get("/stores/{store_id}/teams")
def list_teams(store_id: UUID, runtime: RuntimeDep, actor: ActorDep) -> list[TeamOut]:
    """A store's sales teams (its staff, managers, group roles)."""
    return [
        TeamOut(id=t.id, name=t.name, leader_id=t.leader_id, members=sorted(t.everyone))
        for t in runtime.front.teams(actor, store_id)
    ]


@router.post("/stores/{store_id}/teams", status_code=201)
def form_team(
    store_id: UUID, body: FormTeam, runtime: RuntimeDep, actor: ActorDep
) -> TeamWrittenOut:
    """Form a team led by a salesperson of the store (admin, the store's manager)."""
    return _team(runtime.front.form_team(actor, store_id, body.name, body.leader_id))


@router.put("/stores/{store_id}/teams/{team_id}", status_code=201)
def rename_team(
    store_id: UUID, team_id: UUID, body: RenameTeam, runtime: RuntimeDep, actor: ActorDep
) -> TeamWrittenOut:
    """Rename a team."""
    return _team(runtime.front.rename_team(actor, store_id, team_id, body.name))


@router.post("/stores/{store_id}/teams/{team_id}/disbanding", status_code=201)
def disband_team(
    store_id: UUID, team_id: UUID, runtime: RuntimeDep, actor: ActorDep
) -> TeamWrittenOut:
    """Disband a team (its members stay on the staff, in no team)."""
    return _team(runtime.front.disband_team(actor, store_id, team_id))


@router.post("/stores/{store_id}/teams/{team_id}/members", status_code=201)
def add_member(
    store_id: UUID, team_id: UUID, body: TeamMember, runtime: RuntimeDep, actor: ActorDep
) -> TeamWrittenOut:
    """Add a salesperson of the store to a team (one team at most)."""
    return _team(runtime.front.add_member(actor, store_id, team_id, body.staff_id))


@router.post("/stores/{store_id}/teams/{team_id}/members/{staff_id}/removal", status_code=201)
def remove_member(
    store_id: UUID, team_id: UUID, staff_id: UUID, runtime: RuntimeDep, actor: ActorDep
) -> TeamWrittenOut:
    """Take a member out of a team (not its leader: change the leader first)."""
    return _team(runtime.front.remove_member(actor, store_id, team_id, staff_id))


@router.post("/stores/{store_id}/teams/{team_id}/leader", status_code=201)
def change_leader(
    store_id: UUID, team_id: UUID, body: TeamLeader, runtime: RuntimeDep, actor: ActorDep
) -> TeamWrittenOut:
    """Give a team a new leader (who joins it; the old leader stays a member)."""
    return _team(runtime.front.change_leader(actor, store_id, team_id, body.leader_id))


# --- opening hours and holidays -------------------------------------------------------------


@router.get("/stores/{store_id}/hours")
def get_hours(store_id: UUID, runtime: RuntimeDep, actor: ActorDep) -> HoursOut:
    """A store's opening hours per weekday, its dates with their own hours, open now or not."""
    store = runtime.organisation.get_store(actor, store_id)
    return HoursOut(
        store_id=store.id,
        timezone=store.timezone,
        weekly=dict(sorted(store.weekly_hours.items())),
        dates=dict(sorted(store.day_hours.items())),
        notes=dict(store.day_notes),
        open_now=runtime.front.store_open_now(actor, store_id),
    )


@router.put("/stores/{store_id}/hours/{weekday}", status_code=201)
def set_hours(
    store_id: UUID, weekday: int, runtime: RuntimeDep, actor: ActorDep, body: DaySpans = DaySpans()
) -> Written:
    """Set one weekday's opening hours (0 = Monday; no spans: closed that weekday)."""
    return Written.of(runtime.front.set_hours(actor, store_id, weekday, body.spans))


@router.put("/stores/{store_id}/dates/{day}", status_code=201)
def set_date_hours(
    store_id: UUID,
    day: date,
    runtime: RuntimeDep,
    actor: ActorDep,
    body: DateHours = DateHours(),
) -> Written:
    """Give one date its own hours: a holiday (no spans) or special hours."""
    return Written.of(runtime.front.set_day_hours(actor, store_id, day, body.spans, body.note))


@router.post("/stores/{store_id}/dates/{day}/clearing", status_code=201)
def clear_date_hours(store_id: UUID, day: date, runtime: RuntimeDep, actor: ActorDep) -> Written:
    """Let a date follow its weekday's hours again."""
    return Written.of(runtime.front.clear_day_hours(actor, store_id, day))


@router.get("/stores/{store_id}/on-duty")
def on_duty_now(
    store_id: UUID,
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    at: Annotated[datetime | None, Query(description="The instant (default: now)")] = None,
) -> OnDutyOut:
    """The store's salespeople on duty at an instant (from the duty view; what routing asks)."""
    moment = planned(at, "at") if at is not None else None
    return OnDutyOut.model_validate(
        duty.on_duty(runtime.db, read_scope(actor, store_id=store_id), store_id, moment)
    )


# --- shifts, leave, on-duty status ----------------------------------------------------------


def _duty(runtime: RuntimeDep, actor: ActorDep, staff_id: UUID) -> DutyOut:
    staff = runtime.front.staff_duty(actor, staff_id)
    return DutyOut(
        staff_id=staff.id,
        store_id=staff.store_id,
        shifts=dict(sorted(staff.shifts.items())),
        leave=[LeaveIn(first=a, last=b) for a, b in staff.leave_days],
        available=staff.available,
        on_duty_now=runtime.front.on_duty_now(actor, staff_id),
    )


@router.get("/staff/{staff_id}/duty")
def get_duty(staff_id: UUID, runtime: RuntimeDep, actor: ActorDep) -> DutyOut:
    """A staff member's shifts, leave, status and whether on duty now."""
    return _duty(runtime, actor, staff_id)


@router.put("/staff/{staff_id}/shifts/{weekday}", status_code=201)
def set_shifts(
    staff_id: UUID, weekday: int, runtime: RuntimeDep, actor: ActorDep, body: DaySpans = DaySpans()
) -> Written:
    """Set a salesperson's shifts on one weekday (store time; none: off)."""
    return Written.of(runtime.front.set_shifts(actor, staff_id, weekday, body.spans))


@router.post("/staff/{staff_id}/leave", status_code=201)
def record_leave(staff_id: UUID, body: LeaveIn, runtime: RuntimeDep, actor: ActorDep) -> Written:
    """Record leave (store-local dates, both included)."""
    return Written.of(runtime.front.record_leave(actor, staff_id, body.first, body.last))


@router.post("/staff/{staff_id}/leave/{first}/cancellation", status_code=201)
def cancel_leave(staff_id: UUID, first: date, runtime: RuntimeDep, actor: ActorDep) -> Written:
    """Cancel the leave starting on `first`."""
    return Written.of(runtime.front.cancel_leave(actor, staff_id, first))


@router.post("/duty/availability", status_code=201)
def set_availability(body: Availability, runtime: RuntimeDep, actor: ActorDep) -> Written:
    """Mark yourself available on the floor, or not (salespeople, team leaders)."""
    return Written.of(runtime.front.set_availability(actor, body.available))
