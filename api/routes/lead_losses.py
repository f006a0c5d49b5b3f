"""Lost leads: a salesperson requests, a manager spot-checks, approves, rejects or reopens;
the queue of losses to approve, lost leads of a month, and the loss-reason report."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from api.deps import ActorDep, ConsistentDep, PageDep, RuntimeDep
from api.schemas.common import OptionalMonthQuery, PageOf, Written
from api.schemas.lead_losses import (
    ApproveLoss,
    LossBy,
    LossPolicyIn,
    LossPolicyOut,
    LossReasonsOut,
    PendingLossLine,
    RejectLoss,
    ReopenLead,
    RequestLoss,
    SpotCheck,
)
from domain.leads.losses import LeadLosses
from domain.shared.access import LOSS_READERS, Reach, ReadScope, ensure_role, read_scope
from domain.shared.actor import Principal
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, now
from projections.lead_losses import queries as losses
from workers.runtime import Runtime

router = APIRouter(tags=["lost leads"])


def get_lead_losses(runtime: RuntimeDep) -> LeadLosses:
    """The lost-leads service over the runtime's one application."""
    return LeadLosses(runtime.app)


LossesDep = Annotated[LeadLosses, Depends(get_lead_losses)]


def month_of(runtime: Runtime, actor: Principal, month: str | None, scope: ReadScope) -> str:
    """The month asked for, or today's month on the floor of the store (or the group)."""
    scope.ensure_visible()
    if month is not None:
        return month
    zone = DEFAULT_TIMEZONE
    if scope.store_id is not None:
        zone = runtime.organisation.get_store(actor, scope.store_id).timezone
    return business_day(now(), zone).strftime("%Y-%m")


@router.post("/leads/{lead_id}/loss-request", status_code=201)
def request_loss(lead_id: UUID, body: RequestLoss, service: LossesDep, actor: ActorDep) -> Written:
    """Ask a manager to close the lead as lost (reason, competitor, a sealed note)."""
    return Written.of(
        service.request_loss(
            actor,
            lead_id,
            body.reason.value,
            body.competitor,
            body.note,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.post("/leads/{lead_id}/loss-spot-check", status_code=201)
def record_spot_check(
    lead_id: UUID, body: SpotCheck, service: LossesDep, actor: ActorDep
) -> Written:
    """The manager's spot-check call to the customer of a requested loss, and its outcome."""
    return Written.of(
        service.record_spot_check(
            actor, lead_id, body.outcome.value, body.note, body.expected_version, body.occurred_at
        )
    )


@router.post("/leads/{lead_id}/loss-approval", status_code=201)
def approve_loss(
    lead_id: UUID, service: LossesDep, actor: ActorDep, body: ApproveLoss = ApproveLoss()
) -> Written:
    """Approve the requested loss: the lead is lost (a required spot-check call first)."""
    return Written.of(service.approve_loss(actor, lead_id, body.expected_version, body.occurred_at))


@router.post("/leads/{lead_id}/loss-rejection", status_code=201)
def reject_loss(lead_id: UUID, body: RejectLoss, service: LossesDep, actor: ActorDep) -> Written:
    """Reject the requested loss: open again with its salesperson, with the comment."""
    return Written.of(
        service.reject_loss(actor, lead_id, body.comment, body.expected_version, body.occurred_at)
    )


@router.post("/leads/{lead_id}/reopening", status_code=201)
def reopen_lead(lead_id: UUID, body: ReopenLead, service: LossesDep, actor: ActorDep) -> Written:
    """Open a lost lead again, assigned as before, with the reason."""
    return Written.of(
        service.reopen_lead(actor, lead_id, body.reason, body.expected_version, body.occurred_at)
    )


@router.get("/lead-losses/pending")
def pending_losses(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> PageOf[PendingLossLine]:
    """Losses waiting for approval in the caller's scope, oldest first, with their age."""
    ensure_role(actor, *LOSS_READERS)
    result = losses.pending(
        runtime.db,
        scope=read_scope(actor, store_id=store_id, reach=Reach.OWN),
        now=now(),
        limit=page.limit,
        offset=page.offset,
    )
    return PageOf.of(result, page.limit, page.offset)


@router.get("/reports/loss-reasons")
def loss_reasons(
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    by: LossBy = LossBy.STORE,
    month: OptionalMonthQuery = None,
    store_id: UUID | None = None,
    salesperson_id: UUID | None = None,
) -> LossReasonsOut:
    """Leads lost in a month (counted at approval) by reason, per store, model or salesperson."""
    ensure_role(actor, *LOSS_READERS)
    scope = read_scope(actor, store_id=store_id, salesperson_id=salesperson_id)
    chosen = month_of(runtime, actor, month, scope)
    return LossReasonsOut.model_validate(
        losses.loss_reasons(runtime.db, chosen, by.value, scope=scope)
    )


@router.get("/stores/{store_id}/loss-policy")
def get_loss_policy(store_id: UUID, service: LossesDep, actor: ActorDep) -> LossPolicyOut:
    """Whether the store's managers must make a spot-check call before approving a loss."""
    return LossPolicyOut(store_id=store_id, spot_check_required=service.get_policy(actor, store_id))


@router.put("/stores/{store_id}/loss-policy", status_code=201)
def set_loss_policy(
    store_id: UUID, body: LossPolicyIn, service: LossesDep, actor: ActorDep
) -> Written:
    """Require (or not) a spot-check call before a loss is approved (the store's managers)."""
    return Written.of(service.set_spot_check(actor, store_id, body.spot_check_required))
