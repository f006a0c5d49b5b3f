"""Request ids and JSON logs: every log line is one JSON object; a request's lines, and the lines
of the jobs its events ask for, carry its id; no personal data reaches the log."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dramatiq
import pytest
import redis
from dramatiq.brokers.redis import RedisBroker
from fastapi.testclient import TestClient

from api.main import create_app
from domain.shared.actor import SYSTEM
from ops.logs import handler
from projections.db import open_database
from tests.conftest import sqlite_settings
from tests.integration.conftest import Api
from tests.integration.test_exports import (
    arrange_a_delivered_sale,
    login,
    runtime_of,
    user,
    wait_until_done,
)
from workers import correlation, dispatcher, files
from workers.actors.exports import export_kpi_month
from workers.settings import Settings

PHONE = "13912345678"


class Captured:
    """What the process logged, as the JSON lines ops/logs.py writes."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def lines(self) -> list[dict[str, Any]]:
        # The test client's own logger (httpx, the *client* side) is not the server's log.
        parsed = [json.loads(line) for line in self.stream.getvalue().splitlines()]
        return [line for line in parsed if not line["logger"].startswith("httpx")]

    def text(self) -> str:
        return "\n".join(json.dumps(line, ensure_ascii=False) for line in self.lines())


@pytest.fixture
def logs() -> Iterator[Captured]:
    """Every log line of this process at DEBUG and above, formatted as in production."""
    stream = io.StringIO()
    out = handler(stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(out)
    root.setLevel(logging.DEBUG)
    try:
        yield Captured(stream)
    finally:
        root.removeHandler(out)
        root.setLevel(level)


# --- the id --------------------------------------------------------------------------------------


def test_a_valid_incoming_request_id_is_echoed(api: Api) -> None:
    response = api.client.get("/health", headers={"X-Request-ID": "lb-7f3a:2.x_y"})

    assert response.headers["x-request-id"] == "lb-7f3a:2.x_y"


@pytest.mark.parametrize(
    "incoming",
    ["a" * 65, "has space", "semi;colon", "new\\nline", "ünïcode", ""],
    ids=["too-long", "space", "semicolon", "backslash", "non-ascii", "empty"],
)
def test_an_unsafe_request_id_is_replaced_by_a_new_one(api: Api, incoming: str) -> None:
    response = api.client.get("/health", headers={"X-Request-ID": incoming.encode("utf-8")})

    echoed = response.headers["x-request-id"]
    assert echoed != incoming
    assert correlation.valid(echoed) == echoed and len(echoed) == 32


def test_each_request_without_an_id_gets_its_own(api: Api) -> None:
    ids = {api.client.get("/health").headers["x-request-id"] for _ in range(3)}

    assert len(ids) == 3


def test_a_refused_request_carries_its_id_too(api: Api) -> None:
    response = api.client.get("/leads", headers={"X-Request-ID": "refused-1"})

    assert response.status_code == 401
    assert response.headers["x-request-id"] == "refused-1"


# --- the log lines -------------------------------------------------------------------------------


def test_every_line_is_one_json_object_and_the_access_line_has_the_route_template(
    api: Api, logs: Captured
) -> None:
    token = api.headers("admin")

    api.client.get(
        "/leads/00000000-0000-0000-0000-000000000001",
        headers={**token, "X-Request-ID": "req-access-1"},
    )

    lines = logs.lines()
    assert lines and all(
        {"time", "level", "logger", "message", "request_id"} <= set(x) for x in lines
    )
    [access] = [
        x for x in lines if x["logger"] == "showroom.access" and x["request_id"] == "req-access-1"
    ]
    assert (access["method"], access["route"], access["status"]) == ("GET", "/leads/{lead_id}", 404)
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] >= 0
    assert "00000000-0000-0000-0000-000000000001" not in json.dumps(access)


def test_an_exception_is_logged_as_one_json_line_with_its_traceback(logs: Captured) -> None:
    with correlation.bound("req-boom"):
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("showroom.test").exception("it failed")

    [line] = [x for x in logs.lines() if x["logger"] == "showroom.test"]
    assert line["request_id"] == "req-boom"
    assert line["level"] == "ERROR" and "ValueError: boom" in line["exception"]


def test_a_phone_in_a_body_or_a_query_never_reaches_the_log(api: Api, logs: Captured) -> None:
    store = str(api.world.store_a)
    body = {"store_id": store, "name": "Wang Fang", "phone": PHONE}

    created = api.post("admin", "/customers", body)
    duplicate = api.post("admin", "/customers", body)  # 409: the phone is known
    refused = api.post("admin", "/customers", {**body, "store_id": "not-a-uuid"})  # 422
    api.get("admin", "/customers", params={"phone": PHONE, "q": PHONE})
    api.client.post("/auth/token", data={"username": PHONE, "password": PHONE})  # 401

    assert (created.status_code, duplicate.status_code, refused.status_code) == (201, 409, 422)
    assert logs.lines(), "nothing was logged"
    assert PHONE not in logs.text()
    # A masked phone keeps its last four digits ("139****5678"); a request id is random hex and
    # may end in those same four digits by chance, so look for them only after the mask's stars.
    assert not re.search(r"\*+" + PHONE[-4:], logs.text()), "a masked phone reached the log"
    assert "Wang Fang" not in logs.text()


