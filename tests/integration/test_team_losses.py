"""Team leaders decide the losses of their team, and the inbox tells whoever decides (issue 14:
lost leads, sales teams and notifications together), over the JSON API on both backends."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Api
from tests.integration.test_lead_losses import _capture, _pending
from tests.integration.test_notifications import eventually
from tests.integration.test_teams import _leader


def _kinds(api: Api, who: str) -> list[tuple[str, str]]:
    notes: list[dict[str, Any]] = api.ok(api.get(who, "/notifications"), 200)
    return [(n["kind"], n["link"]) for n in notes if n["kind"].startswith("loss")]


def test_a_team_leader_decides_the_teams_losses_only_and_the_inbox_tells_the_deciders(
    api: Api,
) -> None:
    """sales_a1 is in lead_a's team, sales_a2 is not. Both request a loss: the team leader's
    queue holds sales_a1's only, deciding sales_a2's is not found, and rejecting sales_a1's
    (with a comment) reopens it. The store's manager and the team leader are told of sales_a1's
    request, the manager alone of sales_a2's; sales_a1 is told of the rejection."""
    leader = _leader(api)
    store, staff = api.world.store_a, api.world.staff
    team = api.ok(
        api.post(
            "manager_a",
            f"/stores/{store}/teams",
            {"name": "Team Dragon", "leader_id": str(staff["lead_a"])},
        )
    )
    api.ok(
        api.post(
            "manager_a",
            f"/stores/{store}/teams/{team['id']}/members",
            {"staff_id": str(staff["sales_a1"])},
        )
    )
    mine, other = _capture(api, "sales_a1", 71), _capture(api, "sales_a2", 72)
    api.ok(api.post("sales_a1", f"/leads/{mine}/loss-request", {"reason": "price"}))
    asked = api.ok(api.post("sales_a2", f"/leads/{other}/loss-request", {"reason": "price"}))

    assert [q["lead_id"] for q in _pending(api, leader, asked["position"])] == [mine]
    assert api.post(leader, f"/leads/{other}/loss-approval").status_code == 404
    rejected = api.post(leader, f"/leads/{mine}/loss-rejection", {"comment": "call them again"})
    assert rejected.status_code == 201, rejected.text
    lead = api.ok(api.get("sales_a1", f"/leads/{mine}"), 200)
    assert lead["status"] == "open"

    api.runtime.runner.wake()
    to_approve = ("loss_to_approve", f"/app/losses#loss-{mine}")
    eventually(lambda: ("loss_to_approve", f"/app/losses#loss-{other}") in _kinds(api, "manager_a"))
    eventually(lambda: to_approve in _kinds(api, leader))
    assert to_approve in _kinds(api, "manager_a")
    assert ("loss_to_approve", f"/app/losses#loss-{other}") not in _kinds(api, leader)
    eventually(lambda: ("loss_rejected", f"/app/leads/{mine}") in _kinds(api, "sales_a1"))
    assert _kinds(api, "sales_a2") == []
