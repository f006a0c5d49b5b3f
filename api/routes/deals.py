"""Deals: opportunity → quote → contract → delivery, with unwind and cancellation."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter

from api.deps import ActorDep, ConsistentDep, PageDep, RuntimeDep, SalesDep
from api.schemas.common import PageOf, Written
from api.schemas.deals import (
    AddProduct,
    AttachVehicle,
    CancelProduct,
    CloseDeal,
    CreditOut,
    DealLine,
    DealOut,
    OpenDeal,
    ProductOut,
    ProductWritten,
    QuoteDeal,
    SplitCredit,
    StepDeal,
)
from domain.sales.model import Deal, DealStatus
from domain.shared.access import Reach, ReadScope, read_scope
from projections.directory import queries as directory

router = APIRouter(prefix="/deals", tags=["deals"])


def deal_out(deal: Deal, scope: ReadScope) -> DealOut:
    """A deal as `scope` may see it: gross shows to whoever may see the deal (a salesperson's
    pay is computed from it), what the dealer paid (accessories' cost) only to those who may
    see cost."""
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
        credits=[CreditOut(salesperson_id=s, share=share) for s, share in deal.credits.items()],
        products=[
            ProductOut(
                product_id=p.product_id,
                kind=p.kind,
                provider=p.provider,
                amount=p.amount,
                income=p.income,
                revenue=p.revenue,
                cost=p.cost if scope.sees_cost else None,
                added_at=p.added_at,
                active=p.active,
                cancelled_at=p.cancelled_at,
                cancel_reason=p.cancel_reason,
            )
            for p in deal.products.values()
        ],
        back_gross=deal.back_gross,
    )


@router.post("", status_code=201)
def open_deal(body: OpenDeal, sales: SalesDep, actor: ActorDep) -> Written:
    """Open a deal for a customer (from a lead, which is converted in the same save)."""
    return Written.of(
        sales.open_deal(
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
) -> PageOf[DealLine]:
    """Deals in the caller's scope, newest first."""
    result = directory.list_deals(
        runtime.db,
        scope=read_scope(actor, store_id=store_id, reach=Reach.OWN),
        status=None if status is None else status.value,
        limit=page.limit,
        offset=page.offset,
    )
    return PageOf.of(result, page.limit, page.offset)


@router.get("/{deal_id}")
def get_deal(deal_id: UUID, runtime: RuntimeDep, actor: ActorDep) -> DealOut:
    """One deal with its vehicle, quote and gross."""
    return deal_out(runtime.sales.get_deal(actor, deal_id), read_scope(actor))


@router.post("/{deal_id}/vehicle", status_code=201)
def attach_vehicle(deal_id: UUID, body: AttachVehicle, sales: SalesDep, actor: ActorDep) -> Written:
    """Attach (or swap) the vehicle; it is reserved for this deal in the same save."""
    return Written.of(
        sales.attach_vehicle(
            actor, deal_id, body.vehicle_id, body.expected_version, body.occurred_at
        )
    )


@router.post("/{deal_id}/quote", status_code=201)
def quote_deal(deal_id: UUID, body: QuoteDeal, sales: SalesDep, actor: ActorDep) -> Written:
    """Quote a price and discount for the attached vehicle."""
    return Written.of(
        sales.quote_deal(
            actor, deal_id, body.price, body.discount, body.expected_version, body.occurred_at
        )
    )


@router.post("/{deal_id}/contract", status_code=201)
def sign_contract(
    deal_id: UUID, sales: SalesDep, actor: ActorDep, body: StepDeal = StepDeal()
) -> Written:
    """Sign the contract of a quoted deal; the vehicle is marked sold atomically."""
    return Written.of(sales.sign_contract(actor, deal_id, body.expected_version, body.occurred_at))


@router.post("/{deal_id}/delivery", status_code=201)
def deliver_deal(
    deal_id: UUID, sales: SalesDep, actor: ActorDep, body: StepDeal = StepDeal()
) -> Written:
    """Hand the car over to the customer."""
    return Written.of(sales.deliver_deal(actor, deal_id, body.expected_version, body.occurred_at))


@router.post("/{deal_id}/unwind", status_code=201)
def unwind_deal(deal_id: UUID, body: CloseDeal, sales: SalesDep, actor: ActorDep) -> Written:
    """Reverse a delivered deal; the vehicle returns to stock (managers)."""
    return Written.of(
        sales.unwind_deal(actor, deal_id, body.reason, body.expected_version, body.occurred_at)
    )


@router.post("/{deal_id}/cancellation", status_code=201)
def cancel_deal(deal_id: UUID, body: CloseDeal, sales: SalesDep, actor: ActorDep) -> Written:
    """Cancel a deal before contract; its vehicle is released."""
    return Written.of(
        sales.cancel_deal(actor, deal_id, body.reason, body.expected_version, body.occurred_at)
    )


@router.post("/{deal_id}/credits", status_code=201)
def split_credit(deal_id: UUID, body: SplitCredit, sales: SalesDep, actor: ActorDep) -> Written:
    """Credit the deal to salespeople of its store in shares summing to 1 (managers)."""
    return Written.of(
        sales.split_credit(
            actor,
            deal_id,
            [(c.salesperson_id, c.share) for c in body.credits],
            body.expected_version,
            body.occurred_at,
        )
    )


@router.post("/{deal_id}/products", status_code=201)
def add_product(
    deal_id: UUID, body: AddProduct, sales: SalesDep, actor: ActorDep
) -> ProductWritten:
    """Sell a finance contract, insurance, warranty, GAP or accessories on the deal."""
    product_id = body.product_id or uuid4()
    written = sales.add_product(
        actor,
        deal_id,
        product_id,
        body.kind.value,
        provider=body.provider,
        amount=body.amount,
        income=body.income,
        revenue=body.revenue,
        cost=body.cost,
        expected_version=body.expected_version,
        occurred_at=body.occurred_at,
    )
    return ProductWritten(
        id=written.id, version=written.version, position=written.position, product_id=product_id
    )


@router.post("/{deal_id}/product-cancellation", status_code=201)
def cancel_product(deal_id: UUID, body: CancelProduct, sales: SalesDep, actor: ActorDep) -> Written:
    """Cancel a product of the deal, before or after delivery (managers): pay is charged back."""
    return Written.of(
        sales.cancel_product(
            actor, deal_id, body.product_id, body.reason, body.expected_version, body.occurred_at
        )
    )
