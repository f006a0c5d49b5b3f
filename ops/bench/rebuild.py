"""Projection rebuild: every view replayed from the whole log, beside reading the log alone.

The log is written by the batched simulation (`ops.simulation`). Then, each in a fresh process
(so that its peak memory is its own): the *baseline* reads and decodes every event, page by page,
with no projection work (the upper bound of any rebuild); the *rebuild* resets every view and
replays the log into all of them with one `ProjectionRunner` (pages of SHOWROOM_PAGE_SIZE
events, twenty at once while behind; one transaction per page for every view, the tracking rows
in it), and reports where the time went: reading pages, decoding, each projection's handlers
(with its page-start lookups and page-end flush), and the rest (commits, tracking).
Memory is sampled after every page: "flat" means the resident size at the end of the log is
within 10 % (or 32 MiB) of what it was half-way.

    python -m ops.bench.rebuild baseline|rebuild    # a child: prints one JSON line
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from ops.bench.harness import Backend, Row, mib, per_second, ratio, rss_bytes, run_child, verdict
from ops.simulation import EVENTS_PER_STORE_MONTH, GroupSummary, generate
from projections.registry import all_projections
from projections.runner import ProjectionRunner, positions, reset
from workers.runtime import Runtime
from workers.settings import Settings

PAGE = 1000
END_DAY = date(2026, 6, 30)  # a fixed end, so that a seed always builds the same history


def shape(events: int) -> tuple[int, int]:
    """(stores, months) for a log of about `events` events (a year once it is large enough)."""
    months = min(12, max(1, round(events / (2 * EVENTS_PER_STORE_MONTH))))
    stores = max(1, math.ceil(events / (EVENTS_PER_STORE_MONTH * months)))
    return stores, months


def write_log(backend: Backend, events: int, seed: int = 7) -> GroupSummary:
    """Generate a group of about `events` events into the (empty) bench store."""
    stores, months = shape(events)
    runtime = Runtime.build(backend.settings)
    try:
        return generate(runtime, seed=seed, stores=stores, months=months, today=END_DAY)
    finally:
        runtime.close()


# --- the children ----------------------------------------------------------------------------


def _memory_at(samples: list[tuple[int, int]], head: int, fraction: float) -> int:
    wanted = head * fraction
    for position, rss in samples:
        if position >= wanted:
            return rss
    return samples[-1][1] if samples else 0


def child_baseline() -> dict[str, Any]:
    settings = Settings.from_env()
    runtime = Runtime.build(settings)
    try:
        app = runtime.app
        head = app.position()
        samples: list[tuple[int, int]] = []
        began = time.perf_counter()
        start, count = 1, 0
        while True:
            page = app.recorder.select_notifications(start=start, limit=PAGE)
            if not page:
                break
            for notification in page:
                app.mapper.to_domain_event(notification)
            count += len(page)
            start = page[-1].id + 1
            samples.append((page[-1].id, rss_bytes()[0]))
        seconds = time.perf_counter() - began
        return {
            "events": count,
            "seconds": seconds,
            "peak_rss": rss_bytes()[1],
            "rss_half": _memory_at(samples, head, 0.5),
            "rss_end": samples[-1][1] if samples else 0,
        }
    finally:
        runtime.close()


def child_rebuild() -> dict[str, Any]:
    settings = Settings.from_env()
    runtime = Runtime.build(settings)
    try:
        app, db = runtime.app, runtime.db
        projections = all_projections()
        for projection in projections:
            reset(db, projection)
        spent: dict[str, float] = {p.name: 0.0 for p in projections}
        spent["(decode)"] = spent["(read pages)"] = 0.0
        # Time each part by wrapping it on its instance (the classes are left alone).
        for projection in projections:
            for part in ("prepare", "handle", "flush"):
                _wrap(projection, part, spent, projection.name)
        _wrap(app.mapper, "to_domain_event", spent, "(decode)")
        _wrap(app.recorder, "select_notifications", spent, "(read pages)")
        runner = ProjectionRunner(
            app, db, projections, lock_dir=settings.data_dir, page_size=settings.page_size
        )
        head = app.position()
        samples: list[tuple[int, int]] = []
        began = time.perf_counter()
        while runner.run_once():
            reached = positions(db)
            samples.append((min(reached.values(), default=0), rss_bytes()[0]))
        seconds = time.perf_counter() - began
        runner.stop()
        accounted = sum(spent.values())
        spent["(commits, tracking, rest)"] = max(0.0, seconds - accounted)
        return {
            "events": head,
            "seconds": seconds,
            "peak_rss": rss_bytes()[1],
            "rss_half": _memory_at(samples, head, 0.5),
            "rss_end": samples[-1][1] if samples else 0,
            "errors": runner.errors,
            "profile": dict(sorted(spent.items(), key=lambda kv: -kv[1])),
        }
    finally:
        runtime.close()


def _wrap(owner: object, attribute: str, spent: dict[str, float], key: str) -> None:
    setattr(owner, attribute, _timed(getattr(owner, attribute), spent, key))


def _timed(function: Callable[..., Any], spent: dict[str, float], key: str) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - began

    return timed


# --- the rows --------------------------------------------------------------------------------


def flat(result: dict[str, Any]) -> bool:
    half, end = int(result["rss_half"]), int(result["rss_end"])
    return end - half <= max(0.1 * half, 32 * 1024 * 1024)


def run(backend: Backend, events: int) -> tuple[list[Row], dict[str, Any]]:
    """Rows for one backend, and the rebuild's profile (for the report)."""
    base = run_child(backend, "ops.bench.rebuild", "baseline")
    done = run_child(backend, "ops.bench.rebuild", "rebuild")
    base_rate = base["events"] / base["seconds"]
    rate = done["events"] / done["seconds"]
    section, name = "2 rebuild", backend.name
    of = "read + decode the log, no views"
    rows = [
        Row(
            section,
            f"events/s rebuilding every view ({done['events']:,} events)",
            name,
            per_second(rate),
            per_second(base_rate),
            of,
            ratio(rate, base_rate),
            "≥ 10,000/s",
            verdict(rate >= 10_000),
            note=f"{done['seconds']:.1f} s, {done['errors']} page errors",
        ),
        Row(
            section,
            "peak RSS (RSS half-way → end)",
            name,
            f"{mib(done['peak_rss'])} ({mib(done['rss_half'])} → {mib(done['rss_end'])})",
            f"{mib(base['peak_rss'])} ({mib(base['rss_half'])} → {mib(base['rss_end'])})",
            of,
            ratio(done["peak_rss"], base["peak_rss"]),
            "flat in log size",
            verdict(flat(done)),
        ),
    ]
    return rows, {"backend": name, "profile": done["profile"], "seconds": done["seconds"]}


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else ""
    if mode == "baseline":
        print(json.dumps(child_baseline()))
    elif mode == "rebuild":
        print(json.dumps(child_rebuild()))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
