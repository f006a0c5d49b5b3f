"""Pay for finance and the floor: pay periods through their lifecycle, statements and the
explain of a line, adjustments, disputes, payout exports and what-if.

Every read and write is the call `api/routes/pay_periods.py` and `api/routes/exports.py` make,
with the signed-in principal: the payroll service decides who sees which statement and who may
close, approve, adjust or resolve; a refusal is shown beside the form that asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api import access
from api.deps import ConsistentDep, RuntimeDep
from api.pages import people
from api.pages.forms import FormReader, message_of, read_form, run_command
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from audit.history import history
from domain.pay.errors import (
    BeneficiaryMayNotDecideError,
    DisputeAlreadyResolvedError,
    NoOpenPeriodError,
    PayPeriodAlreadyExistsError,
    PayPeriodOrderError,
    PayPeriodOverlapError,
    ProposalNotPendingError,
    ProposalPendingError,
    SecondPersonRequiredError,
)
from domain.pay.four_eyes import same_person
from domain.pay.periods import PayPeriod
from domain.reporting.model import ExportKind, ExportStatus
from domain.shared.access import GROUP_READERS, PERIOD_MANAGERS, RESOLVERS, read_scope
from domain.shared.actor import Principal, Role
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, now
from domain.shared.errors import (
    DomainError,
    IllegalTransitionError,
    NotFoundError,
    PermissionDeniedError,
)
from projections.directory import queries as directory
from projections.payouts import queries
from workers import retention
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX + "/pay", include_in_schema=False)
NAV = [
    NavItem(PREFIX + "/pay/periods", N_("Pay periods"), (*GROUP_READERS, Role.STORE_MANAGER), 60),
    NavItem(PREFIX + "/pay/disputes", N_("Pay disputes"), (*RESOLVERS,), 61),
    NavItem(PREFIX + "/pay/what-if", N_("What-if"), (*PERIOD_MANAGERS,), 62),
    NavItem(PREFIX + "/pay/mine", N_("My statements"), (Role.SALESPERSON,), 64),
]

PAGE_SIZE = 20
STATEMENTS_PAGE = 50
TIER_ROWS = 6
STATUSES: dict[str, str] = {
    "open": N_("Open"),
    "closed": N_("Closed"),
    "approved": N_("Approved"),
    "exported": N_("Exported"),
    "paid": N_("Paid"),
}
PROPOSAL_STATES: dict[str, str] = {
    "proposed": N_("Waiting for confirmation"),
    "confirmed": N_("Confirmed"),
    "refused": N_("Refused"),
    "withdrawn": N_("Withdrawn"),
}
EXPORT_STATES: dict[str, str] = {
    ExportStatus.REQUESTED.value: N_("Waiting"),
    ExportStatus.RUNNING.value: N_("Being built"),
    ExportStatus.COMPLETED.value: N_("Ready"),
    ExportStatus.FAILED.value: N_("Failed"),
}
SOURCE_KINDS = {
    "deal": N_("Deal"),
    "evaluation": N_("Evaluation"),
    "pay period": N_("Pay period"),
    "survey": N_("Survey"),
}
COST_FIELDS = frozenset({"cost"})
# A period's lifecycle refusals (IllegalTransitionError's `action`), said as a rule.
STEP_RULES: dict[str, str] = {
    "approve": N_("Only a closed period can be approved."),
    "close": N_("Only an open period can be closed."),
    "reopen": N_("Only a closed period can be reopened."),
    "export": N_("Only an approved period can be exported."),
    "export the payouts of": N_("Only an approved period can be exported."),
    "pay": N_("Only an exported period can be marked as paid."),
    "adjust": N_("Adjustments are possible only while the period is open or closed."),
    "dispute a line of": N_("A line can be disputed once the period is closed."),
}
MONTH = re.compile(r"\d{4}-\d{2}")


def _pay_refusal(error: DomainError) -> str | None:
    """The pay context's refusals in the user's language (their details name ids and months in
    English); None for any other (every page's own wording applies)."""
    months = MONTH.findall(error.detail)
    if isinstance(error, IllegalTransitionError) and error.extra.get("action") in STEP_RULES:
        status = str(error.extra.get("current_status", ""))
        rule = _(STEP_RULES[str(error.extra["action"])])
        return _("This period is %(status)s.", status=_(STATUSES.get(status, status))) + " " + rule
    if isinstance(error, PayPeriodAlreadyExistsError):
        if error.detail.startswith("dispute"):
            return _("This line is already disputed.")
        return _("This pay period is already open.")
    if isinstance(error, PayPeriodOverlapError):
        return _("That month is already paid by another period (the group's or a store's).")
    if isinstance(error, PayPeriodOrderError) and months:
        if error.detail.startswith("approve"):
            return _("Approve the period of %(month)s first.", month=months[0])
        return _(
            "The period of %(month)s is already approved: an earlier month cannot open now.",
            month=months[0],
        )
    if isinstance(error, NoOpenPeriodError):
        return _("Open the next pay period first: the adjustment goes there.")
    if isinstance(error, DisputeAlreadyResolvedError):
        return _("This dispute is already resolved.")
    return _four_eyes_refusal(error)


def _in_words(write: Callable[[], Any]) -> Callable[[], Any]:
    """`write`, with a pay refusal's message put in the user's words (submit shows it)."""

    def run() -> Any:
        try:
            return write()
        except DomainError as error:
            said = _pay_refusal(error)
            if said is not None:
                error.detail = said
            if isinstance(error, SecondPersonRequiredError | BeneficiaryMayNotDecideError):
                # Four eyes is about who this person is, not their role: said beside the
                # button (422), not as the page of a role that may not (403).
                raise DomainError(error.detail) from error
            raise

    return run


# --- names and labels -------------------------------------------------------------------------


class _Names:
    """Store and staff names the actor may see, by id, read when first asked for: the stores
    at once (few), the staff only when a page names a person (a group has thousands)."""

    def __init__(self, runtime: Runtime, actor: Principal) -> None:
        self.runtime, self.actor, self.scope = runtime, actor, read_scope(actor)
        self._stores: dict[str, str] | None = None
        self._staff: dict[str, str] | None = None

    def stores(self) -> dict[str, str]:
        if self._stores is None:
            found = directory.list_stores(self.runtime.db, limit=1000, scope=self.scope)
            self._stores = {str(s["id"]): s["name"] for s in found["items"]}
        return self._stores

    def staff(self) -> dict[str, str]:
        if self._staff is None:
            self._staff = {str(k): v for k, v in people.names(self.runtime, self.actor).items()}
        return self._staff

    def store(self, store_id: UUID | str | None) -> str:
        if store_id is None:
            return _("The whole group")
        return self.stores().get(str(store_id), str(store_id)[:8])

    def person(self, ident: UUID | str) -> str:
        return self.staff().get(str(ident), str(ident)[:8])


def _common(runtime: Runtime, actor: Principal) -> dict[str, Any]:
    names = _Names(runtime, actor)
    return {
        "scope_label": names.store,
        "person": names.person,
        "status_label": lambda status: _(STATUSES.get(str(status), str(status))),
        "proposal_label": lambda status: _(PROPOSAL_STATES.get(str(status), str(status))),
        "export_label": lambda status: _(EXPORT_STATES.get(str(status), str(status))),
    }


def _export_language(request: Request) -> str:
    return "en" if getattr(request.state, "language", "") == "en" else "zh"


def _last_month() -> str:
    """The month a pay period is usually opened for: the one just ended (group's zone)."""
    today = business_day(now(), DEFAULT_TIMEZONE)
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


# --- pay periods --------------------------------------------------------------------------------


def _period_list(runtime: Runtime, actor: Principal, status: str | None, offset: int) -> Any:
    return queries.list_periods(
        runtime.db,
        status=status if status in STATUSES else None,
        limit=PAGE_SIZE,
        offset=max(offset, 0),
        scope=read_scope(actor),
    )


def _periods_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    *,
    status: str | None = None,
    offset: int = 0,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    form_error: str | None = None,
    code: int = 200,
) -> Response:
    result = _period_list(runtime, actor, status, offset)
    stores = directory.list_stores(runtime.db, limit=1000, scope=read_scope(actor))["items"]
    context = {
        **_common(runtime, actor),
        "waiting": runtime.payroll.waiting(actor),
        "periods": result["items"],
        "total": result["total"],
        "offset": max(offset, 0),
        "limit": PAGE_SIZE,
        "status": status or "",
        "statuses": STATUSES,
        "stores": [(str(s["id"]), s["name"]) for s in stores] + [("group", _("The whole group"))],
        "last_month": _last_month(),
        "errors": errors or {},
        "values": values or {},
        "form_error": form_error,
    }
    return render(request, "finance/periods.html", context, actor=actor, status=code)


