"""Deals on the showroom floor: open one from a lead, attach a car from stock, quote, add F&I
products, sign, deliver or cancel; the list of one's deals; and the salesperson's month.

Every write is the service call the JSON route makes (api/routes/deals.py), through `submit`
(once per form key, read-your-writes after); every read is the query or service the JSON
routes use, under the same read scope. Refusals come back beside the form that was sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import ConsistentDep, RuntimeDep
from api.pages.forms import FormReader, Refused, read_form, submit
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.routes.desk_words import desk_view, level_label
from api.pages.session import PREFIX, PageActorDep
from api.schemas.pay_periods import StatementOut
from audit.history import history
from domain.inventory.errors import VehicleNotAvailableError
from domain.inventory.model import VehicleStatus
from domain.performance import kpis
from domain.sales.errors import (
    DealApprovalNotNeededError,
    DealApprovalPendingError,
    DealApprovalRefusedError,
    DealApprovalRequiredError,
    DealApproverLevelError,
    DealDiscountTooLargeError,
    DealDownPaymentError,
    DealLeadMismatchError,
    DealNoOrderError,
    DealOrderPlacedError,
    DealVehicleMissingError,
    DealVehicleOtherStoreError,
)
from domain.sales.model import Deal, DealStatus, ProductKind
from domain.shared.access import SALES_FLOOR, Reach, read_scope
from domain.shared.actor import Principal, Role
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, now
from domain.shared.errors import (
    DomainError,
    IllegalTransitionError,
    PermissionDeniedError,
    StaleVersionError,
)
from projections.directory import queries as directory
from projections.inventory import queries as inventory
from projections.performance import queries as performance
from projections.salesperson_kpi import queries as kpi_queries
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = [
    NavItem(PREFIX + "/deals", N_("Deals"), (*SALES_FLOOR, Role.ADMIN), order=30),
    NavItem(PREFIX + "/my-month", N_("My month"), (Role.SALESPERSON,), order=25),
]

PAGE = 20
SEARCH_RESULTS = 10
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

STATUS_LABELS: dict[str, str] = {
    DealStatus.OPEN: N_("In negotiation"),
    DealStatus.QUOTED: N_("Quoted"),
    DealStatus.CONTRACTED: N_("Contract signed"),
    DealStatus.DELIVERED: N_("Delivered"),
    DealStatus.UNWOUND: N_("Unwound"),
    DealStatus.CANCELLED: N_("Cancelled"),
}
PERIOD_LABELS: dict[str, str] = {
    "open": N_("open"),
    "closed": N_("closed"),
    "approved": N_("approved"),
    "exported": N_("exported"),
    "paid": N_("paid"),
}
PRODUCT_LABELS: dict[str, str] = {
    ProductKind.FINANCE: N_("Finance contract"),
    ProductKind.INSURANCE: N_("Insurance"),
    ProductKind.WARRANTY: N_("Extended warranty"),
    ProductKind.GAP: N_("GAP cover"),
    ProductKind.ACCESSORIES: N_("Accessories"),
}
EVENT_LABELS: dict[str, str] = {
    "Deal.Opened": N_("Deal opened"),
    "Deal.VehicleAttached": N_("Vehicle attached"),
    "Deal.Quoted": N_("Quoted"),
    "Deal.ContractSigned": N_("Contract signed"),
    "Deal.CreditSplit": N_("Credit split"),
    "Deal.ProductAdded": N_("Product added"),
    "Deal.ProductCancelled": N_("Product cancelled"),
    "Deal.Delivered": N_("Delivered"),
    "Deal.Unwound": N_("Unwound"),
    "Deal.Cancelled": N_("Cancelled"),
    "Deal.ApprovalRequested": N_("Approval requested"),
    "Deal.ApprovalGranted": N_("Discount approved"),
    "Deal.ApprovalRefused": N_("Discount refused"),
    "Deal.StructureSet": N_("Down payment set"),
    "Deal.OrderPlaced": N_("Order placed"),
    "Deal.OrderCancelled": N_("Order cancelled"),
    "Deal.TradeInAttached": N_("Trade-in attached"),  # docs/trade-ins.md
}
# The KPIs of "my month", in the order shown, and the version read when no target names one.
MONTH_KPIS: tuple[tuple[str, int, str], ...] = (
    ("units", 1, N_("Units delivered")),
    ("gross", 1, N_("Front gross")),
    ("conversion_rate", 1, N_("Conversion")),
    ("csi", 1, N_("CSI")),
)

# Refusals this page explains in a sentence of its own (the service's detail is for the API).
_REFUSALS: tuple[tuple[type[DomainError], str], ...] = (
    # The deal desk (docs/desking.md), before the general kinds they belong to.
    (DealApprovalPendingError, N_("This quote waits for approval: sign once it is approved.")),
    (DealApprovalRefusedError, N_("This quote was refused: change it, or ask again.")),
    (DealApprovalRequiredError, N_("This quote needs approval first: request it above.")),
    (DealApprovalNotNeededError, N_("This quote needs no approval.")),
    (DealApproverLevelError, N_("This request needs a higher level than yours.")),
    (DealOrderPlacedError, N_("This deal has an order: cancel the order to change it.")),
    (DealNoOrderError, N_("This deal has no order.")),
    (DealDownPaymentError, N_("The down payment is larger than the selling price.")),
    (StaleVersionError, N_("This deal changed since you opened it: reload and try again.")),
    (DealDiscountTooLargeError, N_("The discount is larger than the price.")),
    (DealVehicleMissingError, N_("Attach a vehicle and quote it first.")),
    (DealVehicleOtherStoreError, N_("That vehicle stands in another store.")),
    (VehicleNotAvailableError, N_("That vehicle is no longer available: pick another.")),
    (DealLeadMismatchError, N_("This lead is for another customer or store.")),
    (IllegalTransitionError, N_("Not possible at this stage (%(status)s).")),
    (PermissionDeniedError, N_("Your role cannot do this.")),
)


def _explained(refused: Refused, deal: Deal | None = None) -> str:
    """The refusal in the user's language, worded for this page where it knows the error."""
    cause = refused.__cause__
    for kind, message in _REFUSALS:
        if isinstance(cause, kind):
            status = _(STATUS_LABELS[deal.status]) if deal is not None else ""
            return _(message, status=status)
    return refused.message


