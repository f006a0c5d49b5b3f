"""The benchmark suite (ops/bench/): one table, written to docs/benchmarks.md."""

from __future__ import annotations

import argparse
from typing import Any

from workers.settings import Settings


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    from ops.bench import suite

    return suite.main(args=args)


def register(sub: Any) -> None:
    from ops.bench.suite import add_arguments

    bench = sub.add_parser("bench", help="run the benchmark suite (small by default)")
    add_arguments(bench)
    bench.set_defaults(func=cmd_bench)
