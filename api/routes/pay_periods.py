"""Pay periods: open → closed → approved → exported → paid, statements, explain, what-if.

Scope: a salesperson sees only own statements (and `GET /me/pay`); a store manager the store's;
finance, admins, executives and auditors everything. Finance approves and records payment;
finance and the store's manager adjust and resolve disputes; auditors read and verify.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Query, Request

from api import access
from api.deps import ActorDep, ConsistentDep, PageDep, PayrollDep, RuntimeDep
from api.schemas.common import OptionalMonthQuery, PageOf, Written
from api.schemas.four_eyes import (
    AdjustmentWritten,
    ApprovalRequestOut,
    Confirm,
    ProposalOut,
    Refuse,
    WaitingOut,
    Withdraw,
)
from api.schemas.pay_periods import (
    AddAdjustment,
    AdjustmentOut,
    DisputeOut,
    DisputeWritten,
    EventOut,
    ExplainOut,
    LineOut,
    MyPayOut,
    OpenPeriod,
    PeriodLine,
    PeriodOut,
    RaiseDispute,
    RecordPayment,
    ReopenPeriod,
    RequestPayoutExport,
    ResolveDispute,
    SourceOut,
    StatementOut,
    StatementSummary,
    StepPeriod,
    TierOut,
    TotalsOut,
    VerificationOut,
    WhatIf,
    WhatIfOut,
)
from audit.history import history
from domain.pay.four_eyes import same_person
from domain.pay.periods import PayPeriod
from domain.pay.service.payroll import Payroll
from domain.reporting.model import ExportKind
from domain.shared.access import read_scope
from domain.shared.actor import Principal
from domain.shared.errors import NotFoundError
from projections.pay_plans import queries as plan_queries
from projections.payouts import queries
from workers.access_log import AccessKind

router = APIRouter(tags=["pay"])
periods = APIRouter(prefix="/pay-periods")
me = APIRouter(prefix="/me")

# Event fields hidden from those who may not see cost when a line is explained (vehicle and
# product cost).
COST_FIELDS = frozenset({"cost"})


def period_out(payroll: Payroll, actor: Principal, period: PayPeriod) -> PeriodOut:
    totals = None
    if payroll.sees_whole(actor, period):
        totals = TotalsOut.model_validate(payroll.totals(period))
    return PeriodOut(
        id=period.id,
        version=period.version,
        store_id=period.store_id,
        scope=period.scope,
        month=period.month,
        status=period.status.value,
        protection_days=period.protection_days,
        opened_at=period.opened_at,
        known_at=period.known_at,
        approved_at=period.approved_at,
        content_hash=period.content_hash,
        totals=totals,
        export_ids=period.export_ids,
        paid_reference=period.paid_reference,
        adjustments=[
            AdjustmentOut.model_validate(a) for a in payroll.visible_adjustments(actor, period)
        ],
        disputes=[DisputeOut.model_validate(d) for d in payroll.visible_disputes(actor, period)],
        proposals=[ProposalOut.model_validate(p) for p in payroll.visible_proposals(actor, period)],
        approval_request=None
        if period.approval_request is None or not payroll.sees_whole(actor, period)
        else ApprovalRequestOut.model_validate(period.approval_request),
    )


# --- lifecycle ----------------------------------------------------------------------------------


@periods.post("", status_code=201)
def open_period(body: OpenPeriod, payroll: PayrollDep, actor: ActorDep) -> Written:
    """Open a store's (or the group's) pay period for a month: provisional pay starts."""
    return Written.of(
        payroll.open_period(
            actor, body.store_id, body.month, body.protection_days, body.occurred_at
        )
    )


@periods.get("")
def list_periods(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    month: OptionalMonthQuery = None,
    status: Annotated[str | None, Query(pattern="^(open|closed|approved|exported|paid)$")] = None,
    store_id: UUID | None = None,
) -> PageOf[PeriodLine]:
    """Pay periods, newest month first (store staff: their store's and the group's)."""
    result = queries.list_periods(
        runtime.db,
        month=month,
        status=status,
        store_id=store_id,
        limit=page.limit,
        offset=page.offset,
        scope=read_scope(actor),
    )
    return PageOf.of(result, page.limit, page.offset)


@periods.get("/{period_id}")
def get_period(
    period_id: UUID, payroll: PayrollDep, actor: ActorDep, _: ConsistentDep
) -> PeriodOut:
    """A period: status, figures' time, totals (provisional until approved), adjustments and
    disputes in the actor's scope."""
    return period_out(payroll, actor, payroll.get_period(actor, period_id))


