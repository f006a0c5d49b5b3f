"""The auditor's pages: the history browser, the log's integrity check, pay-period verification.

They call what the JSON routes call (`audit.history.replay`, `workers.checkpoints.verify_log`,
`Payroll.verify`, the directory and payouts queries) under the same role rules: the history
and the integrity check are for AUDITORS, as GET /history is; verification for VERIFIERS.
Finding a record by a customer's phone or a VIN goes through the services that own those
records, so a phone number is never shown more fully than the customer's own page shows it.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from api.deps import ConsistentDep, PageDep, RuntimeDep
from api.pages.forms import FormReader, read_form
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from api.personal import phone_shown
from audit.history import replay, state_at
from domain.inventory.model import vehicle_id_for
from domain.shared import values
from domain.shared.access import AUDITORS, VERIFIERS, Reach, ensure_role, read_scope
from domain.shared.actor import Principal
from domain.shared.errors import DomainError, NotFoundError
from domain.shared.personal import ERASED
from projections.directory import queries as directory
from projections.payouts import queries as payouts
from workers import checkpoints
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = [
    NavItem(PREFIX + "/history", N_("History"), AUDITORS, order=80),
    NavItem(PREFIX + "/audit/integrity", N_("Log integrity"), AUDITORS, order=81),
    NavItem(PREFIX + "/audit/verify", N_("Verify pay periods"), VERIFIERS, order=82),
]

# Why a checkpoint of the log chain was written (workers/checkpoints.py), in words.
CHECKPOINT_REASONS = {
    "timer": N_("hourly timer"),
    "period-approved": N_("pay-period approval"),
    "manual": N_("by hand"),
}
EVENTS_PER_PAGE = 20
DEALS_PER_PAGE = 20
MAX_POSITION = 2**63 - 1
SEARCH_KINDS = ("id", "phone", "vin")
# Periods that carry an approved snapshot, and so can be recomputed and compared.
SNAPSHOT_STATUSES = ("approved", "exported", "paid")

# Aggregate classes as the log names them, in the trade's words; others show their class name.
RECORD_KINDS = {
    "Deal": N_("Deal"),
    "Lead": N_("Lead"),
    "Customer": N_("Customer"),
    "Vehicle": N_("Vehicle"),
    "Store": N_("Store"),
    "Staff": N_("Staff member"),
    "User": N_("User"),
    "PayPeriod": N_("Pay period"),
    "PayPlan": N_("Pay plan"),
    "Survey": N_("Survey"),
    "PhoneClaim": N_("Phone claim"),
}


# Statuses of deals, vehicles and pay periods, as the log's values read in the trade's words.
STATUSES = {
    "open": N_("Open"),
    "quoted": N_("Quoted"),
    "contracted": N_("Contracted"),
    "delivered": N_("Delivered"),
    "unwound": N_("Unwound"),
    "cancelled": N_("Cancelled"),
    "in_stock": N_("In stock"),
    "reserved": N_("Reserved"),
    "sold": N_("Sold"),
    "closed": N_("Closed"),
    "approved": N_("Approved"),
    "exported": N_("Exported"),
    "paid": N_("Paid"),
}


def status_label(status: object) -> str:
    text = str(getattr(status, "value", status))
    label = STATUSES.get(text)
    return _(label) if label else text


def history_path(aggregate_id: UUID | str) -> str:
    """Where any page links to read a record's history (auditors and admins)."""
    return f"{PREFIX}/history/{aggregate_id}"


def record_kind(type_name: str) -> str:
    label = RECORD_KINDS.get(type_name)
    return _(label) if label else type_name


def _query_form(request: Request) -> FormReader:
    """A GET form's fields (searches and checks are reads: their forms use GET, as the API)."""
    fields: list[tuple[str, str | UploadFile]] = list(request.query_params.multi_items())
    return FormReader(FormData(fields))


def _page(
    request: Request, template: str, context: dict[str, Any], actor: Principal, status: int = 200
) -> Response:
    return render(
        request, template, {**context, "status_label": status_label}, actor=actor, status=status
    )


# --- history ---------------------------------------------------------------------------------


