"""Deals: opportunity → quote → contract → delivery, with unwind and cancellation."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from api.deps import ActorDep, ConsistentDep, PageDep, RuntimeDep
from api.schemas.common import PageOf, Written
from api.schemas.deals import AttachVehicle, CloseDeal, DealOut, OpenDeal, QuoteDeal, StepDeal
from domain.sales.model import Deal, DealStatus
from domain.shared.actor import Role
from projections.directory import queries as directory

router = APIRouter(prefix="/deals", tags=["deals"])


def deal_out(deal: Deal) -> DealOut:
    return DealOut(
        id=deal.id,
        version=deal.version,
        store_id=deal.store_id,
        customer_id=deal.customer_id,
        salesperson_id=deal.salesperson_id,
        lead_id=deal.lead_id,
        status=str(deal.status),
        vehicle_id=deal.vehicle_id,
        vin=deal.vin,
        list_price=deal.list_price,
        price=deal.price,
        discount=deal.discount,
        selling_price=deal.selling_price,
        front_gross=deal.front_gross,
        opened_at=deal.opened_at,
        contracted_at=deal.contracted_at,
        delivered_at=deal.delivered_at,
        closed_at=deal.closed_at,
        close_reason=deal.close_reason,
    )


@router.post("", status_code=201)
def open_deal(body: OpenDeal, runtime: RuntimeDep, actor: ActorDep) -> Written:
    """Open a deal for a customer (from a lead, which is converted in the same save)."""
    return Written.of(
        runtime.sales.open_deal(
            actor,
            body.store_id,
            body.customer_id,
            salesperson_id=body.salesperson_id,
            lead_id=body.lead_id,
            occurred_at=body.occurred_at,
        )
    )


@router.get("")
def list_deals(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
    status: DealStatus | None = None,
) -> PageOf[dict[str, Any]]:
    """Deals in the caller's scope, newest first."""
    salesperson_id = None
    if actor.role is Role.SALESPERSON:
        if actor.staff_id is None:
            return PageOf(items=[], total=0, limit=page.limit, offset=page.offset)
        salesperson_id = actor.staff_id
    if actor.role is Role.STORE_MANAGER:
        if store_id is not None and store_id != actor.store_id:
            return PageOf(items=[], total=0, limit=page.limit, offset=page.offset)
        store_id = actor.store_id
    result = directory.list_deals(
        runtime.db,
        store_id=store_id,
        salesperson_id=salesperson_id,
        status=None if status is None else status.value,
        limit=page.limit,
        offset=page.offset,
    )
    return PageOf(
        items=result["items"], total=result["total"], limit=page.limit, offset=page.offset
    )


@router.get("/{deal_id}")
def get_deal(deal_id: UUID, runtime: RuntimeDep, actor: ActorDep) -> DealOut:
    """One deal with its vehicle, quote and gross."""
    return deal_out(runtime.sales.get_deal(actor, deal_id))


@router.post("/{deal_id}/vehicle", status_code=201)
def attach_vehicle(
    deal_id: UUID, body: AttachVehicle, runtime: RuntimeDep, actor: ActorDep
) -> Written:
    """Attach (or swap) the vehicle; it is reserved for this deal in the same save."""
    return Written.of(
        runtime.sales.attach_vehicle(
            actor, deal_id, body.vehicle_id, body.expected_version, body.occurred_at
        )
    )


@router.post("/{deal_id}/quote", status_code=201)
def quote_deal(deal_id: UUID, body: QuoteDeal, runtime: RuntimeDep, actor: ActorDep) -> Written:
    """Quote a price and discount for the attached vehicle."""
    return Written.of(
        runtime.sales.quote_deal(
            actor, deal_id, body.price, body.discount, body.expected_version, body.occurred_at
        )
    )


@router.post("/{deal_id}/contract", status_code=201)
def sign_contract(deal_id: UUID, body: StepDeal, runtime: RuntimeDep, actor: ActorDep) -> Written:
    """Sign the contract of a quoted deal; the vehicle is marked sold atomically."""
    return Written.of(
        runtime.sales.sign_contract(actor, deal_id, body.expected_version, body.occurred_at)
    )


@router.post("/{deal_id}/delivery", status_code=201)
def deliver_deal(deal_id: UUID, body: StepDeal, runtime: RuntimeDep, actor: ActorDep) -> Written:
    """Hand the car over to the customer."""
    return Written.of(
        runtime.sales.deliver_deal(actor, deal_id, body.expected_version, body.occurred_at)
    )


@router.post("/{deal_id}/unwind", status_code=201)
def unwind_deal(deal_id: UUID, body: CloseDeal, runtime: RuntimeDep, actor: ActorDep) -> Written:
    """Reverse a delivered deal; the vehicle returns to stock (managers)."""
    return Written.of(
        runtime.sales.unwind_deal(
            actor, deal_id, body.reason, body.expected_version, body.occurred_at
        )
    )


@router.post("/{deal_id}/cancellation", status_code=201)
def cancel_deal(deal_id: UUID, body: CloseDeal, runtime: RuntimeDep, actor: ActorDep) -> Written:
    """Cancel a deal before contract; its vehicle is released."""
    return Written.of(
        runtime.sales.cancel_deal(
            actor, deal_id, body.reason, body.expected_version, body.occurred_at
        )
    )
