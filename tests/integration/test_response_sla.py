"""Response-time SLA end to end, on SQLite and PostgreSQL (and one run on a Redis broker): a
manager's rules through HTTP, each captured lead's timers recorded by the dispatcher and acted
on once (a dispatcher that dies after a send and a redelivered job change nothing), the
about-to-breach and breached notices to the store's manager, the second limit asking the
routing rules for a new owner with the reason, and a timer that survives a restart between its
scheduling and its due time, fired when due and not before."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import dramatiq
import pytest
import redis
from fastapi.testclient import TestClient

from api.main import create_app
from domain.leads.model import Lead
from domain.organisation import service as organisation_service
from domain.shared.actor import Principal, Role
from domain.shared.clock import business_day
from domain.sla.model import ResponseClock, clock_id_for
from tests.conftest import sqlite_settings
from tests.integration.conftest import Api, _hashed, build_world
from workers import broker as job_broker
from workers import dispatcher, response_timers
from workers.actors.response_sla import fire_response_timer
from workers.broker import Jobs
from workers.dispatcher import BrokerSender, Dispatch, JobState
from workers.runtime import Runtime
from workers.settings import Settings


def ago(minutes: float) -> str:
    # From the moment of the call, not of the import: the suite may reach this module half an
    # hour after collecting it, and a lead "captured now" must not be half an hour old.
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


class Crash(Exception):
    """The dispatcher's process dies here."""


@dataclass
class CrashAfterFirstSend:
    """Hands one message to the queue, then dies before the dispatcher marks the job sent."""

    inner: BrokerSender

    def send(self, actor: str, args: Mapping[str, Any], job: str) -> None:
        self.inner.send(actor, args, job)
        raise Crash


@dataclass
class Clock:
    moment: datetime

    def __call__(self) -> datetime:
        return self.moment


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


def run_dispatcher(
    runtime: Runtime, sender: Any, now: Callable[[], datetime] | None = None
) -> None:
    options: dict[str, Any] = {} if now is None else {"now": now}
    running = Dispatch(
        runtime.app, runtime.db, sender, lock_dir=runtime.settings.data_dir, **options
    )
    try:
        running.run_until_idle()
    finally:
        running.stop()


def settle(runtime: Runtime, jobs: Jobs, now: Callable[[], datetime] | None = None) -> None:
    """Dispatch and work until nothing due is left: a started clock records its timers, which
    the next look sends."""
    for _ in range(4):
        run_dispatcher(runtime, BrokerSender(jobs.broker), now)
        jobs.join()


def capture(api: Api, seller: str, phone: str, minutes_ago: float, channel: str) -> str:
    body = {
        "store_id": str(api.world.store_a),
        "channel": channel,
        "customer_name": f"Customer {phone[-4:]}",
        "customer_phone": phone,
        "occurred_at": ago(minutes_ago),
    }
    return str(api.ok(api.post(seller, "/leads", body))["id"])


def clock_events(runtime: Runtime, lead_id: str) -> list[str]:
    events = runtime.app.repository.event_store.get(clock_id_for(UUID(lead_id)))
    return [type(e).__name__ for e in events]


def kinds(api: Api, user: str) -> list[tuple[str, str]]:
    notes = api.ok(api.get(user, "/notifications"), 200)
    return sorted((n["kind"], n["link"]) for n in notes if n["kind"].startswith("sla_"))


def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, "not reached in time"
            return value
        time.sleep(0.05)


