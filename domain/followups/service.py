"""Follow-ups service: next follow-up days of leads, the store's settings, and the calls (回访)
after a delivery, planned and cancelled by the dispatcher's jobs, completed by the salesperson."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

from domain.app import Showroom, Written
from domain.followups.errors import CallPlanCancelledError
from domain.followups.model import (
    DEFAULT_CALL_OFFSETS,
    DEFAULT_GAP_DAYS,
    CallOutcome,
    CallPlan,
    FollowUpSettings,
    next_follow_up_on,
    plan_id_for,
    settings_id_for,
)
from domain.leads.model import Lead
from domain.organisation.model import Store
from domain.sales.model import Deal, DealStatus
from domain.satisfaction.model import Survey, survey_id_for
from domain.shared.access import (
    FLOOR_WRITERS,
    MANAGERS,
    can_see_vehicle,
    ensure_floor_write,
    ensure_readable,
    ensure_role,
    ensure_store,
)
from domain.shared.actor import SYSTEM, Principal, acting_as
from domain.shared.clock import aware, business_day, now
from domain.shared.errors import ConflictError, NotFoundError

CALL_QUESTION = "follow_up_call"  # the answer a reached call records in the deal's CSI survey


def store_settings(app: Showroom, store_id: UUID) -> tuple[int, list[int]]:
    """The store's default follow-up gap (days) and call days after delivery."""
    ident = settings_id_for(store_id)
    if not app.exists(ident):  # a store that never chose has the defaults
        return DEFAULT_GAP_DAYS, list(DEFAULT_CALL_OFFSETS)
    settings = app.load(FollowUpSettings, ident, "settings")
    return settings.gap_days, list(settings.call_offsets)


