"""The deal desk: a store's approval rules, approval requests and decisions, the deal's money
structure and its order stage (订单). docs/desking.md.

The rules are pure (domain/sales/desking.py), the state lives on the Deal (its events appended
after the first ones) and on the store's ApprovalPolicy; who may decide is in
domain/shared/access.py (`DEAL_APPROVERS`, `ensure_deal_approver`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.app import Showroom, Written
from domain.inventory.model import Vehicle, VehicleStatus
from domain.organisation.model import Store
from domain.sales.approval_policy import ApprovalPolicy
from domain.sales.desking import (
    NOTHING,
    RANK,
    ApprovalLevel,
    ApprovalRules,
    Requirement,
    evaluate,
    level_of,
    rules,
)
from domain.sales.errors import DealVehicleMissingError
from domain.sales.model import Deal, DealStatus
from domain.shared.access import (
    APPROVAL_POLICY_SETTERS,
    DEAL_APPROVERS,
    FLOOR_WRITERS,
    can_see_vehicle,
    ensure_deal_approver,
    ensure_floor_write,
    ensure_role,
    ensure_store,
)
from domain.shared.actor import Principal, acting_as
from domain.shared.clock import aware
from domain.shared.errors import DomainError, NotFoundError


class Desk:
    """Approvals of quotes by the store's rules, and the deal's structure and order."""

    def __init__(self, app: Showroom) -> None:
        self.app = app

    # --- the store's rules --------------------------------------------------------------------

    def rules_of(self, store_id: UUID) -> ApprovalRules:
        """The store's approval rules (NO_RULES until its managers set them)."""
        policy = self._policy(store_id)
        return policy.rules if policy is not None else ApprovalPolicy.start(store_id).rules

    def get_rules(self, actor: Principal, store_id: UUID) -> ApprovalRules:
        """The store's rules, for its staff and the group roles (salespeople are told them)."""
        if not can_see_vehicle(actor, store_id):
            raise NotFoundError("store", store_id)
        self.app.load(Store, store_id, "store")
        return self.rules_of(store_id)

    def set_rules(
        self,
        actor: Principal,
        store_id: UUID,
        discount_team_leader: Decimal | int | str | None = None,
        discount_manager: Decimal | int | str | None = None,
        discount_general_manager: Decimal | int | str | None = None,
        floor_level: str = "manager",
        floor_prices: Mapping[str, Decimal | int | str] | None = None,
        loss_level: str = "general_manager",
        loss_rule: bool = True,
    ) -> Written:
        """Set the store's approval levels and thresholds (managers of the store, group roles)."""
        with acting_as(actor):
            ensure_role(actor, *APPROVAL_POLICY_SETTERS)
            ensure_store(actor, store_id)
            self.app.load(Store, store_id, "store")
            checked = rules(
                discount_team_leader,
                discount_manager,
                discount_general_manager,
                floor_level,
                floor_prices,
                loss_level,
                loss_rule,
            )
            policy = self._policy(store_id) or ApprovalPolicy.start(store_id)
            policy.set_rules(checked)
            return self.app.written(policy)

    def requirement(self, deal: Deal) -> Requirement:
        """What the deal's current quote needs under its store's rules now."""
        figures = deal.quote_figures
        if figures is None:
            return NOTHING
        return evaluate(self.rules_of(deal.store_id), figures)

    # --- approvals ----------------------------------------------------------------------------

    def request_approval(
        self,
        actor: Principal,
        deal_id: UUID,
        note: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Ask for approval of the deal's quote at the level the store's rules name."""
        with acting_as(actor):
            deal = self._writable(actor, deal_id, expected_version)
            deal.request_approval(
                self.requirement(deal), note, actor.user_id, occurred_at=aware(occurred_at)
            )
            return self.app.written(deal)

    def approve(
        self,
        actor: Principal,
        deal_id: UUID,
        note: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Approve the pending request (an approver of its level or above, not its asker)."""
        with acting_as(actor):
            deal = self._decidable(actor, deal_id, expected_version)
            deal.approve(level_of(actor), note, actor.user_id, occurred_at=aware(occurred_at))
            return self.app.written(deal)

    def refuse(
        self,
        actor: Principal,
        deal_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Refuse the pending request with a reason; the contract stays blocked."""
        with acting_as(actor):
            deal = self._decidable(actor, deal_id, expected_version)
            deal.refuse(level_of(actor), reason, actor.user_id, occurred_at=aware(occurred_at))
            return self.app.written(deal)

    # --- structure and order ------------------------------------------------------------------

    def set_structure(
        self,
        actor: Principal,
        deal_id: UUID,
        down_payment: Decimal | int | str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """The deal's down payment; the amount financed is what it leaves of the price."""
        with acting_as(actor):
            deal = self._writable(actor, deal_id, expected_version)
            deal.set_structure(down_payment, occurred_at=aware(occurred_at))
            return self.app.written(deal)

    def place_order(
        self,
        actor: Principal,
        deal_id: UUID,
        deposit: Decimal | int | str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """The customer's order with a deposit: gated like a contract; the vehicle stays held."""
        with acting_as(actor):
            deal = self._writable(actor, deal_id, expected_version)
            if deal.vehicle_id is None:
                raise DealVehicleMissingError(f"deal {deal_id} has no vehicle")
            vehicle = self.app.load(Vehicle, deal.vehicle_id, "vehicle")
            if vehicle.status is not VehicleStatus.RESERVED or vehicle.deal_id != deal.id:
                raise DealVehicleMissingError(f"vehicle {vehicle.id} is not held by deal {deal_id}")
            deal.place_order(deposit, aware(occurred_at), self.requirement(deal))
            return self.app.written(deal)

    def cancel_order(
        self,
        actor: Principal,
        deal_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Cancel the order with its reason: the deal closes and the vehicle is released."""
        with acting_as(actor):
            deal = self._writable(actor, deal_id, expected_version)
            when = aware(occurred_at)
            deal.cancel_order(reason, occurred_at=when)
            if deal.vehicle_id is None:
                return self.app.written(deal)
            vehicle = self.app.load(Vehicle, deal.vehicle_id, "vehicle")
            vehicle.release(deal.id, occurred_at=when)
            return self.app.written(deal, vehicle)

    # --- helpers ------------------------------------------------------------------------------

    def _writable(self, actor: Principal, deal_id: UUID, expected_version: int | None) -> Deal:
        ensure_role(actor, *FLOOR_WRITERS)
        return self.app.load(
            Deal,
            deal_id,
            "deal",
            expected_version,
            scope=lambda deal: ensure_floor_write(
                actor, "deal", deal_id, deal.store_id, deal.salesperson_id
            ),
        )

    def _decidable(self, actor: Principal, deal_id: UUID, expected_version: int | None) -> Deal:
        ensure_role(actor, *DEAL_APPROVERS)

        def scope(deal: Deal) -> None:
            requested_by = deal.approval.requested_by if deal.approval is not None else None
            ensure_deal_approver(actor, deal_id, deal.store_id, deal.salesperson_id, requested_by)

        return self.app.load(Deal, deal_id, "deal", expected_version, scope=scope)

    def _policy(self, store_id: UUID) -> ApprovalPolicy | None:
        try:
            return self.app.load(ApprovalPolicy, ApprovalPolicy.id_for(store_id), "approval policy")
        except NotFoundError:
            return None


# --- what the pages and the API show ----------------------------------------------------------


def approval_state(deal: Deal, requirement: Requirement) -> dict[str, Any]:
    """Where the deal's quote stands: what it needs, its request, and whether it may be signed
    (or ordered) now; the same gate the Deal applies, asked without raising."""
    approval = deal.approval
    try:
        deal._ensure_approved(requirement)
        may_sign = deal.status is DealStatus.QUOTED
    except DomainError:
        may_sign = False
    return {
        "deal_id": deal.id,
        "needed_level": requirement.level,
        "reasons": requirement.reasons,
        "status": approval.status.value if approval is not None else None,
        "requested_level": approval.level if approval is not None else None,
        "decided_level": approval.decided_level if approval is not None else None,
        "decision_note": approval.decision_note if approval is not None else None,
        "note": approval.note if approval is not None else None,
        "may_sign": may_sign,
        "down_payment": deal.down_payment,
        "amount_financed": deal.amount_financed,
        "order_deposit": deal.order_deposit if deal.ordered else None,
    }


def queue_levels(principal: Principal) -> list[str]:
    """The request levels a principal's queue shows: their own level and those below it (a
    salesperson, finance or an auditor: every level, to follow; they decide nothing)."""
    own = level_of(principal)
    if own is None:
        return [level.value for level in ApprovalLevel]
    return [level.value for level in ApprovalLevel if RANK[level] <= RANK[own]]
