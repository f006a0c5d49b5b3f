"""Lost leads: a salesperson requests the loss, a manager approves, rejects or reopens.

The rules of who may decide live in domain/shared/access.py (`LOSS_APPROVERS`,
`ensure_loss_approver`); the state machine lives on the Lead (domain/leads/model.py); a store's
spot-check requirement is its LossPolicy (domain/leads/policy.py). docs/lost-leads.md.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.app import Showroom, Written
from domain.leads.model import Lead
from domain.leads.policy import LossPolicy
from domain.organisation.model import Store
from domain.shared.access import (
    FLOOR_WRITERS,
    LOSS_APPROVERS,
    ensure_floor_write,
    ensure_loss_approver,
    ensure_readable,
    ensure_role,
    ensure_store,
)
from domain.shared.actor import Principal, acting_as
from domain.shared.clock import aware
from domain.shared.errors import NotFoundError


class LeadLosses:
    """Requests to close leads as lost, and the managers' decisions on them."""

    def __init__(self, app: Showroom) -> None:
        self.app = app

    def request_loss(
        self,
        actor: Principal,
        lead_id: UUID,
        reason: str,
        competitor: str | None = None,
        note: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Ask the store's manager to close the salesperson's lead as lost."""
        with acting_as(actor):
            ensure_role(actor, *FLOOR_WRITERS)
            lead = self.app.load(
                Lead,
                lead_id,
                "lead",
                expected_version,
                scope=lambda lead: ensure_floor_write(
                    actor, "lead", lead_id, lead.store_id, lead.salesperson_id
                ),
            )
            lead.request_loss(
                reason, competitor, note, requested_by=actor.user_id, occurred_at=aware(occurred_at)
            )
            return self.app.written(lead)

    def record_spot_check(
        self,
        actor: Principal,
        lead_id: UUID,
        outcome: str,
        note: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """The manager's spot-check call to the customer of a requested loss."""
        with acting_as(actor):
            lead = self._decidable(actor, lead_id, expected_version)
            lead.record_spot_check(outcome, note, occurred_at=aware(occurred_at))
            return self.app.written(lead)

    def approve_loss(
        self,
        actor: Principal,
        lead_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Close the lead as lost, as its salesperson asked."""
        with acting_as(actor):
            lead = self._decidable(actor, lead_id, expected_version)
            required = self.spot_check_required(lead.store_id)
            lead.approve_loss(required, occurred_at=aware(occurred_at))
            return self.app.written(lead)

    def reject_loss(
        self,
        actor: Principal,
        lead_id: UUID,
        comment: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Refuse the requested loss: back to the salesperson, open, with the comment."""
        with acting_as(actor):
            lead = self._decidable(actor, lead_id, expected_version)
            lead.reject_loss(comment, occurred_at=aware(occurred_at))
            return self.app.written(lead)

    def reopen_lead(
        self,
        actor: Principal,
        lead_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Open a lost lead again, with the salesperson it had."""
        with acting_as(actor):
            lead = self._decidable(actor, lead_id, expected_version, own_rule=False)
            lead.reopen(reason, occurred_at=aware(occurred_at))
            return self.app.written(lead)

    def set_spot_check(self, actor: Principal, store_id: UUID, required: bool) -> Written:
        """Whether the store's managers must call the customer before approving a loss."""
        with acting_as(actor):
            ensure_role(actor, *LOSS_APPROVERS)
            ensure_store(actor, store_id)
            self.app.load(Store, store_id, "store")
            policy = self._policy(store_id) or LossPolicy.start(store_id)
            policy.require_spot_check(required)
            return self.app.written(policy)

    def spot_check_required(self, store_id: UUID) -> bool:
        """The store's setting (off until a manager sets it)."""
        policy = self._policy(store_id)
        return policy is not None and policy.spot_check_required

    def get_policy(self, actor: Principal, store_id: UUID) -> bool:
        """Whether the store requires a spot-check call, if the actor may read the store."""
        ensure_readable(actor, "store", store_id, store_id, None)
        self.app.load(Store, store_id, "store")
        return self.spot_check_required(store_id)

    # --- helpers ------------------------------------------------------------------------------

    def _decidable(
        self,
        actor: Principal,
        lead_id: UUID,
        expected_version: int | None,
        own_rule: bool = True,
    ) -> Lead:
        ensure_role(actor, *LOSS_APPROVERS)

        def scope(lead: Lead) -> None:
            request = getattr(lead, "loss_request", None) if own_rule else None
            by = None if request is None else request["requested_by"]
            ensure_loss_approver(actor, lead_id, lead.store_id, by, lead.salesperson_id)

        return self.app.load(Lead, lead_id, "lead", expected_version, scope=scope)

    def _policy(self, store_id: UUID) -> LossPolicy | None:
        try:
            return self.app.load(LossPolicy, LossPolicy.id_for(store_id), "loss policy")
        except NotFoundError:
            return None
