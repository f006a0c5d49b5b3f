"""Working time: when a store is open and when a salesperson is on duty, as pure functions.

Everything here is a function of plain values (no aggregate, no clock, no I/O), so the response
clocks (SLA) and lead routing can call it with what they read and get the same answer on every
replay. Instants are timezone-aware datetimes; hours, shifts, holidays and leave are written in
the store's local time and dates, and converted through the store's time zone (`zoneinfo`), so a
night, a closed Sunday or a holiday is skipped where the store is, not in UTC.

Shapes:
- A `Span` is one stretch of a local day, `09:00-18:00`; a day has zero or more, not
  overlapping. Spans never cross midnight: a late shift until 01:00 is two spans on two days.
- `StoreHours`: spans per weekday (Monday = 0) plus per-date exceptions that replace the
  weekday's spans for that date (an empty tuple: closed, a holiday; other spans: special hours).
- `Duty`: a salesperson's weekly shift pattern, leave (inclusive local date ranges) and the
  on-duty status they set themselves (available on the floor or not).

`working_time(hours, a, b)` counts only open time between two instants; `add_working_time(hours,
t, d)` is the instant `d` of open time after `t` (an SLA deadline). They are each other's
inverse and `working_time` is additive; tests/unit/test_working_time.py checks both with
hypothesis.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from domain.shared.errors import InvalidValueError

DAY = timedelta(days=1)
# How far `add_working_time` looks for opening hours before it gives up: a store with no hours
# at all (or closed for more than a year) has no deadline.
SEARCH_DAYS = 400
_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True, order=True)
class Span:
    """One stretch of a local day: [start, end), start before end, never across midnight."""

    start: time
    end: time  # time.max stands for 24:00

    @classmethod
    def parse(cls, value: str) -> Span:
        """`"09:00-18:00"`; `24:00` is accepted as the end of the day."""
        found = _SPAN.match(value.strip()) if isinstance(value, str) else None
        if found is None:
            raise InvalidValueError(f"a time span reads HH:MM-HH:MM, not {value!r}", field="spans")
        h1, m1, h2, m2 = (int(g) for g in found.groups())
        if h2 == 24 and m2:
            raise InvalidValueError(f"{value!r} ends after midnight", field="spans")
        end = time.max if h2 == 24 else time(h2, m2)
        start = time(h1, m1)
        if end <= start:
            raise InvalidValueError(
                f"{value!r} must end after it starts, within the day", field="spans"
            )
        return cls(start, end)

    def __str__(self) -> str:
        end = "24:00" if self.end == time.max else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}-{end}"


def spans(values: Iterable[str]) -> tuple[Span, ...]:
    """Parse a day's spans, sorted; overlapping spans are refused."""
    parsed = sorted(Span.parse(v) for v in values)
    for before, after in pairwise(parsed):
        if after.start < before.end:
            raise InvalidValueError(f"{before} and {after} overlap", field="spans")
    return tuple(parsed)


def span_texts(day: Iterable[Span]) -> list[str]:
    return [str(s) for s in day]


@dataclass(frozen=True)
class StoreHours:
    """A store's opening hours: spans per weekday (0 = Monday) and per-date exceptions."""

    timezone: str
    weekly: Mapping[int, tuple[Span, ...]] = field(default_factory=dict)
    exceptions: Mapping[date, tuple[Span, ...]] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def spans_on(self, day: date) -> tuple[Span, ...]:
        """The spans the store is open on a local date (an exception replaces the weekday)."""
        if day in self.exceptions:
            return self.exceptions[day]
        return self.weekly.get(day.weekday(), ())


@dataclass(frozen=True)
class Leave:
    """Away from `first` to `last` (local dates, both included)."""

    first: date
    last: date

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Duty:
    """What decides whether one salesperson is on duty: shifts, leave and their own status."""

    shifts: Mapping[int, tuple[Span, ...]] = field(default_factory=dict)
    leave: tuple[Leave, ...] = ()
    available: bool = True

    def on_leave(self, day: date) -> bool:
        return any(stretch.covers(day) for stretch in self.leave)


