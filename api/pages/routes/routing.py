"""Routing pages: a store's routing rules (the store manager's; a team leader's for the own
team), the leads routing could not give anyone, and the month's fairness report.

Every read and write is the call the JSON routes make (api/routes/routing.py) with the
signed-in principal: the routing service decides what shows and who may change what.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import FormData

from api.deps import ConsistentDep, RuntimeDep
from api.pages import people
from api.pages.forms import FormReader, Refused, raise_access, read_form, submit
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from domain.routing.decide import Why
from domain.routing.policy import MAX_CAP, MAX_WEIGHT, Mode
from domain.shared.access import ASSIGNERS, SALES_FLOOR, read_scope
from domain.shared.actor import Principal
from domain.shared.values import Channel
from projections.directory import queries as directory
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX + "/routing", include_in_schema=False)
NAV = [
    NavItem(PREFIX + "/routing", N_("Lead routing"), ASSIGNERS, order=67),
    NavItem(PREFIX + "/routing/queue", N_("Unassigned leads"), ASSIGNERS, order=68),
    NavItem(PREFIX + "/routing/fairness", N_("Routing fairness"), ASSIGNERS, order=69),
]

MODES = {
    Mode.ROUND_ROBIN.value: N_("Round robin"),
    Mode.WEIGHTED.value: N_("Weighted round robin"),
    Mode.MANUAL.value: N_("By hand (automatic routing off)"),
}
WHY = {
    Why.ROTATION.value: N_("In turn"),
    Why.NOBODY_IN_POOL.value: N_("Nobody active sells in this pool"),
    Why.NONE_ON_DUTY.value: N_("Nobody is on duty"),
    Why.ALL_AT_CAP.value: N_("Everyone holds their cap of open leads"),
    Why.ONLY_PREVIOUS_OWNER.value: N_("Only the owner it left could take it"),
}
CHANNELS = {
    Channel.WALK_IN.value: N_("Walk-in"),
    Channel.PHONE.value: N_("Phone"),
    Channel.WEBSITE.value: N_("Website"),
    Channel.MARKETPLACE.value: N_("Marketplace"),
    Channel.REFERRAL.value: N_("Referral"),
    Channel.CAMPAIGN.value: N_("Campaign"),
}
LABELS = {"modes": MODES, "why": WHY, "channels": CHANNELS}


def _stores(runtime: Runtime, actor: Principal) -> list[dict[str, Any]]:
    """Stores to choose between (a login without a store: every active one)."""
    if actor.store_id is not None:
        return []
    found = directory.list_stores(runtime.db, active=True, limit=100, scope=read_scope(actor))
    return list(found["items"])


def _store(runtime: Runtime, actor: Principal, store_id: UUID | None) -> tuple[Any, UUID | None]:
    stores = _stores(runtime, actor)
    return stores, store_id or actor.store_id or (stores[0]["id"] if stores else None)


def _sellers(runtime: Runtime, actor: Principal, store_id: UUID) -> list[dict[str, Any]]:
    roles = {r.value for r in SALES_FLOOR}
    rows = people.everyone(runtime, actor, store_id=store_id, active=True)
    return [row for row in rows if row.get("role") in roles]


# --- the rules ----------------------------------------------------------------------------------


def _rules_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    store_id: UUID | None,
    status: int = 200,
    **extra: Any,
) -> Response:
    stores, chosen = _store(runtime, actor, store_id)
    view = None if chosen is None else runtime.routing.rules_view(actor, chosen)
    sellers = [] if chosen is None else _sellers(runtime, actor, chosen)
    context = {
        **LABELS,
        "stores": stores,
        "store_id": chosen,
        "view": view,
        "sellers": sellers,
        "names": {s["id"]: s["name"] for s in sellers},
        "team_names": {t.id: t.name for t in view.all_teams} if view else {},
        "team_members": {str(t.id): list(t.everyone) for t in view.all_teams} if view else {},
        "mode_options": [(value, _(label)) for value, label in MODES.items()],
        "channel_options": [(value, _(label)) for value, label in CHANNELS.items()],
        "max_weight": MAX_WEIGHT,
        "max_cap": MAX_CAP,
        "failed": None,
        **extra,
    }
    return render(request, "routing/rules.html", context, actor=actor, status=status)


@router.get("")
def rules_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> Response:
    """The store's routing rules, with the forms the signed-in person may use."""
    return _rules_page(request, runtime, actor, store_id)


def _policy_fields(form: FormReader, sellers: list[dict[str, Any]]) -> dict[str, Any]:
    mode = form.choice("mode", tuple(MODES))
    cap = (
        form.integer("cap", required=False, low=1, high=MAX_CAP) if form.values.get("cap") else None
    )
    weights: dict[UUID, int] = {}
    for seller in sellers:
        name = f"weight_{seller['id']}"
        if form.values.get(name):
            weights[seller["id"]] = form.integer(name, low=1, high=MAX_WEIGHT)
    return {
        "mode": mode,
        "weights": weights,
        "on_duty_only": form.flag("on_duty_only"),
        "cap": cap,
        "fallback_id": form.uuid("fallback_id", required=False),
    }


