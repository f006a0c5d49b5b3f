"""Business time helpers: events carry timezone-aware datetimes; reports bucket by store zone.

The plausible range of business time is decided here, once, for every writer (API, command
line, workers, the demo): a thing that happened lies between FLOOR and now plus CLOCK_SKEW; a
planned thing (an appointment, a plan's start, a month's target) between FLOOR and now plus
HORIZON. The read side's conversions (`business_day`, `in_utc`) are total instead: an old log
may hold any aware datetime, and a view must never fail on one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.shared.errors import InvalidValueError

DEFAULT_TIMEZONE = "Asia/Shanghai"

# No dealer group going live loads history from before 2000: dealer management systems of the
# 1990s are not migrated event by event, and China's retail car market as this system knows it
# (4S stores, mainland mobiles) starts after it. Anything earlier is a typo (0026 for 2026).
FLOOR_DAY = date(2000, 1, 1)
FLOOR = datetime(2000, 1, 1, tzinfo=UTC)
# How far a client's clock may run ahead of ours: the 5 minutes Kerberos tolerates by default.
# Synchronised machines differ by milliseconds, tablets and phones on the floor by a minute or
# two; a business time further ahead than this has not happened yet.
CLOCK_SKEW = timedelta(minutes=5)
# How far ahead anything may be planned: appointments are booked weeks ahead, pay plans and
# targets for next year's budget; two years covers both with room, and refuses 2062 for 2026.
HORIZON = timedelta(days=2 * 366)
# The easternmost floor (UTC+14) is this far ahead of UTC: its day may already be tomorrow's.
_EASTERNMOST = timedelta(hours=14)

_pinned: ContextVar[datetime | None] = ContextVar("showroom_clock_pinned", default=None)


def now() -> datetime:
    """The current moment (aware, UTC), or the one `pinned` holds in this context."""
    return _pinned.get() or datetime.now(UTC)


@contextmanager
def pinned(moment: datetime) -> Iterator[None]:
    """Make `now()` answer `moment` in this context (tests, simulations with a fixed 'now')."""
    token = _pinned.set(moment)
    try:
        yield
    finally:
        _pinned.reset(token)


def _checked_aware(moment: datetime, field: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValueError(f"{field} must carry a timezone offset", field=field)
    return moment


def _out_of_range(field: str, value: object, low: object, high: object) -> InvalidValueError:
    return InvalidValueError(
        f"{field} must lie between {low} and {high}, not {value}",
        field=field,
        minimum=str(low),
        maximum=str(high),
    )


def latest_happened() -> datetime:
    """The latest business time a thing that happened may carry."""
    return now() + CLOCK_SKEW


def horizon() -> datetime:
    """The latest time anything may be planned for."""
    return now() + HORIZON


def happened(moment: datetime, field: str = "occurred_at") -> datetime:
    """A business time of something that happened: aware, not before FLOOR, not in the future
    beyond CLOCK_SKEW."""
    _checked_aware(moment, field)
    latest = latest_happened()
    if not FLOOR <= moment <= latest:
        raise _out_of_range(field, moment.isoformat(), FLOOR.isoformat(), latest.isoformat())
    return moment


def planned(moment: datetime, field: str) -> datetime:
    """A time something is planned for: aware, between FLOOR and the HORIZON."""
    _checked_aware(moment, field)
    latest = horizon()
    if not FLOOR <= moment <= latest:
        raise _out_of_range(field, moment.isoformat(), FLOOR.isoformat(), latest.isoformat())
    return moment


def aware(moment: datetime | None, field: str = "occurred_at") -> datetime:
    """Business time of something that happened, as given, or now; naive datetimes are refused
    (they are ambiguous), and so are times before FLOOR or in the future (see `happened`)."""
    if moment is None:
        return now()
    return happened(moment, field)


def latest_day() -> date:
    """The latest calendar day anything may have happened on: today on the easternmost floor."""
    return (latest_happened().astimezone(UTC) + _EASTERNMOST).date()


def horizon_day() -> date:
    return horizon().astimezone(UTC).date()


def happened_on(day: date, field: str) -> date:
    """The calendar day of something that happened (a delivery received, a survey answered)."""
    latest = latest_day()
    if not FLOOR_DAY <= day <= latest:
        raise _out_of_range(field, day.isoformat(), FLOOR_DAY.isoformat(), latest.isoformat())
    return day


def plausible_day(day: date, field: str) -> date:
    """A calendar day of business (a plan's start or end, a report's date): FLOOR to HORIZON."""
    latest = horizon_day()
    if isinstance(day, datetime):
        day = day.date()
    if not FLOOR_DAY <= day <= latest:
        raise _out_of_range(field, day.isoformat(), FLOOR_DAY.isoformat(), latest.isoformat())
    return day


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidValueError(f"unknown timezone {name!r}") from error


def _near_the_end(moment: datetime) -> bool:
    # Only a moment within a day of either end of the calendar can overflow a conversion.
    return moment.year >= 5000


def business_day(moment: datetime, timezone: str) -> date:
    """The calendar day on the sales floor of a store in `timezone` when `moment` happened.

    Total: a moment whose local day lies outside the calendar (9999-12-31T23:59+00:00 in
    Shanghai, 0001-01-01T00:30+01:00 anywhere west of it) is on its last or first day.
    """
    try:
        return moment.astimezone(zone(timezone)).date()
    except OverflowError:
        return date.max if _near_the_end(moment) else date.min


_MAX_UTC = datetime.max.replace(tzinfo=UTC)
_MIN_UTC = datetime.min.replace(tzinfo=UTC)


def in_utc(moment: datetime) -> datetime:
    """`moment` in UTC, clamped to the calendar's ends when its UTC time lies beyond them."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return _MAX_UTC if _near_the_end(moment) else _MIN_UTC


def days_after(day: date, days: int) -> date:
    """`day` plus `days` (negative: before), clamped to the calendar's ends."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min
