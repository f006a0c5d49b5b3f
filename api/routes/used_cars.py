"""Used cars: buy, recondition (整备), put on the front line, wholesale; the aged policy."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter

from api.deps import ActorDep, ConsistentDep, PageDep, RuntimeDep
from api.schemas.common import MonthQuery, ReportDateQuery, Written
from api.schemas.used_cars import (
    AcquireUsedCar,
    AddReconItem,
    FinishReconOrder,
    FrontLineReady,
    OpenReconOrder,
    PriceStepIn,
    ReconItemOut,
    ReconOrderOut,
    ReconOrderWritten,
    SetUsedCarPolicy,
    StartReconOrder,
    UsedCarOut,
    UsedCarPage,
    UsedCarPolicyOut,
    UsedGrossOut,
    WholesaleUsedCar,
)
from domain.inventory.model import Vehicle
from domain.shared.access import read_scope
from domain.shared.clock import business_day, now
from domain.shared.errors import NotFoundError
from domain.shared.values import Condition
from projections.used_stock import queries as used_stock

router = APIRouter(prefix="/used-cars", tags=["used cars"])


def used_car_out(vehicle: Vehicle, sees_cost: bool) -> UsedCarOut:
    def shown(amount: object) -> object:
        return amount if sees_cost else None

    return UsedCarOut(
        id=vehicle.id,
        version=vehicle.version,
        vin=vehicle.vin,
        store_id=vehicle.store_id,
        make=vehicle.make,
        model=vehicle.model,
        model_year=vehicle.model_year,
        status=str(vehicle.status),
        source=getattr(vehicle, "source", "trade_in"),
        received_on=vehicle.received_on,
        front_line_ready=vehicle.is_front_line_ready,
        ready_on=vehicle.ready_on,
        t2l_days=getattr(vehicle, "t2l_days", None),
        list_price=vehicle.list_price,
        cost=vehicle.cost if sees_cost else None,
        recon_cost=vehicle.recon_cost if sees_cost else None,
        recon_orders=[
            ReconOrderOut(
                order_id=o.order_id,
                workshop=o.workshop,
                status=o.status,
                opened_on=o.opened_on,
                started_on=o.started_on,
                finished_on=o.finished_on,
                cost=o.cost if sees_cost else None,
                items=[
                    ReconItemOut(
                        description=i.description,
                        vendor=i.vendor,
                        cost=i.cost if sees_cost else None,
                    )
                    for i in o.items
                ],
            )
            for o in vehicle.recon_orders.values()
        ],
    )


@router.post("", status_code=201)
def acquire_used_car(body: AcquireUsedCar, runtime: RuntimeDep, actor: ActorDep) -> Written:
    """Buy a used car (private seller, auction, transfer) into a store's stock at its cost."""
    return Written.of(
        runtime.used_cars.acquire(
            actor,
            body.store_id,
            body.source,
            body.seller,
            body.vin,
            body.make,
            body.model,
            body.trim,
            body.colour,
            body.model_year,
            body.cost,
            body.list_price,
            received_on=body.received_on,
            occurred_at=body.occurred_at,
        )
    )


@router.get("")
def list_used_cars(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
    as_of: ReportDateQuery = None,
    on_hand: bool = True,
) -> UsedCarPage:
    """Used cars with age, T2L, the policy's price step and wholesale flag (cost: managers)."""
    return UsedCarPage.model_validate(
        used_stock.used_cars(
            runtime.db,
            scope=read_scope(actor, store_id=store_id),
            as_of=as_of or business_day(now(), "Asia/Shanghai"),
            on_hand=on_hand,
            limit=page.limit,
            offset=page.offset,
        )
    )


@router.get("/gross")
def used_gross(
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    month: MonthQuery,
    store_id: UUID | None = None,
) -> UsedGrossOut:
    """A month's used-car retail gross and wholesale gross, reported apart."""
    return UsedGrossOut.model_validate(
        used_stock.disposal_gross(runtime.db, month, scope=read_scope(actor, store_id=store_id))
    )


@router.get("/policies/{store_id}")
def get_policy(store_id: UUID, runtime: RuntimeDep, actor: ActorDep) -> UsedCarPolicyOut:
    """A store's aged-used-car policy (no steps and no wholesale age when never set)."""
    policy = runtime.used_cars.policy(actor, store_id)
    if policy is None:
        return UsedCarPolicyOut(store_id=store_id, steps=[], wholesale_at_days=None)
    return UsedCarPolicyOut(
        store_id=store_id,
        steps=[PriceStepIn(days=s.days, percent_off=s.percent_off) for s in policy.steps],
        wholesale_at_days=policy.wholesale_at_days,
    )