async def _write(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    form: FormReader,
    store_id: UUID | None,
    write: Any,
    fields: tuple[str, ...],
) -> Response:
    form_error = None
    if form.ok and store_id is not None:
        try:
            return await submit(
                request,
                actor.user_id,
                form,
                write=write,
                then=lambda _w: f"{PREFIX}/routing?store_id={store_id}",
                fields=fields,
            )
        except Refused as refused:
            raise_access(refused)
            if refused.field and refused.field in fields:
                form.errors[refused.field] = refused.message
            else:
                form_error = refused.message
    return await run_in_threadpool(
        lambda: _rules_page(
            request,
            runtime,
            actor,
            store_id,
            422,
            errors=form.errors,
            form_error=form_error,
            values=form.values,
            failed=form.values.get("team_id") or "store",
        )
    )


@router.post("/policy")
async def save_policy(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Save the store's policy, or a team's (hidden team_id)."""
    form = await read_form(request)
    store_id = actor.store_id or form.uuid("store_id")
    team_id = form.uuid("team_id", required=False)
    sellers = [] if store_id is None else _sellers(runtime, actor, store_id)
    data = _policy_fields(form, sellers)

    def write() -> Any:
        assert store_id is not None
        if team_id is None:
            return runtime.routing.set_store_policy(actor, store_id, **data)
        return runtime.routing.set_team_policy(actor, store_id, team_id, **data)

    fields = ("mode", "cap", "fallback_id", "weights")
    return await _write(request, runtime, actor, form, store_id, write, fields)


@router.post("/matches")
async def save_matches(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Add a match rule (a channel and/or brand or model to a team), or remove one."""
    form = await read_form(request)
    store_id = actor.store_id or form.uuid("store_id")
    current = [] if store_id is None else runtime.routing.get_rules(actor, store_id).match_rules
    items = [m.as_event() | {"team_id": m.team_id} for m in current]
    remove = form.values.get("remove")
    if remove is not None:
        try:
            del items[int(remove)]
        except (ValueError, IndexError):
            form.errors["remove"] = _("Choose one from the list.")
    else:
        team_id = form.uuid("match_team_id")
        channel = form.choice("match_channel", tuple(CHANNELS), required=False) or None
        interest = form.text("match_interest", required=False, max_length=40) or None
        items.append({"team_id": team_id, "channel": channel, "interest": interest})

    def write() -> Any:
        assert store_id is not None
        return runtime.routing.set_matches(actor, store_id, items)

    fields = ("match_team_id", "match_channel", "match_interest", "channel", "interest")
    return await _write(request, runtime, actor, form, store_id, write, fields)


# --- the queue ----------------------------------------------------------------------------------


def _queue_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    store_id: UUID | None,
    status: int = 200,
    **extra: Any,
) -> Response:
    stores, chosen = _store(runtime, actor, store_id)
    items = [] if chosen is None else runtime.routing.queue(actor, chosen)
    sellers = [] if chosen is None else _sellers(runtime, actor, chosen)
    context = {
        **LABELS,
        "stores": stores,
        "store_id": chosen,
        "items": items,
        "sellers": [(s["id"], s["name"]) for s in sellers],
        "failed": None,
        **extra,
    }
    return render(request, "routing/queue.html", context, actor=actor, status=status)


@router.get("/queue")
def queue_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> Response:
    """Leads routing could not give anyone, with why, and a form to assign each."""
    return _queue_page(request, runtime, actor, store_id)


@router.post("/queue/{lead_id}")
async def assign(
    lead_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Give a queued lead to a salesperson."""
    form = await read_form(request)
    store_id = actor.store_id or form.uuid("store_id")
    salesperson_id = form.uuid("salesperson_id")
    form_error = None
    if form.ok and salesperson_id is not None:
        try:
            return await submit(
                request,
                actor.user_id,
                form,
                write=lambda: runtime.leads.assign_lead(actor, lead_id, salesperson_id),
                then=lambda _w: f"{PREFIX}/routing/queue?store_id={store_id}",
                fields=("salesperson_id",),
            )
        except Refused as refused:
            raise_access(refused)
            form_error = refused.message
    return await run_in_threadpool(
        lambda: _queue_page(
            request,
            runtime,
            actor,
            store_id,
            422,
            errors=form.errors,
            form_error=form_error,
            values=form.values,
            failed=str(lead_id),
        )
    )


# --- fairness -----------------------------------------------------------------------------------


@router.get("/fairness")
def fairness_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
    month: str | None = None,
) -> Response:
    """Per salesperson for a month: leads offered, due and received, weight, time on duty."""
    stores, chosen = _store(runtime, actor, store_id)
    form = FormReader(FormData({"month": month or ""}))
    if month:
        form.month("month")
    report = None
    if chosen is not None and form.ok:
        report = runtime.routing.fairness(actor, chosen, month or None)
    context = {
        "stores": stores,
        "store_id": chosen,
        "report": report,
        "errors": form.errors,
        # The month shown: the one asked for, else the report's (this month).
        "values": form.values if month else {"month": report.month if report else ""},
    }
    status = 200 if form.ok else 422
    return render(request, "routing/fairness.html", context, actor=actor, status=status)
