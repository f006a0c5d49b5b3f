"""The facts a pay period is computed from: the contract between the sales side and pay.

The payout read model assembles these from the log (as known at a moment); the pay engine turns
them into statement lines without touching any store, so the same facts always give the same
pay and any past period can be recomputed exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ProductFact:
    """An F&I or add-on product sold on a deal and not cancelled.

    kind: finance | insurance | warranty | gap | accessories. `income` is the dealer's income
    (finance reserve, commission); for accessories it is the margin, revenue − cost.
    """

    product_id: UUID
    kind: str
    income: Decimal
    revenue: Decimal = ZERO
    cost: Decimal = ZERO


@dataclass(frozen=True)
class CreditFact:
    """One salesperson's share of one delivered deal (a split deal gives two credits)."""

    deal_id: UUID
    salesperson_id: UUID
    store_id: UUID
    share: Decimal  # 0 < share <= 1; the shares of a deal sum to 1
    delivered_at: datetime  # business time of delivery
    delivered_on: date  # business day of delivery in the store's timezone
    condition: str  # new | used
    make: str
    model: str
    trim: str
    days_in_stock: int  # received_on → delivered_on
    selling_price: Decimal
    front_gross: Decimal  # selling price − vehicle cost
    pack: Decimal  # the store's pack for this condition when the deal was delivered
    products: tuple[ProductFact, ...] = ()

    @property
    def commission_gross(self) -> Decimal:
        return self.front_gross - self.pack

    @property
    def back_gross(self) -> Decimal:
        return sum((p.income for p in self.products), ZERO)


@dataclass(frozen=True)
class SurveyFact:
    """A CSI survey answer attributed to a salesperson (one per salesperson of the deal)."""

    survey_id: UUID
    deal_id: UUID
    salesperson_id: UUID
    score: Decimal  # overall 0–100
    answered_on: date
    excluded: bool = False
    store_id: UUID | None = None  # the deal's store (None where a caller does not know it)


@dataclass(frozen=True)
class PeriodFacts:
    """Everything the pay of one period depends on, for every salesperson in its scope."""

    month: str  # 'YYYY-MM'
    store_id: UUID | None  # None: a group-wide period
    credits: tuple[CreditFact, ...] = ()
    surveys: tuple[SurveyFact, ...] = ()
    evaluation_scores: Mapping[UUID, Decimal] = field(default_factory=dict)  # 0–100, approved
    draw_balances: Mapping[UUID, Decimal] = field(default_factory=dict)  # deficit carried in
