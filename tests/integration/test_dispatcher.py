"""Jobs are dispatched from the log: a dispatcher killed anywhere loses no job, a job sent twice
does its work once, and a timer fires when due after a restart. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from domain.reporting.model import Export, ExportStatus
from domain.reporting.service import Reporting
from domain.shared.actor import SYSTEM
from domain.shared.clock import now
from domain.shared.errors import ConflictError
from workers import broker as job_broker
from workers import dispatcher, files
from workers.actors.exports import build_here, export_kpi_month
from workers.broker import Jobs
from workers.dispatcher import BrokerSender, Dispatch, Job, JobState, Rule
from workers.runtime import Runtime
from workers.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

# A dispatcher that dies with SIGKILL the moment it would hand its first job to the queue: the
# job's row and the dispatcher's tracking position are committed, the message never sent.
VICTIM = """
import os, signal
from workers.settings import Settings
from workers.dispatcher import Dispatch
from workers.runtime import Runtime

class Killed:
    def send(self, actor, args, job):
        os.kill(os.getpid(), signal.SIGKILL)

settings = Settings.from_env()
runtime = Runtime.build(settings)
Dispatch(runtime.app, runtime.db, Killed(), lock_dir=settings.data_dir).run_until_idle()
"""


class Crash(Exception):
    """The dispatcher's process dies here (the test then drops it, as a restart would)."""


class CrashBeforeSending:
    def send(self, actor: str, args: Mapping[str, Any], job: str) -> None:
        raise Crash


@dataclass
class CrashAfterSending:
    """Hands the message to the queue, then dies before the dispatcher marks the job sent."""

    inner: BrokerSender

    def send(self, actor: str, args: Mapping[str, Any], job: str) -> None:
        self.inner.send(actor, args, job)
        raise Crash


@dataclass
class Recorded:
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def send(self, actor: str, args: Mapping[str, Any], job: str) -> None:
        self.sent.append((actor, dict(args)))


@dataclass
class Clock:
    moment: datetime

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    built = Runtime.build(settings, create_tables=True)
    files.migrate(built.db)
    built.runner.start()
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def jobs(settings: Settings, runtime: Runtime) -> Iterator[Jobs]:
    """This process's in-process broker and one worker thread (deliveries one after another)."""
    configured = job_broker.configure(settings, runtime)
    configured.worker_threads = 1
    configured.start_worker()
    try:
        yield configured
    finally:
        configured.stop_worker()


def dispatch(runtime: Runtime, sender: Any, **options: Any) -> Dispatch:
    return Dispatch(runtime.app, runtime.db, sender, lock_dir=runtime.settings.data_dir, **options)


def request_export(runtime: Runtime) -> UUID:
    return Reporting(runtime.app).request_export(SYSTEM, "2026-05").id


def event_names(runtime: Runtime, export_id: UUID) -> list[str]:
    return [type(e).__name__ for e in runtime.app.repository.event_store.get(export_id)]


def status(runtime: Runtime, export_id: UUID) -> ExportStatus:
    found: ExportStatus = Reporting(runtime.app).get_export(SYSTEM, export_id).status
    return found


def restart_and_finish(runtime: Runtime, jobs: Jobs) -> None:
    restarted = dispatch(runtime, BrokerSender(jobs.broker))
    try:
        restarted.run_until_idle()
        jobs.join()
    finally:
        restarted.stop()


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {
        "SHOWROOM_DATA_DIR": str(settings.data_dir),
        "SHOWROOM_SECRET_KEY": settings.secret_key,
        "SHOWROOM_PG_SCHEMA": settings.postgres_schema,
        "PYTHONPATH": str(ROOT),
    }
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    return env


# --- crashes lose nothing -------------------------------------------------------------------------


def test_an_export_requested_while_no_dispatcher_runs_is_built_once_one_starts(
    runtime: Runtime, jobs: Jobs
) -> None:
    export_id = request_export(runtime)

    restart_and_finish(runtime, jobs)

    assert status(runtime, export_id) is ExportStatus.COMPLETED
    assert event_names(runtime, export_id) == ["Requested", "Started", "Completed"]
    assert files.load_file(runtime.db, export_id) is not None


def test_a_dispatcher_killed_between_its_commit_and_the_send_loses_no_export(
    settings: Settings, runtime: Runtime, jobs: Jobs
) -> None:
    export_id = request_export(runtime)

    victim = subprocess.run(
        [sys.executable, "-c", VICTIM], env=_env(settings), cwd=ROOT, timeout=120, check=False
    )
    recorded = dispatcher.jobs(runtime.db)
    restart_and_finish(runtime, jobs)

    assert victim.returncode == -signal.SIGKILL
    assert [(j["state"], j["args"]["export_id"]) for j in recorded] == [
        (JobState.PENDING, str(export_id))
    ]
    assert status(runtime, export_id) is ExportStatus.COMPLETED
    assert event_names(runtime, export_id) == ["Requested", "Started", "Completed"]


def test_a_dispatcher_that_dies_before_sending_sends_the_job_when_restarted(
    runtime: Runtime, jobs: Jobs
) -> None:
    export_id = request_export(runtime)
    crashing = dispatch(runtime, CrashBeforeSending())
    with pytest.raises(Crash):
        crashing.run_until_idle()
    crashing.stop()

    restart_and_finish(runtime, jobs)

    assert status(runtime, export_id) is ExportStatus.COMPLETED
    assert [j["state"] for j in dispatcher.jobs(runtime.db)] == [JobState.SENT]


# --- duplicates do the work once -----------------------------------------------------------------


