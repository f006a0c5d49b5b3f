"""Volume tiers: what a tier table pays for a number of units, and where a salesperson stands."""

from __future__ import annotations

from decimal import Decimal

from domain.pay.components import VolumeTiers
from domain.pay.fields import cents
from domain.pay.statement import TierProgress

ZERO = Decimal("0.00")
ONE = Decimal(1)


def bands(component: VolumeTiers) -> list[tuple[Decimal, Decimal | None]]:
    """[threshold, next threshold) of every tier; the last is open-ended."""
    tiers = component.tiers
    return [
        (tier.threshold, tiers[i + 1].threshold if i + 1 < len(tiers) else None)
        for i, tier in enumerate(tiers)
    ]


def overlap(low: Decimal, high: Decimal, band: tuple[Decimal, Decimal | None]) -> Decimal:
    start = max(low, band[0])
    end = high if band[1] is None else min(high, band[1])
    return end - start if end > start else Decimal(0)


def tier_pay(component: VolumeTiers, units: Decimal, gross: Decimal) -> Decimal:
    """What the tier component pays for `units` whose commission gross (paid basis, shares
    applied) is `gross`, spread evenly over the units for a marginal rate tier."""
    if component.mode == "retroactive":
        index = component.tier_at(units)
        if index is None:
            return ZERO
        tier = component.tiers[index]
        return (
            cents(units * tier.amount)
            if tier.amount is not None
            else cents((tier.rate or ZERO) * gross)
        )
    per_unit = gross / units if units > 0 else ZERO
    total = ZERO
    for tier, band in zip(component.tiers, bands(component), strict=True):
        inside = overlap(Decimal(0), units, band)
        if inside > 0:
            total += cents(
                inside * tier.amount
                if tier.amount is not None
                else (tier.rate or ZERO) * inside * per_unit
            )
    return total


def what_next(component: VolumeTiers, units: Decimal, gross: Decimal) -> Decimal:
    """How much more the component pays for one more whole unit at the average gross per unit."""
    per_unit = gross / units if units > 0 else ZERO
    return tier_pay(component, units + ONE, gross + per_unit) - tier_pay(component, units, gross)


def tier_progress(
    component: VolumeTiers, units: Decimal, gross: Decimal, pays_now: Decimal
) -> TierProgress:
    index = component.tier_at(units)
    following = 0 if index is None else index + 1
    next_threshold = (
        component.tiers[following].threshold if following < len(component.tiers) else None
    )
    return TierProgress(
        component_key=component.key,
        mode=component.mode,
        units=units,
        current_threshold=None if index is None else component.tiers[index].threshold,
        next_threshold=next_threshold,
        units_to_next=None if next_threshold is None else next_threshold - units,
        pays_now=pays_now,
        next_unit_pays=what_next(component, units, gross),
    )
