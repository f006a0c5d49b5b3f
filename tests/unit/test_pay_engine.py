"""The pay engine, by hand-computed example: every component, then components together.

Each test reads Given (the plan and the month's facts) / When (the engine computes the period)
/ Then (the statement lines and totals a person could check with a calculator).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.pay.engine import calculate_period
from domain.pay.facts import CreditFact, PeriodFacts, ProductFact, SurveyFact
from domain.pay.plans import PlanVersion
from domain.pay.statement import Statement
from domain.pay.tiers import tier_pay, what_next

MONTH = "2026-03"
STORE = UUID(int=900)
SELLER = UUID(int=1)
COLLEAGUE = UUID(int=2)
PLAN_ID = UUID(int=500)
MARCH_1 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)

D = Decimal


def plan(*components: dict[str, Any], plan_id: UUID = PLAN_ID) -> PlanVersion:
    return PlanVersion.from_dicts(plan_id, 1, date(2026, 1, 1), list(components), "test plan")


def credit(
    n: int,
    *,
    seller: UUID = SELLER,
    share: str = "1",
    front: str = "3000",
    pack: str = "500",
    condition: str = "new",
    model: str = "Han",
    trim: str = "EV",
    days_in_stock: int = 30,
    day: int = 1,
    products: tuple[ProductFact, ...] = (),
) -> CreditFact:
    """The credit of deal number n, delivered on day `day` of March (later n, later that day)."""
    delivered = MARCH_1 + timedelta(days=day - 1, minutes=n)
    return CreditFact(
        deal_id=UUID(int=1000 + n),
        salesperson_id=seller,
        store_id=STORE,
        share=D(share),
        delivered_at=delivered,
        delivered_on=delivered.date(),
        condition=condition,
        make="BYD",
        model=model,
        trim=trim,
        days_in_stock=days_in_stock,
        selling_price=D("200000"),
        front_gross=D(front),
        pack=D(pack),
        products=products,
    )


def product(n: int, kind: str, income: str) -> ProductFact:
    return ProductFact(product_id=UUID(int=5000 + n), kind=kind, income=D(income))


def survey(n: int, score: str, *, seller: UUID = SELLER, excluded: bool = False) -> SurveyFact:
    return SurveyFact(
        survey_id=UUID(int=7000 + n),
        deal_id=UUID(int=1000 + n),
        salesperson_id=seller,
        score=D(score),
        answered_on=date(2026, 3, 20),
        excluded=excluded,
    )


def facts(*credits: CreditFact, **more: Any) -> PeriodFacts:
    return PeriodFacts(month=MONTH, store_id=STORE, credits=credits, **more)


def statement_of(period: PeriodFacts, version: PlanVersion, who: UUID = SELLER) -> Statement:
    return calculate_period(period, lambda _: version)[who]


def amounts(statement: Statement) -> list[Decimal]:
    return [line.amount for line in statement.lines]


def many(count: int, **kw: Any) -> list[CreditFact]:
    return [credit(n, **kw) for n in range(1, count + 1)]


RETRO_8_12 = {
    "type": "volume_tiers",
    "key": "volume",
    "mode": "retroactive",
    "tiers": [{"threshold": "8", "amount": "200"}, {"threshold": "12", "amount": "400"}],
}


# --- per unit -------------------------------------------------------------------------------------


def test_per_unit_pays_the_amount_for_the_condition_times_the_share() -> None:
    # Given ¥500 per new unit, ¥300 per used unit
    version = plan({"type": "per_unit", "key": "unit", "new": "500", "used": "300"})
    # and a whole new car and half a used car
    period = facts(credit(1), credit(2, condition="used", share="0.5"))

    # When
    statement = statement_of(period, version)

    # Then 500 × 1 and 300 × 0.5
    assert amounts(statement) == [D("500.00"), D("150.00")]
    assert statement.total == D("650.00")
    assert statement.lines[1].formula == "¥300.00 per used unit × 0.5 share"


def test_per_unit_writes_no_line_for_a_condition_it_does_not_pay() -> None:
    version = plan({"type": "per_unit", "key": "unit", "new": "500"})

    statement = statement_of(facts(credit(1, condition="used")), version)

    assert statement.lines == ()
    assert statement.units == D("1")


# --- percent of gross and the mini ----------------------------------------------------------------


def test_percent_of_gross_pays_the_rate_on_front_gross_less_pack() -> None:
    # Given 25 % of commission gross; front gross ¥3,000, pack ¥500 → ¥2,500
    version = plan({"type": "percent_of_gross", "key": "commission", "rate": "0.25"})

    statement = statement_of(facts(credit(1)), version)

    # Then 25 % × 2,500 = 625
    assert amounts(statement) == [D("625.00")]
    assert statement.lines[0].formula == "25% × ¥2,500.00 commission gross"
    assert statement.lines[0].inputs["commission_gross"] == "2500"


def test_percent_of_gross_adds_the_back_end_rate_and_applies_the_share() -> None:
    # Given 25 % of commission gross and 10 % of back-end gross, half the deal
    version = plan(
        {"type": "percent_of_gross", "key": "commission", "rate": "0.25", "back_rate": "0.1"}
    )
    deal = credit(1, share="0.5", products=(product(1, "finance", "1200"),))

    statement = statement_of(facts(deal), version)

    # Then (625 + 120) × 0.5 = 372.50
    assert amounts(statement) == [D("372.50")]


def test_a_deal_below_pack_pays_no_percentage() -> None:
    # Given front gross ¥300 and pack ¥500: commission gross is −¥200
    version = plan({"type": "percent_of_gross", "key": "commission", "rate": "0.25"})

    statement = statement_of(facts(credit(1, front="300")), version)

    # Then the loss counts as 0 and takes nothing back
    assert amounts(statement) == [D("0.00")]
    assert statement.lines[0].formula == (
        "25% × ¥0.00 commission gross (commission gross −¥200.00 counts as ¥0.00)"
    )
    assert statement.commission_gross == D("-200.00")


def test_the_mini_pays_when_the_percentage_is_smaller() -> None:
    # Given 25 % with a ¥500 mini; commission gross ¥1,200 → 25 % is ¥300
    version = plan({"type": "percent_of_gross", "key": "commission", "rate": "0.25", "mini": "500"})

    statement = statement_of(facts(credit(1, front="1700")), version)

    # Then the larger of ¥300 and ¥500
    assert amounts(statement) == [D("500.00")]
    assert statement.lines[0].inputs["mini_applied"] is True


def test_the_percentage_pays_when_it_beats_the_mini() -> None:
    version = plan({"type": "percent_of_gross", "key": "commission", "rate": "0.25", "mini": "500"})

    statement = statement_of(facts(credit(1, front="4500")), version)

    # 25 % × 4,000 = 1,000 > 500
    assert amounts(statement) == [D("1000.00")]
    assert statement.lines[0].inputs["mini_applied"] is False


def test_the_mini_of_a_split_deal_is_shared_by_the_share() -> None:
    # Given the mini is per deal: a half share of a mini deal pays half the mini
    version = plan({"type": "percent_of_gross", "key": "commission", "rate": "0.25", "mini": "500"})

    statement = statement_of(facts(credit(1, front="300", share="0.5")), version)

    assert amounts(statement) == [D("250.00")]
    assert statement.lines[0].formula == (
        "max(25% × ¥0.00 commission gross, ¥500.00 mini) × 0.5 share"
        " (commission gross −¥200.00 counts as ¥0.00)"
    )


# --- volume tiers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "expected", "formula"),
    [
        ("12.5", D("5000.00"), "12.5 units × ¥400.00 (tier ≥ 12, retroactive)"),
        ("11.5", D("2300.00"), "11.5 units × ¥200.00 (tier ≥ 8, retroactive)"),
    ],
)
def test_retroactive_tiers_pay_every_unit_at_the_tier_reached(
    units: str, expected: Decimal, formula: str
) -> None:
    # Given tiers at 8 units → ¥200/unit and 12 units → ¥400/unit (the example)
    version = plan(RETRO_8_12)
    # and whole units plus a half from a split deal
    whole = int(D(units))
    period = facts(*many(whole), credit(99, share="0.5"))

    statement = statement_of(period, version)

    assert amounts(statement) == [expected]
    assert statement.lines[0].formula == formula
    assert len(statement.lines[0].source_deal_ids) == whole + 1


def test_below_the_first_tier_pays_nothing_and_says_why() -> None:
    version = plan(RETRO_8_12)

    statement = statement_of(facts(*many(7)), version)

    assert amounts(statement) == [D("0.00")]
    assert statement.lines[0].formula == "7 units: below the first tier (8)"


def test_marginal_tiers_pay_each_slice_of_units_at_its_own_band() -> None:
    # Given marginal tiers 0 → ¥100, 8 → ¥200, 12 → ¥400 and 12.5 credited units
    version = plan(
        {
            "type": "volume_tiers",
            "key": "volume",
            "mode": "marginal",
            "tiers": [
                {"threshold": "0", "amount": "100"},
                {"threshold": "8", "amount": "200"},
                {"threshold": "12", "amount": "400"},
            ],
        }
    )

    statement = statement_of(facts(*many(12), credit(99, share="0.5")), version)

    # Then 8 × 100 + 4 × 200 + 0.5 × 400 = 800 + 800 + 200
    assert amounts(statement) == [D("800.00"), D("800.00"), D("200.00")]
    assert [line.formula for line in statement.lines] == [
        "8 units × ¥100.00 (units 0–8, marginal)",
        "4 units × ¥200.00 (units 8–12, marginal)",
        "0.5 units × ¥400.00 (units above 12, marginal)",
    ]
    assert statement.total == D("1800.00")


def test_a_retroactive_rate_tier_pays_its_rate_on_all_commission_gross() -> None:
    # Given 2 % of gross from 0 units, 4 % from 10; ten deals of ¥2,500 commission gross each
    version = plan(
        {
            "type": "volume_tiers",
            "key": "ladder",
            "mode": "retroactive",
            "tiers": [{"threshold": "0", "rate": "0.02"}, {"threshold": "10", "rate": "0.04"}],
        }
    )

    statement = statement_of(facts(*many(10)), version)

    # Then 4 % × 25,000
    assert amounts(statement) == [D("1000.00")]


def test_a_split_credit_straddling_a_marginal_boundary_pays_half_in_each_band() -> None:
    # Given 1 % of gross up to 10 units and 5 % above
    version = plan(
        {
            "type": "volume_tiers",
            "key": "ladder",
            "mode": "marginal",
            "tiers": [{"threshold": "0", "rate": "0.01"}, {"threshold": "10", "rate": "0.05"}],
        }
    )
    # 9 whole deals of ¥1,000 gross, half of a ¥2,000 deal (units 9–9.5), then a ¥3,000 deal
    # filling units 9.5–10.5: half of its gross falls below 10, half above
    period = facts(
        *many(9, front="1500"),
        credit(10, share="0.5", front="2500", day=2),
        credit(11, front="3500", day=3),
    )

    statement = statement_of(period, version)

    # Then 1 % × (9,000 + 1,000 + 1,500) and 5 % × 1,500
    assert amounts(statement) == [D("115.00"), D("75.00")]
    assert statement.lines[1].source_deal_ids == (UUID(int=1011),)


def test_tiers_can_count_new_cars_only() -> None:
    version = plan({**RETRO_8_12, "condition": "new"})
    period = facts(*many(8), *[credit(n, condition="used") for n in range(20, 30)])

    statement = statement_of(period, version)

    assert amounts(statement) == [D("1600.00")]
    assert statement.units == D("18")


def test_the_statement_shows_the_units_to_the_next_tier_and_what_the_next_unit_pays() -> None:
    version = plan(RETRO_8_12)

    at_ten = statement_of(facts(*many(10)), version).current_tier
    at_eleven = statement_of(facts(*many(11)), version).current_tier

    assert at_ten is not None and at_eleven is not None
    assert (at_ten.current_threshold, at_ten.next_threshold, at_ten.units_to_next) == (
        D("8"),
        D("12"),
        D("2"),
    )
    assert at_ten.next_unit_pays == D("200.00")  # 11 × 200 − 10 × 200
    assert at_eleven.next_unit_pays == D("2600.00")  # 12 × 400 − 11 × 200: the crossing car
    assert at_eleven.pays_now == D("2200.00")


def test_what_next_for_a_marginal_table_is_the_band_of_the_next_unit() -> None:
    component = plan(
        {
            "type": "volume_tiers",
            "key": "volume",
            "mode": "marginal",
            "tiers": [{"threshold": "0", "amount": "100"}, {"threshold": "8", "amount": "200"}],
        }
    ).volume_tiers[0]

    assert what_next(component, D("7.5"), D(0)) == D("150.00")  # half at 100, half at 200
    assert tier_pay(component, D("8.5"), D(0)) == D("900.00")


# --- SPIFF ----------------------------------------------------------------------------------------

AGED_HAN = {
    "type": "spiff",
    "key": "aged_han",
    "amount": "1000",
    "models": ["Han"],
    "condition": "new",
    "min_days_in_stock": 60,
    "starts_on": "2026-03-01",
    "ends_on": "2026-03-15",
}


def test_a_spiff_pays_units_that_match_its_filter_within_its_dates() -> None:
    version = plan(AGED_HAN)
    period = facts(
        credit(1, days_in_stock=90),  # pays
        credit(2, days_in_stock=30),  # too fresh
        credit(3, days_in_stock=90, model="Seal"),  # another model
        credit(4, days_in_stock=90, condition="used"),  # used
        credit(5, days_in_stock=90, day=16),  # after the window
        credit(6, days_in_stock=60, share="0.5", day=15),  # pays half, last day of the window
    )

    statement = statement_of(period, version)

    assert amounts(statement) == [D("1000.00"), D("500.00")]
    assert [line.source_deal_ids for line in statement.lines] == [
        (UUID(int=1001),),
        (UUID(int=1006),),
    ]


def test_a_spiff_budget_is_spent_in_delivery_order_across_salespeople() -> None:
    # Given a ¥2,200 budget of ¥1,000 per unit, shared by everyone on the plan
    version = plan({**AGED_HAN, "min_days_in_stock": 0, "budget": "2200"})
    period = facts(
        credit(1, day=1),  # seller: 1,000
        credit(2, day=2, seller=COLLEAGUE),  # colleague: 1,000
        credit(3, day=3, share="0.5"),  # seller wants 500, 200 are left
        credit(4, day=4, seller=COLLEAGUE),  # nothing is left
    )

    statements = calculate_period(period, lambda _: version)

    assert amounts(statements[SELLER]) == [D("1000.00"), D("200.00")]
    assert amounts(statements[COLLEAGUE]) == [D("1000.00"), D("0.00")]
    assert "budget has ¥200.00 left" in statements[SELLER].lines[1].formula
    assert "budget is spent" in statements[COLLEAGUE].lines[1].formula


def test_a_spiff_budget_is_not_shared_with_people_on_another_plan() -> None:
    mine = plan({**AGED_HAN, "min_days_in_stock": 0, "budget": "1000"})
    theirs = plan({**AGED_HAN, "min_days_in_stock": 0, "budget": "1000"}, plan_id=UUID(int=501))
    period = facts(credit(1, day=1, seller=COLLEAGUE), credit(2, day=2))

    statements = calculate_period(period, lambda who: mine if who == SELLER else theirs)

    assert amounts(statements[SELLER]) == [D("1000.00")]
    assert amounts(statements[COLLEAGUE]) == [D("1000.00")]


# --- F&I and add-ons ------------------------------------------------------------------------------


def test_fni_pays_flats_and_rates_per_product_kind_times_the_share() -> None:
    # Given ¥300 per finance contract, 10 % of insurance income, 5 % of accessories margin
    version = plan(
        {
            "type": "fni",
            "key": "fni",
            "products": {
                "finance": {"flat": "300"},
                "insurance": {"rate": "0.1"},
                "accessories": {"rate": "0.05"},
            },
        }
    )
    deal = credit(
        1,
        share="0.5",
        products=(
            product(1, "finance", "1500"),
            product(2, "insurance", "2000"),
            product(3, "accessories", "800"),
            product(4, "warranty", "900"),  # the plan pays nothing for warranties
        ),
    )

    statement = statement_of(facts(deal, credit(2)), version)

    # Then (300 + 10 % × 2,000 + 5 % × 800) × 0.5 = (300 + 200 + 40) × 0.5; deal 2 has none
    assert amounts(statement) == [D("270.00")]
    assert statement.lines[0].formula == (
        "(accessories 5% × ¥800.00 margin + finance ¥300.00 + insurance 10% × ¥2,000.00 income)"
        " × 0.5 share"
    )
    assert len(statement.lines[0].inputs["products"]) == 3


# --- scorecard bonus ------------------------------------------------------------------------------


def test_the_scorecard_bonus_is_the_amount_times_the_score() -> None:
    version = plan({"type": "scorecard_bonus", "key": "scorecard", "amount": "2000"})

    statement = statement_of(facts(evaluation_scores={SELLER: D("87.5")}), version)

    assert amounts(statement) == [D("1750.00")]
    assert statement.lines[0].formula == "¥2,000.00 × score 87.5 ÷ 100"


def test_no_approved_evaluation_pays_no_scorecard_bonus() -> None:
    version = plan({"type": "scorecard_bonus", "key": "scorecard", "amount": "2000"})

    statement = statement_of(facts(credit(1)), version)

    assert amounts(statement) == [D("0.00")]
    assert statement.lines[0].formula == "no approved evaluation for the month"


# --- CSI gate -------------------------------------------------------------------------------------

UNIT_500 = {"type": "per_unit", "key": "unit", "new": "500"}
GATE = {
    "type": "csi_gate",
    "key": "csi",
    "threshold": "85",
    "min_surveys": 2,
    "too_few": "pass",
    "factor": "0.5",
    "components": ["unit"],
}


def test_a_csi_average_below_the_threshold_halves_the_gated_component() -> None:
    # Given ¥500 × 3 units and surveys 80 and 84 (average 82 < 85)
    version = plan(UNIT_500, GATE)
    period = facts(*many(3), surveys=(survey(1, "80"), survey(2, "84")))

    statement = statement_of(period, version)

    # Then 1,500 × 0.5 = 750: a gate line of −750
    assert amounts(statement) == [D("500.00")] * 3 + [D("-750.00")]
    assert statement.lines[3].formula == (
        "CSI 82.00 over 2 survey(s), below 85: unit ¥1,500.00 × 0.5 = ¥750.00"
    )
    assert statement.total == D("750.00")


def test_a_csi_average_at_the_threshold_passes_with_a_line_that_says_so() -> None:
    version = plan(UNIT_500, GATE)
    period = facts(*many(3), surveys=(survey(1, "80"), survey(2, "90")))

    statement = statement_of(period, version)

    assert statement.total == D("1500.00")
    assert statement.lines[3].formula == "CSI 85.00 over 2 survey(s), at or above 85: no reduction"


def test_an_excluded_survey_does_not_count() -> None:
    version = plan(UNIT_500, {**GATE, "min_surveys": 1})
    period = facts(credit(1), surveys=(survey(1, "40", excluded=True), survey(2, "90")))

    statement = statement_of(period, version)

    assert statement.total == D("500.00")
    assert statement.lines[1].inputs["excluded"] == 1


@pytest.mark.parametrize(("too_few", "total"), [("pass", D("500.00")), ("gate", D("0.00"))])
def test_too_few_surveys_pass_or_gate_as_the_plan_chose(too_few: str, total: Decimal) -> None:
    # Given a forfeit (factor 0) gate needing 2 surveys, and only one survey (a bad one)
    version = plan(UNIT_500, {**GATE, "too_few": too_few, "factor": "0"})
    period = facts(credit(1), surveys=(survey(1, "10"),))

    statement = statement_of(period, version)

    assert statement.total == total


# --- caps -----------------------------------------------------------------------------------------


def test_a_component_cap_takes_back_what_is_above_it() -> None:
    version = plan(
        {**AGED_HAN, "min_days_in_stock": 0},
        {"type": "cap", "key": "spiff_cap", "component": "aged_han", "limit": "2000"},
    )

    statement = statement_of(facts(*many(3)), version)

    assert amounts(statement) == [D("1000.00")] * 3 + [D("-1000.00")]
    assert statement.lines[3].formula == "aged_han ¥3,000.00 capped at ¥2,000.00"
    assert len(statement.lines[3].source_deal_ids) == 3


def test_a_cap_that_is_not_reached_writes_no_line() -> None:
    version = plan(
        UNIT_500, {"type": "cap", "key": "unit_cap", "component": "unit", "limit": "5000"}
    )

    statement = statement_of(facts(*many(3)), version)

    assert statement.total == D("1500.00")
    assert len(statement.lines) == 3


def test_the_period_cap_limits_the_total_after_component_caps() -> None:
    version = plan(
        UNIT_500,
        {**AGED_HAN, "min_days_in_stock": 0},
        {"type": "cap", "key": "spiff_cap", "component": "aged_han", "limit": "2000"},
        {"type": "cap", "key": "total_cap", "limit": "3000"},
    )

    statement = statement_of(facts(*many(4)), version)

    # 2,000 per unit (4 × 500) + SPIFF 4,000 capped at 2,000 → 4,000, capped at 3,000
    assert statement.lines[-2].amount == D("-2000.00")
    assert statement.lines[-1].amount == D("-1000.00")
    assert statement.total == D("3000.00")


# --- recoverable draw -----------------------------------------------------------------------------

DRAW = {"type": "draw", "key": "draw", "amount": "3000"}


def test_a_draw_is_recovered_in_full_from_earnings_that_cover_it() -> None:
    # Given earnings of 10 × ¥500 = ¥5,000 and a ¥3,000 draw
    version = plan(UNIT_500, DRAW)

    statement = statement_of(facts(*many(10)), version)

    # Then ¥3,000 is recovered and ¥2,000 paid on top of the draw
    assert statement.lines[-1].amount == D("-3000.00")
    assert statement.draw is not None
    assert (statement.draw.recovered, statement.draw.payout, statement.draw.deficit_out) == (
        D("3000.00"),
        D("2000.00"),
        D("0.00"),
    )
    assert statement.total == D("2000.00")
    assert statement.earnings == D("5000.00")
    assert statement.draw.paid_in_period == D("5000.00")


def test_earnings_short_of_the_draw_leave_a_deficit_carried_forward() -> None:
    version = plan(UNIT_500, DRAW)

    statement = statement_of(facts(*many(2)), version)

    assert statement.draw is not None
    assert (statement.draw.recovered, statement.total, statement.draw.deficit_out) == (
        D("1000.00"),
        D("0.00"),
        D("2000.00"),
    )


def test_a_carried_deficit_is_recovered_before_anything_is_paid() -> None:
    version = plan(UNIT_500, DRAW)
    period = facts(*many(12), draw_balances={SELLER: D("2000.00")})

    statement = statement_of(period, version)

    # 6,000 earned − (3,000 draw + 2,000 carried in) = 1,000 paid
    assert statement.draw is not None
    assert (statement.draw.recovered, statement.total, statement.draw.deficit_out) == (
        D("5000.00"),
        D("1000.00"),
        D("0.00"),
    )


def test_over_two_months_draw_plus_payouts_equal_earnings() -> None:
    version = plan(UNIT_500, DRAW)
    march = statement_of(facts(*many(2)), version)  # earns 1,000
    assert march.draw is not None
    april = statement_of(
        PeriodFacts(
            month="2026-04",
            store_id=STORE,
            credits=tuple(many(14)),  # earns 7,000
            draw_balances={SELLER: march.draw.deficit_out},
        ),
        version,
    )
    assert april.draw is not None

    paid = march.draw.paid_in_period + april.draw.paid_in_period

    assert paid == march.earnings + april.earnings == D("8000.00")


def test_a_person_on_a_draw_without_sales_still_gets_the_advance_accounted() -> None:
    version = plan(UNIT_500, DRAW)

    statements = calculate_period(facts(), lambda _: version, staff=[SELLER])

    assert statements[SELLER].draw is not None
    assert statements[SELLER].draw.deficit_out == D("3000.00")


def test_a_deficit_is_still_recovered_under_a_plan_without_a_draw() -> None:
    version = plan(UNIT_500)
    period = facts(*many(4), draw_balances={SELLER: D("1500.00")})

    statement = statement_of(period, version)

    assert statement.total == D("500.00")
    assert statement.lines[-1].component_key == "carried_draw_deficit"


# --- everything together --------------------------------------------------------------------------


def test_retro_tiers_split_credit_mini_cap_and_draw_together() -> None:
    # Given retro tiers (8 → ¥200, 12 → ¥400) capped at ¥4,000, 20 % with a ¥500 mini, and a
    # ¥3,000 draw
    version = plan(
        RETRO_8_12,
        {"type": "percent_of_gross", "key": "commission", "rate": "0.2", "mini": "500"},
        {"type": "cap", "key": "volume_cap", "component": "volume", "limit": "4000"},
        DRAW,
    )
    # and 12 deals of ¥1,000 commission gross, plus a ¥5,000 deal split half and half
    period = facts(
        *many(12, front="1500"),
        credit(50, front="5500", share="0.5", day=20),
        credit(50, front="5500", share="0.5", day=20, seller=COLLEAGUE),
    )

    statements = calculate_period(period, lambda _: version)
    mine, theirs = statements[SELLER], statements[COLLEAGUE]

    # Then tiers: 12.5 units × 400 = 5,000, capped at 4,000
    assert mine.lines[0].amount == D("5000.00")
    # mini beats 20 % × 1,000 on the 12 whole deals; 20 % × 5,000 = 1,000 beats it, × 0.5
    assert [line.amount for line in mine.lines[1:14]] == [D("500.00")] * 12 + [D("500.00")]
    assert mine.lines[14].amount == D("-1000.00")
    # earnings 5,000 + 6,500 − 1,000 = 10,500; the draw takes back 3,000
    assert mine.earnings == D("10500.00")
    assert mine.lines[15].amount == D("-3000.00")
    assert mine.total == D("7500.00")
    # The colleague's half unit is below the first tier; their half of the deal pays 500
    assert amounts(theirs) == [D("0.00"), D("500.00"), D("-500.00")]
    assert theirs.draw is not None and theirs.draw.deficit_out == D("2500.00")
    # The split deal is one unit between them
    assert mine.units + theirs.units == D("13")


# --- statements -----------------------------------------------------------------------------------


def full_plan() -> PlanVersion:
    return plan(
        RETRO_8_12,
        UNIT_500,
        {"type": "percent_of_gross", "key": "commission", "rate": "0.2", "mini": "500"},
        {"type": "fni", "key": "fni", "products": {"finance": {"flat": "300"}}},
        {"type": "scorecard_bonus", "key": "scorecard", "amount": "1000"},
        GATE,
        DRAW,
    )


def test_lines_are_numbered_in_order_and_the_total_is_their_sum() -> None:
    period = facts(
        *many(9, products=(product(1, "finance", "100"),)),
        surveys=(survey(1, "95"), survey(2, "70")),
        evaluation_scores={SELLER: D("66.67")},
    )

    statement = statement_of(period, full_plan())

    assert [line.n for line in statement.lines] == list(range(1, len(statement.lines) + 1))
    assert statement.total == sum(amounts(statement))
    assert statement.line(1).plan_id == PLAN_ID and statement.line(1).plan_version == 1


def test_a_statement_round_trips_through_its_dict_and_keeps_its_hash() -> None:
    period = facts(*many(9), surveys=(survey(1, "95"),), evaluation_scores={SELLER: D("80")})
    statement = statement_of(period, full_plan())

    again = Statement.from_dict(statement.to_dict())

    assert again == statement
    assert again.to_dict() == statement.to_dict()
    assert again.content_hash() == statement.content_hash()


def test_any_change_to_a_statement_changes_its_hash() -> None:
    statement = statement_of(facts(*many(9)), full_plan())

    changed = replace(statement, lines=statement.lines[:-1])

    assert changed.content_hash() != statement.content_hash()


def test_someone_without_a_plan_gets_an_empty_statement_with_their_figures() -> None:
    statements = calculate_period(facts(*many(2)), lambda _: None)

    assert statements[SELLER].lines == ()
    assert statements[SELLER].plan_id is None
    assert statements[SELLER].units == D("2")
    assert statements[SELLER].commission_gross == D("5000.00")


def test_the_same_facts_in_another_order_give_the_same_statements() -> None:
    credits = [*many(9), credit(30, seller=COLLEAGUE, share="0.5"), credit(30, share="0.5")]
    forward = calculate_period(facts(*credits), lambda _: full_plan())

    backward = calculate_period(facts(*reversed(credits)), lambda _: full_plan())

    assert list(forward) == list(backward)
    assert {k: s.content_hash() for k, s in forward.items()} == {
        k: s.content_hash() for k, s in backward.items()
    }
