"""Pay plans for the administrator (and finance): the plans, a plan's versions in words, a new
version from JSON, and assignments to a role at a store.

The same calls as api/routes/pay_plans.py: the plans view's list, `PayPlans.get_plan`,
`propose_version` (another person confirms, refuses or withdraws it: four eyes) and `assign`,
each deciding itself who may.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import ConsistentDep, PageDep, RuntimeDep
from api.pages.forms import message_of, read_form, run_command
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.routes import plan_words
from api.pages.routes.admin import BASE, LIMIT, ROLES, _stores
from api.pages.session import PageActorDep
from domain.pay.errors import (
    PlanVersionOrderError,
    ProposalNotPendingError,
    ProposalPendingError,
    SecondPersonRequiredError,
)
from domain.pay.four_eyes import same_person
from domain.pay.plans import PayPlan
from domain.shared.access import PLAN_MANAGERS, ensure_role, read_scope
from domain.shared.actor import Principal
from domain.shared.errors import DomainError
from projections.pay_plans import queries
from workers.runtime import Runtime

router = APIRouter(prefix=BASE + "/plans", include_in_schema=False)
NAV = [NavItem(BASE + "/plans", N_("Pay plans"), PLAN_MANAGERS, order=83)]
MAX_JSON = 100_000


def _proposed_by(plan: PayPlan, name: str) -> bool:
    return plan.proposed is not None and same_person(plan.proposed["proposer"], name)


def _plans_page(
    request: Request, runtime: Runtime, actor: Principal, offset: int, **form: Any
) -> Response:
    result = queries.list_plans(runtime.db, scope=read_scope(actor), limit=LIMIT, offset=offset)
    every = queries.list_plans(runtime.db, scope=read_scope(actor), retired=False, limit=1000)
    waiting = runtime.pay_plans.waiting(actor, [p["id"] for p in every["items"]])
    me = actor.username or actor.user_id
    context = {
        "waiting_for_me": [p for p in waiting if not _proposed_by(p, me)],
        "waiting_by_me": [p for p in waiting if _proposed_by(p, me)],
        "plans": result["items"],
        "total": result["total"],
        "offset": offset,
        "limit": LIMIT,
        **form,
    }
    status = 422 if form.get("errors") or form.get("form_error") else 200
    return render(request, "admin/plans.html", context, actor=actor, status=status)


@router.get("")
def plans(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    page: PageDep,
    _position: ConsistentDep,
) -> Response:
    """The pay plans by name, and a form to create one."""
    return _plans_page(request, runtime, actor, page.offset)


@router.post("")
async def create_plan(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    form = await read_form(request)
    name = form.text("name", max_length=120)
    description = form.text("description", required=False, max_length=2000)
    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.pay_plans.create_plan(actor, name, description),
        then=lambda written: f"{BASE}/plans/{written.id}",
        again=lambda errors, banner: _plans_page(
            request, runtime, actor, 0, errors=errors, form_error=banner, values=form.values
        ),
        fields=("name", "description"),
    )


def _plan_page(
    request: Request, runtime: Runtime, actor: Principal, plan_id: UUID, **form: Any
) -> Response:
    plan = runtime.pay_plans.get_plan(actor, plan_id)
    stores = _stores(runtime, actor)
    names = {s["id"]: s["name"] for s in stores}
    versions = [
        {
            "version": v.version,
            "effective_from": v.effective_from,
            "note": v.note,
            "published_at": v.published_at,
            "lines": [_line(c) for c in v.components],
            "json": json.dumps(list(v.components), ensure_ascii=False, indent=2),
        }
        for v in reversed(plan.versions)
    ]
    assignments = [
        {
            "store": names.get(a.store_id, "—") if a.store_id else "—",
            "role": a.role,
            "staff_id": a.staff_id,
            "effective_from": a.effective_from,
            "effective_to": a.effective_to,
        }
        for a in runtime.pay_plans.visible_assignments(actor, plan)
    ]
    proposed = None
    waiting = runtime.pay_plans.visible_proposal(actor, plan)
    if waiting is not None:
        proposed = {
            **waiting,
            "lines": [_line(c) for c in waiting["components"]],
            "mine": same_person(waiting["proposer"], actor.username or actor.user_id),
        }
    values: dict[str, str] = {}
    if versions:
        values["components"] = str(versions[0]["json"])
    values.update(form.pop("values", {}))
    context = {
        "plan": plan,
        "versions": versions,
        "proposed": proposed,
        "assignments": assignments,
        "stores": [(s["id"], s["name"]) for s in stores if s["active"]],
        "roles": ROLES,
        "values": values,
        "preview": None,
        **form,
    }
    status = 422 if form.get("errors") or form.get("form_error") else 200
    return render(request, "admin/plan.html", context, actor=actor, status=status)


@router.get("/{plan_id}")
def plan(
    plan_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """A plan: its versions with their components in words, its assignments, and forms to
    publish a version and to assign the plan."""
    return _plan_page(request, runtime, actor, plan_id)


def _components(raw: str, errors: dict[str, str]) -> list[Any]:
    """The components JSON of the form: a list, or an inline error (the text stays in the field)."""
    if not raw.strip():
        errors["components"] = _("This field is required.")
        return []
    if len(raw) > MAX_JSON:
        errors["components"] = _("At most %(n)s characters.", n=MAX_JSON)
        return []
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        errors["components"] = _(
            "Not valid JSON: %(problem)s (line %(line)s, column %(column)s).",
            problem=error.msg,
            line=error.lineno,
            column=error.colno,
        )
        return []
    if not isinstance(data, list):
        errors["components"] = _("Give a JSON list of components: [ {…}, {…} ].")
        return []
    return data


VERSION_FIELDS = ("effective_from", "note", "components")


def _check(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    plan_id: UUID,
    components: list[Any],
    values: dict[str, str],
) -> Response:
    """The components read back in words, or the service's refusal beside them; nothing saved
    (as POST /pay-plans/validate)."""
    ensure_role(actor, *PLAN_MANAGERS)
    try:
        drafted = runtime.pay_plans.draft(components).to_dicts()
    except DomainError as error:
        errors = {"components": message_of(error)}
        return _plan_page(request, runtime, actor, plan_id, errors=errors, values=values)
    preview = [_line(c) for c in drafted]
    return _plan_page(request, runtime, actor, plan_id, preview=preview, values=values)


def _line(component: dict[str, Any]) -> dict[str, str]:
    return {
        "key": str(component.get("key", "")),
        "type": plan_words.type_label(str(component.get("type"))),
        "words": plan_words.describe(component),
    }


@router.post("/{plan_id}/versions")
async def publish_version(
    plan_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    effective_from = form.day("effective_from")
    note = form.text("note", required=False, max_length=2000)
    components = _components(form.values.get("components", ""), form.errors)
    if form.values.get("action") == "check" and "components" not in form.errors:
        return _check(request, runtime, actor, plan_id, components, form.values)
    if not form.ok or effective_from is None:
        return _plan_page(request, runtime, actor, plan_id, errors=form.errors, values=form.values)
    day: date = effective_from
    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.pay_plans.propose_version(actor, plan_id, day, components, note),
        then=lambda written: f"{BASE}/plans/{plan_id}?proposed={written.plan_version}",
        again=lambda errors, _banner: _plan_page(
            request, runtime, actor, plan_id, errors=errors, values=form.values
        ),
        fields=VERSION_FIELDS,
        # The service names the component and field at fault in its message; the order of
        # versions is about the day, anything else about the components.
        field=lambda cause: (
            "effective_from" if isinstance(cause, PlanVersionOrderError) else "components"
        ),
    )


ASSIGN_FIELDS = ("store_id", "role", "month")


@router.post("/{plan_id}/assignments")
async def assign(
    plan_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    store_id = form.uuid("store_id")
    role = form.choice("role", ROLES)
    month = form.month("month")
    if not form.ok or store_id is None:
        return _plan_page(request, runtime, actor, plan_id, errors=form.errors, values=form.values)
    first_day = date.fromisoformat(month + "-01")
    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.pay_plans.assign(
            actor, plan_id, first_day, store_id=store_id, role=role
        ),
        then=lambda _written: f"{BASE}/plans/{plan_id}",
        again=lambda errors, _banner: _plan_page(
            request, runtime, actor, plan_id, errors=errors, values=form.values
        ),
        fields=ASSIGN_FIELDS,
        field="month",
    )


# --- four eyes: a proposed version is confirmed (published) or refused by another person --------


def _decision_refusal(error: DomainError) -> str | None:
    if isinstance(error, SecondPersonRequiredError):
        return _("You proposed this version: another person must confirm or refuse it.")
    if isinstance(error, ProposalNotPendingError):
        return _("This version no longer waits for confirmation.")
    if isinstance(error, ProposalPendingError):
        return _("A version of this plan already waits for confirmation: decide it first.")
    return None


async def _decide(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    plan_id: UUID,
    write: Any,
    then: Any,
    form: Any,
    fields: tuple[str, ...] = (),
) -> Response:

    def run() -> Any:
        try:
            return write()
        except SecondPersonRequiredError as error:
            # About who this person is, not their role: said beside the form (422).
            raise DomainError(_decision_refusal(error) or error.detail) from error

    return await run_command(
        request,
        actor.user_id,
        form,
        write=run,
        then=then,
        again=lambda errors, banner: _plan_page(
            request, runtime, actor, plan_id, errors=errors, form_error=banner, values=form.values
        ),
        fields=fields,
        words=_decision_refusal,
    )


@router.post("/{plan_id}/versions/{number}/confirmation")
async def confirm_version(
    plan_id: UUID, number: int, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Confirm another person's proposed version: it is published."""
    form = await read_form(request)
    return await _decide(
        request,
        runtime,
        actor,
        plan_id,
        lambda: runtime.pay_plans.confirm_version(actor, plan_id, number),
        lambda written: (
            f"{BASE}/plans/{plan_id}?published={written.first_paid_month}"
            f"&starts={written.effective_from.isoformat()}"
        ),
        form,
    )


def _reasoned_decision(method: str, field: str, doc: str) -> Callable[..., Any]:
    """Refuse or withdraw a proposed version, with a reason: one form, another call."""

    async def decide(
        plan_id: UUID, number: int, request: Request, runtime: RuntimeDep, actor: PageActorDep
    ) -> Response:
        form = await read_form(request)
        reason = form.text(field, max_length=500)
        call = getattr(runtime.pay_plans, f"{method}_version")
        return await _decide(
            request,
            runtime,
            actor,
            plan_id,
            lambda: call(actor, plan_id, reason, number),
            lambda _written: f"{BASE}/plans/{plan_id}",
            form,
            (field,),
        )

    decide.__name__, decide.__doc__ = f"{method}_version", doc
    return decide


router.add_api_route(
    "/{plan_id}/versions/{number}/refusal",
    _reasoned_decision(
        "refuse", "refusal_reason", "Refuse another person's proposed version, with a reason."
    ),
    methods=["POST"],
)
router.add_api_route(
    "/{plan_id}/versions/{number}/withdrawal",
    _reasoned_decision("withdraw", "withdrawal_reason", "Take back one's own proposed version."),
    methods=["POST"],
)
