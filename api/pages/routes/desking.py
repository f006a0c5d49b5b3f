"""The deal desk on the pages (docs/desking.md): on the deal page, a salesperson asks for
approval, sets the down payment, places and cancels the order; the approvers' queue (approve
with a note, refuse with a reason) and the salesperson's own requests; the store's approval
rules.

The same service (domain/sales/desk.py) and queries (projections/deal_approvals) as the JSON
routes; the services decide who may (domain/shared/access.py: DEAL_APPROVERS ...).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import ConsistentDep, PageDep, RuntimeDep
from api.pages import people
from api.pages.forms import FormReader, Refused, raise_access, read_form, submit
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.routes import deals
from api.pages.routes.desk_words import LEVELS, REASONS, STATES, level_label
from api.pages.session import PREFIX, PageActorDep
from domain.sales.desk import Desk, queue_levels
from domain.sales.desking import MAX_FLOOR_MODELS, ApprovalLevel, ApprovalRules
from domain.shared.access import (
    APPROVAL_POLICY_SETTERS,
    APPROVAL_READERS,
    Reach,
    read_scope,
)
from domain.shared.actor import Principal
from domain.shared.clock import now
from domain.shared.errors import NotFoundError
from projections.deal_approvals import queries as approvals
from projections.directory import queries as directory
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = [
    NavItem(PREFIX + "/approvals", N_("Discount approvals"), APPROVAL_READERS, order=64),
    NavItem(PREFIX + "/approvals/rules", N_("Approval rules"), APPROVAL_POLICY_SETTERS, order=65),
]


def service(runtime: Runtime) -> Desk:
    return Desk(runtime.app)


# --- the deal page's desk forms ------------------------------------------------------------------


@router.post("/deals/{deal_id}/approval-request")
async def request_approval(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Ask for approval of the quote, with a note for the approver."""

    def read(form: FormReader, version: int | None) -> Any:
        note = form.text("approval_note", required=False, max_length=500) or None
        if not form.ok:
            return None
        return lambda: service(runtime).request_approval(actor, deal_id, note, version)

    return await deals._step(request, runtime, actor, deal_id, "approval", read, ("approval_note",))


