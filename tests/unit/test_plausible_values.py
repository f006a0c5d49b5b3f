"""Plausible business time, total time conversions, and the text and phone rules."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.shared import clock
from domain.shared.aggregate import check_event_values
from domain.shared.errors import InvalidValueError
from domain.shared.values import phone, storable, text, visible

NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)

# Every fixed offset a datetime may carry (strictly within a day), and real zones, including
# the two ends of the world (UTC+14, UTC-12 and its -11 neighbour).
offsets = st.timedeltas(
    min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)
).map(timezone)
zones = st.sampled_from(
    [ZoneInfo(n) for n in ("Asia/Shanghai", "Pacific/Kiritimati", "Pacific/Niue", "Etc/GMT+12")]
)
any_aware = st.datetimes(timezones=offsets | zones | st.just(UTC))
zone_names = st.sampled_from(["Asia/Shanghai", "Pacific/Kiritimati", "Etc/GMT+12", "UTC"])


# --- the read side's conversions are total --------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(moment=any_aware, timezone_name=zone_names)
def test_a_business_day_exists_for_every_aware_datetime(
    moment: datetime, timezone_name: str
) -> None:
    day = clock.business_day(moment, timezone_name)

    try:
        exact = moment.astimezone(ZoneInfo(timezone_name)).date()
    except OverflowError:
        assert day in (date.min, date.max)
        assert abs((day - moment.date()).days) <= 1
    else:
        assert day == exact


@settings(max_examples=500, deadline=None)
@given(moment=any_aware)
def test_a_moment_in_utc_exists_for_every_aware_datetime(moment: datetime) -> None:
    utc = clock.in_utc(moment)

    assert utc.utcoffset() == timedelta(0)
    try:
        assert utc == moment.astimezone(UTC)
    except OverflowError:
        assert utc.replace(tzinfo=None) in (datetime.min, datetime.max)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=23, minutes=59))),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=23, minutes=59))),
    ],
)
def test_the_moments_that_broke_the_views_have_a_business_day(moment: datetime) -> None:
    assert clock.business_day(moment, "Asia/Shanghai") in (date.min, date.max, moment.date())


@given(day=st.dates(), days=st.integers(-(10**6), 10**6))
def test_adding_days_to_a_date_never_overflows(day: date, days: int) -> None:
    assert date.min <= clock.days_after(day, days) <= date.max


# --- the write side's ranges ---------------------------------------------------------------


def test_a_time_a_few_minutes_ahead_is_taken_and_one_beyond_the_skew_refused() -> None:
    with clock.pinned(NOW):
        assert clock.happened(NOW + clock.CLOCK_SKEW) == NOW + clock.CLOCK_SKEW
        with pytest.raises(InvalidValueError, match="occurred_at must lie between 2000-01-01"):
            clock.happened(NOW + clock.CLOCK_SKEW + timedelta(seconds=1))


def test_a_time_before_the_floor_is_refused_in_any_zone() -> None:
    just_before = datetime(2000, 1, 1, 7, 59, tzinfo=timezone(timedelta(hours=8)))

    with pytest.raises(InvalidValueError) as raised:
        clock.happened(just_before)

    assert raised.value.extra == {
        "field": "occurred_at",
        "minimum": "2000-01-01T00:00:00+00:00",
        "maximum": raised.value.extra["maximum"],
    }


@settings(max_examples=300, deadline=None)
@given(moment=any_aware)
def test_a_happened_time_is_taken_exactly_when_it_lies_between_the_floor_and_now(
    moment: datetime,
) -> None:
    with clock.pinned(NOW):
        plausible = clock.FLOOR <= moment <= NOW + clock.CLOCK_SKEW
        try:
            clock.happened(moment)
        except InvalidValueError:
            assert not plausible
        else:
            assert plausible


def test_a_naive_time_is_refused_with_its_field() -> None:
    with pytest.raises(InvalidValueError, match="scheduled_for must carry a timezone"):
        clock.planned(datetime(2026, 6, 2, 10, 0), "scheduled_for")


def test_an_appointment_may_be_planned_two_years_ahead_but_not_more() -> None:
    with clock.pinned(NOW):
        assert clock.planned(NOW + timedelta(days=365 * 2), "scheduled_for")
        with pytest.raises(InvalidValueError, match="scheduled_for"):
            clock.planned(NOW + clock.HORIZON + timedelta(seconds=1), "scheduled_for")


def test_a_day_that_happened_may_be_today_on_the_easternmost_floor_but_not_later() -> None:
    with clock.pinned(datetime(2026, 6, 1, 11, 0, tzinfo=UTC)):  # already 2 June at UTC+14
        assert clock.happened_on(date(2026, 6, 2), "received_on")
        with pytest.raises(InvalidValueError, match="received_on must lie between"):
            clock.happened_on(date(2026, 6, 3), "received_on")


def test_every_new_event_is_checked_whatever_command_records_it() -> None:
    with clock.pinned(NOW):
        for kwargs in (
            {"occurred_at": datetime(9999, 12, 31, tzinfo=UTC)},
            {"occurred_at": NOW, "known_at": datetime(1, 1, 1, tzinfo=UTC)},
            {"occurred_at": NOW, "effective_to": date.max},
            {"occurred_at": NOW, "effective_from_month": "9999-12"},
            {"occurred_at": NOW, "answers": {"wait\x00": 90}},
            {"occurred_at": NOW, "brands": ["BYD", "To\u202eyota"]},
        ):
            with pytest.raises(InvalidValueError):
                check_event_values(kwargs)
        check_event_values({"occurred_at": NOW, "note": "two\nlines", "names": ["王伟 🚗"]})


# --- text --------------------------------------------------------------------------------------

UNSTORABLE = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))]
UNSTORABLE += [chr(c) for c in range(0x7F, 0xA0)]
UNSTORABLE += [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xD800, 0xDFFF)]


@given(before=st.text(max_size=5), bad=st.sampled_from(UNSTORABLE), after=st.text(max_size=5))
def test_no_text_field_takes_a_control_character_or_a_bidi_override(
    before: str, bad: str, after: str
) -> None:
    with pytest.raises(InvalidValueError, match="name must not hold"):
        text(f"Li{before}{bad}{after}", "name")


@given(
    st.text(
        st.characters(categories=["Zs", "Cf"], exclude_characters="\u202a\u202b\u202c\u202d\u202e"),
        max_size=10,
    ).filter(lambda s: not any("\u2066" <= c <= "\u2069" for c in s))
)
def test_a_name_of_spaces_and_zero_width_characters_only_is_blank(value: str) -> None:
    with pytest.raises(InvalidValueError, match="name must not be blank"):
        text(value, "name")


@given(st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=50))
def test_a_line_of_letters_digits_symbols_and_spaces_is_taken_trimmed(value: str) -> None:
    if not visible(value):
        return
    assert text(value, "name") == value.strip()


@pytest.mark.parametrize("value", ["王伟", "Zoë", "😀", "👨\u200d👩\u200d👧", "Ｌｉ"])
def test_cjk_emoji_and_joined_emoji_are_visible_text(value: str) -> None:
    assert text(value, "name") == value


def test_only_a_note_takes_line_breaks() -> None:
    assert text("a\nb\tc", "note", multiline=True) == "a\nb\tc"
    for broken in ("a\nb", "a\tb", "a\rb", "a\u2028b"):
        with pytest.raises(InvalidValueError, match="must be one line"):
            text(broken, "name")


def test_storable_names_the_character_and_where_it_is() -> None:
    with pytest.raises(InvalidValueError, match="U\\+202E RIGHT-TO-LEFT OVERRIDE at position 2"):
        storable("ab\u202ecd", "name")


# --- phones ------------------------------------------------------------------------------------

NON_ASCII_DIGITS = [
    c for c in map(chr, range(0x80, 0x10000)) if unicodedata.category(c) == "Nd"
] + [chr(c) for c in range(0x1D7CE, 0x1D800)]  # mathematical digits


@given(digits=st.lists(st.sampled_from(NON_ASCII_DIGITS), min_size=1, max_size=9), at=st.data())
def test_a_phone_with_any_digit_other_than_ascii_or_full_width_is_refused(
    digits: list[str], at: st.DataObject
) -> None:
    number = list("13800138000")
    for digit in digits:
        if "０" <= digit <= "９":
            continue
        number[at.draw(st.integers(2, 10))] = digit
    if number == list("13800138000"):
        return
    with pytest.raises(InvalidValueError, match="ASCII digits"):
        phone("".join(number))


@given(st.integers(3, 9), st.integers(0, 10**9 - 1))
def test_a_mobile_in_full_width_digits_is_the_same_number_in_ascii(second: int, rest: int) -> None:
    ascii_number = f"1{second}{rest:09d}"
    full_width = ascii_number.translate({ord(str(d)): 0xFF10 + d for d in range(10)})

    assert phone(full_width) == phone(ascii_number) == "+86" + ascii_number