# Fields that hold the id of another record with a history of its own (linked to it).
RECORD_ID_FIELDS = frozenset(
    {
        "store_id",
        "from_store_id",
        "to_store_id",
        "salesperson_id",
        "staff_id",
        "owner_id",
        "customer_id",
        "lead_id",
        "deal_id",
        "vehicle_id",
        "period_id",
        "origin_period_id",
        "adjustment_period_id",
        "plan_id",
        "survey_id",
        "user_id",
        "scorecard_id",
        "evaluation_id",
        "export_id",
    }
)
# Amounts in yuan, shown as ¥1,234.00 (rates, scores and counts stay as recorded).
MONEY_FIELDS = frozenset(
    {
        "price",
        "list_price",
        "selling_price",
        "discount",
        "cost",
        "vehicle_cost",
        "amount",
        "adjustment_amount",
        "income",
        "revenue",
        "front_gross",
        "back_gross",
        "commission_gross",
        "budget",
        "pack",
        "total",
        "earnings",
        "payout",
    }
)
MONEY = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Shown:
    """One field of an event or of a state as the page shows it: its text and how to show it
    (`kind`: text, money, a moment in the store's zone, or a link to a record's history)."""

    name: str
    text: str
    kind: str = "text"
    link: str | None = None


def _as_id(value: Any) -> UUID | None:
    if not isinstance(value, str) or len(value) != 36:
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


def _is_moment(value: str) -> bool:
    if len(value) < 19 or value[4:5] != "-" or "T" not in value:
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _shown(name: str, value: Any) -> Shown:
    if value is None:
        return Shown(name, "—")
    if isinstance(value, dict | list):
        return Shown(name, json.dumps(value, ensure_ascii=False, sort_keys=True))
    text = str(value)
    ident = _as_id(value)
    if ident is not None and name in RECORD_ID_FIELDS:
        return Shown(name, text, "link", history_path(ident))
    if name in MONEY_FIELDS and MONEY.match(text):
        return Shown(name, text, "money")
    if isinstance(value, str) and _is_moment(value):
        return Shown(name, text, "moment")
    return Shown(name, text)


def _fields(data: dict[str, Any]) -> list[Shown]:
    return [_shown(name, value) for name, value in data.items()]


class _Names:
    """Usernames of the actors on a page (an event records the user id), read from each user's
    own history, so a user deactivated since is still named."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.known: dict[str, str] = {}

    def __call__(self, actor: str | None) -> str:
        if not actor:
            return "—"
        if actor not in self.known:
            self.known[actor] = self._username(actor) or actor
        return self.known[actor]

    def _username(self, actor: str) -> str | None:
        ident = _as_id(actor)
        if ident is None:
            return None
        try:
            username = state_at(self.runtime.app, ident).get("username")
        except NotFoundError:
            return None
        return username if isinstance(username, str) else None


@router.get("/history")
def history_start(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _c: ConsistentDep,
    limit: int = Query(default=DEALS_PER_PAGE, ge=1, le=500),
    offset: int = Query(default=0, ge=0, le=10_000_000),
) -> Response:
    """The search form, and the newest deals to start from."""
    ensure_role(actor, *AUDITORS)
    deals = directory.list_deals(
        runtime.db, scope=read_scope(actor, reach=Reach.OWN), limit=limit, offset=offset
    )
    context = {"deals": deals, "offset": offset, "limit": limit, "searched": False}
    return _page(request, "auditor/search.html", context, actor=actor)


@router.post("/history")
async def history_search(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Find a record by id, by a customer's phone or by a VIN.

    A search is a read, but it is posted: a phone number must not stand in an address (the
    browser's history, the server's logs). After a phone search the field is left empty, so
    the page shows the number only as the customer's record shows it to this reader.
    """
    ensure_role(actor, *AUDITORS)
    form = await read_form(request)
    kind = form.choice("by", SEARCH_KINDS)
    found: Any = {}
    if form.ok:
        found = await run_in_threadpool(_search, runtime, actor, form, kind)
        if isinstance(found, Response):
            return found
    values = dict(form.values)
    if form.ok and kind == "phone":
        values.pop("q", None)
    context = {**found, "values": values, "errors": form.errors, "searched": form.ok}
    return _page(
        request, "auditor/search.html", context, actor=actor, status=200 if form.ok else 422
    )


