"""The pages' languages: zh-CN (the default) and English, from gettext catalogs kept as .po.

Message ids are the English text. Each language folder under api/pages/locale/ holds one .po
file per area of the pages (so that work on two areas never edits the same catalog); they are
read with Babel at start-up and merged. English needs no translation of an id, but its
catalogs exist so that a message can be worded for English readers apart from its id.

The language of the request being rendered is held in a context variable, set by the pages'
dependency before the route runs and again by `render`; the templates' `_()` and the routes'
`gettext()` read it.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "zh-CN"
LANGUAGES: dict[str, str] = {"zh-CN": "中文", "en": "English"}
_FOLDER = {"zh-CN": "zh_CN", "en": "en"}

current: ContextVar[str] = ContextVar("showroom_page_language", default=DEFAULT)


def supported(code: str | None) -> str | None:
    """The supported language a code names ("zh", "zh-cn", "en-GB" ...), or None."""
    if not code:
        return None
    code = code.strip().replace("_", "-").lower()
    if code.startswith("zh"):
        return "zh-CN"
    if code.startswith("en"):
        return "en"
    return None


def from_accept_language(header: str | None) -> str:
    """The best supported language of an Accept-Language header (by its q-values)."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = supported(tag)
        if language and quality > 0:
            choices.append((-quality, index, language))
    return min(choices)[2] if choices else DEFAULT


@cache
def translations(language: str) -> NullTranslations:
    """Every catalog of the language, merged."""
    merged: NullTranslations = NullTranslations()
    folder = LOCALE_DIR / _FOLDER[language] / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=_FOLDER[language])
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(fp=buffer)
        if isinstance(merged, Translations):
            merged.merge(part)
        else:
            merged = part
    return merged


def gettext(message: str, **values: object) -> str:
    """The message in the current language, with %(name)s placeholders filled."""
    text = translations(current.get()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    text = translations(current.get()).ngettext(singular, plural, n)
    return text % {"num": n, **values}


_ = gettext


def N_(message: str) -> str:
    """Marks a message for the catalogs where it is translated later (a label in a table)."""
    return message
