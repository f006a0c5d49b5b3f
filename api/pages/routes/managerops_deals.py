"""The manager's deal desk: split a deal's credit between salespeople, unwind a delivered deal.

Reads and writes go through `Sales` and the directory queries exactly as POST /deals/{id}/credits,
POST /deals/{id}/unwind and GET /deals do; the services decide who may (managers, their store).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
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
from api.pages.session import PREFIX, PageActorDep
from domain.sales.errors import DealCreditSharesError
from domain.sales.model import BEFORE_DELIVERY, MAX_CREDITS, Deal, DealStatus
from domain.shared.access import MANAGERS, Reach, read_scope
from domain.shared.actor import Principal
from projections.directory import queries as directory
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = [
    NavItem(PREFIX + "/credits", N_("Split credits"), MANAGERS, order=60),
    NavItem(PREFIX + "/unwinds", N_("Unwinds"), MANAGERS, order=61),
]

STATUS_LABELS = {
    DealStatus.OPEN: N_("Open"),
    DealStatus.QUOTED: N_("Quoted"),
    DealStatus.CONTRACTED: N_("Contracted"),
    DealStatus.DELIVERED: N_("Delivered"),
    DealStatus.UNWOUND: N_("Unwound"),
    DealStatus.CANCELLED: N_("Cancelled"),
}
SPLITTABLE = tuple(str(status) for status in BEFORE_DELIVERY)
SHARE_ROWS = range(MAX_CREDITS)

# The service's refusals of a split, worded for a manager in their language.
_SHARE_REFUSALS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^shares sum to"), N_("The shares must add up to exactly 1: one whole deal.")),
    (re.compile(r"appears twice"), N_("A salesperson appears twice.")),
    (re.compile(r"must keep a share"), N_("The deal's own salesperson must keep a share.")),
    (re.compile(r"more than two decimals"), N_("A share has at most two decimal places.")),
    (re.compile(r"not above 0"), N_("Each share is above 0 and at most 1.")),
    (re.compile(r"credited to 1 to"), N_("Credit the deal to 1 to 4 salespeople.")),
)


def status_label(status: str) -> str:
    return _(STATUS_LABELS[DealStatus(status)])


def _people(runtime: Runtime, actor: Principal, store_id: UUID | None) -> dict[UUID, str]:
    """Salespeople the actor may see (of one store when given): id → name."""
    return people.names(runtime, actor, store_id=store_id, role="salesperson")


def _share_refusal(error: Refused) -> str:
    cause = error.__cause__
    if isinstance(cause, DealCreditSharesError):
        for pattern, message in _SHARE_REFUSALS:
            if pattern.search(cause.detail):
                return _(message)
    return error.message


# --- credits ------------------------------------------------------------------------------------


@router.get("/credits")
def deals_to_credit(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    page: PageDep,
    _position: ConsistentDep,
    status: str = "contracted",
) -> Response:
    """Deals not yet delivered (their credit may still be split), newest first."""
    status = status if status in SPLITTABLE else "contracted"
    result = directory.list_deals(
        runtime.db,
        scope=read_scope(actor, reach=Reach.OWN),
        status=status,
        limit=page.limit,
        offset=page.offset,
    )
    return render(
        request,
        "managerops/deals_to_credit.html",
        {
            "deals": result["items"],
            "total": result["total"],
            "people": _people(runtime, actor, None),
            "status": status,
            "statuses": [(s, status_label(s)) for s in SPLITTABLE],
            "status_label": status_label,
            "offset": page.offset,
            "limit": page.limit,
        },
        actor=actor,
    )


def _credits_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    deal: Deal,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    status: int = 200,
) -> Response:
    people = _people(runtime, actor, deal.store_id)
    if values is None:
        values = {}
        for n, (person, share) in enumerate(deal.credits.items()):
            values[f"salesperson_{n}"] = str(person)
            values[f"share_{n}"] = str(share)
    return render(
        request,
        "managerops/credits.html",
        {
            "deal": deal,
            "credits": [(people.get(p, str(p)), share) for p, share in deal.credits.items()],
            "seller": people.get(deal.salesperson_id, str(deal.salesperson_id)),
            "choices": sorted(((str(i), name) for i, name in people.items()), key=lambda c: c[1]),
            "rows": SHARE_ROWS,
            "status_label": status_label,
            "splittable": str(deal.status) in SPLITTABLE,
            "values": values,
            "errors": errors or {},
            "form_error": form_error,
        },
        actor=actor,
        status=status,
    )


@router.get("/deals/{deal_id}/credits")
def credits_page(
    deal_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """A deal's credit: who sold it, in what shares; a manager changes the split."""
    deal = runtime.sales.get_deal(actor, deal_id)  # the actor's read scope: 404 / 403
    return _credits_page(request, runtime, actor, deal)


