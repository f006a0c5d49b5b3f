"""The pages' message ids, as Babel extracts them, and which lack a Chinese translation.

`python -m tests.pages.catalog` prints .po entries for every message without a zh-CN
translation yet: paste them into the area's catalog under api/pages/locale/zh_CN/LC_MESSAGES/
and translate.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "api" / "pages"
LOCALE = PAGES / "locale"
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def extracted() -> dict[str, str]:
    """Every message id in the pages' code and templates, with where it first appears."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        PAGES, METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def translated(folder: str) -> dict[str, str]:
    """Every translated message of one language's catalogs (all areas merged)."""
    out: dict[str, str] = {}
    for path in sorted((LOCALE / folder / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for msgid, string in zip(ids, strings, strict=False):
                if string:
                    out[msgid] = string
    return out


def conflicts(folder: str = "zh_CN") -> dict[str, dict[str, str]]:
    """Message ids translated differently by two areas' catalogs: {msgid: {file: msgstr}}.

    The catalogs are merged, so one of the two would silently win on every page."""
    seen: dict[str, dict[str, str]] = {}
    for path in sorted((LOCALE / folder / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            text = message.string
            if message.id and isinstance(message.id, str) and isinstance(text, str) and text:
                seen.setdefault(message.id, {})[path.name] = text
    return {k: v for k, v in seen.items() if len(set(v.values())) > 1}


def missing(folder: str = "zh_CN") -> dict[str, str]:
    have = translated(folder)
    return {msgid: where for msgid, where in extracted().items() if msgid not in have}


def _po_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


if __name__ == "__main__":
    for msgid, where in sorted(missing().items(), key=lambda item: item[1]):
        sys.stdout.write(f'#: {where}\nmsgid {_po_string(msgid)}\nmsgstr ""\n\n')
