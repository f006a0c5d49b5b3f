"""Scoring a month against a scorecard: pure arithmetic, no store, no clock.

Rules (each rounding ROUND_HALF_UP):
- **Weights** are percentages that sum to exactly 100 over a scorecard version's items.
- **Attainment** of an item = actual ÷ target for a higher-is-better KPI, target ÷ actual for a
  lower-is-better one (a lower-is-better actual of 0 or less is perfect: it attains the cap).
  It is rounded to 4 places (0.0001 = 0.01 %) and never below 0 (negative gross after unwinds
  attains 0, it does not subtract).
- **Capped** = min(attainment, cap_percent ÷ 100), e.g. at most 1.5 with a 150 % cap.
- **Excluded items**: an item without a target, or whose KPI has no value this month (its
  denominator is 0, e.g. conversion without a lead), is left out and the weights of the others
  are renormalised to 100: an item of weight w contributes w × 100 ÷ W where W is the sum of the
  included weights. With no item left the month cannot be scored.
- **Weighted** (points) of an included item = capped × w × 100 ÷ W, rounded to 4 places.
- **Score** = Σ weighted, rounded to 2 places: 100 means every target met exactly; the maximum is
  the largest cap percent of the included items; the minimum is 0.
- **Grade**: the grade with the highest minimum score ≤ the score (every grade table has a grade
  at minimum 0, so every score has one).

Example: units w50 cap 150 % 12 of 10 (1.2), gross w30 cap 150 % ¥400k of ¥200k (2.0 → 1.5),
response minutes w20 (lower is better) 8 against 10 (1.25): 60 + 45 + 25 = 130.00.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from domain.performance.errors import EvaluationNotScorableError
from domain.performance.kpis import Direction

HUNDRED = Decimal(100)
ATTAINMENT_PLACES = Decimal("0.0001")
WEIGHTED_PLACES = Decimal("0.0001")
SCORE_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class ItemInput:
    """One scorecard item with the month's actual and target."""

    kpi_id: str
    kpi_version: int
    weight: Decimal
    cap_percent: Decimal
    direction: Direction
    actual: Decimal | None
    target: Decimal | None


@dataclass(frozen=True)
class ItemScore:
    """How one item scored; `excluded` says why it did not count (or None when it did)."""

    kpi_id: str
    kpi_version: int
    weight: Decimal
    cap_percent: Decimal
    direction: Direction
    actual: Decimal | None
    target: Decimal | None
    attainment: Decimal | None
    capped: Decimal | None
    weighted: Decimal | None
    excluded: str | None

    def as_record(self) -> dict[str, object]:
        """The item as an event records it (every input and every intermediate figure)."""
        return {
            "kpi_id": self.kpi_id,
            "kpi_version": self.kpi_version,
            "weight": self.weight,
            "cap_percent": self.cap_percent,
            "direction": self.direction.value,
            "actual": self.actual,
            "target": self.target,
            "attainment": self.attainment,
            "capped": self.capped,
            "weighted": self.weighted,
            "excluded": self.excluded,
        }


@dataclass(frozen=True)
class Grade:
    grade: str
    minimum: Decimal


@dataclass(frozen=True)
class Scored:
    items: tuple[ItemScore, ...]
    score: Decimal
    grade: str


def _round(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def attainment(actual: Decimal, target: Decimal, direction: Direction, cap: Decimal) -> Decimal:
    """Actual against target as a fraction (1 = met), to 4 places, floored at 0.

    `cap` (a fraction) is what a perfect lower-is-better actual (0 or less) attains.
    """
    if target <= 0:
        raise ValueError("a target must be positive")
    if direction is Direction.LOWER:
        if actual <= 0:
            return cap
        ratio = target / actual
    else:
        ratio = actual / target
    return max(Decimal(0), _round(ratio, ATTAINMENT_PLACES))


def score(items: Sequence[ItemInput], grades: Sequence[Grade]) -> Scored:
    """Score and grade the items (see the module's rules); EvaluationNotScorableError if none
    has both a target and a value."""
    included = [i for i in items if i.target is not None and i.actual is not None]
    total_weight = sum((i.weight for i in included), Decimal(0))
    if not included or total_weight <= 0:
        raise EvaluationNotScorableError(
            "no item of the scorecard has both a target and a value this month"
        )
    scored: list[ItemScore] = []
    for item in items:
        if item.target is None or item.actual is None:
            reason = "no target" if item.target is None else "no value this month"
            scored.append(_excluded(item, reason))
            continue
        cap = item.cap_percent / HUNDRED
        attained = attainment(item.actual, item.target, item.direction, cap)
        capped = min(attained, cap)
        weighted = _round(capped * item.weight * HUNDRED / total_weight, WEIGHTED_PLACES)
        scored.append(
            ItemScore(
                item.kpi_id,
                item.kpi_version,
                item.weight,
                item.cap_percent,
                item.direction,
                item.actual,
                item.target,
                attained,
                capped,
                weighted,
                None,
            )
        )
    total = _round(sum((s.weighted or Decimal(0) for s in scored), Decimal(0)), SCORE_PLACES)
    return Scored(items=tuple(scored), score=total, grade=grade_of(total, grades))


def _excluded(item: ItemInput, reason: str) -> ItemScore:
    return ItemScore(
        item.kpi_id,
        item.kpi_version,
        item.weight,
        item.cap_percent,
        item.direction,
        item.actual,
        item.target,
        None,
        None,
        None,
        reason,
    )


def grade_of(value: Decimal, grades: Sequence[Grade]) -> str:
    """The grade with the highest minimum not above `value`."""
    reached = [g for g in grades if g.minimum <= value]
    if not reached:
        raise ValueError("the grade table has no grade for this score (it needs a minimum of 0)")
    return max(reached, key=lambda g: g.minimum).grade
