"""Exports end to end: POST /exports, the worker builds the workbook, poll, download, open it.

Runs on SQLite and PostgreSQL (the `settings` fixture); the Redis test runs the job on a real
dramatiq worker of a RedisBroker, as `showroom worker` does in production.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import dramatiq
import openpyxl
import pytest
import redis
from dramatiq.brokers.redis import RedisBroker
from fastapi.testclient import TestClient

from api.main import create_app
from domain.reporting.service import Reporting
from domain.shared.actor import SYSTEM
from domain.shared.values import with_check_digit
from projections.db import open_database
from projections.runner import ViewsNotCaughtUpError
from tests.conftest import sqlite_settings
from workers import files
from workers.actors.exports import CNY_FORMAT, MAX_RETRIES, export_kpi_month
from workers.runtime import Runtime
from workers.settings import Settings

MAY = datetime(2026, 5, 11, 2, 0, tzinfo=UTC)  # 10:00 on the floor in Shanghai
PASSWORD = "correct-horse-battery"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclasses.dataclass
class Floor:
    store_id: UUID
    other_store_id: UUID
    salesperson_id: UUID


def runtime_of(client: TestClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def arrange_a_delivered_sale(runtime: Runtime) -> Floor:
    """Hangzhou sells one car in May 2026: ¥205,000 against a cost of ¥180,000."""
    org, sales = runtime.organisation, runtime.sales
    store = org.open_store(SYSTEM, "Hangzhou BYD", "Hangzhou", ["BYD"], occurred_at=MAY).id
    other = org.open_store(SYSTEM, "Ningbo BYD", "Ningbo", ["BYD"], occurred_at=MAY).id
    seller = org.hire_staff(SYSTEM, store, "Chen Jie", "salesperson", occurred_at=MAY).id
    customer = runtime.crm.register_customer(
        SYSTEM, store, "Li Wei", "13800000001", owner_id=seller, occurred_at=MAY
    ).id
    vehicle = runtime.inventory.receive_vehicle(
        SYSTEM,
        store,
        with_check_digit("LSGKB54H0KS000001"),
        "BYD",
        "Han",
        "EV Flagship",
        "Black",
        2026,
        "new",
        Decimal("180000"),
        Decimal("209800"),
        occurred_at=MAY,
    ).id
    deal = sales.open_deal(SYSTEM, store, customer, salesperson_id=seller, occurred_at=MAY).id
    sales.attach_vehicle(SYSTEM, deal, vehicle, occurred_at=MAY + timedelta(minutes=10))
    sales.quote_deal(SYSTEM, deal, "205000", occurred_at=MAY + timedelta(minutes=20))
    sales.sign_contract(SYSTEM, deal, occurred_at=MAY + timedelta(minutes=30))
    sales.deliver_deal(SYSTEM, deal, occurred_at=MAY + timedelta(days=2))
    return Floor(store_id=store, other_store_id=other, salesperson_id=seller)


def user(runtime: Runtime, username: str, role: str, **scope: Any) -> None:
    runtime.organisation.register_user(SYSTEM, username, PASSWORD, role, **scope)


def login(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post("/auth/token", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def wait_until_done(client: TestClient, export_id: str, auth: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        body: dict[str, Any] = client.get(f"/exports/{export_id}", headers=auth).json()
        if body["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def opened(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def rows_of(sheet: Any) -> list[dict[str, Any]]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The API with its projection runner and an in-process job worker (StubBroker)."""
    with TestClient(create_app(settings, create_tables=True)) as test_client:
        files.migrate(runtime_of(test_client).db)
        yield test_client


@pytest.fixture
def idle_client(settings: Settings) -> Iterator[TestClient]:
    """The API with no job worker: requested exports wait in the queue."""
    quick = dataclasses.replace(settings, read_wait_seconds=0.05)
    with TestClient(create_app(quick, create_tables=True, run_workers=False)) as test_client:
        files.migrate(runtime_of(test_client).db)
        yield test_client


# --- the whole flow -------------------------------------------------------------------------------