def test_a_job_sent_again_after_a_crash_before_it_was_marked_sent_builds_its_export_once(
    runtime: Runtime, jobs: Jobs
) -> None:
    export_id = request_export(runtime)
    crashing = dispatch(runtime, CrashAfterSending(BrokerSender(jobs.broker)))
    with pytest.raises(Crash):
        crashing.run_until_idle()
    crashing.stop()

    restart_and_finish(runtime, jobs)  # the same message a second time

    assert event_names(runtime, export_id) == ["Requested", "Started", "Completed"]
    assert [(j["state"], j["attempts"]) for j in dispatcher.jobs(runtime.db)] == [
        (JobState.SENT, 1)
    ]


def test_a_replay_of_the_log_by_the_dispatcher_records_and_sends_no_job_twice(
    runtime: Runtime,
) -> None:
    request_export(runtime)
    sender = Recorded()
    first = dispatch(runtime, sender)
    first.run_until_idle()
    with runtime.db.transaction() as tx:
        tx.execute("DELETE FROM projection_tracking WHERE name = ?", ("dispatcher",))

    first.run_until_idle()
    first.stop()

    assert len(dispatcher.jobs(runtime.db)) == 1
    assert [actor for actor, _ in sender.sent] == ["export_kpi_month"]


# --- timers ---------------------------------------------------------------------------------------

HOUR = timedelta(hours=1)


def remind_an_hour_later(event: Export.Requested, position: int) -> list[Job]:
    args = {"export_id": str(event.originator_id)}
    return [Job(actor="remind", args=args, due_at=event.timestamp + HOUR, kind="reminder")]


TIMERS: Mapping[type[Any], Rule] = {Export.Requested: remind_an_hour_later}


def test_a_timer_fires_when_due_after_a_restart_and_not_before(runtime: Runtime) -> None:
    export_id = request_export(runtime)
    [requested] = runtime.app.repository.event_store.get(export_id)
    due = requested.timestamp + HOUR
    sender, clock = Recorded(), Clock(now())
    first = dispatch(runtime, sender, rules=TIMERS, now=clock)
    first.run_until_idle()
    first.stop()  # the process ends; the timer is a row

    restarted = dispatch(runtime, sender, rules=TIMERS, now=clock)
    clock.moment = due - timedelta(seconds=1)
    restarted.run_until_idle()
    early = list(sender.sent)
    clock.moment = due + timedelta(seconds=1)
    restarted.run_until_idle()
    restarted.run_until_idle()
    restarted.stop()

    assert early == []
    assert sender.sent == [("remind", {"export_id": str(export_id)})]


def test_a_cancelled_timer_is_never_sent(runtime: Runtime) -> None:
    job = Job(actor="remind", args={}, kind="reminder")
    with runtime.db.transaction() as tx:
        dispatcher.schedule(tx, job, key="lead-1", due_at=now() - HOUR)
        dispatcher.cancel(tx, "reminder", "lead-1")
    sender = Recorded()
    running = dispatch(runtime, sender)

    running.run_until_idle()
    running.stop()

    assert sender.sent == []
    assert [j["state"] for j in dispatcher.jobs(runtime.db)] == [JobState.CANCELLED]


def test_a_job_for_an_actor_no_one_declares_is_set_aside_as_undeliverable(
    runtime: Runtime, jobs: Jobs
) -> None:
    with runtime.db.transaction() as tx:
        dispatcher.schedule(tx, Job(actor="no_such_actor", args={}), key="1", due_at=now())
    running = dispatch(runtime, BrokerSender(jobs.broker))

    running.run_until_idle()
    running.stop()

    [job] = dispatcher.jobs(runtime.db)
    assert (job["state"], job["error"]) == (JobState.UNDELIVERABLE, "unknown actor no_such_actor")


# --- the CLI builds an export in its own process --------------------------------------------------


def test_an_export_the_cli_builds_while_a_worker_completes_it_ends_completed_once(
    runtime: Runtime, jobs: Jobs
) -> None:
    export_id = request_export(runtime)

    def loses_the_race(ident: str, position: int) -> None:
        export_kpi_month(ident, position)  # the dispatcher's worker, a moment earlier
        raise ConflictError("the export changed since it was loaded")  # this process's attempt

    build_here(loses_the_race, export_id, runtime.app.position(), wait_seconds=5)

    assert event_names(runtime, export_id) == ["Requested", "Started", "Completed"]


def test_an_export_the_cli_lost_to_a_worker_that_never_finishes_is_a_conflict(
    runtime: Runtime, jobs: Jobs
) -> None:
    export_id = request_export(runtime)

    def loses_the_race(ident: str, position: int) -> None:
        raise ConflictError("the export changed since it was loaded")

    with pytest.raises(ConflictError):
        build_here(loses_the_race, export_id, runtime.app.position(), wait_seconds=0.2)


# --- one dispatcher per deployment ----------------------------------------------------------------


def test_a_second_dispatcher_stands_by_while_the_first_holds_the_lock(runtime: Runtime) -> None:
    request_export(runtime)
    first_sender, second_sender = Recorded(), Recorded()
    first, second = dispatch(runtime, first_sender), dispatch(runtime, second_sender)
    first.run_until_idle()
    second.run_until_idle()
    request_export(runtime)
    second.run_until_idle()
    standby = list(second_sender.sent)

    first.stop()  # the active one ends: the other takes over
    deadline = time.monotonic() + 10  # PostgreSQL frees a closed session's locks a moment later
    while not second_sender.sent and time.monotonic() < deadline:
        second.run_until_idle()
        time.sleep(0.05)
    second.stop()

    assert standby == []
    assert [len(first_sender.sent), len(second_sender.sent)] == [1, 1]
