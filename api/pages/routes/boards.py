"""The boards: a store's day and month, the leaderboard, the lead queue, deals that wait on
someone, and the group's stores side by side.

Every figure comes from the queries the report routes (api/routes/reports.py, performance.py)
call, under the same read scope; the lead queue and waiting deals read the directory view.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import ConsistentDep, RuntimeDep
from api.errors import status_of
from api.pages import i18n, people
from api.pages.forms import Refused, read_form, submit
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from domain.organisation.errors import StaffInactiveError
from domain.performance import kpis
from domain.shared import months
from domain.shared.access import (
    FUNNEL_READERS,
    GROUP_READERS,
    MANAGERS,
    Reach,
    ReadScope,
    ensure_role,
    read_scope,
)
from domain.shared.actor import Principal, Role
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, now
from domain.shared.errors import DomainError, InvalidValueError, NotFoundError
from domain.shared.values import Channel
from projections.directory import queries as directory
from projections.directory import queue
from projections.inventory import queries as inventory
from projections.lead_funnel import queries as funnel
from projections.lead_funnel.projection import STAGES
from projections.leaderboard import queries as leaderboard
from projections.performance import queries as performance
from projections.salesperson_kpi import queries as kpi
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = [
    NavItem(PREFIX + "/board", N_("Store board"), FUNNEL_READERS, order=10),
    NavItem(PREFIX + "/leads/queue", N_("Lead queue"), MANAGERS, order=12),
    NavItem(PREFIX + "/deals/waiting", N_("Deals waiting"), MANAGERS, order=14),
    NavItem(PREFIX + "/leaderboard", N_("Leaderboard"), (*FUNNEL_READERS, Role.SALESPERSON), 16),
    NavItem(PREFIX + "/stores", N_("Stores side by side"), GROUP_READERS, order=18),
]

PAGE = 25
ALL = 500  # the largest page a query answers: sums read every page
# How long a lead may wait for its first response before the queue shows it (minutes).
WAITS = (15, 30, 60, 240, 1440)
DEFAULT_WAIT = 30
# How many days a deal may stay unchanged before it shows as waiting.
DAYS = (1, 3, 7, 14, 30)
DEFAULT_DAYS = 3
TREND_MONTHS = 6

STAGE_LABELS = {
    "captured": N_("Captured"),
    "contacted": N_("Contacted"),
    "appointment": N_("Appointment"),
    "shown": N_("Shown"),
    "deal": N_("Deal opened"),
    "delivered": N_("Delivered"),
}
CHANNEL_LABELS = {
    Channel.WALK_IN.value: N_("Walk-in"),
    Channel.PHONE.value: N_("By phone"),
    Channel.WEBSITE.value: N_("Website"),
    Channel.MARKETPLACE.value: N_("Marketplace"),
    Channel.REFERRAL.value: N_("Referral"),
    Channel.CAMPAIGN.value: N_("Campaign"),
}
DEAL_STATUS_LABELS = {
    "open": N_("Waiting for a quote"),
    "quoted": N_("Quoted, not signed"),
    "contracted": N_("Signed, not delivered"),
}
BUCKET_LABELS = {"0-30": N_("0–30 days"), "31-60": N_("31–60 days"), "61-90": N_("61–90 days")}
BUCKET_LABELS["90+"] = N_("Over 90 days")

# The store's counters on the board, in the order of a lead's way to a delivery.
FIGURES = (
    ("leads_assigned", N_("Leads assigned")),
    ("first_responses", N_("First responses")),
    ("appointments_set", N_("Appointments set")),
    ("appointments_shown", N_("Shown")),
    ("deals_contracted", N_("Deals signed")),
    ("units_delivered", N_("Deliveries")),
)


# --- reading ------------------------------------------------------------------------------------


def _store_param(value: str) -> UUID | None:
    """The store filter of a page: empty for all the caller sees; anything else must be an id."""
    if not value.strip():
        return None
    try:
        return UUID(value.strip())
    except ValueError:
        raise NotFoundError("store", value[:40]) from None


def _month_param(value: str) -> str | None:
    if not value.strip():
        return None
    try:
        return months.parse(value.strip())
    except (DomainError, ValueError):
        raise NotFoundError("month", value[:20]) from None


def _choice(value: str, options: tuple[int, ...], default: int) -> int:
    return int(value) if value.isdigit() and int(value) in options else default


def _zone(runtime: Runtime, actor: Principal, scope: ReadScope) -> str:
    if scope.store_id is None:
        return DEFAULT_TIMEZONE
    return runtime.organisation.get_store(actor, scope.store_id).timezone


def _stores(runtime: Runtime, actor: Principal) -> list[dict[str, Any]]:
    """The stores the caller reads (a choice only for those who read more than one)."""
    items: list[dict[str, Any]] = directory.list_stores(
        runtime.db, active=None, limit=ALL, scope=read_scope(actor)
    )["items"]
    return items


def _store_name(stores: list[dict[str, Any]], store_id: UUID | None) -> str:
    for store in stores:
        if store["id"] == store_id:
            return str(store["name"])
    return _("The whole group") if store_id is None else ""


def _sum_lines(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The store's (or group's) counters: its salespeople's lines added up."""
    totals: dict[str, Any] = {}
    for line in lines:
        for key, value in line.items():
            if isinstance(value, int | Decimal) and not isinstance(value, bool):
                if key in ("avg_response_seconds", "csi_average", "units_paid"):
                    continue
                totals[key] = totals.get(key, 0) + value
    if "units_delivered" in totals:
        totals["units_delivered"] = units(totals["units_delivered"])
    return totals


