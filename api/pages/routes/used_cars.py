"""Used cars: the used stock (age, cost with recon, T2L, the aged policy's price step and
wholesale flag), one car's reconditioning (整备) and disposal, buying a car, and the store's
aged-used-car policy.

Every read and write is the call the JSON routes make (api/routes/used_cars.py) with the
signed-in principal: the services and the read scope decide what shows.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import ConsistentDep, RuntimeDep
from api.pages.forms import FormReader, read_form, run_command
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from api.routes.follow_ups import store_today
from api.routes.used_cars import used_car_out
from domain.inventory.used import ACQUISITION_SOURCES, WHOLESALE_BUYERS
from domain.shared.access import MANAGERS, allows, read_scope
from domain.shared.actor import Principal, Role
from domain.shared.errors import NotFoundError
from domain.shared.values import Condition
from projections.directory import queries as directory
from projections.used_stock import queries
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX + "/used-cars", include_in_schema=False)
READERS = (
    Role.ADMIN,
    Role.STORE_MANAGER,
    Role.TEAM_LEADER,
    Role.SALESPERSON,
    Role.GROUP_EXEC,
    Role.FINANCE,
)
NAV = [
    NavItem(PREFIX + "/used-cars", N_("Used cars"), READERS, order=45),
    NavItem(PREFIX + "/used-cars/policy", N_("Aged used-car policy"), MANAGERS, order=67),
]
SOURCES = {
    "private": N_("Private seller"),
    "auction": N_("Auction"),
    "transfer": N_("Transfer"),
    "trade_in": N_("Trade-in"),
}
BUYERS = {"dealer": N_("Dealer"), "auction": N_("Auction")}
STATUSES = {
    "in_stock": N_("In stock"),
    "reserved": N_("Reserved"),
    "sold": N_("Sold"),
    "delivered": N_("Delivered"),
    "wholesaled": N_("Wholesaled"),
}
ORDER_STATUSES = {"open": N_("Open"), "started": N_("Started"), "finished": N_("Finished")}
LABELS = {
    "sources": SOURCES,
    "buyers": BUYERS,
    "statuses": STATUSES,
    "order_statuses": ORDER_STATUSES,
}


def _stores(runtime: Runtime, actor: Principal) -> list[dict[str, Any]]:
    """Stores the actor may choose between (a login without a store: every open one)."""
    if actor.store_id is not None:
        return []
    found = directory.list_stores(runtime.db, active=True, limit=100, scope=read_scope(actor))
    return list(found["items"])


def _known(value: UUID | None) -> UUID:
    """A form's id, once the form is known to be valid (run_command writes only then)."""
    if value is None:
        raise NotFoundError("store", "")
    return value


def _amount(value: Decimal | None) -> Decimal:
    """A form's amount, once the form is known to be valid."""
    return Decimal(0) if value is None else value


# --- the used stock -----------------------------------------------------------------------------


@router.get("")
def stock_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> Response:
    """The used cars on hand with age, cost with recon, T2L, price step and wholesale flag."""
    stores = _stores(runtime, actor)
    chosen = store_id or actor.store_id or (stores[0]["id"] if stores else None)
    today = store_today(runtime, actor)
    scope = read_scope(actor, store_id=chosen)
    cars = queries.used_cars(runtime.db, scope=scope, as_of=today, limit=200)
    gross = (
        queries.disposal_gross(runtime.db, today.strftime("%Y-%m"), scope=scope)
        if scope.sees_cost and scope.visible
        else None
    )
    context = {
        "stores": stores,
        "store_id": chosen,
        "cars": cars["items"],
        "as_of": today,
        "gross": gross,
        "month": today.strftime("%Y-%m"),
        "can_manage": allows(actor, MANAGERS),
        "labels": LABELS,
    }
    return render(request, "used_cars/stock.html", context, actor=actor)


# --- buying a car -------------------------------------------------------------------------------


def _new_page(
    request: Request, actor: Principal, runtime: Runtime, status: int = 200, **extra: Any
) -> Response:
    stores = _stores(runtime, actor)
    context = {
        "stores": stores,
        "store_options": [(s["id"], s["name"]) for s in stores],
        "sources": [(s, _(SOURCES[s])) for s in ACQUISITION_SOURCES],
        "errors": {},
        "values": {},
        **extra,
    }
    return render(request, "used_cars/new.html", context, actor=actor, status=status)


