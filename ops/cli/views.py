"""The views: rebuild one (or all) from the log, and the status of every view."""

from __future__ import annotations

import argparse
import time
from typing import Any

from ops.cli.common import open_runtime
from projections import runner as projection_runner
from projections.registry import all_projections, projection_by_name
from workers.dispatcher import Dispatcher, job_counts
from workers.settings import Settings


def cmd_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    names = [p.name for p in all_projections()] if args.name == "all" else [args.name]
    try:
        chosen = [projection_by_name(n) for n in names]
    except KeyError:
        known = ", ".join(p.name for p in all_projections())
        print(f"unknown view {args.name!r}; known: {known}, all")
        return 2
    runtime = open_runtime(settings)
    failed = False
    try:
        for projection in chosen:
            started = time.perf_counter()
            runner = projection_runner.ProjectionRunner(
                runtime.app,
                runtime.db,
                [projection],
                lock_dir=settings.data_dir,
                page_size=settings.page_size,
            )
            try:
                if not runner.holds(projection):
                    # Another process runs this view: it replays the log from the reset, and
                    # the view is incomplete until it has (a failure there stops it alone).
                    projection_runner.reset(runtime.db, projection)
                    print(f"{projection.name}: reset; the running projection process replays it")
                    continue
                failure = runner.rebuild(projection)
            finally:
                runner.stop()
            took = time.perf_counter() - started
            if failure is not None:
                failed = True
                print(
                    f"{projection.name}: NOT rebuilt, left as it was: the event at log position"
                    f" {failure.position} fails: {failure.error}"
                )
                continue
            print(f"{projection.name}: rebuilt to position {runtime.app.position()} in {took:.1f}s")
    finally:
        runtime.close()
    return 1 if failed else 0


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    """Each view's position against the log's head, and the views stopped at an event."""
    runtime = open_runtime(settings)
    try:
        head = runtime.app.position()
        known = projection_runner.positions(runtime.db)
        stopped = {f.name: f for f in projection_runner.failures(runtime.db)}
        print(f"log head: {head}")
        print(f"{'view':<20} {'position':>10} {'behind':>8}  state")
        for projection in all_projections():
            position = known.get(projection.name, 0)
            failure = stopped.get(projection.name)
            if failure is not None:
                state = f"STOPPED at event {failure.position}: {failure.error}"
            elif position > head:
                state = "AHEAD of the log (older events restored?): migrate resets it"
            else:
                state = "ok"
            print(f"{projection.name:<20} {position:>10} {head - position:>8}  {state}")
        # The dispatcher follows the log like a view; its jobs say what work is still owed.
        position = known.get(Dispatcher.name, 0)
        counts = ", ".join(f"{n} {state}" for state, n in sorted(job_counts(runtime.db).items()))
        print(
            f"{Dispatcher.name:<20} {position:>10} {head - position:>8}  jobs: {counts or 'none'}"
        )
    finally:
        runtime.close()
    return 1 if stopped else 0


def register(sub: Any) -> None:
    rebuild = sub.add_parser("rebuild", help="drop a view and replay the log into it")
    rebuild.add_argument("name", help="view name or 'all'")
    rebuild.set_defaults(func=cmd_rebuild)
    sub.add_parser(
        "status", help="each view's position, lag and failure (exit 1 if a view stopped)"
    ).set_defaults(func=cmd_status)
