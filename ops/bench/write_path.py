"""Write path: commands per second and latency through real HTTP, beside the bare library.

The command is `POST /leads/{id}/activities` (log a call): authenticate the bearer token (the
user is re-read from the log), load the lead, check scope and state, append one event and
answer its log position. Each client works its own salesperson's leads (no conflicts).

Baseline, on the same store in the same run: the bare eventsourcing `Application.save` of one
event of a tiny aggregate, from the same number of threads, with no HTTP, no auth, no load.
Both are measured closed-loop (every client sends its next call when the last one answered:
the saturating rate) and open-loop at a fixed rate (latency measured from when a call was due).
"""

from __future__ import annotations

import time
from typing import Any

from domain.app import Showroom
from ops.bench.harness import (
    PASSWORD,
    Backend,
    BenchFloor,
    BenchPing,
    Row,
    Timings,
    closed_loop,
    ms,
    paced,
    per_second,
    ratio,
    seed_floor,
    serve,
    verdict,
)
from workers.runtime import Runtime

LEADS_EACH = 25  # leads per client, so that no lead grows long enough to slow its replay


def bare_saves(
    backend: Backend, threads: int, *, rate: float | None, calls: int, seconds: float
) -> Timings:
    """`Application.save` of one event per call, from `threads` threads, on the bench store."""
    app = Showroom(env=backend.settings.event_store_env())
    try:
        pings = [BenchPing() for _ in range(threads)]
        app.save(*pings)

        def call(worker: int, n: int) -> None:
            pings[worker].ping()
            app.save(pings[worker])

        if rate is None:
            return closed_loop(threads, call, max_calls=calls, max_seconds=seconds)
        return paced(threads, call, rate=rate, seconds=seconds)
    finally:
        app.close()


def http_commands(
    url: str,
    usernames: list[str],
    leads: list[list[Any]],
    *,
    rate: float | None,
    calls: int,
    seconds: float,
) -> Timings:
    """Log activities over HTTP, one client (and login) per salesperson."""
    import httpx

    clients: list[httpx.Client] = []
    try:
        for username in usernames:
            client = httpx.Client(base_url=url, timeout=30.0)
            answer = client.post("/auth/token", data={"username": username, "password": PASSWORD})
            answer.raise_for_status()
            client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
            clients.append(client)

        def call(worker: int, n: int) -> None:
            mine = leads[worker]
            answer = clients[worker].post(
                f"/leads/{mine[n % len(mine)]}/activities",
                json={"kind": "call", "outcome": "bench"},
            )
            if answer.status_code != 201:
                raise RuntimeError(f"{answer.status_code}: {answer.text[:200]}")

        if rate is None:
            return closed_loop(len(clients), call, max_calls=calls, max_seconds=seconds)
        return paced(len(clients), call, rate=rate, seconds=seconds)
    finally:
        for client in clients:
            client.close()


def run(
    backend: Backend, *, clients: int, calls: int, seconds: float, rates: list[float]
) -> list[Row]:
    """The write-path rows for one backend."""
    runtime = Runtime.build(backend.settings)
    try:
        floor = seed_floor(runtime, clients, LEADS_EACH)
    finally:
        runtime.close()
    rows: list[Row] = []
    base = bare_saves(backend, clients, rate=None, calls=calls, seconds=seconds)
    paced_base = {
        r: bare_saves(backend, clients, rate=r, calls=calls, seconds=seconds) for r in rates
    }
    # On PostgreSQL a deployment runs several API processes (docs/scale-out.md): measure one
    # and two; the targets are read on two. SQLite's embedded server is one process.
    counts = (1, 2) if backend.name == "postgres" else (1,)
    for processes in counts:
        rows += _served(
            backend, floor, processes, counts[-1], base, paced_base, calls, seconds, rates
        )
    return rows


