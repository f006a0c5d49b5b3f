"""Desking: a store's approval rules, the approval of a deal's quote (request, approve,
refuse), the approvers' queue, the deal's structure and its order (docs/desking.md)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from api.deps import ActorDep, ConsistentDep, PageDep, RuntimeDep
from api.schemas.common import PageOf, Written
from api.schemas.desking import (
    ApprovalLine,
    ApprovalOut,
    ApprovalRulesIn,
    ApprovalRulesOut,
    ApproveQuote,
    CancelOrder,
    PlaceOrder,
    RefuseQuote,
    RequestApproval,
    SetStructure,
)
from domain.sales.desk import Desk, approval_state, queue_levels
from domain.shared.access import APPROVAL_READERS, Reach, ensure_role, read_scope
from domain.shared.clock import now
from projections.deal_approvals import queries as approvals

router = APIRouter(tags=["desking"])


def get_desk(runtime: RuntimeDep) -> Desk:
    """The deal desk over the runtime's one application."""
    return Desk(runtime.app)


DeskDep = Annotated[Desk, Depends(get_desk)]


@router.get("/stores/{store_id}/approval-rules")
def get_rules(store_id: UUID, desk: DeskDep, actor: ActorDep) -> ApprovalRulesOut:
    """The store's approval levels and thresholds (nothing needs approval until set)."""
    return ApprovalRulesOut.of(store_id, desk.get_rules(actor, store_id))


@router.put("/stores/{store_id}/approval-rules", status_code=201)
def set_rules(
    store_id: UUID, desk: DeskDep, actor: ActorDep, body: ApprovalRulesIn = ApprovalRulesIn()
) -> Written:
    """Set the store's approval levels and thresholds (its managers, group roles)."""
    return Written.of(
        desk.set_rules(
            actor,
            store_id,
            body.discount_team_leader,
            body.discount_manager,
            body.discount_general_manager,
            body.floor_level.value,
            body.floor_prices,
            body.loss_level.value,
            body.loss_rule,
        )
    )


@router.get("/deals/{deal_id}/approval")
def get_approval(deal_id: UUID, runtime: RuntimeDep, desk: DeskDep, actor: ActorDep) -> ApprovalOut:
    """What the deal's quote needs under the store's rules, and where its request stands."""
    deal = runtime.sales.get_deal(actor, deal_id)
    return ApprovalOut.model_validate(approval_state(deal, desk.requirement(deal)))


@router.post("/deals/{deal_id}/approval-request", status_code=201)
def request_approval(
    deal_id: UUID, desk: DeskDep, actor: ActorDep, body: RequestApproval = RequestApproval()
) -> Written:
    """Ask for approval of the quote at the level the store's rules name."""
    return Written.of(
        desk.request_approval(actor, deal_id, body.note, body.expected_version, body.occurred_at)
    )


@router.post("/deals/{deal_id}/approval", status_code=201)
def approve(
    deal_id: UUID, desk: DeskDep, actor: ActorDep, body: ApproveQuote = ApproveQuote()
) -> Written:
    """Approve the pending request (its level or above; never one's own request or deal)."""
    return Written.of(
        desk.approve(actor, deal_id, body.note, body.expected_version, body.occurred_at)
    )


@router.post("/deals/{deal_id}/approval-refusal", status_code=201)
def refuse(deal_id: UUID, body: RefuseQuote, desk: DeskDep, actor: ActorDep) -> Written:
    """Refuse the pending request with a reason the salesperson reads."""
    return Written.of(
        desk.refuse(actor, deal_id, body.reason, body.expected_version, body.occurred_at)
    )


@router.put("/deals/{deal_id}/structure", status_code=201)
def set_structure(deal_id: UUID, body: SetStructure, desk: DeskDep, actor: ActorDep) -> Written:
    """The down payment; the amount financed is the rest of the selling price."""
    return Written.of(
        desk.set_structure(
            actor, deal_id, body.down_payment, body.expected_version, body.occurred_at
        )
    )


@router.post("/deals/{deal_id}/order", status_code=201)
def place_order(deal_id: UUID, body: PlaceOrder, desk: DeskDep, actor: ActorDep) -> Written:
    """The customer's order (订单) with a deposit: approved like a contract; holds the car."""
    return Written.of(
        desk.place_order(actor, deal_id, body.deposit, body.expected_version, body.occurred_at)
    )


@router.post("/deals/{deal_id}/order-cancellation", status_code=201)
def cancel_order(deal_id: UUID, body: CancelOrder, desk: DeskDep, actor: ActorDep) -> Written:
    """Cancel the order with its reason: the deal closes, the vehicle goes back to stock."""
    return Written.of(
        desk.cancel_order(actor, deal_id, body.reason, body.expected_version, body.occurred_at)
    )


@router.get("/deal-approvals/pending")
def pending_approvals(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> PageOf[ApprovalLine]:
    """Quotes waiting for the caller's decision: their level and below, in their scope."""
    ensure_role(actor, *APPROVAL_READERS)
    result = approvals.pending(
        runtime.db,
        scope=read_scope(actor, store_id=store_id, reach=Reach.OWN),
        levels=queue_levels(actor),
        now=now(),
        limit=page.limit,
        offset=page.offset,
    )
    return PageOf.of(result, page.limit, page.offset)


@router.get("/deal-approvals")
def approval_requests(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
    salesperson_id: UUID | None = None,
) -> PageOf[ApprovalLine]:
    """Every request in the scope with its state, newest first (a salesperson: their own)."""
    ensure_role(actor, *APPROVAL_READERS)
    result = approvals.requests(
        runtime.db,
        scope=read_scope(actor, store_id=store_id, salesperson_id=salesperson_id, reach=Reach.OWN),
        now=now(),
        limit=page.limit,
        offset=page.offset,
    )
    return PageOf.of(result, page.limit, page.offset)
