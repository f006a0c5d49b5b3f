"""A pay plan's components in words, in the reader's language ("¥300 per new unit ...").

Reads the normalised dicts a published version stores (domain/pay/components.py `to_dict`), so
what the page says is what the engine pays; docs/pay-plans.md explains each type.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import money

KINDS = {
    "finance": N_("finance"),
    "insurance": N_("insurance"),
    "warranty": N_("warranty"),
    "gap": N_("GAP"),
    "accessories": N_("accessories"),
}
TYPES = {
    "per_unit": N_("Per unit"),
    "percent_of_gross": N_("Percent of gross"),
    "volume_tiers": N_("Volume tiers"),
    "spiff": N_("SPIFF"),
    "fni": N_("F&I and add-ons"),
    "scorecard_bonus": N_("Scorecard bonus"),
    "csi_gate": N_("CSI gate"),
    "cap": N_("Cap"),
    "draw": N_("Recoverable draw"),
}


def rate(value: Any) -> str:
    """0.2 → 20%, 0.125 → 12.5%."""
    number = (Decimal(str(value)) * 100).normalize()
    return f"{number:f}%"


def units(value: Any) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def type_label(kind: str) -> str:
    return _(TYPES[kind]) if kind in TYPES else kind


def describe(component: dict[str, Any]) -> str:
    """One component in a sentence of the current language."""
    kind = component.get("type")
    describe_one = _DESCRIBERS.get(str(kind))
    return describe_one(component) if describe_one else str(kind)


def _per_unit(c: dict[str, Any]) -> str:
    return _(
        "%(new)s per new unit, %(used)s per used unit",
        new=money(c.get("new", 0)),
        used=money(c.get("used", 0)),
    )


def _percent(c: dict[str, Any]) -> str:
    words = _("%(rate)s of commission gross", rate=rate(c["rate"]))
    if c.get("mini") is not None:
        words += _(", at least %(mini)s per deal", mini=money(c["mini"]))
    if c.get("back_rate") is not None:
        words += _(", plus %(rate)s of back-end gross", rate=rate(c["back_rate"]))
    return words


def _tiers(c: dict[str, Any]) -> str:
    steps = []
    for tier in c.get("tiers", []):
        if tier.get("amount") is not None:
            steps.append(
                _(
                    "from %(n)s units %(amount)s per unit",
                    n=units(tier["threshold"]),
                    amount=money(tier["amount"]),
                )
            )
        else:
            steps.append(
                _(
                    "from %(n)s units %(rate)s of commission gross",
                    n=units(tier["threshold"]),
                    rate=rate(tier.get("rate", 0)),
                )
            )
    head = (
        _("retroactive volume tiers")
        if c.get("mode") == "retroactive"
        else _("marginal volume tiers")
    )
    words = head + _(": ") + _("; ").join(steps)
    if c.get("condition") == "new":
        words += _(" (new cars only)")
    elif c.get("condition") == "used":
        words += _(" (used cars only)")
    return words


def _spiff(c: dict[str, Any]) -> str:
    words = _("%(amount)s per matching unit", amount=money(c["amount"]))
    terms = []
    if c.get("models"):
        terms.append(_("models: %(names)s", names=", ".join(c["models"])))
    if c.get("trims"):
        terms.append(_("trims: %(names)s", names=", ".join(c["trims"])))
    if c.get("condition") == "new":
        terms.append(_("new cars"))
    elif c.get("condition") == "used":
        terms.append(_("used cars"))
    if c.get("min_days_in_stock"):
        terms.append(_("at least %(n)s days in stock", n=c["min_days_in_stock"]))
    if c.get("starts_on") or c.get("ends_on"):
        terms.append(
            _(
                "delivered %(start)s to %(end)s",
                start=c.get("starts_on") or "…",
                end=c.get("ends_on") or "…",
            )
        )
    if c.get("budget") is not None:
        terms.append(_("budget %(amount)s a month", amount=money(c["budget"])))
    return words + (_(" (") + _("; ").join(terms) + _(")") if terms else "")


def _fni(c: dict[str, Any]) -> str:
    parts = []
    for kind, rule in sorted(c.get("products", {}).items()):
        name = _(KINDS[kind]) if kind in KINDS else kind
        pays = []
        if Decimal(str(rule.get("flat", 0))) != 0:
            pays.append(_("%(amount)s flat", amount=money(rule["flat"])))
        if Decimal(str(rule.get("rate", 0))) != 0:
            share = rate(rule["rate"])
            pays.append(
                _("%(rate)s of margin", rate=share)
                if kind == "accessories"
                else _("%(rate)s of income", rate=share)
            )
        parts.append(_("%(kind)s %(pays)s", kind=name, pays=_(" + ").join(pays)))
    return _("; ").join(parts)


def _scorecard(c: dict[str, Any]) -> str:
    return _("%(amount)s × the month's evaluation score ÷ 100", amount=money(c["amount"]))


def _csi(c: dict[str, Any]) -> str:
    words = _(
        "CSI below %(threshold)s: %(keys)s × %(factor)s",
        threshold=units(c["threshold"]),
        keys=", ".join(c.get("components", [])),
        factor=units(c["factor"]),
    )
    too_few = _("pass") if c.get("too_few") == "pass" else _("reduce")
    return words + _(
        " (fewer than %(n)s surveys: %(choice)s)", n=c.get("min_surveys", 0), choice=too_few
    )


def _cap(c: dict[str, Any]) -> str:
    if c.get("component"):
        return _("%(key)s at most %(limit)s", key=c["component"], limit=money(c["limit"]))
    return _("the period total at most %(limit)s", limit=money(c["limit"]))


def _draw(c: dict[str, Any]) -> str:
    return _("an advance of %(amount)s a month, recovered from earnings", amount=money(c["amount"]))


_DESCRIBERS = {
    "per_unit": _per_unit,
    "percent_of_gross": _percent,
    "volume_tiers": _tiers,
    "spiff": _spiff,
    "fni": _fni,
    "scorecard_bonus": _scorecard,
    "csi_gate": _csi,
    "cap": _cap,
    "draw": _draw,
}
