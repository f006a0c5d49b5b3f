"""Desking rules: which quotes need whose approval, and the deal's money structure.

Pure functions over values (no aggregate, no store): the Deal enforces their answer, the
ApprovalPolicy aggregate keeps a store's settings, the pages and reports show them. The worked
examples of docs/desking.md are the unit tests of this module.

Three rules, each naming the level that must approve (the store's settings):
- discount: the reduction from list price (list price − selling price, whatever the quote calls
  a "discount": a lower price with no discount is the same reduction) above a share of the list
  price; up to three steps, one per level;
- floor: a selling price below the store's floor price (底价) for the vehicle's model;
- loss: a negative front gross (selling price − vehicle cost − trade over-allowance).
The quote needs the highest level any rule names; nothing, when no rule is broken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from itertools import pairwise

from domain.shared import values
from domain.shared.actor import Principal, Role
from domain.shared.errors import InvalidValueError


class ApprovalLevel(StrEnum):
    """Who approves, lowest first. "General manager" is the group's executive (`group_exec`):
    the role above the store manager that reaches every store (docs/desking.md)."""

    TEAM_LEADER = "team_leader"
    MANAGER = "manager"
    GENERAL_MANAGER = "general_manager"


RANK: dict[ApprovalLevel, int] = {
    ApprovalLevel.TEAM_LEADER: 1,
    ApprovalLevel.MANAGER: 2,
    ApprovalLevel.GENERAL_MANAGER: 3,
}

# The level each role approves at; other roles never approve. An admin stands in for the
# general manager (as it stands in for managers everywhere else).
ROLE_LEVEL: dict[Role, ApprovalLevel] = {
    Role.TEAM_LEADER: ApprovalLevel.TEAM_LEADER,
    Role.STORE_MANAGER: ApprovalLevel.MANAGER,
    Role.GROUP_EXEC: ApprovalLevel.GENERAL_MANAGER,
    Role.ADMIN: ApprovalLevel.GENERAL_MANAGER,
}


def level_of(principal: Principal) -> ApprovalLevel | None:
    """The level at which the principal approves, or None."""
    return ROLE_LEVEL.get(principal.role)


def covers(approver: ApprovalLevel | None, needed: ApprovalLevel | None) -> bool:
    """Whether an approval at `approver` is enough for a quote that needs `needed`."""
    if needed is None:
        return True
    return approver is not None and RANK[approver] >= RANK[needed]


def highest(levels: list[ApprovalLevel]) -> ApprovalLevel | None:
    return max(levels, key=RANK.__getitem__) if levels else None


class Rule(StrEnum):
    DISCOUNT = "discount"
    FLOOR = "floor"
    LOSS = "loss"


MAX_FLOOR_MODELS = 200
SHARE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class ApprovalRules:
    """A store's approval settings. A share is a fraction of list price (0.05 = 5 %); None
    switches that step off. Floor prices are per model name (compared without case)."""

    discount_team_leader: Decimal | None = None
    discount_manager: Decimal | None = None
    discount_general_manager: Decimal | None = None
    floor_level: ApprovalLevel = ApprovalLevel.MANAGER
    floor_prices: Mapping[str, Decimal] = field(default_factory=dict)
    loss_level: ApprovalLevel = ApprovalLevel.GENERAL_MANAGER
    # Whether a negative front gross needs approval at all (on unless switched off).
    loss_rule: bool = True

    def discount_steps(self) -> list[tuple[Decimal, ApprovalLevel]]:
        steps = [
            (self.discount_team_leader, ApprovalLevel.TEAM_LEADER),
            (self.discount_manager, ApprovalLevel.MANAGER),
            (self.discount_general_manager, ApprovalLevel.GENERAL_MANAGER),
        ]
        return [(share, level) for share, level in steps if share is not None]

    def floor_for(self, model: str | None) -> Decimal | None:
        if model is None:
            return None
        key = model_key(model)
        for name, price in self.floor_prices.items():
            if model_key(name) == key:
                return price
        return None


# Until a store's managers set its rules nothing needs approval: the behaviour before approvals
# existed, so no deal in progress is stopped by the upgrade itself.
NO_RULES = ApprovalRules(loss_rule=False)


def model_key(model: str) -> str:
    return " ".join(model.split()).casefold()


def share(value: Decimal | int | str | None, name: str) -> Decimal | None:
    """A share of list price: a decimal of at most four places, above 0 and below 1."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float | bool):
        raise InvalidValueError(f"{name} must be a decimal string, not a float")
    try:
        parsed = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidValueError(f"{name} is not a number: {value!r}") from None
    if not parsed.is_finite() or not Decimal(0) < parsed < Decimal(1):
        raise InvalidValueError(f"{name} must be above 0 and below 1 (0.05 is 5 %)")
    if parsed != parsed.quantize(SHARE_PLACES):
        raise InvalidValueError(f"{name} has more than four decimals")
    return parsed.quantize(SHARE_PLACES)


