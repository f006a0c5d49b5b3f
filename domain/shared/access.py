"""Role and scope rules, checked by the services on every read and write.

A record outside the actor's scope is reported as not found, so ids cannot be probed; an action
the actor's role may never take is forbidden.
"""

from __future__ import annotations

from uuid import UUID

from domain.shared.actor import Principal, Role
from domain.shared.errors import NotFoundError, PermissionDeniedError


def can_read(principal: Principal, store_id: UUID | None, owner_id: UUID | None) -> bool:
    """Whether the principal may see a record of `store_id` owned by salesperson `owner_id`."""
    if principal.reads_everything:
        return True
    if principal.role is Role.STORE_MANAGER:
        return store_id is not None and store_id == principal.store_id
    if principal.role is Role.SALESPERSON:
        return owner_id is not None and owner_id == principal.staff_id
    return False


def ensure_readable(
    principal: Principal, kind: str, ident: UUID, store_id: UUID | None, owner_id: UUID | None
) -> None:
    if not can_read(principal, store_id, owner_id):
        raise NotFoundError(kind, ident)


def ensure_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        allowed = ", ".join(sorted(r.value for r in roles))
        raise PermissionDeniedError(
            f"role {principal.role.value} may not do this (needs {allowed})"
        )


def ensure_store(principal: Principal, store_id: UUID) -> None:
    """Writes by store-scoped staff stay inside their own store."""
    if principal.role in (Role.STORE_MANAGER, Role.SALESPERSON) and principal.store_id != store_id:
        raise PermissionDeniedError("this store is outside your scope")


# Who may change the sales floor (leads, customers, deals); finance, auditors and executives read.
FLOOR_WRITERS = (Role.ADMIN, Role.STORE_MANAGER, Role.SALESPERSON)
MANAGERS = (Role.ADMIN, Role.STORE_MANAGER)


def ensure_floor_write(
    principal: Principal, kind: str, ident: UUID, store_id: UUID, owner_id: UUID | None
) -> None:
    """A salesperson changes only own records; a manager only the own store's; admin all."""
    ensure_readable(principal, kind, ident, store_id, owner_id)
    ensure_role(principal, *FLOOR_WRITERS)
    ensure_store(principal, store_id)