@periods.post("/{period_id}/close", status_code=201)
def close_period(
    period_id: UUID, payroll: PayrollDep, actor: ActorDep, body: StepPeriod = StepPeriod()
) -> Written:
    """Freeze the figures as the log knows them now (finance, admin, the store's manager)."""
    return Written.of(
        payroll.close_period(actor, period_id, body.expected_version, body.occurred_at)
    )


@periods.post("/{period_id}/reopening", status_code=201)
def reopen_period(
    period_id: UUID, body: ReopenPeriod, payroll: PayrollDep, actor: ActorDep
) -> Written:
    """Make a closed period provisional again (never after approval)."""
    return Written.of(
        payroll.reopen_period(
            actor, period_id, body.reason, body.expected_version, body.occurred_at
        )
    )


@periods.post("/{period_id}/approval", status_code=201)
def request_approval(
    period_id: UUID, payroll: PayrollDep, actor: ActorDep, body: StepPeriod = StepPeriod()
) -> Written:
    """Request the approval of a closed period (finance): another person confirms it
    (`/approval/confirmation`), which records the immutable snapshot and its hash."""
    return Written.of(
        payroll.request_approval(actor, period_id, body.expected_version, body.occurred_at)
    )


@periods.post("/{period_id}/approval/confirmation", status_code=201)
def confirm_approval(
    period_id: UUID, payroll: PayrollDep, actor: ActorDep, body: Confirm = Confirm()
) -> Written:
    """Confirm a requested approval (finance, admin; not the requester, nobody paid in the
    period): records the immutable snapshot and its hash."""
    return Written.of(
        payroll.confirm_approval(actor, period_id, body.expected_version, body.occurred_at)
    )


@periods.post("/{period_id}/approval/refusal", status_code=201)
def refuse_approval(period_id: UUID, body: Refuse, payroll: PayrollDep, actor: ActorDep) -> Written:
    """Refuse a requested approval with a reason (finance, admin; not the requester)."""
    return Written.of(
        payroll.refuse_approval(
            actor, period_id, body.reason, body.expected_version, body.occurred_at
        )
    )


@periods.post("/{period_id}/approval/withdrawal", status_code=201)
def withdraw_approval(
    period_id: UUID, body: Withdraw, payroll: PayrollDep, actor: ActorDep
) -> Written:
    """Take back an approval you requested (the requester)."""
    return Written.of(
        payroll.withdraw_approval(
            actor, period_id, body.reason, body.expected_version, body.occurred_at
        )
    )


@periods.post("/{period_id}/payment", status_code=201)
def record_payment(
    period_id: UUID, body: RecordPayment, payroll: PayrollDep, actor: ActorDep
) -> Written:
    """Record that payroll paid the exported period (finance)."""
    return Written.of(
        payroll.record_payment(
            actor, period_id, body.reference, body.expected_version, body.occurred_at
        )
    )


@periods.post("/{period_id}/adjustments", status_code=201)
def add_adjustment(
    period_id: UUID, body: AddAdjustment, payroll: PayrollDep, actor: ActorDep
) -> AdjustmentWritten:
    """A manual plus or minus on a statement, with its reason (finance, the store's manager;
    never on one's own). Above the threshold it is proposed (`status` proposed) and counts
    once a second person confirms it."""
    return AdjustmentWritten.of_adjustment(
        payroll.add_adjustment(
            actor,
            period_id,
            body.salesperson_id,
            body.amount,
            body.reason,
            body.expected_version,
            body.occurred_at,
            adjustment_id=uuid4(),
        )
    )


@periods.post("/{period_id}/adjustments/{adjustment_id}/confirmation", status_code=201)
def confirm_adjustment(
    period_id: UUID,
    adjustment_id: UUID,
    payroll: PayrollDep,
    actor: ActorDep,
    body: Confirm = Confirm(),
) -> Written:
    """Confirm a proposed adjustment (finance, admin; neither its proposer nor the one it pays):
    from now on it counts."""
    return Written.of(
        payroll.confirm_adjustment(
            actor, period_id, adjustment_id, body.expected_version, body.occurred_at
        )
    )


@periods.post("/{period_id}/adjustments/{adjustment_id}/refusal", status_code=201)
def refuse_adjustment(
    period_id: UUID, adjustment_id: UUID, body: Refuse, payroll: PayrollDep, actor: ActorDep
) -> Written:
    """Refuse a proposed adjustment with a reason (finance, admin; not its proposer)."""
    return Written.of(
        payroll.refuse_adjustment(
            actor, period_id, adjustment_id, body.reason, body.expected_version, body.occurred_at
        )
    )


