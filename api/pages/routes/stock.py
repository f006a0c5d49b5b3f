"""Stock on the pages: the reports a store manager and the group read (days' supply over a
stated window, purchase guidance with its inputs, aging as of a day with the store's aged
threshold, the month's turnover), and the pipeline with the group's transfer approvals.

The same queries (projections/stock_reports) and service (domain/stock) as the JSON routes
GET /stock/days-supply ... and POST /stock/transfers/{id}/approval; the services and the read
scope decide who may (domain/shared/access.py: STOCK_READERS, TRANSFER_APPROVERS, COST_BLIND).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import ConsistentDep, RuntimeDep
from api.pages.forms import Refused, raise_access, read_form, submit
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from domain.shared import months
from domain.shared.access import STOCK_READERS, ensure_role, read_scope
from domain.shared.actor import Principal
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, now
from domain.shared.errors import InvalidValueError, NotFoundError
from projections.directory import queries as directory
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
) -> Response:
    ensure_role(actor, *STOCK_READERS)
    answer = queries.pipeline(runtime.db, scope=read_scope(actor))
    return render(
        request,
        "stock/pipeline.html",
        {
            "items": answer["items"],
            "stores": _stores(runtime, actor),
            "status_labels": {k: _(v) for k, v in STATUS_LABELS.items()},
            "failed": failed,
            "form_error": form_error,
        },
        actor=actor,
        status=status,
    )


@router.get("/stock/pipeline")
def pipeline(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, _position: ConsistentDep
) -> Response:
    """OEM orders and transfers on their way, with the group's approval of each transfer."""
    return _pipeline_page(request, runtime, actor)


@router.post("/stock/transfers/{vehicle_id}/{action}")
async def decide(
    vehicle_id: UUID, action: str, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Approve a requested transfer, or refuse it with a reason (admin, group executive)."""
    form = await read_form(request)
    stock = runtime.stock
    if action == "approve":
        write: Any = lambda: stock.approve_transfer(actor, vehicle_id)  # noqa: E731
        fields: tuple[str, ...] = ()
    elif action == "refuse":
        reason = form.text("reason", max_length=500)
        write = lambda: stock.refuse_transfer(actor, vehicle_id, reason)  # noqa: E731
        fields = ("reason",)
    else:
        raise NotFoundError("page", action)
    message = None
    if form.ok:
        try:
            return await submit(
                request,
                actor.user_id,
                form,
                write=write,
                then=lambda _written: f"{PREFIX}/stock/pipeline",
                fields=fields,
            )
        except Refused as refused:
            raise_access(refused)
            message = refused.message
    else:
        message = next(iter(form.errors.values()), None)
    return await run_in_threadpool(
        lambda: _pipeline_page(
            request, runtime, actor, status=422, failed=str(vehicle_id), form_error=message
        )
    )
