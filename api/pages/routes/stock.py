"""Stock on the pages: the reports a store manager and the group read (days' supply over a
stated window, purchase guidance with its inputs, aging as of a day with the store's aged
threshold, the month's turnover), and the pipeline with a form for each next step of an OEM
order (place, allocate, ship, receive) and of a transfer (request, approve or refuse, ship,
receive).

The same queries (projections/stock_reports) and service (domain/stock) as the JSON routes
GET /stock/days-supply ... and POST /stock/orders/..., /stock/transfers/...; the services and
the read scope decide who may (domain/shared/access.py: STOCK_READERS, MANAGERS,
TRANSFER_APPROVERS, COST_BLIND).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import ConsistentDep, RuntimeDep
from api.pages.forms import FormReader, read_form, run_command
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from domain.shared import months
from domain.shared.access import (
    MANAGERS,
    STOCK_READERS,
    acts_for_store,
    allows,
    ensure_role,
    own_store_of_manager,
    read_scope,
)
from domain.shared.actor import Principal
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, now
from domain.shared.errors import InvalidValueError, NotFoundError
from domain.shared.values import vin as checked_vin
from projections.directory import queries as directory
from projections.inventory import queries as inventory
from projections.stock_reports import queries
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = [
    NavItem(PREFIX + "/stock", N_("Stock reports"), STOCK_READERS, order=70),
    NavItem(PREFIX + "/stock/pipeline", N_("Stock pipeline"), STOCK_READERS, order=71),
]
WINDOWS = (30, 90)
STATUS_LABELS = {
    "ordered": N_("Ordered"),
    "allocated": N_("Allocated"),
    "in_transit": N_("In transit"),
    "requested": N_("Transfer requested"),
    "approved": N_("Transfer approved"),
}


def _today(runtime: Runtime, actor: Principal) -> date:
    zone = DEFAULT_TIMEZONE
    if actor.store_id is not None:
        zone = runtime.organisation.get_store(actor, actor.store_id).timezone
    return business_day(now(), zone)


def _stores(runtime: Runtime, actor: Principal) -> dict[str, str]:
    found = directory.list_stores(runtime.db, limit=100, scope=read_scope(actor))
    return {str(s["id"]): s["name"] for s in found["items"]}


def supply_chart(answer: dict[str, Any], stores: dict[str, str]) -> dict[str, Any]:
    """Bars: days' supply per line (lines with no sales in the window are left out)."""
    items = [i for i in answer["items"] if i["days_supply"] is not None][:30]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 48, "right": 12, "bottom": 80, "top": 24},
        "xAxis": {
            "type": "category",
            "data": [f"{stores.get(str(i['store_id']), '')} {i['model']}".strip() for i in items],
            "axisLabel": {"interval": 0, "rotate": 30},
        },
        "yAxis": {"type": "value", "name": _("days")},
        "series": [
            {
                "name": _("Days' supply"),
                "type": "bar",
                "data": [float(i["days_supply"]) for i in items],
            }
        ],
    }


@router.get("/stock")
def reports(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    window: int = 30,
    as_of: date | None = None,
    month: str | None = None,
    condition: str = "new",
    store_id: UUID | None = None,
) -> Response:
    """Days' supply, purchase guidance, aging as of a day and the month's turnover."""
    ensure_role(actor, *STOCK_READERS)
    window = window if window in WINDOWS else 30
    condition = condition if condition in ("new", "used") else "new"
    scope = read_scope(actor, store_id=store_id)
    scope.ensure_visible()
    today = _today(runtime, actor)
    day = as_of if as_of is not None and as_of <= today else today
    chosen = month if month and _month_ok(month) else None
    chosen = chosen or months.previous_month(months.of_day(today))
    stores = _stores(runtime, actor)
    supply = queries.days_supply(
        runtime.db, scope=scope, as_of=day, window=window, condition=condition
    )
    return render(
        request,
        "stock/reports.html",
        {
            "window": window,
            "windows": WINDOWS,
            "as_of": day,
            "today": today,
            "month": chosen,
            "condition": condition,
            "store_id": store_id,
            "stores": stores,
            "supply": supply,
            "guidance": queries.guidance(
                runtime.db, scope=scope, as_of=day, window=window, condition=condition
            ),
            "aging": queries.aging(runtime.db, scope=scope, as_of=day, condition=condition),
            "turnover": None
            if not scope.sees_cost
            else queries.turnover(runtime.db, scope=scope, month=chosen, condition=condition),
            "chart": supply_chart(supply, stores),
            "charts": any(i["days_supply"] is not None for i in supply["items"]),
        },
        actor=actor,
    )


