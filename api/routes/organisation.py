"""Stores, staff and users of the group."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request

from api import access
from api.deps import ActorDep, ConsistentDep, OrganisationDep, PageDep, RuntimeDep
from api.schemas.common import PageOf, Written
from api.schemas.organisation import (
    ChangePassword,
    HireStaff,
    OpenStore,
    RegisterUser,
    SetPack,
    StaffLeaves,
    StaffLine,
    StaffOut,
    StoreLine,
    StoreOut,
    TransferStaff,
    UpdateStore,
)
from domain.organisation.model import Staff, Store, User
from domain.shared.access import read_scope
from projections.directory import queries as directory
from workers.access_log import AccessKind

router = APIRouter(tags=["organisation"])


def _store(store: Store) -> StoreOut:
    return StoreOut(
        id=store.id,
        version=store.version,
        name=store.name,
        city=store.city,
        brands=store.brands,
        timezone=store.timezone,
        active=store.active,
        packs=dict(store.packs),
    )


def _staff(staff: Staff) -> StaffOut:
    return StaffOut(
        id=staff.id,
        version=staff.version,
        name=staff.name,
        role=staff.role,
        store_id=staff.store_id,
        active=staff.active,
    )


@router.post("/stores", status_code=201)
def open_store(body: OpenStore, organisation: OrganisationDep, actor: ActorDep) -> Written:
    """Open a store of the group (admin)."""
    return Written.of(
        organisation.open_store(
            actor, body.name, body.city, body.brands, body.timezone, occurred_at=body.occurred_at
        )
    )


@router.get("/stores")
def list_stores(
    runtime: RuntimeDep, actor: ActorDep, page: PageDep, _: ConsistentDep
) -> PageOf[StoreLine]:
    """The stores the caller can see (store-bound staff: their own)."""
    result = directory.list_stores(
        runtime.db, scope=read_scope(actor), limit=page.limit, offset=page.offset
    )
    return PageOf.of(result, page.limit, page.offset)


@router.get("/stores/{store_id}")
def get_store(store_id: UUID, runtime: RuntimeDep, actor: ActorDep) -> StoreOut:
    """One store."""
    return _store(runtime.organisation.get_store(actor, store_id))


@router.put("/stores/{store_id}", status_code=201)
def update_store(
    store_id: UUID, body: UpdateStore, organisation: OrganisationDep, actor: ActorDep
) -> Written:
    """Change a store's name, city, brands or timezone (admin)."""
    return Written.of(
        organisation.update_store(
            actor,
            store_id,
            body.name,
            body.city,
            body.brands,
            body.timezone,
            expected_version=body.expected_version,
            occurred_at=body.occurred_at,
        )
    )


@router.post("/stores/{store_id}/pack", status_code=201)
def set_pack(
    store_id: UUID, body: SetPack, organisation: OrganisationDep, actor: ActorDep
) -> Written:
    """Set the store's pack for new or used vehicles (admin, finance): commission gross is
    front gross less the pack in force when a deal is delivered."""
    return Written.of(
        organisation.set_pack(
            actor,
            store_id,
            body.condition.value,
            body.amount,
            expected_version=body.expected_version,
            occurred_at=body.occurred_at,
        )
    )


@router.post("/staff", status_code=201)
def hire_staff(body: HireStaff, organisation: OrganisationDep, actor: ActorDep) -> Written:
    """Put a person on a store's staff (admin, or that store's manager)."""
    return Written.of(
        organisation.hire_staff(
            actor, body.store_id, body.name, body.role, occurred_at=body.occurred_at
        )
    )


@router.get("/staff")
def list_staff(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> PageOf[StaffLine]:
    """Staff of the stores the caller can see (another store's: none)."""
    result = directory.list_staff(
        runtime.db,
        scope=read_scope(actor, store_id=store_id),
        limit=page.limit,
        offset=page.offset,
    )
    return PageOf.of(result, page.limit, page.offset)


@router.get("/staff/{staff_id}")
def get_staff(staff_id: UUID, runtime: RuntimeDep, actor: ActorDep) -> StaffOut:
    """One staff member."""
    return _staff(runtime.organisation.get_staff(actor, staff_id))


@router.post("/staff/{staff_id}/transfer", status_code=201)
def transfer_staff(
    staff_id: UUID, body: TransferStaff, organisation: OrganisationDep, actor: ActorDep
) -> Written:
    """Move a staff member to another store (admin)."""
    return Written.of(
        organisation.transfer_staff(
            actor, staff_id, body.to_store_id, body.expected_version, body.occurred_at
        )
    )


@router.post("/staff/{staff_id}/departure", status_code=201)
def staff_leaves(
    staff_id: UUID, body: StaffLeaves, organisation: OrganisationDep, actor: ActorDep
) -> Written:
    """Record that a staff member left."""
    return Written.of(
        organisation.staff_leaves(
            actor, staff_id, body.reason, body.expected_version, body.occurred_at
        )
    )


@router.post("/users", status_code=201)
def register_user(body: RegisterUser, organisation: OrganisationDep, actor: ActorDep) -> Written:
    """Create a login with a role and scope (admin)."""
    return Written.of(
        organisation.register_user(
            actor, body.username, body.password, body.role, body.store_id, body.staff_id
        )
    )


@router.post("/users/{username}/password", status_code=201)
def change_password(
    username: str,
    body: ChangePassword,
    request: Request,
    runtime: RuntimeDep,
    organisation: OrganisationDep,
    actor: ActorDep,
) -> Written:
    """Set a new password (admins for anyone, users for themselves)."""
    written = organisation.change_password(
        actor, username, body.password, current_password=body.current_password
    )
    # The change ends every token issued before: a revocation of them all.
    access.record(
        runtime,
        request,
        AccessKind.TOKEN_REVOKED,
        actor,
        User.id_for(username),
        tokens="all",
        reason="password_changed",
        channel="api",
    )
    return Written.of(written)


@router.post("/users/{username}/deactivation", status_code=201)
def deactivate_user(
    username: str,
    request: Request,
    runtime: RuntimeDep,
    organisation: OrganisationDep,
    actor: ActorDep,
) -> Written:
    """Switch a login off; its tokens stop working at once (admin; not oneself, not the last
    active admin)."""
    written = organisation.deactivate_user(actor, username)
    access.record(
        runtime,
        request,
        AccessKind.TOKEN_REVOKED,
        actor,
        User.id_for(username),
        tokens="all",
        reason="deactivated",
        channel="api",
    )
    return Written.of(written)


@router.post("/users/{username}/reactivation", status_code=201)
def reactivate_user(username: str, organisation: OrganisationDep, actor: ActorDep) -> Written:
    """Switch a deactivated login back on; tokens from before stay revoked (admin)."""
    return Written.of(organisation.reactivate_user(actor, username))


@router.post("/users/{username}/unlock", status_code=201)
def unlock_user(username: str, organisation: OrganisationDep, actor: ActorDep) -> Written:
    """Lift the login throttle's lockout of an account (admin); recorded as an event."""
    return Written.of(organisation.unlock_user(actor, username))
