"""Statement lines' small rules: the words of formulas, and what a line paid per deal.

A line that pays for deals (per unit, % of gross, tiers, SPIFF, F&I) has parts: its amount split
over its deals (over the products of an F&I line) to the fen. The engine writes them when it
computes the line; a chargeback takes them back, and a store period pays its deliveries' parts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any
from uuid import UUID

from domain.pay.fields import cents, plain
from domain.pay.statement import LinePart
from domain.shared.shares import allocate

ZERO = Decimal("0.00")
ONE = Decimal(1)
HUNDRED = Decimal(100)
_WEIGHT = Decimal(10) ** 8  # part weights as integers (units 4 dp × money 2 dp)
# Components whose lines pay for particular deals (their parts), and so are charged back with
# them and paid by the store of each deal; the first three pay for one deal a line.
DEAL_LINES = ("per_unit", "percent_of_gross", "spiff", "volume_tiers", "fni")
PER_DEAL = ("per_unit", "percent_of_gross", "spiff")


# --- words for formulas ---------------------------------------------------------------------------


def yuan(amount: Decimal) -> str:
    """¥1,234.50, or −¥200.00."""
    rounded = cents(amount)
    return f"−¥{-rounded:,.2f}" if rounded < 0 else f"¥{rounded:,.2f}"


@lru_cache(maxsize=4096)
def yuan_of(amount: Decimal) -> str:
    """yuan() for the few amounts a plan states (remembered: they recur on every line)."""
    return yuan(amount)


@lru_cache(maxsize=4096)
def pct(rate: Decimal) -> str:
    return f"{plain(rate * HUNDRED)}%"


@lru_cache(maxsize=4096)
def share_words(share: Decimal) -> str:
    return "" if share == ONE else f" × {plain(share)} share"


# --- what a line paid per deal --------------------------------------------------------------------

# A part's key: the deal, and on an F&I line the product (else None).
PartKey = tuple[UUID, UUID | None]


def split(amount: Decimal, keys: Sequence[PartKey], weights: Sequence[Decimal]) -> list[LinePart]:
    """`amount` over `keys` in proportion to `weights`, exactly to the fen (parts of 0 left out)."""
    if not amount or not keys:
        return []
    if len(keys) == 1:
        return [LinePart(*keys[0], amount)] if weights[0] > 0 else []
    ints = [int((w * _WEIGHT).to_integral_value()) for w in weights]
    if sum(ints) <= 0:
        return []
    fen = allocate(int(amount * 100), ints)
    return [LinePart(*k, Decimal(f) / 100) for k, f in zip(keys, fen, strict=True) if f]


def fni_weights(products: Sequence[Mapping[str, Any]], share: Decimal) -> list[Decimal]:
    """What each product of an F&I line earns (flat + rate × income, a loss as 0, × share), from
    the line's `products` inputs: the line's amount is split over its products by these."""
    return [
        (Decimal(p["flat"]) + Decimal(p["rate"]) * max(Decimal(p["income"]), ZERO)) * share
        for p in products
    ]
