"""Properties of the pay engine that must hold for any plan and any month of facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.pay.engine import calculate_period
from domain.pay.facts import CreditFact, PeriodFacts, ProductFact, SurveyFact
from domain.pay.plans import PlanVersion
from domain.pay.statement import Statement

D = Decimal
MONTH = "2026-03"
STORE = UUID(int=900)
PEOPLE = [UUID(int=n) for n in range(1, 5)]
MARCH_1 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
SHARES = [D("1"), D("0.5"), D("0.25"), D("0.75"), D("0.33")]

examples = settings(max_examples=50, deadline=None)


def plan(components: list[dict[str, Any]]) -> PlanVersion:
    return PlanVersion.from_dicts(UUID(int=500), 1, date(2026, 1, 1), components)


products = st.lists(
    st.builds(
        ProductFact,
        product_id=st.integers(1, 10**6).map(lambda n: UUID(int=n)),
        kind=st.sampled_from(["finance", "insurance", "warranty", "gap", "accessories"]),
        income=st.integers(0, 5000).map(D),
    ),
    max_size=3,
)


@st.composite
def credits(draw: st.DrawFn, people: list[UUID] = PEOPLE, max_size: int = 25) -> list[CreditFact]:
    count = draw(st.integers(0, max_size))
    made = []
    for n in range(count):
        moment = MARCH_1 + timedelta(minutes=draw(st.integers(0, 60 * 24 * 27)))
        made.append(
            CreditFact(
                deal_id=UUID(int=10_000 + n),
                salesperson_id=draw(st.sampled_from(people)),
                store_id=STORE,
                share=draw(st.sampled_from(SHARES)),
                delivered_at=moment,
                delivered_on=moment.date(),
                condition=draw(st.sampled_from(["new", "used"])),
                make="BYD",
                model=draw(st.sampled_from(["Han", "Seal", "Qin"])),
                trim=draw(st.sampled_from(["EV", "DM-i"])),
                days_in_stock=draw(st.integers(0, 150)),
                selling_price=D("150000"),
                front_gross=D(draw(st.integers(-3000, 15000))),
                pack=D(draw(st.sampled_from([0, 300, 500]))),
                products=tuple(draw(products)),
            )
        )
    return made


surveys = st.lists(
    st.builds(
        SurveyFact,
        survey_id=st.integers(1, 10**6).map(lambda n: UUID(int=n)),
        deal_id=st.integers(1, 10**6).map(lambda n: UUID(int=n)),
        salesperson_id=st.sampled_from(PEOPLE),
        score=st.integers(0, 100).map(D),
        answered_on=st.just(date(2026, 3, 20)),
        excluded=st.booleans(),
    ),
    max_size=10,
)

money = st.integers(0, 3000).map(str)
rates = st.sampled_from(["0", "0.05", "0.1", "0.2", "0.25", "0.333333"])


@st.composite
def increasing_tiers(
    draw: st.DrawFn, kind: str = "amount", strict: bool = False
) -> list[dict[str, str]]:
    """Tiers whose amounts (or rates) never fall — or always rise, when `strict`."""
    thresholds = sorted(draw(st.sets(st.integers(0, 20), min_size=1, max_size=4)))
    values = sorted(
        draw(
            st.lists(
                st.integers(0, 1000) if kind == "amount" else st.integers(0, 50),
                min_size=len(thresholds),
                max_size=len(thresholds),
                unique=strict,
            )
        )
    )
    return [
        {"threshold": str(t), kind: str(v) if kind == "amount" else str(D(v) / 100)}
        for t, v in zip(thresholds, values, strict=True)
    ]


@st.composite
def any_plan(draw: st.DrawFn) -> PlanVersion:
    """A plan built from any mix of the components, with caps and gates on what it has."""
    components: list[dict[str, Any]] = []
    if draw(st.booleans()):
        components.append({"type": "per_unit", "key": "unit", "new": draw(money), "used": "100"})
    if draw(st.booleans()):
        gross: dict[str, Any] = {"type": "percent_of_gross", "key": "gross", "rate": draw(rates)}
        if draw(st.booleans()):
            gross["mini"] = draw(money)
        if draw(st.booleans()):
            gross["back_rate"] = draw(rates)
        components.append(gross)
    if draw(st.booleans()):
        kind = draw(st.sampled_from(["amount", "rate"]))
        components.append(
            {
                "type": "volume_tiers",
                "key": "tiers",
                "mode": draw(st.sampled_from(["retroactive", "marginal"])),
                "tiers": draw(increasing_tiers(kind)),
            }
        )
    if draw(st.booleans()):
        spiff: dict[str, Any] = {"type": "spiff", "key": "spiff", "amount": "800"}
        spiff["models"] = ["Han"]
        if draw(st.booleans()):
            spiff["budget"] = draw(money)
        components.append(spiff)
    if draw(st.booleans()):
        components.append(
            {"type": "fni", "key": "fni", "products": {"finance": {"flat": "300", "rate": "0.1"}}}
        )
    if draw(st.booleans()):
        components.append({"type": "scorecard_bonus", "key": "scorecard", "amount": "1000"})
    if not components:
        components.append({"type": "per_unit", "key": "unit", "new": "500"})
    earning = [c["key"] for c in components]
    if draw(st.booleans()):
        components.append(
            {
                "type": "csi_gate",
                "key": "csi",
                "threshold": "80",
                "min_surveys": draw(st.integers(0, 3)),
                "too_few": draw(st.sampled_from(["pass", "gate"])),
                "factor": draw(st.sampled_from(["0", "0.5"])),
                "components": draw(st.lists(st.sampled_from(earning), min_size=1, unique=True)),
            }
        )
    if draw(st.booleans()):
        key = draw(st.sampled_from(earning))
        components.append({"type": "cap", "key": "cap", "component": key, "limit": draw(money)})
    if draw(st.booleans()):
        components.append({"type": "cap", "key": "total_cap", "limit": str(draw(money))})
    if draw(st.booleans()):
        components.append({"type": "draw", "key": "draw", "amount": draw(money).replace("0", "1")})
    return plan(components)


def period(
    credit_list: Sequence[CreditFact],
    survey_list: Sequence[SurveyFact] = (),
    **more: Any,
) -> PeriodFacts:
    return PeriodFacts(
        month=MONTH, store_id=STORE, credits=tuple(credit_list), surveys=tuple(survey_list), **more
    )


scores = st.dictionaries(st.sampled_from(PEOPLE), st.integers(0, 100).map(D))
balances = st.dictionaries(st.sampled_from(PEOPLE), st.integers(0, 5000).map(D))


@examples
@given(any_plan(), credits(), surveys, scores, balances)
def test_a_statements_total_is_the_sum_of_its_lines(
    version: PlanVersion,
    credit_list: list[CreditFact],
    survey_list: list[SurveyFact],
    score_of: dict[UUID, Decimal],
    balance_of: dict[UUID, Decimal],
) -> None:
    facts = period(credit_list, survey_list, evaluation_scores=score_of, draw_balances=balance_of)

    statements = calculate_period(facts, lambda _: version)

    for statement in statements.values():
        assert statement.total == sum((line.amount for line in statement.lines), D(0))
        assert all(line.amount == line.amount.quantize(D("0.01")) for line in statement.lines)
        assert [line.n for line in statement.lines] == list(range(1, len(statement.lines) + 1))


@examples
@given(any_plan(), credits(), surveys, scores, st.randoms(use_true_random=False))
def test_the_order_of_the_facts_does_not_change_any_statement(
    version: PlanVersion,
    credit_list: list[CreditFact],
    survey_list: list[SurveyFact],
    score_of: dict[UUID, Decimal],
    rnd: Any,
) -> None:
    shuffled_credits, shuffled_surveys = list(credit_list), list(survey_list)
    rnd.shuffle(shuffled_credits)
    rnd.shuffle(shuffled_surveys)

    before = calculate_period(
        period(credit_list, survey_list, evaluation_scores=score_of), lambda _: version
    )
    after = calculate_period(
        period(shuffled_credits, shuffled_surveys, evaluation_scores=score_of), lambda _: version
    )

    assert list(before) == list(after)
    assert [s.to_dict() for s in before.values()] == [s.to_dict() for s in after.values()]


@examples
@given(
    st.sampled_from(["amount", "rate"]).flatmap(increasing_tiers),
    credits(people=[PEOPLE[0]]),
    credits(people=[PEOPLE[0]], max_size=1).filter(bool),
)
def test_adding_a_unit_never_lowers_retroactive_pay(
    tiers: list[dict[str, str]], credit_list: list[CreditFact], extra: list[CreditFact]
) -> None:
    version = plan([{"type": "volume_tiers", "key": "t", "mode": "retroactive", "tiers": tiers}])
    one_more = replace(extra[0], deal_id=UUID(int=99_999))

    before = calculate_period(period(credit_list), lambda _: version, [PEOPLE[0]])[PEOPLE[0]]
    after = calculate_period(period([*credit_list, one_more]), lambda _: version)[PEOPLE[0]]

    assert after.total >= before.total


@examples
@given(
    st.sampled_from(["amount", "rate"]).flatmap(lambda kind: increasing_tiers(kind, strict=True)),
    credits(people=[PEOPLE[0]]),
)
def test_marginal_tiers_never_pay_more_than_retroactive_ones(
    tiers: list[dict[str, str]], credit_list: list[CreditFact]
) -> None:
    def paid(mode: str) -> Statement:
        version = plan([{"type": "volume_tiers", "key": "t", "mode": mode, "tiers": tiers}])
        return calculate_period(period(credit_list), lambda _: version, [PEOPLE[0]])[PEOPLE[0]]

    marginal, retroactive = paid("marginal"), paid("retroactive")

    # Exactly, marginal ≤ retroactive; each marginal band is rounded to the fen on its own line,
    # so the rounded totals may differ by at most half a fen per line (and one for retro).
    slack = D("0.005") * (len(marginal.lines) + 1)
    assert marginal.total <= retroactive.total + slack


@examples
@given(
    draw=st.integers(1, 5000),
    first=st.integers(0, 10),
    second=st.integers(0, 30),
    carried=st.integers(0, 5000),
)
def test_over_two_periods_draws_plus_payouts_equal_earnings_plus_what_is_still_owed(
    draw: int, first: int, second: int, carried: int
) -> None:
    version = plan(
        [
            {"type": "per_unit", "key": "unit", "new": "700"},
            {"type": "draw", "key": "draw", "amount": str(draw)},
        ]
    )
    seller = PEOPLE[0]

    def month(units: int, balance: Decimal) -> Any:
        made = [
            CreditFact(
                deal_id=UUID(int=n + 1),
                salesperson_id=seller,
                store_id=STORE,
                share=D(1),
                delivered_at=MARCH_1,
                delivered_on=MARCH_1.date(),
                condition="new",
                make="BYD",
                model="Han",
                trim="EV",
                days_in_stock=1,
                selling_price=D(1),
                front_gross=D(0),
                pack=D(0),
            )
            for n in range(units)
        ]
        facts = period(made, draw_balances={seller: balance})
        return calculate_period(facts, lambda _: version, [seller])[seller]

    one = month(first, D(carried))
    two = month(second, one.draw.deficit_out)

    paid = one.draw.paid_in_period + two.draw.paid_in_period
    earned = one.earnings + two.earnings
    # Everything earned is paid, except what still repays the advances (and what was owed)
    assert paid + D(carried) == earned + two.draw.deficit_out
    if two.draw.deficit_out == 0 and carried == 0:
        assert paid == earned


@examples
@given(st.lists(st.sampled_from(["1", "0.5/0.5", "0.25/0.75", "0.33/0.67"]), max_size=20))
def test_the_shares_of_split_deals_add_up_to_one_unit_each(splits: list[str]) -> None:
    made = []
    for n, split in enumerate(splits):
        for who, share in zip(PEOPLE, split.split("/"), strict=False):
            made.append(
                CreditFact(
                    deal_id=UUID(int=n + 1),
                    salesperson_id=who,
                    store_id=STORE,
                    share=D(share),
                    delivered_at=MARCH_1,
                    delivered_on=MARCH_1.date(),
                    condition="new",
                    make="BYD",
                    model="Han",
                    trim="EV",
                    days_in_stock=1,
                    selling_price=D(1),
                    front_gross=D(1000),
                    pack=D(0),
                )
            )
    version = plan([{"type": "per_unit", "key": "unit", "new": "100"}])

    statements = calculate_period(period(made), lambda _: version)

    assert sum((s.units for s in statements.values()), D(0)) == len(splits)
    assert sum((s.total for s in statements.values()), D(0)) == 100 * len(splits)
