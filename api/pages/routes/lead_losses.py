"""Lost leads on the pages: a salesperson requests a loss from the lead page; a manager's queue
of losses to approve (approve, reject with a comment, record the spot-check call, reopen a lost
lead, the store's spot-check setting); the loss-reason report with its chart.

The same service (domain/leads/losses.py) and queries (projections/lead_losses) as the JSON
routes POST /leads/{id}/loss-request ..., GET /lead-losses/pending and GET /reports/loss-reasons;
the services decide who may (domain/shared/access.py: LOSS_APPROVERS, LOSS_READERS).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import ConsistentDep, PageDep, RuntimeDep
from api.pages import people
from api.pages.forms import FormReader, read_form, run_command
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.routes import floor
from api.pages.routes.loss_words import OUTCOMES, reason_label
from api.pages.session import PREFIX, PageActorDep
from domain.leads.losses import LeadLosses
from domain.leads.model import LossReason, SpotCheckOutcome
from domain.shared.access import LOSS_APPROVERS, LOSS_READERS, Reach, read_scope
from domain.shared.actor import Principal
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, now
from domain.shared.errors import DomainError, NotFoundError
from projections.directory import queries as directory
from projections.lead_losses import queries as losses
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = [
    NavItem(PREFIX + "/losses", N_("Losses to approve"), LOSS_APPROVERS, order=62),
    NavItem(PREFIX + "/losses/report", N_("Loss reasons"), LOSS_READERS, order=63),
]

GROUPINGS = {
    "store": N_("Store"),
    "model": N_("Model of interest"),
    "salesperson": N_("Salesperson"),
}
ACTIONS = ("approve", "reject", "spot-check", "reopen")


def service(runtime: Runtime) -> LeadLosses:
    return LeadLosses(runtime.app)


# --- the lead page: the request form --------------------------------------------------------------


@router.post("/leads/{lead_id}/loss-request")
async def request_loss(
    lead_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Ask the manager to close the lead as lost: reason, competitor and a note."""
    form = await read_form(request)
    reason = form.choice("reason", [r.value for r in LossReason])
    competitor = form.text("competitor", required=False, max_length=80)
    note = form.text("loss_note", required=reason == LossReason.OTHER, max_length=1000)
    return await floor._lead_write(
        request,
        runtime,
        actor,
        lead_id,
        form,
        "loss",
        lambda: service(runtime).request_loss(
            actor, lead_id, reason, competitor or None, note or None
        ),
        ("reason", "competitor", "loss_note"),
    )


# --- the manager's queue ------------------------------------------------------------------------


def _month_now(runtime: Runtime, actor: Principal, store_id: UUID | None) -> str:
    zone = DEFAULT_TIMEZONE
    if store_id is not None:
        zone = runtime.organisation.get_store(actor, store_id).timezone
    return business_day(now(), zone).strftime("%Y-%m")


def _queue_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    offset: int = 0,
    limit: int = 50,
    *,
    status: int = 200,
    failed: str | None = None,
    action: str | None = None,
    form: FormReader | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
) -> Response:
    scope = read_scope(actor, reach=Reach.OWN)
    pending = losses.pending(runtime.db, scope=scope, now=now(), limit=limit, offset=offset)
    month = _month_now(runtime, actor, scope.store_id)
    lost = losses.lost_leads(runtime.db, scope=scope, month=month, limit=20)
    policy = None
    if scope.store_id is not None:
        policy = losses.spot_check_required(runtime.db, scope.store_id)
    return render(
        request,
        "lead_losses/queue.html",
        {
            "pending": pending["items"],
            "total": pending["total"],
            "lost": lost["items"],
            "month": month,
            "people": people.names(runtime, actor, role="salesperson"),
            "reason_label": reason_label,
            "outcomes": [(o.value, _(label)) for o, label in OUTCOMES.items()],
            "outcome_labels": {o.value: _(label) for o, label in OUTCOMES.items()},
            "policy": policy,
            "store_id": scope.store_id,
            "failed": failed,
            "action": action,
            "errors": errors if errors is not None else ({} if form is None else form.errors),
            "values": {} if form is None else form.values,
            "form_error": form_error,
            "offset": offset,
            "limit": limit,
        },
        actor=actor,
        status=status,
    )


