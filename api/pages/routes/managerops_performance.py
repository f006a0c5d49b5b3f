"""The manager's performance desk: monthly targets, evaluations against the scorecard, and the
scorecards themselves.

Each page calls what api/routes/performance.py calls (`Performance` and the performance
queries) with the signed-in principal; the service decides who may set, compute, approve or
publish.
"""

from __future__ import annotations

import re
from decimal import Decimal
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
from api.pages.render import NavItem, percent, render
from api.pages.session import PREFIX, PageActorDep
from domain.performance import kpis
from domain.performance.errors import (
    EvaluationApprovedError,
    ScorecardVersionOrderError,
    TargetValueError,
)
from domain.performance.kpis import KpiDefinition, Unit
from domain.shared import months
from domain.shared.access import MANAGERS, Reach, read_scope
from domain.shared.actor import Principal
from domain.shared.clock import now
from domain.shared.errors import DomainError
from projections.directory import queries as directory
from projections.performance import queries
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = [
    NavItem(PREFIX + "/evaluations", N_("Evaluations"), MANAGERS, order=62),
    NavItem(PREFIX + "/targets", N_("Targets"), MANAGERS, order=63),
    NavItem(PREFIX + "/scorecards", N_("Scorecards"), MANAGERS, order=64),
]

EVALUATION_STATUS = {"draft": N_("Draft"), "approved": N_("Approved")}
TARGET_SCOPES = {"store": N_("Store"), "salesperson": N_("Salesperson"), "group": N_("Group")}
GRADE_ROWS = 5


def evaluation_status(status: str) -> str:
    return _(EVALUATION_STATUS[status]) if status in EVALUATION_STATUS else status


def _this_month(zone: str) -> str:
    return months.of_moment(now(), zone)


def _month_or_now(month: str | None, zone: str) -> str:
    try:
        return months.parse(month) if month else _this_month(zone)
    except ValueError:
        return _this_month(zone)


def kpi_name(kpi: KpiDefinition, language: str) -> str:
    return kpi.name_zh if language.startswith("zh") else kpi.name_en


def _kpi_label(kpi_id: str, version: int, language: str) -> str:
    """The KPI's name; with its version when it has had more than one (the formula changed)."""
    try:
        kpi = kpis.definition(kpi_id, version)
    except DomainError:  # a KPI retired from the code still shows by its id
        return f"{kpi_id} v{version}"
    versions = sum(1 for k in kpis.definitions() if k.id == kpi_id)
    return kpi_name(kpi, language) + (f" (v{version})" if versions > 1 else "")


def kpi_figure(kpi_id: str, version: int, value: Decimal | None) -> str:
    """A KPI's value as its unit reads: ¥ for money, % for a ratio, a plain number otherwise."""
    if value is None:
        return "—"
    try:
        unit = kpis.definition(kpi_id, version).unit
    except DomainError:
        return str(value)
    if unit is Unit.CNY:
        return f"¥{Decimal(value):,.2f}"
    if unit is Unit.RATIO:
        return percent(value)
    return f"{Decimal(value).normalize():f}"


def _latest_kpis() -> list[KpiDefinition]:
    latest: dict[str, KpiDefinition] = {}
    for kpi in kpis.definitions():
        if kpi.id not in latest or kpi.version > latest[kpi.id].version:
            latest[kpi.id] = kpi
    return list(latest.values())


def _salespeople(runtime: Runtime, actor: Principal) -> list[tuple[str, str]]:
    found = people.everyone(runtime, actor, role="salesperson", active=True)
    return [(str(p["id"]), p["name"]) for p in found]


def _stores(runtime: Runtime, actor: Principal) -> list[tuple[str, str]]:
    found = directory.list_stores(runtime.db, active=True, limit=500, scope=read_scope(actor))
    return [(str(s["id"]), s["name"]) for s in found["items"]]