def rules(
    discount_team_leader: Decimal | int | str | None = None,
    discount_manager: Decimal | int | str | None = None,
    discount_general_manager: Decimal | int | str | None = None,
    floor_level: str = ApprovalLevel.MANAGER.value,
    floor_prices: Mapping[str, Decimal | int | str] | None = None,
    loss_level: str = ApprovalLevel.GENERAL_MANAGER.value,
    loss_rule: bool = True,
) -> ApprovalRules:
    """Checked settings, or InvalidValueError naming the field: each share in (0, 1), the
    steps that are set rising with the level, levels from ApprovalLevel, floor prices positive
    money for at most MAX_FLOOR_MODELS distinct model names."""
    steps = [
        ("discount_team_leader", share(discount_team_leader, "discount_team_leader")),
        ("discount_manager", share(discount_manager, "discount_manager")),
        ("discount_general_manager", share(discount_general_manager, "discount_general_manager")),
    ]
    set_steps = [(name, value) for name, value in steps if value is not None]
    for (low_name, low), (high_name, high) in pairwise(set_steps):
        if high <= low:
            raise InvalidValueError(f"{high_name} must be above {low_name} ({high} ≤ {low})")
    # Kept under the name as typed (shown back to the manager), compared without case.
    floors: dict[str, Decimal] = {}
    seen: set[str] = set()
    for model, price in (floor_prices or {}).items():
        name = " ".join(values.text(model, "floor model", max_length=60).split())
        if model_key(name) in seen:
            raise InvalidValueError(f"model {name} has two floor prices")
        seen.add(model_key(name))
        amount = values.money(price, field=f"floor price of {name}")
        if amount == 0:
            raise InvalidValueError(f"floor price of {name} must be positive")
        floors[name] = amount
    if len(floors) > MAX_FLOOR_MODELS:
        raise InvalidValueError(f"at most {MAX_FLOOR_MODELS} floor prices")
    return ApprovalRules(
        discount_team_leader=steps[0][1],
        discount_manager=steps[1][1],
        discount_general_manager=steps[2][1],
        floor_level=_level(floor_level, "floor_level"),
        floor_prices=floors,
        loss_level=_level(loss_level, "loss_level"),
        loss_rule=loss_rule,
    )


def _level(value: str, name: str) -> ApprovalLevel:
    try:
        return ApprovalLevel(value)
    except ValueError:
        allowed = ", ".join(level.value for level in ApprovalLevel)
        raise InvalidValueError(f"{name} must be one of {allowed}") from None


@dataclass(frozen=True)
class Quote:
    """The figures of a quote the rules look at (money in yuan)."""

    list_price: Decimal
    price: Decimal
    discount: Decimal
    cost: Decimal
    model: str | None = None
    # The trade's allowance − ACV (docs/trade-ins.md): an over-allowance lowers front gross, an
    # under-allowance (negative here) raises it, exactly as the signed contract counts it.
    over_allowance: Decimal = Decimal(0)

    @property
    def selling_price(self) -> Decimal:
        return self.price - self.discount

    @property
    def off_list(self) -> Decimal:
        """The reduction from list price, whatever the quote calls it."""
        return self.list_price - self.selling_price

    @property
    def front_gross(self) -> Decimal:
        return self.selling_price - self.cost - self.over_allowance


@dataclass(frozen=True)
class Requirement:
    """What a quote needs: the highest level any rule names, and each broken rule's level."""

    level: ApprovalLevel | None
    broken: tuple[tuple[Rule, ApprovalLevel], ...] = ()

    @property
    def needed(self) -> bool:
        return self.level is not None

    @property
    def reasons(self) -> list[str]:
        return [rule.value for rule, _ in self.broken]


NOTHING = Requirement(level=None)


def evaluate(rules: ApprovalRules, quote: Quote) -> Requirement:
    """The approval a quote needs under a store's rules (NOTHING when none)."""
    broken: list[tuple[Rule, ApprovalLevel]] = []
    # Compared without dividing: off_list / list_price > share  ⇔  off_list > share × list_price.
    discount_level = highest(
        [
            level
            for limit, level in rules.discount_steps()
            if quote.off_list > limit * quote.list_price
        ]
    )
    if discount_level is not None:
        broken.append((Rule.DISCOUNT, discount_level))
    floor = rules.floor_for(quote.model)
    if floor is not None and quote.selling_price < floor:
        broken.append((Rule.FLOOR, rules.floor_level))
    if rules.loss_rule and quote.front_gross < 0:
        broken.append((Rule.LOSS, rules.loss_level))
    return Requirement(level=highest([level for _, level in broken]), broken=tuple(broken))


def amount_financed(
    selling_price: Decimal, down_payment: Decimal, trade_equity: Decimal = Decimal(0)
) -> Decimal:
    """What the customer borrows: selling price − down payment − trade equity (allowance −
    payoff), never below zero (a down payment covering it all is a cash deal)."""
    return max(selling_price - down_payment - trade_equity, Decimal("0.00"))
