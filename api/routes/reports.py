"""Reports: salesperson KPIs, leaderboards, the lead funnel and inventory positions.

Each report is scoped like the records behind it: a salesperson sees own KPIs and the own
store's leaderboard; a store manager the own store; executives, finance and auditors the group.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from api.deps import ActorDep, ConsistentDep, PageDep, RuntimeDep
from api.schemas.common import OptionalMonthQuery, ReportDateQuery
from api.schemas.reports import AgingOut, FunnelOut, KpiTableOut, LeaderboardOut, PositionsOut
from domain.shared.access import FUNNEL_READERS, ReadScope, ensure_role, read_scope
from domain.shared.actor import Principal
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, now
from projections.inventory import queries as inventory
from projections.lead_funnel import queries as funnel
from projections.leaderboard import queries as leaderboard
from projections.salesperson_kpi import queries as kpis
from workers.runtime import Runtime

router = APIRouter(prefix="/reports", tags=["reports"])


def _month(runtime: Runtime, actor: Principal, month: str | None, scope: ReadScope) -> str:
    """The month asked for, or today's month on the floor of the store (or the group)."""
    scope.ensure_visible()  # a store outside the caller's reach: 404 before anything is read
    if month is not None:
        return month
    zone = DEFAULT_TIMEZONE
    if scope.store_id is not None:
        zone = runtime.organisation.get_store(actor, scope.store_id).timezone
    return business_day(now(), zone).strftime("%Y-%m")


@router.get("/kpis")
def kpi_table(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    month: OptionalMonthQuery = None,
    store_id: UUID | None = None,
    salesperson_id: UUID | None = None,
) -> KpiTableOut:
    """Per-salesperson KPIs of a month: leads, response time, appointments, deals, units, gross."""
    scope = read_scope(actor, store_id=store_id, salesperson_id=salesperson_id)
    month = _month(runtime, actor, month, scope)
    table = kpis.kpi_table(
        runtime.db, month=month, limit=page.limit, offset=page.offset, scope=scope
    )
    return KpiTableOut.model_validate({"month": month, "store_id": scope.store_id, **table})


@router.get("/leaderboard")
def leaderboard_of_month(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    month: OptionalMonthQuery = None,
    store_id: UUID | None = None,
) -> LeaderboardOut:
    """Ranking by units then gross (ties share a rank): one store's, or the group's; a
    salesperson sees their own gross only."""
    scope = read_scope(actor, store_id=store_id)
    month = _month(runtime, actor, month, scope)
    return LeaderboardOut.model_validate(
        leaderboard.leaderboard(
            runtime.db, month=month, limit=page.limit, offset=page.offset, scope=scope
        )
    )


@router.get("/funnel")
def lead_funnel(
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    month: OptionalMonthQuery = None,
    store_id: UUID | None = None,
) -> FunnelOut:
    """Lead funnel by channel for leads captured in the month, with conversion rates."""
    ensure_role(actor, *FUNNEL_READERS)
    scope = read_scope(actor, store_id=store_id)
    month = _month(runtime, actor, month, scope)
    return FunnelOut.model_validate(funnel.funnel(runtime.db, month=month, scope=scope))


@router.get("/inventory")
def inventory_positions(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> PositionsOut:
    """Stock per store × model × trim × colour: in stock and reserved (cost hidden from
    salespeople)."""
    return PositionsOut.model_validate(
        inventory.positions(
            runtime.db,
            scope=read_scope(actor, store_id=store_id),
            limit=page.limit,
            offset=page.offset,
        )
    )


@router.get("/inventory/aging")
def inventory_aging(
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
    as_of: ReportDateQuery = None,
) -> AgingOut:
    """Vehicles on hand by days since acquisition: 0–30, 31–60, 61–90, 90+ (summed cost
    hidden from salespeople: a bucket of one car would show its cost)."""
    day = as_of or business_day(now(), "Asia/Shanghai")
    return AgingOut.model_validate(
        inventory.aging(runtime.db, as_of=day, scope=read_scope(actor, store_id=store_id))
    )
