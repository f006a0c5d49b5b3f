"""What the performance context reads from the read side: a salesperson's month of KPI counters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class CounterReading:
    """A salesperson's base counters for a month, and the log position they reflect."""

    values: Mapping[str, Decimal | None]
    position: int


class KpiCounters(Protocol):
    """The month's base counters of one salesperson, summed over every store they sold at.

    A read model (the salesperson KPI view) answers it, so it may lag the log: the reading says
    which log position it reflects, and an evaluation records that position with the counters.
    """

    def counters(self, salesperson_id: UUID, month: str) -> CounterReading:
        """The counters of `salesperson_id` in `month` ('YYYY-MM', business days)."""
        ...
