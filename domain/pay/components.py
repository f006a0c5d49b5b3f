"""Pay-plan components: the building blocks of a plan version, parsed from plain JSON-able dicts.

A plan version is stored in its event as a list of dicts (`{"type": "per_unit", "key": ...}`);
`parse_components` turns that list into frozen dataclasses, refusing anything malformed with a
`PlanComponentInvalidError` that names the component and the field. `to_dict` gives back the
normalised dict (decimals as strings), and parsing a normalised dict gives the same component,
so what is stored is exactly what is paid. docs/pay-plans.md states every component's semantics.

Numbers may be given as JSON integers, decimal strings ("0.25") or JSON decimals (0.25, read as
the literal that was typed); booleans, NaN and infinities are refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, TypeAlias

from domain.pay.errors import PlanComponentInvalidError
from domain.pay.fields import (
    CONDITIONS,
    MAX_COMPONENTS,
    MAX_TIERS,
    MAX_UNITS,
    PRODUCT_KINDS,
    TIER_MODES,
    TOO_FEW_CHOICES,
    ZERO,
    Reader,
    component_key,
    money_text,
    plain,
)

# --- the components -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PerUnit:
    """A flat amount per credited unit, by new/used, times the credit share."""

    type: ClassVar[str] = "per_unit"
    key: str
    new: Decimal = ZERO
    used: Decimal = ZERO

    def amount_for(self, condition: str) -> Decimal:
        return self.new if condition == "new" else self.used if condition == "used" else ZERO

    @classmethod
    def parse(cls, r: Reader) -> PerUnit:
        return cls(
            key=component_key(r),
            new=r.money("new", default=ZERO),
            used=r.money("used", default=ZERO),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "key": self.key,
            "new": money_text(self.new),
            "used": money_text(self.used),
        }


@dataclass(frozen=True)
class PercentOfGross:
    """`rate` on commission gross (front − pack, floored at 0) per deal, with an optional mini
    (the larger of the percentage and the mini) and an optional `back_rate` on back-end gross;
    the deal's amount times the credit share."""

    type: ClassVar[str] = "percent_of_gross"
    key: str
    rate: Decimal
    back_rate: Decimal | None = None
    mini: Decimal | None = None

    @classmethod
    def parse(cls, r: Reader) -> PercentOfGross:
        return cls(
            key=component_key(r),
            rate=r.rate("rate"),
            back_rate=r.optional_rate("back_rate"),
            mini=r.optional_money("mini"),
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "key": self.key, "rate": plain(self.rate)}
        if self.back_rate is not None:
            data["back_rate"] = plain(self.back_rate)
        if self.mini is not None:
            data["mini"] = money_text(self.mini)
        return data


@dataclass(frozen=True)
class Tier:
    """From `threshold` credited units on: `amount` per unit, or `rate` on commission gross."""

    threshold: Decimal
    amount: Decimal | None = None
    rate: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"threshold": plain(self.threshold)}
        if self.amount is not None:
            data["amount"] = money_text(self.amount)
        if self.rate is not None:
            data["rate"] = plain(self.rate)
        return data


