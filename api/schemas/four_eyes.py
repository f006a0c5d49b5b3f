"""Four eyes on pay: confirming, refusing and withdrawing what one person proposed, and the
queue of what waits for a second person (docs/payroll.md, "Four eyes")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import Command, Written
from domain.pay.service.payroll import AdjustmentWritten as DomainAdjustmentWritten

Amount = Decimal


class Confirm(Command):
    """Confirm what another person proposed (no body needed)."""


class Refuse(Command):
    reason: str = Field(min_length=1, max_length=500, description="Why it is refused")


class Withdraw(Command):
    reason: str = Field(min_length=1, max_length=500, description="Why it is taken back")


class AdjustmentWritten(Written):
    """An adjustment entered or proposed: the period written, the adjustment's id, and whether
    it counts now (`confirmed`) or waits for a second person (`proposed`)."""

    adjustment_id: UUID
    status: str = Field(
        description="confirmed: it counts; proposed: above the threshold, it counts once a"
        " second person confirms it"
    )

    @classmethod
    def of_adjustment(cls, written: DomainAdjustmentWritten) -> AdjustmentWritten:
        return cls(
            id=written.id,
            version=written.version,
            position=written.position,
            adjustment_id=written.adjustment_id,
            status=written.status.value,
        )


class ProposalOut(BaseModel):
    """An adjustment above the threshold, proposed by one person for another to decide."""

    adjustment_id: UUID
    salesperson_id: UUID
    amount: Amount
    reason: str
    proposer: str
    threshold: Amount = Field(description="The threshold in force when it was proposed")
    dispute_id: UUID | None
    origin_period_id: UUID | None
    proposed_at: datetime
    status: str = Field(description="proposed, confirmed, refused or withdrawn")
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None


class ApprovalRequestOut(BaseModel):
    requester: str
    requested_at: datetime


class WaitingOut(BaseModel):
    """One thing waiting for a second person: `mine` when the caller proposed it (it waits for
    someone else), else it waits for the caller's confirmation."""

    kind: str = Field(description="approval, adjustment or plan_version")
    period_id: UUID | None = None
    plan_id: UUID | None = None
    plan_name: str | None = None
    plan_version: int | None = None
    effective_from: date | None = None
    month: str | None = None
    store_id: UUID | None = None
    proposer: str
    proposed_at: datetime
    mine: bool
    adjustment_id: UUID | None = None
    salesperson_id: UUID | None = None
    amount: Amount | None = None
    reason: str | None = None
    threshold: Amount | None = None


class ProposedVersionOut(BaseModel):
    """A plan version waiting for a second person: not in force until confirmed."""

    version: int
    effective_from: date
    components: list[dict[str, Any]]
    note: str
    proposer: str
    proposed_at: datetime