def units(value: Decimal | int) -> Decimal:
    """Units as a person writes them: 3, 2.5 (a split deal's share), never 3.00."""
    shown = Decimal(value).normalize()
    return shown.quantize(Decimal(1)) if shown == shown.to_integral() else shown


def _counters(
    runtime: Runtime,
    scope: ReadScope,
    *,
    month: str | None = None,
    day: date | None = None,
) -> dict[str, Any]:
    """Summed KPI counters of a month or of one day, in the scope (as GET /reports/kpis)."""
    lines: list[dict[str, Any]] = []
    offset = 0
    while True:
        table = kpi.kpi_table(
            runtime.db,
            month=month,
            date_from=day,
            date_to=day,
            limit=ALL,
            offset=offset,
            scope=scope,
        )
        lines += table["items"]
        offset += ALL
        if offset >= table["total"]:
            return _sum_lines(lines)


def _kpi(kpi_id: str, counters: dict[str, Any], version: int = 1) -> Decimal | None:
    return kpis.definition(kpi_id, version).value(counters)


def _month_links(month: str, current: str) -> dict[str, str | None]:
    """The months before and after `month`; none after the current one."""
    later = months.next_month(month)
    return {"previous": months.previous_month(month), "next": later if later <= current else None}


def _query(**values: Any) -> str:
    kept = {k: v for k, v in values.items() if v not in (None, "")}
    return ("?" + urlencode(kept)) if kept else ""


# --- charts -------------------------------------------------------------------------------------