def _search(runtime: Runtime, actor: Principal, form: FormReader, kind: str) -> Any:
    if kind == "id":
        ident = form.uuid("q")
        if ident is None:
            form.errors["q"] = _("Enter an id such as 3f2b…-…, as the pages and the API show it.")
            return {}
        return RedirectResponse(history_path(ident), status_code=303)
    if kind == "phone":
        return _by_phone(runtime, actor, form)
    return _by_vin(runtime, actor, form)


def _by_phone(runtime: Runtime, actor: Principal, form: FormReader) -> dict[str, Any]:
    number = form.phone("q")
    if not form.ok:
        return {}
    customer_id = runtime.crm.find_by_phone_hash(runtime.crm.phone_hash(number))
    if customer_id is None:
        return {"customers": []}
    try:
        customer = runtime.crm.get_customer(actor, customer_id)
    except NotFoundError:
        return {"customers": []}  # outside the reader's scope: as if unknown, as the API
    scope = read_scope(actor)
    phone = ERASED if customer.erased else phone_shown(customer.phone, scope)
    deals = directory.list_deals(
        runtime.db, scope=read_scope(actor, reach=Reach.OWN), customer_id=customer.id, limit=50
    )
    found = {
        "id": customer.id,
        "name": ERASED if customer.erased else customer.name,
        "phone": phone,
    }
    return {"customers": [found], "deals": deals["items"]}


def _by_vin(runtime: Runtime, actor: Principal, form: FormReader) -> dict[str, Any]:
    raw = form.text("q", max_length=40)
    try:
        number = values.vin(raw)
    except DomainError:
        form.errors["q"] = _("A VIN is 17 letters and digits (no I, O or Q) with a check digit.")
        return {}
    try:
        vehicle = runtime.inventory.get_vehicle(actor, vehicle_id_for(number))
    except NotFoundError:
        return {"vehicles": []}
    found = {
        "id": vehicle.id,
        "vin": vehicle.vin,
        "name": " ".join(str(part) for part in (vehicle.model_year, vehicle.model, vehicle.trim)),
        "colour": vehicle.colour,
        "status": str(vehicle.status),
    }
    return {"vehicles": [found]}


def _paged_path(aggregate_id: UUID, version: int | None, limit: int) -> str:
    """The history's address the pager adds its offset to (keeping the version and page size)."""
    query = {"version": version, "limit": None if limit == EVENTS_PER_PAGE else limit}
    kept = "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
    return history_path(aggregate_id) + (f"?{kept}" if kept else "")


@router.get("/history/{aggregate_id}")
def history_page(
    request: Request,
    aggregate_id: UUID,
    runtime: RuntimeDep,
    actor: PageActorDep,
    version: int | None = Query(default=None, ge=1, le=MAX_POSITION),
    offset: int = Query(default=0, ge=0, le=10_000_000),
    limit: int = Query(default=EVENTS_PER_PAGE, ge=1, le=500),
    at: str | None = Query(default=None, max_length=40),
) -> Response:
    """Every event of a record with who caused it and when, and its state at a version.

    `version` in the address is read as GET /history/{id} reads it (a version the record never
    had is not found); the version picker sends `at`, answered beside its field when wrong.
    """
    ensure_role(actor, *AUDITORS)
    latest = replay(runtime.app, aggregate_id)
    form = _query_form(request)
    if at is not None:
        picked = form.integer("at", low=1, high=latest["version"])
        version = picked if form.ok else version
    shown = latest if version is None else replay(runtime.app, aggregate_id, version)
    names = _Names(runtime)
    # Newest first: an auditor reads what happened last, then pages back.
    ordered = list(reversed(shown["events"]))
    window = ordered[offset : offset + limit]
    events = [
        {
            "version": event["version"],
            "type": event["type"],
            "actor": names(event["actor"]),
            "actor_id": _as_id(event["actor"]),
            "occurred_at": event["occurred_at"],
            "recorded_at": event["recorded_at"],
            "fields": _fields(event["data"]),
        }
        for event in window
    ]
    context = {
        "aggregate_id": aggregate_id,
        "kind": record_kind(shown["type"]),
        "type_name": shown["type"],
        "version": shown["version"],
        "latest": latest["version"],
        "state": _fields(shown["state"]),
        "events": events,
        "offset": offset,
        "limit": limit,
        "total": len(ordered),
        "base": _paged_path(aggregate_id, version, limit),
        "values": {"at": form.values["at"] if form.errors else str(shown["version"])},
        "errors": form.errors,
    }
    status = 422 if form.errors else 200
    return _page(request, "auditor/history.html", context, actor=actor, status=status)


