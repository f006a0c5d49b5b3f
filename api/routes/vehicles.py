"""Vehicles: receive into stock, transfer, reprice; stock lists with age."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from api.deps import ActorDep, ConsistentDep, InventoryDep, PageDep, RuntimeDep
from api.schemas.common import PageOf, ReportDateQuery, Written
from api.schemas.vehicles import ReceiveVehicle, RepriceVehicle, TransferVehicle, VehicleOut
from domain.inventory.model import Vehicle, VehicleStatus
from domain.shared.actor import Principal, Role
from domain.shared.clock import business_day, now
from projections.inventory import queries as inventory

router = APIRouter(prefix="/vehicles", tags=["vehicles"])


def vehicle_out(vehicle: Vehicle, actor: Principal) -> VehicleOut:
    # Age counts from acquisition (received_on), not listing, as dealers measure aging.
    today = business_day(now(), "Asia/Shanghai")
    return VehicleOut(
        id=vehicle.id,
        version=vehicle.version,
        vin=vehicle.vin,
        store_id=vehicle.store_id,
        make=vehicle.make,
        model=vehicle.model,
        trim=vehicle.trim,
        colour=vehicle.colour,
        model_year=vehicle.model_year,
        condition=str(vehicle.condition),
        status=str(vehicle.status),
        list_price=vehicle.list_price,
        cost=None if actor.role is Role.SALESPERSON else vehicle.cost,
        received_on=vehicle.received_on,
        age_days=(today - vehicle.received_on).days,
        deal_id=getattr(vehicle, "deal_id", None),
    )


def store_scope(actor: Principal, store_id: UUID | None) -> tuple[bool, UUID | None]:
    """(allowed, store filter): store-bound staff see their own store only."""
    if actor.role in (Role.STORE_MANAGER, Role.SALESPERSON):
        if store_id is not None and store_id != actor.store_id:
            return False, None
        return actor.store_id is not None, actor.store_id
    return True, store_id


@router.post("", status_code=201)
def receive_vehicle(body: ReceiveVehicle, inventory: InventoryDep, actor: ActorDep) -> Written:
    """Receive a vehicle into a store's stock; the VIN (check digit verified) is unique."""
    return Written.of(
        inventory.receive_vehicle(
            actor,
            body.store_id,
            body.vin,
            body.make,
            body.model,
            body.trim,
            body.colour,
            body.model_year,
            body.condition.value,
            body.cost,
            body.list_price,
            received_on=body.received_on,
            occurred_at=body.occurred_at,
        )
    )


@router.get("")
def list_vehicles(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
    status: VehicleStatus | None = None,
    as_of: ReportDateQuery = None,
) -> PageOf[dict[str, Any]]:
    """Vehicles in the caller's stores with their age in days."""
    allowed, store_id = store_scope(actor, store_id)
    if not allowed:
        return PageOf(items=[], total=0, limit=page.limit, offset=page.offset)
    result = inventory.vehicles(
        runtime.db,
        store_id=store_id,
        status=None if status is None else status.value,
        as_of=as_of or business_day(now(), "Asia/Shanghai"),
        limit=page.limit,
        offset=page.offset,
    )
    items = result["items"]
    if actor.role is Role.SALESPERSON:
        items = [{k: v for k, v in item.items() if k != "cost"} for item in items]
    return PageOf(items=items, total=result["total"], limit=page.limit, offset=page.offset)


@router.get("/{vehicle_id}")
def get_vehicle(vehicle_id: UUID, runtime: RuntimeDep, actor: ActorDep) -> VehicleOut:
    """One vehicle."""
    return vehicle_out(runtime.inventory.get_vehicle(actor, vehicle_id), actor)


@router.post("/{vehicle_id}/transfer", status_code=201)
def transfer_vehicle(
    vehicle_id: UUID, body: TransferVehicle, inventory: InventoryDep, actor: ActorDep
) -> Written:
    """Move a vehicle in stock to another store."""
    return Written.of(
        inventory.transfer_vehicle(
            actor, vehicle_id, body.to_store_id, body.expected_version, body.occurred_at
        )
    )


@router.post("/{vehicle_id}/price", status_code=201)
def reprice_vehicle(
    vehicle_id: UUID, body: RepriceVehicle, inventory: InventoryDep, actor: ActorDep
) -> Written:
    """Change a vehicle's list price."""
    return Written.of(
        inventory.reprice_vehicle(
            actor, vehicle_id, body.list_price, body.expected_version, body.occurred_at
        )
    )