def funnel_chart(answer: dict[str, Any]) -> dict[str, Any]:
    """Grouped bars: the stages along the axis, a bar per channel."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 40, "right": 12, "bottom": 30, "top": 40},
        "xAxis": {"type": "category", "data": [_(STAGE_LABELS[s]) for s in STAGES]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": _(CHANNEL_LABELS.get(line["channel"], line["channel"])),
                "type": "bar",
                "data": [line[s] for s in STAGES],
            }
            for line in answer["channels"]
        ],
    }


def aging_chart(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 40, "right": 12, "bottom": 30, "top": 20},
        "xAxis": {
            "type": "category",
            "data": [_(BUCKET_LABELS[b["bucket"]]) for b in answer["buckets"]],
        },
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": _("Vehicles"),
                "type": "bar",
                "data": [b["vehicles"] for b in answer["buckets"]],
                "itemStyle": {"color": "#b26a00"},
            }
        ],
    }


def _funnel_rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [
        {**line, "label": _(CHANNEL_LABELS.get(line["channel"], line["channel"]))}
        for line in answer["channels"]
    ]
    return [*rows, {**answer["total"], "label": _("Total")}]


# --- the store board ----------------------------------------------------------------------------


def _targets(
    runtime: Runtime, actor: Principal, scope: ReadScope, month: str, counters: dict[str, Any]
) -> list[dict[str, Any]]:
    """The store's own targets of the month, each with the store's figure and how far it got."""
    if scope.store_id is None:
        return []
    answer = performance.targets(
        runtime.db,
        month,
        target_scope="store",
        subject_id=scope.store_id,
        limit=ALL,
        scope=read_scope(actor, store_id=scope.store_id, reach=Reach.OWN),
    )
    lines = []
    for target in answer["items"]:
        try:
            definition = kpis.definition(target["kpi_id"], target["kpi_version"])
        except DomainError:
            continue
        actual = definition.value(counters)
        value = Decimal(target["value"])
        progress = None if actual is None or value == 0 else actual / value
        if definition.unit in (kpis.Unit.UNITS, kpis.Unit.COUNT):
            value, actual = units(value), None if actual is None else units(actual)
        lines.append(
            {
                "name": definition.name_zh
                if i18n.current.get().startswith("zh")
                else definition.name_en,
                "unit": definition.unit.value,
                "target": value,
                "actual": actual,
                "progress": progress,
                "lower_is_better": definition.direction is kpis.Direction.LOWER,
            }
        )
    return lines


def _board(runtime: Runtime, actor: Principal, store: str, month_asked: str) -> dict[str, Any]:
    store_id = _store_param(store)
    ensure_role(actor, *FUNNEL_READERS)  # as GET /reports/funnel: not a salesperson's board
    scope = read_scope(actor, store_id=store_id)
    scope.ensure_visible()
    zone = _zone(runtime, actor, scope)
    today = business_day(now(), zone)
    this_month = months.of_day(today)
    month = _month_param(month_asked) or this_month
    stores = _stores(runtime, actor)
    month_counters = _counters(runtime, scope, month=month)
    today_counters = _counters(runtime, scope, day=today) if month == this_month else None
    funnel_answer = funnel.funnel(runtime.db, month=month, scope=scope)
    aging = inventory.aging(runtime.db, as_of=today, scope=scope)
    answered_by = now() - timedelta(minutes=DEFAULT_WAIT)
    waiting_leads = queue.lead_queue(
        runtime.db,
        scope=read_scope(actor, store_id=scope.store_id, reach=Reach.OWN),
        answered_by=answered_by,
        limit=1,
    )["total"]
    waiting_deals = queue.waiting_deals(
        runtime.db,
        scope=read_scope(actor, store_id=scope.store_id, reach=Reach.OWN),
        unchanged_since=now() - timedelta(days=DEFAULT_DAYS),
        limit=1,
    )["total"]
    return {
        "title": _("Store board"),
        "stores": stores,
        "store_id": scope.store_id,
        "store_name": _store_name(stores, scope.store_id),
        "month": month,
        "months": _month_links(month, this_month),
        "today": today if today_counters is not None else None,
        "today_counters": today_counters,
        "month_counters": month_counters,
        "figures": [(key, _(label)) for key, label in FIGURES],
        "conversion": _kpi("conversion_rate", month_counters),
        "avg_response": _kpi("avg_response_minutes", month_counters),
        "csi": _kpi("csi", month_counters),
        "targets": _targets(runtime, actor, scope, month, month_counters),
        "funnel": _funnel_rows(funnel_answer),
        "stages": [(s, _(STAGE_LABELS[s])) for s in STAGES],
        "funnel_chart": funnel_chart(funnel_answer),
        "aging": [{**b, "label": _(BUCKET_LABELS[b["bucket"]])} for b in aging["buckets"]],
        "aging_total": aging["total"],
        "aging_chart": aging_chart(aging),
        "waiting_leads": waiting_leads,
        "waiting_deals": waiting_deals,
        "wait": DEFAULT_WAIT,
        "days": DEFAULT_DAYS,
        "charts": True,
        "query": _query(store_id=store_id),
    }


@router.get("/board")
async def store_board(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    store_id: str = "",
    month: str = "",
) -> Response:
    """A store's day and month against its targets, its funnel by channel and stock aging."""
    context = await run_in_threadpool(_board, runtime, actor, store_id, month)
    return render(request, "boards/board.html", context, actor=actor)


