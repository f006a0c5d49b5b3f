"""Auto finance on the pages: a deal's loan applications (submit; record the lender's approval
with conditions, decline, funding; withdraw) with the deal's salesperson's F&I of the month, and
the managers' list of loans declined on contracted deals.

The same service (domain/finance/service.py) and queries (projections/loan_applications,
projections/salesperson_kpi) as the JSON routes in api/routes/loans.py and GET /reports/kpis.
"""

from __future__ import annotations

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
from domain.finance.model import IncomeBasis, LoanStatus
from domain.performance.kpis import kpi_value
from domain.shared.access import MANAGERS, Reach, read_scope
from domain.shared.actor import Principal
from domain.shared.clock import business_day, now
from domain.shared.errors import NotFoundError
from projections.loan_applications import queries as loans
from projections.salesperson_kpi.queries import kpi_table
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = [NavItem(PREFIX + "/loans/declined", N_("Declined loans"), MANAGERS, order=64)]

STATUS_LABELS = {
    LoanStatus.SUBMITTED: N_("Waiting for the lender"),
    LoanStatus.APPROVED: N_("Approved"),
    LoanStatus.DECLINED: N_("Declined"),
    LoanStatus.FUNDED: N_("Funded"),
    LoanStatus.WITHDRAWN: N_("Withdrawn"),
}
BASIS_LABELS = {
    IncomeBasis.RESERVE: N_("Dealer reserve"),
    IncomeBasis.PARTICIPATION: N_("Participation fee"),
}
ACTIONS = ("approve", "decline", "fund", "withdraw")
SUBMIT_FIELDS = ("lender", "amount", "term_months", "down_payment", "rate")


def _fi_month(
    runtime: Runtime, actor: Principal, salesperson_id: UUID, zone: str
) -> dict[str, Any]:
    """The deal's salesperson's F&I this month, as the KPI report reads it."""
    month = business_day(now(), zone).strftime("%Y-%m")
    scope = read_scope(actor, salesperson_id=salesperson_id, reach=Reach.OWN)
    lines: list[dict[str, Any]] = []
    if scope.visible:
        lines = kpi_table(runtime.db, month=month, salesperson_id=salesperson_id, scope=scope)[
            "items"
        ]
    line = lines[0] if lines else {}
    return {
        "month": month,
        "units": line.get("units_delivered"),
        "back_gross": line.get("back_gross"),
        "pvr": kpi_value("pvr", 1, line) if line else None,
        "finance_penetration": kpi_value("finance_penetration", 1, line) if line else None,
    }


def _deal_loans_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    deal_id: UUID,
    *,
    status: int = 200,
    failed: str | None = None,
    action: str | None = None,
    form: FormReader | None = None,
    form_error: str | None = None,
) -> Response:
    deal = runtime.sales.get_deal(actor, deal_id)
    zone = runtime.organisation.get_store(actor, deal.store_id).timezone
    return render(
        request,
        "loans/deal.html",
        {
            "deal": deal,
            "applications": loans.of_deal(runtime.db, deal_id),
            "fi": _fi_month(runtime, actor, deal.salesperson_id, zone),
            "status_labels": {s.value: _(label) for s, label in STATUS_LABELS.items()},
            "bases": [(b.value, _(label)) for b, label in BASIS_LABELS.items()],
            "may_submit": deal.status.value in ("open", "quoted", "contracted"),
            "failed": failed,
            "action": action,
            "errors": {} if form is None else form.errors,
            "values": {} if form is None else form.values,
            "form_error": form_error,
        },
        actor=actor,
        status=status,
    )


@router.get("/deals/{deal_id}/loans")
def deal_loans(
    deal_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """A deal's loan applications and their state; the salesperson's F&I of the month."""
    return _deal_loans_page(request, runtime, actor, deal_id)


async def _write(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    deal_id: UUID,
    form: FormReader,
    write: Any,
    fields: tuple[str, ...],
    failed: str,
    action: str,
) -> Response:
    form_error = None
    if form.ok:
        try:
            return await submit(
                request,
                actor.user_id,
                form,
                write=write,
                then=lambda _written: f"{PREFIX}/deals/{deal_id}/loans",
                fields=fields,
            )
        except Refused as refused:
            raise_access(refused)
            if refused.field:
                form.errors[refused.field] = refused.message
            else:
                form_error = refused.message
    return await run_in_threadpool(
        lambda: _deal_loans_page(
            request,
            runtime,
            actor,
            deal_id,
            status=422,
            failed=failed,
            action=action,
            form=form,
            form_error=form_error,
        )
    )


@router.post("/deals/{deal_id}/loans")
async def submit_loan(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Apply to a lender: lender, amount, term, down payment, rate."""
    form = await read_form(request)
    lender = form.text("lender", max_length=100)
    amount = form.money("amount")
    term = form.integer("term_months", low=1, high=120)
    down = form.money("down_payment")
    rate = form.text("rate", max_length=10)
    return await _write(
        request,
        runtime,
        actor,
        deal_id,
        form,
        lambda: runtime.finance.submit(
            actor, deal_id, lender, amount or 0, term, down or 0, rate.replace("%", "")
        ),
        SUBMIT_FIELDS,
        "new",
        "submit",
    )


@router.post("/loans/{application_id}/{action}")
async def answer_loan(
    application_id: UUID, action: str, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Record the lender's approval (conditions), decline (reason) or funding (income), or
    withdraw the application (reason)."""
    if action not in ACTIONS:
        raise NotFoundError("page", action)
    application = await run_in_threadpool(runtime.finance.get, actor, application_id)
    form = await read_form(request)
    finance = runtime.finance
    reference = form.text("lender_reference", required=False, max_length=100) or None
    fields: tuple[str, ...]
    if action == "approve":
        conditions = form.text("conditions", required=False, max_length=1000)
        write: Any = lambda: finance.approve(actor, application_id, conditions, reference)  # noqa: E731
        fields = ("conditions", "lender_reference")
    elif action == "decline":
        reason = form.text("reason", max_length=500)
        write = lambda: finance.decline(actor, application_id, reason, reference)  # noqa: E731
        fields = ("reason", "lender_reference")
    elif action == "fund":
        income = form.money("income")
        basis = form.choice("income_basis", [b.value for b in IncomeBasis])
        write = lambda: finance.fund(  # noqa: E731
            actor, application_id, income or 0, basis, reference
        )
        fields = ("income", "income_basis", "lender_reference")
    else:
        reason = form.text("reason", max_length=500)
        write = lambda: finance.withdraw(actor, application_id, reason)  # noqa: E731
        fields = ("reason",)
    return await _write(
        request,
        runtime,
        actor,
        application.deal_id,
        form,
        write,
        fields,
        str(application_id),
        action,
    )


@router.get("/loans/declined")
def declined(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    page: PageDep,
    _position: ConsistentDep,
) -> Response:
    """Loans declined while their deal stood contracted, newest first: another lender, or cash."""
    result = loans.declined_on_contracts(
        runtime.db,
        scope=read_scope(actor, reach=Reach.OWN),
        limit=page.limit,
        offset=page.offset,
    )
    return render(
        request,
        "loans/declined.html",
        {
            "items": result["items"],
            "total": result["total"],
            "people": people.names(runtime, actor, role="salesperson"),
            "offset": page.offset,
            "limit": page.limit,
        },
        actor=actor,
    )
