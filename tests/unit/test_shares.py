"""Credit shares counted exactly: units in thousandths, money split to the fen."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.sales.model import credit_shares
from domain.shared.shares import allocate, credited_units, milli_shares


def test_money_is_split_to_the_fen_with_the_remainder_to_the_largest_fraction() -> None:
    assert allocate(100, [334, 333, 333]) == [34, 33, 33]
    assert allocate(101, [500, 500]) == [51, 50]  # a tie goes to the earlier share
    assert allocate(-101, [500, 500]) == [-51, -50]


def test_units_are_kept_in_thousandths() -> None:
    assert milli_shares([Decimal("0.5"), Decimal("0.25"), Decimal("0.25")]) == [500, 250, 250]
    assert credited_units(1500) == Decimal("1.50")


shares_lists = st.lists(st.integers(1, 100), min_size=1, max_size=4).filter(
    lambda parts: sum(parts) == 100
) | st.integers(1, 99).map(lambda n: [n, 100 - n])


@settings(max_examples=200, deadline=None)
@given(total=st.integers(-(10**12), 10**12), hundredths=shares_lists)
def test_split_parts_always_sum_to_the_whole_and_stay_within_a_fen_of_their_share(
    total: int, hundredths: list[int]
) -> None:
    shares = [Decimal(n) / 100 for n in hundredths]
    ids = [uuid4() for _ in shares]
    weights = milli_shares(credit_shares(ids, shares))

    parts = allocate(total, weights)

    assert sum(weights) == 1000
    assert sum(parts) == total
    assert all(abs(p * 1000 - total * w) < 1000 for p, w in zip(parts, weights, strict=True))
