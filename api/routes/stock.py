"""Stock: OEM orders to receipt, transfers between stores with an approval, stock settings, and
the reports (days' supply, turnover, purchase guidance, aging as of a day, the pipeline)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends

from api.deps import ActorDep, ConsistentDep, RuntimeDep
from api.schemas.common import MonthQuery, ReportDateQuery, Written
from api.schemas.stock import (
    AgingOut,
    AllocateOrder,
    ApproveTransfer,
    CancelOrder,
    ConditionFilter,
    DaysSupplyOut,
    GuidanceOut,
    Level,
    OrderOut,
    PipelineOut,
    PlaceOrder,
    ReceiveOrder,
    ReceiveTransfer,
    RefuseTransfer,
    RequestTransfer,
    ShipOrder,
    ShipTransfer,
    StockSettingsIn,
    StockSettingsOut,
    TurnoverOut,
    Window,
)
from domain.shared.access import read_scope
from domain.shared.clock import business_day, now
from domain.stock.model import OemOrder
from domain.stock.service import Stock
from projections.stock_reports import queries

router = APIRouter(prefix="/stock", tags=["stock"])


async def _stock(runtime: RuntimeDep) -> Stock:
    return runtime.stock


StockDep = Annotated[Stock, Depends(_stock)]


def _today() -> Any:
    return business_day(now(), "Asia/Shanghai")


def order_out(order: OemOrder, sees_cost: bool) -> OrderOut:
    return OrderOut(
        id=order.id,
        version=order.version,
        store_id=order.store_id,
        make=order.make,
        model=order.model,
        trim=order.trim,
        colour=order.colour,
        model_year=order.model_year,
        status=order.status.value,
        ordered_on=order.ordered_on,
        vin=order.vin,
        cost=order.cost if sees_cost else None,
        list_price=order.list_price,
        expected_on=order.expected_on,
        vehicle_id=order.vehicle_id,
    )


# --- OEM orders ---------------------------------------------------------------------------------


@router.post("/orders", status_code=201)
def place_order(body: PlaceOrder, stock: StockDep, actor: ActorDep) -> Written:
    """Order a vehicle (model, trim, colour) from the maker for a store."""
    return Written.of(
        stock.place_order(
            actor,
            body.store_id,
            body.make,
            body.model,
            body.trim,
            body.colour,
            body.model_year,
            ordered_on=body.ordered_on,
            occurred_at=body.occurred_at,
        )
    )


@router.get("/orders/{order_id}")
def get_order(order_id: UUID, stock: StockDep, actor: ActorDep) -> OrderOut:
    """One OEM order (its cost hidden from salespeople)."""
    return order_out(stock.get_order(actor, order_id), read_scope(actor).sees_cost)


@router.post("/orders/{order_id}/allocation", status_code=201)
def allocate_order(
    order_id: UUID, body: AllocateOrder, stock: StockDep, actor: ActorDep
) -> Written:
    """The maker allocated a vehicle to the order: VIN, invoice cost, list price."""
    return Written.of(
        stock.allocate_order(
            actor,
            order_id,
            body.vin,
            body.cost,
            body.list_price,
            body.allocated_on,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.post("/orders/{order_id}/shipment", status_code=201)
def ship_order(order_id: UUID, body: ShipOrder, stock: StockDep, actor: ActorDep) -> Written:
    """The allocated vehicle is in transit, expected at the store on `expected_on`."""
    return Written.of(
        stock.ship_order(
            actor,
            order_id,
            body.expected_on,
            body.shipped_on,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.post("/orders/{order_id}/receipt", status_code=201)
def receive_order(order_id: UUID, body: ReceiveOrder, stock: StockDep, actor: ActorDep) -> Written:
    """The ordered vehicle arrived: it enters the store's stock (the allocated VIN only)."""
    return Written.of(
        stock.receive_order(
            actor, order_id, body.vin, body.received_on, body.expected_version, body.occurred_at
        )
    )


@router.post("/orders/{order_id}/cancellation", status_code=201)
def cancel_order(order_id: UUID, body: CancelOrder, stock: StockDep, actor: ActorDep) -> Written:
    """Cancel an order that has not shipped, with the reason."""
    return Written.of(
        stock.cancel_order(actor, order_id, body.reason, body.expected_version, body.occurred_at)
    )


# --- transfers ------------------------------------------------------------------------------


