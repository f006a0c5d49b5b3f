"""What the payroll service needs from the read side, as a port (the views implement it).

The domain may not import the projections, so the facts, plan resolution, periods and approved
snapshot lines reach the payroll service through this interface; `projections/payouts/sources.py`
implements it over the views, and the unit tests implement it in memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from domain.pay.facts import CreditFact, PeriodFacts, ProductFact, SurveyFact
from domain.pay.plans import PlanVersion


@dataclass(frozen=True)
class Reversal:
    """An unwind of a delivered deal, or an F&I product cancelled after delivery.

    `credits` are the deal's credit facts as they were paid (for an unwind: with the products
    still standing when it was recorded; a product cancelled earlier was reversed on its own).
    """

    kind: str  # "unwind" | "cancellation"
    deal_id: UUID
    store_id: UUID
    delivered_on: date
    occurred_on: date  # business day of the unwind / cancellation in the store's timezone
    recorded_at: datetime  # record time: decides which period learns of it
    reason: str
    credits: tuple[CreditFact, ...]
    product: ProductFact | None = None  # the cancelled product

    @property
    def days_since_delivery(self) -> int:
        return (self.occurred_on - self.delivered_on).days


@dataclass(frozen=True)
class SurveyChange:
    """A survey answered, excluded or reinstated: one per salesperson the survey rates."""

    survey_id: UUID
    salesperson_id: UUID
    store_id: UUID
    month: str  # the month the survey was answered in: the month whose CSI it counts for
    recorded_at: datetime  # record time: decides which period learns of it


@dataclass(frozen=True)
class PeriodRef:
    """A pay period as the payout view lists it."""

    period_id: UUID
    store_id: UUID | None
    month: str
    status: str
    known_at: datetime | None  # the close's record time; None while open
    protection_days: int

    def covers(self, store_id: UUID | None) -> bool:
        return self.store_id is None or store_id is None or self.store_id == store_id


@dataclass(frozen=True)
class PaidLine:
    """What one approved statement line paid for one deal (its part of a multi-deal line), or on
    an F&I line for one product of the deal."""

    period_id: UUID
    salesperson_id: UUID
    n: int
    deal_id: UUID
    product_id: UUID | None
    component_type: str
    amount: Decimal


class PayrollViews(Protocol):
    """The read side as the payroll service sees it."""

    def settle(self) -> None:
        """Wait (bounded) until the views hold every event written so far."""

    def period_facts(
        self, month: str, store_id: UUID | None, known_at: datetime | None
    ) -> PeriodFacts:
        """The month's credits and surveys as known at `known_at` (None: now)."""

    def plan_resolver(
        self, month: str, store_id: UUID | None, known_at: datetime | None
    ) -> PlansFor:
        """Who is paid under which plan version for the month."""

    def planned_staff(
        self, month: str, store_id: UUID | None, known_at: datetime | None
    ) -> Sequence[UUID]:
        """Everyone with a plan in force for the month at the store (None: anywhere)."""

    def approved_scores(self, month: str, store_id: UUID | None) -> Mapping[UUID, Decimal]:
        """Approved evaluation scores of the month (now)."""

    def reversals(
        self, store_id: UUID | None, after: datetime, until: datetime
    ) -> Sequence[Reversal]:
        """Unwinds and post-delivery cancellations recorded in (after, until]."""

    def survey_changes(
        self, store_id: UUID | None, after: datetime, until: datetime
    ) -> Sequence[SurveyChange]:
        """Surveys answered, excluded or reinstated with a record time in (after, until]."""

    def period_surveys(
        self, month: str, store_id: UUID | None, known_at: datetime | None
    ) -> tuple[SurveyFact, ...]:
        """The month's surveys as known at `known_at` (as in `period_facts`)."""

    def periods(self) -> Sequence[PeriodRef]:
        """Every pay period (any scope, any status)."""

    def paid_lines(self, deal_ids: Sequence[UUID]) -> Sequence[PaidLine]:
        """The approved snapshot lines that paid these deals."""


class PlansFor(Protocol):
    def __call__(self, salesperson_id: UUID, /) -> PlanVersion | None: ...