def _read_credits(form: FormReader) -> list[tuple[UUID, Decimal]]:
    """The filled rows of the split form; each half-filled row gets its message."""
    credits: list[tuple[UUID, Decimal]] = []
    for n in SHARE_ROWS:
        person_field, share_field = f"salesperson_{n}", f"share_{n}"
        person_raw = form.values.get(person_field, "").strip()
        share_raw = form.values.get(share_field, "").strip()
        if not person_raw and not share_raw:
            continue
        person = form.uuid(person_field)
        share: Decimal | None = None
        if not share_raw:
            form.errors[share_field] = _("This field is required.")
        else:
            try:
                share = Decimal(share_raw)
            except InvalidOperation:
                form.errors[share_field] = _("Enter a share such as 0.5.")
        if person is not None and share is not None and share.is_finite():
            credits.append((person, share))
    if not credits and not form.errors:
        form.errors["salesperson_0"] = _("This field is required.")
    return credits


@router.post("/deals/{deal_id}/credits")
async def split_credit(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Split the deal's credit (POST /deals/{id}/credits): shares that make one deal."""
    form = await read_form(request)
    credits = _read_credits(form)
    if not form.ok:
        deal = await run_in_threadpool(runtime.sales.get_deal, actor, deal_id)
        return await run_in_threadpool(
            _credits_page,
            request,
            runtime,
            actor,
            deal,
            values=form.values,
            errors=form.errors,
            status=422,
        )
    try:
        return await submit(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.sales.split_credit(actor, deal_id, credits),
            then=lambda written: f"{PREFIX}/deals/{deal_id}/credits",
        )
    except Refused as refused:
        raise_access(refused)
        deal = await run_in_threadpool(runtime.sales.get_deal, actor, deal_id)
        return await run_in_threadpool(
            _credits_page,
            request,
            runtime,
            actor,
            deal,
            values=form.values,
            form_error=_share_refusal(refused),
            status=422,
        )


# --- unwinds ------------------------------------------------------------------------------------


@router.get("/unwinds")
def unwinds(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    page: PageDep,
    _position: ConsistentDep,
) -> Response:
    """The store's unwound deals, and its delivered deals that could be unwound."""
    scope = read_scope(actor, reach=Reach.OWN)
    unwound = directory.list_deals(
        runtime.db, scope=scope, status="unwound", limit=page.limit, offset=page.offset
    )
    delivered = directory.list_deals(runtime.db, scope=scope, status="delivered", limit=10)
    return render(
        request,
        "managerops/unwinds.html",
        {
            "unwound": unwound["items"],
            "delivered": delivered["items"],
            "people": _people(runtime, actor, None),
            "offset": page.offset,
            "limit": page.limit,
        },
        actor=actor,
    )


def _unwind_page(
    request: Request,
    actor: Principal,
    deal: Deal,
    runtime: Runtime,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    status: int = 200,
) -> Response:
    people = _people(runtime, actor, deal.store_id)
    return render(
        request,
        "managerops/unwind.html",
        {
            "deal": deal,
            "seller": people.get(deal.salesperson_id, str(deal.salesperson_id)),
            "status_label": status_label,
            "delivered": deal.status is DealStatus.DELIVERED,
            "values": values or {},
            "errors": errors or {},
            "form_error": form_error,
        },
        actor=actor,
        status=status,
    )


@router.get("/deals/{deal_id}/unwind")
def unwind_page(
    deal_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """A delivered deal and the form to take it back, with its reason."""
    deal = runtime.sales.get_deal(actor, deal_id)
    return _unwind_page(request, actor, deal, runtime)


@router.post("/deals/{deal_id}/unwind")
async def unwind_deal(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Unwind the delivered deal (POST /deals/{id}/unwind); the car returns to stock."""
    form = await read_form(request)
    reason = form.text("reason", max_length=500)
    if not form.ok:
        deal = await run_in_threadpool(runtime.sales.get_deal, actor, deal_id)
        return await run_in_threadpool(
            _unwind_page,
            request,
            actor,
            deal,
            runtime,
            values=form.values,
            errors=form.errors,
            status=422,
        )
    try:
        return await submit(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.sales.unwind_deal(actor, deal_id, reason),
            then=lambda written: f"{PREFIX}/unwinds",
            fields=("reason",),
        )
    except Refused as refused:
        raise_access(refused)
        deal = await run_in_threadpool(runtime.sales.get_deal, actor, deal_id)
        errors = {refused.field: refused.message} if refused.field else {}
        return await run_in_threadpool(
            _unwind_page,
            request,
            actor,
            deal,
            runtime,
            values=form.values,
            errors=errors,
            form_error=None if refused.field else refused.message,
            status=422,
        )
