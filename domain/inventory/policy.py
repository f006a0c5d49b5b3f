"""A store's aged-used-car policy: suggested price steps at set ages, wholesale at a set age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import InvalidValueError

# One policy per store: its id derives from the store's (free uniqueness).
POLICY_NAMESPACE = UUID("7f3c1d52-2a8e-4b61-9d0f-5e4b8a6c1f23")
MAX_AGE_DAYS = 3650
MAX_STEPS = 10


def policy_id_for(store_id: UUID) -> UUID:
    return uuid5(POLICY_NAMESPACE, str(store_id))


@dataclass(frozen=True)
class PriceStep:
    """From `days` of age on, the suggested price is the asking price less `percent_off` %."""

    days: int
    percent_off: Decimal

    def price_for(self, asking: Decimal) -> Decimal:
        """The asking price less the step's share, to the whole yuan (half up)."""
        cut = asking * (Decimal(100) - self.percent_off) / Decimal(100)
        return cut.quantize(Decimal(1), rounding="ROUND_HALF_UP")


def price_steps(raw: list[dict[str, Any]]) -> tuple[PriceStep, ...]:
    """Steps checked: ages 1..3650 days strictly rising, discounts 0 < % < 100 rising."""
    if len(raw) > MAX_STEPS:
        raise InvalidValueError(f"at most {MAX_STEPS} price steps")
    steps: list[PriceStep] = []
    for entry in raw:
        days = entry.get("days")
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_AGE_DAYS:
            raise InvalidValueError(f"a step's days must be a whole number 1 to {MAX_AGE_DAYS}")
        percent = values.money(entry.get("percent_off", ""), field="percent_off")
        if not 0 < percent < 100:
            raise InvalidValueError("a step's percent_off must be above 0 and below 100")
        if steps and (days <= steps[-1].days or percent <= steps[-1].percent_off):
            raise InvalidValueError("steps must rise in days and in percent_off")
        steps.append(PriceStep(days, percent))
    return tuple(steps)


def _wholesale_at(days: int | None) -> int | None:
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_AGE_DAYS:
        raise InvalidValueError(f"wholesale_at_days must be a whole number 1 to {MAX_AGE_DAYS}")
    return days


class UsedCarPolicy(ShowroomAggregate):
    """The aged-used-car policy of one store (set by its manager or an admin)."""

    class Created(ShowroomAggregate.Created):
        store_id: UUID

    class Set(ShowroomAggregate.Event):
        steps: list[dict[str, Any]]
        wholesale_at_days: int | None

    @staticmethod
    def create_id(store_id: UUID) -> UUID:
        return policy_id_for(store_id)

    @event(Created)
    def __init__(self, store_id: UUID, occurred_at: datetime) -> None:
        self.store_id = store_id
        self.steps: tuple[PriceStep, ...] = ()
        self.wholesale_at_days: int | None = None

    def set(
        self, steps: list[dict[str, Any]], wholesale_at_days: int | None, occurred_at: datetime
    ) -> None:
        checked = price_steps(steps)
        self._set(
            steps=[{"days": s.days, "percent_off": str(s.percent_off)} for s in checked],
            wholesale_at_days=_wholesale_at(wholesale_at_days),
            occurred_at=occurred_at,
        )

    @event(Set)
    def _set(
        self, steps: list[dict[str, Any]], wholesale_at_days: int | None, occurred_at: datetime
    ) -> None:
        self.steps = tuple(PriceStep(int(s["days"]), Decimal(s["percent_off"])) for s in steps)
        self.wholesale_at_days = wholesale_at_days


def step_for(steps: tuple[PriceStep, ...], age_days: int) -> PriceStep | None:
    """The step a car of this age is on: the last one whose age it has reached."""
    reached = [s for s in steps if age_days >= s.days]
    return reached[-1] if reached else None
