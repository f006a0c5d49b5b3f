"""Appraisals and trade-ins on the pages: the used-car manager's appraisal list and form (the
car, the inspection checklist, the ACV, the offer, declining or expiring it), the look-to-book
report, and the trade-in panel of the deal page (the desk attaches an offered appraisal with
its allowance and payoff; a salesperson sees the allowance, payoff and equity of the own deal's
trade, never its ACV).

The same service (domain/appraisals/service.py) and queries (projections/appraisals) as the JSON
routes under /appraisals, /deals/{id}/trade-in and /reports/look-to-book; the services decide
who may (domain/shared/access.py: APPRAISERS, APPRAISAL_READERS).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import ConsistentDep, PageDep, RuntimeDep
from api.pages import people
from api.pages.forms import FormReader, read_form, run_command
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from api.routes.appraisals import trade_in_out
from domain.appraisals.model import STANDARD_CHECKLIST, AppraisalStatus, FindingResult, Grade
from domain.sales.model import NEGOTIATING
from domain.shared import months
from domain.shared.access import (
    APPRAISAL_READERS,
    APPRAISERS,
    allows,
    ensure_role,
    read_scope,
)
from domain.shared.actor import Principal
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, now
from domain.shared.errors import InvalidValueError, NotFoundError
from projections.appraisals import queries as appraisals_view
from projections.directory import queries as directory
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = [
    NavItem(PREFIX + "/appraisals", N_("Appraisals"), APPRAISAL_READERS, order=46),
    NavItem(PREFIX + "/look-to-book", N_("Look-to-book"), APPRAISAL_READERS, order=47),
]

GRADES = {
    Grade.EXCELLENT: N_("Excellent"),
    Grade.GOOD: N_("Good"),
    Grade.FAIR: N_("Fair"),
    Grade.POOR: N_("Poor"),
}
RESULTS = {
    FindingResult.OK: N_("OK"),
    FindingResult.ATTENTION: N_("Needs attention"),
    FindingResult.FAIL: N_("Must be repaired"),
}
STATUSES = {
    AppraisalStatus.OPEN: N_("Open"),
    AppraisalStatus.INSPECTED: N_("Inspected"),
    AppraisalStatus.VALUED: N_("Valued"),
    AppraisalStatus.OFFERED: N_("Offered"),
    AppraisalStatus.ACCEPTED: N_("Accepted on a deal"),
    AppraisalStatus.ACQUIRED: N_("Acquired"),
    AppraisalStatus.DECLINED: N_("Declined by customer"),
    AppraisalStatus.EXPIRED: N_("Expired"),
}
CHECKLIST_LABELS = {
    "exterior": N_("Exterior"),
    "interior": N_("Interior"),
    "engine": N_("Engine"),
    "transmission": N_("Transmission"),
    "brakes": N_("Brakes"),
    "tyres": N_("Tyres"),
    "electrics": N_("Electrics"),
    "frame and accident damage": N_("Frame and accident damage"),
    "flood damage": N_("Flood damage"),
    "odometer and service history": N_("Odometer and service history"),
}
EXTRA_ROWS = 2  # free checklist rows under the standard items
ACTIONS = ("inspection", "valuation", "offer", "decline", "expiry")
OFFER_DAYS = 7  # the offer's default validity on the form


def _labels() -> dict[str, Any]:
    return {
        "grades": [(g.value, _(label)) for g, label in GRADES.items()],
        "grade_label": {g.value: _(label) for g, label in GRADES.items()},
        "results": [(r.value, _(label)) for r, label in RESULTS.items()],
        "result_label": {r.value: _(label) for r, label in RESULTS.items()},
        "status_label": {s.value: _(label) for s, label in STATUSES.items()},
        "item_label": lambda item: _(CHECKLIST_LABELS[item]) if item in CHECKLIST_LABELS else item,
    }


# --- the list and the new-appraisal form -------------------------------------------------------


def _list_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    offset: int = 0,
    limit: int = 50,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    form_error: str | None = None,
) -> Response:
    ensure_role(actor, *APPRAISAL_READERS)
    listed = appraisals_view.appraisals(
        runtime.db, scope=read_scope(actor), now=now(), limit=limit, offset=offset
    )
    return render(
        request,
        "trade_ins/list.html",
        {
            "items": listed["items"],
            "total": listed["total"],
            "people": people.names(runtime, actor),
            "offset": offset,
            "limit": limit,
            "errors": errors or {},
            "values": values or {},
            "form_error": form_error,
            **_labels(),
        },
        actor=actor,
        status=status,
    )


@router.get("/appraisals")
def appraisal_list(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    page: PageDep,
    _position: ConsistentDep,
) -> Response:
    """Appraisals of the store, newest first (kept whether or not the car was bought)."""
    return _list_page(request, runtime, actor, page.offset, page.limit)


@router.post("/appraisals")
async def create_appraisal(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Start an appraisal: the car, its mileage and its condition grade."""
    form = await read_form(request)
    vin = form.text("vin", max_length=17)
    make = form.text("make", max_length=60)
    model = form.text("model", max_length=60)
    trim = form.text("trim", required=False, max_length=60)
    colour = form.text("colour", required=False, max_length=60)
    year = form.integer("model_year", low=1990, high=2100)
    mileage = form.integer("mileage_km", high=2_000_000)
    grade = form.choice("grade", [g.value for g in Grade])
    store_id = actor.store_id

    def write() -> Any:
        if store_id is None:
            raise NotFoundError("store", "none")
        return runtime.appraisals.create_appraisal(
            actor, store_id, vin, make, model, trim, colour, year, mileage, grade
        )

    def again(errors: dict[str, str], message: str | None) -> Response:
        return _list_page(
            request,
            runtime,
            actor,
            status=422,
            errors=errors,
            values=form.values,
            form_error=message,
        )

    return await run_command(
        request,
        actor.user_id,
        form,
        write,
        then=lambda written: f"{PREFIX}/appraisals/{written.id}",
        again=again,
        fields=("vin", "make", "model", "trim", "colour", "model_year", "mileage_km", "grade"),
    )


