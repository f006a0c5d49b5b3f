"""Rendering a page: the Jinja2 environment, its filters, and the context every page gets."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.pages import i18n
from api.pages.assets import Assets
from api.pages.menu import grouped
from domain.shared import access
from domain.shared.actor import Principal, Role
from domain.shared.clock import DEFAULT_TIMEZONE

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class NavItem:
    """A link in the menu: shown to these roles, in this order."""

    path: str
    label: str  # a message id, translated when shown
    roles: tuple[Role, ...]
    order: int = 50
    # The menu group (api/pages/menu.py GROUPS); empty: the group its path has there, else "more".
    group: str = ""

    def shown_to(self, actor: Principal) -> bool:
        return actor.role in self.roles  # the menu, not what a page shows


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: i18n.N_("Administrator"),
    Role.GROUP_EXEC: i18n.N_("Group executive"),
    Role.STORE_MANAGER: i18n.N_("Store manager"),
    Role.SALESPERSON: i18n.N_("Salesperson"),
    Role.FINANCE: i18n.N_("Finance"),
    Role.AUDITOR: i18n.N_("Auditor"),
    Role.TEAM_LEADER: i18n.N_("Team leader"),
}


def _may(actor: Principal | None) -> Callable[[str], bool]:
    """`may("APPROVERS")` in a template: whether the actor's role is in that role set of
    domain/shared/access.py, so a page offers only the buttons the services would accept (the
    services still decide; this only spares a user a refusal)."""

    def may(role_set: str) -> bool:
        roles = getattr(access, role_set)
        return actor is not None and access.allows(actor, roles)

    return may


def money(value: Decimal | int | float | str | None) -> str:
    """¥1,234.00 in both languages (the trade writes the yuan sign; no "CN¥")."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def count(value: Decimal | int | float | str | None) -> str:
    """A number of units without trailing zeros: 6, 0.5 (a split deal credits a share)."""
    if value is None or value == "":
        return "—"
    shown = Decimal(str(value)).normalize()
    return f"{shown:f}" if shown != shown.to_integral() else f"{shown.to_integral():f}"


def percent(value: Decimal | float | str | None, places: int = 1) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(str(value)) * 100:.{places}f}%"


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def when(value: datetime | str | None, zone: str | None = None) -> str:
    """A time in the store's zone, 2026-12-07 14:05."""
    if value is None or value == "":
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is not None:
        moment = moment.astimezone(_zone(zone))
    return moment.strftime("%Y-%m-%d %H:%M")


def day(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value[:10]
    return value.strftime("%Y-%m-%d")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.filters.update(money=money, count=count, percent=percent, when=when, day=day)
    return env


ENV = _environment()


class Pages:
    """What rendering needs from the process: the assets and the menu (set up by install)."""

    def __init__(self, assets: Assets, nav: list[NavItem]) -> None:
        self.assets = assets
        self.nav = sorted(nav, key=lambda item: item.order)

    def menu(self, actor: Principal | None) -> list[NavItem]:
        if actor is None:
            return []
        return [item for item in self.nav if item.shown_to(actor)]


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    actor: Principal | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The page `template` for this request, in the request's language."""
    pages: Pages = request.app.state.pages
    language = getattr(request.state, "language", None) or i18n.DEFAULT
    i18n.current.set(language)
    values: dict[str, Any] = {
        "request": request,
        "actor": actor,
        "lang": language,
        "languages": i18n.LANGUAGES,
        "csrf": getattr(request.state, "csrf", ""),
        "asset": pages.assets.url,
        "menu": pages.menu(actor),
        "menu_groups": grouped(pages.menu(actor)),
        "path": request.url.path,
        "zone": getattr(request.state, "zone", None) or DEFAULT_TIMEZONE,
        # A fresh key per rendered form: a double tap sends the same key twice, and writes once.
        "form_key": uuid.uuid4().hex,
        "errors": {},
        "values": {},
        "form_error": None,
        "charts": False,
        "may": _may(actor),
        "role_label": lambda role: i18n.gettext(ROLE_LABELS[Role(role)]),
    }
    values.update(context or {})
    html = ENV.get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers=headers)
