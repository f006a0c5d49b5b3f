"""Business time helpers: events carry timezone-aware datetimes; reports bucket by store zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.shared.errors import InvalidValueError

DEFAULT_TIMEZONE = "Asia/Shanghai"


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime:
    """Business time as given, or now; naive datetimes are refused (they are ambiguous)."""
    if moment is None:
        return now()
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValueError("occurred_at must carry a timezone offset")
    return moment


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidValueError(f"unknown timezone {name!r}") from error


def business_day(moment: datetime, timezone: str) -> date:
    """The calendar day on the sales floor of a store in `timezone` when `moment` happened."""
    return moment.astimezone(zone(timezone)).date()