# --- one appraisal -----------------------------------------------------------------------------


def _appraisal_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    appraisal_id: UUID,
    *,
    status: int = 200,
    action: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    form_error: str | None = None,
) -> Response:
    appraisal = runtime.appraisals.get_appraisal(actor, appraisal_id)
    zone = getattr(request.state, "zone", None) or DEFAULT_TIMEZONE
    findings = {f.item: f for f in appraisal.findings}
    extras = [f for f in appraisal.findings if f.item not in STANDARD_CHECKLIST]
    expires = (now() + timedelta(days=OFFER_DAYS)).astimezone(ZoneInfo(zone))
    return render(
        request,
        "trade_ins/appraisal.html",
        {
            "a": appraisal,
            "findings": findings,
            "standard": STANDARD_CHECKLIST,
            "extras": extras + [None] * EXTRA_ROWS,
            "offer_expired": appraisal.status is AppraisalStatus.OFFERED
            and appraisal.offer_expired(now()),
            "default_expiry": expires.strftime("%Y-%m-%dT%H:%M"),
            "appraiser": people.names(runtime, actor).get(appraisal.appraiser_id, "—"),
            "vehicle": None
            if appraisal.vehicle_id is None
            else runtime.inventory.get_vehicle(actor, appraisal.vehicle_id),
            "action": action,
            "errors": errors or {},
            "values": values or {},
            "form_error": form_error,
            **_labels(),
        },
        actor=actor,
        status=status,
    )


