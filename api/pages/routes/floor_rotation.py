"""The floor rotation page ("up" system): who is up now and the order after, refreshing itself;
check in and out, with a customer, take a walk-in, and the manager's skip and move.

The same calls as the JSON routes (`api/routes/floor_rotation.py`): `FloorRotations` for the
line and every write, the directory view (through `people`) for names. Who may do what is
decided there; the template only leaves out forms a role could not send (`may(...)`).
The line is polled by htmx every few seconds as a piece of its own, so a form being typed in
(outside that piece) is never wiped by a refresh.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import RuntimeDep
from api.pages import people
from api.pages.forms import read_form, run_command
from api.pages.i18n import N_
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from domain.floor.rotation import FloorRotation
from domain.shared.access import SALES_FLOOR, read_scope
from domain.shared.actor import Principal
from domain.shared.errors import NotFoundError
from projections.directory import queries as directory
from workers.runtime import Runtime

BASE = PREFIX + "/rotation"
router = APIRouter(prefix=BASE, include_in_schema=False)
NAV = [NavItem(BASE, N_("Floor rotation"), SALES_FLOOR, order=5, group="floor")]
# How often the line refreshes itself on the page (seconds): a walk-in is taken within a
# minute of arriving, so a few seconds of staleness is what a glance at the phone tolerates.
REFRESH_SECONDS = 5


def _store_of(runtime: Runtime, actor: Principal, asked: UUID | None) -> UUID:
    """The own store for store-bound staff, else the one asked for (or the group's first)."""
    if actor.store_id is not None:
        return actor.store_id
    if asked is not None:
        return asked
    stores = directory.list_stores(runtime.db, scope=read_scope(actor), limit=1)["items"]
    if not stores:
        raise NotFoundError("store", "none")
    return UUID(str(stores[0]["id"]))


def _board(runtime: Runtime, actor: Principal, store_id: UUID) -> dict[str, Any]:
    line: FloorRotation = runtime.floor_rotations.rotation(actor, store_id)
    store = runtime.organisation.get_store(actor, store_id)
    names = people.names(runtime, actor, store_id=store_id)
    me = actor.staff_id
    return {
        "store_id": store_id,
        "day": line.day,
        "up": line.up,
        "line": [
            {"id": s, "place": i, "busy": s in line.busy, "up": s == line.up}
            for i, s in enumerate(line.order, start=1)
        ],
        "takes": list(reversed(line.takes))[:10],
        "names": names,
        "me": me,
        "in_line": me is not None and me in line.order,
        "me_busy": me is not None and me in line.busy,
        "refresh": REFRESH_SECONDS,
        "zone": store.timezone,
    }


def _page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    store_id: UUID,
    status: int = 200,
    **form: Any,
) -> Response:
    store = runtime.organisation.get_store(actor, store_id)
    board = _board(runtime, actor, store_id)
    context = {
        "store": store,
        "board": board,
        "people": [(s["id"], board["names"].get(s["id"], str(s["id"]))) for s in board["line"]],
        "places": [(i, str(i)) for i in range(1, len(board["line"]) + 1)],
        "errors": form.pop("errors", {}),
        "values": form.pop("values", {}),
        **form,
    }
    if context["errors"] or context.get("form_error"):
        status = 422
    return render(request, "floor_rotation/rotation.html", context, actor=actor, status=status)


@router.get("")
def rotation_page(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, store: UUID | None = None
) -> Response:
    """Today's walk-in line of the store: who is up, the order after, recent walk-ins."""
    return _page(request, runtime, actor, _store_of(runtime, actor, store))


@router.get("/board")
def rotation_board(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, store: UUID | None = None
) -> Response:
    """The line alone (an htmx piece the page polls)."""
    board = _board(runtime, actor, _store_of(runtime, actor, store))
    return render(request, "floor_rotation/_board.html", {"board": board}, actor=actor)


def _back(store_id: UUID) -> str:
    return f"{BASE}?store={store_id}"


async def _run(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    store_id: UUID,
    form: Any,
    write: Any,
    fields: tuple[str, ...] = (),
) -> Response:
    return await run_command(
        request,
        actor.user_id,
        form,
        write=write,
        then=lambda _w: _back(store_id),
        fields=fields,
        again=lambda errors, form_error: _page(
            request,
            runtime,
            actor,
            store_id,
            errors=errors,
            form_error=form_error,
            values=form.values,
        ),
    )


@router.post("/{store_id}/check-in")
async def check_in(
    store_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    return await _run(
        request,
        runtime,
        actor,
        store_id,
        form,
        lambda: runtime.floor_rotations.check_in(actor, store_id),
    )


@router.post("/{store_id}/check-out")
async def check_out(
    store_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    return await _run(
        request,
        runtime,
        actor,
        store_id,
        form,
        lambda: runtime.floor_rotations.check_out(actor, store_id),
    )


@router.post("/{store_id}/with-customer")
async def with_customer(
    store_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    busy = form.flag("busy")
    return await _run(
        request,
        runtime,
        actor,
        store_id,
        form,
        lambda: runtime.floor_rotations.set_with_customer(actor, store_id, busy),
    )


@router.post("/{store_id}/walk-ins")
async def take_walk_in(
    store_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    name = form.text("customer_name", max_length=100)
    phone = form.phone("customer_phone")
    model = form.text("model_interest", required=False, max_length=100) or None
    return await _run(
        request,
        runtime,
        actor,
        store_id,
        form,
        lambda: runtime.floor_rotations.take_walk_in(actor, store_id, name, phone, model).written,
        ("customer_name", "customer_phone", "model_interest"),
    )


@router.post("/{store_id}/skips")
async def skip(
    store_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    staff_id = form.uuid("skip_staff_id")
    reason = form.text("reason", max_length=200)
    return await _run(
        request,
        runtime,
        actor,
        store_id,
        form,
        lambda: runtime.floor_rotations.skip(actor, store_id, staff_id, reason),  # type: ignore[arg-type]
        ("reason",),
    )


@router.post("/{store_id}/moves")
async def move(
    store_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    staff_id = form.uuid("move_staff_id")
    place = form.integer("place", low=1, high=500)
    return await _run(
        request,
        runtime,
        actor,
        store_id,
        form,
        lambda: runtime.floor_rotations.move(actor, store_id, staff_id, place),  # type: ignore[arg-type]
        ("place",),
    )
