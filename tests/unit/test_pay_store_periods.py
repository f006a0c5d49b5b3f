"""A month pays the same run as store periods or as one group period: a salesperson's tiers count
their units across the group, and a SPIFF budget is shared by everyone on the plan version
wherever they sell (docs/pay-plans.md). Each store pays the parts of its own deliveries."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.pay.engine import calculate_period
from domain.pay.facts import CreditFact, PeriodFacts
from domain.pay.lines import PER_DEAL
from domain.pay.plans import PlanVersion
from domain.pay.statement import Statement
from domain.pay.store_periods import calculate_store_period

MONTH = "2026-03"
MARCH_1 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
STORES = (UUID(int=901), UUID(int=902), UUID(int=903))
PEOPLE = tuple(UUID(int=n) for n in range(1, 6))
D = Decimal


def plan(plan_id: int, components: list[dict[str, Any]]) -> PlanVersion:
    return PlanVersion.from_dicts(UUID(int=plan_id), 1, date(2026, 1, 1), components, "plan")


def credit(
    deal: int, person: UUID, store: UUID, day: int, share: str = "1", front: str = "3000"
) -> CreditFact:
    delivered = MARCH_1 + timedelta(days=day - 1, minutes=deal)
    return CreditFact(
        deal_id=UUID(int=1000 + deal),
        salesperson_id=person,
        store_id=store,
        share=D(share),
        delivered_at=delivered,
        delivered_on=delivered.date(),
        condition="new",
        make="BYD",
        model="Han",
        trim="EV",
        days_in_stock=30,
        selling_price=D("200000"),
        front_gross=D(front),
        pack=D("500"),
    )


def store_periods(facts: PeriodFacts, plans: dict[UUID, PlanVersion]) -> list[Statement]:
    stores = sorted({c.store_id for c in facts.credits})
    return [
        statement
        for store in stores
        for statement in calculate_store_period(facts, store, plans.get).values()
    ]


def by_line(statements: list[Statement]) -> dict[tuple[Any, ...], Decimal]:
    """Each line's amount by what it is: whose, which component, which band or gated component,
    and for a per-deal line which deal (summed over the statements that carry it)."""
    sums: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    for statement in statements:
        for line in statement.lines:
            key = (
                line.salesperson_id,
                line.component_key,
                line.component_type,
                line.inputs.get("from"),
                line.inputs.get("component"),
                line.source_deal_ids if line.component_type in PER_DEAL else None,
            )
            sums[key] += line.amount
    return dict(sums)


def paid(statements: list[Statement], person: UUID, kind: str) -> Decimal:
    return sum(
        (
            line.amount
            for s in statements
            if s.salesperson_id == person
            for line in s.lines
            if line.component_type == kind
        ),
        D(0),
    )


# --- the two cases computed by hand ---------------------------------------------------------------


def test_a_salesperson_who_moves_store_mid_month_reaches_the_tier_of_all_their_units() -> None:
    # ¥100 a unit from the first, ¥300 a unit for everyone from the fifth (retroactive)
    tiers = plan(
        1,
        [
            {
                "type": "volume_tiers",
                "key": "tiers",
                "mode": "retroactive",
                "tiers": [{"threshold": "1", "amount": "100"}, {"threshold": "5", "amount": "300"}],
            }
        ],
    )
    seller = PEOPLE[0]
    # two deliveries at the first store, then three at the second after the transfer
    credits = tuple(credit(n, seller, STORES[0], n) for n in (1, 2)) + tuple(
        credit(n, seller, STORES[1], 10 + n) for n in (3, 4, 5)
    )
    facts = PeriodFacts(month=MONTH, store_id=None, credits=credits)

    stores = store_periods(facts, {seller: tiers})

    # 5 units × ¥300 = ¥1,500 (not 2 × ¥100 + 3 × ¥100 = ¥500): ¥600 and ¥900 by deliveries
    assert paid(stores, seller, "volume_tiers") == D("1500.00")
    assert [s.total for s in stores] == [D("600.00"), D("900.00")]


def test_a_spiff_budget_is_spent_once_across_the_stores_of_the_group() -> None:
    # ¥1,000 a Han up to a ¥2,000 budget, for everyone on the plan
    spiff = plan(2, [{"type": "spiff", "key": "han", "amount": "1000", "budget": "2000"}])
    north, south = PEOPLE[0], PEOPLE[1]
    credits = (
        credit(1, north, STORES[0], 1),
        credit(2, south, STORES[1], 2),
        credit(3, north, STORES[0], 3),
        credit(4, south, STORES[1], 4),
    )
    facts = PeriodFacts(month=MONTH, store_id=None, credits=credits)

    stores = store_periods(facts, {north: spiff, south: spiff})

    # ¥2,000 in all (not ¥2,000 at each store): the first two Hans delivered in the group
    assert sum((s.total for s in stores), D(0)) == D("2000.00")
    assert paid(stores, north, "spiff") == paid(stores, south, "spiff") == D("1000.00")


# --- the property ---------------------------------------------------------------------------------

tier = st.fixed_dictionaries(
    {"threshold": st.sampled_from(["0", "1", "2.5", "4"])},
    optional={},
).flatmap(
    lambda t: st.one_of(
        st.builds(lambda a: {**t, "amount": a}, st.sampled_from(["50", "120", "333.33"])),
        st.builds(lambda r: {**t, "rate": r}, st.sampled_from(["0.01", "0.035", "0.1"])),
    )
)
tier_tables = st.lists(tier, min_size=1, max_size=3, unique_by=lambda t: t["threshold"]).map(
    lambda ts: sorted(ts, key=lambda t: D(t["threshold"]))
)
components = st.builds(
    lambda mode, table, per_unit, spiff, budget: [
        {"type": "per_unit", "key": "unit", "new": per_unit},
        {"type": "volume_tiers", "key": "tiers", "mode": mode, "tiers": table},
        {"type": "spiff", "key": "han", "amount": spiff, "budget": budget},
    ],
    st.sampled_from(["retroactive", "marginal"]),
    tier_tables,
    st.sampled_from(["0", "150", "200.50"]),
    st.sampled_from(["300", "1000", "777.77"]),
    st.sampled_from(["500", "2000", "3333.33"]),
)
# a delivery: who, at which store (before or after their transfer), when, whose share
deliveries = st.lists(
    st.tuples(
        st.integers(0, len(PEOPLE) - 1),
        st.integers(0, len(STORES) - 1),
        st.integers(1, 28),
        st.sampled_from(["1", "0.5", "0.25"]),
        st.integers(-1000, 20000),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(
    plans=st.lists(components, min_size=1, max_size=2),
    plan_of=st.lists(st.integers(0, 1), min_size=len(PEOPLE), max_size=len(PEOPLE)),
    moves=st.lists(st.integers(0, 28), min_size=len(PEOPLE), max_size=len(PEOPLE)),
    sold=deliveries,
)
def test_store_periods_add_up_to_the_group_period_line_for_line(
    plans: list[list[dict[str, Any]]], plan_of: list[int], moves: list[int], sold: list[Any]
) -> None:
    versions = [plan(100 + i, c) for i, c in enumerate(plans)]
    plan_for = {p: versions[plan_of[i] % len(versions)] for i, p in enumerate(PEOPLE)}
    credits = []
    for deal, (who, store, day, share, gross) in enumerate(sold):
        # a delivery at its store before the seller's transfer day, at the next store after it
        at = STORES[store] if day < moves[who] else STORES[(store + 1) % len(STORES)]
        credits.append(credit(deal, PEOPLE[who], at, day, share, str(gross)))
    facts = PeriodFacts(month=MONTH, store_id=None, credits=tuple(credits))

    group = list(calculate_period(facts, plan_for.get).values())
    stores = store_periods(facts, plan_for)

    assert by_line(stores) == by_line(group)
    assert sum((s.total for s in stores), D(0)) == sum((s.total for s in group), D(0))
