"""Four eyes in tests through the services: approving a period and publishing a plan version
take two people (docs/payroll.md, "Four eyes"). Tests that only need the result call these."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.app import Written
from domain.pay.service.payroll import Payroll
from domain.pay.service.plans import PayPlans, VersionWritten
from domain.shared.actor import Principal, Role

FINANCE = Principal(user_id="finance", role=Role.FINANCE, username="finance")
# The second person: another finance login, who confirms what the first one proposed.
CONFIRMER = Principal(user_id="finance-2", role=Role.FINANCE, username="finance-2")


def approve(
    payroll: Payroll,
    period_id: UUID,
    requester: Principal = FINANCE,
    confirmer: Principal = CONFIRMER,
    occurred_at: datetime | None = None,
) -> Written:
    """Request the approval of a closed period and have a second person confirm it."""
    payroll.request_approval(requester, period_id, occurred_at=occurred_at)
    return payroll.confirm_approval(confirmer, period_id, occurred_at=occurred_at)


def publish(
    plans: PayPlans,
    proposer: Principal,
    plan_id: UUID,
    effective_from: date,
    components: Sequence[Mapping[str, Any]],
    note: str = "",
    confirmer: Principal = CONFIRMER,
    occurred_at: datetime | None = None,
) -> VersionWritten:
    """Propose a plan version and have a second person confirm (publish) it."""
    plans.propose_version(
        proposer, plan_id, effective_from, components, note, occurred_at=occurred_at
    )
    return plans.confirm_version(confirmer, plan_id, occurred_at=occurred_at)