# The service's refusals of a scorecard version or an evaluation, in the user's language.
_REFUSALS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"has not begun"), N_("That month has not begun: nothing to evaluate yet.")),
    (re.compile(r"is not over yet"), N_("The month is not over yet: approve after it ends.")),
    (
        re.compile(r"^no scorecard version applies"),
        N_("No scorecard applies to this store and month: an administrator publishes one first."),
    ),
    (re.compile(r"not on the sales floor"), N_("Choose a salesperson.")),
    (
        re.compile(r"has both a target and a value"),
        N_("No scorecard KPI has both a target and a value this month: set the targets first."),
    ),
    (re.compile(r"weights must sum to 100"), N_("The weights must add up to exactly 100.")),
    (re.compile(r"needs at least one item"), N_("Give at least one KPI a weight.")),
    (re.compile(r"needs a grade table"), N_("Fill in the grade table.")),
    (re.compile(r"appears twice"), N_("A KPI appears twice.")),
    (re.compile(r"weight must be positive"), N_("A weight must be above 0.")),
    (re.compile(r"cap_percent must be between"), N_("A cap is from 100 to 500 percent.")),
    (re.compile(r"more than 2 decimal places"), N_("At most two decimal places.")),
    (re.compile(r"is not a number"), N_("Enter a number.")),
    (re.compile(r"minimum must be between"), N_("A grade's minimum is from 0 to 500.")),
    (re.compile(r"grades must not repeat"), N_("Each grade appears once.")),
    (re.compile(r"must not share a minimum"), N_("Two grades must not share a minimum.")),
    (re.compile(r"lowest grade must start at 0"), N_("The lowest grade must start at 0.")),
)


def _who(runtime: Runtime, actor_id: str | None) -> str:
    """A user's login name for an event's actor id (the id itself if it names no user)."""
    if not actor_id:
        return "—"
    try:
        principal = runtime.organisation.principal(UUID(actor_id))
    except (ValueError, DomainError):
        return actor_id
    return principal.username if principal is not None and principal.username else actor_id


def _refusal_to_form(refused: Refused) -> tuple[dict[str, str], str | None]:
    raise_access(refused)
    cause = refused.__cause__
    if isinstance(cause, EvaluationApprovedError):
        return {}, _("The evaluation is approved and locked.")
    if isinstance(cause, ScorecardVersionOrderError):
        return {
            "effective_from_month": _(
                "A new version applies from the month of the last one or later."
            )
        }, None
    if isinstance(cause, DomainError):
        for pattern, message in _REFUSALS:
            if pattern.search(cause.detail):
                return {}, _(message)
    if refused.field:
        return {refused.field: refused.message}, None
    return {}, refused.message


# --- evaluations --------------------------------------------------------------------------------


def _evaluations_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    month: str,
    offset: int,
    limit: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    status: int = 200,
) -> Response:
    result = queries.evaluations(
        runtime.db,
        month,
        limit=limit,
        offset=offset,
        scope=read_scope(actor, reach=Reach.OWN),
    )
    return render(
        request,
        "managerops/evaluations.html",
        {
            "month": month,
            "evaluations": result["items"],
            "total": result["total"],
            "offset": offset,
            "limit": limit,
            "salespeople": _salespeople(runtime, actor),
            "status_label": evaluation_status,
            "values": values or {"month": month},
            "errors": errors or {},
            "form_error": form_error,
        },
        actor=actor,
        status=status,
    )


@router.get("/evaluations")
def evaluations(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    page: PageDep,
    _position: ConsistentDep,
    month: str | None = None,
) -> Response:
    """A month's evaluations in the actor's scope, best first, with status; compute one."""
    chosen = _month_or_now(month, request.state.zone)
    return _evaluations_page(request, runtime, actor, chosen, page.offset, page.limit)


@router.post("/evaluations")
async def compute_evaluation(
    request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Compute (or recompute) a salesperson's month (POST /evaluations)."""
    form = await read_form(request)
    salesperson_id = form.uuid("salesperson_id")
    month = form.month("month")
    shown = month if form.ok else _this_month(request.state.zone)
    if not form.ok or salesperson_id is None:
        return await run_in_threadpool(
            _evaluations_page,
            request,
            runtime,
            actor,
            shown,
            0,
            50,
            values=form.values,
            errors=form.errors,
            status=422,
        )
    try:
        return await submit(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.performance.compute_evaluation(actor, salesperson_id, month),
            then=lambda written: f"{PREFIX}/evaluations/{written.id}",
            fields=("salesperson_id", "month"),
        )
    except Refused as refused:
        errors, form_error = _refusal_to_form(refused)
        return await run_in_threadpool(
            _evaluations_page,
            request,
            runtime,
            actor,
            shown,
            0,
            50,
            values=form.values,
            errors=errors,
            form_error=form_error,
            status=422,
        )


def _evaluation_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    evaluation_id: UUID,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    status: int = 200,
) -> Response:
    evaluation = runtime.performance.get(actor, evaluation_id)  # the read scope: 404 / 403
    try:  # as GET /staff/{id}/evaluation-history: readable while the actor reaches the person
        runtime.performance.ensure_history_readable(actor, evaluation.salesperson_id)
        history = queries.history(runtime.db, evaluation.salesperson_id)[:12]
    except DomainError:
        history = []
    paid = queries.units_paid(runtime.db, evaluation.month, [evaluation.salesperson_id])
    names = people.names(runtime, actor)
    language: str = request.state.language
    items = [
        {
            "kpi": _kpi_label(i["kpi_id"], i["kpi_version"], language),
            "weight": i["weight"],
            "target": kpi_figure(i["kpi_id"], i["kpi_version"], i["target"]),
            "actual": kpi_figure(i["kpi_id"], i["kpi_version"], i["actual"]),
            "attainment": i["attainment"],
            "weighted": i["weighted"],
            "excluded": i["excluded"],
        }
        for i in evaluation.items
    ]
    return render(
        request,
        "managerops/evaluation.html",
        {
            "evaluation": evaluation,
            "name": names.get(evaluation.salesperson_id, str(evaluation.salesperson_id)),
            "status_label": evaluation_status(evaluation.status.value),
            "approved": evaluation.status.value == "approved",
            "items": items,
            "units_paid": paid.get(evaluation.salesperson_id),
            "history": history,
            "who": lambda actor_id: _who(runtime, actor_id),
            "values": values or {},
            "errors": errors or {},
            "form_error": form_error,
        },
        actor=actor,
        status=status,
    )