@dataclass(frozen=True)
class VolumeTiers:
    """Tiers on the period's credited units (the sum of shares), retroactive or marginal.

    `condition` limits the units counted and paid to new or used cars (None: all).
    """

    type: ClassVar[str] = "volume_tiers"
    key: str
    mode: str
    tiers: tuple[Tier, ...]
    condition: str | None = None

    def tier_at(self, units: Decimal) -> int | None:
        """Index of the tier reached with `units` (the highest threshold ≤ units)."""
        reached = None
        for index, tier in enumerate(self.tiers):
            if tier.threshold <= units:
                reached = index
        return reached

    @classmethod
    def parse(cls, r: Reader) -> VolumeTiers:
        key = component_key(r)
        mode = r.choice("mode", TIER_MODES)
        condition = r.optional_choice("condition", CONDITIONS)
        raw = r.raw("tiers")
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_TIERS:
            raise r.fail("tiers", f"must be a list of 1 to {MAX_TIERS} tiers")
        tiers: list[Tier] = []
        for index, item in enumerate(raw):
            t = Reader(item, f"{r.where}.tiers[{index}]")
            threshold = t.decimal("threshold", places=4, maximum=MAX_UNITS)
            amount = t.optional_money("amount")
            rate = t.optional_rate("rate")
            t.done()
            if (amount is None) == (rate is None):
                raise t.fail("amount", "or rate: give exactly one of them")
            if tiers and threshold <= tiers[-1].threshold:
                raise t.fail("threshold", "must be larger than the previous tier's")
            tiers.append(Tier(threshold=threshold, amount=amount, rate=rate))
        return cls(key=key, mode=mode, tiers=tuple(tiers), condition=condition)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.type,
            "key": self.key,
            "mode": self.mode,
            "tiers": [t.to_dict() for t in self.tiers],
        }
        if self.condition is not None:
            data["condition"] = self.condition
        return data


@dataclass(frozen=True)
class Spiff:
    """`amount` per delivered unit matching the filter and window, times the share; an optional
    `budget` per period is consumed in delivery order across everyone on the plan."""

    type: ClassVar[str] = "spiff"
    key: str
    amount: Decimal
    models: tuple[str, ...] = ()
    trims: tuple[str, ...] = ()
    condition: str | None = None
    min_days_in_stock: int = 0
    starts_on: date | None = None
    ends_on: date | None = None
    budget: Decimal | None = None

    def matches(
        self, model: str, trim: str, condition: str, days_in_stock: int, delivered_on: date
    ) -> bool:
        if self.condition is not None and condition != self.condition:
            return False
        if days_in_stock < self.min_days_in_stock:
            return False
        if self.starts_on is not None and delivered_on < self.starts_on:
            return False
        if self.ends_on is not None and delivered_on > self.ends_on:
            return False
        if self.models and model.strip().casefold() not in {m.casefold() for m in self.models}:
            return False
        return not self.trims or trim.strip().casefold() in {t.casefold() for t in self.trims}

    @classmethod
    def parse(cls, r: Reader) -> Spiff:
        spiff = cls(
            key=component_key(r),
            amount=r.money("amount", positive=True),
            models=r.names("models"),
            trims=r.names("trims"),
            condition=r.optional_choice("condition", CONDITIONS),
            min_days_in_stock=r.integer("min_days_in_stock", minimum=0, maximum=3650, default=0),
            starts_on=r.day("starts_on"),
            ends_on=r.day("ends_on"),
            budget=r.optional_money("budget"),
        )
        if spiff.starts_on and spiff.ends_on and spiff.ends_on < spiff.starts_on:
            raise r.fail("ends_on", "must not be before starts_on")
        return spiff

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.type,
            "key": self.key,
            "amount": money_text(self.amount),
        }
        if self.models:
            data["models"] = list(self.models)
        if self.trims:
            data["trims"] = list(self.trims)
        if self.condition is not None:
            data["condition"] = self.condition
        if self.min_days_in_stock:
            data["min_days_in_stock"] = self.min_days_in_stock
        if self.starts_on is not None:
            data["starts_on"] = self.starts_on.isoformat()
        if self.ends_on is not None:
            data["ends_on"] = self.ends_on.isoformat()
        if self.budget is not None:
            data["budget"] = money_text(self.budget)
        return data


@dataclass(frozen=True)
class ProductRule:
    """What one kind of F&I product or add-on pays: a flat amount and/or a rate on its income
    (for accessories the income is the margin, revenue − cost)."""

    flat: Decimal = ZERO
    rate: Decimal = Decimal(0)

    def to_dict(self) -> dict[str, Any]:
        return {"flat": money_text(self.flat), "rate": plain(self.rate)}


