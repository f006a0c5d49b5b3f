"""The administrator's privacy pages (PIPL): find a customer, download everything held about
them, record their erasure.

The same calls as the JSON routes (`api/routes/customers.py`): the list is the directory's,
the erasure `Crm.erase_customer`, the export `audit.subject_access.customer_record`; the names
and phones are revealed as the page leaves (`api/personal.py`), the phone masked here (a page
that finds people need not show their numbers whole).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api.deps import ConsistentDep, PageDep, RuntimeDep
from api.pages.forms import read_form, run_command
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from api.routes.customers import personal_data
from domain.shared.access import read_scope
from domain.shared.actor import Principal, Role
from domain.shared.personal import ERASED, shown_masked
from domain.shared.values import masked_phone
from projections.directory import queries as directory
from workers.access_log import Access, AccessKind
from workers.runtime import Runtime

BASE = PREFIX + "/admin/privacy"
router = APIRouter(prefix=BASE, include_in_schema=False)
NAV = [NavItem(BASE, N_("Privacy"), (Role.ADMIN,), order=83)]
LIMIT = 25
ERASURE_FIELDS = ("reason", "confirm")


def _access(request: Request, kind: AccessKind, actor: Principal, customer_id: UUID) -> Access:
    return Access(
        kind=kind,
        actor_id=actor.user_id,
        subject=str(customer_id),
        address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


@router.get("")
def customers(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    page: PageDep,
    _position: ConsistentDep,
) -> Response:
    """The group's customers (newest first), each a link to their privacy page."""
    runtime.crm.privacy_subject(actor)
    result = directory.list_customers(
        runtime.db, scope=read_scope(actor), limit=LIMIT, offset=page.offset
    )
    context = {
        "customers": result["items"],
        "total": result["total"],
        "offset": page.offset,
        "limit": LIMIT,
    }
    return render(request, "admin_privacy/customers.html", context, actor=actor)


def _customer_page(
    request: Request, runtime: Runtime, actor: Principal, customer_id: UUID, **form: Any
) -> Response:
    customer = runtime.crm.privacy_subject(actor, customer_id)
    assert customer is not None
    phone = customer.phone
    shown = {
        "id": customer.id,
        "name": ERASED if customer.erased else customer.name,
        "phone": ERASED
        if customer.erased
        else (shown_masked(phone) if phone.startswith("pii:") else masked_phone(phone)),
        "erased": customer.erased,
        "registered_at": customer.registered_at,
    }
    context = {"customer": shown, "values": form.pop("values", {}), **form}
    status = 422 if form.get("errors") or form.get("form_error") else 200
    return render(request, "admin_privacy/customer.html", context, actor=actor, status=status)


@router.get("/{customer_id}")
def customer(
    customer_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """One customer's privacy page: the PIPL export, and the erasure form."""
    return _customer_page(request, runtime, actor, customer_id)


@router.post("/{customer_id}/erasure")
async def erase(
    customer_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    reason = form.text("reason", max_length=500)
    if not form.flag("confirm"):
        form.errors["confirm"] = _("Tick the box to confirm: an erasure cannot be undone.")
    if not form.ok:
        return _customer_page(
            request, runtime, actor, customer_id, errors=form.errors, values=form.values
        )

    def write() -> Any:
        written = runtime.crm.erase_customer(actor, customer_id, reason)
        runtime.access_log.record(_access(request, AccessKind.CUSTOMER_ERASED, actor, customer_id))
        return written

    return await run_command(
        request,
        actor.user_id,
        form,
        write=write,
        then=lambda written: f"{BASE}/{customer_id}",
        again=lambda errors, banner: _customer_page(
            request,
            runtime,
            actor,
            customer_id,
            errors=errors,
            form_error=banner,
            values=form.values,
        ),
        fields=ERASURE_FIELDS,
    )


@router.get("/{customer_id}/export")
def export(
    customer_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> JSONResponse:
    """Everything held about the customer, as a JSON file (the download is logged)."""
    runtime.crm.privacy_subject(actor, customer_id)  # admins; 404 for an unknown id
    document = personal_data(runtime, customer_id)
    runtime.access_log.record(
        _access(request, AccessKind.CUSTOMER_DATA_EXPORTED, actor, customer_id)
    )
    name = f"customer-{customer_id}.json"
    return JSONResponse(document, headers={"Content-Disposition": f'attachment; filename="{name}"'})
