"""Follow-up tasks: the salesperson's day, overdue per salesperson, next follow-up days,
after-delivery calls (回访) and their store settings."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends

from api.deps import ActorDep, ConsistentDep, RuntimeDep
from api.schemas.common import Written
from api.schemas.follow_ups import (
    CallOut,
    CallPlanOut,
    CompleteCall,
    FollowUpSettingsIn,
    FollowUpSettingsOut,
    MyDayOut,
    OverdueLine,
    ScheduleFollowUp,
)
from domain.followups.model import CallPlan
from domain.followups.service import FollowUps
from domain.shared.access import Reach, read_scope
from domain.shared.actor import Principal
from domain.shared.clock import DEFAULT_TIMEZONE, business_day, now
from projections.follow_ups import queries
from workers.runtime import Runtime

router = APIRouter(tags=["follow-ups"])


async def _follow_ups(runtime: RuntimeDep) -> FollowUps:
    return runtime.follow_ups


FollowUpsDep = Annotated[FollowUps, Depends(_follow_ups)]


def store_today(runtime: Runtime, actor: Principal) -> date:
    """Today on the floor of the caller's store (the group's default zone without one)."""
    zone = DEFAULT_TIMEZONE
    if actor.store_id is not None:
        zone = runtime.organisation.get_store(actor, actor.store_id).timezone
    return business_day(now(), zone)


def plan_out(plan: CallPlan) -> CallPlanOut:
    return CallPlanOut(
        id=plan.id,
        version=plan.version,
        deal_id=plan.deal_id,
        store_id=plan.store_id,
        salesperson_id=plan.salesperson_id,
        delivered_on=plan.delivered_on,
        cancelled=plan.cancelled,
        calls=[
            CallOut(offset=c.offset, due_on=c.due_on, status=c.status.value, score=c.score)
            for c in sorted(plan.calls.values(), key=lambda c: c.offset)
        ],
    )


@router.get("/follow-ups/my-day")
def my_day(runtime: RuntimeDep, actor: ActorDep, _: ConsistentDep) -> MyDayOut:
    """The caller's follow-ups (overdue first, with how many days; then today's, then upcoming)
    and the pending after-delivery calls due within a week; a manager's: the store's."""
    day: dict[str, Any] = queries.my_day(
        runtime.db, scope=read_scope(actor, reach=Reach.OWN), today=store_today(runtime, actor)
    )
    return MyDayOut.model_validate(day)


@router.get("/follow-ups/overdue")
def overdue(
    runtime: RuntimeDep, actor: ActorDep, _: ConsistentDep, store_id: UUID | None = None
) -> list[OverdueLine]:
    """Overdue follow-ups and calls per salesperson in the caller's scope (a manager's store)."""
    lines = queries.overdue_by_salesperson(
        runtime.db,
        scope=read_scope(actor, store_id=store_id, reach=Reach.OWN),
        today=store_today(runtime, actor),
    )
    return [OverdueLine.model_validate(line) for line in lines]


@router.post("/leads/{lead_id}/follow-up", status_code=201)
def schedule_follow_up(
    lead_id: UUID, body: ScheduleFollowUp, follow_ups: FollowUpsDep, actor: ActorDep
) -> Written:
    """Set the day of the lead's next follow-up (its salesperson, the store's manager)."""
    return Written.of(
        follow_ups.schedule_follow_up(
            actor, lead_id, body.follow_up_on, body.expected_version, body.occurred_at
        )
    )


@router.get("/deals/{deal_id}/calls")
def get_calls(deal_id: UUID, follow_ups: FollowUpsDep, actor: ActorDep) -> CallPlanOut:
    """The after-delivery calls of a deal and how each went."""
    return plan_out(follow_ups.get_calls(actor, deal_id))


@router.post("/deals/{deal_id}/calls/{offset}", status_code=201)
def complete_call(
    deal_id: UUID, offset: int, body: CompleteCall, follow_ups: FollowUpsDep, actor: ActorDep
) -> Written:
    """Record a call's outcome: reached (a score records the deal's CSI survey if it has none),
    not reached, or rescheduled to another day."""
    return Written.of(
        follow_ups.complete_call(
            actor,
            deal_id,
            offset,
            body.outcome,
            score=body.score,
            note=body.note,
            reschedule_to=body.reschedule_to,
            expected_version=body.expected_version,
            occurred_at=body.occurred_at,
        )
    )


@router.get("/stores/{store_id}/follow-up-settings")
def get_settings(store_id: UUID, follow_ups: FollowUpsDep, actor: ActorDep) -> FollowUpSettingsOut:
    """The store's default follow-up gap and call days (the defaults: 2 days; 1, 7, 30)."""
    return FollowUpSettingsOut.model_validate(follow_ups.get_settings(actor, store_id))


@router.put("/stores/{store_id}/follow-up-settings", status_code=201)
def set_settings(
    store_id: UUID, body: FollowUpSettingsIn, follow_ups: FollowUpsDep, actor: ActorDep
) -> Written:
    """Choose the store's follow-up gap and call days (admin, the store's manager)."""
    return Written.of(
        follow_ups.set_settings(
            actor, store_id, body.gap_days, body.call_offsets, body.expected_version
        )
    )
