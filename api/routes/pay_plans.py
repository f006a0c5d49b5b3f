"""Pay plans: versioned, effective-dated, assigned to staff or to a role at a store."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from api.deps import ActorDep, ConsistentDep, PageDep, PayPlansDep, RuntimeDep
from api.schemas.common import MonthQuery, PageOf, Written
from api.schemas.four_eyes import Confirm, ProposedVersionOut, Refuse, Withdraw
from api.schemas.pay_plans import (
    AssignmentOut,
    AssignmentWritten,
    AssignPlan,
    CreatePlan,
    EndAssignment,
    PlanInForceOut,
    PlanOut,
    PlanSummaryOut,
    PublishVersion,
    RetirePlan,
    ValidateComponents,
    ValidatedComponents,
    VersionOut,
    VersionWritten,
)
from domain.shared.access import PLAN_MANAGERS, ensure_role, read_scope
from domain.shared.errors import NotFoundError
from projections.pay_plans import queries

router = APIRouter(prefix="/pay-plans", tags=["pay"])


@router.post("", status_code=201)
def create_plan(body: CreatePlan, plans: PayPlansDep, actor: ActorDep) -> Written:
    """Create a pay plan (admin, finance); publish its first version next."""
    return Written.of(plans.create_plan(actor, body.name, body.description, body.occurred_at))


@router.get("")
def list_plans(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    retired: bool | None = None,
) -> PageOf[PlanSummaryOut]:
    """Pay plans by name: all for group-wide roles, those assigned at the store for a manager,
    those assigned to them for a salesperson."""
    result = queries.list_plans(
        runtime.db,
        scope=read_scope(actor),
        retired=retired,
        limit=page.limit,
        offset=page.offset,
    )
    return PageOf.of(result, page.limit, page.offset)


@router.post("/validate")
def validate_components(
    body: ValidateComponents, plans: PayPlansDep, actor: ActorDep
) -> ValidatedComponents:
    """Check components without saving them: the normalised components, or a 422 problem that
    names the component and field at fault (admin, finance)."""
    ensure_role(actor, *PLAN_MANAGERS)
    return ValidatedComponents(components=plans.draft(body.components).to_dicts())


@router.get("/in-force")
def plan_in_force(
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    month: MonthQuery,
    staff_id: UUID | None = None,
) -> PlanInForceOut:
    """The plan version in force for a staff member in a month (default: yourself).

    Salespeople ask about themselves, store managers about their store's staff."""
    who = staff_id or actor.staff_id
    if who is None:
        raise NotFoundError("staff", "(none given)")
    version = queries.plan_in_force(runtime.db, who, month, scope=read_scope(actor))
    return PlanInForceOut(
        staff_id=who,
        month=month,
        plan_id=None if version is None else version.plan_id,
        name=None if version is None else version.name,
        version=None if version is None else version.version,
        effective_from=None if version is None else version.effective_from,
        components=None if version is None else version.to_dicts(),
    )


@router.get("/{plan_id}")
def get_plan(plan_id: UUID, plans: PayPlansDep, actor: ActorDep) -> PlanOut:
    """A plan with every version and the assignments within the caller's scope."""
    plan = plans.get_plan(actor, plan_id)
    return PlanOut(
        id=plan.id,
        version=plan.version,
        name=plan.name,
        description=plan.description,
        retired=plan.retired,
        versions=[
            VersionOut(
                version=v.version,
                effective_from=v.effective_from,
                components=list(v.components),
                note=v.note,
                published_at=v.published_at,
            )
            for v in plan.versions
        ],
        assignments=[
            AssignmentOut(
                assignment_id=a.assignment_id,
                staff_id=a.staff_id,
                store_id=a.store_id,
                role=a.role,
                effective_from=a.effective_from,
                effective_to=a.effective_to,
            )
            for a in plans.visible_assignments(actor, plan)
        ],
        proposed=None
        if (waiting := plans.visible_proposal(actor, plan)) is None
        else ProposedVersionOut.model_validate(waiting),
    )


@router.post("/{plan_id}/versions", status_code=201)
def propose_version(
    plan_id: UUID, body: PublishVersion, plans: PayPlansDep, actor: ActorDep
) -> VersionWritten:
    """Propose the next immutable version of a plan (admin, finance): it is published — in
    force — only when another person confirms it (`.../versions/{n}/confirmation`). A month is
    paid by the version in force on its first day: the answer names the first month this one
    pays, with a notice when it starts after a month's first day."""
    return VersionWritten.of_version(
        plans.propose_version(
            actor,
            plan_id,
            body.effective_from,
            body.components,
            body.note,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.post("/{plan_id}/versions/{number}/confirmation", status_code=201)
def confirm_version(
    plan_id: UUID, number: int, plans: PayPlansDep, actor: ActorDep, body: Confirm = Confirm()
) -> VersionWritten:
    """Confirm a proposed version (admin, finance; not its proposer): it is published."""
    return VersionWritten.of_version(
        plans.confirm_version(actor, plan_id, number, body.expected_version, body.occurred_at)
    )


@router.post("/{plan_id}/versions/{number}/refusal", status_code=201)
def refuse_version(
    plan_id: UUID, number: int, body: Refuse, plans: PayPlansDep, actor: ActorDep
) -> Written:
    """Refuse a proposed version with a reason (admin, finance; not its proposer)."""
    return Written.of(
        plans.refuse_version(
            actor, plan_id, body.reason, number, body.expected_version, body.occurred_at
        )
    )


@router.post("/{plan_id}/versions/{number}/withdrawal", status_code=201)
def withdraw_version(
    plan_id: UUID, number: int, body: Withdraw, plans: PayPlansDep, actor: ActorDep
) -> Written:
    """Take back a version you proposed (its proposer)."""
    return Written.of(
        plans.withdraw_version(
            actor, plan_id, body.reason, number, body.expected_version, body.occurred_at
        )
    )


@router.post("/{plan_id}/assignments", status_code=201)
def assign_plan(
    plan_id: UUID, body: AssignPlan, plans: PayPlansDep, actor: ActorDep
) -> AssignmentWritten:
    """Assign the plan to a staff member, or to a role at a store (admin, finance)."""
    return AssignmentWritten.of_assignment(
        plans.assign(
            actor,
            plan_id,
            body.effective_from,
            staff_id=body.staff_id,
            store_id=body.store_id,
            role=body.role,
            expected_version=body.expected_version,
            occurred_at=body.occurred_at,
        )
    )


@router.post("/{plan_id}/assignments/{assignment_id}/end", status_code=201)
def end_assignment(
    plan_id: UUID,
    assignment_id: UUID,
    body: EndAssignment,
    plans: PayPlansDep,
    actor: ActorDep,
) -> Written:
    """End an assignment after its last day (admin, finance)."""
    return Written.of(
        plans.unassign(
            actor,
            plan_id,
            assignment_id,
            body.effective_to,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.post("/{plan_id}/retirement", status_code=201)
def retire_plan(
    plan_id: UUID, plans: PayPlansDep, actor: ActorDep, body: RetirePlan = RetirePlan()
) -> Written:
    """Retire a plan whose assignments have all ended (admin, finance)."""
    return Written.of(plans.retire(actor, plan_id, body.expected_version, body.occurred_at))
