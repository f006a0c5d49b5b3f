"""The log chain's cost: a full verification and a checkpoint over a large log.

Same run, same store: the keyed verification (HMAC chain, every link and checkpoint compared,
bodies decoded) against the same checks with the chain unkeyed and nothing to compare (what
the unkeyed check did); a first checkpoint over the whole log against reading the log alone;
an hourly checkpoint after 1,000 new events against reading those 1,000 events.

    python -m ops.bench.chain --backend sqlite --events 100000    # ad hoc, prints the rows
"""

from __future__ import annotations

import argparse
import time

from audit.integrity import verify
from ops.bench.harness import BenchPing, Row, bench_store, ms, ratio, render_table
from workers import checkpoints
from workers.runtime import Runtime

NEW_EVENTS = 1000


def _read_all(runtime: Runtime, start: int = 1, page: int = 1000) -> int:
    count = 0
    while True:
        notifications = runtime.app.recorder.select_notifications(start=start, limit=page)
        count += len(notifications)
        if len(notifications) < page:
            return count
        start = notifications[-1].id + 1


def _timed(function: object, *args: object, **kwargs: object) -> tuple[float, object]:
    began = time.perf_counter()
    result = function(*args, **kwargs)  # type: ignore[operator]
    return time.perf_counter() - began, result


def run(runtime: Runtime, backend: str, label: str) -> list[Row]:
    """The rows for a store whose log is already written (`label`: its size, in words)."""
    app, db, keys = runtime.app, runtime.db, runtime.settings.keys
    read_seconds, events = _timed(_read_all, runtime)
    first_seconds, _ = _timed(checkpoints.write_checkpoint, app, db, keys, reason="bench")
    verify_seconds, report = _timed(checkpoints.verify_log, app, db, keys)
    unkeyed_seconds, _ = _timed(verify, app)
    pings = [BenchPing() for _ in range(100)]
    for _ in range(NEW_EVENTS // 100 - 1):
        for ping in pings:
            ping.ping()
    app.save(*pings)
    start = app.position() - NEW_EVENTS + 1
    tail_seconds, _ = _timed(_read_all, runtime, start)
    hourly_seconds, outcome = _timed(checkpoints.write_checkpoint, app, db, keys, reason="bench")
    assert getattr(report, "ok", False), getattr(report, "problems", None)
    assert getattr(outcome, "folded", 0) == NEW_EVENTS
    return [
        Row(
            "8 log chain",
            f"verify: keyed chain, links and checkpoints ({label})",
            backend,
            f"{verify_seconds:.2f} s",
            f"{unkeyed_seconds:.2f} s",
            "the same checks, chain unkeyed, nothing compared (the old check)",
            ratio(verify_seconds, unkeyed_seconds),
            note=f"{events:,} events; reading them alone {read_seconds:.2f} s",
        ),
        Row(
            "8 log chain",
            f"first checkpoint over the whole log ({label})",
            backend,
            f"{first_seconds:.2f} s",
            f"{read_seconds:.2f} s",
            "reading the log, nothing else",
            ratio(first_seconds, read_seconds),
        ),
        Row(
            "8 log chain",
            f"a checkpoint after {NEW_EVENTS:,} new events ({label})",
            backend,
            ms(hourly_seconds),
            ms(tail_seconds),
            f"reading those {NEW_EVENTS:,} events",
            ratio(hourly_seconds, tail_seconds),
        ),
    ]


def main() -> None:
    from ops.bench.rebuild import write_log

    parser = argparse.ArgumentParser(prog="python -m ops.bench.chain")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    with bench_store(args.backend) as backend:
        summary = write_log(backend, args.events)
        runtime = Runtime.build(backend.settings)
        try:
            rows = run(runtime, backend.name, f"{summary.events:,} events")
        finally:
            runtime.close()
    print(render_table(rows))


if __name__ == "__main__":
    main()
