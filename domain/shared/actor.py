"""Who is acting: the principal passed to every service call and stamped on every event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

# The languages a user can choose for their pages (zh-CN is the default).
LANGUAGES = ("zh-CN", "en")


class Role(StrEnum):
    ADMIN = "admin"
    GROUP_EXEC = "group_exec"
    STORE_MANAGER = "store_manager"
    SALESPERSON = "salesperson"
    FINANCE = "finance"
    AUDITOR = "auditor"
    # Leads a sales team (销售小组) of a store: sells, and reads and assigns within the team.
    TEAM_LEADER = "team_leader"


@dataclass(frozen=True)
class Principal:
    """An authenticated user, with the scope their role reaches."""

    user_id: str
    role: Role
    store_id: UUID | None = None
    staff_id: UUID | None = None
    username: str = ""
    language: str | None = None  # chosen for the pages; None: the browser's or the default
    # A team leader's team (staff ids, the leader's own included), resolved from the store's
    # SalesTeams when the principal is built (domain/organisation/service.py); empty otherwise.
    team: frozenset[UUID] = frozenset()

    @property
    def reads_everything(self) -> bool:
        return self.role in (Role.ADMIN, Role.GROUP_EXEC, Role.FINANCE, Role.AUDITOR)


SYSTEM = Principal(user_id="system", role=Role.ADMIN, username="system")

_acting: ContextVar[str] = ContextVar("showroom_actor", default=SYSTEM.user_id)


def current_actor() -> str:
    """The id stamped on events triggered now."""
    return _acting.get()


@contextmanager
def acting_as(principal: Principal) -> Iterator[Principal]:
    """Stamp events triggered inside the block with this principal's user id."""
    token = _acting.set(principal.user_id)
    try:
        yield principal
    finally:
        _acting.reset(token)
