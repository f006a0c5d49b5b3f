"""Reading a pay-plan component's JSON object: its numbers, money, keys and names, each error
naming the component and the field (`PlanComponentInvalidError`); the limits every component
shares. `domain/pay/components.py` builds the components with it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from domain.pay.errors import PlanComponentInvalidError
from domain.shared.clock import plausible_day
from domain.shared.errors import InvalidValueError
from domain.shared.values import text as values_text
from domain.shared.values import visible

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_MONEY = Decimal("100000000")  # ¥100m: no pay line is larger
MAX_UNITS = Decimal("100000")
MAX_COMPONENTS = 50
MAX_TIERS = 30
MAX_NAMES = 200
KEY_SHAPE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CONDITIONS = ("new", "used")
PRODUCT_KINDS = ("finance", "insurance", "warranty", "gap", "accessories")
TIER_MODES = ("retroactive", "marginal")
TOO_FEW_CHOICES = ("pass", "gate")


def cents(amount: Decimal) -> Decimal:
    """Round to the fen, half up: every statement line is rounded this way."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def plain(number: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 12.5, 0.25, 8."""
    text = f"{number.normalize():f}"
    return "0" if text in ("-0", "") else text


class Reader:
    """Reads the fields of one JSON object, naming the place of every error."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, Mapping):
            raise PlanComponentInvalidError(f"{where} must be an object", where=where)
        self.data, self.where = data, where
        self.seen: set[str] = set()

    def fail(self, field: str, problem: str) -> PlanComponentInvalidError:
        place = f"{self.where}.{field}"
        return PlanComponentInvalidError(f"{place} {problem}", where=place)

    def raw(self, field: str) -> Any:
        self.seen.add(field)
        return self.data.get(field)

    def done(self) -> None:
        unknown = sorted(str(k) for k in self.data if k not in self.seen)
        if unknown:
            raise PlanComponentInvalidError(
                f"{self.where} has unknown field(s): {', '.join(unknown)}", where=self.where
            )

    def text(self, field: str, *, max_length: int = 100) -> str:
        value = self.raw(field)
        if not isinstance(value, str) or not visible(value):
            raise self.fail(field, "must be a non-blank string")
        if len(value.strip()) > max_length:
            raise self.fail(field, f"must be at most {max_length} characters")
        return self.line(field, value)

    def line(self, field: str, value: str) -> str:
        """`value` as one line of text (values.text), or this component's error."""
        try:
            return values_text(value, field, max_length=len(value) + 1)
        except InvalidValueError as error:
            raise self.fail(field, error.detail.removeprefix(f"{field} ")) from None

    def choice(self, field: str, options: Sequence[str], *, default: str | None = None) -> str:
        value = self.raw(field)
        if value is None and default is not None:
            return default
        if not isinstance(value, str) or value not in options:
            raise self.fail(field, f"must be one of {', '.join(options)}")
        return value

    def optional_choice(self, field: str, options: Sequence[str]) -> str | None:
        if self.raw(field) is None:
            return None
        return self.choice(field, options)

    def optional_decimal(
        self, field: str, *, places: int, maximum: Decimal, minimum: Decimal = Decimal(0)
    ) -> Decimal | None:
        value = self.raw(field)
        if value is None:
            return None
        number = decimal_of(value)
        if number is None:
            raise self.fail(field, f"must be a number, not {value!r:.40}")
        if number < minimum or number > maximum:
            raise self.fail(field, f"must be between {plain(minimum)} and {plain(maximum)}")
        if number != number.quantize(Decimal(1).scaleb(-places)):
            raise self.fail(field, f"has more than {places} decimal places")
        return number

    def decimal(self, field: str, *, places: int, maximum: Decimal) -> Decimal:
        number = self.optional_decimal(field, places=places, maximum=maximum)
        if number is None:
            raise self.fail(field, "is required")
        return number

    def optional_money(self, field: str) -> Decimal | None:
        number = self.optional_decimal(field, places=2, maximum=MAX_MONEY)
        return None if number is None else cents(number)

    def money(
        self, field: str, *, default: Decimal | None = None, positive: bool = False
    ) -> Decimal:
        number = self.optional_money(field)
        if number is None:
            if default is None:
                raise self.fail(field, "is required")
            number = default
        if positive and number <= 0:
            raise self.fail(field, "must be more than 0")
        return number

    def optional_rate(self, field: str) -> Decimal | None:
        return self.optional_decimal(field, places=6, maximum=Decimal(1))

    def rate(self, field: str) -> Decimal:
        return self.decimal(field, places=6, maximum=Decimal(1))

    def integer(self, field: str, *, minimum: int, maximum: int, default: int) -> int:
        value = self.raw(field)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(field, "must be a whole number")
        if not minimum <= value <= maximum:
            raise self.fail(field, f"must be between {minimum} and {maximum}")
        return value

    def names(self, field: str) -> tuple[str, ...]:
        value = self.raw(field)
        if value is None:
            return ()
        if not isinstance(value, list) or len(value) > MAX_NAMES:
            raise self.fail(field, f"must be a list of at most {MAX_NAMES} strings")
        cleaned = []
        for item in value:
            if not isinstance(item, str) or not visible(item) or len(item) > 100:
                raise self.fail(field, "must hold non-blank strings of at most 100 characters")
            cleaned.append(self.line(field, item))
        if len({n.casefold() for n in cleaned}) != len(cleaned):
            raise self.fail(field, "must not repeat a name")
        return tuple(cleaned)

    def day(self, field: str) -> date | None:
        value = self.raw(field)
        if value is None:
            return None
        day: date | None = value if isinstance(value, date) else None
        if isinstance(value, str):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                day = None
        if day is None:
            raise self.fail(field, "must be a date like 2026-03-01")
        try:
            return plausible_day(day, field)
        except InvalidValueError as error:
            raise self.fail(field, error.detail.removeprefix(f"{field} ")) from None


def decimal_of(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)  # the shortest literal that reads back as this float: what was typed
    if not isinstance(value, int | str | Decimal):
        return None
    if isinstance(value, str) and len(value) > 40:
        return None
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def component_key(reader: Reader) -> str:
    key = reader.raw("key")
    if not isinstance(key, str) or not KEY_SHAPE.match(key):
        raise reader.fail(
            "key", "must be lower-case letters, digits and '_', starting with a letter (≤ 40)"
        )
    return key


def money_text(amount: Decimal) -> str:
    return f"{cents(amount):f}"
