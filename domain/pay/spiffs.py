"""SPIFF budgets: a budgeted SPIFF pays in delivery order across everyone on the plan version in
the month (at every store of the group) until its budget is spent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from domain.pay.components import Spiff
from domain.pay.facts import CreditFact
from domain.pay.fields import cents
from domain.pay.plans import PlanVersion

ZERO = Decimal("0.00")

# Allocation of budgeted SPIFFs: (id of the credit object, component key) → (paid, left before).
Allocations = dict[tuple[int, str], tuple[Decimal, Decimal]]


def spiff_budgets(
    people: Sequence[UUID],
    credits: dict[UUID, list[CreditFact]],
    plans: dict[UUID, PlanVersion | None],
) -> Allocations:
    """Budgeted SPIFFs pay in delivery order across everyone on the same plan version until the
    budget is spent; a unit after that gets what is left (possibly nothing)."""
    pools: dict[tuple[UUID, int, str], list[tuple[datetime, UUID, UUID, CreditFact]]] = defaultdict(
        list
    )
    budgets: dict[tuple[UUID, int, str], Spiff] = {}
    for person in people:
        plan = plans[person]
        if plan is None:
            continue
        for component in plan.components:
            if not isinstance(component, Spiff) or component.budget is None:
                continue
            pool = (plan.plan_id, plan.version, component.key)
            budgets[pool] = component
            for credit in credits.get(person, ()):
                if spiff_matches(component, credit):
                    pools[pool].append((credit.delivered_at, credit.deal_id, person, credit))
    allocations: Allocations = {}
    for pool in sorted(pools):
        spiff = budgets[pool]
        left = spiff.budget or ZERO
        for _, _, _, credit in sorted(pools[pool], key=lambda item: item[:3]):
            wanted = cents(spiff.amount * credit.share)
            paid = min(wanted, left)
            allocations[(id(credit), spiff.key)] = (paid, left)
            left -= paid
    return allocations


def spiff_matches(spiff: Spiff, credit: CreditFact) -> bool:
    return spiff.matches(
        credit.model, credit.trim, credit.condition, credit.days_in_stock, credit.delivered_on
    )
