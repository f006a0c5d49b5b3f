"""Response timers: 10,000 open leads with timers, the delay from each timer's due time to its
action, next to the raw dispatcher throughput, in one run.

    python -m ops.bench.response_timers [--backend sqlite|postgres] [--leads 10000]
        [--lead-seconds 120] [--window-seconds 60]

One store without opening hours (every minute counts) and a rule with the warning at 60
minutes (limit 90, second limit 120; the leads are captured an hour before their warnings)
over a fresh, migrated backend (`bench_store`); the whole
worker side runs in this process as in `showroom worker`: the projection runner, the embedded
broker with two worker threads, and the dispatcher. Three phases:

1. *Raw dispatcher throughput*: `--leads` leads are saved to the log at once (no worker runs
   yet); the dispatcher follows the log into one `start_response_clock` job per lead and sends
   them all to the queue. Jobs recorded and sent per second.
2. *Clocks started*: the workers start; each job starts the lead's clock and records its three
   timers (30,000 rows for 10,000 leads). Clocks per second.
3. *Timers*: the leads were captured so that their warnings fall due spread evenly over
   `--window-seconds`, starting `--lead-seconds` after the leads were saved (so that every clock
   is started before its warning is due; the run says so when not). The dispatcher runs in the
   background as in production (it looks at the due timers once a second); each timer's
   action is the `ResponseClock.Warned` event its job records. The delay is that event's record
   time minus the warning's due time. Target: p99 within 5 s.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from domain.leads.model import Lead
from domain.shared.actor import SYSTEM, Principal, Role, acting_as
from domain.sla.model import DEFAULT, ResponseClock, Rule
from ops.bench.harness import bench_store, percentile
from workers import broker as job_broker
from workers import dispatcher
from workers.runtime import Runtime

BATCH = 500
BENCH_RULE = Rule(limit_minutes=90, warn_minutes=60, reassign_minutes=120)
BENCH_ADMIN = Principal(user_id="bench", role=Role.ADMIN)
TARGET_P99_SECONDS = 5.0


def _wait(check: Any, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return bool(check())


def _count(runtime: Runtime, kind: str, state: str | None = None) -> int:
    sql = f"SELECT COUNT(*) AS n FROM {dispatcher.TABLE} WHERE kind = ?"
    params: tuple[Any, ...] = (kind,)
    if state is not None:
        sql += " AND state = ?"
        params += (state,)
    row = runtime.db.one(sql, params)
    return int(row["n"]) if row else 0


def _warned(runtime: Runtime, start: int) -> dict[UUID, datetime]:
    """Each lead's `ResponseClock.Warned` record time, read from the log after `start`."""
    topic = f"{ResponseClock.Warned.__module__}:{ResponseClock.Warned.__qualname__}"
    found: dict[UUID, datetime] = {}
    while True:
        page = runtime.app.recorder.select_notifications(start, 1000, topics=[topic])
        if not page:
            return found
        for notification in page:
            event: Any = runtime.app.mapper.to_domain_event(notification)
            found[event.lead_id] = event.timestamp
        start = page[-1].id + 1


def run(backend: str, leads: int, lead_seconds: float, window_seconds: float) -> dict[str, Any]:
    with bench_store(backend) as store:
        runtime = Runtime.build(store.settings)
        runtime.runner.start()
        jobs = job_broker.configure(store.settings, runtime)
        try:
            store_id = runtime.organisation.open_store(SYSTEM, "Bench BYD", "Shanghai", ["BYD"]).id
            # An hour's warning, so that every capture lies in the past (the leads are captured
            # an hour before their warnings, which fall due within the run).
            runtime.response_sla.set_policy(BENCH_ADMIN, store_id, {DEFAULT: BENCH_RULE.as_dict()})
            # Warnings due evenly over the window, from `lead_seconds` after now.
            saved_at = datetime.now(UTC)
            first_due = saved_at + timedelta(seconds=lead_seconds)
            step = timedelta(seconds=window_seconds / max(leads, 1))
            warn = timedelta(minutes=BENCH_RULE.warn_minutes)
            due: dict[UUID, datetime] = {}
            with acting_as(SYSTEM):
                for offset in range(0, leads, BATCH):
                    batch = []
                    for i in range(offset, min(leads, offset + BATCH)):
                        warn_at = first_due + i * step
                        lead = Lead.capture(
                            store_id, uuid4(), "website", None, None, occurred_at=warn_at - warn
                        )
                        due[lead.id] = warn_at
                        batch.append(lead)
                    runtime.app.save(*batch)
            position = runtime.app.position()

            # 1. The dispatcher alone: the log into jobs, the jobs onto the queue.
            began = time.perf_counter()
            jobs.dispatch.run_until_idle()
            dispatch_seconds = time.perf_counter() - began
            queued = _count(runtime, "response_clock", "sent")

            # 2. The workers start every clock and record its timers.
            jobs.worker_threads = 2
            began = time.perf_counter()
            jobs.start_worker()
            jobs.join(timeout_ms=int((lead_seconds + 600) * 1000))
            start_seconds = time.perf_counter() - began
            started_by = datetime.now(UTC)
            timers = _count(runtime, "response_timer")

            # 3. The dispatcher in the background sends each timer when due.
            jobs.dispatch.start()
            last_due = first_due + (leads - 1) * step
            wait = (last_due - datetime.now(UTC)).total_seconds() + 120
            _wait(lambda: _count(runtime, "response_timer", "sent") >= leads, max(wait, 5))
            _wait(lambda: len(_warned(runtime, position)) >= leads, 120, step=1.0)
            acted = _warned(runtime, position)
        finally:
            jobs.stop_dispatcher()
            jobs.dispatch.stop()
            jobs.stop_worker()
            runtime.close()
    delays = [(acted[lead] - due[lead]).total_seconds() for lead in due if lead in acted]
    late_start = sum(1 for lead in due if due[lead] < started_by)
    p99 = percentile(delays, 99)
    return {
        "backend": backend,
        "leads": leads,
        "timer_rows": timers,
        "dispatcher_jobs_per_second": round(queued / dispatch_seconds, 1),
        "dispatcher_jobs": queued,
        "clocks_started_per_second": round(leads / start_seconds, 1),
        "timers_due_before_every_clock_started": late_start,
        "window_seconds": window_seconds,
        "timers_acted": len(delays),
        "delay_p50_seconds": round(percentile(delays, 50), 3),
        "delay_p99_seconds": round(p99, 3),
        "delay_max_seconds": round(max(delays, default=0.0), 3),
        "target_p99_seconds": TARGET_P99_SECONDS,
        "met": len(delays) == leads and p99 <= TARGET_P99_SECONDS,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--leads", type=int, default=10_000)
    p.add_argument("--lead-seconds", type=float, default=120.0)
    p.add_argument("--window-seconds", type=float, default=60.0)
    args = p.parse_args()
    result = run(args.backend, args.leads, args.lead_seconds, args.window_seconds)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
