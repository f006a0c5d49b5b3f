"""Credit-share arithmetic: a deal's credit split between salespeople, counted exactly.

A deal credits 1 to 4 salespeople in shares of two decimals that sum to 1 (the sales rule,
`domain.sales.model.credit_shares`). Everything that counts or pays by those shares (the KPI,
leaderboard and pay-fact views, pay itself) splits through here, so a unit and a fen split the
same way wherever they are counted: units in thousandths (`MILLI`), money to the fen by
`allocate`, whose parts always sum to the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

SHARE_STEP = Decimal("0.01")  # a credit share has two decimals
MILLI = 1000  # read models count credited units in thousandths of a unit


def milli_shares(shares: Sequence[Decimal]) -> list[int]:
    """Shares in thousandths of a unit (exact: shares have two decimals and sum to 1000)."""
    return [int(share * MILLI) for share in shares]


def credited_units(milli: int) -> Decimal:
    """Thousandths of a unit back to units, two decimals (shares have two)."""
    return (Decimal(milli) / MILLI).quantize(SHARE_STEP)


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """`total` (fen, thousandths...) split in proportion to `weights`, exactly.

    Each part is the floor of its proportional amount; what is left over goes one unit at a time
    to the parts with the largest remainders, the earlier part first on a tie. The parts always
    sum to `total`, and a negative total splits like its absolute value, negated.
    """
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("weights must be non-negative and not all zero")
    sign, amount, whole = (-1 if total < 0 else 1), abs(total), sum(weights)
    parts = [amount * w // whole for w in weights]
    remainders = [amount * w % whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[: amount - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]
