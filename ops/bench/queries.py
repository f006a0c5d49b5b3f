"""Query latency: KPI, leaderboard, funnel, inventory and history endpoints under 8 clients.

The API runs as `showroom serve --processes 2` (one process per core, as docs/scale-out.md
deploys it) over a generated log whose views are caught up. Each endpoint
is called by `clients` concurrent httpx clients (group executive for the reports, auditor for
the history of a deal), closed loop, bounded in calls and seconds.

Baseline, in the same run: the same aggregation in pandas over in-memory DataFrames of the
same facts (the views' rows, and the log's (aggregate, version, topic) index for history),
loaded once before timing; a single thread, so it is what one core does with no I/O, no
HTTP, no auth and no JSON.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
from eventsourcing.utils import get_topic

from domain.inventory.model import VehicleStatus
from domain.sales.model import Deal
from domain.shared import months
from ops.bench.harness import (
    Backend,
    Row,
    Timings,
    closed_loop,
    ms,
    percentile,
    ratio,
    serve,
    verdict,
)
from ops.simulation import GROUP_LOGINS
from projections.db import Database
from projections.lead_funnel.projection import STAGES
from projections.salesperson_kpi.projection import COUNTERS
from workers.runtime import Runtime

ENDPOINTS = ("kpis", "leaderboard", "funnel", "inventory", "history")
# A report's own SQL is a millisecond or two off the roll-ups; what is left is the framework's
# few milliseconds of Python per request, which one process serves on one core only.
API_PROCESSES = 2
SAMPLE_DEALS = 64


def last_full_month(day: date) -> str:
    return months.previous_month(months.of_day(day))


def sample_deals(runtime: Runtime, count: int, seed: int = 1) -> list[str]:
    """Ids of deals spread over the log."""
    rng = random.Random(seed)
    head = runtime.app.position()
    topic = get_topic(Deal.Opened)
    found: list[str] = []
    for _ in range(count * 4):
        if len(found) >= count:
            break
        start = rng.randrange(1, max(2, head))
        page = runtime.app.recorder.select_notifications(start, 1, topics=[topic])
        if page:
            found.append(str(page[0].originator_id))
    return found or ["00000000-0000-4000-8000-000000000000"]


# --- the HTTP side ---------------------------------------------------------------------------


def _password(username: str) -> str:
    return next(p for u, p, _, _ in GROUP_LOGINS if u == username)


def http_latencies(
    url: str, month: str, deals: list[str], *, clients: int, calls: int, seconds: float
) -> dict[str, Timings]:
    import httpx

    paths: dict[str, Callable[[int], str]] = {
        "kpis": lambda n: f"/reports/kpis?month={month}&limit=50",
        "leaderboard": lambda n: f"/reports/leaderboard?month={month}&limit=50",
        "funnel": lambda n: f"/reports/funnel?month={month}",
        "inventory": lambda n: "/reports/inventory?limit=50",
        "history": lambda n: f"/history/{deals[n % len(deals)]}",
    }
    who = {"history": "auditor"}
    tokens: dict[str, str] = {}
    with httpx.Client(base_url=url, timeout=60.0) as login:
        for username in ("exec", "auditor"):
            answer = login.post(
                "/auth/token", data={"username": username, "password": _password(username)}
            )
            answer.raise_for_status()
            tokens[username] = answer.json()["access_token"]
    results: dict[str, Timings] = {}
    for endpoint in ENDPOINTS:
        token = tokens[who.get(endpoint, "exec")]
        sessions = [
            httpx.Client(base_url=url, timeout=60.0, headers={"Authorization": f"Bearer {token}"})
            for _ in range(clients)
        ]
        path = paths[endpoint]

        def call(
            worker: int,
            n: int,
            path: Callable[[int], str] = path,
            sessions: list[httpx.Client] = sessions,
        ) -> None:
            answer = sessions[worker].get(path(n * clients + worker))
            if answer.status_code != 200:
                raise RuntimeError(f"{answer.status_code}: {answer.text[:200]}")

        try:
            closed_loop(clients, call, max_calls=clients * 2, max_seconds=10)  # warm-up
            results[endpoint] = closed_loop(clients, call, max_calls=calls, max_seconds=seconds)
        finally:
            for session in sessions:
                session.close()
    return results


# --- the pandas side -------------------------------------------------------------------------


def frames(db: Database, runtime: Runtime) -> dict[str, pd.DataFrame]:
    """The facts behind each report, in memory."""
    tables = {
        "kpi": "SELECT * FROM rm_salesperson_kpi",
        "kpi_staff": "SELECT * FROM rm_salesperson_kpi_staff",
        "board": "SELECT * FROM rm_leaderboard",
        "board_staff": "SELECT * FROM rm_leaderboard_staff",
        "funnel": "SELECT * FROM rm_lead_funnel",
        "vehicles": "SELECT * FROM rm_inventory_vehicle",
    }
    loaded = {name: pd.DataFrame(db.query(sql)) for name, sql in tables.items()}
    rows: list[tuple[str, int, str]] = []
    start = 1
    while True:
        page = runtime.app.recorder.select_notifications(start, 10_000)
        if not page:
            break
        rows.extend((str(n.originator_id), n.originator_version, n.topic) for n in page)
        start = page[-1].id + 1
    loaded["events"] = pd.DataFrame(rows, columns=["originator_id", "originator_version", "topic"])
    return loaded


def pandas_queries(f: dict[str, pd.DataFrame], month: str) -> dict[str, Callable[[int], Any]]:
    first, last = months.bounds(month)
    counters = list(COUNTERS)
    stages = list(STAGES)
    on_hand = [VehicleStatus.IN_STOCK.value, VehicleStatus.RESERVED.value]

    def kpis(n: int) -> Any:
        k = f["kpi"]
        picked = k[(k["day"] >= first) & (k["day"] <= last)]
        summed = picked.groupby("salesperson_id", as_index=False)[counters].sum()
        named = summed.merge(
            f["kpi_staff"][["staff_id", "name"]],
            left_on="salesperson_id",
            right_on="staff_id",
            how="left",
        )
        return named.sort_values(["name", "salesperson_id"]).head(50)

    def leaderboard(n: int) -> Any:
        b = f["board"]
        summed = (
            b[b["month"] == month]
            .groupby("salesperson_id", as_index=False)[["units", "gross", "revenue"]]
            .sum()
        )
        summed["rank"] = (
            summed[["units", "gross"]].apply(tuple, axis=1).rank(method="min", ascending=False)
        )
        named = summed.merge(
            f["board_staff"], left_on="salesperson_id", right_on="staff_id", how="left"
        )
        return named.sort_values(["rank", "name", "salesperson_id"]).head(50)

    def funnel(n: int) -> Any:
        g = f["funnel"]
        return g[g["month"] == month].groupby("channel")[stages].sum()

    def inventory(n: int) -> Any:
        v = f["vehicles"]
        held = v[v["status"].isin(on_hand)].assign(
            in_stock=lambda d: (d["status"] == on_hand[0]).astype(int),
            reserved=lambda d: (d["status"] == on_hand[1]).astype(int),
        )
        keys = ["store_id", "make", "model", "trim", "colour"]
        grouped = held.groupby(keys, as_index=False)[["in_stock", "reserved", "cost"]].sum()
        return grouped.sort_values(keys).head(50)

    events = f["events"]
    ids = (
        events["originator_id"]
        .drop_duplicates()
        .sample(n=min(SAMPLE_DEALS, len(events)), random_state=1)
        .tolist()
    )

    def history(n: int) -> Any:
        one = events[events["originator_id"] == ids[n % len(ids)]]
        return one.sort_values("originator_version")

    return {
        "kpis": kpis,
        "leaderboard": leaderboard,
        "funnel": funnel,
        "inventory": inventory,
        "history": history,
    }


def pandas_latencies(
    f: dict[str, pd.DataFrame], month: str, *, calls: int, seconds: float
) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    for name, query in pandas_queries(f, month).items():
        query(0)  # warm-up
        took: list[float] = []
        deadline = time.perf_counter() + seconds
        for n in range(calls):
            if time.perf_counter() > deadline:
                break
            began = time.perf_counter()
            query(n)
            took.append(time.perf_counter() - began)
        results[name] = took
    return results


# --- the rows --------------------------------------------------------------------------------


def run(
    backend: Backend,
    *,
    last_day: date,
    clients: int,
    calls: int,
    seconds: float,
    label: str,
    target: bool,
) -> list[Row]:
    """Rows for one backend over the log already in the store (views caught up)."""
    month = last_full_month(last_day)
    runtime = Runtime.build(backend.settings)
    try:
        deals = sample_deals(runtime, SAMPLE_DEALS)
        baseline = pandas_latencies(
            frames(runtime.db, runtime), month, calls=max(20, calls // 4), seconds=seconds
        )
    finally:
        runtime.close()
    with serve(backend, "--processes", str(API_PROCESSES)) as server:
        measured = http_latencies(
            server.url, month, deals, clients=clients, calls=calls, seconds=seconds
        )
    rows: list[Row] = []
    for endpoint in ENDPOINTS:
        got, base = measured[endpoint], baseline[endpoint]
        p99 = got.p(99)
        rows.append(
            Row(
                "3 queries",
                f"{endpoint} p50 / p99, {clients} clients, {API_PROCESSES} API processes, {label}",
                backend.name,
                f"{ms(got.p(50))} / {ms(p99)}",
                f"{ms(percentile(base, 50))} / {ms(percentile(base, 99))}",
                "pandas, same facts in memory",
                ratio(p99, percentile(base, 99)),
                "p99 < 100 ms at 10M" if target else "p99 < 100 ms (target is at 10M)",
                verdict(p99 < 0.1 and got.errors == 0),
                note=f"{got.count} calls, {got.errors} errors, month {month}",
            )
        )
    return rows
