"""A manager's pages for de-duplication (docs/lead-dedup.md): the store's lead rule, the group's
protection period, possible duplicate customers and merging two of them with a confirm step.

Every read and write is the call the JSON routes make (api/routes/lead_dedup.py): the services
decide who may (managers of the store, admins across stores).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api import merge_candidates
from api.deps import ConsistentDep, RuntimeDep
from api.pages.forms import Refused, raise_access, read_form, see_other, submit
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from api.routes.customers import customer_out
from domain.leads.dedup import MAX_DAYS, DedupRule
from domain.shared.access import MANAGERS, Reach, read_scope
from domain.shared.actor import Principal
from domain.shared.personal import shown_masked
from projections.directory import merges
from projections.directory import queries as directory
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = [
    NavItem(PREFIX + "/customer-duplicates", N_("Duplicate customers"), MANAGERS, order=62),
    NavItem(PREFIX + "/lead-rules", N_("Lead rules"), MANAGERS, order=63),
]

RULES = {
    DedupRule.LAST_ACTIVITY: N_("On an open lead touched within the window"),
    DedupRule.ANY_OPEN: N_("On any open lead of the customer"),
    DedupRule.OFF: N_("Never: every enquiry opens a new lead"),
}
REASONS = {
    "same_name_similar_phone": N_("Same name, similar phone"),
    "same_name": N_("Same name"),
    "similar_phone": N_("Phone one digit apart"),
}
# Customers offered in the "pick two" lists (the newest first).
PICKABLE = 300


def _store_of(runtime: Runtime, actor: Principal, store_id: UUID | None) -> UUID | None:
    """The store a page is about: the manager's own; an admin's choice, else the first."""
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
    return list(found["items"])


# --- the store's rule and the group's protection period ------------------------------------------


def _rules_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    store_id: UUID | None,
    status: int = 200,
    **extra: Any,
) -> Response:
    runtime.crm.merge_scope(actor)  # managers and admins only (403 for the others)
    chosen = _store_of(runtime, actor, store_id)
    rules = None if chosen is None else runtime.leads.lead_rules(actor, chosen)
    context = {
        "rules": rules,
        "rule_labels": RULES,
        "stores": _stores(runtime, actor),
        "store_id": chosen,
        "max_days": MAX_DAYS,
        "is_admin": actor.store_id is None,
        "errors": {},
        "values": {},
        "form_error": None,
        "failed": None,
        **extra,
    }
    return render(request, "lead_dedup/rules.html", context, actor=actor, status=status)


@router.get("/lead-rules")
def rules_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    store_id: UUID | None = None,
) -> Response:
    """The store's de-duplication rule and the group's protection period."""
    return _rules_page(request, runtime, actor, store_id)


@router.post("/lead-rules")
async def set_rules(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Set the store's rule (PUT /stores/{id}/lead-rules)."""
    form = await read_form(request)
    rule = form.choice("rule", [r.value for r in DedupRule])
    window = form.integer("window_days", low=1, high=MAX_DAYS)
    store_id = actor.store_id or form.uuid("store_id")
    if not form.ok or store_id is None:
        return await run_in_threadpool(
            _rules_page, request, runtime, actor, store_id, 422,
            errors=form.errors, values=form.values, failed="rule",
        )  # fmt: skip
    try:
        return await submit(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.leads.set_lead_dedup(actor, store_id, rule, window),
            then=lambda _w: f"{PREFIX}/lead-rules?store_id={store_id}&saved=rule",
            fields=("rule", "window_days"),
        )
    except Refused as refused:
        raise_access(refused)
        return await run_in_threadpool(
            _rules_page, request, runtime, actor, store_id, 422,
            values=form.values, form_error=refused.message, failed="rule",
        )  # fmt: skip