@router.get("/new")
def new_page(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """The form to buy a used car from a private seller, at auction or by transfer."""
    return _new_page(request, actor, runtime)


@router.post("/new")
async def acquire(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Buy the used car into the store's stock."""
    form = await read_form(request)
    store_id = actor.store_id or form.uuid("store_id")
    source = form.choice("source", ACQUISITION_SOURCES)
    seller = form.text("seller", max_length=120)
    vin = form.text("vin", max_length=17)
    make = form.text("make", max_length=60)
    model = form.text("model", max_length=60)
    trim = form.text("trim", required=False, max_length=60)
    colour = form.text("colour", required=False, max_length=60)
    year = form.integer("model_year", low=1990, high=2100)
    cost = form.money("cost")
    price = form.money("list_price")
    received_on = form.day("received_on", required=False)
    if store_id is None:
        form.errors.setdefault("store_id", _("Choose one from the list."))

    def again(errors: dict[str, str], message: str | None) -> Response:
        return _new_page(
            request, actor, runtime, 422, errors=errors, form_error=message, values=form.values
        )

    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.used_cars.acquire(
            actor,
            _known(store_id),
            source,
            seller,
            vin,
            make,
            model,
            trim,
            colour,
            year,
            _amount(cost),
            _amount(price),
            received_on=received_on,
        ),
        then=lambda w: f"{PREFIX}/used-cars/{w.id}",
        again=again,
        fields=("vin", "model_year", "cost", "list_price", "received_on", "seller"),
    )


# --- the aged-used-car policy -------------------------------------------------------------------


def _policy_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    store_id: UUID | None,
    status: int = 200,
    **extra: Any,
) -> Response:
    stores = _stores(runtime, actor)
    chosen = store_id or actor.store_id or (stores[0]["id"] if stores else None)
    policy = None if chosen is None else runtime.used_cars.policy(actor, chosen)
    steps = "" if policy is None else ", ".join(f"{s.days}:{s.percent_off}" for s in policy.steps)
    context = {
        "stores": stores,
        "store_id": chosen,
        "steps": steps,
        "wholesale_at_days": None if policy is None else policy.wholesale_at_days,
        "errors": {},
        "values": {},
        **extra,
    }
    return render(request, "used_cars/policy.html", context, actor=actor, status=status)


@router.get("/policy")
def policy_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> Response:
    """The store's price steps at set ages and its wholesale age, with the form to change them."""
    return _policy_page(request, runtime, actor, store_id)


def _steps(form: FormReader) -> list[dict[str, Any]]:
    """Steps typed as '30:5, 45:10' (days:percent off, commas or spaces between)."""
    raw = form.text("steps", required=False, max_length=200)
    parts = [p for p in raw.replace("，", ",").replace("：", ":").replace(" ", ",").split(",") if p]
    steps = []
    for part in parts:
        days, _sep, percent = part.partition(":")
        if not days.isdigit() or not percent.replace(".", "", 1).isdigit():
            form.errors["steps"] = _("Enter steps as days:percent, such as 30:5, 45:10.")
            return []
        steps.append({"days": int(days), "percent_off": percent})
    return steps


@router.post("/policy")
async def save_policy(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Save the store's aged-used-car policy."""
    form = await read_form(request)
    store_id = actor.store_id or form.uuid("store_id")
    steps = _steps(form)
    wholesale_at = (
        form.integer("wholesale_at_days", low=1, high=3650)
        if form.values.get("wholesale_at_days")
        else None
    )
    if store_id is None:
        form.errors.setdefault("steps", _("Choose one from the list."))

    def again(errors: dict[str, str], message: str | None) -> Response:
        return _policy_page(
            request,
            runtime,
            actor,
            store_id,
            422,
            errors=errors,
            form_error=message,
            values=form.values,
        )

    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.used_cars.set_policy(actor, _known(store_id), steps, wholesale_at),
        then=lambda _w: f"{PREFIX}/used-cars/policy?store_id={store_id}",
        again=again,
        fields=("steps", "wholesale_at_days"),
        field="steps",
    )


# --- one car --------------------------------------------------------------------------------


