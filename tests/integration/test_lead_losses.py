"""Lost leads end to end through the JSON API, on SQLite and PostgreSQL: a salesperson requests,
the store's manager spot-checks, rejects, approves and reopens; the queue, the lead lists and
the loss-reason report follow (a loss counts at approval), each in its reader's scope; and the
lost-leads view rebuilt from the log equals the live one row for row."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from domain.leads.losses import LeadLosses
from domain.leads.model import Lead, LeadStatus
from domain.shared.access import SYSTEM_READ
from domain.shared.actor import Principal, Role
from domain.shared.errors import DomainError
from projections.directory.projection import DirectoryProjection
from projections.lead_losses import queries as losses
from projections.lead_losses.projection import LeadLossesProjection
from projections.runner import reset
from tests.conftest import sqlite_settings
from tests.integration.conftest import Api
from tests.integration.views_world import ADMIN, World, at, open_world, table_rows
from workers.settings import Settings


def _capture(api: Api, seller: str, n: int) -> str:
    lead = api.ok(
        api.post(
            seller,
            "/leads",
            {
                "store_id": str(api.world.store_a),
                "channel": "website",
                "customer_name": f"Customer {n}",
                "customer_phone": f"1390013{n:04d}",
                "model_interest": "Han EV",
            },
        )
    )
    return str(lead["id"])


def _status(api: Api, who: str, lead_id: str) -> str:
    return str(api.ok(api.get(who, f"/leads/{lead_id}"), 200)["status"])


def _pending(api: Api, who: str, position: int) -> list[dict[str, Any]]:
    page = api.ok(api.get(who, "/lead-losses/pending", params={"position": position}), 200)
    return list(page["items"])


def _report(api: Api, who: str, position: int, by: str = "salesperson") -> dict[str, Any]:
    params = {"position": position, "by": by}
    return dict(api.ok(api.get(who, "/reports/loss-reasons", params=params), 200))


def test_a_loss_goes_from_request_to_approval_and_back_open_under_the_managers_rules(
    api: Api,
) -> None:
    lead_id = _capture(api, "sales_a1", 1)
    base = f"/leads/{lead_id}"

    # A salesperson no longer closes a lead as lost; they request it, once.
    assert api.post("sales_a1", f"{base}/loss", {"reason": "price"}).status_code == 403
    asked = api.ok(
        api.post(
            "sales_a1",
            f"{base}/loss-request",
            {"reason": "competitor", "competitor": "Tesla Pudong", "note": "test drove a Model Y"},
        )
    )
    again = api.post("sales_a1", f"{base}/loss-request", {"reason": "price"})
    assert again.status_code == 422, again.text
    assert _status(api, "sales_a1", lead_id) == "pending_loss"
    # Pending, the lead is not worked as normal.
    assert api.post("sales_a1", f"{base}/activities", {"kind": "call"}).status_code == 422

    # Nobody approves their own request; another store's manager does not even see the lead.
    assert api.post("sales_a1", f"{base}/loss-approval").status_code == 403
    assert api.post("sales_a2", f"{base}/loss-approval").status_code == 403
    assert api.post("manager_b", f"{base}/loss-approval").status_code == 404
    assert _pending(api, "manager_b", asked["position"]) == []
    queue = _pending(api, "manager_a", asked["position"])
    assert [(q["reason"], q["competitor"], q["age_hours"]) for q in queue] == [
        ("competitor", "Tesla Pudong", 0)
    ]
    assert _report(api, "manager_a", asked["position"])["total"] == 0  # not at request

    # The store requires a spot-check call: approval waits for it; a rejection needs a comment.
    store = api.world.store_a
    policy = api.client.put(
        f"/stores/{store}/loss-policy",
        json={"spot_check_required": True},
        headers=api.headers("manager_a"),
    )
    assert policy.status_code == 201, policy.text
    refused = api.post("manager_a", f"{base}/loss-approval")
    assert refused.status_code == 422, refused.text
    assert "spot-check" in refused.json()["detail"]
    assert api.post("manager_a", f"{base}/loss-rejection", {"comment": ""}).status_code == 422
    rejected = api.ok(
        api.post("manager_a", f"{base}/loss-rejection", {"comment": "call her back on Monday"})
    )
    assert _status(api, "sales_a1", lead_id) == "open"
    assert _pending(api, "manager_a", rejected["position"]) == []

    # Asked again, spot-checked, approved: lost, and counted in the report of the month.
    api.ok(api.post("sales_a1", f"{base}/loss-request", {"reason": "price"}))
    checked = api.ok(api.post("manager_a", f"{base}/loss-spot-check", {"outcome": "confirmed"}))
    assert _pending(api, "manager_a", checked["position"])[0]["spot_check"] == "confirmed"
    approved = api.ok(api.post("manager_a", f"{base}/loss-approval"))
    assert _status(api, "sales_a1", lead_id) == "lost"
    mine = _report(api, "manager_a", approved["position"])
    assert mine["total"] == 1
    assert mine["groups"][0]["key"] == str(api.world.staff["sales_a1"])
    assert mine["groups"][0]["reasons"] == [{"reason": "price", "count": 1, "share": "1.0000"}]
    assert _report(api, "sales_a1", approved["position"])["total"] == 1
    assert _report(api, "sales_a2", approved["position"])["total"] == 0
    assert _report(api, "exec", approved["position"], by="model")["groups"][0]["key"] == "Han EV"
    other_store = api.get("manager_b", "/reports/loss-reasons", params={"store_id": str(store)})
    assert other_store.status_code == 404

    # Reopened by the manager (a reason is required): open again, with the same salesperson.
    assert api.post("sales_a1", f"{base}/reopening", {"reason": "came back"}).status_code == 403
    reopened = api.ok(api.post("manager_a", f"{base}/reopening", {"reason": "came back"}))
    lead = api.ok(api.get("sales_a1", base), 200)
    assert (lead["status"], lead["salesperson_id"]) == ("open", str(api.world.staff["sales_a1"]))
    assert _report(api, "manager_a", reopened["position"])["total"] == 0
    assert api.post("manager_a", f"{base}/reopening", {"reason": "again"}).status_code == 422


def test_a_managers_own_request_waits_for_another_approver(api: Api) -> None:
    lead_id = _capture(api, "sales_a1", 2)
    api.ok(api.post("manager_a", f"/leads/{lead_id}/loss-request", {"reason": "financing"}))

    own = api.post("manager_a", f"/leads/{lead_id}/loss-approval")

    assert own.status_code == 403, own.text
    api.ok(api.post("admin", f"/leads/{lead_id}/loss-approval"))
    assert _status(api, "sales_a1", lead_id) == "lost"


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with open_world(settings) as w:
        yield w


def test_the_lost_leads_view_rebuilt_from_the_log_equals_the_live_one(world: World) -> None:
    store = world.store("Pudong BYD")
    seller = world.salesperson(store, "Alice")
    alice = Principal(user_id="alice", role=Role.SALESPERSON, store_id=store, staff_id=seller)
    service = LeadLosses(world.app)
    service.set_spot_check(ADMIN, store, True)
    leads = [world.lead(store, seller, at(hours=n)) for n in range(4)]
    for n, lead_id in enumerate(leads):
        service.request_loss(alice, lead_id, "price", "BYD", occurred_at=at(days=1, hours=n))
    service.record_spot_check(ADMIN, leads[0], "confirmed", occurred_at=at(days=2))
    service.approve_loss(ADMIN, leads[0], occurred_at=at(days=2, hours=1))
    service.reject_loss(ADMIN, leads[1], "not yet", occurred_at=at(days=2))
    service.record_spot_check(ADMIN, leads[2], "unreachable", occurred_at=at(days=2))
    service.approve_loss(ADMIN, leads[2], occurred_at=at(days=2, hours=1))
    service.reopen_lead(ADMIN, leads[2], "came back", occurred_at=at(days=3))
    direct = world.lead(store, seller, at())
    world.leads.lose_lead(ADMIN, direct, "other", "moved away", occurred_at=at(days=2))
    world.catch_up()
    views = [LeadLossesProjection(), DirectoryProjection()]
    live = table_rows(world.db, views)

    for view in views:
        reset(world.db, view)
    world.runner(views, page_size=2).run_until_caught_up()

    assert table_rows(world.db, views) == live
    # The view's counts are a replay of the leads' own states.
    statuses = [world.app.repository.get(lead_id).status for lead_id in leads]
    assert statuses == [
        LeadStatus.LOST,
        LeadStatus.OPEN,
        LeadStatus.OPEN,
        LeadStatus.PENDING_LOSS,
    ]
    assert all(isinstance(world.app.repository.get(i), Lead) for i in leads)
    month = at(days=2).strftime("%Y-%m")
    report = losses.loss_reasons(world.db, month, "store", scope=SYSTEM_READ)
    assert report["total"] == 2  # one approved, one closed directly; the reopened one not
    queue = losses.pending(world.db, scope=SYSTEM_READ, now=at(days=4))
    assert [item["lead_id"] for item in queue["items"]] == [leads[3]]
    assert queue["items"][0]["age_hours"] == 3 * 24 - 3
    assert queue["items"][0]["spot_check_required"] is True


# --- any sequence, through the view ------------------------------------------------------------

STEPS = st.lists(
    st.tuples(
        st.integers(0, 2), st.sampled_from(["request", "check", "approve", "reject", "reopen"])
    ),
    max_size=14,
)


def _decide(
    service: LeadLosses, alice: Principal, lead_id: UUID, step: str, when: datetime
) -> None:
    if step == "request":
        service.request_loss(alice, lead_id, "price", occurred_at=when)
    elif step == "check":
        service.record_spot_check(ADMIN, lead_id, "confirmed", occurred_at=when)
    elif step == "approve":
        service.approve_loss(ADMIN, lead_id, occurred_at=when)
    elif step == "reject":
        service.reject_loss(ADMIN, lead_id, "no", occurred_at=when)
    else:
        service.reopen_lead(ADMIN, lead_id, "back", occurred_at=when)


@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS)
def test_any_sequence_of_decisions_leaves_the_view_equal_to_a_replay(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[int, str]]
) -> None:
    """Random requests and decisions over three leads (refused ones included, on SQLite): the
    view's status per lead is the aggregate's, and the month's loss count is the number of
    leads a replay finds lost."""
    with open_world(sqlite_settings(tmp_path_factory.mktemp("losses"))) as world:
        store = world.store("Pudong BYD")
        seller = world.salesperson(store, "Alice")
        alice = Principal(user_id="alice", role=Role.SALESPERSON, store_id=store, staff_id=seller)
        service = LeadLosses(world.app)
        leads = [world.lead(store, seller, at(hours=n)) for n in range(3)]
        for minute, (n, step) in enumerate(steps):
            when = at(days=1, minutes=minute)
            with contextlib.suppress(DomainError):
                _decide(service, alice, leads[n], step, when)
        world.catch_up()

        replayed = [world.app.repository.get(lead_id).status.value for lead_id in leads]
        rows = {r["lead_id"]: r["status"] for r in world.db.query("SELECT * FROM rm_lead_loss")}
        report = losses.loss_reasons(
            world.db, at(days=1).strftime("%Y-%m"), "store", scope=SYSTEM_READ
        )

        assert [rows[str(lead_id)] for lead_id in leads] == replayed
        assert report["total"] == replayed.count("lost")
