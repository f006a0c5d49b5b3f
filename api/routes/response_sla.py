"""Response-time SLA: a store's limits per channel, and the month's response report."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from api.deps import ActorDep, ConsistentDep, RuntimeDep
from api.schemas.common import OptionalMonthQuery, Written
from api.schemas.response_sla import ResponseReportOut, SlaPolicyIn, SlaPolicyOut
from domain.shared.access import ensure_role, read_scope
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, now
from domain.sla.service import SLA_READERS, ResponseSla
from projections.response_sla import queries

router = APIRouter(tags=["response SLA"])


async def _response_sla(runtime: RuntimeDep) -> ResponseSla:
    return runtime.response_sla


SlaDep = Annotated[ResponseSla, Depends(_response_sla)]


@router.get("/stores/{store_id}/response-sla")
def get_response_sla(store_id: UUID, service: SlaDep, actor: ActorDep) -> SlaPolicyOut:
    """The store's first-response limits per channel (the default rule until one is set)."""
    return SlaPolicyOut.model_validate(service.get_policy(actor, store_id))


@router.put("/stores/{store_id}/response-sla", status_code=201)
def set_response_sla(
    store_id: UUID, body: SlaPolicyIn, service: SlaDep, actor: ActorDep
) -> Written:
    """Choose the store's limits per channel: warning, limit and second limit in minutes of
    opening hours (the store's manager, admin). Leads captured from now on use them."""
    chosen = {k: v.model_dump() for k, v in body.rules.items()}
    return Written.of(service.set_policy(actor, store_id, chosen, body.expected_version))


@router.get("/reports/response-sla")
def response_report(
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    month: OptionalMonthQuery = None,
    store_id: UUID | None = None,
    salesperson_id: UUID | None = None,
) -> ResponseReportOut:
    """Leads captured in a month: first-response buckets (opening hours) and breach rates per
    store, team and salesperson, in the caller's read scope."""
    ensure_role(actor, *SLA_READERS)
    scope = read_scope(actor, store_id=store_id, salesperson_id=salesperson_id)
    scope.ensure_visible()
    chosen = month
    if chosen is None:
        zone = DEFAULT_TIMEZONE
        if scope.store_id is not None:
            zone = runtime.organisation.get_store(actor, scope.store_id).timezone
        chosen = business_day(now(), zone).strftime("%Y-%m")
    report = queries.response_report(runtime.db, chosen, scope=scope)
    return ResponseReportOut.model_validate(report)