def _served(
    backend: Backend,
    floor: BenchFloor,
    processes: int,
    judged: int,
    base: Timings,
    paced_base: dict[float, Timings],
    calls: int,
    seconds: float,
    rates: list[float],
) -> list[Row]:
    rows: list[Row] = []
    clients = len(floor.usernames)
    with serve(backend, "--processes", str(processes)) as server:
        # A short warm-up, so that imports and the first connections are not measured.
        http_commands(
            server.url, floor.usernames, floor.leads, rate=None, calls=clients * 4, seconds=5
        )
        load = http_commands(
            server.url, floor.usernames, floor.leads, rate=None, calls=calls, seconds=seconds
        )
        paced_load = {
            r: http_commands(
                server.url, floor.usernames, floor.leads, rate=r, calls=calls, seconds=seconds
            )
            for r in rates
        }
    name, section = backend.name, "1 write path"
    of = f"bare Application.save, {clients} threads"
    served = f"{processes} API process{'es' if processes > 1 else ''}"
    judging = name == "postgres" and processes == judged
    met = load.rate >= 0.8 * base.rate
    rows.append(
        Row(
            section,
            f"commands/s, {clients} HTTP clients (saturation), {served}",
            name,
            per_second(load.rate),
            per_second(base.rate),
            of,
            ratio(load.rate, base.rate),
            "≥ 80 % of baseline" if judging else "—",
            verdict(met) if judging else "—",
            note=f"{load.count} commands, {load.errors} errors",
        )
    )
    for q in (50, 99):
        rows.append(
            Row(
                section,
                f"p{q} latency at saturation, {served}",
                name,
                ms(load.p(q)),
                ms(base.p(q)),
                of,
                ratio(load.p(q), base.p(q)),
            )
        )
    for r in rates:
        got, bare = paced_load[r], paced_base[r]
        target = r == 200 and judging
        rows.append(
            Row(
                section,
                f"p50 / p99 latency at {r:.0f} commands/s, {served}",
                name,
                f"{ms(got.p(50))} / {ms(got.p(99))}",
                f"{ms(bare.p(50))} / {ms(bare.p(99))}",
                "bare save at the same rate",
                ratio(got.p(99), bare.p(99)),
                "p99 < 25 ms" if target else "—",
                verdict(got.p(99) < 0.025 and got.errors == 0) if target else "—",
                note=f"{got.count} of {int(r * seconds)} due, {got.errors} errors",
            )
        )
    return rows


# --- where a command's time goes -----------------------------------------------------------


def profile(backend: Backend, commands: int = 400) -> dict[str, float]:
    """Milliseconds per `POST /leads/{id}/activities`, split into its parts, in this process.

    First the whole request through the API in process (FastAPI's TestClient, no projections,
    no workers); then the same steps called directly and timed one by one: the token, the user's
    replay (every request re-reads its user), the lead's load and checks, and the append. What
    the direct steps do not account for is HTTP, routing, validation, middleware and JSON.
    """
    from fastapi.testclient import TestClient

    from api.auth import issue_token, user_of_token
    from api.main import create_app

    runtime = Runtime.build(backend.settings)
    try:
        floor = seed_floor(runtime, 1, LEADS_EACH, prefix="profile")
    finally:
        runtime.close()
    leads = floor.leads[0]
    app = create_app(backend.settings, run_projections=False, run_workers=False)
    with TestClient(app) as client:
        answer = client.post(
            "/auth/token", data={"username": floor.usernames[0], "password": PASSWORD}
        )
        client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        for n in range(20 + commands):
            if n == 20:
                began = time.perf_counter()
            client.post(f"/leads/{leads[n % len(leads)]}/activities", json={"kind": "call"})
        whole = (time.perf_counter() - began) * 1000 / commands
    runtime = Runtime.build(backend.settings)
    try:
        token = issue_token(floor.principals[0], backend.settings)
        parts = dict.fromkeys(("token", "user replay", "lead load + checks", "append"), 0.0)
        save = runtime.app.save

        def timed_save(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return save(*args, **kwargs)
            finally:
                parts["append"] += time.perf_counter() - t

        runtime.app.save = timed_save  # type: ignore[method-assign]
        for n in range(commands):
            t0 = time.perf_counter()
            user_id = user_of_token(token, backend.settings)
            t1 = time.perf_counter()
            assert user_id is not None
            principal = runtime.organisation.principal(user_id)
            t2 = time.perf_counter()
            assert principal is not None
            runtime.leads.log_activity(principal, leads[n % len(leads)], "call")
            t3 = time.perf_counter()
            parts["token"] += t1 - t0
            parts["user replay"] += t2 - t1
            parts["lead load + checks"] += t3 - t2
        parts["lead load + checks"] -= parts["append"]
    finally:
        runtime.close()
    split = {f"{name} (ms)": seconds * 1000 / commands for name, seconds in parts.items()}
    split["HTTP, routing, validation, middleware, JSON (ms)"] = whole - sum(split.values())
    split["whole request in process (ms)"] = whole
    return split


if __name__ == "__main__":
    import sys

    from ops.bench.harness import bench_store

    with bench_store(sys.argv[2] if len(sys.argv) > 2 else "sqlite") as store:
        for part, took in profile(store).items():
            print(f"{part:<52} {took:6.2f}")