def _car_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    vehicle_id: UUID,
    status: int = 200,
    **extra: Any,
) -> Response:
    vehicle = runtime.inventory.get_vehicle(actor, vehicle_id)
    if vehicle.condition is not Condition.USED:
        raise NotFoundError("used car", vehicle_id)
    context = {
        "car": used_car_out(vehicle, read_scope(actor).sees_cost),
        "today": store_today(runtime, actor),
        "can_manage": allows(actor, MANAGERS),
        "buyers": [(b, _(BUYERS[b])) for b in WHOLESALE_BUYERS],
        "labels": LABELS,
        "errors": {},
        "values": {},
        "form": "",
        **extra,
    }
    return render(request, "used_cars/car.html", context, actor=actor, status=status)


@router.get("/{vehicle_id}")
def car_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _: ConsistentDep,
    vehicle_id: UUID,
) -> Response:
    """One used car: its cost, T2L, work orders and what the manager can do next."""
    return _car_page(request, runtime, actor, vehicle_id)


async def _car_command(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    vehicle_id: UUID,
    name: str,
    form: FormReader,
    write: Callable[[], Any],
    fields: tuple[str, ...],
) -> Response:
    def again(errors: dict[str, str], message: str | None) -> Response:
        return _car_page(
            request,
            runtime,
            actor,
            vehicle_id,
            422,
            errors=errors,
            form_error=message,
            values=form.values,
            form=name,
        )

    return await run_command(
        request,
        actor.user_id,
        form,
        write=write,
        then=lambda _w: f"{PREFIX}/used-cars/{vehicle_id}",
        again=again,
        fields=fields,
    )


@router.post("/{vehicle_id}/orders")
async def open_order(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, vehicle_id: UUID
) -> Response:
    """Open a reconditioning work order."""
    form = await read_form(request)
    workshop = form.text("workshop", max_length=120)
    opened_on = form.day("opened_on", required=False)
    return await _car_command(
        request,
        runtime,
        actor,
        vehicle_id,
        "open",
        form,
        lambda: runtime.used_cars.open_recon_order(actor, vehicle_id, uuid4(), workshop, opened_on),
        ("workshop", "opened_on"),
    )


@router.post("/{vehicle_id}/orders/{order_id}/items")
async def add_item(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, vehicle_id: UUID, order_id: UUID
) -> Response:
    """Add a line of work to an order."""
    form = await read_form(request)
    description = form.text("description", max_length=200)
    vendor = form.text("vendor", required=False, max_length=120)
    cost = form.money("cost")
    return await _car_command(
        request,
        runtime,
        actor,
        vehicle_id,
        f"item-{order_id}",
        form,
        lambda: runtime.used_cars.add_recon_item(
            actor, vehicle_id, order_id, description, vendor, _amount(cost)
        ),
        ("description", "vendor", "cost"),
    )


@router.post("/{vehicle_id}/orders/{order_id}/{step}")
async def step_order(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    vehicle_id: UUID,
    order_id: UUID,
    step: str,
) -> Response:
    """Start or finish an order (on the day given, today by default)."""
    form = await read_form(request)
    day = form.day("day", required=False)
    if step == "start":
        write = lambda: runtime.used_cars.start_recon_order(actor, vehicle_id, order_id, day)  # noqa: E731
    elif step == "finish":
        write = lambda: runtime.used_cars.finish_recon_order(actor, vehicle_id, order_id, day)  # noqa: E731
    else:
        raise NotFoundError("step", step)
    return await _car_command(
        request, runtime, actor, vehicle_id, f"{step}-{order_id}", form, write, ("day",)
    )


@router.post("/{vehicle_id}/front-line")
async def front_line(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, vehicle_id: UUID
) -> Response:
    """Put the car on the front line."""
    form = await read_form(request)
    ready_on = form.day("ready_on", required=False)
    return await _car_command(
        request,
        runtime,
        actor,
        vehicle_id,
        "front-line",
        form,
        lambda: runtime.used_cars.mark_front_line_ready(actor, vehicle_id, ready_on),
        ("ready_on",),
    )


@router.post("/{vehicle_id}/wholesale")
async def wholesale(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, vehicle_id: UUID
) -> Response:
    """Sell the car wholesale."""
    form = await read_form(request)
    buyer = form.text("buyer", max_length=120)
    kind = form.choice("buyer_kind", WHOLESALE_BUYERS)
    price = form.money("price")
    sold_on = form.day("sold_on", required=False)
    return await _car_command(
        request,
        runtime,
        actor,
        vehicle_id,
        "wholesale",
        form,
        lambda: runtime.used_cars.wholesale(
            actor, vehicle_id, buyer, kind, _amount(price), sold_on
        ),
        ("buyer", "buyer_kind", "price", "sold_on"),
    )
