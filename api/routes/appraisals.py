"""Appraisals of customers' cars, trade-ins on deals, and the look-to-book ratio."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from api.deps import ActorDep, ConsistentDep, PageDep, RuntimeDep
from api.schemas.appraisals import (
    AppraisalLine,
    AppraisalOut,
    AttachTradeIn,
    CreateAppraisal,
    Decline,
    Expire,
    FindingOut,
    Inspect,
    LookToBookBy,
    LookToBookOut,
    Offer,
    TradeInOut,
    Value,
)
from api.schemas.common import OptionalMonthQuery, PageOf, Written
from domain.appraisals.model import Appraisal, AppraisalStatus
from domain.appraisals.service import Appraisals
from domain.sales.model import Deal
from domain.shared.access import APPRAISAL_READERS, ReadScope, ensure_role, read_scope
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, now
from domain.shared.errors import NotFoundError
from projections.appraisals import queries as appraisals_view

router = APIRouter(tags=["appraisals"])


async def get_appraisals(runtime: RuntimeDep) -> Appraisals:
    """The appraisals service of the runtime (built once, in workers/runtime.py)."""
    return runtime.appraisals


AppraisalsDep = Annotated[Appraisals, Depends(get_appraisals)]


def appraisal_out(appraisal: Appraisal) -> AppraisalOut:
    return AppraisalOut(
        id=appraisal.id,
        version=appraisal.version,
        store_id=appraisal.store_id,
        appraiser_id=appraisal.appraiser_id,
        customer_id=appraisal.customer_id,
        vin=appraisal.vin,
        make=appraisal.make,
        model=appraisal.model,
        trim=appraisal.trim,
        colour=appraisal.colour,
        model_year=appraisal.model_year,
        mileage_km=appraisal.mileage_km,
        grade=appraisal.grade.value,
        status=appraisal.status.value,
        findings=[
            FindingOut(item=f.item, result=f.result.value, note=f.note, repair_cost=f.repair_cost)
            for f in appraisal.findings
        ],
        repair_estimate=appraisal.repair_estimate,
        acv=appraisal.acv,
        offer=appraisal.offer,
        expires_at=appraisal.expires_at,
        offer_expired=appraisal.status is AppraisalStatus.OFFERED
        and appraisal.offer_expired(now()),
        deal_id=appraisal.deal_id,
        vehicle_id=appraisal.vehicle_id,
        created_at=appraisal.created_at,
        closed_at=appraisal.closed_at,
        decline_reason=appraisal.decline_reason,
    )


def trade_in_out(deal: Deal, scope: ReadScope) -> TradeInOut:
    """A deal's trade-in as `scope` may see it (ACV and its gross effect are cost figures)."""
    trade = deal.trade_in
    if trade is None:
        raise NotFoundError("trade-in", deal.id)
    return TradeInOut(
        deal_id=deal.id,
        appraisal_id=trade.appraisal_id,
        vin=trade.vin,
        allowance=trade.allowance,
        payoff=trade.payoff,
        equity=trade.equity,
        acv=trade.acv if scope.sees_cost else None,
        over_allowance=trade.over_allowance if scope.sees_cost else None,
        gross_adjustment=deal.trade_adjustment if scope.sees_cost else None,
    )


@router.post("/appraisals", status_code=201)
def create_appraisal(body: CreateAppraisal, service: AppraisalsDep, actor: ActorDep) -> Written:
    """Start an appraisal of a customer's car (the store's managers)."""
    return Written.of(
        service.create_appraisal(
            actor,
            body.store_id,
            body.vin,
            body.make,
            body.model,
            body.trim,
            body.colour,
            body.model_year,
            body.mileage_km,
            body.grade.value,
            customer_id=body.customer_id,
            appraiser_id=body.appraiser_id,
            occurred_at=body.occurred_at,
        )
    )


@router.get("/appraisals")
def list_appraisals(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
    status: AppraisalStatus | None = None,
) -> PageOf[AppraisalLine]:
    """Appraisals of the caller's stores, newest first, kept whether or not they were bought."""
    ensure_role(actor, *APPRAISAL_READERS)
    result = appraisals_view.appraisals(
        runtime.db,
        scope=read_scope(actor, store_id=store_id),
        now=now(),
        status=None if status is None else status.value,
        limit=page.limit,
        offset=page.offset,
    )
    return PageOf.of(result, page.limit, page.offset)