# --- opening a deal from a lead ----------------------------------------------------------------


@router.post("/deals/new")
async def open_deal(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Open a deal for a lead (the lead page's button), as POST /deals with its lead does."""
    form = await read_form(request)
    lead_id = form.uuid("lead_id")
    if lead_id is None:
        return _refusal_page(request, actor, _("Choose a lead to open a deal from."), 422)
    lead = await run_in_threadpool(runtime.leads.get_lead, actor, lead_id)  # 404 beyond scope

    def write() -> Any:
        return runtime.sales.open_deal(actor, lead.store_id, lead.customer_id, lead_id=lead_id)

    try:
        return await submit(
            request,
            actor.user_id,
            form,
            write,
            then=lambda written: f"{PREFIX}/deals/{written.id}",
        )
    except Refused as refused:
        message = _explained(refused)
        if isinstance(refused.__cause__, IllegalTransitionError):
            message = _("This lead is no longer open: it was converted or lost.")
        return _refusal_page(request, actor, message, 422)


def _refusal_page(request: Request, actor: Principal, message: str, status: int) -> Response:
    return render(
        request,
        "error.html",
        {"heading": _("Not possible"), "message": message},
        actor=actor,
        status=status,
    )


# --- the deal page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of the deal's timeline."""

    label: str
    at: datetime | None
    detail: str = ""


# Events whose timeline line shows their reason.
_WITH_REASON = (
    "Deal.Cancelled",
    "Deal.Unwound",
    "Deal.ProductCancelled",
    "Deal.ApprovalRefused",
    "Deal.OrderCancelled",
)


def _timeline(runtime: Runtime, deal: Deal) -> list[Step]:
    """The deal's events, oldest first, as a salesperson reads them (never the car's cost)."""
    steps: list[Step] = []
    for event in history(runtime.app, deal.id):
        data = event["data"]
        label = EVENT_LABELS.get(event["type"], event["type"])
        detail = ""
        if event["type"] == "Deal.VehicleAttached":
            detail = " ".join(str(data.get(k, "")) for k in ("model", "trim", "colour"))
        elif event["type"] == "Deal.ProductAdded":
            detail = _(PRODUCT_LABELS.get(str(data.get("kind")), str(data.get("kind"))))
        elif event["type"] in _WITH_REASON:
            detail = str(data.get("reason", ""))
        elif event["type"] in ("Deal.ApprovalRequested", "Deal.ApprovalGranted"):
            detail = level_label(data.get("level")) + (
                f" · {data['note']}" if data.get("note") else ""
            )
        at = event["occurred_at"]
        steps.append(Step(label, datetime.fromisoformat(at) if at else None, detail))
    return steps


def _search(runtime: Runtime, actor: Principal, deal: Deal, text: str) -> list[dict[str, Any]]:
    """Vehicles in stock at the deal's store matching the words typed (as GET /vehicles)."""
    found = inventory.vehicles(
        runtime.db,
        status=VehicleStatus.IN_STOCK.value,
        scope=read_scope(actor, store_id=deal.store_id),
        as_of=business_day(now(), DEFAULT_TIMEZONE),
        limit=SEARCH_RESULTS,
        search=text[:100],
    )
    items: list[dict[str, Any]] = found["items"]
    return items


def _deal_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    deal: Deal,
    *,
    search: str = "",
    errors: dict[str, str] | None = None,
    refusals: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    scope = read_scope(actor)
    context = {
        "deal": deal,
        "status_label": _(STATUS_LABELS[deal.status]),
        "timeline": _timeline(runtime, deal),
        "products": list(deal.products.values()),
        "product_labels": PRODUCT_LABELS,
        "product_kinds": [(k.value, _(PRODUCT_LABELS[k])) for k in ProductKind],
        "sees_cost": scope.sees_cost,
        "search": search,
        "vehicles": _search(runtime, actor, deal, search) if deal.status in _EDITABLE else [],
        "editable": deal.status in _EDITABLE,
        "errors": errors or {},
        "refusals": refusals or {},
        "values": values or {},
        "desk": desk_view(runtime, deal),
    }
    return render(request, "deals/deal.html", context, actor=actor, status=status)


_EDITABLE = (DealStatus.OPEN, DealStatus.QUOTED)


@router.get("/deals/{deal_id}")
def deal_page(
    deal_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    q: str = "",
) -> Response:
    """One deal: its timeline, vehicle, quote, products and the next step."""
    deal = runtime.sales.get_deal(actor, deal_id)
    return _deal_page(request, runtime, actor, deal, search=q)


@router.get("/deals/{deal_id}/vehicles")
def vehicle_results(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep, q: str = ""
) -> Response:
    """The stock matching the words typed so far (htmx swaps it under the search field)."""
    deal = runtime.sales.get_deal(actor, deal_id)
    vehicles = _search(runtime, actor, deal, q) if deal.status in _EDITABLE else []
    context = {"deal": deal, "vehicles": vehicles, "search": q}
    return render(request, "deals/_vehicles.html", context, actor=actor)


async def _step(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    deal_id: UUID,
    name: str,
    read: Any,
    fields: tuple[str, ...] = (),
) -> Response:
    """Read a form of the deal page, then write it once; refused, the page again with why."""
    form = await read_form(request)
    version = form.integer("version", required=False, low=1, high=10**9) or None
    write = read(form, version)
    if not form.ok or write is None:
        deal = await run_in_threadpool(runtime.sales.get_deal, actor, deal_id)
        return await run_in_threadpool(
            lambda: _deal_page(
                request,
                runtime,
                actor,
                deal,
                errors=form.errors,
                values=form.values,
                status=422,
            )
        )
    try:
        return await submit(
            request,
            actor.user_id,
            form,
            write,
            then=lambda _written: f"{PREFIX}/deals/{deal_id}",
            fields=fields,
        )
    except Refused as refused:
        deal = await run_in_threadpool(runtime.sales.get_deal, actor, deal_id)
        message = _explained(refused, deal)
        errors = {refused.field: message} if refused.field else {}
        refusals = {} if refused.field else {name: message}
        return await run_in_threadpool(
            lambda: _deal_page(
                request,
                runtime,
                actor,
                deal,
                errors=errors,
                refusals=refusals,
                values=form.values,
                status=422,
            )
        )


@router.post("/deals/{deal_id}/vehicle")
async def attach_vehicle(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Attach (or swap) the vehicle picked from the search."""

    def read(form: FormReader, version: int | None) -> Any:
        vehicle_id = form.uuid("vehicle_id")
        if vehicle_id is None:
            return None
        return lambda: runtime.sales.attach_vehicle(actor, deal_id, vehicle_id, version)

    return await _step(request, runtime, actor, deal_id, "vehicle", read)


@router.post("/deals/{deal_id}/quote")
async def quote_deal(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Quote a price and a discount for the attached vehicle."""

    def read(form: FormReader, version: int | None) -> Any:
        price = form.money("price")
        discount = form.money("discount", required=False) or Decimal(0)
        if price is not None and "discount" not in form.errors and discount > price:
            form.errors["discount"] = _("The discount is larger than the price.")
        if not form.ok or price is None:
            return None
        return lambda: runtime.sales.quote_deal(actor, deal_id, price, discount, version)

    return await _step(request, runtime, actor, deal_id, "quote", read, ("price", "discount"))


@router.post("/deals/{deal_id}/products")
async def add_product(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Sell an F&I product or accessories on the deal."""

    def read(form: FormReader, version: int | None) -> Any:
        kind = form.choice("kind", [k.value for k in ProductKind])
        provider = form.text("provider", required=False, max_length=100) or None
        amount = form.money("amount", required=False)
        income = form.money("income", required=False)
        revenue = form.money("revenue", required=False)
        cost = form.money("cost", required=False)
        if not form.ok:
            return None
        return lambda: runtime.sales.add_product(
            actor,
            deal_id,
            uuid4(),
            kind,
            provider=provider,
            amount=amount,
            income=income,
            revenue=revenue,
            cost=cost,
            expected_version=version,
        )

    fields = ("kind", "provider", "amount", "income", "revenue", "cost")
    return await _step(request, runtime, actor, deal_id, "products", read, fields)


@router.post("/deals/{deal_id}/contract")
async def sign_contract(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Sign the contract at the quoted price."""

    def read(form: FormReader, version: int | None) -> Any:
        return lambda: runtime.sales.sign_contract(actor, deal_id, version)

    return await _step(request, runtime, actor, deal_id, "contract", read)


@router.post("/deals/{deal_id}/delivery")
async def deliver_deal(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Hand the car over to the customer."""

    def read(form: FormReader, version: int | None) -> Any:
        return lambda: runtime.sales.deliver_deal(actor, deal_id, version)

    return await _step(request, runtime, actor, deal_id, "delivery", read)


@router.post("/deals/{deal_id}/cancellation")
async def cancel_deal(
    deal_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Give the deal up before its contract, with a reason; its car goes back to stock."""

    def read(form: FormReader, version: int | None) -> Any:
        reason = form.text("reason", max_length=500)
        if not form.ok:
            return None
        return lambda: runtime.sales.cancel_deal(actor, deal_id, reason, version)

    return await _step(request, runtime, actor, deal_id, "cancellation", read, ("reason",))


# --- the list ----------------------------------------------------------------------------------


@router.get("/deals")
def deal_list(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    status: str = "",
    offset: int = 0,
) -> Response:
    """Deals in the caller's scope, newest first (as GET /deals), filtered by status."""
    chosen = status if status in STATUS_LABELS else None
    offset = max(0, min(offset, 10_000_000))
    result = directory.list_deals(
        runtime.db,
        scope=read_scope(actor, reach=Reach.OWN),
        status=chosen,
        limit=PAGE,
        offset=offset,
    )
    context = {
        "deals": result["items"],
        "total": result["total"],
        "offset": offset,
        "limit": PAGE,
        "status": chosen or "",
        "statuses": [(s.value, _(STATUS_LABELS[s])) for s in DealStatus],
        "status_labels": STATUS_LABELS,
        "base": f"{PREFIX}/deals" + (f"?status={chosen}" if chosen else ""),
    }
    return render(request, "deals/list.html", context, actor=actor)


# --- my month ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One KPI of the month against its target."""

    kpi_id: str
    label: str
    unit: str
    value: Decimal | None
    target: Decimal | None

    @property
    def progress(self) -> Decimal | None:
        if self.value is None or not self.target:
            return None
        return self.value / self.target


def _measures(runtime: Runtime, actor: Principal, month: str) -> list[Measure]:
    """Units, gross, conversion and CSI of the month (as GET /reports/kpis), against the
    targets set for the caller (as GET /targets)."""
    table = kpi_queries.kpi_table(runtime.db, month=month, limit=1, scope=read_scope(actor))
    counters: dict[str, Any] = table["items"][0] if table["items"] else {}
    targets = performance.targets(
        runtime.db, month, limit=100, scope=read_scope(actor, reach=Reach.OWN)
    )["items"]
    measures = []
    for kpi_id, default_version, label in MONTH_KPIS:
        target = next((t for t in targets if t["kpi_id"] == kpi_id), None)
        version = int(target["kpi_version"]) if target else default_version
        definition = kpis.definition(kpi_id, version)
        measures.append(
            Measure(
                kpi_id=kpi_id,
                label=label,
                unit=definition.unit.value,
                value=kpis.kpi_value(kpi_id, version, counters),
                target=None if target is None else Decimal(str(target["value"])),
            )
        )
    return measures


@router.get("/my-month")
def my_month(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    month: str = "",
) -> Response:
    """The salesperson's month: KPIs against targets, pay to date and the next tier."""
    errors: dict[str, str] = {}
    if month and not MONTH.match(month):
        errors["month"] = _("Enter a month as YYYY-MM.")
    pay = runtime.payroll.provisional(actor, month if month and not errors else None)
    statement = StatementOut.model_validate(pay.statement)
    tier = statement.tiers[0] if statement.tiers else None
    context = {
        "month": pay.month,
        "pay": pay,
        "statement": statement,
        "tier": tier,
        "period_label": _(PERIOD_LABELS.get(pay.period_status or "", "open")),
        "measures": _measures(runtime, actor, pay.month),
        "errors": errors,
        "values": {"month": month} if errors else {},
    }
    return render(
        request, "deals/my_month.html", context, actor=actor, status=422 if errors else 200
    )
