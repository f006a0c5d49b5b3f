"""Value objects: money, VIN, phone, channels. Each parses what a user typed or refuses it."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from domain.shared.errors import InvalidValueError

CURRENCY = "CNY"
_CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("100000000")  # ¥100m: no single vehicle or deal line is larger


def money(
    value: Decimal | int | str, *, field: str = "amount", allow_negative: bool = False
) -> Decimal:
    """A CNY amount rounded to the fen; floats are refused because they cannot hold one."""
    if isinstance(value, float):
        raise InvalidValueError(f"{field} must be a decimal string or integer, not a float")
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError, TypeError) as error:
        raise InvalidValueError(f"{field} is not a number: {value!r}") from error
    if not amount.is_finite():
        raise InvalidValueError(f"{field} must be finite")
    if amount < 0 and not allow_negative:
        raise InvalidValueError(f"{field} must not be negative")
    if abs(amount) >= MAX_AMOUNT:
        raise InvalidValueError(f"{field} is implausibly large")
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


# --- VIN (ISO 3779 / North American check digit, also used by Chinese VINs) -------------------

_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_SHAPE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin(value: str) -> str:
    """A 17-character VIN (no I, O or Q) whose ninth character is its check digit."""
    text = value.strip().upper()
    if not _VIN_SHAPE.match(text):
        raise InvalidValueError("VIN must be 17 characters of 0-9 and A-Z without I, O, Q")
    if text[8] != vin_check_digit(text):
        raise InvalidValueError(f"VIN check digit is {text[8]}, expected {vin_check_digit(text)}")
    return text


def with_check_digit(stem: str) -> str:
    """Put the right check digit into position 9 of a 17-character VIN stem (demo data, tests)."""
    candidate = stem.strip().upper()[:8] + "0" + stem.strip().upper()[9:17]
    if not _VIN_SHAPE.match(candidate):
        raise InvalidValueError("VIN must be 17 characters of 0-9 and A-Z without I, O, Q")
    return candidate[:8] + vin_check_digit(candidate) + candidate[9:]


# --- Phone ------------------------------------------------------------------------------------

_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def phone(value: str) -> str:
    """Normalise to E.164: mainland mobiles with or without +86/0086/86, or any +E.164 number."""
    text = re.sub(r"[\s\-().]", "", value)
    if text.startswith("00"):
        text = "+" + text[2:]
    if _CN_MOBILE.match(text):
        return "+86" + text
    if text.startswith("86") and _CN_MOBILE.match(text[2:]):
        return "+" + text
    if text.startswith("+86"):
        if _CN_MOBILE.match(text[3:]):
            return text
        raise InvalidValueError(
            "a +86 number must be a mainland mobile number (1[3-9] and 9 digits)"
        )
    if _E164.match(text):
        return text
    raise InvalidValueError("phone must be a mainland China mobile number or an E.164 number")


def masked_phone(normalised: str) -> str:
    """What a list shows of a phone number: enough to recognise it, not to dial it."""
    return normalised[:-8] + "****" + normalised[-4:] if len(normalised) > 8 else "****"


# --- Enumerations -------------------------------------------------------------------------------


class Channel(StrEnum):
    WALK_IN = "walk_in"
    PHONE = "phone"
    WEBSITE = "website"
    MARKETPLACE = "marketplace"
    REFERRAL = "referral"
    CAMPAIGN = "campaign"


class Condition(StrEnum):
    NEW = "new"
    USED = "used"


def text(value: str, field: str, *, max_length: int = 200, required: bool = True) -> str:
    """Trimmed free text, refused when required and blank or when too long."""
    cleaned = value.strip()
    if required and not cleaned:
        raise InvalidValueError(f"{field} must not be blank")
    if len(cleaned) > max_length:
        raise InvalidValueError(f"{field} is longer than {max_length} characters")
    return cleaned