def _month_ok(month: str) -> bool:
    try:
        months.parse(month)
    except InvalidValueError:  # a bad month in the address falls back to the last one
        return False
    return True


def _pipeline_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    *,
    status: int = 200,
    failed: str | None = None,
    form_error: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    ensure_role(actor, *STOCK_READERS)
    scope = read_scope(actor)
    answer = queries.pipeline(runtime.db, scope=scope)
    manager = allows(actor, MANAGERS)
    return render(
        request,
        "stock/pipeline.html",
        {
            "items": answer["items"],
            "stores": _stores(runtime, actor),
            "status_labels": {k: _(v) for k, v in STATUS_LABELS.items()},
            "failed": failed,
            "form_error": form_error,
            "errors": errors or {},
            "values": values or {},
            # What the forms offer is what the service allows (domain/stock/service.py): a
            # store manager orders for, ships from and receives at their own store; admin any.
            "manages": lambda store_id: manager and acts_for_store(actor, store_id),
            "order_stores": _order_stores(runtime, actor) if manager else [],
            # A transfer goes to any open store: the destination is a store's name, not its data.
            "destinations": _destinations(runtime, actor) if manager else [],
            "in_stock": _in_stock(runtime, actor) if manager else [],
        },
        actor=actor,
        status=status,
    )


def _order_stores(runtime: Runtime, actor: Principal) -> list[tuple[str, str]]:
    found = directory.list_stores(runtime.db, active=True, limit=100, scope=read_scope(actor))
    return [(str(s["id"]), s["name"]) for s in found["items"]]


def _destinations(runtime: Runtime, actor: Principal) -> list[tuple[str, str]]:
    """Every open store but a store manager's own (the cars offered stand in it)."""
    found = directory.list_stores(runtime.db, active=True, limit=100)
    own = own_store_of_manager(actor)
    return [(str(s["id"]), s["name"]) for s in found["items"] if str(s["id"]) != own]


def _in_stock(runtime: Runtime, actor: Principal) -> list[tuple[str, str]]:
    """The cars in the actor's stores a transfer may be requested for (oldest first)."""
    found = inventory.vehicles(
        runtime.db, "in_stock", scope=read_scope(actor), as_of=_today(runtime, actor), limit=200
    )
    return [
        (
            str(v["id"]),
            " ".join(str(v[k]) for k in ("make", "model", "trim", "colour") if v[k])
            + f" · {v['vin']}",
        )
        for v in found["items"]
    ]


@router.get("/stock/pipeline")
def pipeline(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, _position: ConsistentDep
) -> Response:
    """OEM orders and transfers on their way, with the forms that move each one on."""
    return _pipeline_page(request, runtime, actor)


async def _run(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    form: FormReader,
    failed: str,
    write: Callable[[], Any],
    fields: tuple[str, ...],
    field: str | None = None,
) -> Response:
    """One pipeline form: its errors beside its own fields (`failed` names the form), nothing
    written; else the service's write and back to the pipeline. `write` runs only for a valid
    form, so the fields a reader gave as None never reach the service (hence the routes'
    `type: ignore[arg-type]`)."""

    def again(errors: dict[str, str], message: str | None) -> Response:
        return _pipeline_page(
            request,
            runtime,
            actor,
            status=422,
            failed=failed,
            form_error=message,
            errors=errors,
            values=form.values,
        )

    return await run_command(
        request,
        actor.user_id,
        form,
        write=write,
        then=lambda _written: f"{PREFIX}/stock/pipeline",
        again=again,
        fields=fields,
        field=field,
    )


