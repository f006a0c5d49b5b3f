"""Reports: salesperson KPIs, leaderboards, the lead funnel and inventory positions.

Each report is scoped like the records behind it: a salesperson sees own KPIs and the own
store's leaderboard; a store manager the own store; executives, finance and auditors the group.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from api.deps import ActorDep, ConsistentDep, PageDep, RuntimeDep
from api.schemas.common import OptionalMonthQuery, ReportDateQuery
from domain.shared.access import ensure_role
from domain.shared.actor import Principal, Role
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, now
from domain.shared.errors import NotFoundError
from projections.inventory import queries as inventory
from projections.lead_funnel import queries as funnel
from projections.leaderboard import queries as leaderboard
from projections.salesperson_kpi import queries as kpis
from workers.runtime import Runtime

router = APIRouter(prefix="/reports", tags=["reports"])


def _month(runtime: Runtime, actor: Principal, month: str | None, store: UUID | None) -> str:
    """The month asked for, or today's month on the floor of the store (or the group)."""
    if month is not None:
        return month
    zone = DEFAULT_TIMEZONE
    if store is not None:
        zone = runtime.organisation.get_store(actor, store).timezone
    return business_day(now(), zone).strftime("%Y-%m")


def _store(actor: Principal, store_id: UUID | None) -> UUID | None:
    """The store a store-bound user may report on (their own); others choose or see the group."""
    if actor.role in (Role.STORE_MANAGER, Role.SALESPERSON):
        if actor.store_id is None or (store_id is not None and store_id != actor.store_id):
            raise NotFoundError("store", store_id or "none")
        return actor.store_id
    return store_id


@router.get("/kpis")
def kpi_table(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    month: OptionalMonthQuery = None,
    store_id: UUID | None = None,
    salesperson_id: UUID | None = None,
) -> dict[str, Any]:
    """Per-salesperson KPIs of a month: leads, response time, appointments, deals, units, gross."""
    store = _store(actor, store_id)
    month = _month(runtime, actor, month, store)
    if actor.role is Role.SALESPERSON:
        if salesperson_id is not None and salesperson_id != actor.staff_id:
            raise NotFoundError("salesperson", salesperson_id)
        salesperson_id = actor.staff_id
    table = kpis.kpi_table(
        runtime.db,
        month=month,
        store_id=store,
        salesperson_id=salesperson_id,
        limit=page.limit,
        offset=page.offset,
    )
    return {"month": month, "store_id": store, **table}


@router.get("/leaderboard")
def leaderboard_of_month(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    month: OptionalMonthQuery = None,
    store_id: UUID | None = None,
) -> dict[str, Any]:
    """Ranking by units then gross (ties share a rank): one store's, or the group's."""
    store = _store(actor, store_id)
    month = _month(runtime, actor, month, store)
    return leaderboard.leaderboard(
        runtime.db, month=month, store_id=store, limit=page.limit, offset=page.offset
    )


@router.get("/funnel")
def lead_funnel(
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    month: OptionalMonthQuery = None,
    store_id: UUID | None = None,
) -> dict[str, Any]:
    """Lead funnel by channel for leads captured in the month, with conversion rates."""
    ensure_role(actor, Role.ADMIN, Role.GROUP_EXEC, Role.STORE_MANAGER, Role.FINANCE, Role.AUDITOR)
    store = _store(actor, store_id)
    month = _month(runtime, actor, month, store)
    return funnel.funnel(runtime.db, month=month, store_id=store)


@router.get("/inventory")
def inventory_positions(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> dict[str, Any]:
    """Stock per store × model × trim × colour: in stock and reserved."""
    store = _store(actor, store_id)
    positions = inventory.positions(
        runtime.db, store_id=store, limit=page.limit, offset=page.offset
    )
    if actor.role is Role.SALESPERSON:
        positions["items"] = [
            {k: v for k, v in i.items() if k != "cost"} for i in positions["items"]
        ]
    return positions


@router.get("/inventory/aging")
def inventory_aging(
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
    as_of: ReportDateQuery = None,
) -> dict[str, Any]:
    """Vehicles on hand by days since acquisition: 0–30, 31–60, 61–90, 90+."""
    store = _store(actor, store_id)
    day = as_of or business_day(now(), "Asia/Shanghai")
    return inventory.aging(runtime.db, as_of=day, store_id=store)
