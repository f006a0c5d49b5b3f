"""Calendar months, 'YYYY-MM': the one rule that reads them and the arithmetic on them.

Every layer takes a month through here: an event's field (`aggregate.checked`), a service's
argument, a query's parameter (`PATTERN` for the schemas, `parse` after it), a view's buckets.
One rule, one message: exactly four ASCII digits, a dash and 01-12, nothing around them (a
month with spaces is refused, never trimmed: it would be stored as written), and, for a month
someone asks for, between the floor's (2000-01) and the horizon's (two years ahead).
A view reads months back from its own rows with `bounds` and `first_day`, which check the shape
only: what the log holds is not refused because the calendar moved on.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time

from domain.shared import clock
from domain.shared.errors import InvalidValueError

# ASCII digits only: \d would take any script's (a month of Arabic-Indic digits is refused).
PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_SHAPE = re.compile(PATTERN)


def shaped(value: object, field: str = "month") -> str:
    """`value` if it looks like YYYY-MM, or an InvalidValueError; any year."""
    if not isinstance(value, str) or not _SHAPE.fullmatch(value):
        raise InvalidValueError(f"{field} must look like YYYY-MM, not {value!r:.40}", field=field)
    return value


def parse(value: object, field: str = "month") -> str:
    """A month someone asks for: YYYY-MM between the floor's and the horizon's."""
    text = shaped(value, field)
    low, high = of_day(clock.FLOOR_DAY), of_day(clock.horizon_day())
    if not low <= text <= high:
        raise InvalidValueError(
            f"{field} must lie between {low} and {high}, not {text}",
            field=field,
            minimum=low,
            maximum=high,
        )
    return text


def of_day(day: date) -> str:
    """The month a calendar day lies in."""
    return f"{day.year:04d}-{day.month:02d}"


def of_moment(moment: datetime, timezone: str) -> str:
    """The month on the floor of a store in `timezone` when `moment` happened."""
    return of_day(clock.business_day(moment, timezone))


def _numbers(month: str) -> tuple[int, int]:
    year, number = int(shaped(month)[:4]), int(month[5:])
    if year < 1:  # no calendar day lies in year 0
        raise InvalidValueError(f"month must look like YYYY-MM, not {month!r}", field="month")
    return year, number


def next_month(month: str) -> str:
    year, number = _numbers(month)
    return f"{year + 1:04d}-01" if number == 12 else f"{year:04d}-{number + 1:02d}"


def previous_month(month: str) -> str:
    year, number = _numbers(month)
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def first_day(month: str) -> date:
    year, number = _numbers(month)
    return date(year, number, 1)


def last_day(month: str) -> date:
    year, number = _numbers(month)
    return date(year, number, calendar.monthrange(year, number)[1])


def bounds(month: str) -> tuple[str, str]:
    """First and last ISO day of a month (both inclusive), as views store days."""
    return first_day(month).isoformat(), last_day(month).isoformat()


def start(month: str, timezone: str) -> datetime:
    """The first moment of `month` on the floor of a store in `timezone`."""
    return datetime.combine(first_day(month), time(), tzinfo=clock.zone(timezone))