def _checked(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValueError("an instant must carry a timezone offset")
    return moment.astimezone(UTC)


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    if at == time.max:
        return datetime.combine(day + DAY, time(0), zone).astimezone(UTC)
    return datetime.combine(day, at, zone).astimezone(UTC)


def _day_intervals(
    day_spans: Iterable[Span], day: date, zone: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    for span in day_spans:
        start, end = _local(day, span.start, zone), _local(day, span.end, zone)
        if end > start:  # a span swallowed by a daylight-saving gap is no time at all
            yield start, end


def open_intervals(
    hours: StoreHours, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The store's open intervals (UTC) clipped to [start, end), in order."""
    start, end = _checked(start), _checked(end)
    zone = hours.zone
    day = start.astimezone(zone).date() - DAY
    last = end.astimezone(zone).date() + DAY
    while day <= last:
        for a, b in _day_intervals(hours.spans_on(day), day, zone):
            a, b = max(a, start), min(b, end)
            if a < b:
                yield a, b
        day += DAY


def is_open(hours: StoreHours, moment: datetime) -> bool:
    """Whether the store is open at `moment` (a span's start counts, its end does not)."""
    moment = _checked(moment)
    zone = hours.zone
    day = moment.astimezone(zone).date()
    for candidate in (day - DAY, day):
        for a, b in _day_intervals(hours.spans_on(candidate), candidate, zone):
            if a <= moment < b:
                return True
    return False


def working_time(hours: StoreHours, start: datetime, end: datetime) -> timedelta:
    """Open time between two instants (negative when `end` comes first): nights, closed days
    and holidays in the store's time zone count nothing."""
    if _checked(end) < _checked(start):
        return -working_time(hours, end, start)
    total = timedelta(0)
    for a, b in open_intervals(hours, start, end):
        total += b - a
    return total


class NoOpeningHoursError(InvalidValueError):
    title = "The store has no opening hours to count in"


def add_working_time(hours: StoreHours, start: datetime, duration: timedelta) -> datetime:
    """The instant `duration` of open time after `start` (an SLA's deadline).

    A zero duration answers `start`. A deadline falling exactly at a closing time answers the
    closing time. Raises `NoOpeningHoursError` when the store opens on no day within
    SEARCH_DAYS.
    """
    if duration < timedelta(0):
        raise InvalidValueError("a duration of working time cannot be negative")
    moment = _checked(start)
    if not duration:
        return moment
    zone = hours.zone
    left = duration
    day = moment.astimezone(zone).date() - DAY
    for _ in range(SEARCH_DAYS + 2):
        for a, b in _day_intervals(hours.spans_on(day), day, zone):
            a = max(a, moment)
            if a >= b:
                continue
            if b - a >= left:
                return a + left
            left -= b - a
        day += DAY
    raise NoOpeningHoursError(f"the store opens on no day within {SEARCH_DAYS} days")


def on_shift(hours: StoreHours, duty: Duty, moment: datetime) -> bool:
    """Whether `moment` falls in one of the salesperson's shifts (store-local weekly pattern)."""
    moment = _checked(moment)
    zone = hours.zone
    day = moment.astimezone(zone).date()
    for candidate in (day - DAY, day):
        for a, b in _day_intervals(duty.shifts.get(candidate.weekday(), ()), candidate, zone):
            if a <= moment < b:
                return True
    return False


def on_duty(hours: StoreHours, duty: Duty, moment: datetime) -> bool:
    """Whether a salesperson is on duty at `moment`: on shift, not on leave that local day,
    marked available, and the store open."""
    local_day = _checked(moment).astimezone(hours.zone).date()
    return (
        duty.available
        and not duty.on_leave(local_day)
        and on_shift(hours, duty, moment)
        and is_open(hours, moment)
    )


def duty_time(hours: StoreHours, duty: Duty, start: datetime, end: datetime) -> timedelta:
    """Time on duty between two instants, ignoring the self-set status (a fairness report's
    'time on duty' over a month: shifts within opening hours, less leave)."""
    start, end = _checked(start), _checked(end)
    if end <= start:
        return timedelta(0)
    zone = hours.zone
    total = timedelta(0)
    day = start.astimezone(zone).date() - DAY
    last = end.astimezone(zone).date() + DAY
    while day <= last:
        if not duty.on_leave(day):
            for c, d in _day_intervals(duty.shifts.get(day.weekday(), ()), day, zone):
                lo, hi = max(c, start), min(d, end)
                if lo < hi:
                    total += working_time(hours, lo, hi)
        day += DAY
    return total
