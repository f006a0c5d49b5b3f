"""Projection lag: from a command's commit to its effect being visible in a view.

Commands (`log_activity` through the Leads service, in this process) are issued at a fixed
rate, then closed-loop by 4 writers (saturation). The projections run as a separate process, as
in production: `showroom project` (woken by PostgreSQL's NOTIFY of each append, and polling the
log every 20 ms as the fallback and on SQLite), and, for comparison, a runner that only polls,
every 100 ms (the previous default). A watcher thread reads the `salesperson_kpi` view's
tracking position every 2 ms; a command is visible once that position reaches the command's
log position (the view's rows and its tracking commit together).

Baseline, in the same run: a bare tail of the log with no projection work that polls the log
(`max_notification_id`) at the runner's interval: the part of the lag that polling alone costs.

    python -m ops.bench.lag runner POLL_SECONDS    # a projection runner with another poll
"""

from __future__ import annotations

import heapq
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from ops.bench.harness import (
    ROOT,
    Backend,
    BenchFloor,
    Row,
    closed_loop,
    ms,
    paced,
    percentile,
    python,
    ratio,
    seed_floor,
    stop,
    verdict,
)
from projections.db import Database
from projections.registry import all_projections
from projections.runner import ProjectionRunner, positions
from workers.runtime import Runtime
from workers.settings import Settings

VIEW = "salesperson_kpi"
WATCH_EVERY = 0.002


@dataclass
class _Watch:
    """Commit times by log position, matched to when a reader first saw each position."""

    pending: list[tuple[int, float]] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def committed(self, position: int, at: float) -> None:
        with self.lock:
            heapq.heappush(self.pending, (position, at))

    def seen(self, position: int, at: float) -> None:
        with self.lock:
            while self.pending and self.pending[0][0] <= position:
                _, committed = heapq.heappop(self.pending)
                self.lags.append(max(0.0, at - committed))


def _view_position(db: Database) -> int:
    row = db.one("SELECT position FROM projection_tracking WHERE name = ?", (VIEW,))
    return int(row["position"]) if row else 0


def _watch(
    read: object, interval: float, watches: list[_Watch], stop_event: threading.Event
) -> None:
    assert callable(read)
    while not stop_event.is_set():
        position = int(read() or 0)
        now = time.perf_counter()
        for watch in watches:
            watch.seen(position, now)
        stop_event.wait(interval)


@dataclass
class LagRun:
    label: str
    view: list[float]
    tail: list[float]
    commands: int
    unseen: int


def measure(
    runtime: Runtime,
    floor: BenchFloor,
    *,
    rate: float | None,
    seconds: float,
    poll: float,
    calls: int,
) -> LagRun:
    """One load: commands at `rate` (None: 4 writers flat out), lag of view and of bare tail."""
    view, tail = _Watch(), _Watch()
    stop_event = threading.Event()
    watchers = [
        threading.Thread(
            target=_watch,
            args=(lambda: _view_position(runtime.db), WATCH_EVERY, [view], stop_event),
            daemon=True,
        ),
        threading.Thread(
            target=_watch,
            args=(runtime.app.recorder.max_notification_id, poll, [tail], stop_event),
            daemon=True,
        ),
    ]
    for watcher in watchers:
        watcher.start()
    leads = runtime.leads
    writers = min(4, len(floor.principals))

    def call(worker: int, n: int) -> None:
        mine = floor.leads[worker]
        written = leads.log_activity(
            floor.principals[worker], mine[n % len(mine)], "call", outcome="lag"
        )
        now = time.perf_counter()
        view.committed(written.position, now)
        tail.committed(written.position, now)

    if rate is None:
        timings = closed_loop(writers, call, max_calls=calls, max_seconds=seconds)
        label = f"saturation ({timings.rate:,.0f} commands/s)"
    else:
        timings = paced(writers, call, rate=rate, seconds=seconds)
        label = f"{rate:.0f} commands/s"
    deadline = time.monotonic() + 15
    while (view.pending or tail.pending) and time.monotonic() < deadline:
        time.sleep(0.01)
    stop_event.set()
    for watcher in watchers:
        watcher.join(timeout=5)
    return LagRun(label, view.lags, tail.lags, timings.count, len(view.pending))


def _start_runner(backend: Backend, poll: float | None) -> subprocess.Popen[bytes]:
    command = (
        python("-m", "ops.cli", "project")
        if poll is None
        else python("-m", "ops.bench.lag", "runner", str(poll))
    )
    with open(backend.workdir / f"runner-{poll}.log", "wb") as log:
        return subprocess.Popen(
            command, env=backend.env(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )


def _caught_up(db: Database, head: int, timeout: float = 60.0) -> None:
    names = [p.name for p in all_projections()]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        known = positions(db)
        if all(known.get(n, 0) >= head for n in names):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the projection runner did not reach {head}: {positions(db)}")


def run(backend: Backend, *, seconds: float, rates: list[float], calls: int) -> list[Row]:
    rows: list[Row] = []
    runtime = Runtime.build(backend.settings)
    try:
        floor = seed_floor(runtime, 4, 50, prefix="lag")
        default = backend.settings.poll_seconds
        wake = "NOTIFY + " if backend.settings.database_url else ""
        for poll, label in (
            (None, f"`showroom project`, {wake}{default * 1000:.0f} ms poll"),
            (0.1, "runner, 100 ms poll only"),
        ):
            runner = _start_runner(backend, poll)
            try:
                _caught_up(runtime.db, runtime.app.position())
                loads: list[float | None] = [*rates, None] if poll is None else [200.0]
                for rate in loads:
                    result = measure(
                        runtime,
                        floor,
                        rate=rate,
                        seconds=seconds,
                        poll=poll or default,
                        calls=calls,
                    )
                    p50, p99 = percentile(result.view, 50), percentile(result.view, 99)
                    t50, t99 = percentile(result.tail, 50), percentile(result.tail, 99)
                    target = rate == 200 and poll is None
                    rows.append(
                        Row(
                            "4 lag",
                            f"commit → view p50 / p99 at {result.label}, {label}",
                            backend.name,
                            f"{ms(p50)} / {ms(p99)}",
                            f"{ms(t50)} / {ms(t99)}",
                            "bare log tail, same poll",
                            ratio(p99, t99),
                            "p99 < 50 ms at 200/s" if target else "—",
                            verdict(p99 < 0.05 and result.unseen == 0) if target else "—",
                            note=f"{result.commands} commands, {result.unseen} never seen",
                        )
                    )
            finally:
                stop(runner)
    finally:
        runtime.close()
    return rows


def runner_main(poll: float) -> int:
    """A projection runner process polling every `poll` seconds, until SIGTERM."""
    settings = Settings.from_env()
    runtime = Runtime.build(settings)
    runner = ProjectionRunner(
        runtime.app,
        runtime.db,
        all_projections(),
        lock_dir=settings.data_dir,
        page_size=settings.page_size,
        poll_seconds=poll,
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    runner.start()
    try:
        done.wait()
    finally:
        runner.stop()
        runtime.close()
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "runner":
        sys.exit(runner_main(float(sys.argv[2])))
    print(__doc__)
    sys.exit(2)
