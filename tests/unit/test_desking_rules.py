"""Desking rules: the worked examples of docs/desking.md computed by hand, the settings'
validation, and properties of the evaluation (more discount never needs less approval)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.sales.desking import (
    NO_RULES,
    NOTHING,
    RANK,
    ApprovalLevel,
    Quote,
    Rule,
    amount_financed,
    covers,
    evaluate,
    rules,
)
from domain.shared.errors import InvalidValueError

TL, M, GM = ApprovalLevel.TEAM_LEADER, ApprovalLevel.MANAGER, ApprovalLevel.GENERAL_MANAGER

# The store of the worked examples: 3 % / 5 % / 10 % steps, a Han floor of ¥190,000 that a
# manager lifts, a loss that the general manager approves.
STORE = rules("0.03", "0.05", "0.10", "manager", {"Han": "190000"}, "general_manager")
LIST, COST = Decimal("209800"), Decimal("180000")


def han(price: str = "209800", discount: str = "0") -> Quote:
    return Quote(LIST, Decimal(price), Decimal(discount), COST, model="Han")


# --- the worked examples (docs/desking.md) ----------------------------------------------------


def test_a_discount_within_the_first_step_needs_no_approval() -> None:
    # 5,000 off 209,800 is 2.38 %: not above 3 % (6,294).
    assert evaluate(STORE, han(discount="5000")) == NOTHING


def test_a_discount_of_exactly_the_step_needs_no_approval() -> None:
    # 3 % of 209,800 is 6,294.00; "above" the share, not "at" it.
    assert evaluate(STORE, han(discount="6294")) == NOTHING


def test_a_discount_above_three_per_cent_needs_the_team_leader() -> None:
    # 8,000 off is 3.81 %: above 3 % (6,294), not above 5 % (10,490).
    result = evaluate(STORE, han(discount="8000"))
    assert result.level is TL
    assert result.broken == ((Rule.DISCOUNT, TL),)


def test_a_discount_above_five_per_cent_needs_the_manager() -> None:
    # 12,000 off is 5.72 %: above 10,490, not above 10 % (20,980); selling 197,800 ≥ floor.
    assert evaluate(STORE, han(discount="12000")).level is M


def test_a_lower_price_without_a_discount_counts_as_a_discount() -> None:
    # Price 200,000, discount 0: 9,800 off list is 4.67 %, the team leader's step.
    assert evaluate(STORE, han(price="200000")).level is TL


def test_the_highest_level_of_the_broken_rules_is_needed() -> None:
    # 22,000 off is 10.49 % (> 20,980: general manager); selling 187,800 < floor 190,000
    # (manager); front gross 7,800 ≥ 0.
    result = evaluate(STORE, han(discount="22000"))
    assert result.level is GM
    assert result.broken == ((Rule.DISCOUNT, GM), (Rule.FLOOR, M))


def test_a_negative_front_gross_needs_the_general_manager() -> None:
    # Without a 10 % step: 31,000 off → manager (discount), 178,800 < floor → manager, front
    # gross 178,800 − 180,000 = −1,200 → general manager.
    store = rules("0.03", "0.05", None, "manager", {"Han": "190000"}, "general_manager")
    result = evaluate(store, han(discount="31000"))
    assert result.level is GM
    assert result.reasons == ["discount", "floor", "loss"]


def test_over_allowance_on_a_trade_lowers_front_gross() -> None:
    # Selling 204,800 − cost 180,000 − over-allowance 25,000 = −200: a loss.
    quote = Quote(LIST, LIST, Decimal("5000"), COST, "Han", over_allowance=Decimal("25000"))
    assert evaluate(STORE, quote).broken == ((Rule.LOSS, GM),)


def test_the_floor_price_is_found_by_model_without_case_or_spaces() -> None:
    quote = Quote(LIST, Decimal("189000"), Decimal("0"), COST, model="  han ")
    store = rules(floor_prices={"HAN": "190000"})
    assert evaluate(store, quote).broken == ((Rule.FLOOR, M),)


def test_a_store_without_rules_needs_nothing_even_at_a_loss() -> None:
    assert evaluate(NO_RULES, han(discount="100000")) == NOTHING


def test_amount_financed_is_price_less_down_payment_and_trade_equity() -> None:
    # 197,800 − 60,000 down − 0 trade = 137,800; a down payment above it is a cash deal.
    assert amount_financed(Decimal("197800"), Decimal("60000")) == Decimal("137800")
    assert amount_financed(Decimal("197800"), Decimal("60000"), Decimal("20000")) == Decimal(
        "117800"
    )
    assert amount_financed(Decimal("197800"), Decimal("197800")) == Decimal("0.00")


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"discount_team_leader": "0.05", "discount_manager": "0.03"}, "above"),
        ({"discount_manager": "1"}, "below 1"),
        ({"discount_manager": "0"}, "above 0"),
        ({"discount_manager": "0.123456"}, "four decimals"),
        ({"discount_manager": "abc"}, "not a number"),
        ({"floor_level": "ceo"}, "floor_level"),
        ({"loss_level": "boss"}, "loss_level"),
        ({"floor_prices": {"Han": "-1"}}, "floor price"),
        ({"floor_prices": {"Han": "0"}}, "positive"),
        ({"floor_prices": {"Han": "1", " han": "2"}}, "two floor prices"),
    ],
)
def test_settings_that_make_no_sense_are_refused_naming_the_field(
    kwargs: dict[str, object], words: str
) -> None:
    with pytest.raises(InvalidValueError, match=words):
        rules(**kwargs)  # type: ignore[arg-type]


def test_a_float_share_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="float"):
        rules(discount_manager=0.05)  # type: ignore[arg-type]


def test_a_step_may_be_switched_off_and_the_others_still_rise() -> None:
    store = rules(discount_team_leader="0.02", discount_general_manager="0.08")
    assert store.discount_steps() == [(Decimal("0.0200"), TL), (Decimal("0.0800"), GM)]


# --- properties ---------------------------------------------------------------------------------

money = st.integers(min_value=0, max_value=400_000).map(Decimal)


@given(list_price=st.integers(100_000, 400_000), off=money, more=money, cost=money)
def test_a_larger_discount_never_needs_a_lower_level(
    list_price: int, off: Decimal, more: Decimal, cost: Decimal
) -> None:
    """Monotone: a quote further below list never needs less approval than a nearer one."""
    listed = Decimal(list_price)
    small = min(off, listed)
    large = min(off + more, listed)
    first = evaluate(STORE, Quote(listed, listed, small, cost, "Han")).level
    second = evaluate(STORE, Quote(listed, listed, large, cost, "Han")).level
    assert (RANK[second] if second else 0) >= (RANK[first] if first else 0)


@given(
    st.sampled_from([None, *ApprovalLevel]),
    st.sampled_from([None, *ApprovalLevel]),
)
def test_an_approval_covers_a_need_exactly_when_its_rank_is_at_least_as_high(
    approver: ApprovalLevel | None, needed: ApprovalLevel | None
) -> None:
    expected = needed is None or (approver is not None and RANK[approver] >= RANK[needed])
    assert covers(approver, needed) is expected