@router.get("/appraisals/{appraisal_id}")
def appraisal_page(
    appraisal_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """One appraisal: the car, the checklist, the ACV and the offer, with the next step."""
    return _appraisal_page(request, runtime, actor, appraisal_id)


def _checklist(form: FormReader) -> list[tuple[str, str, str, Any]]:
    """The checklist rows of the form: every standard item, and the extra rows filled in."""
    rows: list[tuple[str, str, str, Any]] = []
    results = [r.value for r in FindingResult]
    for n in range(len(STANDARD_CHECKLIST) + EXTRA_ROWS):
        item = form.text(f"item_{n}", required=False, max_length=60)
        if not item:
            continue
        result = form.choice(f"result_{n}", results)
        note = form.text(f"note_{n}", required=False, max_length=200)
        cost = form.money(f"cost_{n}", required=False)
        rows.append((item, result, note, cost or 0))
    return rows


@router.post("/appraisals/{appraisal_id}/{action}")
async def appraisal_step(
    appraisal_id: UUID, action: str, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """The next step of an appraisal: inspection, valuation, offer, decline or expiry."""
    if action not in ACTIONS:
        raise NotFoundError("page", action)
    form = await read_form(request)
    service = runtime.appraisals
    zone = getattr(request.state, "zone", None) or DEFAULT_TIMEZONE
    fields: tuple[str, ...] = ()
    if action == "inspection":
        rows = _checklist(form)
        write: Any = lambda: service.inspect(actor, appraisal_id, rows)  # noqa: E731
    elif action == "valuation":
        acv = form.money("acv")
        write = lambda: service.value(actor, appraisal_id, acv or 0)  # noqa: E731
        fields = ("acv",)
    elif action == "offer":
        amount = form.money("amount")
        expires_at = form.moment("expires_at", zone)
        write = lambda: service.make_offer(  # noqa: E731
            actor, appraisal_id, amount or 0, expires_at or now()
        )
        fields = ("amount", "expires_at")
    elif action == "decline":
        reason = form.text("reason", max_length=500)
        write = lambda: service.decline(actor, appraisal_id, reason)  # noqa: E731
        fields = ("reason",)
    else:
        write = lambda: service.expire(actor, appraisal_id)  # noqa: E731

    def again(errors: dict[str, str], message: str | None) -> Response:
        return _appraisal_page(
            request,
            runtime,
            actor,
            appraisal_id,
            status=422,
            action=action,
            errors=errors,
            values=form.values,
            form_error=message,
        )

    return await run_command(
        request,
        actor.user_id,
        form,
        write,
        then=lambda _written: f"{PREFIX}/appraisals/{appraisal_id}",
        again=again,
        fields=fields,
    )


# --- look-to-book ------------------------------------------------------------------------------


@router.get("/look-to-book")
def look_to_book(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    month: str | None = None,
    by: str = "appraiser",
) -> Response:
    """Appraisals of a month (looks) and those acquired (books), per store or appraiser."""
    ensure_role(actor, *APPRAISAL_READERS)
    by = by if by in appraisals_view.GROUPINGS else "appraiser"
    scope = read_scope(actor)
    zone = getattr(request.state, "zone", None) or DEFAULT_TIMEZONE
    try:
        chosen = months.parse(month) if month else business_day(now(), zone).strftime("%Y-%m")
    except InvalidValueError:
        chosen = business_day(now(), zone).strftime("%Y-%m")  # a bad month shows this month
    answer = appraisals_view.look_to_book(runtime.db, chosen, scope=scope, by=by)
    stores = {s["id"]: s["name"] for s in _stores(runtime, actor)}
    return render(
        request,
        "trade_ins/look_to_book.html",
        {
            "answer": answer,
            "month": chosen,
            "by": by,
            "people": people.names(runtime, actor),
            "stores": stores,
        },
        actor=actor,
    )


def _stores(runtime: Runtime, actor: Principal) -> list[dict[str, Any]]:
    return list(directory.list_stores(runtime.db, limit=100, scope=read_scope(actor))["items"])


# --- the deal page's trade-in panel ------------------------------------------------------------


def _trade_panel(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    deal_id: UUID,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    form_error: str | None = None,
) -> Response:
    deal = runtime.sales.get_deal(actor, deal_id)
    scope = read_scope(actor)
    trade = trade_in_out(deal, scope) if deal.trade_in is not None else None
    may_attach = allows(actor, APPRAISERS) and deal.status in NEGOTIATING
    offered: list[dict[str, Any]] = []
    if may_attach:
        listed = appraisals_view.appraisals(
            runtime.db,
            scope=read_scope(actor, store_id=deal.store_id),
            now=now(),
            status=AppraisalStatus.OFFERED.value,
            limit=100,
        )
        offered = [a for a in listed["items"] if not a["offer_expired"]]
        if trade is not None:
            offered = [a for a in offered if a["id"] == trade.appraisal_id]
    whole = request.headers.get("HX-Request") != "true" or status != 200
    return render(
        request,
        "trade_ins/deal_page.html" if whole else "trade_ins/_deal_trade_in.html",
        {
            "deal": deal,
            "trade": trade,
            "may_attach": may_attach,
            "offered": offered,
            "errors": errors or {},
            "values": values or {},
            "form_error": form_error,
        },
        actor=actor,
        status=status,
    )


@router.get("/deals/{deal_id}/trade-in")
def trade_in_panel(
    deal_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """The deal's trade-in (a panel of the deal page, loaded by htmx, or a page of its own)."""
    return _trade_panel(request, runtime, actor, deal_id)


@router.post("/deals/{deal_id}/trade-in")
async def attach_trade_in(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Take an offered appraisal in trade, with the allowance and the payoff (the desk)."""
    form = await read_form(request)
    appraisal_id = form.uuid("appraisal_id")
    allowance = form.money("allowance")
    payoff = form.money("payoff", required=False)

    def write() -> Any:
        if appraisal_id is None:
            raise NotFoundError("appraisal", "none")
        return runtime.appraisals.attach_trade_in(
            actor, deal_id, appraisal_id, allowance or 0, payoff or 0
        )

    def again(errors: dict[str, str], message: str | None) -> Response:
        return _trade_panel(
            request,
            runtime,
            actor,
            deal_id,
            status=422,
            errors=errors,
            values=form.values,
            form_error=message,
        )

    return await run_command(
        request,
        actor.user_id,
        form,
        write,
        then=lambda _written: f"{PREFIX}/deals/{deal_id}",
        again=again,
        fields=("appraisal_id", "allowance", "payoff"),
    )