class FollowUps:
    """Follow-up tasks: lead follow-up days, store settings, after-delivery calls."""

    def __init__(self, app: Showroom) -> None:
        self.app = app

    # --- settings -----------------------------------------------------------------------------

    def get_settings(self, actor: Principal, store_id: UUID) -> dict[str, object]:
        """The store's follow-up gap and call days (the defaults until a manager sets them)."""
        self.app.load(Store, store_id, "store")
        # A store's settings are store-wide, as its stock: its own staff and the group see them.
        if not can_see_vehicle(actor, store_id):
            raise NotFoundError("store", store_id)
        gap, offsets = store_settings(self.app, store_id)
        version = 0
        if self.app.exists(settings_id_for(store_id)):
            version = self.app.load(FollowUpSettings, settings_id_for(store_id), "settings").version
        return {"store_id": store_id, "gap_days": gap, "call_offsets": offsets, "version": version}

    def set_settings(
        self,
        actor: Principal,
        store_id: UUID,
        gap_days: object,
        call_offsets: Sequence[object],
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Choose the store's default follow-up gap and call days (admin, the store's manager).
        New leads, contacts and deliveries use them; dates already set stay."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            ensure_store(actor, store_id)
            self.app.load(Store, store_id, "store")
            when = aware(occurred_at)
            ident = settings_id_for(store_id)
            if not self.app.exists(ident):
                if expected_version not in (None, 0):
                    raise ConflictError("the settings changed since they were read: reload")
                first = FollowUpSettings.first(store_id, gap_days, call_offsets, when)
                return self.app.written(first)
            settings = self.app.load(FollowUpSettings, ident, "settings", expected_version)
            settings.change(gap_days, call_offsets, when)
            return self.app.written(settings)

    # --- lead follow-ups ----------------------------------------------------------------------

    def next_follow_up(self, actor: Principal, lead_id: UUID) -> date:
        """The lead's next follow-up day (its store's gap after its latest contact, or the day
        a person chose since), for whoever may read the lead."""
        lead = self.app.load(Lead, lead_id, "lead")
        ensure_readable(actor, "lead", lead_id, lead.store_id, lead.salesperson_id)
        store = self.app.load(Store, lead.store_id, "store")
        gap, _ = store_settings(self.app, lead.store_id)
        return next_follow_up_on(lead, store.timezone, gap)

    def schedule_follow_up(
        self,
        actor: Principal,
        lead_id: UUID,
        follow_up_on: date,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Set the day of the lead's next follow-up (its salesperson, the store's manager)."""
        with acting_as(actor):
            ensure_role(actor, *FLOOR_WRITERS)
            lead = self.app.load(
                Lead,
                lead_id,
                "lead",
                expected_version,
                scope=lambda lead: ensure_floor_write(
                    actor, "lead", lead_id, lead.store_id, lead.salesperson_id
                ),
            )
            when = aware(occurred_at)
            store = self.app.load(Store, lead.store_id, "store")
            today = business_day(now(), store.timezone)
            lead.schedule_follow_up(follow_up_on, today, occurred_at=when)
            return self.app.written(lead)

    # --- after-delivery calls -----------------------------------------------------------------

    def plan_calls(self, deal_id: UUID) -> Written | None:
        """Plan the calls after a delivered deal (the dispatcher's job, as the system).

        Idempotent: a plan exists already (a redelivered job), or the deal is no longer
        delivered (unwound before the job ran): nothing is written."""
        with acting_as(SYSTEM):
            ident = plan_id_for(deal_id)
            if self.app.exists(ident):
                return None
            deal = self.app.load(Deal, deal_id, "deal")
            if deal.status is not DealStatus.DELIVERED or deal.delivered_at is None:
                return None
            store = self.app.load(Store, deal.store_id, "store")
            _, offsets = store_settings(self.app, deal.store_id)
            plan = CallPlan.plan(
                deal_id=deal.id,
                store_id=deal.store_id,
                customer_id=deal.customer_id,
                salesperson_id=deal.salesperson_id,
                delivered_on=business_day(deal.delivered_at, store.timezone),
                offsets=offsets,
                occurred_at=deal.delivered_at,
            )
            try:
                return self.app.written(plan)
            except ConflictError:
                return None  # planned (or cancelled) meanwhile by another delivery of the job

    def cancel_calls(self, deal_id: UUID, reason: str = "deal unwound") -> Written | None:
        """Cancel the pending calls of an unwound deal (the dispatcher's job, as the system).

        When its plan was never made (this job ran first), a cancelled plan without calls is
        saved in its place, so a late planning job finds it and makes nothing."""
        with acting_as(SYSTEM):
            deal = self.app.load(Deal, deal_id, "deal")
            if deal.status is DealStatus.DELIVERED:
                return None  # not unwound (a stale job): keep the calls
            ident = plan_id_for(deal_id)
            when = deal.closed_at or now()
            for _attempt in range(3):
                if self.app.exists(ident):
                    plan = self.app.load(CallPlan, ident, "calls")
                    if plan.cancelled:
                        return None
                else:
                    plan = CallPlan.plan(
                        deal_id=deal.id,
                        store_id=deal.store_id,
                        customer_id=deal.customer_id,
                        salesperson_id=deal.salesperson_id,
                        delivered_on=business_day(when, "UTC"),
                        offsets=[],
                        occurred_at=when,
                    )
                plan.cancel(reason, occurred_at=when)
                try:
                    return self.app.written(plan)
                except ConflictError:
                    continue  # the planning job saved meanwhile: cancel what it made
            raise ConflictError(f"the calls of deal {deal_id} kept changing: retry")

    def complete_call(
        self,
        actor: Principal,
        deal_id: UUID,
        offset: int,
        outcome: str,
        score: int | None = None,
        note: str | None = None,
        reschedule_to: date | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record a call's outcome (the deal's salesperson, the store's manager). A reached
        customer's score is the deal's CSI survey when the deal has none yet, so satisfaction
        counts it exactly as a survey; a later score stays on the call only."""
        with acting_as(actor):
            ensure_role(actor, *FLOOR_WRITERS)
            plan = self.app.load(
                CallPlan,
                plan_id_for(deal_id),
                "calls",
                expected_version,
                scope=lambda plan: ensure_floor_write(
                    actor, "calls", deal_id, plan.store_id, plan.salesperson_id
                ),
            )
            when = aware(occurred_at)
            store = self.app.load(Store, plan.store_id, "store")
            today = business_day(now(), store.timezone)
            deal = self.app.load(Deal, deal_id, "deal")
            if deal.status is not DealStatus.DELIVERED:  # unwound, its cancelling job to come
                raise CallPlanCancelledError(f"deal {deal_id} is {deal.status.value}: no calls")
            survey: Survey | None = None
            counted = outcome == CallOutcome.REACHED and score is not None
            if counted and not self.app.exists(survey_id_for(deal_id)):
                survey = Survey.answer(
                    deal_id=deal_id,
                    store_id=plan.store_id,
                    salesperson_ids=list(deal.credits),
                    answers={CALL_QUESTION: score},
                    overall=score,
                    answered_on=max(business_day(when, store.timezone), plan.delivered_on),
                    occurred_at=when,
                )
            plan.complete(
                offset,
                outcome,
                score,
                note,
                reschedule_to,
                today,
                survey.id if survey is not None else None,
                when,
            )
            if survey is not None:
                return self.app.written(plan, survey)
            return self.app.written(plan)

    def get_calls(self, actor: Principal, deal_id: UUID) -> CallPlan:
        """The calls of a delivered deal, for its salesperson and the store's readers."""
        try:
            plan = self.app.load(CallPlan, plan_id_for(deal_id), "calls")
        except NotFoundError:
            raise NotFoundError("calls", deal_id) from None
        ensure_readable(actor, "calls", deal_id, plan.store_id, plan.salesperson_id)
        return plan
