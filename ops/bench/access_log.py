"""What recording a read costs: a customer read with the full phone number, recorded or not.

One app over one store, one client, the same customers: the read (`GET /customers/{id}` as an
admin, who sees full numbers) is timed in interleaved rounds with the access log as it runs
(`background`: `record` queues, the writer thread appends in batches), with no log at all
(the baseline), and with each entry appended inside the request (`inline`: one transaction per
read, the design the background writer replaces). Rounds alternate so that a noisy machine
slows all three alike. A fourth figure is the cost of one `record` call alone.

The app runs in process (Starlette's test client: the whole ASGI stack, no socket), so the
request's own work is what the percentages compare with, not a network's.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from typing import Any

from ops.bench.harness import Backend, Row, percentile, ratio
from workers import checkpoints
from workers.access_log import Access, AccessKind, AccessLog, append

CUSTOMERS = 50
PASSWORD = "bench-admin-pass-1"


class NoLog:
    """The baseline: nothing recorded."""

    def record(self, access: Access) -> None:
        return None


class InlineLog:
    """Each entry appended in the request's thread, one transaction each."""

    def __init__(self, log: AccessLog) -> None:
        self.log = log

    def record(self, access: Access) -> None:
        from domain.shared.clock import now

        append(self.log.db, self.log.keyring, [(now(), access)])


def _arranged(runtime: Any) -> list[str]:
    from domain.shared.actor import SYSTEM

    org, crm = runtime.organisation, runtime.crm
    store = org.open_store(SYSTEM, "Bench Access", "Shanghai", ["BYD"]).id
    org.register_user(SYSTEM, "bench_admin", PASSWORD, "admin")
    return [
        str(crm.register_customer(SYSTEM, store, f"Reader {n}", f"1391234{n:04d}").id)
        for n in range(CUSTOMERS)
    ]


def run(backend: Backend, *, calls: int, seconds: float, rounds: int = 30) -> list[Row]:
    """Rows: p50/p95 of the read under each log, and the cost of one `record` call."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    # No projections run (their thread would compete with the reads), so the phone index must
    # not wait for a directory view that never comes: the bench's phones are unique.
    settings = dataclasses.replace(backend.settings, read_wait_seconds=0.0)
    app = create_app(settings, run_projections=False, run_workers=False)
    with TestClient(app) as client:
        runtime = app.state.runtime
        real = runtime.access_log
        ids = _arranged(runtime)
        token = client.post(
            "/auth/token", data={"username": "bench_admin", "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        logs: dict[str, Any] = {"none": NoLog(), "background": real, "inline": InlineLog(real)}
        latencies: dict[str, list[float]] = {name: [] for name in logs}
        # Per round: each variant's p50, and the process's CPU time per read (every thread,
        # the writer's included): paired within a round, they hold on a noisy machine.
        medians: dict[str, list[float]] = {name: [] for name in logs}
        cpu: dict[str, list[float]] = {name: [] for name in logs}
        per_round = max(20, calls // rounds)
        deadline = time.perf_counter() + max(seconds, 1.0) * 20
        try:
            for log in logs.values():  # warm-up
                runtime.access_log = log
                for n in range(20):
                    client.get(f"/customers/{ids[n % len(ids)]}", headers=headers)
            names = list(logs)
            for round_ in range(rounds):
                # Short blocks, in an order that turns each round: a noisy neighbour (2 cores
                # shared) then slows every variant alike. A block is long enough (~50 linger
                # periods) that the writer's commits fall inside the block that caused them.
                for name in names[round_ % 3 :] + names[: round_ % 3]:
                    runtime.access_log = logs[name]
                    block: list[float] = []
                    cpu_began = time.process_time()
                    for n in range(per_round):
                        began = time.perf_counter()
                        answer = client.get(f"/customers/{ids[n % len(ids)]}", headers=headers)
                        block.append(time.perf_counter() - began)
                        if answer.status_code != 200:
                            raise RuntimeError(f"{answer.status_code}: {answer.text[:200]}")
                    real.flush()  # the block's entries written inside its CPU time
                    cpu[name].append((time.process_time() - cpu_began) / per_round)
                    latencies[name] += block
                    medians[name].append(percentile(block, 50))
                if time.perf_counter() > deadline:
                    break
        finally:
            runtime.access_log = real
        real.flush()
        record_cost = _record_cost(real)
        chain_ok = checkpoints.verify_running(real).ok
    base50, base95 = (percentile(latencies["none"], q) for q in (50, 95))
    rows = []
    for name, what in (
        ("background", "recorded by the background writer"),
        ("inline", "appended inside the request"),
    ):
        p50, p95 = (percentile(latencies[name], q) for q in (50, 95))
        paired = statistics.median(
            a / b for a, b in zip(medians[name], medians["none"], strict=True) if b > 0
        )
        cpu_ratio = statistics.median(
            a / b for a, b in zip(cpu[name], cpu["none"], strict=True) if b > 0
        )
        rows.append(
            Row(
                "9 access log",
                f"customer read with full phone, {what}: p50 / p95",
                backend.name,
                f"{p50 * 1000:.2f} / {p95 * 1000:.2f} ms",
                f"{base50 * 1000:.2f} / {base95 * 1000:.2f} ms",
                "the same read, nothing recorded (same run, interleaved)",
                f"{paired:.0%} (paired p50)",
                "≤ a few % over the read" if name == "background" else "—",
                ("met" if paired <= 1.05 else "missed") if name == "background" else "—",
                note=(
                    f"{len(latencies[name])} reads each in {len(medians[name])} interleaved"
                    f" rounds; median of per-round p50 ratios {paired:.0%}; CPU per read"
                    f" {statistics.median(cpu[name]) * 1000:.2f} ms vs"
                    f" {statistics.median(cpu['none']) * 1000:.2f} ms ({cpu_ratio:.0%});"
                    f" overall p50 {ratio(p50, base50)}, p95 {ratio(p95, base95)};"
                    f" chain verified: {chain_ok}"
                ),
            )
        )
    rows.append(
        Row(
            "9 access log",
            "one AccessLog.record call (queue put)",
            backend.name,
            f"{record_cost * 1e6:.1f} µs",
            f"{base50 * 1000:.2f} ms",
            "the read's p50",
            ratio(record_cost, base50),
        )
    )
    return rows


def _record_cost(log: AccessLog, count: int = 5000) -> float:
    """Seconds per `record` call, the writer thread running as it does in a server."""
    entry = Access(AccessKind.FULL_PHONE_READ, "bench", "customer", {"channel": "bench"})
    began = time.perf_counter()
    for _ in range(count):
        log.record(entry)
    took = (time.perf_counter() - began) / count
    log.flush(timeout=60)
    return took
