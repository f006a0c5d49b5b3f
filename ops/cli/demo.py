"""The demo dealer group: the small deterministic one, or a large one in batches (--bulk)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from ops.cli.common import open_runtime
from workers.runtime import migrate
from workers.settings import Settings


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from ops.simulation import load_demo

    if args.bulk or args.target_events:
        return cmd_demo_bulk(settings, args)
    migrate(settings)
    runtime = open_runtime(settings)
    try:
        runtime.runner.start()
        print(load_demo(runtime, seed=args.seed, stores=args.stores, months=args.months))
        runtime.runner.run_until_caught_up()
    finally:
        runtime.close()
    return 0


def cmd_demo_bulk(settings: Settings, args: argparse.Namespace) -> int:
    """A generated group through the services, saved in batches (ops/simulation)."""
    from datetime import date

    from ops.simulation import generate, stores_for

    stores = args.stores
    if args.target_events:
        stores = stores_for(args.target_events, args.months)
        print(f"{stores} stores × {args.months} months for about {args.target_events:,} events")
    migrate(settings)
    runtime = open_runtime(settings)
    try:
        summary = generate(
            runtime,
            seed=args.seed,
            stores=stores,
            months=args.months,
            today=date.fromisoformat(args.today) if args.today else None,
            batch_size=args.batch,
            progress=lambda month: print(f"  {month}...", flush=True),
        )
        print(summary)
        if summary.loaded and not args.skip_views:
            started = time.perf_counter()
            runtime.runner.run_until_caught_up()
            took = time.perf_counter() - started
            print(
                f"  views caught up in {took:.1f} s"
                f" ({summary.events / took if took else 0:,.0f} events/s)"
            )
    finally:
        runtime.close()
    return 0


def register(sub: Any) -> None:
    demo = sub.add_parser("demo", help="load the demo dealer group (if the store is empty)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--stores", type=int, default=3)
    demo.add_argument("--months", type=int, default=3)
    demo.add_argument("--bulk", action="store_true", help="the large group, saved in batches")
    demo.add_argument("--target-events", type=int, help="size the group for about N events")
    demo.add_argument("--today", help="last day of the history, YYYY-MM-DD (default: today)")
    demo.add_argument("--batch", type=int, default=1000, help="events per bulk transaction")
    demo.add_argument("--skip-views", action="store_true", help="do not project after --bulk")
    demo.set_defaults(func=cmd_demo)
