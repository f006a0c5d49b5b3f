"""The log chain's checkpoints where people meet them: the auditor's API route and page (with
the download to keep elsewhere), `showroom audit`, the hourly timer and the approval rule."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.pay.periods import PayPeriod
from domain.shared.actor import SYSTEM
from ops.cli import main
from tests.integration.conftest import PASSWORD, Api
from tests.integration.test_tamper import RawLog
from tests.pages.client import PageClient
from workers import broker as job_broker
from workers import checkpoints, dispatcher, timers
from workers.actors.checkpoints import write_checkpoint
from workers.checkpoints import ACTOR as ACTOR_NAME
from workers.runtime import Runtime
from workers.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No timed checkpoint at start-up (the recurring timer would write one): these tests
    write the checkpoints they look at."""
    return dataclasses.replace(settings, checkpoint_minutes=0)


def page_client(api: Api, username: str) -> PageClient:
    client = PageClient(TestClient(api.client.app, raise_server_exceptions=False))
    client.log_in(username, PASSWORD)
    return client


def checkpoint_now(api: Api) -> Any:
    runtime = api.runtime
    outcome = checkpoints.write_checkpoint(
        runtime.app, runtime.db, runtime.settings.keys, reason="manual"
    )
    assert outcome.checkpoint is not None
    return outcome.checkpoint


def test_an_auditor_exports_the_checkpoints_with_a_public_key_that_checks_them(api: Api) -> None:
    mark = checkpoint_now(api)

    exported = api.ok(api.get("auditor", "/history/checkpoints"), 200)
    downloaded = page_client(api, "auditor").get("/app/audit/checkpoints.json")

    assert [c["position"] for c in exported["checkpoints"]] == [mark.position]
    keys, marks = checkpoints.read_export(json.dumps(exported))
    assert checkpoints.check_export(keys, marks) == []
    assert downloaded.status_code == 200
    assert "attachment" in downloaded.headers["content-disposition"]
    assert json.loads(downloaded.text)["checkpoints"] == exported["checkpoints"]


@pytest.mark.parametrize("username", ["sales_a1", "manager_a", "finance"])
def test_only_auditors_read_the_checkpoints(api: Api, username: str) -> None:
    checkpoint_now(api)

    assert api.get(username, "/history/checkpoints").status_code == 403
    assert page_client(api, username).get("/app/audit/checkpoints.json").status_code == 403


def test_the_integrity_check_names_the_position_where_a_changed_event_breaks_the_chain(
    api: Api,
) -> None:
    checkpoint_now(api)
    raw = RawLog(api.runtime.settings, api.runtime)
    try:
        target = 5
        state = bytearray(raw.row(target)[3])
        state[-2] ^= 0x01
        raw.set_state(target, bytes(state))
    finally:
        raw.close()

    body = api.ok(api.get("auditor", "/history/integrity"), 200)
    page = page_client(api, "auditor").get("/app/audit/integrity?run=1")

    assert not body["ok"] and body["first_break"] == target
    assert body["disagreeing_checkpoints"] == [body["last_checkpoint"]["position"]]
    assert page.status_code == 200
    assert f"哈希链在位置 {target} 处断开" in page.text


def test_the_integrity_page_shows_the_last_checkpoint_and_offers_the_download(api: Api) -> None:
    mark = checkpoint_now(api)

    page = page_client(api, "auditor").get("/app/audit/integrity")

    assert f"最后一个覆盖日志至位置 {mark.position}" in page.text
    assert 'href="/app/audit/checkpoints.json"' in page.text


def test_a_timed_checkpoint_is_a_recurring_clock_timer_that_writes_one(api: Api) -> None:
    runtime = api.runtime
    job_broker.configure(runtime.settings, runtime)  # installs the runtime the actor uses
    hourly = dataclasses.replace(runtime.settings, checkpoint_minutes=60)
    [timer] = [t for t in timers.recurring_timers(hourly) if t.actor == ACTOR_NAME]

    write_checkpoint.fn(**timer.args, slot="2026-05-10T02:00:00+00:00")

    [mark] = checkpoints.load_checkpoints(runtime.db)
    assert mark.reason == "timer" and mark.position == runtime.app.position()
    assert timer.every == timedelta(minutes=60)


def test_a_pay_period_approval_asks_the_dispatcher_for_a_checkpoint() -> None:
    rule = dispatcher.RULES[PayPeriod.Approved]

    [job] = [j for j in rule(None, 42) if j.actor == checkpoints.ACTOR]

    assert job.actor == checkpoints.ACTOR
    assert job.args == {"reason": "period-approved", "position": 42}


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def backend(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SHOWROOM_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SHOWROOM_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("SHOWROOM_PG_SCHEMA", settings.postgres_schema)
    monkeypatch.delenv("REDIS_URL", raising=False)
    if settings.database_url:
        monkeypatch.setenv("DATABASE_URL", settings.database_url)
        assert settings.keys  # a deployment on PostgreSQL makes its keyring first
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["migrate"]) == 0
    return settings


def test_showroom_audit_writes_exports_checks_and_verifies_checkpoints(
    backend: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = Runtime.build(backend)
    try:
        runtime.organisation.open_store(SYSTEM, "A", "Shanghai", ["BYD"])
    finally:
        runtime.close()
    exported = tmp_path / "checkpoints.json"

    assert main(["audit", "checkpoint"]) == 0
    assert main(["audit", "checkpoints", "--export", str(exported)]) == 0
    assert main(["audit", "check-export", str(exported)]) == 0
    assert main(["audit", "verify", "--against", str(exported)]) == 0
    assert "ok: the log agrees" in capsys.readouterr().out


def test_showroom_audit_verify_fails_against_a_kept_export_the_database_no_longer_matches(
    backend: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An intruder who deletes the checkpoints and links with the events they cover is still
    found by the export the auditor kept."""
    runtime = Runtime.build(backend)
    try:
        for name in ("A", "B", "C"):
            runtime.organisation.open_store(SYSTEM, name, "Shanghai", ["BYD"])
    finally:
        runtime.close()
    exported = tmp_path / "checkpoints.json"
    assert main(["audit", "checkpoint"]) == 0
    assert main(["audit", "checkpoints", "--export", str(exported)]) == 0
    runtime = Runtime.build(backend)
    raw = RawLog(backend, runtime)
    try:
        raw.delete_from(3)
        with runtime.db.transaction() as tx:
            tx.execute(f"DELETE FROM {checkpoints.CHECKPOINTS}")
            tx.execute(f"DELETE FROM {checkpoints.LINKS}")
    finally:
        raw.close()
        runtime.close()

    assert main(["audit", "verify"]) == 0  # the database alone no longer knows
    assert main(["audit", "verify", "--against", str(exported)]) == 1
    assert "cut short" in capsys.readouterr().out
