"""Store periods pay what the group period pays (docs/pay-plans.md).

A store period's statements are its salespeople's group-wide statements (tiers counted across
the group, SPIFF budgets shared wherever the plan's people sell) cut to the store: the parts of
the lines that pay for its own deliveries, and the person's other lines at their home store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from uuid import UUID

from domain.pay.engine import PlansFor, calculate_period
from domain.pay.facts import CreditFact, PeriodFacts
from domain.pay.fields import cents
from domain.pay.lines import DEAL_LINES, yuan
from domain.pay.statement import Statement, StatementLine

ZERO = Decimal("0.00")


def calculate(
    facts: PeriodFacts, plans_for: PlansFor, staff: Iterable[UUID], store_id: UUID | None
) -> dict[UUID, Statement]:
    """A period's statements: the group's (`store_id` None) or one store's, from the facts of
    the group's month either way."""
    if store_id is None:
        return calculate_period(facts, plans_for, staff)
    return calculate_store_period(facts, store_id, plans_for, staff)


def calculate_store_period(
    facts: PeriodFacts, store_id: UUID, plans_for: PlansFor, staff: Iterable[UUID] = ()
) -> dict[UUID, Statement]:
    """One store's statements for a month, from the facts of the whole group's month.

    Every count is group-wide, so a month pays the same run as store periods or as one group
    period: a salesperson's tiers count their units at every store, and a SPIFF budget is shared
    by everyone on the plan version wherever they sell. Each statement is the person's group
    statement cut to this store (`store_part`): the parts of its lines that pay for this store's
    deliveries, and the person's own lines (gates, caps, scorecard, draw) at the store of their
    latest delivery in the month. Statements are made for the people the store's credits and
    surveys mention, `staff` and the facts' evaluation scores and draw balances.
    """
    people = (
        {c.salesperson_id for c in facts.credits if c.store_id == store_id}
        | {s.salesperson_id for s in facts.surveys if s.store_id in (store_id, None)}
        | set(staff)
        | set(facts.evaluation_scores)
        | set(facts.draw_balances)
    )
    whole = calculate_period(facts, plans_for, people, only=people)
    deal_store = {c.deal_id: c.store_id for c in facts.credits}
    latest: dict[UUID, CreditFact] = {}
    for credit in facts.credits:
        seen = latest.get(credit.salesperson_id)
        moment = (credit.delivered_at, credit.deal_id)
        if seen is None or moment > (seen.delivered_at, seen.deal_id):
            latest[credit.salesperson_id] = credit
    own: dict[UUID, list[CreditFact]] = defaultdict(list)
    counts: dict[UUID, int] = defaultdict(int)
    for credit in facts.credits:
        counts[credit.salesperson_id] += 1
        if credit.store_id == store_id:
            own[credit.salesperson_id].append(credit)
    return {
        person: store_part(
            statement,
            store_id,
            deal_store,
            store_id if person not in latest else latest[person].store_id,
            own.get(person, []),
            counts[person],
        )
        for person, statement in whole.items()
    }


def store_part(
    statement: Statement,
    store_id: UUID,
    deal_store: dict[UUID, UUID],
    home: UUID,
    credits: Sequence[CreditFact],
    all_credits: int,
) -> Statement:
    """The part of a person's group statement a store pays: of each deal line, the parts of the
    store's own deliveries (the line is left out when it has none there); the person's other
    lines (gates, caps, scorecard, draw) where `home` is this store. `credits` are the person's
    credits at this store, `all_credits` how many they have in the group's month."""
    if home == store_id and len(credits) == all_credits:
        return statement  # everything the person did this month was here
    lines: list[StatementLine] = []
    for line in statement.lines:
        if line.component_type in DEAL_LINES and line.source_deal_ids:
            deals = tuple(d for d in line.source_deal_ids if deal_store.get(d) == store_id)
            if not deals:
                continue
            if len(deals) == len(line.source_deal_ids):
                lines.append(replace(line, n=len(lines) + 1))
                continue
            parts = tuple(p for p in line.parts if deal_store.get(p.deal_id) == store_id)
            amount = sum((p.amount for p in parts), ZERO)
            lines.append(
                replace(
                    line,
                    n=len(lines) + 1,
                    source_deal_ids=deals,
                    inputs={**line.inputs, "line_amount": str(line.amount)},
                    formula=f"{line.formula}; this store's deliveries: {yuan(amount)}"
                    f" of {yuan(line.amount)}",
                    amount=amount,
                    parts=parts,
                )
            )
        elif home == store_id:
            lines.append(replace(line, n=len(lines) + 1))
    draw_types = ("draw",)
    return replace(
        statement,
        lines=tuple(lines),
        total=sum((line.amount for line in lines), ZERO),
        earnings=sum((x.amount for x in lines if x.component_type not in draw_types), ZERO),
        units=sum((c.share for c in credits), Decimal(0)),
        commission_gross=cents(sum(((c.front_gross - c.pack) * c.share for c in credits), ZERO)),
        back_gross=cents(sum((c.back_gross * c.share for c in credits), ZERO)),
        draw=statement.draw if home == store_id else None,
    )