# --- the leaderboard ----------------------------------------------------------------------------


def board_chart(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Units of the first lines, best at the top."""
    top = list(reversed(items[:10]))
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 90, "right": 16, "bottom": 24, "top": 10},
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": [i["name"] for i in top]},
        "series": [{"name": _("Units"), "type": "bar", "data": [float(i["units"]) for i in top]}],
    }


def _leaderboard(
    runtime: Runtime, actor: Principal, store: str, month_asked: str, offset: int
) -> dict[str, Any]:
    store_id = _store_param(store)
    scope = read_scope(actor, store_id=store_id)
    scope.ensure_visible()
    current = months.of_day(business_day(now(), _zone(runtime, actor, scope)))
    month = _month_param(month_asked) or current
    answer = leaderboard.leaderboard(
        runtime.db, month=month, limit=PAGE, offset=max(offset, 0), scope=scope
    )
    answer["items"] = [{**i, "units": units(i["units"])} for i in answer["items"]]
    stores = _stores(runtime, actor)
    return {
        "title": _("Leaderboard"),
        "stores": stores,
        "store_id": scope.store_id,
        "store_name": _store_name(stores, scope.store_id),
        "month": month,
        "months": _month_links(month, current),
        "board": answer,
        "board_chart": board_chart(answer["items"]) if answer["items"] else None,
        "charts": bool(answer["items"]),
        "offset": max(offset, 0),
        "limit": PAGE,
        "query": _query(store_id=store_id, month=month),
    }


@router.get("/leaderboard")
async def leaderboard_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    store_id: str = "",
    month: str = "",
    offset: int = 0,
) -> Response:
    """The month's ranking by units then gross: a store's, or the group's."""
    context = await run_in_threadpool(_leaderboard, runtime, actor, store_id, month, offset)
    return render(request, "boards/leaderboard.html", context, actor=actor)


# --- the lead queue -----------------------------------------------------------------------------


def _salespeople(
    runtime: Runtime, actor: Principal, store_ids: set[UUID]
) -> dict[UUID, list[dict[str, Any]]]:
    """The active salespeople of each store, to assign a lead to."""
    found: dict[UUID, list[dict[str, Any]]] = {}
    for store_id in store_ids:
        # By the revealed name (names are sealed in the view).
        found[store_id] = people.everyone(
            runtime, actor, store_id=store_id, role=Role.SALESPERSON.value, active=True
        )
    return found


def _queue(
    runtime: Runtime, actor: Principal, store: str, wait_asked: str, offset: int
) -> dict[str, Any]:
    store_id = _store_param(store)
    wait = _choice(wait_asked, WAITS, DEFAULT_WAIT)
    scope = read_scope(actor, store_id=store_id, reach=Reach.OWN)  # as GET /leads
    answer = queue.lead_queue(
        runtime.db,
        scope=scope,
        answered_by=now() - timedelta(minutes=wait),
        limit=PAGE,
        offset=max(offset, 0),
    )
    store_ids = {item["store_id"] for item in answer["items"]}
    stores = _stores(runtime, actor)
    return {
        "title": _("Lead queue"),
        "stores": stores,
        "store_id": store_id,
        "wait": wait,
        "waits": [(w, _wait_label(w)) for w in WAITS],
        "leads": answer,
        "salespeople": _salespeople(runtime, actor, store_ids),
        "channels": {k: _(v) for k, v in CHANNEL_LABELS.items()},
        "offset": max(offset, 0),
        "limit": PAGE,
        "query": _query(store_id=store_id, wait=wait),
        "now": now(),
        "row_errors": {},
        # A key per row's form: assigning one lead never looks like a resend of another's.
        "row_keys": {item["id"]: uuid4().hex for item in answer["items"]},
    }


def _wait_label(minutes: int) -> str:
    if minutes < 60:
        return _("%(n)s minutes", n=minutes)
    if minutes < 1440:
        return _("%(n)s hours", n=minutes // 60)
    return _("%(n)s days", n=minutes // 1440)


def waited(since: datetime | None, at: datetime) -> str:
    """How long something has waited, in the largest unit that fits."""
    if since is None:
        return "—"
    minutes = max(0, int((at - since).total_seconds() // 60))
    if minutes < 60:
        return _("%(n)s min", n=minutes)
    if minutes < 48 * 60:
        return _("%(n)s h", n=minutes // 60)
    return _("%(n)s d", n=minutes // 1440)


@router.get("/leads/queue")
async def lead_queue_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    store_id: str = "",
    wait: str = "",
    offset: int = 0,
) -> Response:
    """Open leads nobody has, or nobody has answered in time, with assign / reassign."""
    context = await run_in_threadpool(_queue, runtime, actor, store_id, wait, offset)
    return render(request, "boards/queue.html", {**context, "waited": waited}, actor=actor)


def _assignment_refusal(error: BaseException | None) -> str | None:
    """The organisation's refusals of a salesperson, worded for the manager choosing one (its
    own texts name ids)."""
    if isinstance(error, StaffInactiveError):
        return _("This salesperson has left: choose another.")
    if isinstance(error, InvalidValueError | NotFoundError):
        return _("Choose a salesperson of the lead's store.")
    return None


@router.post("/leads/queue/{lead_id}/assignment")
async def assign_from_queue(
    lead_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Assign or reassign a lead (as POST /leads/{id}/assignment); a refusal shows on its row."""
    form = await read_form(request)
    salesperson_id = form.uuid("salesperson_id")
    store = form.values.get("store_id", "")
    wait = form.values.get("wait", "")
    back = PREFIX + "/leads/queue" + _query(store_id=store.strip() or None, wait=wait or None)
    # The lead must be the caller's to see, as the API's 404 says (before any form check).
    await run_in_threadpool(runtime.leads.get_lead, actor, lead_id)
    message: str | None = None
    if salesperson_id is None:
        message = form.errors.get("salesperson_id")
    else:
        chosen = salesperson_id
        try:
            return await submit(
                request,
                actor.user_id,
                form,
                write=lambda: runtime.leads.assign_lead(actor, lead_id, chosen),
                then=lambda _written: back,
                fields=("salesperson_id",),
            )
        except Refused as refused:
            cause = refused.__cause__
            if (
                isinstance(cause, DomainError)
                and status_of(cause) in (403, 404)
                and (cause.extra.get("kind") != "staff")
            ):
                raise cause from None  # the API's status: not this caller's to do
            message = _assignment_refusal(cause) or refused.message
    context = await run_in_threadpool(_queue, runtime, actor, store, wait, 0)
    context["row_errors"] = {lead_id: message or _("Choose one from the list.")}
    context["chosen"] = {lead_id: form.values.get("salesperson_id", "")}
    return render(
        request, "boards/queue.html", {**context, "waited": waited}, actor=actor, status=422
    )


# --- deals that wait ----------------------------------------------------------------------------


def _waiting(
    runtime: Runtime, actor: Principal, store: str, days_asked: str, status: str, offset: int
) -> dict[str, Any]:
    store_id = _store_param(store)
    days = _choice(days_asked, DAYS, DEFAULT_DAYS)
    chosen = status if status in DEAL_STATUS_LABELS else None
    scope = read_scope(actor, store_id=store_id, reach=Reach.OWN)  # as GET /deals
    answer = queue.waiting_deals(
        runtime.db,
        scope=scope,
        unchanged_since=now() - timedelta(days=days),
        status=chosen,
        limit=PAGE,
        offset=max(offset, 0),
    )
    return {
        "title": _("Deals waiting"),
        "stores": _stores(runtime, actor),
        "store_id": store_id,
        "days": days,
        "day_choices": [(d, _wait_label(d * 1440)) for d in DAYS],
        "status": chosen or "",
        "statuses": [(k, _(v)) for k, v in DEAL_STATUS_LABELS.items()],
        "status_labels": {k: _(v) for k, v in DEAL_STATUS_LABELS.items()},
        "deals": answer,
        "offset": max(offset, 0),
        "limit": PAGE,
        "query": _query(store_id=store_id, days=days, status=chosen),
        "now": now(),
    }


@router.get("/deals/waiting")
async def waiting_deals_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    store_id: str = "",
    days: str = "",
    status: str = "",
    offset: int = 0,
) -> Response:
    """Deals not delivered that have not moved for some days: a quote, a signature, a car."""
    context = await run_in_threadpool(_waiting, runtime, actor, store_id, days, status, offset)
    return render(request, "boards/waiting.html", {**context, "waited": waited}, actor=actor)


# --- the group's stores -------------------------------------------------------------------------


def _trend_chart(
    labels: list[str], series: list[tuple[str, list[float | None]]], money: bool = False
) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 70 if money else 40, "right": 16, "bottom": 30, "top": 40},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value"},
        "series": [{"name": name, "type": "line", "data": data} for name, data in series],
    }


def _stores_page(runtime: Runtime, actor: Principal, month_asked: str) -> dict[str, Any]:
    ensure_role(actor, *FUNNEL_READERS)  # the funnel below: as GET /reports/funnel
    group = read_scope(actor)
    group.ensure_visible()
    current = months.of_day(business_day(now(), _zone(runtime, actor, group)))
    month = _month_param(month_asked) or current
    trend = [month]
    for _step in range(TREND_MONTHS - 1):
        trend.insert(0, months.previous_month(trend[0]))
    stores = _stores(runtime, actor)
    lines = []
    units_trend: list[tuple[str, list[float | None]]] = []
    gross_trend: list[tuple[str, list[float | None]]] = []
    for store in stores:
        scope = read_scope(actor, store_id=store["id"])
        by_month = {m: _counters(runtime, scope, month=m) for m in trend}
        counters = by_month[month]
        lines.append(
            {
                "store": store,
                "units": counters.get("units_delivered", 0),
                "gross": counters.get("front_gross", 0),
                "leads": counters.get("leads_assigned", 0),
                "conversion": _kpi("conversion_rate", counters),
                "csi": _kpi("csi", counters),
            }
        )
        name = store["name"]
        units_trend.append((name, [float(by_month[m].get("units_delivered", 0)) for m in trend]))
        gross_trend.append((name, [float(by_month[m].get("front_gross", 0)) for m in trend]))
    group_funnel = funnel.funnel(runtime.db, month=month, scope=group)
    board = leaderboard.leaderboard(runtime.db, month=month, limit=10, scope=group)
    board["items"] = [{**i, "units": units(i["units"])} for i in board["items"]]
    return {
        "title": _("Stores side by side"),
        "month": month,
        "months": _month_links(month, current),
        "lines": lines,
        "units_chart": _trend_chart(trend, units_trend),
        "gross_chart": _trend_chart(trend, gross_trend, money=True),
        "funnel": _funnel_rows(group_funnel),
        "stages": [(s, _(STAGE_LABELS[s])) for s in STAGES],
        "funnel_chart": funnel_chart(group_funnel),
        "board": board,
        "charts": True,
        "query": _query(month=month),
    }


@router.get("/stores")
async def stores_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
    month: str = "",
) -> Response:
    """The group's stores side by side, their month trends, the group's leaderboard and funnel."""
    context = await run_in_threadpool(_stores_page, runtime, actor, month)
    return render(request, "boards/stores.html", context, actor=actor)
