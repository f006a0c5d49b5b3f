"""/metrics: who may scrape it, and what it tells: requests by route template, failed logins,
each view's lag, the jobs by state and the broker's queues and dead letters."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import dramatiq
import pytest
import redis
from dramatiq.brokers.redis import RedisBroker
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.main import create_app
from domain.shared.actor import SYSTEM
from projections.registry import all_projections
from tests.conftest import sqlite_settings
from tests.integration.conftest import Api
from workers import files
from workers.actors.exports import export_kpi_month
from workers.dispatcher import Dispatcher, JobState
from workers.runtime import Runtime
from workers.settings import Settings

TOKEN = "scrape-" + "s" * 40
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Both backends, with a metrics token set."""
    return dataclasses.replace(settings, metrics_token=TOKEN)


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics", headers=SCRAPE)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def runtime_of(client: TestClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


# --- who may scrape ------------------------------------------------------------------------------


def test_metrics_answers_404_when_no_token_is_configured(tmp_path: Path) -> None:
    with TestClient(create_app(sqlite_settings(tmp_path), create_tables=True)) as client:
        response = client.get("/metrics", headers=SCRAPE)

    assert response.status_code == 404


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "],
    ids=["none", "wrong", "other-scheme", "longer", "empty"],
)
def test_metrics_refuses_a_missing_or_wrong_token_with_401(api: Api, authorization: str) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = api.client.get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "showroom_" not in response.text


def test_a_user_token_does_not_open_metrics(api: Api) -> None:
    response = api.get("admin", "/metrics")

    assert response.status_code == 401


# --- requests ------------------------------------------------------------------------------------


def test_requests_are_counted_and_timed_by_method_route_template_and_status_class(
    api: Api,
) -> None:
    lead_id = uuid.uuid4()
    route = {"method": "GET", "route": "/leads/{lead_id}", "status": "4xx"}
    before = scrape(api.client)

    for _ in range(3):
        assert api.get("admin", f"/leads/{lead_id}").status_code == 404
    after = scrape(api.client)

    counted = value(after, "showroom_http_requests_total", **route)
    assert counted - value(before, "showroom_http_requests_total", **route) == 3
    timed = value(after, "showroom_http_request_duration_seconds_count", **route)
    assert timed - value(before, "showroom_http_request_duration_seconds_count", **route) == 3
    assert value(after, "showroom_http_request_duration_seconds_bucket", le="+Inf", **route) > 0


def test_no_raw_path_id_or_query_becomes_a_label(api: Api) -> None:
    lead_id = uuid.uuid4()

    api.get("admin", f"/leads/{lead_id}", params={"phone": "13912345678"})
    api.client.get(f"/no/such/{lead_id}")
    text = api.client.get("/metrics", headers=SCRAPE).text

    assert str(lead_id) not in text
    assert "13912345678" not in text
    assert 'route="unmatched"' in text


def test_an_unknown_method_is_counted_as_other(api: Api) -> None:
    api.client.request("BREW", "/health")

    samples = scrape(api.client)

    assert value(samples, "showroom_http_requests_total", method="OTHER", route="/health",
                 status="4xx") >= 1  # fmt: skip


def test_failed_logins_are_counted(api: Api) -> None:
    api.headers("admin")  # a successful login first: not counted
    before = value(scrape(api.client), "showroom_logins_failed_total")

    for password in ("wrong-1", "wrong-2"):
        answer = api.client.post("/auth/token", data={"username": "admin", "password": password})
        assert answer.status_code == 401
    api.client.post("/auth/token", data={"username": "nobody", "password": "x"})

    assert value(scrape(api.client), "showroom_logins_failed_total") - before == 3


# --- views and jobs, read at scrape time ---------------------------------------------------------


@pytest.fixture
def still(settings: Settings) -> Iterator[TestClient]:
    """The API with no projection runner, dispatcher or worker: the views stay where they are.
    No clock timers (checkpoints, retention), so the only jobs are those a test asks for."""
    quiet = replace(settings, checkpoint_minutes=0, file_retention_days=0)
    app = create_app(quiet, create_tables=True, run_projections=False, run_workers=False)
    with TestClient(app) as client:
        files.migrate(runtime_of(client).db)
        yield client


