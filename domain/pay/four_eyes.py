"""Four eyes on pay (docs/payroll.md, "Four eyes"): what one person proposes another confirms.

An adjustment above the threshold, a period's approval and a pay plan version are proposed
(requested) by one person and count only once a second person confirms them; the second person
is never the proposer and never the one the pay is for. The aggregates keep the rule
(`PayPeriod`, `PayPlan`); this module holds what they share.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

# An adjustment larger than this (in absolute value, CNY) needs a second person unless the
# runtime is given another threshold (SHOWROOM_ADJUSTMENT_CONFIRM_ABOVE).
DEFAULT_CONFIRM_ABOVE = Decimal("2000.00")


class ProposalStatus(StrEnum):
    """Where a four-eyes proposal stands."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


def same_person(one: str, other: str) -> bool:
    """Whether two recorded actors are one person: logins are unique case-insensitively (a
    user's id derives from the lower-cased username)."""
    return one.strip().lower() == other.strip().lower()


def needs_confirmation(amount: Decimal, threshold: Decimal) -> bool:
    """Whether an adjustment of `amount` needs a second person under `threshold`."""
    return abs(amount) > threshold
