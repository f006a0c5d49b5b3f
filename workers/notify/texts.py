"""Notification texts in a reader's language, from the pages' catalogs (notifications.po).

The pages translate the same message ids when they render the inbox; deliveries outside the
pages read the two catalog files here (by path: the catalogs are data, the pages' code is not
imported by the workers).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parents[2] / "api" / "pages" / "locale"
_FOLDER = {"zh-CN": "zh_CN", "en": "en"}
DEFAULT = "zh-CN"


@cache
def _translations(language: str) -> NullTranslations:
    path = LOCALE_DIR / _FOLDER.get(language, "zh_CN") / "LC_MESSAGES" / "notifications.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def translate(message: str, language: str | None, **values: object) -> str:
    text = _translations(language or DEFAULT).gettext(message)
    try:
        return text % values if values else text
    except (KeyError, ValueError, TypeError):
        return text
