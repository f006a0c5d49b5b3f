"""The front-of-house organisation pages: a store's sales teams (managers form and change them,
a team leader lands on their team), its opening hours, holidays, shifts and leave, closing a
store (admin), and a salesperson's on-duty switch (a small piece the floor page loads).

The same calls as the JSON routes (`api/routes/front.py`): `FrontOfHouse` for every write and
for teams, the directory view for staff names and the duty view for who is on duty now. Who
may see and change what is decided there (domain/shared/access.py); the templates only hide
forms a role could not send (`may("TEAM_MANAGERS")`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import ConsistentDep, RuntimeDep
from api.pages.forms import FormReader, Refused, read_form, submit_checked
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from domain.shared.access import SALES_FLOOR, TEAM_MANAGERS, read_scope
from domain.shared.actor import Principal, Role
from domain.shared.errors import NotFoundError
from projections.directory import queries as directory
from projections.duty import queries as duty
from workers.runtime import Runtime

BASE = PREFIX + "/team"
router = APIRouter(prefix=BASE, include_in_schema=False)
NAV = [
    NavItem(BASE, N_("Sales teams"), (*TEAM_MANAGERS, Role.TEAM_LEADER), order=0),
    NavItem(BASE + "/hours", N_("Hours and shifts"), TEAM_MANAGERS, order=84),
]
WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def _store_of(runtime: Runtime, actor: Principal, asked: UUID | None) -> UUID:
    """The store the page shows: the own store for store-bound staff, else the one asked for
    (or the group's first)."""
    if actor.store_id is not None:
        return actor.store_id
    if asked is not None:
        return asked
    stores = directory.list_stores(runtime.db, scope=read_scope(actor), limit=1)["items"]
    if not stores:
        raise NotFoundError("store", "none")
    return UUID(str(stores[0]["id"]))


def _staff(runtime: Runtime, actor: Principal, store_id: UUID) -> list[dict[str, Any]]:
    rows = directory.list_staff(
        runtime.db, store_id=store_id, active=True, limit=500, scope=read_scope(actor)
    )["items"]
    return [r for r in rows if r["role"] in {role.value for role in SALES_FLOOR}]


def _spans(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").replace("，", " ").split() if part]


def _teams_page(
    request: Request, runtime: Runtime, actor: Principal, store_id: UUID, **form: Any
) -> Response:
    store = runtime.organisation.get_store(actor, store_id)
    staff = _staff(runtime, actor, store_id)
    names = {str(s["id"]): s["name"] for s in staff}
    teams: list[dict[str, Any]] = [
        {
            "id": t.id,
            "name": t.name,
            "leader_id": str(t.leader_id),
            "members": sorted(
                (str(m) for m in t.everyone), key=lambda m: (m != str(t.leader_id), names.get(m, m))
            ),
            "mine": actor.staff_id is not None and actor.staff_id in t.everyone,
        }
        for t in runtime.front.teams(actor, store_id)
    ]
    teams.sort(key=lambda t: not t["mine"])
    in_a_team = {m for t in teams for m in t["members"]}
    on_duty = {
        str(line["staff_id"])
        for line in duty.on_duty(runtime.db, read_scope(actor, store_id=store_id), store_id)[
            "items"
        ]
    }
    context = {
        "store": store,
        "teams": teams,
        "names": names,
        "free": [(s["id"], s["name"]) for s in staff if str(s["id"]) not in in_a_team],
        "everyone": [(s["id"], s["name"]) for s in staff],
        "on_duty": on_duty,
        "values": form.pop("values", {}),
        **form,
    }
    status = 422 if form.get("errors") or form.get("form_error") else 200
    return render(request, "manager_team/teams.html", context, actor=actor, status=status)


@router.get("")
def teams_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    store: UUID | None = None,
) -> Response:
    """A store's sales teams, who is in which and who is on duty now."""
    return _teams_page(request, runtime, actor, _store_of(runtime, actor, store))


async def _team_write(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    store_id: UUID,
    write: Callable[[FormReader], Callable[[], Any] | None],
    page: Callable[..., Response],
    fields: tuple[str, ...] = (),
) -> Response:
    form = await read_form(request)
    action = write(form)
    if action is None or not form.ok:
        return page(request, runtime, actor, store_id, errors=form.errors, values=form.values)
    back = f"{BASE}{_suffix(page)}?store={store_id}"
    try:
        return await submit_checked(
            request, actor.user_id, form, write=action, then=lambda _w: back, fields=fields
        )
    except Refused as refused:
        errors = {str(refused.field): refused.message} if refused.field in fields else {}
        return page(
            request,
            runtime,
            actor,
            store_id,
            errors=errors,
            form_error=None if errors else refused.message,
            values=form.values,
        )


def _suffix(page: Callable[..., Response]) -> str:
    return "/hours" if page is _hours_page else ""


@router.post("/{store_id}/teams")
async def form_team(
    store_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    def write(form: FormReader) -> Callable[[], Any] | None:
        name, leader = form.text("name", max_length=60), form.uuid("leader_id")
        if leader is None:
            return None
        return lambda: runtime.front.form_team(actor, store_id, name, leader).written

    return await _team_write(request, runtime, actor, store_id, write, _teams_page, ("name",))


@router.post("/{store_id}/teams/{team_id}/members")
async def add_member(
    store_id: UUID, team_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    def write(form: FormReader) -> Callable[[], Any] | None:
        staff_id = form.uuid("staff_id")
        if staff_id is None:
            return None
        return lambda: runtime.front.add_member(actor, store_id, team_id, staff_id).written

    return await _team_write(request, runtime, actor, store_id, write, _teams_page)


@router.post("/{store_id}/teams/{team_id}/members/{staff_id}/removal")
async def remove_member(
    store_id: UUID,
    team_id: UUID,
    staff_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
) -> Response:
    def write(form: FormReader) -> Callable[[], Any]:
        return lambda: runtime.front.remove_member(actor, store_id, team_id, staff_id).written

    return await _team_write(request, runtime, actor, store_id, write, _teams_page)


@router.post("/{store_id}/teams/{team_id}/leader")
async def change_leader(
    store_id: UUID, team_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    def write(form: FormReader) -> Callable[[], Any] | None:
        leader = form.uuid("leader_id")
        if leader is None:
            return None
        return lambda: runtime.front.change_leader(actor, store_id, team_id, leader).written

    return await _team_write(request, runtime, actor, store_id, write, _teams_page)


@router.post("/{store_id}/teams/{team_id}/disbanding")
async def disband_team(
    store_id: UUID, team_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    def write(form: FormReader) -> Callable[[], Any]:
        return lambda: runtime.front.disband_team(actor, store_id, team_id).written

    return await _team_write(request, runtime, actor, store_id, write, _teams_page)


# --- hours, holidays, shifts, leave, closing ------------------------------------------------


def _hours_page(
    request: Request, runtime: Runtime, actor: Principal, store_id: UUID, **form: Any
) -> Response:
    store = runtime.organisation.get_store(actor, store_id)
    staff = []
    for line in _staff(runtime, actor, store_id):
        person = runtime.front.staff_duty(actor, UUID(str(line["id"])))
        staff.append(
            {
                "id": line["id"],
                "name": line["name"],
                "shifts": person.shifts,
                "leave": person.leave_days,
                "available": person.available,
            }
        )
    context = {
        "store": store,
        "weekdays": list(enumerate(WEEKDAYS)),
        "weekday_options": [(n, _(label)) for n, label in enumerate(WEEKDAYS)],
        "weekly": store.weekly_hours,
        "dates": sorted(store.day_hours.items()),
        "notes": store.day_notes,
        "staff": staff,
        "people": [(s["id"], s["name"]) for s in staff],
        "open_now": runtime.front.store_open_now(actor, store_id),
        "values": form.pop("values", {}),
        **form,
    }
    status = 422 if form.get("errors") or form.get("form_error") else 200
    return render(request, "manager_team/hours.html", context, actor=actor, status=status)


@router.get("/hours")
def hours_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    store: UUID | None = None,
) -> Response:
    """A store's opening hours, holidays, and its salespeople's shifts and leave."""
    return _hours_page(request, runtime, actor, _store_of(runtime, actor, store))


@router.post("/{store_id}/hours")
async def set_hours(
    store_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    def write(form: FormReader) -> Callable[[], Any] | None:
        weekday = form.integer("weekday", low=0, high=6)
        spans = _spans(form.text("spans", required=False, max_length=200))
        if not form.ok:
            return None
        return lambda: runtime.front.set_hours(actor, store_id, weekday, spans)

    return await _team_write(request, runtime, actor, store_id, write, _hours_page, ("spans",))


@router.post("/{store_id}/dates")
async def set_date(
    store_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    def write(form: FormReader) -> Callable[[], Any] | None:
        day = form.day("day")
        spans = _spans(form.text("day_spans", required=False, max_length=200))
        note = form.text("note", required=False, max_length=60)
        if day is None:
            return None
        return lambda: runtime.front.set_day_hours(actor, store_id, day, spans, note)

    return await _team_write(
        request, runtime, actor, store_id, write, _hours_page, ("day", "day_spans", "note")
    )


@router.post("/{store_id}/dates/{day}/clearing")
async def clear_date(
    store_id: UUID, day: date, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    def write(form: FormReader) -> Callable[[], Any]:
        return lambda: runtime.front.clear_day_hours(actor, store_id, day)

    return await _team_write(request, runtime, actor, store_id, write, _hours_page)


@router.post("/{store_id}/shifts")
async def set_shifts(
    store_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    def write(form: FormReader) -> Callable[[], Any] | None:
        staff_id = form.uuid("staff_id")
        weekday = form.integer("shift_weekday", low=0, high=6)
        spans = _spans(form.text("shift_spans", required=False, max_length=200))
        if staff_id is None or not form.ok:
            return None
        return lambda: runtime.front.set_shifts(actor, staff_id, weekday, spans)

    return await _team_write(
        request, runtime, actor, store_id, write, _hours_page, ("shift_spans",)
    )


@router.post("/{store_id}/leave")
async def record_leave(
    store_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    def write(form: FormReader) -> Callable[[], Any] | None:
        staff_id = form.uuid("leave_staff_id")
        first, last = form.day("first"), form.day("last")
        if staff_id is None or first is None or last is None:
            return None
        return lambda: runtime.front.record_leave(actor, staff_id, first, last)

    return await _team_write(
        request, runtime, actor, store_id, write, _hours_page, ("first", "last")
    )


@router.post("/{store_id}/leave/{staff_id}/{first}/cancellation")
async def cancel_leave(
    store_id: UUID,
    staff_id: UUID,
    first: date,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
) -> Response:
    def write(form: FormReader) -> Callable[[], Any]:
        return lambda: runtime.front.cancel_leave(actor, staff_id, first)

    return await _team_write(request, runtime, actor, store_id, write, _hours_page)


@router.post("/{store_id}/closure")
async def close_store(
    store_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    def write(form: FormReader) -> Callable[[], Any] | None:
        if not form.flag("confirm"):
            form.errors["confirm"] = _("Tick the box to confirm: a closed store stays closed.")
            return None
        return lambda: runtime.organisation.close_store(actor, store_id)

    return await _team_write(request, runtime, actor, store_id, write, _hours_page, ("confirm",))


# --- the on-duty switch (loaded into the floor page) ----------------------------------------


@router.get("/duty")
def duty_switch(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """The signed-in salesperson's on-duty switch (an htmx piece; empty for other roles)."""
    person = runtime.front.own_duty(actor)
    if person is None:
        return Response(status_code=204)
    context = {
        "available": person.available,
        "on_duty": runtime.front.on_duty_now(actor, person.id),
    }
    return render(request, "manager_team/_duty.html", context, actor=actor)


@router.post("/duty")
async def set_duty(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Mark oneself available on the floor, or not; back to the floor page."""
    form = await read_form(request)
    available = form.flag("available")
    return await submit_checked(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.front.set_availability(actor, available),
        then=lambda _w: PREFIX + "/my-day",
    )