def test_each_views_lag_is_the_log_head_minus_its_position(still: TestClient) -> None:
    runtime = runtime_of(still)
    store = runtime.organisation.open_store(SYSTEM, "Pudong BYD", "Shanghai", ["BYD"]).id
    runtime.organisation.hire_staff(SYSTEM, store, "Chen Jie", "salesperson")
    head = runtime.app.position()

    behind = scrape(still)
    runtime.runner.run_until_caught_up()
    caught_up = scrape(still)

    names = [p.name for p in all_projections()] + [Dispatcher.name]
    assert value(behind, "showroom_log_head_position") == head
    assert {n: value(behind, "showroom_view_lag_events", view=n) for n in names} == {
        n: head for n in names
    }
    views = [p.name for p in all_projections()]
    assert {n: value(caught_up, "showroom_view_lag_events", view=n) for n in views} == {
        n: 0 for n in views
    }
    assert {n: value(caught_up, "showroom_view_position", view=n) for n in views} == {
        n: head for n in views
    }
    assert all(value(caught_up, "showroom_view_stopped", view=n) == 0 for n in names)


def test_jobs_are_reported_by_state_and_a_sent_job_waits_in_the_queue(still: TestClient) -> None:
    runtime = runtime_of(still)
    runtime.reporting.request_export(SYSTEM, "2026-05", None, "en")
    before = scrape(still)

    still.app.state.jobs.dispatch.run_until_idle()  # type: ignore[attr-defined]
    after = scrape(still)

    assert {s.value: value(before, "showroom_jobs", state=s.value) for s in JobState} == {
        "pending": 0,
        "sent": 0,
        "cancelled": 0,
        "undeliverable": 0,
    }
    assert value(after, "showroom_jobs", state="sent") == 1
    assert value(after, "showroom_broker_up") == 1
    assert value(after, "showroom_broker_queue_depth", queue="default") == 1
    assert value(after, "showroom_broker_dead_letters", queue="default") == 0


def test_a_job_that_failed_every_retry_is_a_dead_letter(api: Api) -> None:
    # An export that does not exist fails at once; with no retry left it goes to the dead letters.
    export_kpi_month.send_with_options(args=(str(uuid.uuid4()), 0), max_retries=0)
    deadline = time.monotonic() + 30
    while value(scrape(api.client), "showroom_broker_dead_letters", queue="default") < 1:
        assert time.monotonic() < deadline, "no dead letter"
        time.sleep(0.1)

    samples = scrape(api.client)

    assert value(samples, "showroom_broker_dead_letters", queue="default") == 1
    assert value(samples, "showroom_broker_queue_depth", queue="default") == 0


@pytest.mark.redis
def test_the_redis_queue_depth_and_dead_letters_are_read_from_redis(
    redis_url: str, tmp_path: Path
) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    settings = dataclasses.replace(
        sqlite_settings(tmp_path), redis_url=redis_url, metrics_token=TOKEN
    )
    app = create_app(settings, create_tables=True, run_projections=False, run_workers=False)
    with TestClient(app) as client:
        broker = export_kpi_month.broker
        assert isinstance(broker, RedisBroker)
        for _ in range(2):
            export_kpi_month.send_with_options(args=(str(uuid.uuid4()), 0), max_retries=0)
        queued = scrape(client)
        worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
        worker.start()
        try:
            deadline = time.monotonic() + 30
            while value(scrape(client), "showroom_broker_dead_letters", queue="default") < 2:
                assert time.monotonic() < deadline, "no dead letters"
                time.sleep(0.1)
        finally:
            worker.stop()
        drained = scrape(client)
        broker.close()

    assert value(queued, "showroom_broker_queue_depth", queue="default") == 2
    assert value(drained, "showroom_broker_queue_depth", queue="default") == 0
    assert value(drained, "showroom_broker_dead_letters", queue="default") == 2
    assert value(drained, "showroom_broker_up") == 1