def test_an_export_is_requested_polled_and_downloaded(client: TestClient) -> None:
    runtime = runtime_of(client)
    floor = arrange_a_delivered_sale(runtime)
    user(runtime, "boss", "admin")
    auth = login(client, "boss")

    requested = client.post("/exports", json={"month": "2026-05"}, headers=auth)
    assert requested.status_code == 202, requested.text
    export = wait_until_done(client, requested.json()["id"], auth)
    download = client.get(f"/exports/{export['id']}/file", headers=auth)

    assert export["status"] == "completed", export
    assert export["file_name"] == "kpi-2026-05-group.xlsx"
    assert download.status_code == 200
    assert download.headers["content-type"] == XLSX
    assert "attachment" in download.headers["content-disposition"]
    assert export["size"] == len(download.content)
    assert export["sha256"] == hashlib.sha256(download.content).hexdigest()
    book = opened(download.content)
    assert book.sheetnames == ["KPIs", "Leaderboard"]
    [kpi] = rows_of(book["KPIs"])
    assert (kpi["Salesperson"], kpi["Store"], kpi["Units delivered"]) == (
        "Chen Jie",
        "Hangzhou BYD",
        1,
    )
    assert (kpi["Revenue"], kpi["Front gross"]) == (205000, 25000)
    assert export["rows"] == 1
    [line] = rows_of(book["Leaderboard"])
    assert line == {
        "Rank": 1,
        "Salesperson": "Chen Jie",
        "Store": "Hangzhou BYD",
        "Units": 1,
        "Gross": 25000,
        "Revenue": 205000,
    }
    assert floor.salesperson_id


