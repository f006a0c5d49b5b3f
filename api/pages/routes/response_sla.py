"""Response times: the month's first-response buckets and breach rates per store, team and
salesperson, and the store's response limits per channel.

Every read and write is the call the JSON routes make (api/routes/response_sla.py) with the
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
from api.pages.forms import FormReader, Refused, raise_access, read_form, submit
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from domain.shared.access import MANAGERS, ensure_role, read_scope
from domain.shared.actor import Principal, Role
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, now
from domain.shared.values import Channel
from domain.sla.model import BUCKETS, DEFAULT
from domain.sla.service import SLA_READERS
from projections.directory import queries as directory
from projections.response_sla import queries
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX + "/response-sla", include_in_schema=False)
REPORT_READERS = (Role.ADMIN, Role.GROUP_EXEC, Role.STORE_MANAGER, Role.TEAM_LEADER)
NAV = [
    NavItem(PREFIX + "/response-sla", N_("Response times"), REPORT_READERS, order=67),
    NavItem(PREFIX + "/response-sla/settings", N_("Response limits"), MANAGERS, order=68),
]

BUCKET_LABELS = {
    "0-5m": N_("0–5 min"),
    "5-30m": N_("5–30 min"),
    "30-60m": N_("30–60 min"),
    "1-4h": N_("1–4 h"),
    "over-4h": N_("Over 4 h"),
}
CHANNEL_LABELS = {
    DEFAULT: N_("Every other channel"),
    Channel.WALK_IN.value: N_("Walk-in"),
    Channel.PHONE.value: N_("Phone"),
    Channel.WEBSITE.value: N_("Website"),
    Channel.MARKETPLACE.value: N_("Marketplace"),
    Channel.REFERRAL.value: N_("Referral"),
    Channel.CAMPAIGN.value: N_("Campaign"),
}
STAGES = ("warn", "limit", "reassign")


def _month_now(runtime: Runtime, actor: Principal, store_id: UUID | None) -> str:
    zone = DEFAULT_TIMEZONE
    if store_id is not None:
        zone = runtime.organisation.get_store(actor, store_id).timezone
    return business_day(now(), zone).strftime("%Y-%m")


# --- the report -------------------------------------------------------------------------------


@router.get("")
def report_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    month: str | None = None,
    store_id: UUID | None = None,
) -> Response:
    """The month's first-response buckets and breach rates per store, team and salesperson."""
    ensure_role(actor, *SLA_READERS)
    scope = read_scope(actor, store_id=store_id)
    scope.ensure_visible()
    chosen = month or _month_now(runtime, actor, scope.store_id)
    answer = queries.response_report(runtime.db, chosen, scope=scope)
    stores = directory.list_stores(runtime.db, limit=100, scope=read_scope(actor))
    labels: dict[str, str] = {str(s["id"]): s["name"] for s in stores["items"]}
    labels |= {str(k): v for k, v in people.names(runtime, actor, role="salesperson").items()}
    return render(
        request,
        "response_sla/report.html",
        {
            "answer": answer,
            "month": chosen,
            "labels": labels,
            "buckets": [(b.value, _(BUCKET_LABELS[b.value])) for b in BUCKETS],
        },
        actor=actor,
    )


# --- the store's limits -----------------------------------------------------------------------


def _stores(runtime: Runtime, actor: Principal) -> list[dict[str, Any]]:
    """Stores whose limits the actor may choose between (a login without a store: every)."""
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
    current = None if chosen is None else runtime.response_sla.get_policy(actor, chosen)
    context = {
        "stores": stores,
        "current": current,
        "store_id": chosen,
        "channels": [(key, _(label)) for key, label in CHANNEL_LABELS.items()],
        **extra,
    }
    return render(request, "response_sla/settings.html", context, actor=actor, status=status)


@router.get("/settings")
def settings_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> Response:
    """The store's response limits per channel, with the form to change them."""
    return _settings_page(request, runtime, actor, store_id)


def _rules(form: FormReader) -> dict[str, dict[str, int]]:
    """The default rule (required) and each channel's own (all three minutes, or none)."""
    chosen: dict[str, dict[str, int]] = {}
    for key in CHANNEL_LABELS:
        names = [f"{key}_{stage}" for stage in STAGES]
        given = [bool(str(form.values.get(n, "")).strip()) for n in names]
        if key != DEFAULT and not any(given):
            continue  # the channel follows the default rule
        warn, limit, second = (form.integer(n, low=1, high=1440) for n in names)
        if form.ok:
            chosen[key] = {
                "limit_minutes": limit,
                "warn_minutes": warn,
                "reassign_minutes": second,
            }
    return chosen


@router.post("/settings")
async def save_settings(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Save the store's response limits per channel."""
    form = await read_form(request)
    store_id = actor.store_id or form.uuid("store_id")
    rules = _rules(form)
    version = form.integer("version") if form.values.get("version") else None
    form_error = None
    if form.ok and store_id is not None:
        try:
            return await submit(
                request,
                actor.user_id,
                form,
                write=lambda: runtime.response_sla.set_policy(
                    actor, store_id, rules, expected_version=version
                ),
                then=lambda _w: f"{PREFIX}/response-sla/settings?store_id={store_id}",
                fields=(),
            )
        except Refused as refused:
            raise_access(refused)
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
