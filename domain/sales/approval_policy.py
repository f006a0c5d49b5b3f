"""A store's discount-approval settings (levels and thresholds), one small aggregate per store.

Kept apart from the Store aggregate (as LossPolicy is) so the organisation's aggregate is not
reshaped; its id derives from the store's, so the first save creates it and a second creation
is a conflict. docs/desking.md.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.sales.desking import NO_RULES, ApprovalLevel, ApprovalRules
from domain.shared.aggregate import ShowroomAggregate

_NAMESPACE = UUID("5d0f7c2a-3b7e-4d8a-9f61-0c2b7e4a91d3")


class ApprovalPolicy(ShowroomAggregate):
    """One per store, created when first set; until then the store has NO_RULES."""

    class Created(ShowroomAggregate.Created):
        store_id: UUID

    class RulesSet(ShowroomAggregate.Event):
        """The whole setting at once (floor prices as parallel lists of model and price)."""

        store_id: UUID
        discount_team_leader: Decimal | None
        discount_manager: Decimal | None
        discount_general_manager: Decimal | None
        floor_level: str
        floor_models: list[str]
        floor_prices: list[Decimal]
        loss_level: str
        loss_rule: bool

    @staticmethod
    def id_for(store_id: UUID) -> UUID:
        return uuid5(_NAMESPACE, f"approval-policy:{store_id}")

    @classmethod
    def create_id(cls, store_id: UUID, **_: object) -> UUID:
        return cls.id_for(store_id)

    @classmethod
    def start(cls, store_id: UUID) -> ApprovalPolicy:
        return cls(store_id=store_id)

    @event(Created)
    def __init__(self, store_id: UUID) -> None:
        self.store_id = store_id
        self.rules = NO_RULES

    def set_rules(self, rules: ApprovalRules) -> bool:
        """Record `rules` (already checked by desking.rules); False when nothing changed."""
        if rules == self.rules:
            return False
        models = sorted(rules.floor_prices)
        self._set(
            store_id=self.store_id,
            discount_team_leader=rules.discount_team_leader,
            discount_manager=rules.discount_manager,
            discount_general_manager=rules.discount_general_manager,
            floor_level=rules.floor_level.value,
            floor_models=models,
            floor_prices=[rules.floor_prices[m] for m in models],
            loss_level=rules.loss_level.value,
            loss_rule=rules.loss_rule,
        )
        return True

    @event(RulesSet)
    def _set(
        self,
        store_id: UUID,
        discount_team_leader: Decimal | None,
        discount_manager: Decimal | None,
        discount_general_manager: Decimal | None,
        floor_level: str,
        floor_models: list[str],
        floor_prices: list[Decimal],
        loss_level: str,
        loss_rule: bool,
    ) -> None:
        self.rules = ApprovalRules(
            discount_team_leader=discount_team_leader,
            discount_manager=discount_manager,
            discount_general_manager=discount_general_manager,
            floor_level=ApprovalLevel(floor_level),
            floor_prices=dict(zip(floor_models, floor_prices, strict=True)),
            loss_level=ApprovalLevel(loss_level),
            loss_rule=loss_rule,
        )