@periods.post("/{period_id}/adjustments/{adjustment_id}/withdrawal", status_code=201)
def withdraw_adjustment(
    period_id: UUID, adjustment_id: UUID, body: Withdraw, payroll: PayrollDep, actor: ActorDep
) -> Written:
    """Take back an adjustment you proposed (its proposer)."""
    return Written.of(
        payroll.withdraw_adjustment(
            actor, period_id, adjustment_id, body.reason, body.expected_version, body.occurred_at
        )
    )


@periods.post("/{period_id}/disputes", status_code=201)
def raise_dispute(
    period_id: UUID, body: RaiseDispute, payroll: PayrollDep, actor: ActorDep
) -> DisputeWritten:
    """Dispute a line of your own statement (salesperson; once the period is closed)."""
    dispute_id = uuid4()
    written = payroll.raise_dispute(
        actor, period_id, body.line, body.reason, body.occurred_at, dispute_id=dispute_id
    )
    return DisputeWritten(
        id=written.id, version=written.version, position=written.position, dispute_id=dispute_id
    )


@periods.post("/{period_id}/disputes/{dispute_id}/resolution", status_code=201)
def resolve_dispute(
    period_id: UUID,
    dispute_id: UUID,
    body: ResolveDispute,
    payroll: PayrollDep,
    actor: ActorDep,
) -> Written:
    """Resolve a dispute, with or without an adjustment (the store's manager, finance)."""
    return Written.of(
        payroll.resolve_dispute(
            actor,
            period_id,
            dispute_id,
            body.resolution,
            body.adjustment_amount,
            body.occurred_at,
        )
    )


# --- statements -------------------------------------------------------------------------------


