"""Value objects: money, VIN, phone, channels. Each parses what a user typed or refuses it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
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

# ASCII digits only (re.ASCII): `\d` alone would take Arabic-Indic, Devanagari... digits, which
# no dialler or SMS gateway reads, and which would make one number look like two.
_CN_MOBILE = re.compile(r"^1[3-9][0-9]{9}$", re.ASCII)
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$", re.ASCII)
# Full-width forms (U+FF01-FF5E) are what a Chinese IME types in full-width mode: fold them,
# and the ideographic space, to ASCII; nothing else is folded.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def phone(value: str) -> str:
    """Normalise to E.164: mainland mobiles with or without +86/0086/86, or any +E.164 number.

    Full-width digits are folded to ASCII ones; any other kind of digit is refused.
    """
    text = re.sub(r"[\s\-().]", "", value.translate(_FULL_WIDTH))
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
    raise InvalidValueError(
        "phone must be a mainland China mobile number or an E.164 number, in ASCII digits"
    )


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


# --- Text ---------------------------------------------------------------------------------------

# Never stored, in any field of any event: C0 and C1 control characters (NUL, which PostgreSQL
# refuses in text, among them) but tab and line breaks, DEL, the bidirectional embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069: they make a name read backwards on
# screen and in exports), and lone surrogates (not text: no UTF-8 encoder takes them).
_UNSTORABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# Allowed only in a multi-line note.
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]")


def _described(char: str) -> str:
    return f"U+{ord(char):04X}" + (
        f" {unicodedata.name(char)}" if unicodedata.name(char, "") else ""
    )


def storable(value: str, field: str) -> str:
    """`value` unchanged, or an InvalidValueError when it holds a character never stored."""
    bad = _UNSTORABLE.search(value)
    if bad is not None:
        raise InvalidValueError(
            f"{field} must not hold control characters or bidirectional overrides"
            f" ({_described(bad.group())} at position {bad.start()})",
            field=field,
        )
    return value


def storable_values(value: object, field: str) -> None:
    """Check every string inside `value` (lists, tuples and mappings, keys too) with `storable`."""
    if isinstance(value, str):
        storable(value, field)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                storable(key, f"{field} key")
            storable_values(item, f"{field}.{key}")
    elif isinstance(value, list | tuple | set | frozenset):
        for n, item in enumerate(value):
            storable_values(item, f"{field}[{n}]")


def scrubbed(value: str) -> str:
    """`value` with each character never stored replaced by U+FFFD (for texts the system writes
    itself from elsewhere, such as an error message, which must be recorded whatever they hold)."""
    return _UNSTORABLE.sub("\ufffd", value)


def visible(value: str) -> bool:
    """Whether `value` shows something: a letter, digit, punctuation or symbol (emoji are
    symbols); spaces, zero-width and other format characters and lone combining marks do not."""
    return any(unicodedata.category(c)[0] in "LNPS" for c in value)


def text(
    value: str,
    field: str,
    *,
    max_length: int = 200,
    required: bool = True,
    multiline: bool = False,
) -> str:
    """Trimmed free text: one line unless `multiline` (a note), no control characters or
    bidirectional overrides, at most `max_length` characters; blank (nothing visible) is
    refused when required and is "" otherwise."""
    storable(value, field)
    if not multiline:
        broken = _LINE_BREAKS.search(value)
        if broken is not None:
            raise InvalidValueError(
                f"{field} must be one line ({_described(broken.group())} at position"
                f" {broken.start()})",
                field=field,
            )
    cleaned = value.strip()
    if not visible(cleaned):
        if required:
            raise InvalidValueError(f"{field} must not be blank", field=field)
        return ""
    if len(cleaned) > max_length:
        raise InvalidValueError(f"{field} is longer than {max_length} characters", field=field)
    return cleaned


def note(value: str, field: str = "note", *, max_length: int = 2000) -> str:
    """An optional multi-line note: `text` that may hold line breaks and tabs."""
    return text(value, field, max_length=max_length, required=False, multiline=True)