@dataclass(frozen=True)
class Fni:
    """Per F&I product or add-on sold on a deal (and not cancelled): the rule of its kind,
    summed over the deal's products, times the credit share."""

    type: ClassVar[str] = "fni"
    key: str
    products: tuple[tuple[str, ProductRule], ...]  # sorted by kind

    def rule_for(self, kind: str) -> ProductRule | None:
        for name, rule in self.products:
            if name == kind:
                return rule
        return None

    @classmethod
    def parse(cls, r: Reader) -> Fni:
        key = component_key(r)
        raw = r.raw("products")
        if not isinstance(raw, Mapping) or not raw:
            raise r.fail(
                "products", f"must map product kinds ({', '.join(PRODUCT_KINDS)}) to rules"
            )
        rules = []
        for kind in sorted(str(k) for k in raw):
            if kind not in PRODUCT_KINDS:
                raise r.fail("products", f"has unknown kind {kind!r:.40}")
            p = Reader(raw[kind], f"{r.where}.products.{kind}")
            rule = ProductRule(
                flat=p.money("flat", default=ZERO), rate=p.optional_rate("rate") or Decimal(0)
            )
            p.done()
            if rule.flat == 0 and rule.rate == 0:
                raise p.fail("flat", "or rate: give at least one that is not 0")
            rules.append((kind, rule))
        return cls(key=key, products=tuple(rules))

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "key": self.key,
            "products": {kind: rule.to_dict() for kind, rule in self.products},
        }


@dataclass(frozen=True)
class ScorecardBonus:
    """`amount` × the month's approved evaluation score ÷ 100."""

    type: ClassVar[str] = "scorecard_bonus"
    key: str
    amount: Decimal

    @classmethod
    def parse(cls, r: Reader) -> ScorecardBonus:
        return cls(key=component_key(r), amount=r.money("amount", positive=True))

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "key": self.key, "amount": money_text(self.amount)}


@dataclass(frozen=True)
class CsiGate:
    """Below `threshold` (mean of the non-excluded surveys), or with fewer than `min_surveys`
    when `too_few` is "gate", the named components are multiplied by `factor`."""

    type: ClassVar[str] = "csi_gate"
    key: str
    threshold: Decimal
    min_surveys: int
    too_few: str
    factor: Decimal
    components: tuple[str, ...]

    @classmethod
    def parse(cls, r: Reader) -> CsiGate:
        key = component_key(r)
        threshold = r.decimal("threshold", places=2, maximum=Decimal(100))
        min_surveys = r.integer("min_surveys", minimum=0, maximum=1000, default=1)
        too_few = r.choice("too_few", TOO_FEW_CHOICES)
        factor = r.rate("factor")
        targets = r.raw("components")
        if (
            not isinstance(targets, list)
            or not targets
            or not all(isinstance(t, str) for t in targets)
        ):
            raise r.fail("components", "must be a non-empty list of component keys")
        if len(set(targets)) != len(targets):
            raise r.fail("components", "must not repeat a key")
        return cls(
            key=key,
            threshold=threshold,
            min_surveys=min_surveys,
            too_few=too_few,
            factor=factor,
            components=tuple(targets),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "key": self.key,
            "threshold": plain(self.threshold),
            "min_surveys": self.min_surveys,
            "too_few": self.too_few,
            "factor": plain(self.factor),
            "components": list(self.components),
        }


@dataclass(frozen=True)
class Cap:
    """At most `limit` for one component (`component`), or for the period's total (None)."""

    type: ClassVar[str] = "cap"
    key: str
    limit: Decimal
    component: str | None = None

    @classmethod
    def parse(cls, r: Reader) -> Cap:
        key = component_key(r)
        limit = r.money("limit")
        target = r.raw("component")
        if target is not None and not isinstance(target, str):
            raise r.fail("component", "must be a component key (or absent for the period total)")
        return cls(key=key, limit=limit, component=target)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.type,
            "key": self.key,
            "limit": money_text(self.limit),
        }
        if self.component is not None:
            data["component"] = self.component
        return data


