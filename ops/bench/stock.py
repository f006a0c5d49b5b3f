"""Stock reports: days' supply, turnover and purchase guidance over a generated group, p50/p99,
beside the same computation in pandas over the same facts.

The reports run in-process on the caught-up `stock_reports` view, one call at a time (what
one API worker does for one request, without HTTP and JSON): group-wide for a group executive
and for one store's manager. Baseline, in the same run: the same arithmetic in pandas over
DataFrames of the view's rows (spells, sales, inbound, settings), loaded once before timing.

    python -m ops.bench.stock --backend sqlite --events 1000000   # builds the group, measures
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pandas as pd

from domain.shared import months
from domain.shared.access import ReadScope, read_scope
from domain.shared.actor import Principal, Role
from domain.stock.model import DEFAULT_TARGET_DAYS
from ops.bench.harness import Backend, Row, bench_store, ms, percentile, ratio, render_table
from projections.db import Database
from projections.stock_reports import queries
from projections.stock_reports.projection import INBOUND, SALES, SETTINGS, SPELLS
from workers.runtime import Runtime

REPORTS = ("days_supply", "turnover", "guidance")
TARGET_SECONDS = 0.100
WINDOW = 30
LINE = ["store_id", "make", "model", "trim", "colour"]


def _frames(runtime: Runtime) -> dict[str, pd.DataFrame]:
    """The view's rows as DataFrames (the baseline's facts: the same rows the SQL reads)."""
    return {
        name: pd.DataFrame(runtime.db.query(f"SELECT * FROM {table}"))
        for name, table in (
            ("spells", SPELLS),
            ("sales", SALES),
            ("inbound", INBOUND),
            ("settings", SETTINGS),
        )
    }


def _held(spells: pd.DataFrame, day: str) -> pd.DataFrame:
    return spells[(spells.start_on <= day) & (spells.end_on.isna() | (spells.end_on > day))]


def pandas_days_supply(f: dict[str, pd.DataFrame], as_of: date, store: str | None) -> Any:
    spells, sales = f["spells"], f["sales"]
    if store is not None:
        spells, sales = spells[spells.store_id == store], sales[sales.store_id == store]
    day, first = as_of.isoformat(), (as_of - timedelta(days=WINDOW - 1)).isoformat()
    keys = ["store_id", "make", "model"]
    units = _held(spells, day).groupby(keys).size().rename("units")
    window = sales[(sales.sold_on >= first) & (sales.sold_on <= day)]
    sold = window.groupby(keys).size().rename("sold")
    table = pd.concat([units, sold], axis=1).fillna(0)
    table["days_supply"] = (table.units * WINDOW / table.sold.where(table.sold > 0)).round(1)
    return table


def pandas_turnover(f: dict[str, pd.DataFrame], month: str, store: str | None) -> Any:
    spells, sales = f["spells"], f["sales"]
    if store is not None:
        spells, sales = spells[spells.store_id == store], sales[sales.store_id == store]
    first, last = months.first_day(month), months.last_day(month)
    opening = _held(spells, (first - timedelta(days=1)).isoformat()).groupby("store_id").cost
    closing = _held(spells, last.isoformat()).groupby("store_id").cost
    sold = sales[(sales.sold_on >= first.isoformat()) & (sales.sold_on <= last.isoformat())]
    cogs = sold.groupby("store_id").cost
    table = pd.concat(
        [
            opening.sum().rename("o_cost"),
            opening.size().rename("o_units"),
            closing.sum().rename("c_cost"),
            closing.size().rename("c_units"),
            cogs.sum().rename("cogs"),
            cogs.size().rename("sold"),
        ],
        axis=1,
    ).fillna(0)
    table["turnover"] = (table.cogs / ((table.o_cost + table.c_cost) / 2)).round(2)
    table["annualised"] = table.turnover * 12
    table["unit_turnover"] = (table.sold / ((table.o_units + table.c_units) / 2)).round(2)
    return table


def pandas_guidance(f: dict[str, pd.DataFrame], as_of: date, store: str | None) -> Any:
    spells, sales, inbound = f["spells"], f["sales"], f["inbound"]
    if store is not None:
        spells, sales = spells[spells.store_id == store], sales[sales.store_id == store]
        if not inbound.empty:
            inbound = inbound[inbound.store_id == store]
    day, first = as_of.isoformat(), (as_of - timedelta(days=WINDOW - 1)).isoformat()
    held = _held(spells[spells.condition == "new"], day).copy()
    held["age"] = (pd.Timestamp(as_of) - pd.to_datetime(held.acquired_on)).dt.days
    on_hand = held.groupby(LINE).size().rename("on_hand")
    aged = held[held.age >= 60].groupby(LINE).size().rename("aged")
    window = sales[(sales.condition == "new") & (sales.sold_on >= first) & (sales.sold_on <= day)]
    sold = window.groupby(LINE).size().rename("sold")
    parts = [on_hand, aged, sold]
    if not inbound.empty:
        coming = inbound[inbound.status.isin(["ordered", "allocated", "in_transit"])]
        parts.append(coming.groupby(LINE).size().rename("coming"))
    table = pd.concat(parts, axis=1).fillna(0)
    coming_units = table.get("coming", 0)
    need = table.sold / WINDOW * DEFAULT_TARGET_DAYS - table.on_hand - coming_units
    table["suggested"] = need.apply(lambda v: max(0, math.ceil(v))).where(table.aged == 0, 0)
    return table


def _our_calls(
    db: Database, scope: ReadScope, last_day: date, month: str
) -> dict[str, Callable[[], Any]]:
    return {
        "days_supply": lambda: queries.days_supply(db, scope=scope, as_of=last_day, window=WINDOW),
        "turnover": lambda: queries.turnover(db, scope=scope, month=month),
        "guidance": lambda: queries.guidance(db, scope=scope, as_of=last_day, window=WINDOW),
    }


def _pandas_calls(
    frames: dict[str, pd.DataFrame], last_day: date, month: str, store: str | None
) -> dict[str, Callable[[], Any]]:
    return {
        "days_supply": lambda: pandas_days_supply(frames, last_day, store),
        "turnover": lambda: pandas_turnover(frames, month, store),
        "guidance": lambda: pandas_guidance(frames, last_day, store),
    }


def _timed(call: Callable[[], Any], calls: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    began = time.perf_counter()
    while len(latencies) < calls and time.perf_counter() - began < seconds:
        start = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - start)
    return latencies


def run(
    backend: Backend, *, last_day: date, label: str, calls: int = 200, seconds: float = 10.0
) -> list[Row]:
    """Rows for one backend: each report group-wide and for one store, p50/p99, beside pandas."""
    runtime = Runtime.build(backend.settings)
    try:
        frames = _frames(runtime)
        stores = sorted(frames["spells"].store_id.unique()) if not frames["spells"].empty else []
        one = stores[0] if stores else None
        month = months.previous_month(months.of_day(last_day))
        executive = Principal(user_id="bench", role=Role.GROUP_EXEC, username="bench")
        manager = Principal(
            user_id="bench-m",
            role=Role.STORE_MANAGER,
            username="bench-m",
            store_id=None if one is None else UUID(one),
        )
        db = runtime.db
        rows: list[Row] = []
        for who, principal, store in (("group", executive, None), ("one store", manager, one)):
            scope = read_scope(principal)
            ours = _our_calls(db, scope, last_day, month)
            theirs = _pandas_calls(frames, last_day, month, store)
            for report in REPORTS:
                mine = _timed(ours[report], calls, seconds)
                base = _timed(theirs[report], calls, seconds)
                p50, p99 = percentile(mine, 50), percentile(mine, 99)
                b50, b99 = percentile(base, 50), percentile(base, 99)
                rows.append(
                    Row(
                        "12 stock",
                        f"{report} p50 / p99, {who} ({label})",
                        backend.name,
                        f"{ms(p50)} / {ms(p99)}",
                        f"{ms(b50)} / {ms(b99)}",
                        "pandas over the view's rows, in memory",
                        ratio(p99, b99),
                        "p99 < 100 ms",
                        "met" if p99 < TARGET_SECONDS else "missed",
                        note=(
                            f"{len(mine)} calls; {len(frames['spells']):,} spells,"
                            f" {len(frames['sales']):,} sales"
                        ),
                    )
                )
        return rows
    finally:
        runtime.close()


def main(argv: list[str] | None = None) -> int:
    from ops.bench import rebuild
    from ops.bench.harness import run_child

    p = argparse.ArgumentParser(prog="python -m ops.bench.stock", description=__doc__)
    p.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--events", type=int, default=20_000)
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--seconds", type=float, default=10.0)
    args = p.parse_args(argv)
    with bench_store(args.backend) as backend:
        began = time.perf_counter()
        summary = rebuild.write_log(backend, args.events)
        run_child(backend, "ops.bench.rebuild", "rebuild", timeout=6 * 3600)
        built = time.perf_counter() - began
        rows = run(
            backend,
            last_day=summary.last_day or date.today(),
            label=f"{summary.events:,} events",
            calls=args.calls,
            seconds=args.seconds,
        )
    print(render_table(rows))
    print(f"\n(group built and views caught up in {built:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
