"""Lead intake pages: campaigns and their spend (managers, admins); partners (admins).

The same calls as the JSON routes (`api/routes/intake.py`): `Campaigns` and `Partners` for
writes, the intake view's queries for lists, the delivery log for partners' counts. A partner's
secret is shown once, on the page that answers its registration or rotation, and never again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import ConsistentDep, PageDep, RuntimeDep
from api.pages.forms import FormReader, Refused, field_of, message_of, read_form, submit_checked
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from domain.intake.partners import PartnerKind
from domain.intake.service import DEFAULT_GRACE, Issued
from domain.leads.origin import KNOWN_SOURCES, Origin, SourceKind, origin
from domain.shared.access import Reach, read_scope
from domain.shared.actor import Principal, Role
from domain.shared.clock import now
from domain.shared.errors import DomainError, PermissionDeniedError
from projections.directory import queries as directory
from projections.intake import queries
from workers import partner_secrets
from workers.runtime import Runtime

CAMPAIGNS = PREFIX + "/campaigns"
PARTNERS = PREFIX + "/admin/partners"
router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = [
    NavItem(CAMPAIGNS, N_("Campaigns"), (Role.ADMIN, Role.STORE_MANAGER), order=47),
    NavItem(PARTNERS, N_("Partners"), (Role.ADMIN,), order=84),
]
LIMIT = 25
CAMPAIGN_FIELDS = ("name", "starts_on", "ends_on", "store_ids")
SPEND_FIELDS = ("amount", "spent_on", "note")
PARTNER_FIELDS = ("name", "kind", "store_ids", "sources")
SOURCE_KINDS = {
    SourceKind.MARKETPLACE.value: N_("Marketplace"),
    SourceKind.OEM.value: N_("OEM programme"),
    SourceKind.SOCIAL.value: N_("Social platform"),
    SourceKind.WEBSITE.value: N_("Website"),
    SourceKind.REFERRAL.value: N_("Referral"),
    SourceKind.OTHER.value: N_("Other"),
}
PARTNER_KINDS = {
    PartnerKind.MARKETPLACE.value: N_("Marketplace"),
    PartnerKind.OEM.value: N_("OEM system"),
    PartnerKind.SOCIAL.value: N_("Social platform"),
    PartnerKind.OTHER.value: N_("Other"),
}
SUGGESTED = sorted(f"{k.value}:{n}" for k, names in KNOWN_SOURCES.items() for n in names)


def _stores(runtime: Runtime, actor: Principal) -> list[dict[str, Any]]:
    found = directory.list_stores(runtime.db, active=True, limit=200, scope=read_scope(actor))
    return list(found["items"])


# --- the floor's capture form: source and campaign -------------------------------------------


def capture_choices(runtime: Runtime, actor: Principal) -> dict[str, Any]:
    """What the capture form offers: source kinds, known names, the store's campaigns."""
    scope = read_scope(actor, reach=Reach.STORE)
    found = queries.list_campaigns(runtime.db, limit=100, scope=scope)
    return {
        "source_kinds": SOURCE_KINDS,
        "source_names": sorted({n for names in KNOWN_SOURCES.values() for n in names}),
        "campaigns": found["items"],
    }


def capture_origin(form: FormReader) -> Origin | None:
    """The source and campaign of a capture form (errors beside their fields)."""
    kind = form.choice("source_kind", list(SOURCE_KINDS), required=False) or None
    name = form.text("source_name", required=False, max_length=40) or None
    campaign = form.uuid("campaign_id", required=False)
    try:
        return origin(kind, name, campaign)
    except DomainError as error:
        form.errors["source_name"] = message_of(error)
        return None


# --- campaigns ---------------------------------------------------------------------------------


def _campaigns_page(
    request: Request, runtime: Runtime, actor: Principal, offset: int, **form: Any
) -> Response:
    runtime.campaigns.ensure_manager(actor)
    result = queries.list_campaigns(
        runtime.db, limit=LIMIT, offset=offset, scope=read_scope(actor, reach=Reach.STORE)
    )
    context = {
        "campaigns": result["items"],
        "total": result["total"],
        "offset": offset,
        "limit": LIMIT,
        "stores": _stores(runtime, actor),
        "values": form.pop("values", {}),
        "errors": {},
        "form_error": None,
        **form,
    }
    status = 422 if form.get("errors") or form.get("form_error") else 200
    return render(request, "intake/campaigns.html", context, actor=actor, status=status)