@dataclass(frozen=True)
class Draw:
    """A recoverable advance of `amount` per period, recovered from the period's earnings; what
    is not recovered is carried forward as a deficit."""

    type: ClassVar[str] = "draw"
    key: str
    amount: Decimal

    @classmethod
    def parse(cls, r: Reader) -> Draw:
        return cls(key=component_key(r), amount=r.money("amount", positive=True))

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "key": self.key, "amount": money_text(self.amount)}


Component: TypeAlias = (
    PerUnit | PercentOfGross | VolumeTiers | Spiff | Fni | ScorecardBonus | CsiGate | Cap | Draw
)
Earning: TypeAlias = PerUnit | PercentOfGross | VolumeTiers | Spiff | Fni | ScorecardBonus
EARNING_TYPES: tuple[Any, ...] = (
    PerUnit,
    PercentOfGross,
    VolumeTiers,
    Spiff,
    Fni,
    ScorecardBonus,
)
COMPONENT_TYPES: dict[str, Any] = {c.type: c for c in (*EARNING_TYPES, CsiGate, Cap, Draw)}


def parse_component(data: Any, where: str = "component") -> Component:
    """One component from its dict; unknown types and fields are refused."""
    reader = Reader(data, where)
    kind = reader.raw("type")
    if not isinstance(kind, str) or kind not in COMPONENT_TYPES:
        raise reader.fail("type", f"must be one of {', '.join(COMPONENT_TYPES)}")
    component: Component = COMPONENT_TYPES[kind].parse(reader)
    reader.done()
    return component


def parse_components(items: Any) -> tuple[Component, ...]:
    """A plan version's components, each valid and all consistent with one another."""
    if not isinstance(items, list | tuple) or not 1 <= len(items) <= MAX_COMPONENTS:
        raise PlanComponentInvalidError(
            f"components must be a list of 1 to {MAX_COMPONENTS} components", where="components"
        )
    components = tuple(parse_component(item, f"components[{i}]") for i, item in enumerate(items))
    _check_together(components)
    return components


def _check_together(components: tuple[Component, ...]) -> None:
    by_key: dict[str, Component] = {}
    for index, component in enumerate(components):
        if component.key in by_key:
            raise PlanComponentInvalidError(
                f"components[{index}].key {component.key!r} is used twice",
                where=f"components[{index}].key",
            )
        by_key[component.key] = component

    def earning(index: int, field: str, key: str) -> None:
        target = by_key.get(key)
        if target is None or not isinstance(target, EARNING_TYPES):
            raise PlanComponentInvalidError(
                f"components[{index}].{field} names {key!r:.40}, which is not a paying component"
                " of this plan (per_unit, percent_of_gross, volume_tiers, spiff, fni,"
                " scorecard_bonus)",
                where=f"components[{index}].{field}",
            )

    gated: set[str] = set()
    capped: set[str | None] = set()
    draws = 0
    for index, component in enumerate(components):
        if isinstance(component, CsiGate):
            for key in component.components:
                earning(index, "components", key)
                if key in gated:
                    raise PlanComponentInvalidError(
                        f"components[{index}].components: {key!r} is already gated",
                        where=f"components[{index}].components",
                    )
                gated.add(key)
        elif isinstance(component, Cap):
            if component.component is not None:
                earning(index, "component", component.component)
            if component.component in capped:
                what = component.component or "the period total"
                raise PlanComponentInvalidError(
                    f"components[{index}]: {what} already has a cap",
                    where=f"components[{index}].component",
                )
            capped.add(component.component)
        elif isinstance(component, Draw):
            draws += 1
            if draws > 1:
                raise PlanComponentInvalidError(
                    f"components[{index}]: a plan has at most one draw",
                    where=f"components[{index}]",
                )


def components_to_dicts(components: Sequence[Component]) -> list[dict[str, Any]]:
    """The normalised, JSON-able form stored in a plan version's event."""
    return [c.to_dict() for c in components]