@router.post("/transfers/{vehicle_id}", status_code=201)
def request_transfer(
    vehicle_id: UUID, body: RequestTransfer, stock: StockDep, actor: ActorDep
) -> Written:
    """Ask to move a vehicle in stock to another store at a cost; the group approves."""
    return Written.of(
        stock.request_transfer(
            actor,
            vehicle_id,
            body.to_store_id,
            body.cost,
            body.reason,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.post("/transfers/{vehicle_id}/approval", status_code=201)
def approve_transfer(
    vehicle_id: UUID,
    stock: StockDep,
    actor: ActorDep,
    body: ApproveTransfer = ApproveTransfer(),
) -> Written:
    """Approve a requested transfer (admin, group executive)."""
    return Written.of(
        stock.approve_transfer(actor, vehicle_id, body.expected_version, body.occurred_at)
    )


@router.post("/transfers/{vehicle_id}/refusal", status_code=201)
def refuse_transfer(
    vehicle_id: UUID, body: RefuseTransfer, stock: StockDep, actor: ActorDep
) -> Written:
    """Refuse a requested transfer, with the reason (admin, group executive)."""
    return Written.of(
        stock.refuse_transfer(
            actor, vehicle_id, body.reason, body.expected_version, body.occurred_at
        )
    )


@router.post("/transfers/{vehicle_id}/shipment", status_code=201)
def ship_transfer(
    vehicle_id: UUID, body: ShipTransfer, stock: StockDep, actor: ActorDep
) -> Written:
    """The approved transfer leaves the sending store: the vehicle is in transit."""
    return Written.of(
        stock.ship_transfer(
            actor,
            vehicle_id,
            body.expected_on,
            body.shipped_on,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.post("/transfers/{vehicle_id}/receipt", status_code=201)
def receive_transfer(
    vehicle_id: UUID,
    stock: StockDep,
    actor: ActorDep,
    body: ReceiveTransfer = ReceiveTransfer(),
) -> Written:
    """The vehicle in transit arrived at the receiving store (cost + the transfer's)."""
    return Written.of(
        stock.receive_transfer(
            actor, vehicle_id, body.arrived_on, body.expected_version, body.occurred_at
        )
    )


# --- settings -------------------------------------------------------------------------------


@router.get("/settings/{store_id}")
def get_settings(store_id: UUID, stock: StockDep, actor: ActorDep) -> StockSettingsOut:
    """The store's aged threshold and target days' supply (defaults 60 and 45 until set)."""
    return StockSettingsOut.model_validate(stock.get_settings(actor, store_id))


@router.put("/settings/{store_id}", status_code=201)
def set_settings(
    store_id: UUID, body: StockSettingsIn, stock: StockDep, actor: ActorDep
) -> Written:
    """Choose the store's aged threshold and target days' supply (admin, its manager)."""
    return Written.of(
        stock.set_settings(actor, store_id, body.aged_days, body.target_days, body.expected_version)
    )


# --- reports --------------------------------------------------------------------------------


@router.get("/days-supply")
def days_supply(
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    window: Window = Window.DAYS_30,
    level: Level = "model",
    condition: ConditionFilter | None = None,
    store_id: UUID | None = None,
    as_of: ReportDateQuery = None,
) -> DaysSupplyOut:
    """Units in stock ÷ average daily retail sales over the window (30 or 90 days, stated),
    per store × model (× trim, × colour)."""
    return DaysSupplyOut.model_validate(
        queries.days_supply(
            runtime.db,
            scope=read_scope(actor, store_id=store_id),
            as_of=as_of or _today(),
            window=int(window),
            level=level,
            condition=condition,
        )
    )


@router.get("/turnover")
def turnover(
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    month: MonthQuery,
    condition: ConditionFilter | None = None,
    store_id: UUID | None = None,
) -> TurnoverOut:
    """Inventory turnover (库存周转率) per store for a month: cost of sales ÷ average inventory
    cost, and annualised; units retailed ÷ average units (the used-car measure)."""
    return TurnoverOut.model_validate(
        queries.turnover(
            runtime.db,
            scope=read_scope(actor, store_id=store_id),
            month=month,
            condition=condition,
        )
    )


@router.get("/guidance")
def guidance(
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    window: Window = Window.DAYS_30,
    condition: ConditionFilter = "new",
    store_id: UUID | None = None,
    as_of: ReportDateQuery = None,
) -> GuidanceOut:
    """Purchase guidance per store × model × trim × colour, with every input beside it."""
    return GuidanceOut.model_validate(
        queries.guidance(
            runtime.db,
            scope=read_scope(actor, store_id=store_id),
            as_of=as_of or _today(),
            window=int(window),
            condition=condition,
        )
    )


@router.get("/aging")
def aging(
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    condition: ConditionFilter | None = None,
    store_id: UUID | None = None,
    as_of: ReportDateQuery = None,
) -> AgingOut:
    """What each store held at the end of `as_of`, by days since acquisition, with the
    store's aged threshold (a past day: the stock of that day, not today's re-aged)."""
    return AgingOut.model_validate(
        queries.aging(
            runtime.db,
            scope=read_scope(actor, store_id=store_id),
            as_of=as_of or _today(),
            condition=condition,
        )
    )


@router.get("/pipeline")
def pipeline(
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
    include_closed: bool = False,
) -> PipelineOut:
    """OEM orders and transfers on their way to (or from) the scope's stores."""
    return PipelineOut.model_validate(
        queries.pipeline(
            runtime.db, scope=read_scope(actor, store_id=store_id), open_only=not include_closed
        )
    )