@router.get("/periods")
def periods_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    status: str = "",
    offset: int = 0,
) -> Response:
    """Pay periods, newest month first, with the form to open one."""
    return _periods_page(request, runtime, actor, status=status or None, offset=offset)


@router.post("/periods")
async def open_period(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    form = await read_form(request)
    store_id = None if form.values.get("store", "") == "group" else form.uuid("store")
    month = form.month("month")
    days = form.integer("protection_days", required=False, low=0, high=3650)

    def again(errors: dict[str, str], form_error: str | None = None) -> Response:
        return _periods_page(
            request,
            runtime,
            actor,
            errors=errors,
            values=form.values,
            form_error=form_error,
            code=422,
        )

    if not form.ok:
        return await run_in_threadpool(again, form.errors)
    protection = days if form.values.get("protection_days", "").strip() else 90
    return await run_command(
        request,
        actor.user_id,
        form,
        write=_in_words(lambda: runtime.payroll.open_period(actor, store_id, month, protection)),
        then=lambda written: f"{PREFIX}/pay/periods/{written.id}",
        again=again,
        fields=("month", "protection_days"),
    )


def _period_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    period_id: UUID,
    *,
    export_id: str | None = None,
    offset: int = 0,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    form_error: str | None = None,
    failed_form: str = "",
    code: int = 200,
) -> Response:
    payroll = runtime.payroll
    period = payroll.get_period(actor, period_id)
    _period, statements, totals = payroll.statements(actor, period_id)
    exports = []
    for ident in period.export_ids:
        try:
            exports.append(runtime.reporting.get_export(actor, ident))
        except NotFoundError:
            continue  # another's export: not for this reader
    pending = None
    if export_id:
        try:
            pending = runtime.reporting.get_export(actor, UUID(export_id))
        except (ValueError, NotFoundError):
            pending = None
        if pending is not None and pending.id in period.export_ids:
            pending = None
    common = _common(runtime, actor)
    context = {
        **common,
        "period": period,
        "statements": statements[max(offset, 0) : max(offset, 0) + STATEMENTS_PAGE],
        "statement_count": len(statements),
        "offset": max(offset, 0),
        "limit": STATEMENTS_PAGE,
        "people": sorted(
            ((s["salesperson_id"], common["person"](s["salesperson_id"])) for s in statements),
            key=lambda pair: pair[1],
        ),
        "totals": totals,
        "adjustments": payroll.visible_adjustments(actor, period),
        "proposals": payroll.visible_proposals(actor, period),
        "confirm_above": payroll.confirm_above,
        "mine": lambda who: same_person(str(who or ""), actor.username or actor.user_id),
        "disputes": payroll.visible_disputes(actor, period),
        "exports": exports,
        **_expiry(runtime, *(e.id for e in exports)),
        "pending": pending,
        "errors": errors or {},
        "values": values or {},
        "form_error": form_error,
        "failed_form": failed_form,
    }
    return render(request, "finance/period.html", context, actor=actor, status=code)