@router.get("/campaigns")
def campaigns(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, page: PageDep, _p: ConsistentDep
) -> Response:
    """Campaigns of the manager's store (all, for an admin), with spend and leads."""
    return _campaigns_page(request, runtime, actor, page.offset)


@router.post("/campaigns")
async def create_campaign(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    form = await read_form(request)
    name = form.text("name", max_length=120)
    starts_on = form.day("starts_on")
    ends_on = form.day("ends_on")
    stores = [actor.store_id] if actor.store_id else _chosen_stores(form)
    if not form.ok or starts_on is None or ends_on is None:
        return _campaigns_page(request, runtime, actor, 0, errors=form.errors, values=form.values)
    try:
        return await submit_checked(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.campaigns.create_campaign(
                actor, name, starts_on, ends_on, [s for s in stores if s is not None]
            ),
            then=lambda written: f"{CAMPAIGNS}/{written.id}",
            fields=CAMPAIGN_FIELDS,
        )
    except Refused as refused:
        errors = {str(refused.field): refused.message} if refused.field else {}
        return _campaigns_page(
            request,
            runtime,
            actor,
            0,
            errors=errors,
            form_error=None if errors else refused.message,
            values=form.values,
        )


def _chosen_stores(form: FormReader) -> list[UUID]:
    chosen: list[UUID] = []
    for value in form.form.getlist("store_ids"):
        try:
            chosen.append(UUID(str(value)))
        except ValueError:
            form.errors["store_ids"] = _("Choose one from the list.")
    if not chosen:
        form.errors["store_ids"] = _("This field is required.")
    return chosen


def _campaign_page(
    request: Request, runtime: Runtime, actor: Principal, campaign_id: UUID, **form: Any
) -> Response:
    campaign = runtime.campaigns.get_campaign(actor, campaign_id)
    names = {s["id"]: s["name"] for s in _stores(runtime, actor)}
    counts = {r["campaign_id"]: r["leads"] for r in queries.spend_by_campaign(runtime.db)}
    context = {
        "campaign": campaign,
        "store_names": [names.get(s, str(s)) for s in campaign.store_ids],
        "lines": queries.campaign_spend(runtime.db, campaign_id),
        "leads": counts.get(campaign_id, 0),
        "values": form.pop("values", {}),
        "errors": {},
        "form_error": None,
        **form,
    }
    status = 422 if form.get("errors") or form.get("form_error") else 200
    return render(request, "intake/campaign.html", context, actor=actor, status=status)


@router.get("/campaigns/{campaign_id}")
def campaign(
    campaign_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _p: ConsistentDep,
) -> Response:
    """A campaign: its stores, spend changes, leads, and the form to record spend."""
    return _campaign_page(request, runtime, actor, campaign_id)


@router.post("/campaigns/{campaign_id}/spend")
async def record_spend(
    campaign_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    amount = form.money("amount")
    spent_on = form.day("spent_on")
    note = form.text("note", required=False)
    if not form.ok or amount is None or spent_on is None:
        return _campaign_page(
            request, runtime, actor, campaign_id, errors=form.errors, values=form.values
        )
    try:
        return await submit_checked(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.campaigns.record_spend(
                actor, campaign_id, amount, spent_on, note or None
            ),
            then=lambda written: f"{CAMPAIGNS}/{campaign_id}",
            fields=SPEND_FIELDS,
        )
    except Refused as refused:
        errors = {str(refused.field): refused.message} if refused.field else {}
        return _campaign_page(
            request,
            runtime,
            actor,
            campaign_id,
            errors=errors,
            form_error=None if errors else refused.message,
            values=form.values,
        )


# --- partners (admins) -------------------------------------------------------------------------


def _partners_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    offset: int,
    status: int = 200,
    **form: Any,
) -> Response:
    runtime.partners.ensure_admin(actor)
    result = queries.list_partners(runtime.db, LIMIT, offset)
    counts = partner_secrets.delivery_counts(runtime.db, now() - timedelta(days=30))
    for item in result["items"]:
        item["deliveries"] = counts.get(item["id"], {"accepted": 0, "refused": 0})
    context = {
        "partners": result["items"],
        "total": result["total"],
        "offset": offset,
        "limit": LIMIT,
        "stores": _stores(runtime, actor),
        "kinds": PARTNER_KINDS,
        "suggested": SUGGESTED,
        "values": form.pop("values", {}),
        "errors": {},
        "form_error": None,
        **form,
    }
    if form.get("errors") or form.get("form_error"):
        status = 422
    return render(request, "intake/partners.html", context, actor=actor, status=status)


@router.get("/admin/partners")
def partners(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, page: PageDep, _p: ConsistentDep
) -> Response:
    """Partners with their scope and the last 30 days' accepted and refused requests."""
    return _partners_page(request, runtime, actor, page.offset)


async def _issue(write: Any) -> tuple[Issued | None, str | None, str | None]:
    """Run a write that issues a secret (shown once: no redirect may carry it)."""
    try:
        issued: Issued = await run_in_threadpool(write)
    except PermissionDeniedError:
        raise
    except DomainError as error:
        return None, message_of(error), field_of(error, PARTNER_FIELDS)
    return issued, None, None


@router.post("/admin/partners")
async def register_partner(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    form = await read_form(request)
    runtime.partners.ensure_admin(actor)
    name = form.text("name", max_length=120)
    kind = form.choice("kind", list(PARTNER_KINDS))
    stores = _chosen_stores(form)
    sources = [s.strip() for s in form.text("sources", max_length=2000).split(",") if s.strip()]
    if not form.ok:
        return _partners_page(request, runtime, actor, 0, errors=form.errors, values=form.values)
    issued, message, field = await _issue(
        lambda: runtime.partners.register_partner(actor, name, kind, stores, sources)
    )
    if issued is None:
        errors = {field: message} if field and message else {}
        return _partners_page(
            request,
            runtime,
            actor,
            0,
            errors=errors,
            form_error=None if errors else message,
            values=form.values,
        )
    return _partner_page(request, runtime, actor, issued.written.id, issued=issued, status=201)


def _partner_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    partner_id: UUID,
    status: int = 200,
    **extra: Any,
) -> Response:
    partner = runtime.partners.get_partner(actor, partner_id)
    names = {s["id"]: s["name"] for s in _stores(runtime, actor)}
    counts = partner_secrets.delivery_counts(runtime.db, now() - timedelta(days=30))
    context = {
        "partner": partner,
        "store_names": [names.get(s, str(s)) for s in partner.store_ids],
        "deliveries": partner_secrets.recent_deliveries(runtime.db, partner_id),
        "counts": counts.get(partner_id, {"accepted": 0, "refused": 0}),
        "intake_path": f"/intake/{partner_id}/leads",
        "grace_hours": int(DEFAULT_GRACE.total_seconds() // 3600),
        "values": extra.pop("values", {}),
        "errors": {},
        "form_error": None,
        "issued": None,
        **extra,
    }
    if extra.get("errors") or extra.get("form_error"):
        status = 422
    return render(request, "intake/partner.html", context, actor=actor, status=status)


@router.get("/admin/partners/{partner_id}")
def partner(
    partner_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """A partner: scope, recent deliveries, rotate its secret or revoke it."""
    return _partner_page(request, runtime, actor, partner_id)


@router.post("/admin/partners/{partner_id}/secret")
async def rotate_secret(
    partner_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    hours = form.integer("grace_hours", low=0, high=720)
    if not form.ok:
        return _partner_page(
            request, runtime, actor, partner_id, errors=form.errors, values=form.values
        )
    issued, message, _field = await _issue(
        lambda: runtime.partners.rotate_secret(actor, partner_id, timedelta(hours=hours))
    )
    if issued is None:
        return _partner_page(request, runtime, actor, partner_id, form_error=message)
    return _partner_page(request, runtime, actor, partner_id, issued=issued, status=201)


@router.post("/admin/partners/{partner_id}/revocation")
async def revoke(
    partner_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    reason = form.text("reason", required=False)
    try:
        return await submit_checked(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.partners.revoke_partner(actor, partner_id, reason or None),
            then=lambda written: f"{PARTNERS}/{partner_id}",
            fields=("reason",),
        )
    except Refused as refused:
        return _partner_page(request, runtime, actor, partner_id, form_error=refused.message)