@router.post("/deals/{deal_id}/structure")
async def set_structure(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """The down payment; the rest of the selling price is financed."""

    def read(form: FormReader, version: int | None) -> Any:
        down = form.money("down_payment")
        if not form.ok or down is None:
            return None
        return lambda: service(runtime).set_structure(actor, deal_id, down, version)

    return await deals._step(request, runtime, actor, deal_id, "structure", read, ("down_payment",))


@router.post("/deals/{deal_id}/order")
async def place_order(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """The customer's order (订单) with a deposit."""

    def read(form: FormReader, version: int | None) -> Any:
        deposit = form.money("deposit")
        if deposit is not None and deposit <= 0:
            form.errors["deposit"] = _("The deposit must be more than zero.")
        if not form.ok or deposit is None:
            return None
        return lambda: service(runtime).place_order(actor, deal_id, deposit, version)

    return await deals._step(request, runtime, actor, deal_id, "order", read, ("deposit",))


@router.post("/deals/{deal_id}/order-cancellation")
async def cancel_order(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Cancel the order with its reason: the deal closes, the car goes back to stock."""

    def read(form: FormReader, version: int | None) -> Any:
        reason = form.text("order_reason", max_length=500)
        if not form.ok:
            return None
        return lambda: service(runtime).cancel_order(actor, deal_id, reason, version)

    return await deals._step(
        request, runtime, actor, deal_id, "order-cancellation", read, ("order_reason",)
    )


# --- the approvers' queue ------------------------------------------------------------------------


def _queue_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    offset: int = 0,
    limit: int = 50,
    *,
    status: int = 200,
    failed: str | None = None,
    form: FormReader | None = None,
    form_error: str | None = None,
) -> Response:
    scope = read_scope(actor, reach=Reach.OWN)
    moment = now()
    pending = approvals.pending(
        runtime.db,
        scope=scope,
        levels=queue_levels(actor),
        now=moment,
        limit=limit,
        offset=offset,
    )
    recent = approvals.requests(runtime.db, scope=scope, now=moment, limit=20)
    return render(
        request,
        "desking/queue.html",
        {
            "pending": pending["items"],
            "total": pending["total"],
            "recent": recent["items"],
            "people": people.names(runtime, actor, role="salesperson"),
            "level_label": level_label,
            "reason_labels": REASONS,
            "state_labels": STATES,
            "failed": failed,
            "errors": {} if form is None else form.errors,
            "values": {} if form is None else form.values,
            "form_error": form_error,
            "offset": offset,
            "limit": limit,
        },
        actor=actor,
        status=status,
    )


@router.get("/approvals")
def queue(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    page: PageDep,
    _position: ConsistentDep,
) -> Response:
    """Quotes waiting for approval at the reader's level and below; the recent requests."""
    return _queue_page(request, runtime, actor, page.offset, page.limit)


@router.post("/approvals/{deal_id}/{action}")
async def decide(
    deal_id: UUID, action: str, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Approve (a note is optional) or refuse (a reason is required)."""
    form = await read_form(request)
    desk = service(runtime)
    write: Callable[[], Any]
    if action == "approve":
        note = form.text("note", required=False, max_length=500) or None
        fields: tuple[str, ...] = ("note",)

        def write() -> Any:
            return desk.approve(actor, deal_id, note)
    elif action == "refuse":
        reason = form.text("reason", max_length=500)
        fields = ("reason",)

        def write() -> Any:
            return desk.refuse(actor, deal_id, reason)
    else:
        raise NotFoundError("page", action)
    form_error = None
    if form.ok:
        try:
            return await submit(
                request,
                actor.user_id,
                form,
                write=write,
                then=lambda _written: f"{PREFIX}/approvals",
                fields=fields,
            )
        except Refused as refused:
            raise_access(refused)
            if refused.field:
                form.errors[refused.field] = refused.message
            else:
                form_error = deals._explained(refused)
    return await run_in_threadpool(
        lambda: _queue_page(
            request,
            runtime,
            actor,
            status=422,
            failed=f"{deal_id}-{action}",
            form=form,
            form_error=form_error,
        )
    )


# --- the store's rules ---------------------------------------------------------------------------


def _store_of(runtime: Runtime, actor: Principal, store_id: UUID | None) -> UUID | None:
    """The store a page is about: the manager's own; a group role's choice, else the first."""
    if actor.store_id is not None:
        return actor.store_id
    if store_id is not None:
        return store_id
    stores = directory.list_stores(runtime.db, active=True, limit=1, scope=read_scope(actor))
    return stores["items"][0]["id"] if stores["items"] else None


def _stores(runtime: Runtime, actor: Principal) -> list[dict[str, Any]]:
    if actor.store_id is not None:
        return []
    found = directory.list_stores(runtime.db, active=True, limit=100, scope=read_scope(actor))
    items: list[dict[str, Any]] = found["items"]
    return items


def _percent(share: Decimal | None) -> str:
    return "" if share is None else f"{(share * 100).normalize():f}"


def _floor_lines(rules: ApprovalRules) -> str:
    lines = sorted(rules.floor_prices.items())
    return "\n".join(f"{model}: {price.normalize():f}" for model, price in lines)


def _rules_values(rules: ApprovalRules) -> dict[str, str]:
    return {
        "discount_team_leader": _percent(rules.discount_team_leader),
        "discount_manager": _percent(rules.discount_manager),
        "discount_general_manager": _percent(rules.discount_general_manager),
        "floor_level": rules.floor_level.value,
        "floor_prices": _floor_lines(rules),
        "loss_level": rules.loss_level.value,
        "loss_rule": "on" if rules.loss_rule else "",
    }


def _rules_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    store_id: UUID | None,
    status: int = 200,
    form: FormReader | None = None,
    form_error: str | None = None,
) -> Response:
    chosen = _store_of(runtime, actor, store_id)
    rules = service(runtime).get_rules(actor, chosen) if chosen is not None else None
    return render(
        request,
        "desking/rules.html",
        {
            "stores": _stores(runtime, actor),
            "store_id": chosen,
            "rules": rules,
            "levels": [(level.value, _(LEVELS[level.value])) for level in ApprovalLevel],
            "errors": {} if form is None else form.errors,
            "values": (
                form.values
                if form is not None
                else (_rules_values(rules) if rules is not None else {})
            ),
            "form_error": form_error,
        },
        actor=actor,
        status=status,
    )


@router.get("/approvals/rules")
def rules_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    store_id: UUID | None = None,
) -> Response:
    """The store's approval levels and thresholds."""
    return _rules_page(request, runtime, actor, store_id)


def _share(form: FormReader, name: str) -> Decimal | None:
    """A percentage typed on the form (5 or 5.5), as a share of list price (0.05)."""
    raw = form.values.get(name, "").strip().rstrip("%").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except ArithmeticError:
        value = Decimal(-1)
    if not value.is_finite() or not 0 < value < 100 or value != round(value, 2):
        form.errors[name] = _("Give a percentage above 0 and below 100, at most two decimals.")
        return None
    return value / 100


def _floors(form: FormReader) -> dict[str, Decimal]:
    """One "model: price" per line."""
    floors: dict[str, Decimal] = {}
    lines = [ln.strip() for ln in form.values.get("floor_prices", "").splitlines() if ln.strip()]
    if len(lines) > MAX_FLOOR_MODELS:
        form.errors["floor_prices"] = _("At most %(n)s models.", n=MAX_FLOOR_MODELS)
        return {}
    for line in lines:
        model, sep, price = line.rpartition(":")
        try:
            amount = Decimal(price.strip().replace(",", ""))
        except ArithmeticError:
            amount = Decimal(-1)
        if not sep or not model.strip() or not amount.is_finite() or amount <= 0:
            form.errors["floor_prices"] = _(
                "Write one model and its floor price per line, as Han: 190000 (%(line)s)",
                line=line[:60],
            )
            return {}
        floors[model.strip()] = amount
    return floors


@router.post("/approvals/rules")
async def set_rules(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Set the store's rules (PUT /stores/{id}/approval-rules)."""
    form = await read_form(request)
    store_id = actor.store_id or form.uuid("store_id")
    shares = {
        name: _share(form, name)
        for name in ("discount_team_leader", "discount_manager", "discount_general_manager")
    }
    levels = [level.value for level in ApprovalLevel]
    floor_level = form.choice("floor_level", levels)
    loss_level = form.choice("loss_level", levels)
    floors = _floors(form)
    loss_rule = form.flag("loss_rule")
    form_error = None
    if form.ok and store_id is not None:
        try:
            return await submit(
                request,
                actor.user_id,
                form,
                write=lambda: service(runtime).set_rules(
                    actor,
                    store_id,
                    shares["discount_team_leader"],
                    shares["discount_manager"],
                    shares["discount_general_manager"],
                    floor_level,
                    floors,
                    loss_level,
                    loss_rule,
                ),
                then=lambda _w: f"{PREFIX}/approvals/rules?store_id={store_id}&saved=1",
            )
        except Refused as refused:
            raise_access(refused)
            form_error = refused.message
    return await run_in_threadpool(
        _rules_page, request, runtime, actor, store_id, 422, form, form_error
    )
