"""What-if: a period's pay side by side under a draft plan or a changed tier table.

Nothing is written: the engine runs again on the period's own inputs with the other plan, and
each person's adjustments and chargebacks are carried over unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.pay import store_periods
from domain.pay.components import VolumeTiers, parse_components
from domain.pay.plans import DRAFT_PLAN_ID, PlanVersion, first_day
from domain.pay.records import PeriodFigures
from domain.pay.service.figures import Inputs
from domain.pay.statement import Statement
from domain.shared.errors import InvalidValueError

ZERO = Decimal("0.00")


def compare(
    period_id: UUID,
    month: str,
    inputs: Inputs,
    old_figures: PeriodFigures,
    components: Sequence[Mapping[str, Any]] | None = None,
    tiers: Sequence[Mapping[str, Any]] | None = None,
    tier_component: str | None = None,
    staff_ids: Sequence[UUID] | None = None,
) -> dict[str, Any]:
    """Old and new pay of a period's people; the draft applies to everyone, or to `staff_ids`."""
    if (components is None) == (tiers is None):
        raise InvalidValueError("give either components (a draft plan) or tiers")
    draft = None if components is None else parse_components(list(components))
    draft_plan = (
        None if draft is None else PlanVersion(DRAFT_PLAN_ID, 0, first_day(month), draft, "draft")
    )
    chosen = None if staff_ids is None else set(staff_ids)
    plans = inputs.plans_for
    changed: dict[tuple[UUID, int], PlanVersion] = {}

    def new_plan(person: UUID) -> PlanVersion | None:
        current = plans(person)
        if chosen is not None and person not in chosen:
            return current
        if draft_plan is not None:
            return draft_plan
        if current is None or tiers is None:
            return current
        key = (current.plan_id, current.version)
        if key not in changed:
            changed[key] = with_tiers(current, tier_component, tiers)
        return changed[key]

    new_statements = store_periods.calculate(inputs.facts, new_plan, inputs.staff, inputs.cut_to)
    old = {r["salesperson_id"]: r for r in old_figures.statements}
    people = sorted(set(old) | {str(p) for p in new_statements})
    if chosen is not None:
        people = [p for p in people if UUID(p) in chosen]
    rows = []
    old_sum = new_sum = ZERO
    for person in people:
        before = old.get(person)
        statement = new_statements.get(UUID(person))
        old_total = ZERO if before is None else Decimal(before["total"])
        extras = (
            ZERO
            if before is None
            else Decimal(before["adjustments"]) + Decimal(before["chargebacks"])
        )
        new_total = (ZERO if statement is None else statement.total) + extras
        old_sum, new_sum = old_sum + old_total, new_sum + new_total
        rows.append(
            {
                "salesperson_id": person,
                "store_id": None if before is None else before["store_id"],
                "old_plan": None if before is None else _plan_label(before),
                "new_plan": None if statement is None else _plan_label(statement),
                "units": "0" if statement is None else str(statement.units),
                "old_total": str(old_total),
                "new_total": str(new_total),
                "difference": str(new_total - old_total),
            }
        )
    return {
        "period_id": str(period_id),
        "month": month,
        "draft": None if draft is None else [c.to_dict() for c in draft],
        "people": rows,
        "old_total": str(old_sum),
        "new_total": str(new_sum),
        "difference": str(new_sum - old_sum),
    }


def with_tiers(
    plan: PlanVersion, key: str | None, tiers: Sequence[Mapping[str, Any]]
) -> PlanVersion:
    """The plan with the tier table of its volume-tier component `key` (or its only one)
    replaced: what a what-if of "a changed tier table" runs."""
    targets = [c for c in plan.components if isinstance(c, VolumeTiers)]
    if key is not None:
        targets = [c for c in targets if c.key == key]
    if not targets:
        return plan
    target = targets[0]
    changed = {**target.to_dict(), "tiers": list(tiers)}
    dicts = [changed if c.key == target.key else c.to_dict() for c in plan.components]
    return replace(plan, components=parse_components(dicts))


def _plan_label(of: Mapping[str, Any] | Statement) -> str | None:
    """A record's (or a statement's) plan: "draft", "<plan id> v<version>" or None."""
    plan_id, version = (
        (of.plan_id, of.plan_version)
        if isinstance(of, Statement)
        else (of.get("plan_id"), of.get("plan_version"))
    )
    if plan_id is None:
        return None
    if str(plan_id) == str(DRAFT_PLAN_ID):
        return "draft"
    return f"{plan_id} v{version}"
