"""Follow-ups: the salesperson's follow-ups and calls (回访) of the day, the manager's overdue
list per salesperson, and the store's follow-up settings.

Every read and write is the call the JSON routes make (api/routes/follow_ups.py) with the
signed-in principal: the services and the read scope decide what shows.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import ConsistentDep, RuntimeDep
from api.pages import people
from api.pages.forms import FormReader, Refused, raise_access, read_form, run_command, submit
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from api.routes.follow_ups import store_today
from domain.followups.model import CallOutcome
from domain.shared.access import MANAGERS, SALES_FLOOR, Reach, read_scope
from domain.shared.actor import Principal
from domain.shared.errors import NotFoundError
from projections.directory import queries as directory
from projections.follow_ups import queries
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX + "/follow-ups", include_in_schema=False)
NAV = [
    NavItem(PREFIX + "/follow-ups", N_("Follow-ups"), SALES_FLOOR, order=4),
    NavItem(PREFIX + "/follow-ups/overdue", N_("Overdue follow-ups"), MANAGERS, order=65),
    NavItem(PREFIX + "/follow-ups/settings", N_("Follow-up settings"), MANAGERS, order=66),
]

TIMINGS = {
    "overdue": N_("Overdue"),
    "today": N_("Today"),
    "upcoming": N_("Upcoming"),
}
OUTCOMES = {
    CallOutcome.REACHED.value: N_("Reached"),
    CallOutcome.NOT_REACHED.value: N_("Not reached"),
    CallOutcome.RESCHEDULED.value: N_("Rescheduled"),
}
LABELS = {"timings": TIMINGS, "outcomes": OUTCOMES}


# --- the day ----------------------------------------------------------------------------------


def _day_page(
    request: Request, runtime: Runtime, actor: Principal, status: int = 200, **extra: Any
) -> Response:
    day = queries.my_day(
        runtime.db, scope=read_scope(actor, reach=Reach.OWN), today=store_today(runtime, actor)
    )
    staff = people.everyone(runtime, actor)
    names = {person["id"]: person["name"] for person in staff if person["id"] != actor.staff_id}
    context = {**LABELS, "day": day, "names": names, "failed": None, **extra}
    return render(request, "follow_ups/day.html", context, actor=actor, status=status)


@router.get("")
def day_page(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, _: ConsistentDep
) -> Response:
    """Follow-ups overdue first (how many days), then today's and upcoming; calls due."""
    return _day_page(request, runtime, actor)


def _lead_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    lead_id: UUID,
    status: int = 200,
    **extra: Any,
) -> Response:
    context = {
        "lead_id": lead_id,
        "follow_up_on": runtime.follow_ups.next_follow_up(actor, lead_id),
        **extra,
    }
    return render(request, "follow_ups/lead.html", context, actor=actor, status=status)


@router.get("/leads/{lead_id}")
def lead_page(
    lead_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep, _: ConsistentDep
) -> Response:
    """A lead's next follow-up day, with the form to choose another."""
    return _lead_page(request, runtime, actor, lead_id)


@router.post("/leads/{lead_id}")
async def schedule(
    lead_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Choose the day of a lead's next follow-up."""
    form = await read_form(request)
    day = form.day("follow_up_on")
    if day is not None and day < store_today(runtime, actor):
        form.errors["follow_up_on"] = _("Choose today or a later day.")
    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.follow_ups.schedule_follow_up(actor, lead_id, day),  # type: ignore[arg-type]
        then=lambda _written: f"{PREFIX}/follow-ups",
        fields=("follow_up_on",),
        again=lambda errors, form_error: _lead_page(
            request,
            runtime,
            actor,
            lead_id,
            422,
            errors=errors,
            form_error=form_error,
            values=form.values,
        ),
    )


def _call_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    deal_id: UUID,
    offset: int,
    status: int = 200,
    **extra: Any,
) -> Response:
    plan = runtime.follow_ups.get_calls(actor, deal_id)
    call = plan.calls.get(offset)
    if call is None:
        raise NotFoundError("call", deal_id)
    options = [(value, _(text)) for value, text in OUTCOMES.items()]
    context = {"call": call, "deal_id": deal_id, "outcome_options": options, **extra}
    return render(request, "follow_ups/call.html", context, actor=actor, status=status)


@router.get("/calls/{deal_id}/{offset}")
def call_page(
    deal_id: UUID,
    offset: int,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _: ConsistentDep,
) -> Response:
    """One call after delivery, with the form to record how it went."""
    return _call_page(request, runtime, actor, deal_id, offset)


