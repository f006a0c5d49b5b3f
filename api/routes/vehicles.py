"""Vehicles: receive into stock, transfer, reprice; stock lists with age."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from api.deps import ActorDep, ConsistentDep, InventoryDep, PageDep, RuntimeDep
from api.schemas.common import ReportDateQuery, Written
from api.schemas.vehicles import (
    ReceiveVehicle,
    RepriceVehicle,
    TransferVehicle,
    VehicleOut,
    VehiclePage,
)
from domain.inventory.model import Vehicle, VehicleStatus
from domain.shared.access import ReadScope, read_scope
from domain.shared.clock import business_day, now
from projections.inventory import queries as inventory

router = APIRouter(prefix="/vehicles", tags=["vehicles"])


def vehicle_out(vehicle: Vehicle, scope: ReadScope) -> VehicleOut:
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
        sold_price=vehicle.sold_price,
        cost=vehicle.cost if scope.sees_cost else None,
        received_on=vehicle.received_on,
        age_days=(today - vehicle.received_on).days,
        deal_id=getattr(vehicle, "deal_id", None),
    )


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
) -> VehiclePage:
    """Vehicles in the caller's stores with their age in days (cost hidden from salespeople)."""
    return VehiclePage.model_validate(
        inventory.vehicles(
            runtime.db,
            status=None if status is None else status.value,
            scope=read_scope(actor, store_id=store_id),
            as_of=as_of or business_day(now(), "Asia/Shanghai"),
            limit=page.limit,
            offset=page.offset,
        )
    )


@router.get("/{vehicle_id}")
def get_vehicle(vehicle_id: UUID, runtime: RuntimeDep, actor: ActorDep) -> VehicleOut:
    """One vehicle."""
    return vehicle_out(runtime.inventory.get_vehicle(actor, vehicle_id), read_scope(actor))


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