@router.get("/appraisals/{appraisal_id}")
def get_appraisal(appraisal_id: UUID, service: AppraisalsDep, actor: ActorDep) -> AppraisalOut:
    """One appraisal with its checklist, ACV and offer."""
    return appraisal_out(service.get_appraisal(actor, appraisal_id))


@router.post("/appraisals/{appraisal_id}/inspection", status_code=201)
def inspect(appraisal_id: UUID, body: Inspect, service: AppraisalsDep, actor: ActorDep) -> Written:
    """Record the inspection checklist; the repair estimate is the sum of its repair costs."""
    rows = [(f.item, f.result.value, f.note, f.repair_cost) for f in body.findings]
    return Written.of(
        service.inspect(actor, appraisal_id, rows, body.expected_version, body.occurred_at)
    )


@router.post("/appraisals/{appraisal_id}/valuation", status_code=201)
def value(appraisal_id: UUID, body: Value, service: AppraisalsDep, actor: ActorDep) -> Written:
    """Set the car's actual cash value (ACV); a new value withdraws the offer."""
    return Written.of(
        service.value(actor, appraisal_id, body.acv, body.expected_version, body.occurred_at)
    )


@router.post("/appraisals/{appraisal_id}/offer", status_code=201)
def make_offer(appraisal_id: UUID, body: Offer, service: AppraisalsDep, actor: ActorDep) -> Written:
    """Offer the customer an amount for the car until it expires."""
    return Written.of(
        service.make_offer(
            actor,
            appraisal_id,
            body.amount,
            body.expires_at,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.post("/appraisals/{appraisal_id}/decline", status_code=201)
def decline(appraisal_id: UUID, body: Decline, service: AppraisalsDep, actor: ActorDep) -> Written:
    """Close an appraisal the customer did not take (it stays a look)."""
    return Written.of(
        service.decline(actor, appraisal_id, body.reason, body.expected_version, body.occurred_at)
    )


@router.post("/appraisals/{appraisal_id}/expiry", status_code=201)
def expire(
    appraisal_id: UUID, service: AppraisalsDep, actor: ActorDep, body: Expire | None = None
) -> Written:
    """Close an offer whose expiry has passed."""
    given = body or Expire()
    return Written.of(
        service.expire(actor, appraisal_id, given.expected_version, given.occurred_at)
    )


@router.post("/deals/{deal_id}/trade-in", status_code=201)
def attach_trade_in(
    deal_id: UUID, body: AttachTradeIn, service: AppraisalsDep, actor: ActorDep
) -> Written:
    """Take an offered appraisal in trade on a deal before its contract (managers)."""
    return Written.of(
        service.attach_trade_in(
            actor,
            deal_id,
            body.appraisal_id,
            body.allowance,
            body.payoff,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.get("/deals/{deal_id}/trade-in")
def get_trade_in(deal_id: UUID, runtime: RuntimeDep, actor: ActorDep) -> TradeInOut:
    """The deal's trade-in: allowance, payoff and equity; ACV only to those who see cost."""
    return trade_in_out(runtime.sales.get_deal(actor, deal_id), read_scope(actor))


@router.get("/reports/look-to-book")
def look_to_book(
    runtime: RuntimeDep,
    actor: ActorDep,
    _: ConsistentDep,
    by: LookToBookBy = LookToBookBy.STORE,
    month: OptionalMonthQuery = None,
    store_id: UUID | None = None,
) -> LookToBookOut:
    """Appraisals made in a month (looks) and those acquired (books), per store or appraiser."""
    ensure_role(actor, *APPRAISAL_READERS)
    scope = read_scope(actor, store_id=store_id)
    scope.ensure_visible()
    chosen = month
    if chosen is None:
        zone = DEFAULT_TIMEZONE
        if scope.store_id is not None:
            zone = runtime.organisation.get_store(actor, scope.store_id).timezone
        chosen = business_day(now(), zone).strftime("%Y-%m")
    return LookToBookOut.model_validate(
        appraisals_view.look_to_book(runtime.db, chosen, scope=scope, by=by.value)
    )