# --- into the jobs -------------------------------------------------------------------------------


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The API with its projection runner, dispatcher and an in-process worker; both backends."""
    with TestClient(create_app(settings, create_tables=True)) as test_client:
        files.migrate(runtime_of(test_client).db)
        yield test_client


def request_an_export(client: TestClient, request_id: str) -> tuple[str, dict[str, str]]:
    runtime = runtime_of(client)
    arrange_a_delivered_sale(runtime)
    user(runtime, "boss", "admin")
    auth = login(client, "boss")
    answer = client.post(
        "/exports", json={"month": "2026-05"}, headers={**auth, "X-Request-ID": request_id}
    )
    assert answer.status_code == 202, answer.text
    assert answer.headers["x-request-id"] == request_id
    return str(answer.json()["id"]), auth


def test_the_export_job_of_a_request_logs_with_the_request_id(
    client: TestClient, logs: Captured
) -> None:
    export_id, auth = request_an_export(client, "req-export-1")

    export = wait_until_done(client, export_id, auth)

    assert export["status"] == "completed", export
    [job] = [
        j for j in dispatcher.jobs(runtime_of(client).db) if j["args"].get("export_id") == export_id
    ]
    assert job["request_id"] == "req-export-1"
    [done] = [x for x in logs.lines() if x["message"].startswith(f"export {export_id} completed")]
    assert done["logger"] == "workers.actors.exports"
    assert done["request_id"] == "req-export-1"


def test_a_job_of_an_event_no_request_asked_for_has_no_request_id(
    client: TestClient, logs: Captured
) -> None:
    runtime = runtime_of(client)
    export_id = str(runtime.reporting.request_export(SYSTEM, "2026-05", None, "en").id)

    runtime.runner.run_until_caught_up()
    deadline = time.monotonic() + 30
    while not [j for j in dispatcher.jobs(runtime.db) if j["args"].get("export_id") == export_id]:
        assert time.monotonic() < deadline
        time.sleep(0.05)

    [job] = [j for j in dispatcher.jobs(runtime.db) if j["args"].get("export_id") == export_id]
    assert job["request_id"] is None


def test_an_old_jobs_table_gains_the_request_id_column(settings: Settings) -> None:
    db = open_database(settings.database_url, settings.data_dir, settings.postgres_schema)
    try:
        with db.transaction() as tx:
            tx.execute(
                "CREATE TABLE jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, actor TEXT NOT NULL,"
                " args TEXT NOT NULL, position BIGINT NOT NULL, due_at TEXT NOT NULL,"
                " state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, sent_at TEXT,"
                " error TEXT)"
            )
            tx.execute(
                "INSERT INTO jobs (id, kind, actor, args, position, due_at, state)"
                " VALUES ('j1', 'export', 'export_kpi_month', '{}', 1, '2026', 'sent')"
            )

        dispatcher.migrate(db)
        dispatcher.migrate(db)

        [job] = dispatcher.jobs(db)
        assert job["id"] == "j1" and job["request_id"] is None
    finally:
        db.close()


@pytest.mark.redis
def test_the_request_id_reaches_a_job_run_by_a_redis_worker(
    redis_url: str, tmp_path: Path, logs: Captured
) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    settings = dataclasses.replace(sqlite_settings(tmp_path), redis_url=redis_url)
    with TestClient(create_app(settings, create_tables=True, run_workers=False)) as client:
        files.migrate(runtime_of(client).db)
        broker = export_kpi_month.broker
        assert isinstance(broker, RedisBroker)
        worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
        worker.start()
        try:
            export_id, auth = request_an_export(client, "req-redis-1")
            export = wait_until_done(client, export_id, auth)
        finally:
            worker.stop()
            broker.close()

    assert export["status"] == "completed", export
    [done] = [x for x in logs.lines() if x["message"].startswith(f"export {export_id} completed")]
    assert done["request_id"] == "req-redis-1"


def test_a_write_whose_request_id_cannot_be_noted_is_still_made(
    settings: Settings, logs: Captured
) -> None:
    app = create_app(settings, create_tables=True, run_projections=False, run_workers=False)
    with TestClient(app) as still:
        runtime = runtime_of(still)
        with runtime.db.transaction() as tx:
            tx.execute(f"DROP TABLE {correlation.TABLE}")  # a store not migrated since
        user(runtime, "boss", "admin")
        auth = login(still, "boss")

        answer = still.post(
            "/exports", json={"month": "2026-05"}, headers={**auth, "X-Request-ID": "req-lost"}
        )

    assert answer.status_code == 202, answer.text
    [warning] = [x for x in logs.lines() if x["logger"] == "workers.correlation"]
    assert warning["level"] == "WARNING" and warning["request_id"] == "req-lost"
