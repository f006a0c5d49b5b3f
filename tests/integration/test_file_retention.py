"""Stored files are deleted after the retention period, by the timer job; a download after that
answers 410 Gone (problem+json) on the API and says so inline on the pages. SQLite and
PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from projections.db import Database
from tests.integration.conftest import PASSWORD, Api
from tests.pages.client import PageClient
from workers import dispatcher, files, retention, timers
from workers.actors.maintenance import expire_stored_files

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def made_days_ago(db: Database, export_id: str, days: float) -> None:
    """Backdate a stored file, as if it had been made `days` ago."""
    moment = (datetime.now(UTC) - timedelta(days=days)).isoformat()
    with db.transaction() as tx:
        tx.execute(
            "UPDATE export_files SET created_at = ? WHERE export_id = ?", (moment, export_id)
        )


def an_exported_workbook(api: Api) -> str:
    """A completed KPI export of the group, requested by the admin; its id."""
    requested = api.post("admin", "/exports", json={"month": "2026-05"})
    assert requested.status_code == 202, requested.text
    export_id: str = requested.json()["id"]
    deadline = time.monotonic() + 60
    while api.get("admin", f"/exports/{export_id}").json()["status"] != "completed":
        assert time.monotonic() < deadline, "the export did not complete"
        time.sleep(0.05)
    return export_id


def test_files_older_than_the_retention_period_are_deleted_and_newer_ones_kept(
    api: Api,
) -> None:
    db = api.runtime.db
    files.save_file(db, "old", "old.xlsx", "application/x", b"old")
    files.save_file(db, "new", "new.xlsx", "application/x", b"new")
    made_days_ago(db, "old", 31)
    made_days_ago(db, "new", 29)

    deleted = retention.expire_files(db, 30)
    again = retention.expire_files(db, 30)

    assert (deleted, again) == (1, 0)
    assert files.load_file(db, "old") is None and files.load_file(db, "new") is not None
    gone = retention.expired(db, "old")
    assert gone is not None and gone.file_name == "old.xlsx"
    assert retention.expired(db, "new") is None


def test_a_retention_of_zero_days_keeps_every_file(api: Api) -> None:
    db = api.runtime.db
    files.save_file(db, "old", "old.xlsx", "application/x", b"old")
    made_days_ago(db, "old", 3650)

    assert retention.expire_files(db, 0) == 0
    assert files.load_file(db, "old") is not None


def test_the_retention_timer_job_deletes_the_expired_files(api: Api) -> None:
    db = api.runtime.db
    files.save_file(db, "old", "old.xlsx", "application/x", b"old")
    made_days_ago(db, "old", 40)
    timers.ClockTimers(db, timers.recurring_timers(api.runtime.settings))(NOW)
    [job] = [
        j
        for j in dispatcher.jobs(db)
        if j["kind"] == timers.RETENTION_KIND and j["args"]["slot"] == "2026-12-07T06:00:00+00:00"
    ]

    expire_stored_files.fn(**job["args"])  # as the worker runs the job the dispatcher sent

    assert job["actor"] == "expire_stored_files"
    assert files.load_file(db, "old") is None


def test_downloading_an_export_after_its_retention_answers_410_gone(api: Api) -> None:
    export_id = an_exported_workbook(api)
    made_days_ago(api.runtime.db, export_id, 31)
    retention.expire_files(api.runtime.db, api.runtime.settings.file_retention_days)

    answer = api.get("admin", f"/exports/{export_id}/file")

    assert answer.status_code == 410
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    assert body["status"] == 410 and body["file_name"] == "kpi-2026-05-group.xlsx"
    assert body["retention_days"] == 30 and "retention" in body["detail"]
    assert api.get("admin", f"/exports/{export_id}").json()["status"] == "completed"


def test_a_file_that_never_existed_is_still_not_found(api: Api) -> None:
    export_id = an_exported_workbook(api)
    with api.runtime.db.transaction() as tx:
        tx.execute("DELETE FROM export_files WHERE export_id = ?", (export_id,))

    answer = api.get("admin", f"/exports/{export_id}/file")

    assert answer.status_code == 404


def test_the_export_page_says_inline_that_the_file_was_deleted_after_the_retention_period(
    api: Api,
) -> None:
    export_id = an_exported_workbook(api)
    made_days_ago(api.runtime.db, export_id, 31)
    retention.expire_files(api.runtime.db, 30)
    admin = PageClient(TestClient(api.client.app, raise_server_exceptions=False))
    admin.log_in("admin", PASSWORD)

    page = admin.get(f"/app/pay/exports/{export_id}")
    download = admin.get(f"/app/pay/exports/{export_id}/file")

    assert page.status_code == 200
    assert "文件保留 30 天" in page.text  # the pages speak Chinese by default
    assert f"/app/pay/exports/{export_id}/file" not in page.text
    assert download.status_code == 410
    assert "文件已删除" in download.text and "重新导出" in download.text