def test_money_is_a_number_in_yuan_under_bold_frozen_headers(client: TestClient) -> None:
    runtime = runtime_of(client)
    arrange_a_delivered_sale(runtime)
    user(runtime, "boss", "admin")
    auth = login(client, "boss")

    export_id = client.post("/exports", json={"month": "2026-05"}, headers=auth).json()["id"]
    wait_until_done(client, export_id, auth)
    book = opened(client.get(f"/exports/{export_id}/file", headers=auth).content)

    sheet = book["Leaderboard"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    gross = sheet.cell(row=2, column=5)
    assert isinstance(gross.value, int | float)
    assert gross.number_format == CNY_FORMAT


def test_a_chinese_export_has_chinese_headers(client: TestClient) -> None:
    runtime = runtime_of(client)
    floor = arrange_a_delivered_sale(runtime)
    user(runtime, "zhang", "store_manager", store_id=floor.store_id)
    auth = login(client, "zhang")

    export_id = client.post(
        "/exports", json={"month": "2026-05", "language": "zh"}, headers=auth
    ).json()["id"]
    export = wait_until_done(client, export_id, auth)
    book = opened(client.get(f"/exports/{export_id}/file", headers=auth).content)

    assert export["store_id"] == str(floor.store_id)
    assert export["file_name"] == f"kpi-2026-05-store-{floor.store_id.hex[:8]}.xlsx"
    [line] = rows_of(book["Leaderboard"])
    assert (line["排名"], line["销售顾问"], line["台数"], line["毛利"]) == (1, "Chen Jie", 1, 25000)


def test_another_store_exports_nothing_of_this_one(client: TestClient) -> None:
    runtime = runtime_of(client)
    floor = arrange_a_delivered_sale(runtime)
    user(runtime, "finance", "finance")
    auth = login(client, "finance")

    export_id = client.post(
        "/exports", json={"month": "2026-05", "store_id": str(floor.other_store_id)}, headers=auth
    ).json()["id"]
    export = wait_until_done(client, export_id, auth)
    book = opened(client.get(f"/exports/{export_id}/file", headers=auth).content)

    assert export["rows"] == 0
    assert rows_of(book["KPIs"]) == []
    assert rows_of(book["Leaderboard"]) == []


def test_a_retried_message_of_a_completed_export_changes_nothing(client: TestClient) -> None:
    runtime = runtime_of(client)
    arrange_a_delivered_sale(runtime)
    user(runtime, "boss", "admin")
    auth = login(client, "boss")
    written = client.post("/exports", json={"month": "2026-05"}, headers=auth).json()
    before = wait_until_done(client, written["id"], auth)

    export_kpi_month(written["id"], written["position"])

    after = client.get(f"/exports/{written['id']}", headers=auth).json()
    assert after == before


# --- refusals ---------------------------------------------------------------------------------


def test_a_salesperson_may_not_request_an_export(client: TestClient) -> None:
    runtime = runtime_of(client)
    floor = arrange_a_delivered_sale(runtime)
    user(runtime, "chen", "salesperson", staff_id=floor.salesperson_id)

    answer = client.post("/exports", json={"month": "2026-05"}, headers=login(client, "chen"))

    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_manager_may_not_export_another_store(idle_client: TestClient) -> None:
    runtime = runtime_of(idle_client)
    floor = arrange_a_delivered_sale(runtime)
    user(runtime, "zhang", "store_manager", store_id=floor.store_id)

    answer = idle_client.post(
        "/exports",
        json={"month": "2026-05", "store_id": str(floor.other_store_id)},
        headers=login(idle_client, "zhang"),
    )

    assert answer.status_code == 403


@pytest.mark.parametrize("month", ["2026-13", "May", "2026-5"])
def test_a_malformed_month_is_an_invalid_request(idle_client: TestClient, month: str) -> None:
    user(runtime_of(idle_client), "boss", "admin")

    answer = idle_client.post("/exports", json={"month": month}, headers=login(idle_client, "boss"))

    assert answer.status_code == 422


def test_the_file_of_an_unfinished_export_is_a_conflict(idle_client: TestClient) -> None:
    user(runtime_of(idle_client), "boss", "admin")
    auth = login(idle_client, "boss")
    export_id = idle_client.post("/exports", json={"month": "2026-05"}, headers=auth).json()["id"]

    answer = idle_client.get(f"/exports/{export_id}/file", headers=auth)

    assert answer.status_code == 409
    assert answer.json()["export_status"] == "requested"


def test_another_user_does_not_see_an_export(idle_client: TestClient) -> None:
    runtime = runtime_of(idle_client)
    user(runtime, "boss", "admin")
    user(runtime, "finance", "finance")
    export_id = idle_client.post(
        "/exports", json={"month": "2026-05"}, headers=login(idle_client, "finance")
    ).json()["id"]

    mine = idle_client.get(f"/exports/{export_id}", headers=login(idle_client, "finance"))
    theirs = idle_client.get(f"/exports/{export_id}", headers=login(idle_client, "boss"))
    user(runtime, "exec", "group_exec")
    stranger = idle_client.get(f"/exports/{export_id}", headers=login(idle_client, "exec"))

    assert (mine.status_code, theirs.status_code, stranger.status_code) == (200, 200, 404)


def test_an_export_is_failed_after_its_last_retry(idle_client: TestClient) -> None:
    runtime = runtime_of(idle_client)
    user(runtime, "boss", "admin")
    auth = login(idle_client, "boss")
    export_id = idle_client.post("/exports", json={"month": "2026-05"}, headers=auth).json()["id"]
    unreachable = runtime.app.position() + 1_000_000  # the views never get there

    for _ in range(MAX_RETRIES + 1):
        with pytest.raises(ViewsNotCaughtUpError):
            export_kpi_month(export_id, unreachable)

    export = idle_client.get(f"/exports/{export_id}", headers=auth).json()
    assert export["status"] == "failed"
    assert export["attempts"] == MAX_RETRIES + 1
    assert "ViewsNotCaughtUpError" in export["error"]
    assert Reporting(runtime.app).get_export(SYSTEM, UUID(export_id)).done


# --- the files table -----------------------------------------------------------------------------


def test_a_stored_file_is_read_back_and_replaced_by_a_retry(settings: Settings) -> None:
    db = open_database(settings.database_url, settings.data_dir, settings.postgres_schema)
    try:
        files.migrate(db)
        files.migrate(db)
        files.save_file(db, "e-1", "a.xlsx", XLSX, b"first \x00 bytes")
        files.save_file(db, "e-1", "b.xlsx", XLSX, b"second \x00\xff bytes")

        stored = files.load_file(db, "e-1")

        assert stored is not None
        assert (stored.file_name, stored.content) == ("b.xlsx", b"second \x00\xff bytes")
        assert files.load_file(db, "missing") is None
    finally:
        db.close()


# --- a real Redis broker ------------------------------------------------------------------------


@pytest.mark.redis
def test_the_export_runs_on_a_redis_worker(redis_url: str, tmp_path: Path) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    settings = dataclasses.replace(sqlite_settings(tmp_path), redis_url=redis_url)
    with TestClient(create_app(settings, create_tables=True, run_workers=False)) as client:
        runtime = runtime_of(client)
        files.migrate(runtime.db)
        arrange_a_delivered_sale(runtime)
        user(runtime, "boss", "admin")
        auth = login(client, "boss")
        broker = export_kpi_month.broker
        assert isinstance(broker, RedisBroker)
        worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
        worker.start()
        try:
            export_id = client.post("/exports", json={"month": "2026-05"}, headers=auth).json()[
                "id"
            ]
            export = wait_until_done(client, export_id, auth)
        finally:
            worker.stop()
            broker.close()

        download = client.get(f"/exports/{export_id}/file", headers=auth)
        assert export["status"] == "completed", export
        assert hashlib.sha256(download.content).hexdigest() == export["sha256"]
