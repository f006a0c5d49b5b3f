"""The payroll service's port (`PayrollViews`) answered from the views."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from domain.app import Showroom
from domain.pay.facts import PeriodFacts, SurveyFact
from domain.pay.ports import (
    PaidLine,
    PeriodRef,
    PlansFor,
    Reversal,
    SurveyChange,
)
from projections.db import Database
from projections.pay_facts import queries as pay_facts
from projections.pay_plans import queries as pay_plans
from projections.payouts import queries as payouts
from projections.performance import queries as performance
from projections.runner import ViewsNotCaughtUpError, wait_for

log = logging.getLogger(__name__)

# The views a pay run reads (facts, plans, scores, periods and snapshots).
PAY_VIEWS = ("pay_facts", "pay_plans", "performance", "payouts")


class ViewPayrollSources:
    """`domain.pay.ports.PayrollViews` over the pay views."""

    def __init__(
        self,
        app: Showroom,
        db: Database,
        wait_seconds: float,
        names: Sequence[str] = PAY_VIEWS,
    ) -> None:
        self.app, self.db, self.wait_seconds, self.names = app, db, wait_seconds, list(names)

    def settle(self) -> None:
        try:
            wait_for(self.db, self.names, self.app.position(), self.wait_seconds)
        except ViewsNotCaughtUpError:
            # A pay run must not use figures older than the log: give up, the caller retries.
            log.warning("pay views lag behind the log")
            raise

    def period_facts(
        self, month: str, store_id: UUID | None, known_at: datetime | None
    ) -> PeriodFacts:
        return pay_facts.period_facts(self.db, month, store_id, known_at=known_at)

    def plan_resolver(
        self, month: str, store_id: UUID | None, known_at: datetime | None
    ) -> PlansFor:
        return pay_plans.resolver_for_month(self.db, month, as_of=known_at)

    def planned_staff(
        self, month: str, store_id: UUID | None, known_at: datetime | None
    ) -> Sequence[UUID]:
        return list(pay_plans.plan_versions_for_month(self.db, month, store_id, as_of=known_at))

    def approved_scores(self, month: str, store_id: UUID | None) -> Mapping[UUID, Decimal]:
        return performance.approved_scores(self.db, month, store_id)

    def reversals(
        self, store_id: UUID | None, after: datetime, until: datetime
    ) -> Sequence[Reversal]:
        found = [
            Reversal(
                kind="unwind",
                deal_id=u.deal_id,
                store_id=u.store_id,
                delivered_on=u.delivered_on,
                occurred_on=u.unwound_on,
                recorded_at=u.recorded_at,
                reason=u.reason,
                credits=u.credits,
            )
            for u in pay_facts.unwinds_between(self.db, after, until, store_id)
        ]
        found.extend(
            Reversal(
                kind="cancellation",
                deal_id=c.deal_id,
                store_id=c.store_id,
                delivered_on=c.delivered_on,
                occurred_on=c.cancelled_on,
                recorded_at=c.recorded_at,
                reason=c.reason,
                credits=c.credits,
                product=c.product,
            )
            for c in pay_facts.cancellations_between(self.db, after, until, store_id)
        )
        return sorted(found, key=lambda r: (r.recorded_at, r.deal_id, r.kind))

    def survey_changes(
        self, store_id: UUID | None, after: datetime, until: datetime
    ) -> Sequence[SurveyChange]:
        return pay_facts.survey_changes(self.db, after, until, store_id)

    def period_surveys(
        self, month: str, store_id: UUID | None, known_at: datetime | None
    ) -> tuple[SurveyFact, ...]:
        return pay_facts.period_surveys(self.db, month, store_id, known_at)

    def periods(self) -> Sequence[PeriodRef]:
        return payouts.periods(self.db)

    def paid_lines(self, deal_ids: Sequence[UUID]) -> Sequence[PaidLine]:
        return payouts.paid_lines(self.db, deal_ids)