@periods.get("/{period_id}/statements")
def list_statements(
    period_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    payroll: PayrollDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> PageOf[StatementSummary]:
    """The statements in the actor's scope (salesperson: own; manager: the store's)."""
    __, records, ___ = payroll.statements(actor, period_id, store_id)
    chosen = records[page.offset : page.offset + page.limit]
    others = [r for r in chosen if r["salesperson_id"] != actor.staff_id]
    if others:  # every person's total: one entry for the list, naming the period
        access.record(
            runtime,
            request,
            AccessKind.PAY_STATEMENT_READ,
            actor,
            period_id,
            period_id=period_id,
            statements=len(others),
            view="list",
        )
    return PageOf(
        items=[StatementSummary.model_validate(r) for r in chosen],
        total=len(records),
        limit=page.limit,
        offset=page.offset,
    )


@periods.get("/{period_id}/statements/{salesperson_id}")
def get_statement(
    period_id: UUID,
    salesperson_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    payroll: PayrollDep,
    actor: ActorDep,
    _: ConsistentDep,
) -> StatementOut:
    """One statement with every line: component, plan version, source deals, inputs, amount."""
    statement = StatementOut.model_validate(payroll.statement(actor, period_id, salesperson_id))
    access.statement_read(runtime, request, actor, period_id, salesperson_id, "statement")
    return statement


@periods.get("/{period_id}/statements/{salesperson_id}/lines/{n}/explain")
def explain_line(
    period_id: UUID,
    salesperson_id: UUID,
    n: int,
    request: Request,
    payroll: PayrollDep,
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
) -> ExplainOut:
    """Why a line pays what it pays: formula, inputs, plan version, and the events behind it."""
    period, record, line = payroll.line(actor, period_id, salesperson_id, n)
    access.statement_read(runtime, request, actor, period_id, salesperson_id, "explain", n)
    scope = read_scope(actor)
    sources = []
    for kind, ident in payroll.sources_of(period, salesperson_id, line):
        try:
            events = history(runtime.app, ident)
        except NotFoundError:
            continue  # e.g. no evaluation was ever opened
        if kind == "pay period":  # the adjustment's events, and its dispute's
            inputs = line["inputs"]
            wanted = {str(inputs[k]) for k in ("adjustment_id", "dispute_id") if inputs.get(k)}
            events = [
                e
                for e in events
                if str(e["data"].get("adjustment_id")) in wanted
                or str(e["data"].get("dispute_id")) in wanted
            ]
        if not scope.sees_cost:
            events = [_masked(e) for e in events]
        sources.append(
            SourceOut(
                aggregate_id=ident,
                kind=kind,
                events=[EventOut.model_validate(e) for e in events],
            )
        )
    return ExplainOut(
        period_id=period.id,
        month=period.month,
        status=period.status.value,
        salesperson_id=salesperson_id,
        line=LineOut.model_validate(line),
        plan_id=record["plan_id"],
        plan_version=record["plan_version"],
        plan_name=record["plan_name"],
        known_at=period.known_at,
        sources=sources,
    )


def _masked(event: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in event["data"].items() if k not in COST_FIELDS}
    return {**event, "data": data}


@periods.get("/{period_id}/verification")
def verify_period(
    period_id: UUID, payroll: PayrollDep, actor: ActorDep, _: ConsistentDep
) -> VerificationOut:
    """Recompute an approved period from the log and compare with its snapshot's hash
    (finance, admin, auditor)."""
    result = payroll.verify(actor, period_id)
    return VerificationOut(
        period_id=result.period_id,
        equal=result.equal,
        snapshot_hash=result.snapshot_hash,
        recomputed_hash=result.recomputed_hash,
        differences=[UUID(d) for d in result.differences],
    )


@periods.post("/{period_id}/what-if")
def what_if(
    period_id: UUID, payroll: PayrollDep, actor: ActorDep, body: WhatIf = WhatIf()
) -> WhatIfOut:
    """Old and new pay side by side under a draft plan or a changed tier table (writes
    nothing)."""
    return WhatIfOut.model_validate(
        payroll.what_if(
            actor,
            period_id,
            components=body.components,
            tiers=body.tiers,
            tier_component=body.tier_component,
            staff_ids=body.staff_ids,
        )
    )


@periods.post("/{period_id}/exports", status_code=202)
def request_payout_export(
    period_id: UUID,
    payroll: PayrollDep,
    runtime: RuntimeDep,
    actor: ActorDep,
    body: RequestPayoutExport = RequestPayoutExport(),
) -> Written:
    """Ask for an approved period's payout workbook (or payroll CSV); poll GET /exports/{id}
    and download GET /exports/{id}/file."""
    period = payroll.exportable(actor, period_id)
    kind = ExportKind.PAYOUT_CSV if body.format == "csv" else ExportKind.PAYOUT_WORKBOOK
    written = runtime.reporting.request_export(
        actor, period.month, period.store_id, body.language.value, kind.value
    )
    return Written.of(written)


# --- the salesperson's own pay ----------------------------------------------------------------


@me.get("/pay")
def my_pay(
    payroll: PayrollDep,
    actor: ActorDep,
    _: ConsistentDep,
    month: OptionalMonthQuery = None,
) -> MyPayOut:
    """Your pay to date this month (salesperson): total, current tier, units to the next tier
    and what the next unit would pay."""
    pay = payroll.provisional(actor, month)
    statement = StatementOut.model_validate(pay.statement)
    tier: TierOut | None = statement.tiers[0] if statement.tiers else None
    return MyPayOut(
        salesperson_id=pay.salesperson_id,
        month=pay.month,
        period_id=pay.period_id,
        period_status=pay.period_status,
        total=statement.total,
        units=statement.units,
        current_tier=tier,
        units_to_next_tier=None if tier is None else tier.units_to_next,
        next_unit_pays=None if tier is None else tier.next_unit_pays,
        statement=statement,
    )


@me.get("/confirmations")
def waiting_for_confirmation(
    payroll: PayrollDep, runtime: RuntimeDep, actor: ActorDep, _: ConsistentDep
) -> list[WaitingOut]:
    """Pay decisions waiting for a second person (four eyes) in your scope: approval requests
    and adjustments of periods not yet approved, and proposed plan versions. `mine` marks what
    you proposed (it waits for someone else); the rest waits for your confirmation, if your
    role confirms pay (finance, admin)."""
    items = [WaitingOut.model_validate(w, from_attributes=True) for w in payroll.waiting(actor)]
    listed = plan_queries.list_plans(
        runtime.db, scope=read_scope(actor), retired=False, limit=1000, offset=0
    )
    plan_ids = [UUID(str(p["id"])) for p in listed["items"]]
    for plan in runtime.pay_plans.waiting(actor, plan_ids):
        proposed = plan.proposed or {}
        items.append(
            WaitingOut(
                kind="plan_version",
                plan_id=plan.id,
                plan_name=plan.name,
                plan_version=proposed["version"],
                effective_from=proposed["effective_from"],
                proposer=proposed["proposer"],
                proposed_at=proposed["proposed_at"],
                mine=same_person(proposed["proposer"], actor.username or actor.user_id),
                reason=proposed["note"] or None,
            )
        )
    return items


router.include_router(periods)
router.include_router(me)