@router.get("/evaluations/{evaluation_id}")
def evaluation(
    evaluation_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """An evaluation with every item it was scored from; comment on it and approve it."""
    return _evaluation_page(request, runtime, actor, evaluation_id)


@router.post("/evaluations/{evaluation_id}/comment")
async def comment_evaluation(
    evaluation_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Add the manager's comment (POST /evaluations/{id}/comment)."""
    form = await read_form(request)
    comment = form.text("comment", max_length=2000)
    if not form.ok:
        return await run_in_threadpool(
            _evaluation_page,
            request,
            runtime,
            actor,
            evaluation_id,
            values=form.values,
            errors=form.errors,
            status=422,
        )
    try:
        return await submit(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.performance.comment(actor, evaluation_id, comment),
            then=lambda written: f"{PREFIX}/evaluations/{evaluation_id}",
            fields=("comment",),
        )
    except Refused as refused:
        errors, form_error = _refusal_to_form(refused)
        return await run_in_threadpool(
            _evaluation_page,
            request,
            runtime,
            actor,
            evaluation_id,
            values=form.values,
            errors=errors,
            form_error=form_error,
            status=422,
        )


@router.post("/evaluations/{evaluation_id}/approval")
async def approve_evaluation(
    evaluation_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Approve the evaluation once its month is over (POST /evaluations/{id}/approval)."""
    form = await read_form(request)
    try:
        return await submit(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.performance.approve(actor, evaluation_id),
            then=lambda written: f"{PREFIX}/evaluations/{evaluation_id}",
        )
    except Refused as refused:
        _errors, form_error = _refusal_to_form(refused)
        return await run_in_threadpool(
            _evaluation_page,
            request,
            runtime,
            actor,
            evaluation_id,
            form_error=form_error,
            status=422,
        )


# --- targets ------------------------------------------------------------------------------------


def _targets_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    month: str,
    offset: int,
    limit: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    status: int = 200,
) -> Response:
    result = queries.targets(
        runtime.db,
        month,
        limit=limit,
        offset=offset,
        scope=read_scope(actor, reach=Reach.OWN),
    )
    language: str = request.state.language
    subjects = [("store:" + i, _("Store") + " · " + n) for i, n in _stores(runtime, actor)]
    subjects += [("salesperson:" + i, n) for i, n in _salespeople(runtime, actor)]
    lines = [
        t
        | {
            "kpi": _kpi_label(t["kpi_id"], t["kpi_version"], language),
            "figure": kpi_figure(t["kpi_id"], t["kpi_version"], t["value"]),
            "scope_label": _(TARGET_SCOPES.get(t["scope"], t["scope"])),
        }
        for t in result["items"]
    ]
    return render(
        request,
        "managerops/targets.html",
        {
            "month": month,
            "targets": lines,
            "total": result["total"],
            "offset": offset,
            "limit": limit,
            "subjects": subjects,
            "kpi_choices": [(f"{k.id}:{k.version}", kpi_name(k, language)) for k in _latest_kpis()],
            "values": values or {"month": month},
            "errors": errors or {},
            "form_error": form_error,
        },
        actor=actor,
        status=status,
    )


@router.get("/targets")
def targets(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    page: PageDep,
    _position: ConsistentDep,
    month: str | None = None,
) -> Response:
    """A month's targets for the store and its salespeople; set one."""
    chosen = _month_or_now(month, request.state.zone)
    return _targets_page(request, runtime, actor, chosen, page.offset, page.limit)


def _read_target(form: FormReader) -> tuple[str, UUID | None, str, int, str]:
    subject = form.text("subject", max_length=100)
    scope, _sep, raw_id = subject.partition(":")
    subject_id: UUID | None = None
    if subject and scope not in TARGET_SCOPES:
        form.errors["subject"] = _("Choose one from the list.")
    elif raw_id:
        try:
            subject_id = UUID(raw_id)
        except ValueError:
            form.errors["subject"] = _("Choose one from the list.")
    kpi = form.text("kpi", max_length=80)
    kpi_id, _sep, version = kpi.partition(":")
    if kpi and not version.isdigit():
        form.errors["kpi"] = _("Choose one from the list.")
    form.month("month")
    value = form.text("value", max_length=30)
    return scope, subject_id, kpi_id, int(version) if version.isdigit() else 1, value


@router.post("/targets")
async def set_target(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Set a month's target for a KPI (POST /targets)."""
    form = await read_form(request)
    scope, subject_id, kpi_id, kpi_version, value = _read_target(form)
    month = form.values.get("month", "").strip()
    shown = month if "month" not in form.errors and month else _this_month(request.state.zone)
    if not form.ok:
        return await run_in_threadpool(
            _targets_page,
            request,
            runtime,
            actor,
            shown,
            0,
            50,
            values=form.values,
            errors=form.errors,
            status=422,
        )
    try:
        return await submit(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.performance.set_target(
                actor, scope, subject_id, month, kpi_id, kpi_version, value
            ),
            then=lambda written: f"{PREFIX}/targets?month={month}",
            fields=("value", "month"),
        )
    except Refused as refused:
        errors, form_error = _refusal_to_form(refused)
        if form_error is not None and isinstance(refused.__cause__, TargetValueError):
            errors, form_error = {"value": form_error}, None
        return await run_in_threadpool(
            _targets_page,
            request,
            runtime,
            actor,
            shown,
            0,
            50,
            values=form.values,
            errors=errors,
            form_error=form_error,
            status=422,
        )


@router.post("/targets/clearance")
async def clear_target(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Remove a month's target for a KPI (POST /targets/clearance)."""
    form = await read_form(request)
    scope, subject_id, kpi_id, kpi_version, _value = _read_target(form)
    form.errors.pop("value", None)
    month = form.values.get("month", "").strip()
    shown = month if "month" not in form.errors and month else _this_month(request.state.zone)
    if not form.ok:
        return await run_in_threadpool(
            _targets_page,
            request,
            runtime,
            actor,
            shown,
            0,
            50,
            form_error=_("Choose one from the list."),
            status=422,
        )
    try:
        return await submit(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.performance.clear_target(
                actor, scope, subject_id, month, kpi_id, kpi_version
            ),
            then=lambda written: f"{PREFIX}/targets?month={month}",
        )
    except Refused as refused:
        _errors, form_error = _refusal_to_form(refused)
        return await run_in_threadpool(
            _targets_page, request, runtime, actor, shown, 0, 50, form_error=form_error, status=422
        )


# --- scorecards ---------------------------------------------------------------------------------


def _scorecards_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    offset: int,
    limit: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    status: int = 200,
) -> Response:
    result = queries.scorecards(runtime.db, scope=read_scope(actor), limit=limit, offset=offset)
    stores = _stores(runtime, actor)
    return render(
        request,
        "managerops/scorecards.html",
        {
            "scorecards": result["items"],
            "total": result["total"],
            "offset": offset,
            "limit": limit,
            "stores": stores,
            "store_names": dict(stores),
            "values": values or {},
            "errors": errors or {},
            "form_error": form_error,
        },
        actor=actor,
        status=status,
    )


@router.get("/scorecards")
def scorecards(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    page: PageDep,
    _position: ConsistentDep,
) -> Response:
    """The group's scorecard and the stores' own; create one (admin)."""
    return _scorecards_page(request, runtime, actor, page.offset, page.limit)


@router.post("/scorecards")
async def create_scorecard(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Create the group's or a store's scorecard (POST /scorecards)."""
    form = await read_form(request)
    name = form.text("name", max_length=100)
    store_id = form.uuid("store_id", required=False)
    if not form.ok:
        return await run_in_threadpool(
            _scorecards_page,
            request,
            runtime,
            actor,
            0,
            50,
            values=form.values,
            errors=form.errors,
            status=422,
        )
    try:
        return await submit(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.performance.create_scorecard(actor, name, store_id),
            then=lambda written: f"{PREFIX}/scorecards/{written.id}",
            fields=("name", "store_id"),
        )
    except Refused as refused:
        errors, form_error = _refusal_to_form(refused)
        return await run_in_threadpool(
            _scorecards_page,
            request,
            runtime,
            actor,
            0,
            50,
            values=form.values,
            errors=errors,
            form_error=form_error,
            status=422,
        )


def _scorecard_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    scorecard_id: UUID,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    status: int = 200,
) -> Response:
    scorecard = runtime.performance.get_scorecard(actor, scorecard_id)
    language: str = request.state.language
    stores = dict(_stores(runtime, actor))
    if values is None:
        values = {"effective_from_month": months.next_month(_this_month(request.state.zone))}
        latest = scorecard.versions[-1] if scorecard.versions else None
        if latest is not None:
            for item in latest.items:
                values[f"weight_{item.kpi_id}_{item.kpi_version}"] = f"{item.weight.normalize():f}"
                values[f"cap_{item.kpi_id}_{item.kpi_version}"] = (
                    f"{item.cap_percent.normalize():f}"
                )
            for n, grade in enumerate(latest.grades):
                values[f"grade_{n}"] = grade.grade
                values[f"minimum_{n}"] = f"{grade.minimum.normalize():f}"
    return render(
        request,
        "managerops/scorecard.html",
        {
            "scorecard": scorecard,
            "store_name": stores.get(str(scorecard.store_id), "") if scorecard.store_id else "",
            "kpi_label": lambda kpi_id, version: _kpi_label(kpi_id, version, language),
            "kpi_rows": [
                (f"{k.id}_{k.version}", _kpi_label(k.id, k.version, language))
                for k in kpis.definitions()
            ],
            "grade_rows": range(GRADE_ROWS),
            "values": values,
            "errors": errors or {},
            "form_error": form_error,
        },
        actor=actor,
        status=status,
    )


@router.get("/scorecards/{scorecard_id}")
def scorecard(
    scorecard_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """A scorecard with its versions; publish the next one (admin)."""
    return _scorecard_page(request, runtime, actor, scorecard_id)


def _read_version(form: FormReader) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """The version form: a weight (and cap) per KPI taken, grades with their minimums."""
    month = form.month("effective_from_month")
    items: list[dict[str, Any]] = []
    for kpi in kpis.definitions():
        key = f"{kpi.id}_{kpi.version}"
        weight = form.values.get(f"weight_{key}", "").strip()
        cap = form.values.get(f"cap_{key}", "").strip()
        if not weight:
            continue
        item: dict[str, Any] = {"kpi_id": kpi.id, "kpi_version": kpi.version, "weight": weight}
        if cap:
            item["cap_percent"] = cap
        items.append(item)
    grades: list[dict[str, Any]] = []
    for n in range(GRADE_ROWS):
        grade = form.values.get(f"grade_{n}", "").strip()
        minimum = form.values.get(f"minimum_{n}", "").strip()
        if not grade and not minimum:
            continue
        if not grade:
            form.errors[f"grade_{n}"] = _("This field is required.")
        if not minimum:
            form.errors[f"minimum_{n}"] = _("This field is required.")
        grades.append({"grade": grade, "minimum": minimum})
    return month, items, grades


@router.post("/scorecards/{scorecard_id}/versions")
async def publish_version(
    scorecard_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Publish the scorecard's next version (POST /scorecards/{id}/versions)."""
    form = await read_form(request)
    month, items, grades = _read_version(form)
    if not form.ok:
        return await run_in_threadpool(
            _scorecard_page,
            request,
            runtime,
            actor,
            scorecard_id,
            values=form.values,
            errors=form.errors,
            status=422,
        )
    try:
        return await submit(
            request,
            actor.user_id,
            form,
            write=lambda: runtime.performance.publish_scorecard_version(
                actor, scorecard_id, month, items, grades
            ),
            then=lambda written: f"{PREFIX}/scorecards/{scorecard_id}",
            fields=("effective_from_month",),
        )
    except Refused as refused:
        errors, form_error = _refusal_to_form(refused)
        return await run_in_threadpool(
            _scorecard_page,
            request,
            runtime,
            actor,
            scorecard_id,
            values=form.values,
            errors=errors,
            form_error=form_error,
            status=422,
        )