@router.post("/calls/{deal_id}/{offset}")
async def complete_call(
    deal_id: UUID, offset: int, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Record how a call went: reached (with a satisfaction score), not reached, rescheduled."""
    form = await read_form(request)
    outcome = form.choice("outcome", list(OUTCOMES))
    score = form.integer("score", low=0, high=100) if form.values.get("score") else None
    note = form.text("note", required=False, max_length=1000)
    reschedule_to = form.day("reschedule_to", required=False)
    if reschedule_to is not None and reschedule_to < store_today(runtime, actor):
        form.errors["reschedule_to"] = _("Choose today or a later day.")
    if outcome == CallOutcome.RESCHEDULED.value and reschedule_to is None:
        form.errors["reschedule_to"] = _("Choose the day to call again.")
    if outcome != CallOutcome.REACHED.value and score is not None:
        form.errors["score"] = _("A score is given only when the customer was reached.")
    if outcome != CallOutcome.RESCHEDULED.value and reschedule_to is not None:
        form.errors["reschedule_to"] = _("A new day is given only when the call is rescheduled.")
    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.follow_ups.complete_call(
            actor,
            deal_id,
            offset,
            outcome,
            score=score,
            note=note or None,
            reschedule_to=reschedule_to,
        ),
        then=lambda _written: f"{PREFIX}/follow-ups",
        fields=("outcome", "score", "note", "reschedule_to"),
        again=lambda errors, form_error: _call_page(
            request,
            runtime,
            actor,
            deal_id,
            offset,
            422,
            errors=errors,
            form_error=form_error,
            values=form.values,
        ),
    )


# --- the manager's overdue list ---------------------------------------------------------------


@router.get("/overdue")
def overdue_page(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, _: ConsistentDep
) -> Response:
    """Overdue follow-ups and calls per salesperson of the manager's store."""
    lines = queries.overdue_by_salesperson(
        runtime.db,
        scope=read_scope(actor, reach=Reach.OWN),
        today=store_today(runtime, actor),
    )
    names = {person["id"]: person["name"] for person in people.everyone(runtime, actor)}
    context = {"lines": lines, "names": names}
    return render(request, "follow_ups/overdue.html", context, actor=actor)


# --- the store's settings ---------------------------------------------------------------------


def _stores(runtime: Runtime, actor: Principal) -> list[dict[str, Any]]:
    """Stores whose settings the actor may choose between (a login without a store: every)."""
    if actor.store_id is not None:
        return []
    found = directory.list_stores(runtime.db, active=True, limit=100, scope=read_scope(actor))
    return list(found["items"])


def _settings_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    store_id: UUID | None,
    status: int = 200,
    **extra: Any,
) -> Response:
    stores = _stores(runtime, actor)
    chosen = store_id or actor.store_id or (stores[0]["id"] if stores else None)
    current = None if chosen is None else runtime.follow_ups.get_settings(actor, chosen)
    context = {"stores": stores, "current": current, "store_id": chosen, **extra}
    return render(request, "follow_ups/settings.html", context, actor=actor, status=status)


@router.get("/settings")
def settings_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> Response:
    """The store's default follow-up gap and call days, with the form to change them."""
    return _settings_page(request, runtime, actor, store_id)


def _offsets(form: FormReader) -> list[int]:
    """Call days typed as '1, 7, 30' (commas or spaces, either width)."""
    raw = form.text("call_offsets", max_length=100)
    parts = [p for p in raw.replace("，", ",").replace(" ", ",").split(",") if p]
    if not parts or not all(p.isdigit() for p in parts):
        form.errors["call_offsets"] = _("Enter whole days after delivery, such as 1, 7, 30.")
        return []
    return [int(p) for p in parts]


@router.post("/settings")
async def save_settings(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Save the store's follow-up gap and call days."""
    form = await read_form(request)
    store_id = actor.store_id or form.uuid("store_id")
    gap = form.integer("gap_days", low=1, high=60)
    offsets = _offsets(form)
    version = form.integer("version") if form.values.get("version") else None
    form_error = None
    if form.ok and store_id is not None:
        try:
            return await submit(
                request,
                actor.user_id,
                form,
                write=lambda: runtime.follow_ups.set_settings(
                    actor, store_id, gap, offsets, expected_version=version
                ),
                then=lambda _w: f"{PREFIX}/follow-ups/settings?store_id={store_id}",
                fields=("gap_days", "call_offsets"),
            )
        except Refused as refused:
            raise_access(refused)
            if refused.field:
                form.errors[refused.field] = refused.message
            else:
                form_error = refused.message
    return await run_in_threadpool(
        lambda: _settings_page(
            request,
            runtime,
            actor,
            store_id,
            422,
            errors=form.errors,
            form_error=form_error,
            values=form.values,
        )
    )