# --- integrity -------------------------------------------------------------------------------


@router.get("/audit/integrity")
def integrity_page(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Run the log's check (order, gapless versions, decoding, the keyed chain against every
    signed checkpoint) and show where it breaks; the checkpoints to download."""
    ensure_role(actor, *AUDITORS)
    form = _query_form(request)
    marks = checkpoints.load_checkpoints(runtime.db)
    context: dict[str, Any] = {
        "values": form.values,
        "report": None,
        "checkpoint_count": len(marks),
        "latest": marks[-1] if marks else None,
        "reasons": CHECKPOINT_REASONS,
    }
    if not form.flag("run"):
        return _page(request, "auditor/integrity.html", context, actor=actor)
    upto = form.integer("upto", required=False, low=1, high=MAX_POSITION)
    if not form.ok:
        context["errors"] = form.errors
        return _page(request, "auditor/integrity.html", context, actor=actor, status=422)
    started = time.monotonic()
    # As GET /history/integrity does: directly, in this request (a worker thread).
    keys = runtime.settings.keys
    report = checkpoints.verify_log(runtime.app, runtime.db, keys, stop=upto or None).as_dict()
    context.update(report=report, seconds=time.monotonic() - started, upto=upto or None)
    return _page(request, "auditor/integrity.html", context, actor=actor)


@router.get("/audit/checkpoints.json")
def checkpoints_download(runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """The signed checkpoints with their public keys, as GET /history/checkpoints, to keep."""
    ensure_role(actor, *AUDITORS)
    return Response(
        content=checkpoints.export_json(runtime.db, runtime.settings.keys),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="showroom-checkpoints.json"'},
    )


# --- verification of approved pay periods ----------------------------------------------------


@router.get("/audit/verify")
def periods_page(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, page: PageDep, _c: ConsistentDep
) -> Response:
    """Pay periods, newest first; those with an approved snapshot can be verified."""
    ensure_role(actor, *VERIFIERS)
    periods = payouts.list_periods(
        runtime.db, limit=page.limit, offset=page.offset, scope=read_scope(actor)
    )
    stores = _store_names(runtime, actor, periods["items"])
    context = {
        "periods": periods,
        "stores": stores,
        "verifiable": SNAPSHOT_STATUSES,
        "offset": page.offset,
        "limit": page.limit,
    }
    return _page(request, "auditor/periods.html", context, actor=actor)


def _store_names(runtime: Runtime, actor: Principal, rows: list[dict[str, Any]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for row in rows:
        store_id = row.get("store_id")
        if store_id is None or str(store_id) in names:
            continue
        try:
            names[str(store_id)] = runtime.organisation.get_store(actor, UUID(str(store_id))).name
        except DomainError:
            names[str(store_id)] = str(store_id)
    return names


@router.get("/audit/verify/{period_id}")
def verification_page(
    request: Request, period_id: UUID, runtime: RuntimeDep, actor: PageActorDep, _c: ConsistentDep
) -> Response:
    """Recompute an approved period from the log and compare it with its snapshot's hash."""
    result = runtime.payroll.verify(actor, period_id)
    period = runtime.payroll.get_period(actor, period_id)
    differences = []
    for staff_id in result.differences:
        ident = UUID(str(staff_id))
        try:
            name = runtime.organisation.get_staff(actor, ident).name
        except DomainError:
            name = str(ident)
        differences.append({"id": ident, "name": name})
    context = {
        "period": period,
        "store": _store_names(runtime, actor, [{"store_id": period.store_id}]).get(
            str(period.store_id)
        ),
        "result": result,
        "differences": differences,
    }
    return _page(request, "auditor/verification.html", context, actor=actor)
