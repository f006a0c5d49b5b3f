"""Follow-up tasks end to end through HTTP, on SQLite and PostgreSQL: the salesperson's day
(overdue first, then today's, then upcoming), the manager's overdue counts per salesperson,
calls after delivery planned by the dispatcher exactly once across a dispatcher that dies
mid-way and a redelivered job, an unwound deal left with no call pending, and a reached
customer's score counted by satisfaction exactly as a survey is."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from domain.organisation import service as organisation_service
from domain.shared.clock import business_day
from domain.shared.values import with_check_digit
from tests.integration.conftest import Api, _hashed, build_world
from workers import dispatcher
from workers.actors.follow_ups import plan_follow_up_calls
from workers.broker import Jobs
from workers.dispatcher import BrokerSender, Dispatch
from workers.runtime import Runtime
from workers.settings import Settings

NOW = datetime.now(UTC)
TODAY = business_day(NOW, "Asia/Shanghai")


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat()


class Crash(Exception):
    """The dispatcher's process dies here."""


@dataclass
class CrashAfterFirstSend:
    """Hands one message to the queue, then dies before the dispatcher marks the job sent."""

    inner: BrokerSender

    def send(self, actor: str, args: Mapping[str, Any], job: str) -> None:
        self.inner.send(actor, args, job)
        raise Crash


