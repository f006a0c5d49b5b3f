"""Chargebacks and late surveys: what a later period takes back, or settles, for an earlier one.

Pure: the service finds the reversals, survey changes and paid lines, and these rules decide
where each lands and for how much (docs/payroll.md states them for finance).

Chargebacks:
- An unwind, or an F&I product cancelled after delivery, that was recorded after the close of the
  approved period that paid the deal (so that period's figures did not see it) is charged back.
- It lands in the *next open period*: among the periods covering the deal's store with a later
  month than the paying one, the earliest whose figures were not yet frozen when the reversal was
  recorded (still open, or closed at or after that moment).
- The amount is what the paying snapshot's lines paid for that deal (or that product): per-deal
  lines in full and the deal's part of each volume-tier line; the remaining units of the paying
  period are not re-rated, and CSI gates, caps and draws are not re-applied.
- Nothing is charged back when the reversal happened (business day) more than the paying
  period's protection window (default 90 days) after delivery.
Periods covering a store are approved in month order, and a period is never opened for a month
before an approved one, so which period takes a chargeback never changes once it is approved.

Late surveys follow the same rule: a survey answered, excluded or reinstated for a month whose
period had already closed (so its CSI gates did not see it) re-rates that period's earnings for
the salespeople it rates — gates and caps re-applied, the draw not — and the difference lands as
a `late_survey` line in the next open period (see `LateSurvey`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.pay.facts import SurveyFact
from domain.pay.fields import cents
from domain.pay.lines import yuan
from domain.pay.plans import PlanVersion
from domain.pay.ports import PaidLine, PeriodRef, Reversal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Chargeback:
    """One salesperson's part of one reversal, taken back in a later period."""

    salesperson_id: UUID
    store_id: UUID
    deal_id: UUID
    kind: str  # unwind | cancellation
    product_id: UUID | None
    amount: Decimal  # negative: what the original lines paid, taken back
    origin_period_id: UUID
    origin_month: str
    links: tuple[tuple[int, Decimal], ...]  # (line n, amount paid) in the origin statement
    reason: str
    delivered_on: str
    occurred_on: str
    recorded_at: datetime
    days_since_delivery: int
    protection_days: int

    def line(self, n: int) -> dict[str, Any]:
        what = "unwound" if self.kind == "unwind" else "F&I product cancelled"
        numbers = ", ".join(str(number) for number, _ in self.links)
        return {
            "n": n,
            "component_key": "chargeback",
            "component_type": "chargeback",
            "source_deal_ids": [str(self.deal_id)],
            "inputs": {
                "kind": self.kind,
                "deal_id": str(self.deal_id),
                "product_id": None if self.product_id is None else str(self.product_id),
                "reason": self.reason,
                "delivered_on": self.delivered_on,
                "occurred_on": self.occurred_on,
                "recorded_at": self.recorded_at.isoformat(),
                "days_since_delivery": self.days_since_delivery,
                "protection_days": self.protection_days,
                "origin_period_id": str(self.origin_period_id),
                "origin_month": self.origin_month,
            },
            "formula": (
                f"deal {what} {self.occurred_on}, {self.days_since_delivery} days after delivery"
                f" (within {self.protection_days}): takes back {yuan(-self.amount)} paid on"
                f" line(s) {numbers} of {self.origin_month}, not re-rated"
            ),
            "amount": str(self.amount),
            "links": [
                {
                    "period_id": str(self.origin_period_id),
                    "salesperson_id": str(self.salesperson_id),
                    "n": number,
                    "amount": str(paid),
                }
                for number, paid in self.links
            ],
        }


@dataclass(frozen=True)
class LateSurvey:
    """One salesperson's earnings of an earlier, frozen period re-rated for surveys of its month
    learnt of only after its close (record time in `known_from`, `known_until`]).

    The amount is what the period would have earned had it known them: its earnings (every line
    before the draw: CSI gates and caps re-applied) with the surveys as known at `known_until`,
    less the same with the surveys as known at `known_from`. Everything else is the period's
    own facts as known at its close. Successive windows telescope, so however many later
    periods take part of it, they add up to the period re-rated with every survey it missed.
    """

    salesperson_id: UUID
    store_id: UUID
    origin_period_id: UUID
    origin_month: str
    survey_ids: tuple[UUID, ...]
    deal_ids: tuple[UUID, ...]
    known_from: datetime
    known_until: datetime
    earnings_before: Decimal
    earnings_after: Decimal
    csi_before: Decimal | None  # average of the counted surveys; None when none counted
    csi_after: Decimal | None
    links: tuple[tuple[int, Decimal], ...]  # the origin's CSI-gate lines (n, amount) before

    @property
    def amount(self) -> Decimal:
        return self.earnings_after - self.earnings_before

    def line(self, n: int) -> dict[str, Any]:
        def csi(value: Decimal | None) -> str:
            return "none counted" if value is None else str(cents(value))

        count = len(self.survey_ids)
        return {
            "n": n,
            "component_key": "late_survey",
            "component_type": "late_survey",
            "source_deal_ids": [str(d) for d in self.deal_ids],
            "inputs": {
                "survey_ids": [str(s) for s in self.survey_ids],
                "origin_period_id": str(self.origin_period_id),
                "origin_month": self.origin_month,
                "known_from": self.known_from.isoformat(),
                "known_until": self.known_until.isoformat(),
                "csi_before": None if self.csi_before is None else str(cents(self.csi_before)),
                "csi_after": None if self.csi_after is None else str(cents(self.csi_after)),
                "earnings_before": str(self.earnings_before),
                "earnings_after": str(self.earnings_after),
            },
            "formula": (
                f"{count} survey change(s) of {self.origin_month} learnt after its close:"
                f" CSI {csi(self.csi_before)} → {csi(self.csi_after)}; {self.origin_month}"
                f" earnings {yuan(self.earnings_before)} →"
                f" {yuan(self.earnings_after)} (gates and caps re-applied, not the draw)"
            ),
            "amount": str(self.amount),
            "links": [
                {
                    "period_id": str(self.origin_period_id),
                    "salesperson_id": str(self.salesperson_id),
                    "n": number,
                    "amount": str(amount),
                }
                for number, amount in self.links
            ],
        }


