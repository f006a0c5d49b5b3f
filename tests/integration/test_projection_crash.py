"""Killing the projection process mid-run and restarting it leaves every view as a rebuild would.

`showroom project` runs as a real process, is killed with SIGKILL part-way through the log, then
started again; its views must equal a fresh rebuild row for row (exactly-once, on both backends).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from ops.simulation import load_demo
from projections.registry import all_projections
from projections.runner import ProjectionRunner, positions, reset
from tests.integration.views_world import table_rows
from workers.runtime import Runtime, migrate
from workers.settings import Settings


def _env(settings: Settings) -> dict[str, str]:
    env = {
        **os.environ,
        "SHOWROOM_DATA_DIR": str(settings.data_dir),
        "SHOWROOM_SECRET_KEY": settings.secret_key,
        "SHOWROOM_PAGE_SIZE": "10",  # small pages: many commits, so the kill lands mid-run
        "SHOWROOM_PG_SCHEMA": settings.postgres_schema,
    }
    env.pop("DATABASE_URL", None)
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    return env


def _start(settings: Settings) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "ops.cli", "project"],
        env=_env(settings),
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(runtime: Runtime, done: int, timeout: float = 120.0) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reached = positions(runtime.db)
        if len(reached) == len(all_projections()) and min(reached.values()) >= done:
            return reached
        time.sleep(0.05)
    raise AssertionError(f"views did not reach {done}: {positions(runtime.db)}")


def test_a_killed_projection_process_resumes_to_the_same_views_as_a_rebuild(
    settings: Settings,
) -> None:
    migrate(settings)
    runtime = Runtime.build(settings)
    try:
        load_demo(runtime, seed=3, stores=2, months=2, today=date(2026, 3, 31))
        head = runtime.app.position()

        first = _start(settings)
        _wait(runtime, 1)  # the first pages are in: kill it mid-run
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = positions(runtime.db)
        second = _start(settings)
        try:
            _wait(runtime, head)
        finally:
            second.terminate()
            second.wait(timeout=20)
        live = table_rows(runtime.db, all_projections())

        for projection in all_projections():
            reset(runtime.db, projection)
        rebuild = ProjectionRunner(
            runtime.app, runtime.db, all_projections(), lock_dir=settings.data_dir
        )
        rebuild.run_until_caught_up()
        rebuild.stop()

        assert min(killed_at.values()) < head  # the kill really interrupted the run
        assert table_rows(runtime.db, all_projections()) == live
    finally:
        runtime.close()
