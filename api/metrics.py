"""What an operator watches: `/metrics` for Prometheus, one access line per request, request ids.

`Observe` (a pure ASGI middleware, the outermost) gives each request its id (a valid incoming
`X-Request-ID`, else a new one; echoed in the answer, held in `workers.correlation.REQUEST_ID`
for every log line and for the jobs the request's events ask for), then counts and times the
request by method, route *template* and status class, and writes one access line. Never the raw
path (ids would make a series per customer), never the query string or a body (phones).

`GET /metrics` answers Prometheus's text format to a bearer token equal to
`SHOWROOM_METRICS_TOKEN` (compared in constant time); without that setting it answers 404, as
if it did not exist. Left out of the OpenAPI document: it is the operator's, not a client's, and
is not under the role policy (Prometheus holds no user login).

The request and login counters live in each process. With several API processes
(`showroom serve --processes N`) they share `PROMETHEUS_MULTIPROC_DIR` (ops/logs.py sets one
up) and any process answers the sum. The lag, job and queue figures are read from the database
and the broker at scrape time, so every process answers the same deployment-wide values.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from projections import runner as projection_runner
from projections.registry import all_projections
from workers import correlation
from workers.dispatcher import Dispatcher, JobState, job_counts
from workers.queues import queue_stats
from workers.runtime import Runtime

access = logging.getLogger("showroom.access")

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

# In multiprocess mode each metric below opens its file in that folder as it is made (at import,
# in every process that imports the API, `showroom project` and `worker` included).
if os.environ.get(MULTIPROCESS_DIR):
    os.makedirs(os.environ[MULTIPROCESS_DIR], exist_ok=True)

# This process's own metrics (in multiprocess mode their values live in files instead).
REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)  # CPU, memory, open files of this process

LABELS = ("method", "route", "status")
REQUESTS = Counter(
    "showroom_http_requests",
    "HTTP requests answered, by method, route template and status class (2xx, 4xx...)",
    LABELS,
    registry=REGISTRY,
)
LATENCY = Histogram(
    "showroom_http_request_duration_seconds",
    "Time to answer an HTTP request (first byte in to last byte out), by method, route"
    " template and status class",
    LABELS,
    registry=REGISTRY,
)
LOGINS_FAILED = Counter(
    "showroom_logins_failed",
    "Logins refused for an unknown username or a wrong password (API and pages)",
    registry=REGISTRY,
)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # a path no route serves (never the path itself)


def route_template(scope: Scope) -> str:
    """The template of the route that served the request (`/leads/{lead_id}`), or `unmatched`."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class Observe:
    """Request id, metrics and the access line of every HTTP request (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or correlation.new()
        echoed = (b"x-request-id", request_id.encode())
        status = 500  # unless an answer starts: an error raised past every handler
        started = time.perf_counter()

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), echoed]
            await send(message)

        token = correlation.REQUEST_ID.set(request_id)
        try:
            await self.app(scope, receive, observed)
        finally:
            elapsed = time.perf_counter() - started
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            route = route_template(scope)
            labels = (method, route, f"{status // 100}xx")
            REQUESTS.labels(*labels).inc()
            LATENCY.labels(*labels).observe(elapsed)
            if access.isEnabledFor(logging.INFO):
                access.info(
                    "%s %s %d",
                    method,
                    route,
                    status,
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 3),
                    },
                )
            correlation.REQUEST_ID.reset(token)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return correlation.valid(value.decode("latin-1"))
    return None


# --- scrape time: what the database and the broker say ------------------------------------------


class Deployment(Collector):
    """Lag per view, jobs by state and the broker's queues, read when Prometheus scrapes."""

    def __init__(self, runtime: Runtime, broker: Any = None) -> None:
        self.runtime, self.broker = runtime, broker

    def collect(self) -> Iterator[Metric]:
        db = self.runtime.db
        head = self.runtime.app.position()
        known = projection_runner.positions(db)
        stopped = {f.name for f in projection_runner.failures(db)}
        names = [p.name for p in all_projections()] + [Dispatcher.name]

        yield GaugeMetricFamily(
            "showroom_log_head_position", "Position of the newest event in the log", value=head
        )
        position = GaugeMetricFamily(
            "showroom_view_position", "Log position each view has reached", labels=["view"]
        )
        lag = GaugeMetricFamily(
            "showroom_view_lag_events",
            "Events in the log a view has not yet projected (log head minus its position)",
            labels=["view"],
        )
        halted = GaugeMetricFamily(
            "showroom_view_stopped",
            "1 when a view stopped at an event it failed on (see `showroom status`)",
            labels=["view"],
        )
        for name in names:
            at = known.get(name, 0)
            position.add_metric([name], at)
            lag.add_metric([name], max(head - at, 0))
            halted.add_metric([name], 1 if name in stopped else 0)
        yield from (position, lag, halted)

        counts = job_counts(db)
        jobs = GaugeMetricFamily(
            "showroom_jobs",
            "Jobs the dispatcher recorded from the log, by state (undeliverable: names an actor"
            " this release lacks)",
            labels=["state"],
        )
        for state in JobState:
            jobs.add_metric([state.value], counts.get(state.value, 0))
        yield jobs
        yield from self._queues()

    def _queues(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("showroom_broker_up", "1 when the job broker answered the scrape")
        if self.broker is None:
            return
        try:
            stats = queue_stats(self.broker)
        except Exception:  # the broker down is a figure, not a failed scrape
            logging.getLogger(__name__).warning("job broker unreachable", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily(
            "showroom_broker_queue_depth",
            "Messages in a job queue not yet done (waiting or being worked on)",
            labels=["queue"],
        )
        delayed = GaugeMetricFamily(
            "showroom_broker_delayed_messages",
            "Messages waiting for a later try (a retry's backoff)",
            labels=["queue"],
        )
        dead = GaugeMetricFamily(
            "showroom_broker_dead_letters",
            "Messages that failed every retry (dramatiq's dead-letter queue)",
            labels=["queue"],
        )
        for stat in stats:
            depth.add_metric([stat.queue], stat.queued)
            delayed.add_metric([stat.queue], stat.delayed)
            dead.add_metric([stat.queue], stat.dead)
        yield from (depth, delayed, dead)


class _Counted(Collector):
    """The request and login counters: this process's, or every process's in multiprocess mode."""

    def collect(self) -> Iterator[Metric]:
        path = os.environ.get(MULTIPROCESS_DIR)
        if not path:
            yield from REGISTRY.collect()
            return
        summed = CollectorRegistry()
        MultiProcessCollector(summed, path=path)  # type: ignore[no-untyped-call]
        yield from summed.collect()


def exposition(runtime: Runtime, broker: Any = None) -> bytes:
    """The text Prometheus scrapes."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Counted())
    registry.register(Deployment(runtime, broker))
    return generate_latest(registry)


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus's scrape: needs `Authorization: Bearer <SHOWROOM_METRICS_TOKEN>`."""
    runtime: Runtime = request.app.state.runtime
    expected = runtime.settings.metrics_token
    if not expected:
        raise HTTPException(404)
    given = request.headers.get("authorization", "")
    scheme, _, token = given.partition(" ")
    if not (
        scheme.lower() == "bearer"
        and hmac.compare_digest(token.strip().encode(), expected.encode())
    ):
        raise HTTPException(401, headers={"WWW-Authenticate": "Bearer"})
    jobs = getattr(request.app.state, "jobs", None)
    body = exposition(runtime, None if jobs is None else jobs.broker)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
