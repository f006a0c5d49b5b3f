"""What the middleware of api/metrics.py (`Observe`: request id, metrics, access line) costs.

`python -m ops.bench.observe [--requests N]`: first the middleware alone around an app that
answers at once (CPU time); then cheap GETs (an async no-op route, and `/health`, one query)
straight into the ASGI app (no HTTP client or socket in between, so the difference is not
drowned), on one app with the middleware and logging as in production (JSON lines written to
/dev/null), with the access line below the log level ("no log"), and on the same app with the
middleware taken out, taking turns request by request so all see the same machine. Prints p50
and p95 wall time and the CPU time per request of each, and the differences.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import tempfile
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient

from api import metrics
from api.main import create_app
from ops.logs import handler, lean_records
from workers.settings import Settings


def _scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
    }


async def _one(app: FastAPI, path: str) -> tuple[float, float]:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    status = 0

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    started, cpu = time.perf_counter(), time.process_time()
    await app(_scope(path), receive, send)
    took, used = time.perf_counter() - started, time.process_time() - cpu
    assert status == 200, status
    return took, used


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _ping() -> PlainTextResponse:
    return PlainTextResponse("pong")


PATHS = {"/bench/ping": "async route, no I/O", "/health": "sync route, one query (threadpool)"}


def run(requests: int, path: str) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder) / "var", secret_key="bench-" + "x" * 40)
        observed = create_app(
            settings, create_tables=True, run_projections=False, run_workers=False
        )
        plain = create_app(settings, run_projections=False, run_workers=False)
        plain.user_middleware = [
            m
            for m in plain.user_middleware
            if m.cls is not metrics.Observe  # type: ignore[comparison-overlap]
        ]
        for app in (observed, plain):
            # Through every middleware and the router, as any route; no thread, no query.
            app.add_api_route("/bench/ping", _ping, methods=["GET"])
        sink = open("/dev/null", "w")  # noqa: SIM115 - closed below
        out = handler(sink)
        root = logging.getLogger()
        root.addHandler(out)
        lean_records()  # as configure_logging does in every process
        level, root.level = root.level, logging.INFO
        times: dict[str, list[tuple[float, float]]] = {"without": [], "no log": [], "with": []}
        try:
            with TestClient(observed), TestClient(plain):  # their lifespans: runtimes open

                async def measure() -> None:
                    for app in (observed, plain):  # warm up
                        for _ in range(200):
                            await _one(app, path)
                    # Request by request, in turns (each triple in a shuffled order, so no
                    # variant always follows another): all see the same moments of the machine.
                    # "no log": the middleware with its access line below the log level.
                    variants = [("without", plain), ("no log", observed), ("with", observed)]
                    shuffle = random.Random(13).shuffle
                    for _ in range(requests):
                        shuffle(variants)
                        for name, app in variants:
                            metrics.access.disabled = name == "no log"
                            times[name].append(await _one(app, path))
                    metrics.access.disabled = False

                asyncio.run(measure())
        finally:
            root.removeHandler(out)
            root.setLevel(level)
            sink.close()
    return {
        name: {
            "p50_us": statistics.median(w for w, _ in values) * 1e6,
            "p95_us": _percentile([w for w, _ in values], 0.95) * 1e6,
            # CPU time of this process: what the machine's other load does not inflate.
            "cpu_p50_us": statistics.median(c for _, c in values) * 1e6,
            "cpu_mean_us": statistics.fmean(c for _, c in values) * 1e6,
            "n": len(values),
        }
        for name, values in times.items()
    }


async def _noop(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def alone(requests: int) -> dict[str, float]:
    """CPU time per request of the middleware around an app that answers at once: its own cost,
    without and with its JSON access line (written to /dev/null), in turns."""
    observed = metrics.Observe(_noop)
    sink = open("/dev/null", "w")  # noqa: SIM115 - closed below
    out = handler(sink)
    root = logging.getLogger()
    root.addHandler(out)
    lean_records()
    level, root.level = root.level, logging.INFO
    used: dict[str, list[float]] = {"bare": [], "no log": [], "with": []}

    async def measure() -> None:
        scope = _scope("/health")
        names = ["bare", "no log", "with"]
        shuffle = random.Random(13).shuffle
        for _ in range(requests):
            shuffle(names)
            for name in names:
                metrics.access.disabled = name == "no log"
                app = _noop if name == "bare" else observed
                cpu = time.process_time()
                await app(dict(scope), _nothing, _discard)
                used[name].append(time.process_time() - cpu)
        metrics.access.disabled = False

    try:
        asyncio.run(measure())
    finally:
        root.removeHandler(out)
        root.setLevel(level)
        sink.close()
    return {name: statistics.median(values) * 1e6 for name, values in used.items()}


async def _discard(message: Any) -> None:
    return None


async def _nothing() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    bare = alone(args.requests * 5)
    print(
        f"the middleware alone, CPU p50 per request: {bare['no log'] - bare['bare']:+.1f} µs"
        f" (id and metrics), {bare['with'] - bare['bare']:+.1f} µs (and the JSON access line)"
    )
    for path, what in PATHS.items():
        result = run(args.requests, path)
        print(f"GET {path} ({what})")
        for name, figures in result.items():
            print(
                f"  {name:<8} n={figures['n']:.0f} p50 {figures['p50_us']:.0f} µs"
                f"  p95 {figures['p95_us']:.0f} µs  CPU p50 {figures['cpu_p50_us']:.0f} µs"
                f"  CPU mean {figures['cpu_mean_us']:.0f} µs"
            )
        for variant in ("no log", "with"):
            for q in ("p50_us", "p95_us", "cpu_p50_us", "cpu_mean_us"):
                extra = result[variant][q] - result["without"][q]
                print(
                    f"  {variant} - without, {q[:-3]}: {extra:+.0f} µs"
                    f" ({extra / result['without'][q]:+.1%})"
                )


if __name__ == "__main__":
    main()