def csi_average(surveys: Iterable[SurveyFact]) -> Decimal | None:
    counted = [s.score for s in surveys if not s.excluded]
    return sum(counted, Decimal(0)) / len(counted) if counted else None


def chargebacks_for(
    period: PeriodRef,
    reversals: Iterable[Reversal],
    periods: Sequence[PeriodRef],
    paid: Sequence[PaidLine],
) -> list[Chargeback]:
    """The chargebacks that land in `period` (the rule is in the module's docstring)."""
    by_id = {p.period_id: p for p in periods}
    paid_by_deal: dict[UUID, list[PaidLine]] = defaultdict(list)
    for line in paid:
        paid_by_deal[line.deal_id].append(line)
    found: list[Chargeback] = []
    for reversal in reversals:
        lines = paid_by_deal.get(reversal.deal_id, [])
        origins = sorted({line.period_id for line in lines}, key=lambda i: by_id[i].month)
        for origin_id in origins:
            origin = by_id[origin_id]
            if not _lands_in(period, origin, reversal, periods):
                continue
            found.extend(_charge(reversal, origin, [x for x in lines if x.period_id == origin_id]))
    return found


def _lands_in(
    period: PeriodRef, origin: PeriodRef, reversal: Reversal, periods: Sequence[PeriodRef]
) -> bool:
    if origin.known_at is None or reversal.recorded_at <= origin.known_at:
        return False  # the paying period's own figures saw it (or it is not closed)
    if reversal.days_since_delivery > origin.protection_days:
        return False
    if not period.covers(reversal.store_id) or period.month <= origin.month:
        return False

    def takes(p: PeriodRef) -> bool:
        return p.known_at is None or p.known_at >= reversal.recorded_at

    if not takes(period):
        return False
    return not any(
        p.period_id != period.period_id
        and p.covers(reversal.store_id)
        and origin.month < p.month < period.month
        and takes(p)
        for p in periods
    )


def _charge(reversal: Reversal, origin: PeriodRef, lines: Sequence[PaidLine]) -> list[Chargeback]:
    standing = {product.product_id for credit in reversal.credits for product in credit.products}
    people: dict[UUID, list[PaidLine]] = defaultdict(list)
    for line in lines:
        if reversal.kind == "cancellation":
            taken = reversal.product is not None and line.product_id == reversal.product.product_id
        else:
            taken = line.product_id is None or line.product_id in standing
        if taken:
            people[line.salesperson_id].append(line)
    result = []
    for person in sorted(people):
        own = people[person]
        by_n: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for line in own:
            by_n[line.n] += line.amount
        amount = sum(by_n.values(), ZERO)
        if amount == 0:
            continue
        result.append(
            Chargeback(
                salesperson_id=person,
                store_id=reversal.store_id,
                deal_id=reversal.deal_id,
                kind=reversal.kind,
                product_id=None if reversal.product is None else reversal.product.product_id,
                amount=-amount,
                origin_period_id=origin.period_id,
                origin_month=origin.month,
                links=tuple(sorted(by_n.items())),
                reason=reversal.reason,
                delivered_on=reversal.delivered_on.isoformat(),
                occurred_on=reversal.occurred_on.isoformat(),
                recorded_at=reversal.recorded_at,
                days_since_delivery=reversal.days_since_delivery,
                protection_days=origin.protection_days,
            )
        )
    return result


def plan_key(plan: PlanVersion | None) -> tuple[UUID, int] | None:
    return None if plan is None else (plan.plan_id, plan.version)


def window_start(
    origin: PeriodRef, me: PeriodRef, store_id: UUID, refs: Sequence[PeriodRef]
) -> datetime | None:
    """Where the record times `me` takes for `origin` and a store begin: after the origin's close
    and after every period between them froze; None while one of those is not frozen (the
    earlier period takes them)."""
    start = origin.known_at
    for p in refs:
        if p.period_id in (origin.period_id, me.period_id) or not p.covers(store_id):
            continue
        if origin.month < p.month < me.month:
            if p.known_at is None:
                return None
            start = p.known_at if start is None else max(start, p.known_at)
    return start
