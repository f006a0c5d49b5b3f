"""Used cars' value objects: where a bought car came from, its reconditioning work orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

# Trade-ins arrive through the deal (appraisal at ACV); these are the other ways in.
ACQUISITION_SOURCES = ("private", "auction", "transfer")
WHOLESALE_BUYERS = ("dealer", "auction")


@dataclass
class ReconItem:
    description: str
    vendor: str
    cost: Decimal


@dataclass
class ReconOrder:
    """A reconditioning (整备) work order: a workshop, its lines of work, start and finish."""

    order_id: UUID
    workshop: str
    opened_on: date
    started_on: date | None = None
    finished_on: date | None = None
    items: list[ReconItem] = field(default_factory=list)

    @property
    def cost(self) -> Decimal:
        return sum((i.cost for i in self.items), Decimal(0))

    @property
    def status(self) -> str:
        if self.finished_on is not None:
            return "finished"
        return "open" if self.started_on is None else "started"