@router.get("/losses")
def queue(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    page: PageDep,
    _position: ConsistentDep,
) -> Response:
    """Losses waiting for approval, oldest first with their age; this month's lost leads."""
    return _queue_page(request, runtime, actor, page.offset, page.limit)


@router.post("/losses/{lead_id}/{action}")
async def decide(
    lead_id: UUID, action: str, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Approve, reject (a comment is required), record the spot-check call, or reopen."""
    form = await read_form(request)
    losses_service = service(runtime)
    fields: tuple[str, ...] = ()
    if action == "approve":
        write: Any = lambda: losses_service.approve_loss(actor, lead_id)  # noqa: E731
    elif action == "reject":
        comment = form.text("comment", max_length=1000)
        write = lambda: losses_service.reject_loss(actor, lead_id, comment)  # noqa: E731
        fields = ("comment",)
    elif action == "spot-check":
        outcome = form.choice("outcome", [o.value for o in SpotCheckOutcome])
        note = form.text("note", required=False, max_length=1000)
        write = lambda: losses_service.record_spot_check(  # noqa: E731
            actor, lead_id, outcome, note or None
        )
        fields = ("outcome", "note")
    elif action == "reopen":
        reason = form.text("reason", max_length=1000)
        write = lambda: losses_service.reopen_lead(actor, lead_id, reason)  # noqa: E731
        fields = ("reason",)
    else:
        raise NotFoundError("page", action)
    return await run_command(
        request,
        actor.user_id,
        form,
        write=write,
        then=lambda _written: f"{PREFIX}/losses",
        fields=fields,
        again=lambda errors, form_error: _queue_page(
            request,
            runtime,
            actor,
            status=422,
            failed=str(lead_id),
            action=action,
            form=form,
            errors=errors,
            form_error=form_error,
        ),
    )


@router.post("/losses/policy")
async def set_policy(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """The store's setting: a spot-check call before any loss is approved."""
    form = await read_form(request)
    required = form.flag("spot_check_required")
    store_id = actor.store_id
    if store_id is None:
        raise DomainError("choose a store first")
    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: service(runtime).set_spot_check(actor, store_id, required),
        then=lambda _written: f"{PREFIX}/losses",
        again=lambda _errors, form_error: _queue_page(
            request, runtime, actor, status=422, failed="policy", form_error=form_error
        ),
    )


# --- the loss-reason report --------------------------------------------------------------------


def reasons_chart(answer: dict[str, Any], labels: dict[Any, str]) -> dict[str, Any]:
    """Stacked bars: a bar per store, model or salesperson, a colour per reason."""
    reasons = sorted(answer["reasons"])
    groups = answer["groups"]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 40, "right": 12, "bottom": 60, "top": 40},
        "xAxis": {
            "type": "category",
            "data": [labels.get(g["key"], g["key"] or "—") for g in groups],
            "axisLabel": {"interval": 0, "rotate": 30},
        },
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": reason_label(reason),
                "type": "bar",
                "stack": "losses",
                "data": [
                    next((r["count"] for r in g["reasons"] if r["reason"] == reason), 0)
                    for g in groups
                ],
            }
            for reason in reasons
        ],
    }


@router.get("/losses/report")
def report(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    month: str | None = None,
    by: str = "store",
    store_id: UUID | None = None,
) -> Response:
    """Leads lost in a month (at approval) by reason, per store, model or salesperson."""
    by = by if by in GROUPINGS else "store"
    scope = read_scope(actor, store_id=store_id)
    scope.ensure_visible()
    chosen = month or _month_now(runtime, actor, scope.store_id)
    answer = losses.loss_reasons(runtime.db, chosen, by, scope=scope)
    labels: dict[Any, str] = {}
    if by == "store":
        stores = directory.list_stores(runtime.db, limit=100, scope=read_scope(actor))
        labels = {str(s["id"]): s["name"] for s in stores["items"]}
    elif by == "salesperson":
        labels = {str(k): v for k, v in people.names(runtime, actor, role="salesperson").items()}
    return render(
        request,
        "lead_losses/report.html",
        {
            "answer": answer,
            "month": chosen,
            "by": by,
            "groupings": [(key, _(label)) for key, label in GROUPINGS.items()],
            "by_label": _(GROUPINGS[by]),
            "labels": labels,
            "reason_label": reason_label,
            "chart": reasons_chart(answer, labels),
            "charts": bool(answer["groups"]),
        },
        actor=actor,
    )
