"""`showroom bench` / `make bench`: every benchmark, one table, written to docs/benchmarks.md.

Each figure stands next to a baseline measured in the same run on the same store, so that the
ratio holds on a noisy machine. Sizes and durations are parameters with small defaults (a smoke
run of a minute or two); `--full` is the issue's run (1M events, longer loads), opt-in.

    showroom bench                                  # small: 20k events, 3 s loads, both stores
    showroom bench --backend sqlite --events 3000 --duration 1 --no-write   # a smoke run
    showroom bench --full                           # 1M events, 30 s loads, gap oracle 3 min
    showroom bench --full --query-events 10000000   # also the queries at 10M events (long)
    showroom bench --sections pages --no-write      # the web pages against their JSON routes
    showroom bench --sections encryption --no-write # the cipher's cost, against it switched off
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from domain.app import Showroom
from ops.bench.harness import (
    ROOT,
    Backend,
    BenchPing,
    Row,
    bench_store,
    machine,
    per_second,
    postgres_reachable,
    ratio,
    render_table,
    run_child,
)

SECTIONS: tuple[str, ...] = ("write", "rebuild", "queries", "lag", "gap", "pages", "encryption")
SECTIONS += ("chain",)  # the log chain: verification and checkpoints (ops/bench/chain.py)
SECTIONS += ("access",)  # the access log's cost on a read (ops/bench/access_log.py)
SECTIONS += ("staffnames",)  # revealing sealed staff names (ops/bench/staff_names.py)
SECTIONS += ("routing",)  # routing decisions next to the dispatcher (ops/bench/routing.py)
SECTIONS += ("stock",)  # days' supply, turnover, guidance beside pandas (ops/bench/stock.py)
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="showroom bench", description=__doc__.splitlines()[0])
    add_arguments(p)
    return p


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--events", type=int, default=20_000, help="log size for rebuild and queries")
    p.add_argument(
        "--query-events", type=int, default=None, help="also measure queries over a log this big"
    )
    p.add_argument("--duration", type=float, default=3.0, help="seconds of each timed load")
    p.add_argument("--gap-duration", type=float, default=None, help="seconds of the gap oracle")
    p.add_argument("--calls", type=int, default=2000, help="most calls of each timed load")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--rates", default="50,200", help="paced command rates, comma-separated")
    p.add_argument("--sections", default=",".join(SECTIONS))
    p.add_argument("--full", action="store_true", help="1M events, 30 s loads, 3 min gap oracle")
    p.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    p.add_argument("--no-write", action="store_true", help="print the table only")
    p.add_argument("--data-dir", default=None, help="where SQLite bench stores go (temp dir)")


def _full(args: argparse.Namespace) -> None:
    if args.full:
        args.events = max(args.events, 1_000_000)
        args.duration = max(args.duration, 30.0)
        args.gap_duration = max(args.gap_duration or 0.0, 180.0)
        args.calls = max(args.calls, 100_000)


def bulk_generation(backend: Backend, events: int) -> tuple[Row, Any]:
    """Write the log with the batched simulation; baseline: the library saving batches of events."""
    from ops.bench import rebuild

    summary = rebuild.write_log(backend, events)
    # The baseline writes into a scratch store of the same kind: its events must not join the
    # log that the rebuild and the queries measure.
    with bench_store(backend.name, backend.workdir.parent) as scratch:
        app = Showroom(env=scratch.settings.event_store_env())
        try:
            pings = [BenchPing() for _ in range(100)]
            app.save(*pings)
            count, began = 0, time.perf_counter()
            while count < min(events, 200_000):
                for ping in pings:
                    for _ in range(10):
                        ping.ping()
                app.save(*pings)
                count += 1000
            bare = count / (time.perf_counter() - began)
        finally:
            app.close()
    rate = summary.events_per_second
    row = Row(
        "0 generator",
        f"bulk generation events/s ({summary.stores} stores × {summary.months} months)",
        backend.name,
        per_second(rate),
        per_second(bare),
        "Application.save of 1,000 tiny events a batch",
        ratio(rate, bare),
        "1M events in a few minutes",
        "met" if rate * 300 >= 1_000_000 else "missed",
        note=f"{summary.events:,} events in {summary.seconds:.1f} s",
    )
    return row, summary


def _chain(backend: Backend, label: str) -> list[Row]:
    """The log chain's rows, over the generated log (it adds 1,000 events at its end)."""
    from ops.bench import chain
    from workers.runtime import Runtime

    runtime = Runtime.build(backend.settings)
    try:
        return chain.run(runtime, backend.name, label)
    finally:
        runtime.close()


