"""Staff as the pages name them: every row the actor may see, read through the directory
view page by page (a group has thousands; a page that stopped at the first 200 or 500 would
show some people as bare ids). Names are sealed in the view (each with the person's own key):
the whole list is read, revealed here (`workers.reveal`, staff keys cached per process) and
sorted by name, so that pickers and name columns stay alphabetical."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.shared.access import read_scope
from domain.shared.actor import Principal
from projections.directory import queries as directory
from workers.reveal import name_order, reveal_field
from workers.runtime import Runtime

CHUNK = 1000


def everyone(
    runtime: Runtime,
    actor: Principal,
    *,
    store_id: UUID | None = None,
    role: str | None = None,
    active: bool | None = None,
) -> list[dict[str, Any]]:
    """Staff rows in the actor's read scope, names revealed, by name (optionally of a store,
    role, state)."""
    scope = read_scope(actor)
    rows: list[dict[str, Any]] = []
    while True:
        chunk = directory.list_staff(
            runtime.db,
            store_id=store_id,
            role=role,
            active=active,
            limit=CHUNK,
            offset=len(rows),
            scope=scope,
        )
        rows += chunk["items"]
        if not chunk["items"] or len(rows) >= chunk["total"]:
            return sorted(reveal_field(runtime.customer_keys, rows), key=name_order)


def names(runtime: Runtime, actor: Principal, **which: Any) -> dict[UUID, str]:
    """id → name of `everyone(...)`."""
    return {row["id"]: row["name"] for row in everyone(runtime, actor, **which)}