def test_breaches_are_notified_once_and_the_second_limit_asks_for_a_new_owner(
    quiet_api: tuple[Api, Jobs],
) -> None:
    api, jobs = quiet_api
    seller, store = "sales_a1", api.world.store_a
    # Phone leads: 20 minutes, a warning at 10, the second limit at 40 (the store has no hours:
    # every minute counts). Other channels keep the default 15 / 10 / 30.
    rules = {
        "default": {"limit_minutes": 15, "warn_minutes": 10, "reassign_minutes": 30},
        "phone": {"limit_minutes": 20, "warn_minutes": 10, "reassign_minutes": 40},
    }
    api.ok(
        api.client.put(
            f"/stores/{store}/response-sla", json={"rules": rules}, headers=api.headers("manager_a")
        )
    )
    bad = {"rules": {"default": {"limit_minutes": 15, "warn_minutes": 15, "reassign_minutes": 30}}}
    refused = api.client.put(
        f"/stores/{store}/response-sla", json=bad, headers=api.headers("manager_a")
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    denied = api.client.put(
        f"/stores/{store}/response-sla", json={"rules": rules}, headers=api.headers(seller)
    )
    assert denied.status_code == 403
    shown = api.ok(api.get(seller, f"/stores/{store}/response-sla"), 200)
    assert (shown["version"], shown["rules"]["phone"]["limit_minutes"]) == (1, 20)

    silent = capture(api, seller, "13800000001", 120, "phone")  # nobody answered: escalates
    answered = capture(api, seller, "13800000002", 120, "walk_in")
    api.ok(
        api.post(seller, f"/leads/{answered}/activities", {"kind": "call", "occurred_at": ago(117)})
    )  # 3 minutes after capture
    robot = capture(api, seller, "13800000003", 12, "website")  # only an auto-reply: warned
    api.ok(
        api.post(
            seller,
            f"/leads/{robot}/activities",
            {"kind": "message", "automated": True, "occurred_at": ago(11)},
        )
    )
    fresh = capture(api, seller, "13800000004", 0, "website")  # its timers wait

    # The dispatcher dies after handing its first job over, unmarked; a new one finishes.
    with pytest.raises(Crash):
        run_dispatcher(api.runtime, CrashAfterFirstSend(BrokerSender(jobs.broker)))
    settle(api.runtime, jobs)
    fire_response_timer.send(lead_id=silent, stage="breach")  # a job delivered once more
    fire_response_timer.send(lead_id=silent, stage="warn")
    jobs.join()

    assert clock_events(api.runtime, silent) == ["Started", "Warned", "Breached", "Escalated"]
    assert clock_events(api.runtime, answered) == ["Started", "Answered"]
    assert clock_events(api.runtime, robot) == ["Started", "Warned"]
    assert clock_events(api.runtime, fresh) == ["Started"]
    lead_events = api.runtime.app.repository.event_store.get(UUID(silent))
    asked = [e for e in lead_events if isinstance(e, Lead.RoutingRequested)]
    assert [(e.reason, e.previous_id) for e in asked] == [("sla_breach", api.world.staff[seller])]
    waiting = [j for j in dispatcher.jobs(api.runtime.db) if j["args"].get("lead_id") == fresh]
    assert [j["state"] for j in waiting if j["kind"] == response_timers.KIND] == ["pending"] * 3

    link = f"/app/leads/{silent}"
    expected = [
        ("sla_about_to_breach", f"/app/leads/{robot}"),
        ("sla_about_to_breach", link),
        ("sla_breached", link),
    ]
    eventually(lambda: kinds(api, "manager_a") == sorted(expected))
    assert kinds(api, seller) == [] and kinds(api, "manager_b") == []

    at = {"position": api.runtime.app.position()}
    now = datetime.now(UTC)
    month = business_day(now, "Asia/Shanghai").strftime("%Y-%m")
    captured_month = business_day(now - timedelta(hours=2), "Asia/Shanghai").strftime("%Y-%m")
    report = api.ok(
        api.get("manager_a", "/reports/response-sla", params={**at, "month": month}), 200
    )
    if captured_month == month:  # (in a month's first two hours, two leads are last month's)
        assert report["total"]["leads"] == 4
        total = report["total"]
        assert (total["answered"], total["breached"], total["decided"]) == (1, 1, 2)
        assert total["breach_rate"] == "0.5000"
        assert total["buckets"]["0-5m"] == 1 and total["escalated"] == 1
        [person] = report["salespeople"]
        assert person["key"] == str(api.world.staff[seller])
    other = api.ok(api.get("manager_b", "/reports/response-sla", params=at), 200)
    assert other["total"]["leads"] == 0


def test_a_timer_survives_a_restart_and_fires_when_due_and_not_before(
    quiet_api: tuple[Api, Jobs],
) -> None:
    api, jobs = quiet_api
    lead_id = capture(api, "sales_a1", "13800000005", 0, "website")
    settle(api.runtime, jobs)  # the clock starts; its three timers are rows
    clock = api.runtime.app.load(ResponseClock, clock_id_for(UUID(lead_id)), "clock")

    # A restarted dispatcher (a new process would read the same rows) one second early ...
    settle(api.runtime, jobs, Clock(clock.warn_at - timedelta(seconds=1)))
    early = clock_events(api.runtime, lead_id)
    # ... and one second after the warning is due.
    settle(api.runtime, jobs, Clock(clock.warn_at + timedelta(seconds=1)))

    assert early == ["Started"]
    assert clock_events(api.runtime, lead_id) == ["Started", "Warned"]


@pytest.mark.redis
def test_a_timer_survives_a_restart_on_a_redis_broker(redis_url: str, tmp_path: Path) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    settings = dataclasses.replace(sqlite_settings(tmp_path), redis_url=redis_url)
    runtime = Runtime.build(settings, create_tables=True)
    runtime.runner.start()
    jobs = job_broker.configure(settings, runtime)
    worker = dramatiq.Worker(jobs.broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        world = build_world(runtime)
        seller = Principal(
            user_id="sales_a1",
            role=Role.SALESPERSON,
            store_id=world.store_a,
            staff_id=world.staff["sales_a1"],
        )
        lead_id = runtime.leads.capture_lead(
            seller,
            world.store_a,
            "phone",
            customer_name="Zhou Min",
            customer_phone="13800000006",
        ).id
        settle(runtime, jobs)
        clock = runtime.app.load(ResponseClock, clock_id_for(lead_id), "clock")
        settle(runtime, jobs, Clock(clock.due_at - timedelta(seconds=1)))
        early = clock_events(runtime, str(lead_id))
        settle(runtime, jobs, Clock(clock.due_at + timedelta(seconds=1)))

        assert early == ["Started", "Warned"]  # the warning was due before
        assert clock_events(runtime, str(lead_id)) == ["Started", "Warned", "Breached"]
        states = {j["state"] for j in dispatcher.jobs(runtime.db) if j["kind"] == "response_timer"}
        assert states == {JobState.SENT.value, JobState.PENDING.value}
    finally:
        worker.stop()
        jobs.broker.close()
        runtime.close()