@router.get("/periods/{period_id}")
def period_page(
    request: Request,
    period_id: UUID,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    export: str = "",
    offset: int = 0,
) -> Response:
    """A period: status, totals, statements per person, its lifecycle's next steps, exports,
    adjustments and disputes."""
    return _period_page(request, runtime, actor, period_id, export_id=export or None, offset=offset)


async def _step(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    period_id: UUID,
    name: str,
    form: FormReader,
    write: Any,
    fields: tuple[str, ...] = (),
    then: Any = None,
) -> Response:
    """Submit one write of the period page; on refusal, the page again with the message beside
    the form that asked (status 422, nothing written)."""
    here = f"{PREFIX}/pay/periods/{period_id}"

    def again(errors: dict[str, str], form_error: str | None) -> Response:
        return _period_page(
            request,
            runtime,
            actor,
            period_id,
            errors=errors,
            values=form.values,
            form_error=form_error,
            failed_form=name,
            code=422,
        )

    return await run_command(
        request,
        actor.user_id,
        form,
        write=_in_words(write),
        then=then or (lambda written: here),
        again=again,
        fields=fields,
    )


@router.post("/periods/{period_id}/close")
async def close_period(
    request: Request, period_id: UUID, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    return await _step(
        request,
        runtime,
        actor,
        period_id,
        "close",
        form,
        lambda: runtime.payroll.close_period(actor, period_id),
    )


@router.post("/periods/{period_id}/reopening")
async def reopen_period(
    request: Request, period_id: UUID, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    reason = form.text("reason", max_length=500)
    return await _step(
        request,
        runtime,
        actor,
        period_id,
        "reopen",
        form,
        lambda: runtime.payroll.reopen_period(actor, period_id, reason),
        ("reason",),
    )


@router.post("/periods/{period_id}/approval")
async def approve_period(
    request: Request, period_id: UUID, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Request the approval (four eyes: another person confirms it)."""
    form = await read_form(request)
    return await _step(
        request,
        runtime,
        actor,
        period_id,
        "approve",
        form,
        lambda: runtime.payroll.request_approval(actor, period_id),
    )


@router.post("/periods/{period_id}/payment")
async def record_payment(
    request: Request, period_id: UUID, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    reference = form.text("reference", max_length=100)
    return await _step(
        request,
        runtime,
        actor,
        period_id,
        "pay",
        form,
        lambda: runtime.payroll.record_payment(actor, period_id, reference),
        ("reference",),
    )


@router.post("/periods/{period_id}/exports")
async def request_export(
    request: Request, period_id: UUID, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Ask for the payout workbook or payroll CSV (the same export job as the API)."""
    form = await read_form(request)
    chosen = form.choice("format", ("xlsx", "csv"))
    language = _export_language(request)

    def write() -> Any:
        period = runtime.payroll.exportable(actor, period_id)
        kind = ExportKind.PAYOUT_CSV if chosen == "csv" else ExportKind.PAYOUT_WORKBOOK
        return runtime.reporting.request_export(
            actor, period.month, period.store_id, language, kind.value
        )

    return await _step(
        request,
        runtime,
        actor,
        period_id,
        "export",
        form,
        write,
        then=lambda written: f"{PREFIX}/pay/periods/{period_id}?export={written.id}",
    )


def _signed_amount(form: FormReader, name: str, *, required: bool = True) -> Decimal | None:
    """A plus or minus amount (an adjustment may take pay back): the money field's rules with
    a sign allowed."""
    raw = form.values.get(name, "").strip()
    negative = raw.startswith(("-", "−"))
    if negative:
        form.values = {**form.values, name: raw.lstrip("-−").strip()}
    value = form.money(name, required=required)
    form.values = {**form.values, name: raw}
    if value is None:
        return None
    if value == 0 and required:
        form.errors[name] = _("Enter an amount other than zero.")
        return None
    return -value if negative else value


@router.post("/periods/{period_id}/adjustments")
async def add_adjustment(
    request: Request, period_id: UUID, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """A manual plus or minus on a statement, with its reason."""
    form = await read_form(request)
    person = form.uuid("salesperson_id")
    amount = _signed_amount(form, "amount")
    reason = form.text("reason", max_length=500)

    def write() -> Any:
        assert person is not None and amount is not None
        return runtime.payroll.add_adjustment(
            actor, period_id, person, amount, reason, adjustment_id=uuid4()
        )

    return await _step(
        request,
        runtime,
        actor,
        period_id,
        "adjust",
        form,
        write,
        ("salesperson_id", "amount", "reason"),
    )


@router.post("/periods/{period_id}/disputes/{dispute_id}/resolution")
async def resolve_dispute(
    request: Request,
    period_id: UUID,
    dispute_id: UUID,
    runtime: RuntimeDep,
    actor: PageActorDep,
) -> Response:
    """Resolve a dispute, with or without an adjustment."""
    form = await read_form(request)
    amount_field = f"adjustment_amount-{dispute_id}"
    resolution_field = f"resolution-{dispute_id}"
    resolution = form.text(resolution_field, max_length=1000)
    amount = _signed_amount(form, amount_field, required=False)

    def write() -> Any:
        return runtime.payroll.resolve_dispute(actor, period_id, dispute_id, resolution, amount)

    return await _step(
        request,
        runtime,
        actor,
        period_id,
        f"resolve-{dispute_id}",
        form,
        write,
        (resolution_field, amount_field),
    )


@router.get("/disputes")
def disputes_page(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, _position: ConsistentDep
) -> Response:
    """Disputes awaiting resolution in the newest periods the actor sees, oldest first."""
    waiting = []
    for row in _period_list(runtime, actor, None, 0)["items"]:
        period = runtime.payroll.get_period(actor, row["id"])
        for dispute in runtime.payroll.visible_disputes(actor, period):
            if dispute["status"] == "open":
                waiting.append({**dispute, "period": row})
    waiting.sort(key=lambda d: d["raised_at"])
    context = {**_common(runtime, actor), "disputes": waiting, "limit": PAGE_SIZE}
    return render(request, "finance/disputes.html", context, actor=actor)


# --- exports ----------------------------------------------------------------------------------


@router.get("/exports/{export_id}")
def export_status(
    request: Request, export_id: UUID, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """An export's state: htmx polls this piece until the file is ready."""
    export = runtime.reporting.get_export(actor, export_id)
    partial = bool(request.headers.get("hx-request"))
    template = "finance/_export.html" if partial else "finance/export.html"
    context = {**_common(runtime, actor), "export": export, **_expiry(runtime, export.id)}
    # Once the file is ready the period has moved on (exported): htmx reloads the whole page.
    done = partial and export.status is ExportStatus.COMPLETED
    headers = {"HX-Refresh": "true"} if done else None
    return render(request, template, context, actor=actor, headers=headers)


@router.get("/exports/{export_id}/file")
def download_export(
    request: Request, export_id: UUID, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """The workbook or CSV of a completed export (as GET /exports/{id}/file)."""
    export = runtime.reporting.downloadable(actor, export_id)
    days = runtime.settings.file_retention_days
    try:
        stored = retention.kept_export_file(runtime.db, export.id, days)
    except retention.FileExpiredError:
        # Deleted after the retention period: the export's page says so where the link was.
        context = {**_common(runtime, actor), "export": export, **_expiry(runtime, export.id)}
        return render(request, "finance/export.html", context, actor=actor, status=410)
    access.export_downloaded(runtime, request, actor, export, "page")
    return Response(
        content=stored.content,
        media_type=stored.content_type,
        headers={"Content-Disposition": f'attachment; filename="{stored.file_name}"'},
    )


def _expiry(runtime: Runtime, *export_ids: UUID) -> dict[str, Any]:
    """The day each export's file was deleted after the retention period, for those that were
    (`finance/_export.html` says so in place of the download link)."""
    found = ((ident, retention.expired(runtime.db, ident)) for ident in export_ids)
    return {
        "expired_files": {str(i): gone.expired_at[:10] for i, gone in found if gone},
        "retention_days": runtime.settings.file_retention_days,
    }


# --- statements and explain ---------------------------------------------------------------------


def _explain(runtime: Runtime, actor: Principal, period_id: UUID, person: UUID, n: int) -> Any:
    """The line, its statement and the events behind it (as the explain route builds them)."""
    payroll = runtime.payroll
    period, record, line = payroll.line(actor, period_id, person, n)
    scope = read_scope(actor)
    sources = []
    for kind, ident in payroll.sources_of(period, person, line):
        try:
            events = history(runtime.app, ident)
        except NotFoundError:
            continue
        if kind == "pay period":
            inputs = line["inputs"]
            wanted = {str(inputs[k]) for k in ("adjustment_id", "dispute_id") if inputs.get(k)}
            events = [
                e
                for e in events
                if str(e["data"].get("adjustment_id")) in wanted
                or str(e["data"].get("dispute_id")) in wanted
            ]
        if not scope.sees_cost:
            events = [
                {**e, "data": {k: v for k, v in e["data"].items() if k not in COST_FIELDS}}
                for e in events
            ]
        label = _(SOURCE_KINDS.get(kind, kind))
        sources.append({"kind": label, "id": ident, "events": events})
    return period, record, line, sources


def _statement_context(
    runtime: Runtime, actor: Principal, period: PayPeriod, record: dict[str, Any], base: str
) -> dict[str, Any]:
    return {
        **_common(runtime, actor),
        "period": period,
        "record": record,
        "base": base,
    }


@router.get("/periods/{period_id}/statements/{salesperson_id}")
def statement_page(
    request: Request,
    period_id: UUID,
    salesperson_id: UUID,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """One statement with every line (another salesperson's: not found, as the API)."""
    record = runtime.payroll.statement(actor, period_id, salesperson_id)
    access.statement_read(runtime, request, actor, period_id, salesperson_id, "page")
    period = runtime.payroll.get_period(actor, period_id)
    base = f"{PREFIX}/pay/periods/{period_id}/statements/{salesperson_id}"
    context = _statement_context(runtime, actor, period, record, base)
    context["back"] = f"{PREFIX}/pay/periods/{period_id}"
    return render(request, "finance/statement.html", context, actor=actor)


@router.get("/periods/{period_id}/statements/{salesperson_id}/lines/{n}")
def explain_page(
    request: Request,
    period_id: UUID,
    salesperson_id: UUID,
    n: int,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """Why a line pays what it pays: formula, inputs, plan version, the events behind it."""
    period, record, line, sources = _explain(runtime, actor, period_id, salesperson_id, n)
    access.statement_read(runtime, request, actor, period_id, salesperson_id, "page_explain", n)
    base = f"{PREFIX}/pay/periods/{period_id}/statements/{salesperson_id}"
    context = {
        **_statement_context(runtime, actor, period, record, base),
        "line": line,
        "sources": sources,
        "dispute_url": None,
    }
    return render(request, "finance/explain.html", context, actor=actor)


# --- the salesperson's own statements -------------------------------------------------------------


@router.get("/mine")
def my_statements(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    offset: int = 0,
) -> Response:
    """Your statements: the periods of your store (and the group's), newest first."""
    result = _period_list(runtime, actor, None, offset)
    totals: dict[str, str] = {}
    if actor.staff_id is not None:
        for row in result["items"]:
            # Approved statements are one stored record each; provisional ones would mean
            # computing the whole period, so they show their figures only when opened.
            if row["content_hash"] is None:
                continue
            try:
                record = runtime.payroll.statement(actor, row["id"], actor.staff_id)
            except NotFoundError:
                continue  # no statement of yours in that period
            totals[str(row["id"])] = record["total"]
    context = {
        **_common(runtime, actor),
        "periods": result["items"],
        "totals": totals,
        "offset": max(offset, 0),
        "limit": PAGE_SIZE,
    }
    return render(request, "finance/mine.html", context, actor=actor)


def _own(actor: Principal, period_id: UUID) -> UUID:
    if actor.staff_id is None:
        raise NotFoundError("statement", f"{period_id}/me")
    return actor.staff_id


@router.get("/mine/{period_id}")
def my_statement(
    request: Request,
    period_id: UUID,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """Your statement of a period, with every line."""
    record = runtime.payroll.statement(actor, period_id, _own(actor, period_id))
    period = runtime.payroll.get_period(actor, period_id)
    context = _statement_context(runtime, actor, period, record, f"{PREFIX}/pay/mine/{period_id}")
    context["back"] = f"{PREFIX}/pay/mine"
    context["disputes"] = runtime.payroll.visible_disputes(actor, period)
    return render(request, "finance/statement.html", context, actor=actor)


def _my_line_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    period_id: UUID,
    n: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    form_error: str | None = None,
    code: int = 200,
) -> Response:
    period, record, line, sources = _explain(runtime, actor, period_id, _own(actor, period_id), n)
    base = f"{PREFIX}/pay/mine/{period_id}"
    disputes = [
        d for d in runtime.payroll.visible_disputes(actor, period) if d["line_ref"] == str(n)
    ]
    context = {
        **_statement_context(runtime, actor, period, record, base),
        "line": line,
        "sources": sources,
        "dispute_url": f"{base}/lines/{n}/dispute",
        "line_disputes": disputes,
        "errors": errors or {},
        "values": values or {},
        "form_error": form_error,
    }
    return render(request, "finance/explain.html", context, actor=actor, status=code)


@router.get("/mine/{period_id}/lines/{n}")
def my_line(
    request: Request,
    period_id: UUID,
    n: int,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """A line of your statement explained, and the form to dispute it."""
    return _my_line_page(request, runtime, actor, period_id, n)


@router.post("/mine/{period_id}/lines/{n}/dispute")
async def dispute_line(
    request: Request, period_id: UUID, n: int, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Dispute a line of your own statement, with a reason."""
    form = await read_form(request)
    reason = form.text("reason", max_length=1000)

    def again(errors: dict[str, str], form_error: str | None) -> Response:
        return _my_line_page(
            request,
            runtime,
            actor,
            period_id,
            n,
            errors=errors,
            values=form.values,
            form_error=form_error,
            code=422,
        )

    return await run_command(
        request,
        actor.user_id,
        form,
        write=_in_words(
            lambda: runtime.payroll.raise_dispute(actor, period_id, n, reason, dispute_id=uuid4())
        ),
        then=lambda written: f"{PREFIX}/pay/mine/{period_id}/lines/{n}",
        again=again,
        fields=("reason",),
    )


# --- what-if ------------------------------------------------------------------------------------


def _tier_tables(runtime: Runtime, actor: Principal, statements: list[dict[str, Any]]) -> Any:
    """The volume-tier components of the plans the period's statements were computed under:
    (component key, mode, [(threshold, amount)]) — the tables a what-if edits."""
    seen: set[tuple[str, int]] = set()
    tables = []
    for record in statements:
        plan_id, version = record.get("plan_id"), record.get("plan_version")
        if plan_id is None or version is None or (str(plan_id), int(version)) in seen:
            continue
        seen.add((str(plan_id), int(version)))
        try:
            plan = runtime.pay_plans.plan_version(actor, UUID(str(plan_id)), int(version))
        except NotFoundError:
            continue
        for component in plan.components:
            if component.type != "volume_tiers":
                continue
            rows = [
                (str(t.threshold), "" if t.amount is None else str(t.amount))
                for t in getattr(component, "tiers", ())
            ]
            tables.append(
                {
                    "plan": record.get("plan_name") or str(plan_id)[:8],
                    "version": version,
                    "key": component.key,
                    "mode": getattr(component, "mode", ""),
                    "rows": rows,
                }
            )
    return tables


def _what_if_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    period_id: UUID | None,
    *,
    result: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    form_error: str | None = None,
    code: int = 200,
) -> Response:
    periods = _period_list(runtime, actor, None, 0)["items"]
    common = _common(runtime, actor)
    options = [
        (
            str(p["id"]),
            f"{p['month']} · {common['scope_label'](p['store_id'])}"
            f" · {common['status_label'](p['status'])}",
        )
        for p in periods
    ]
    context: dict[str, Any] = {
        **common,
        "periods_options": options,
        "period": None,
        "tables": [],
        "result": result,
        "tier_rows": TIER_ROWS,
        "errors": errors or {},
        "values": values or {},
        "form_error": form_error,
    }
    if period_id is None and periods:
        period_id = periods[0]["id"]  # the newest: what finance most often weighs
    if period_id is not None:
        period = runtime.payroll.get_period(actor, period_id)
        _period, statements, _totals = runtime.payroll.statements(actor, period_id)
        context["period"] = period
        context["tables"] = _tier_tables(runtime, actor, statements)
    return render(request, "finance/what_if.html", context, actor=actor, status=code)


@router.get("/what-if")
def what_if_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    period: str = "",
) -> Response:
    """Choose a period, edit a tier table of its plan, and see old and new pay side by side."""
    chosen = None
    if period:
        try:
            chosen = UUID(period)
        except ValueError:
            raise NotFoundError("pay period", period) from None
    return _what_if_page(request, runtime, actor, chosen)


def _tiers(form: FormReader) -> list[dict[str, str]]:
    """The edited tier table: rows with a threshold, each with an amount per unit."""
    rows = []
    for i in range(TIER_ROWS):
        threshold, amount = f"threshold-{i}", f"amount-{i}"
        raw_threshold = form.values.get(threshold, "").strip()
        raw_amount = form.values.get(amount, "").strip()
        if not raw_threshold and not raw_amount:
            continue
        try:
            units = Decimal(raw_threshold)
            if not units.is_finite() or units < 0 or units > 10_000:
                raise InvalidOperation
        except InvalidOperation:
            form.errors[threshold] = _("Enter a number of units such as 8 or 12.5.")
            continue
        pay = form.money(amount)
        if pay is not None:
            rows.append({"threshold": str(units), "amount": str(pay)})
    if not rows and "tiers" not in form.errors:
        form.errors["tiers"] = _("Give at least one tier.")
    return rows


@router.post("/what-if")
async def what_if(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Run the what-if (writes nothing) and show it under the edited table."""
    form = await read_form(request)
    period_id = form.uuid("period")
    component = form.text("tier_component", required=False, max_length=100) or None
    tiers = _tiers(form)
    if period_id is None:
        return await run_in_threadpool(
            lambda: _what_if_page(
                request, runtime, actor, None, errors=form.errors, values=form.values, code=422
            )
        )
    chosen: UUID = period_id

    def run() -> Response:
        if not form.ok:
            return _what_if_page(
                request, runtime, actor, chosen, errors=form.errors, values=form.values, code=422
            )
        try:
            result = runtime.payroll.what_if(actor, chosen, tiers=tiers, tier_component=component)
        except DomainError as error:
            if isinstance(error, NotFoundError | PermissionDeniedError):
                raise
            return _what_if_page(
                request,
                runtime,
                actor,
                chosen,
                values=form.values,
                form_error=_pay_refusal(error) or message_of(error),
                code=422,
            )
        return _what_if_page(request, runtime, actor, chosen, result=result, values=form.values)

    return await run_in_threadpool(run)


# --- four eyes: confirm, refuse or withdraw what one person proposed (docs/payroll.md) ----------


def _four_eyes_refusal(error: DomainError) -> str | None:
    if isinstance(error, SecondPersonRequiredError):
        return _("You proposed this: another person must confirm or refuse it.")
    if isinstance(error, BeneficiaryMayNotDecideError):
        return _("Nobody decides their own pay: another person must do it.")
    if isinstance(error, ProposalNotPendingError):
        return _("This no longer waits for confirmation (confirmed, refused or withdrawn).")
    if isinstance(error, ProposalPendingError):
        return _("Something in this period waits for confirmation: decide it first.")
    return None


@router.post("/periods/{period_id}/approval/confirmation")
async def confirm_approval(
    request: Request, period_id: UUID, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Confirm another person's approval request: the snapshot is recorded."""
    form = await read_form(request)
    return await _step(
        request,
        runtime,
        actor,
        period_id,
        "confirm-approval",
        form,
        lambda: runtime.payroll.confirm_approval(actor, period_id),
    )


def _reasoned_approval(method: str, field: str, doc: str) -> Callable[..., Any]:
    """Refuse or withdraw an approval request, with a reason: one form, another call."""

    async def decide(
        request: Request, period_id: UUID, runtime: RuntimeDep, actor: PageActorDep
    ) -> Response:
        form = await read_form(request)
        reason = form.text(field, max_length=500)
        call = getattr(runtime.payroll, f"{method}_approval")
        return await _step(
            request,
            runtime,
            actor,
            period_id,
            f"{method}-approval",
            form,
            lambda: call(actor, period_id, reason),
            (field,),
        )

    decide.__name__, decide.__doc__ = f"{method}_approval", doc
    return decide


router.add_api_route(
    "/periods/{period_id}/approval/refusal",
    _reasoned_approval(
        "refuse", "refusal_reason", "Refuse another person's approval request, with a reason."
    ),
    methods=["POST"],
)
router.add_api_route(
    "/periods/{period_id}/approval/withdrawal",
    _reasoned_approval("withdraw", "withdrawal_reason", "Take back one's own approval request."),
    methods=["POST"],
)


@router.post("/periods/{period_id}/adjustments/{adjustment_id}/confirmation")
async def confirm_adjustment(
    request: Request,
    period_id: UUID,
    adjustment_id: UUID,
    runtime: RuntimeDep,
    actor: PageActorDep,
) -> Response:
    """Confirm another person's proposed adjustment: it counts from now on."""
    form = await read_form(request)
    return await _step(
        request,
        runtime,
        actor,
        period_id,
        f"decide-{adjustment_id}",
        form,
        lambda: runtime.payroll.confirm_adjustment(actor, period_id, adjustment_id),
    )


def _reasoned_adjustment(method: str, doc: str) -> Callable[..., Any]:
    """Refuse or withdraw a proposed adjustment, with a reason: one form, another call."""

    async def decide(
        request: Request,
        period_id: UUID,
        adjustment_id: UUID,
        runtime: RuntimeDep,
        actor: PageActorDep,
    ) -> Response:
        form = await read_form(request)
        name = f"reason-{adjustment_id}"
        reason = form.text(name, max_length=500)
        call = getattr(runtime.payroll, f"{method}_adjustment")
        return await _step(
            request,
            runtime,
            actor,
            period_id,
            f"decide-{adjustment_id}",
            form,
            lambda: call(actor, period_id, adjustment_id, reason),
            (name,),
        )

    decide.__name__, decide.__doc__ = f"{method}_adjustment", doc
    return decide


router.add_api_route(
    "/periods/{period_id}/adjustments/{adjustment_id}/refusal",
    _reasoned_adjustment("refuse", "Refuse another person's proposed adjustment, with a reason."),
    methods=["POST"],
)
router.add_api_route(
    "/periods/{period_id}/adjustments/{adjustment_id}/withdrawal",
    _reasoned_adjustment("withdraw", "Take back one's own proposed adjustment."),
    methods=["POST"],
)