def run(args: argparse.Namespace, progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the chosen sections on the chosen backends; the rows and what the report needs."""
    # Imported here so that `showroom --help` does not pay for pandas and friends.
    from ops.bench import access_log, gap_oracle, lag, pages, queries, rebuild, write_path

    _full(args)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    base = Path(args.data_dir) if args.data_dir else None
    names = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    rows: list[Row] = []
    profiles: list[dict[str, Any]] = []
    began = time.perf_counter()
    for name in names:
        if name == "postgres" and not postgres_reachable():
            rows.append(Row("—", "every section", name, "skipped: PostgreSQL not reachable"))
            continue
        if "write" in sections:
            progress(f"[{name}] write path")
            with bench_store(name, base) as backend:
                rows += write_path.run(
                    backend,
                    clients=args.clients,
                    calls=args.calls,
                    seconds=args.duration,
                    rates=rates,
                )
        if {"rebuild", "queries", "pages", "chain", "stock"} & set(sections):
            progress(f"[{name}] generating {args.events:,} events")
            with bench_store(name, base) as backend:
                row, summary = bulk_generation(backend, args.events)
                rows.append(row)
                if "rebuild" in sections:
                    progress(f"[{name}] rebuild")
                    found, profile = rebuild.run(backend, args.events)
                    rows += found
                    profiles.append(profile)
                else:
                    run_child(backend, "ops.bench.rebuild", "rebuild")
                if "queries" in sections:
                    progress(f"[{name}] queries")
                    rows += queries.run(
                        backend,
                        last_day=summary.last_day or date.today(),
                        clients=args.clients,
                        calls=args.calls,
                        seconds=args.duration,
                        label=f"{summary.events:,} events",
                        target=summary.events >= 10_000_000,
                    )
                if "pages" in sections:
                    progress(f"[{name}] pages")
                    rows += pages.run(
                        backend,
                        last_day=summary.last_day or date.today(),
                        clients=args.clients,
                        calls=args.calls,
                        seconds=args.duration,
                        label=f"{summary.events:,} events",
                    )
                if "stock" in sections:
                    from ops.bench import stock

                    progress(f"[{name}] stock reports")
                    rows += stock.run(
                        backend,
                        last_day=summary.last_day or date.today(),
                        label=f"{summary.events:,} events",
                        calls=args.calls,
                        seconds=args.duration,
                    )
                if "chain" in sections:  # last: it appends 1,000 events to the log
                    progress(f"[{name}] log chain")
                    rows += _chain(backend, f"{summary.events:,} events")
        if "queries" in sections and args.query_events and args.query_events != args.events:
            progress(f"[{name}] queries at {args.query_events:,} events")
            with bench_store(name, base) as backend:
                row, summary = bulk_generation(backend, args.query_events)
                rows.append(row)
                run_child(backend, "ops.bench.rebuild", "rebuild", timeout=6 * 3600)
                rows += queries.run(
                    backend,
                    last_day=summary.last_day or date.today(),
                    clients=args.clients,
                    calls=args.calls,
                    seconds=args.duration,
                    label=f"{summary.events:,} events",
                    target=summary.events >= 10_000_000,
                )
                if "stock" in sections:
                    from ops.bench import stock

                    rows += stock.run(
                        backend,
                        last_day=summary.last_day or date.today(),
                        label=f"{summary.events:,} events",
                        calls=args.calls,
                        seconds=args.duration,
                    )
        if "lag" in sections:
            progress(f"[{name}] lag")
            with bench_store(name, base) as backend:
                rows += lag.run(backend, seconds=args.duration, rates=rates, calls=args.calls)
        if "access" in sections:
            progress(f"[{name}] access log")
            with bench_store(name, base) as backend:
                rows += access_log.run(backend, calls=args.calls, seconds=args.duration)
        if "staffnames" in sections:
            from ops.bench import staff_names

            progress(f"[{name}] staff names revealed")
            with bench_store(name, base) as backend:
                # A 2,000-row board; a tiny run (the smoke test) reveals 200, three rounds.
                small = args.events < 10_000
                rows += staff_names.run(
                    backend, staff=200 if small else staff_names.STAFF, rounds=3 if small else 15
                )
        if "routing" in sections:
            from ops.bench import routing

            progress(f"[{name}] routing")
            with bench_store(name, base) as backend:
                rows += routing.run(backend, leads=100 if args.events < 10_000 else 400)
        if "gap" in sections:
            progress(f"[{name}] gap oracle")
            with bench_store(name, base) as backend:
                rows += gap_oracle.run(
                    backend, seconds=args.gap_duration or args.duration, calls=args.calls * 10
                )
        if "encryption" in sections:
            from ops.bench import encryption

            progress(f"[{name}] encryption on and off")
            rows += encryption.rows_for(args, name, base)
    return {"rows": rows, "profiles": profiles, "seconds": time.perf_counter() - began}


def command_line(args: argparse.Namespace) -> str:
    parts = ["showroom bench", f"--backend {args.backend}", f"--events {args.events}"]
    if args.query_events:
        parts.append(f"--query-events {args.query_events}")
    parts += [
        f"--duration {args.duration:g}",
        f"--calls {args.calls}",
        f"--clients {args.clients}",
        f"--rates {args.rates}",
    ]
    if args.gap_duration:
        parts.append(f"--gap-duration {args.gap_duration:g}")
    if args.sections != ",".join(SECTIONS):
        parts.append(f"--sections {args.sections}")
    return " ".join(parts)


def report(args: argparse.Namespace, result: dict[str, Any], info: dict[str, str]) -> str:
    """The generated part of docs/benchmarks.md."""
    lines = [
        BEGIN,
        f"## Last run ({time.strftime('%Y-%m-%d %H:%M %Z')}, {result['seconds']:.0f} s)",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()),
        "",
        "Reproduce (from the repository, after `make install`):",
        "",
        "```",
        f".venv/bin/{command_line(args)}",
        "```",
        "",
        render_table(result["rows"]),
        "",
    ]
    notes = [r for r in result["rows"] if r.note]
    if notes:
        lines += ["Notes per row:", ""]
        lines += [f"- {r.section} / {r.backend} / {r.metric}: {r.note}" for r in notes]
        lines.append("")
    for profile in result["profiles"]:
        lines += [
            f"Where a rebuild's time went ({profile['backend']}, {profile['seconds']:.1f} s):",
            "",
            "| part | seconds | share |",
            "|---|---|---|",
        ]
        total = profile["seconds"] or 1.0
        for part, seconds in profile["profile"].items():
            lines.append(f"| {part} | {seconds:.1f} | {seconds / total:.0%} |")
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def write_report(path: Path, generated: str) -> None:
    """Replace the generated block of the file, keeping the hand-written text around it."""
    if path.exists():
        text = path.read_text()
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            tail = rest.split(END, 1)[1]
            path.write_text(head + generated + tail)
            return
        path.write_text(text.rstrip() + "\n\n" + generated + "\n")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Benchmarks\n\n" + generated + "\n")


def main(argv: Sequence[str] | None = None, args: argparse.Namespace | None = None) -> int:
    if args is None:
        args = parser().parse_args(argv)
    # One line per request would drown the table.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    info = machine()
    result = run(args, progress=lambda text: print(text, file=sys.stderr, flush=True))
    print(render_table(result["rows"]))
    if not args.no_write:
        write_report(Path(args.out), report(args, result, info))
        print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