def _vin(form: FormReader, name: str) -> str:
    """A VIN checked on the page (length, letters, check digit), so that its message stands
    beside the field together with the form's other errors."""
    value = form.text(name, max_length=17)
    if value and name not in form.errors:
        try:
            return checked_vin(value)
        except InvalidValueError:
            form.errors[name] = _("Not a valid VIN: 17 characters with a correct check digit.")
    return value


@router.post("/stock/orders")
async def place_order(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Order a car from the maker for a store (admin, or that store's manager)."""
    form = await read_form(request)
    store_id = form.uuid("store_id")
    make = form.text("make", max_length=60)
    model = form.text("model", max_length=60)
    trim = form.text("trim", required=False, max_length=60)
    colour = form.text("colour", required=False, max_length=60)
    year = form.integer("model_year", low=1990, high=2100)
    stock = runtime.stock
    return await _run(
        request,
        runtime,
        actor,
        form,
        "order",
        lambda: stock.place_order(actor, store_id, make, model, trim, colour, year),  # type: ignore[arg-type]
        ("store_id", "make", "model", "trim", "colour", "model_year"),
    )


@router.post("/stock/orders/{order_id}/{action}")
async def move_order(
    order_id: UUID, action: str, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """The maker's allocation (VIN, invoice cost, list price), the shipment (expected day), the
    receipt (the allocated VIN: the car enters stock), by the store's manager or admin."""
    form = await read_form(request)
    stock = runtime.stock
    write: Callable[[], Any]
    if action == "allocate":
        vin = _vin(form, "vin")
        cost = form.money("cost")
        price = form.money("list_price")
        write = lambda: stock.allocate_order(actor, order_id, vin, cost, price)  # type: ignore[arg-type]  # noqa: E731
        fields: tuple[str, ...] = ("vin", "cost", "list_price")
        field: str | None = None
    elif action == "ship":
        expected = form.day("expected_on")
        write = lambda: stock.ship_order(actor, order_id, expected)  # type: ignore[arg-type]  # noqa: E731
        fields, field = ("expected_on",), "expected_on"
    elif action == "receive":
        vin = _vin(form, "vin")
        write = lambda: stock.receive_order(actor, order_id, vin)  # noqa: E731
        fields, field = ("vin",), "vin"
    else:
        raise NotFoundError("page", action)
    return await _run(request, runtime, actor, form, f"{order_id}-{action}", write, fields, field)


@router.post("/stock/transfers")
async def request_transfer(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Ask to move a car in stock to another store at a cost (the manager of either store, or
    admin); the group approves it."""
    form = await read_form(request)
    vehicle_id = form.uuid("vehicle_id")
    to_store_id = form.uuid("to_store_id")
    cost = form.money("cost")
    reason = form.text("reason", required=False, max_length=500)
    stock = runtime.stock
    return await _run(
        request,
        runtime,
        actor,
        form,
        "transfer",
        lambda: stock.request_transfer(actor, vehicle_id, to_store_id, cost, reason),  # type: ignore[arg-type]
        ("vehicle_id", "to_store_id", "cost", "reason"),
        "vehicle_id",
    )


@router.post("/stock/transfers/{vehicle_id}/{action}")
async def decide(
    vehicle_id: UUID, action: str, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Approve a requested transfer, or refuse it with a reason (admin, group executive); ship
    it (the sending store's manager) and receive it (the receiving store's manager)."""
    form = await read_form(request)
    stock = runtime.stock
    write: Callable[[], Any]
    fields: tuple[str, ...] = ()
    field: str | None = None
    if action == "approve":
        write = lambda: stock.approve_transfer(actor, vehicle_id)  # noqa: E731
    elif action == "refuse":
        reason = form.text("reason", max_length=500)
        write = lambda: stock.refuse_transfer(actor, vehicle_id, reason)  # noqa: E731
        fields, field = ("reason",), "reason"
    elif action == "ship":
        expected = form.day("expected_on")
        write = lambda: stock.ship_transfer(actor, vehicle_id, expected)  # type: ignore[arg-type]  # noqa: E731
        fields, field = ("expected_on",), "expected_on"
    elif action == "receive":
        write = lambda: stock.receive_transfer(actor, vehicle_id)  # noqa: E731
    else:
        raise NotFoundError("page", action)
    return await _run(request, runtime, actor, form, f"{vehicle_id}-{action}", write, fields, field)