@router.put("/policies/{store_id}", status_code=201)
def set_policy(
    store_id: UUID,
    runtime: RuntimeDep,
    actor: ActorDep,
    body: SetUsedCarPolicy = SetUsedCarPolicy(),
) -> Written:
    """Set a store's price steps at set ages and the age at which a car goes to wholesale."""
    return Written.of(
        runtime.used_cars.set_policy(
            actor,
            store_id,
            [{"days": s.days, "percent_off": str(s.percent_off)} for s in body.steps],
            body.wholesale_at_days,
            occurred_at=body.occurred_at,
        )
    )


@router.get("/{vehicle_id}")
def get_used_car(vehicle_id: UUID, runtime: RuntimeDep, actor: ActorDep) -> UsedCarOut:
    """One used car with its work orders (costs hidden from salespeople)."""
    vehicle = runtime.inventory.get_vehicle(actor, vehicle_id)
    if vehicle.condition is not Condition.USED:
        raise NotFoundError("used car", vehicle_id)
    return used_car_out(vehicle, read_scope(actor).sees_cost)


@router.post("/{vehicle_id}/recon-orders", status_code=201)
def open_recon_order(
    vehicle_id: UUID, body: OpenReconOrder, runtime: RuntimeDep, actor: ActorDep
) -> ReconOrderWritten:
    """Open a reconditioning work order with a vendor or the own workshop."""
    order_id = uuid4()
    written = runtime.used_cars.open_recon_order(
        actor,
        vehicle_id,
        order_id,
        body.workshop,
        body.opened_on,
        body.expected_version,
        body.occurred_at,
    )
    return ReconOrderWritten(
        id=written.id, version=written.version, position=written.position, order_id=order_id
    )


@router.post("/{vehicle_id}/recon-orders/{order_id}/items", status_code=201)
def add_recon_item(
    vehicle_id: UUID, order_id: UUID, body: AddReconItem, runtime: RuntimeDep, actor: ActorDep
) -> Written:
    """Add a line of work; its cost joins the vehicle's cost."""
    return Written.of(
        runtime.used_cars.add_recon_item(
            actor,
            vehicle_id,
            order_id,
            body.description,
            body.vendor,
            body.cost,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.post("/{vehicle_id}/recon-orders/{order_id}/start", status_code=201)
def start_recon_order(
    vehicle_id: UUID,
    order_id: UUID,
    runtime: RuntimeDep,
    actor: ActorDep,
    body: StartReconOrder = StartReconOrder(),
) -> Written:
    """Work began on the order."""
    return Written.of(
        runtime.used_cars.start_recon_order(
            actor, vehicle_id, order_id, body.started_on, body.expected_version, body.occurred_at
        )
    )


@router.post("/{vehicle_id}/recon-orders/{order_id}/finish", status_code=201)
def finish_recon_order(
    vehicle_id: UUID,
    order_id: UUID,
    runtime: RuntimeDep,
    actor: ActorDep,
    body: FinishReconOrder = FinishReconOrder(),
) -> Written:
    """The order's work is done."""
    return Written.of(
        runtime.used_cars.finish_recon_order(
            actor, vehicle_id, order_id, body.finished_on, body.expected_version, body.occurred_at
        )
    )


@router.post("/{vehicle_id}/front-line", status_code=201)
def front_line_ready(
    vehicle_id: UUID, runtime: RuntimeDep, actor: ActorDep, body: FrontLineReady = FrontLineReady()
) -> Written:
    """Put the used car on the front line (every order finished): from now it can be sold."""
    return Written.of(
        runtime.used_cars.mark_front_line_ready(
            actor, vehicle_id, body.ready_on, body.expected_version, body.occurred_at
        )
    )


@router.post("/{vehicle_id}/wholesale", status_code=201)
def wholesale_used_car(
    vehicle_id: UUID, body: WholesaleUsedCar, runtime: RuntimeDep, actor: ActorDep
) -> Written:
    """Sell the used car to a dealer or at auction, at its price (no deal, no salesperson)."""
    return Written.of(
        runtime.used_cars.wholesale(
            actor,
            vehicle_id,
            body.buyer,
            body.buyer_kind,
            body.price,
            body.sold_on,
            body.expected_version,
            body.occurred_at,
        )
    )