@pytest.fixture
def quiet_api(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Api, Jobs]]:
    """The API without its own dispatcher: the test runs (and kills) the dispatcher itself."""
    monkeypatch.setattr(organisation_service, "hash_password", _hashed)
    app = create_app(settings, create_tables=True, run_workers=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        runtime: Runtime = app.state.runtime
        jobs: Jobs = app.state.jobs
        jobs.worker_threads = 1
        jobs.start_worker()
        try:
            yield Api(client=client, runtime=runtime, world=build_world(runtime)), jobs
        finally:
            jobs.stop_worker()


def capture(api: Api, seller: str, phone: str, days_ago: float) -> str:
    body = {
        "store_id": str(api.world.store_a),
        "channel": "walk_in",
        "customer_name": f"Customer {phone[-4:]}",
        "customer_phone": phone,
        "occurred_at": ago(days_ago),
    }
    return str(api.ok(api.post(seller, "/leads", body))["id"])


def deliver(api: Api, seller: str, n: int) -> str:
    lead_id = capture(api, seller, f"1390000{n:04d}", 6)
    customer_id = api.ok(api.get(seller, f"/leads/{lead_id}"), 200)["customer_id"]
    deal = api.post(
        seller,
        "/deals",
        {"store_id": str(api.world.store_a), "customer_id": customer_id, "occurred_at": ago(5)},
    )
    deal_id = api.ok(deal)["id"]
    vehicle = {
        "store_id": str(api.world.store_a),
        "vin": with_check_digit(f"LGXCE4CB0PA{n:06d}"),
        "make": "BYD",
        "model": "Han",
        "trim": "EV",
        "colour": "white",
        "model_year": 2026,
        "condition": "new",
        "cost": "100000",
        "list_price": "120000",
        "received_on": business_day(NOW - timedelta(days=30), "Asia/Shanghai").isoformat(),
    }
    vehicle_id = api.ok(api.post("manager_a", "/vehicles", vehicle))["id"]
    for path, body in (
        ("vehicle", {"vehicle_id": vehicle_id, "occurred_at": ago(5)}),
        ("quote", {"price": "125000", "discount": "5000", "occurred_at": ago(5)}),
        ("contract", {"occurred_at": ago(4)}),
        ("delivery", {"occurred_at": ago(2)}),
    ):
        api.ok(api.post(seller, f"/deals/{deal_id}/{path}", body))
    return str(deal_id)


def run_dispatcher(runtime: Runtime, sender: Any) -> None:
    running = Dispatch(runtime.app, runtime.db, sender, lock_dir=runtime.settings.data_dir)
    try:
        running.run_until_idle()
    finally:
        running.stop()


def test_follow_ups_and_calls_from_capture_to_satisfaction(
    quiet_api: tuple[Api, Jobs],
) -> None:
    api, jobs = quiet_api
    seller = "sales_a1"
    # The manager chooses a three-day gap and calls one and seven days after delivery.
    settings = {"gap_days": 3, "call_offsets": [7, 1]}
    api.ok(
        api.client.put(
            f"/stores/{api.world.store_a}/follow-up-settings",
            json=settings,
            headers=api.headers("manager_a"),
        )
    )
    shown = api.ok(api.get(seller, f"/stores/{api.world.store_a}/follow-up-settings"), 200)
    assert (shown["gap_days"], shown["call_offsets"]) == (3, [1, 7])

    # Three leads: captured five days ago (overdue by two), today's by choice, and a new one.
    overdue = capture(api, seller, "13800000001", 5)
    chosen = capture(api, seller, "13800000002", 4)
    fresh = capture(api, seller, "13800000003", 0)
    set_day = {"follow_up_on": TODAY.isoformat()}
    at = {"position": api.ok(api.post(seller, f"/leads/{chosen}/follow-up", set_day))["position"]}
    refused = api.post(seller, f"/leads/{fresh}/follow-up", {"follow_up_on": "2020-01-01"})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")

    day = api.ok(api.get(seller, "/follow-ups/my-day", params=at), 200)
    order = [(f["lead_id"], f["timing"], f["days_overdue"]) for f in day["follow_ups"]]
    assert order[:3] == [(overdue, "overdue", 2), (chosen, "today", 0), (fresh, "upcoming", 0)]
    assert day["follow_ups"][0]["customer_name"] == "Customer 0001"
    lines = api.ok(api.get("manager_a", "/follow-ups/overdue", params=at), 200)
    assert [(x["salesperson_id"], x["follow_ups"], x["days_overdue"]) for x in lines] == [
        (str(api.world.staff[seller]), 1, 2)
    ]
    assert api.ok(api.get("sales_a2", "/follow-ups/my-day"), 200)["follow_ups"] == []
    assert api.ok(api.get("manager_b", "/follow-ups/overdue"), 200) == []

    # Two deliveries; the second is unwound before any job ran.
    kept, unwound = deliver(api, seller, 1), deliver(api, seller, 2)
    api.ok(api.post("manager_a", f"/deals/{unwound}/unwind", {"reason": "finance rejected"}))

    # The dispatcher dies after handing its first job over, unmarked; a new one finishes.
    with pytest.raises(Crash):
        run_dispatcher(api.runtime, CrashAfterFirstSend(BrokerSender(jobs.broker)))
    run_dispatcher(api.runtime, BrokerSender(jobs.broker))
    jobs.join()
    plan_follow_up_calls.send(deal_id=kept)  # a job delivered once more does nothing
    jobs.join()
    at = {"position": api.runtime.app.position()}

    kinds = [j["kind"] for j in dispatcher.jobs(api.runtime.db)]
    assert kinds.count("plan_follow_up_calls") == 2 and kinds.count("cancel_follow_up_calls") == 1
    calls = api.ok(api.get(seller, f"/deals/{kept}/calls"), 200)
    assert (calls["version"], [c["offset"] for c in calls["calls"]]) == (1, [1, 7])
    assert [c["status"] for c in calls["calls"]] == ["pending", "pending"]
    gone = api.ok(api.get(seller, f"/deals/{unwound}/calls"), 200)
    assert gone["cancelled"] and all(c["status"] == "cancelled" for c in gone["calls"])

    day = api.ok(api.get(seller, "/follow-ups/my-day", params=at), 200)
    assert [(c["deal_id"], c["offset"], c["timing"]) for c in day["calls"]] == [
        (kept, 1, "overdue"),
        (kept, 7, "upcoming"),
    ]
    assert day["calls"][0]["days_overdue"] == 1

    # The customer is reached: the score is the deal's survey, counted as a survey would be.
    written = api.ok(
        api.post(
            seller, f"/deals/{kept}/calls/1", {"outcome": "reached", "score": 80, "note": "happy"}
        )
    )
    survey = api.ok(api.get("manager_a", f"/deals/{kept}/survey"), 200)
    assert (survey["overall"], survey["answers"]) == (80, {"follow_up_call": 80})
    month = survey["answered_on"][:7]
    before = kpi_line(api, month, written["position"])
    third = deliver(api, seller, 3)
    surveyed = api.ok(
        api.post(
            "manager_a",
            "/surveys",
            {
                "deal_id": third,
                "answers": {"overall": 80},
                "overall": 80,
                "answered_on": survey["answered_on"],
            },
        )
    )
    after = kpi_line(api, month, surveyed["position"])
    assert (before["surveys"], before["survey_score"]) == (1, 80)
    assert (after["surveys"], after["survey_score"]) == (2, 160)
    assert before["csi_average"] == after["csi_average"]

    wrong = api.post(seller, f"/deals/{kept}/calls/7", {"outcome": "not_reached", "score": 50})
    assert wrong.status_code == 422
    other = api.post("sales_a2", f"/deals/{kept}/calls/7", {"outcome": "not_reached"})
    assert other.status_code == 404


def kpi_line(api: Api, month: str, position: int) -> dict[str, Any]:
    kpis = api.ok(
        api.get("manager_a", "/reports/kpis", params={"month": month, "position": position}), 200
    )
    found: dict[str, Any] = next(
        r for r in kpis["items"] if r["salesperson_id"] == str(api.world.staff["sales_a1"])
    )
    return found
