"""The floor rotation ("up" system) for walk-ins: who is up, check in, take a walk-in, with a
customer, skip and move (docs/floor-rotation.md)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter

from api.deps import ActorDep, RuntimeDep
from api.schemas.common import Written
from api.schemas.floor_rotation import (
    CheckOut,
    Move,
    RotationMember,
    RotationOut,
    RotationTake,
    Skip,
    StaffChoice,
    WalkInIn,
    WalkInOut,
    WithCustomer,
)
from domain.floor.rotation import FloorRotation

router = APIRouter(tags=["floor rotation"])


def rotation_out(line: FloorRotation) -> RotationOut:
    return RotationOut(
        store_id=line.store_id,
        day=line.day,
        version=line.version if line.version and not line.pending_events else 0,
        up=line.up,
        after=line.after(),
        line=[
            RotationMember(staff_id=s, place=i, with_customer=s in line.busy)
            for i, s in enumerate(line.order, start=1)
        ],
        takes=[
            RotationTake(
                turn=t.turn, staff_id=t.staff_id, at=t.at, lead_id=t.lead_id, returned=t.returned
            )
            for t in line.takes
        ],
    )


@router.get("/stores/{store_id}/rotation")
def get_rotation(
    store_id: UUID, runtime: RuntimeDep, actor: ActorDep, day: date | None = None
) -> RotationOut:
    """The store's walk-in line of a day (today in the store's zone by default)."""
    return rotation_out(runtime.floor_rotations.rotation(actor, store_id, day))


@router.post("/stores/{store_id}/rotation/members", status_code=201)
def check_in(
    store_id: UUID, runtime: RuntimeDep, actor: ActorDep, body: StaffChoice = StaffChoice()
) -> Written:
    """Check in: join the back of today's line (on duty now)."""
    return Written.of(runtime.floor_rotations.check_in(actor, store_id, body.staff_id))


@router.post("/stores/{store_id}/rotation/check-outs", status_code=201)
def check_out(
    store_id: UUID, runtime: RuntimeDep, actor: ActorDep, body: CheckOut = CheckOut()
) -> Written:
    """Check out: leave today's line."""
    return Written.of(
        runtime.floor_rotations.check_out(actor, store_id, body.staff_id, body.reason)
    )


@router.put("/stores/{store_id}/rotation/with-customer", status_code=201)
def with_customer(
    store_id: UUID, body: WithCustomer, runtime: RuntimeDep, actor: ActorDep
) -> Written:
    """With a customer (skipped while busy, keeping the place) or free again."""
    return Written.of(
        runtime.floor_rotations.set_with_customer(actor, store_id, body.busy, body.staff_id)
    )


@router.post("/stores/{store_id}/rotation/skips", status_code=201)
def skip(store_id: UUID, body: Skip, runtime: RuntimeDep, actor: ActorDep) -> Written:
    """Send someone to the back of the line, with the reason (the store's manager)."""
    return Written.of(
        runtime.floor_rotations.skip(
            actor, store_id, body.staff_id, body.reason, body.expected_version
        )
    )


@router.post("/stores/{store_id}/rotation/moves", status_code=201)
def move(store_id: UUID, body: Move, runtime: RuntimeDep, actor: ActorDep) -> Written:
    """Put someone at a place in the line, 1 being up next (the store's manager)."""
    return Written.of(
        runtime.floor_rotations.move(
            actor, store_id, body.staff_id, body.place, body.expected_version
        )
    )


@router.post("/stores/{store_id}/rotation/walk-ins", status_code=201)
def take_walk_in(store_id: UUID, body: WalkInIn, runtime: RuntimeDep, actor: ActorDep) -> WalkInOut:
    """A walk-in arrives: whoever is up takes it, as a walk-in lead assigned to them, and goes
    to the back of the line (a salesperson takes only their own turn)."""
    taken = runtime.floor_rotations.take_walk_in(
        actor, store_id, body.customer_name, body.customer_phone, body.model_interest, body.note
    )
    w = taken.written
    return WalkInOut(
        id=w.id,
        version=w.version,
        position=w.position,
        staff_id=taken.staff_id,
        turn=taken.turn,
        lead_id=taken.lead_id,
    )
