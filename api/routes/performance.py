"""Performance: KPI definitions, targets, scorecards, monthly evaluations and ranking history.

Scope: a salesperson sees only own targets and evaluations; a store manager the store's;
admins, executives, finance and auditors the group's. Writes follow the rules of
`domain.performance.service`.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from fastapi import APIRouter, Query

from api.deps import ActorDep, ConsistentDep, PageDep, PerformanceDep, RuntimeDep
from api.schemas.common import MonthQuery, PageOf, Written
from api.schemas.performance import (
    ApproveEvaluation,
    ClearTarget,
    CommentEvaluation,
    CommentOut,
    ComputeEvaluation,
    CreateScorecard,
    EvaluationItemOut,
    EvaluationLine,
    EvaluationOut,
    GradeOut,
    KpiDefinitionOut,
    PublishScorecardVersion,
    ReopenEvaluation,
    ScorecardItemOut,
    ScorecardLine,
    ScorecardOut,
    ScorecardVersionOut,
    SetTarget,
    TargetLine,
)
from domain.performance import kpis
from domain.performance.evaluations import Evaluation
from domain.performance.scorecards import Scorecard
from domain.performance.targets import TargetScope
from domain.shared.access import Reach, read_scope
from projections.performance import queries

router = APIRouter(tags=["performance"])


# --- KPI definitions ----------------------------------------------------------------------------


@router.get("/kpis/definitions")
def kpi_definitions(actor: ActorDep) -> list[KpiDefinitionOut]:
    """Every KPI definition and version: the formulas reports, scorecards and pay share."""
    return [
        KpiDefinitionOut(
            id=d.id,
            version=d.version,
            name_en=d.name_en,
            name_zh=d.name_zh,
            unit=d.unit.value,
            direction=d.direction.value,
            formula=d.formula,
            inputs=list(d.inputs),
            unwinds=d.unwinds,
        )
        for d in kpis.definitions()
    ]


# --- targets ------------------------------------------------------------------------------------


@router.post("/targets", status_code=201)
def set_target(body: SetTarget, performance: PerformanceDep, actor: ActorDep) -> Written:
    """Set a month's target for a KPI version (admin; a manager for the store and its people)."""
    return Written.of(
        performance.set_target(
            actor,
            body.scope.value,
            body.subject_id,
            body.month,
            body.kpi_id,
            body.kpi_version,
            body.value,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.post("/targets/clearance", status_code=201)
def clear_target(body: ClearTarget, performance: PerformanceDep, actor: ActorDep) -> Written:
    """Remove a month's target for a KPI version."""
    return Written.of(
        performance.clear_target(
            actor,
            body.scope.value,
            body.subject_id,
            body.month,
            body.kpi_id,
            body.kpi_version,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.get("/targets")
def list_targets(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    month: MonthQuery,
    scope: TargetScope | None = None,
    subject_id: UUID | None = None,
    store_id: UUID | None = None,
    kpi_id: str | None = Query(default=None, max_length=60),
) -> PageOf[TargetLine]:
    """A month's targets in the caller's scope (a store's: its own and its salespeople's)."""
    result = queries.targets(
        runtime.db,
        month,
        target_scope=None if scope is None else scope.value,
        subject_id=subject_id,
        kpi_id=kpi_id,
        limit=page.limit,
        offset=page.offset,
        scope=read_scope(actor, store_id=store_id, reach=Reach.OWN),
    )
    return PageOf.of(result, page.limit, page.offset)


# --- scorecards ---------------------------------------------------------------------------------


def scorecard_out(scorecard: Scorecard) -> ScorecardOut:
    return ScorecardOut(
        id=scorecard.id,
        version=scorecard.version,
        name=scorecard.name,
        store_id=scorecard.store_id,
        created_at=scorecard.created_at,
        versions=[
            ScorecardVersionOut(
                version=v.version,
                effective_from_month=v.effective_from_month,
                items=[
                    ScorecardItemOut(
                        kpi_id=i.kpi_id,
                        kpi_version=i.kpi_version,
                        weight=i.weight,
                        cap_percent=i.cap_percent,
                    )
                    for i in v.items
                ],
                grades=[GradeOut(grade=g.grade, minimum=g.minimum) for g in v.grades],
                published_at=v.published_at,
            )
            for v in scorecard.versions
        ],
    )


@router.post("/scorecards", status_code=201)
def create_scorecard(
    body: CreateScorecard, performance: PerformanceDep, actor: ActorDep
) -> Written:
    """Create the group's scorecard or a store's own (admin); one each, versioned after."""
    return Written.of(
        performance.create_scorecard(actor, body.name, body.store_id, body.occurred_at)
    )


@router.get("/scorecards")
def list_scorecards(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> PageOf[ScorecardLine]:
    """Scorecards the caller may read: the group's and their store's (group roles: all)."""
    result = queries.scorecards(
        runtime.db,
        scope=read_scope(actor, store_id=store_id),
        limit=page.limit,
        offset=page.offset,
    )
    return PageOf.of(result, page.limit, page.offset)


@router.get("/scorecards/{scorecard_id}")
def get_scorecard(scorecard_id: UUID, performance: PerformanceDep, actor: ActorDep) -> ScorecardOut:
    """A scorecard with every version: items, weights, caps and grade table."""
    return scorecard_out(performance.get_scorecard(actor, scorecard_id))


@router.post("/scorecards/{scorecard_id}/versions", status_code=201)
def publish_scorecard_version(
    scorecard_id: UUID, body: PublishScorecardVersion, performance: PerformanceDep, actor: ActorDep
) -> Written:
    """Publish the next version, applying from its month on (admin)."""
    return Written.of(
        performance.publish_scorecard_version(
            actor,
            scorecard_id,
            body.effective_from_month,
            [i.model_dump() for i in body.items],
            [g.model_dump() for g in body.grades],
            body.expected_version,
            body.occurred_at,
        )
    )


# --- evaluations --------------------------------------------------------------------------------


def evaluation_out(evaluation: Evaluation, units_paid: Decimal | None = None) -> EvaluationOut:
    return EvaluationOut(
        id=evaluation.id,
        version=evaluation.version,
        salesperson_id=evaluation.salesperson_id,
        month=evaluation.month,
        store_id=evaluation.store_id,
        status=evaluation.status.value,
        score=evaluation.score,
        grade=evaluation.grade,
        scorecard_id=evaluation.scorecard_id,
        scorecard_version=evaluation.scorecard_version,
        items=[EvaluationItemOut(**i) for i in evaluation.items],
        grades=[GradeOut(**g) for g in evaluation.grades],
        counters=evaluation.counters,
        counters_position=evaluation.counters_position,
        units_paid=units_paid,
        computed_at=evaluation.computed_at,
        comments=[
            CommentOut(comment=c.comment, actor=c.actor, at=c.at) for c in evaluation.comments
        ],
        approved_at=evaluation.approved_at,
        approved_by=evaluation.approved_by,
        reopen_reason=evaluation.reopen_reason,
    )


@router.post("/evaluations", status_code=201)
def compute_evaluation(
    body: ComputeEvaluation, performance: PerformanceDep, actor: ActorDep
) -> Written:
    """Compute (or recompute) a salesperson's evaluation of a month from the KPI view and
    their targets; one per salesperson and month, its id derived from both."""
    return Written.of(
        performance.compute_evaluation(actor, body.salesperson_id, body.month, body.occurred_at)
    )


@router.get("/evaluations")
def list_evaluations(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    month: MonthQuery,
    store_id: UUID | None = None,
) -> PageOf[EvaluationLine]:
    """A month's evaluations, best first, with store and group ranks of the approved ones."""
    result = queries.evaluations(
        runtime.db,
        month,
        limit=page.limit,
        offset=page.offset,
        scope=read_scope(actor, store_id=store_id, reach=Reach.OWN),
    )
    return PageOf.of(result, page.limit, page.offset)


@router.get("/evaluations/{evaluation_id}")
def get_evaluation(
    evaluation_id: UUID,
    runtime: RuntimeDep,
    performance: PerformanceDep,
    actor: ActorDep,
    _: ConsistentDep,
) -> EvaluationOut:
    """An evaluation with every input it was scored from (counters, targets, weights, caps)
    and the units the month's approved pay counted for the salesperson."""
    evaluation = performance.get(actor, evaluation_id)  # the actor's read scope: 404/403
    paid = queries.units_paid(runtime.db, evaluation.month, [evaluation.salesperson_id])
    return evaluation_out(evaluation, paid.get(evaluation.salesperson_id))


@router.post("/evaluations/{evaluation_id}/comment", status_code=201)
def comment_evaluation(
    evaluation_id: UUID, body: CommentEvaluation, performance: PerformanceDep, actor: ActorDep
) -> Written:
    """Add the manager's comment to a draft evaluation."""
    return Written.of(
        performance.comment(
            actor, evaluation_id, body.comment, body.expected_version, body.occurred_at
        )
    )


@router.post("/evaluations/{evaluation_id}/approval", status_code=201)
def approve_evaluation(
    evaluation_id: UUID,
    performance: PerformanceDep,
    actor: ActorDep,
    body: ApproveEvaluation = ApproveEvaluation(),
) -> Written:
    """Approve an evaluation once its month is over (the store's manager or an admin)."""
    return Written.of(
        performance.approve(actor, evaluation_id, body.expected_version, body.occurred_at)
    )


@router.post("/evaluations/{evaluation_id}/reopening", status_code=201)
def reopen_evaluation(
    evaluation_id: UUID, body: ReopenEvaluation, performance: PerformanceDep, actor: ActorDep
) -> Written:
    """Reopen an approved evaluation for recomputing (admin)."""
    return Written.of(
        performance.reopen(
            actor, evaluation_id, body.reason, body.expected_version, body.occurred_at
        )
    )


@router.get("/staff/{staff_id}/evaluation-history")
def evaluation_history(
    staff_id: UUID,
    runtime: RuntimeDep,
    performance: PerformanceDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
) -> PageOf[EvaluationLine]:
    """Every approved evaluation of a salesperson, newest first, with the ranks of each month."""
    performance.ensure_history_readable(actor, staff_id)
    lines = queries.history(runtime.db, staff_id)
    chosen = lines[page.offset : page.offset + page.limit]
    return PageOf(
        items=[EvaluationLine(**e) for e in chosen],
        total=len(lines),
        limit=page.limit,
        offset=page.offset,
    )
