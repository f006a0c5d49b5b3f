"""Four eyes in tests: approving a period and publishing a plan version take two people.

One person asks (finance requests an approval, admin proposes a version), another confirms;
tests that only need the result call these helpers (docs/payroll.md, "Four eyes")."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Api


def approve(api: Api, period: str, requester: str = "finance", confirmer: str = "admin") -> Any:
    """Request the approval of a closed period and have a second person confirm it."""
    api.ok(api.post(requester, f"/pay-periods/{period}/approval", {}))
    return api.ok(api.post(confirmer, f"/pay-periods/{period}/approval/confirmation", {}))


def publish(
    api: Api, plan: str, body: dict[str, Any], proposer: str = "admin", confirmer: str = "finance"
) -> Any:
    """Propose a plan version and have a second person confirm (publish) it."""
    proposed = api.ok(api.post(proposer, f"/pay-plans/{plan}/versions", body))
    number = proposed["plan_version"]
    return api.ok(api.post(confirmer, f"/pay-plans/{plan}/versions/{number}/confirmation", {}))
