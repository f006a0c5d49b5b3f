"""Every page worth a screenshot and an accessibility check, one module per area.

A module here holds `SCREENS`: the pages of its area as a user reaches them. A page with an id
in its address is reached by opening `path` and following the first link that matches `follow`
(so the lists keep working whatever ids the demo group has).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass


@dataclass(frozen=True)
class Screen:
    name: str  # the file name of its screenshot: <name>-<size>.png
    user: str | None  # a demo login, or None for a page before login
    path: str
    follow: str | None = None  # a CSS selector of a link to follow from `path`


def all_screens() -> list[Screen]:
    screens: list[Screen] = []
    for module in pkgutil.iter_modules(__path__):
        screens += importlib.import_module(f"{__name__}.{module.name}").SCREENS
    names = [screen.name for screen in screens]
    assert len(names) == len(set(names)), "two screens share a name"
    return screens