@router.post("/lead-rules/protection")
async def set_protection(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Set the group's protection period (PUT /group/lead-protection; admins)."""
    form = await read_form(request)
    raw = form.values.get("protection_days", "").strip()
    days = form.integer("protection_days", low=1, high=MAX_DAYS) if raw else None
    store_id = form.uuid("store_id", required=False)
    if not form.ok:
        return await run_in_threadpool(
            _rules_page, request, runtime, actor, store_id, 422,
            errors=form.errors, values=form.values, failed="protection",
        )  # fmt: skip
    back = f"{PREFIX}/lead-rules?saved=protection" + (f"&store_id={store_id}" if store_id else "")
    try:
        return await submit(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.leads.set_protection_period(actor, days),
            then=lambda _w: back,
            fields=("protection_days",),
        )
    except Refused as refused:
        raise_access(refused)
        return await run_in_threadpool(
            _rules_page, request, runtime, actor, store_id, 422,
            values=form.values, form_error=refused.message, failed="protection",
        )  # fmt: skip


# --- possible duplicates and merging -------------------------------------------------------------


@router.get("/customer-duplicates")
def duplicates_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> Response:
    """Pairs of the store's customers that may be one person, and two to pick by hand."""
    scope = runtime.crm.merge_scope(actor, store_id)
    rows = merges.comparable_customers(runtime.db, scope=scope)
    found = merge_candidates.pairs(merge_candidates.revealed(runtime.customer_keys, rows))
    pairs = [
        {
            "reason": REASONS[reason],
            "first": merge_candidates.shown(a),
            "second": merge_candidates.shown(b),
        }
        for reason, a, b in found
    ]
    pickable = [
        {"id": r["id"], "name": r["name"], "phone": shown_masked(r["phone"])}
        for r in rows[:PICKABLE]
    ]
    context = {
        "pairs": pairs,
        "pickable": pickable,
        "stores": _stores(runtime, actor),
        "store_id": store_id,
    }
    return render(request, "lead_dedup/duplicates.html", context, actor=actor)


def _side(runtime: Runtime, actor: Principal, customer_id: UUID) -> dict[str, Any]:
    customer = customer_out(runtime.crm.get_customer(actor, customer_id), read_scope(actor))
    # Compared, not worked from: the phone masked (no full-number read to log).
    customer = customer.model_copy(update={"phone": shown_masked(customer.phone)})
    scope = read_scope(actor, reach=Reach.OWN)
    leads = directory.list_leads(runtime.db, scope=scope, customer_id=customer_id, limit=1)
    deals = directory.list_deals(runtime.db, scope=scope, customer_id=customer_id, limit=1)
    return {"customer": customer, "leads": leads["total"], "deals": deals["total"]}


def _merge_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    first: UUID,
    second: UUID,
    status: int = 200,
    form_error: str | None = None,
) -> Response:
    runtime.crm.merge_scope(actor)
    sides = [_side(runtime, actor, first), _side(runtime, actor, second)]
    context = {"sides": sides, "form_error": form_error, "same": first == second}
    return render(request, "lead_dedup/merge.html", context, actor=actor, status=status)


@router.get("/customer-merge")
def merge_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _: ConsistentDep,
    first: UUID,
    second: UUID,
) -> Response:
    """Two customers side by side: choose the one that stays, then confirm the merge."""
    return _merge_page(request, runtime, actor, first, second)


@router.post("/customer-merge")
async def merge(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Merge the duplicate into the survivor (POST /customers/{id}/merges)."""
    form = await read_form(request)
    survivor = form.uuid("survivor_id")
    first, second = form.uuid("first"), form.uuid("second")
    if first is None or second is None:
        return see_other(f"{PREFIX}/customer-duplicates")
    if survivor is None or survivor not in (first, second):
        return await run_in_threadpool(
            _merge_page, request, runtime, actor, first, second, 422,
            _("Choose the record that stays."),
        )  # fmt: skip
    duplicate = second if survivor == first else first
    try:
        return await submit(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.crm.merge_customers(actor, survivor, duplicate),
            then=lambda _w: f"{PREFIX}/customers/{survivor}",
        )
    except Refused as refused:
        raise_access(refused)
        return await run_in_threadpool(
            _merge_page, request, runtime, actor, first, second, 422, refused.message
        )
