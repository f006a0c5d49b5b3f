"""Working time: opening hours, holidays, shifts, leave and the SLA-style clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.organisation.working_time import (
    Duty,
    Leave,
    NoOpeningHoursError,
    StoreHours,
    add_working_time,
    duty_time,
    is_open,
    on_duty,
    spans,
    working_time,
)
from domain.shared.errors import InvalidValueError

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday to Saturday 09:00-12:00 and 13:00-18:00; closed on Sundays. 2026-10-01 (a Thursday,
# National Day) is a holiday; 2026-10-03 (a Saturday) opens 10:00-14:00 only.
HOURS = StoreHours(
    timezone="Asia/Shanghai",
    weekly={d: spans(["09:00-12:00", "13:00-18:00"]) for d in range(6)},
    exceptions={date(2026, 10, 1): (), date(2026, 10, 3): spans(["10:00-14:00"])},
)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def test_the_store_is_open_within_its_hours_and_closed_at_lunch_at_night_and_on_sunday() -> None:
    assert is_open(HOURS, local(2026, 9, 28, 9, 0))
    assert not is_open(HOURS, local(2026, 9, 28, 12, 30))
    assert not is_open(HOURS, local(2026, 9, 28, 18, 0))  # closing time itself is closed
    assert not is_open(HOURS, local(2026, 9, 28, 23, 0))
    assert not is_open(HOURS, local(2026, 10, 4, 10, 0))  # Sunday


def test_a_holiday_closes_the_store_and_a_special_day_replaces_the_weekday_hours() -> None:
    assert not is_open(HOURS, local(2026, 10, 1, 10, 0))
    assert is_open(HOURS, local(2026, 10, 3, 13, 30))
    assert not is_open(HOURS, local(2026, 10, 3, 15, 0))


def test_an_instant_is_judged_in_the_store_time_zone_not_in_utc() -> None:
    # 01:30 UTC is 09:30 in Shanghai.
    assert is_open(HOURS, datetime(2026, 9, 28, 1, 30, tzinfo=UTC))


def test_a_lead_captured_the_evening_before_a_holiday_runs_out_its_sla_the_next_open_day() -> None:
    # Captured Wednesday 17:50; 15 minutes of working time: 10 minutes on Wednesday, the
    # night and the National Day holiday skipped, 5 minutes on Friday from 09:00.
    captured = local(2026, 9, 30, 17, 50)
    deadline = add_working_time(HOURS, captured, timedelta(minutes=15))
    assert deadline == local(2026, 10, 2, 9, 5)
    assert working_time(HOURS, captured, deadline) == timedelta(minutes=15)


def test_working_time_skips_lunch_nights_closed_days_and_holidays() -> None:
    # Wednesday 11:00 to Friday 10:00: 1 h + 5 h on Wednesday, Thursday a holiday, 1 h Friday.
    assert working_time(HOURS, local(2026, 9, 30, 11), local(2026, 10, 2, 10)) == timedelta(hours=7)


def test_a_deadline_at_a_closing_time_ends_at_the_closing_time() -> None:
    assert add_working_time(HOURS, local(2026, 9, 28, 17, 0), timedelta(hours=1)) == local(
        2026, 9, 28, 18, 0
    )


def test_a_store_without_hours_has_no_deadline() -> None:
    with pytest.raises(NoOpeningHoursError):
        add_working_time(StoreHours("Asia/Shanghai"), local(2026, 9, 28), timedelta(minutes=1))


def test_spans_that_overlap_or_run_backwards_are_refused() -> None:
    with pytest.raises(InvalidValueError):
        spans(["09:00-12:00", "11:00-13:00"])
    with pytest.raises(InvalidValueError):
        spans(["18:00-09:00"])
    with pytest.raises(InvalidValueError):
        spans(["9-18"])
    assert [str(s) for s in spans(["20:00-24:00"])] == ["20:00-24:00"]


MORNINGS = Duty(shifts={d: spans(["09:00-13:00"]) for d in range(6)})


def test_a_salesperson_is_on_duty_on_shift_in_opening_hours_and_available() -> None:
    assert on_duty(HOURS, MORNINGS, local(2026, 9, 28, 9, 30))
    assert not on_duty(HOURS, MORNINGS, local(2026, 9, 28, 14, 0))  # after the shift
    assert not on_duty(HOURS, MORNINGS, local(2026, 9, 28, 12, 30))  # store closed at lunch
    assert not on_duty(HOURS, MORNINGS, local(2026, 10, 1, 9, 30))  # holiday


def test_leave_and_the_not_on_the_floor_status_take_a_salesperson_off_duty() -> None:
    away = Duty(shifts=MORNINGS.shifts, leave=(Leave(date(2026, 9, 28), date(2026, 9, 29)),))
    assert not on_duty(HOURS, away, local(2026, 9, 29, 10, 0))
    assert on_duty(HOURS, away, local(2026, 9, 30, 10, 0))
    off_floor = Duty(shifts=MORNINGS.shifts, available=False)
    assert not on_duty(HOURS, off_floor, local(2026, 9, 30, 10, 0))


def test_time_on_duty_counts_shifts_within_opening_hours_less_leave() -> None:
    away = Duty(shifts=MORNINGS.shifts, leave=(Leave(date(2026, 9, 29), date(2026, 9, 29)),))
    # Monday 28 to Sunday 4 October: Mon, Wed, Fri 3 h each (lunch closes 12-13), Tue on leave,
    # Thu a holiday, Sat 10:00-13:00 (special hours), Sun closed.
    assert duty_time(HOURS, away, local(2026, 9, 28), local(2026, 10, 5)) == timedelta(hours=12)


# --- properties ---------------------------------------------------------------------------------

START = datetime(2026, 9, 20, tzinfo=UTC)
instants = st.integers(min_value=0, max_value=30 * 24 * 3600 * 1000).map(
    lambda ms: START + timedelta(milliseconds=ms)
)
durations = st.integers(min_value=0, max_value=60 * 3600 * 1000).map(
    lambda ms: timedelta(milliseconds=ms)
)


@settings(max_examples=200, deadline=None)
@given(instants, instants, instants)
def test_working_time_is_additive(a: datetime, b: datetime, c: datetime) -> None:
    assert working_time(HOURS, a, c) == working_time(HOURS, a, b) + working_time(HOURS, b, c)


@settings(max_examples=200, deadline=None)
@given(instants, durations)
def test_the_working_time_until_a_deadline_is_the_duration_it_was_set_for(
    t: datetime, d: timedelta
) -> None:
    deadline = add_working_time(HOURS, t, d)
    assert deadline >= t
    assert working_time(HOURS, t, deadline) == d
