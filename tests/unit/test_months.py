"""Months ('YYYY-MM'): one rule to read them, one arithmetic, for every layer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.shared import clock, months
from domain.shared.errors import InvalidValueError

NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
SOME_MONTH = st.dates(min_value=date(1, 2, 1), max_value=date(9999, 11, 30)).map(months.of_day)


@pytest.mark.parametrize("month", ["0000-01", "0001-01", "1999-12", "9999-12", "2029-01"])
def test_a_month_outside_the_floor_and_the_horizon_is_refused(month: str) -> None:
    with clock.pinned(NOW), pytest.raises(InvalidValueError, match="between 2000-01 and 2028-06"):
        months.parse(month)


@pytest.mark.parametrize(
    "month",
    [
        "2026-5",
        "May",
        "٢٠٢٦-٠٥",
        "2026-13",
        "2026-00",
        "",
        "26-01",
        "2026/03",
        " 2026-05",
        "2026-05\n",
    ],
)
def test_a_month_of_another_shape_is_refused_with_one_message(month: str) -> None:
    with pytest.raises(InvalidValueError, match="month must look like YYYY-MM"):
        months.parse(month)


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "26-03", "2026/03", "march", "0000-01"])
def test_a_month_of_another_shape_has_no_days(month: str) -> None:
    with pytest.raises(InvalidValueError):
        months.first_day(month)


def test_a_month_names_the_field_it_was_given_as() -> None:
    with pytest.raises(InvalidValueError, match="effective_month must look like YYYY-MM"):
        months.parse("2026-5", "effective_month")


def test_a_month_at_the_edges_of_the_range_is_accepted() -> None:
    with clock.pinned(NOW):
        assert (months.parse("2000-01"), months.parse("2028-06")) == ("2000-01", "2028-06")


def test_months_step_over_the_turn_of_the_year() -> None:
    assert (months.previous_month("2026-01"), months.next_month("2026-12")) == (
        "2025-12",
        "2027-01",
    )


@given(SOME_MONTH)
def test_the_next_month_starts_the_day_after_a_month_ends(month: str) -> None:
    following = months.next_month(month)

    assert months.first_day(following).toordinal() == months.last_day(month).toordinal() + 1
    assert months.previous_month(following) == month


def test_a_month_is_bounded_by_its_first_and_last_day() -> None:
    assert months.bounds("2028-02") == ("2028-02-01", "2028-02-29")


def test_a_month_starts_at_midnight_on_the_floor_of_its_store() -> None:
    start = months.start("2026-03", "Asia/Shanghai")

    assert start.astimezone(UTC) == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)


def test_a_moment_falls_in_the_month_of_its_store_floor() -> None:
    moment = datetime(2026, 2, 28, 17, 0, tzinfo=UTC)  # 1 March, 01:00 in Shanghai

    assert (months.of_moment(moment, "Asia/Shanghai"), months.of_moment(moment, "UTC")) == (
        "2026-03",
        "2026-02",
    )
