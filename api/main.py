"""The FastAPI application: one runtime per process, opened in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import (
    access,
    bodies,
    errors,
    idempotency,
    metrics,
    openapi,
    pages,
    personal,
    security,
    transport,
)
from api.routes import (
    access_log,
    appraisals,
    auth,
    customers,
    deals,
    desking,
    exports,
    floor_rotation,
    follow_ups,
    front,
    history,
    intake,
    lead_dedup,
    lead_losses,
    leads,
    loans,
    notifications,
    organisation,
    pay_periods,
    pay_plans,
    performance,
    reports,
    response_sla,
    routing,
    second_factor,
    sessions,
    stock,
    surveys,
    used_cars,
    vehicles,
)
from api.schemas.common import HealthOut, StoppedView
from projections.runner import failures
from workers import broker as job_broker
from workers.runtime import Runtime
from workers.settings import Settings

DESCRIPTION = """
Showroom runs a dealer group's sales floor — leads, customers, deals, vehicles — and turns it
into KPI tables, leaderboards, funnels and inventory positions.

Every write returns `id`, `version` and the log `position`; pass that `position` to any query
to read your own write. Send `Idempotency-Key` on a POST to make retries safe.
"""


class WakeProjections:
    """After a successful write, let the in-process runner look at the log now (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "GET":
            await self.app(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        if 0 < status < 300:
            scope["app"].state.runtime.runner.wake()


def create_app(
    settings: Settings,
    *,
    run_projections: bool = True,
    run_workers: bool = True,
    create_tables: bool = False,
) -> FastAPI:
    """Build the API. The embedded default runs projections and job workers as threads here."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # With create_tables, the one migrate step (workers/runtime.py) runs first.
        runtime = await run_in_threadpool(Runtime.build, settings, create_tables=create_tables)
        app.state.runtime = runtime
        jobs = job_broker.configure(settings, runtime)
        app.state.jobs = jobs  # /metrics reads its broker's queues
        if run_projections:
            runtime.runner.start()
            jobs.start_dispatcher(local_worker=run_workers)
        if run_workers:
            jobs.start_worker()
        try:
            yield
        finally:
            jobs.stop_dispatcher()
            jobs.stop_worker()
            await run_in_threadpool(runtime.close)

    app = FastAPI(
        title="Showroom",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(idempotency.IdempotencyMiddleware)
    # Outside the idempotency store (a replayed answer is kept sealed, revealed when sent).
    app.add_middleware(personal.RevealPersonal)

    app.add_middleware(WakeProjections)
    # Every successful write by an admin goes to the access log (api/access.py).
    app.add_middleware(access.AdminActions)
    # Outermost: a body a client could break the server with is refused before anything reads it.
    app.add_middleware(bodies.BodyGuard, max_bytes=settings.max_body_bytes)
    # Around even that (it reads no body), so the guard's refusals carry the headers too.
    app.add_middleware(security.SecurityHeaders)
    # Outside the security headers: CORS (off unless origins are listed), HSTS over TLS, and
    # the trusted proxies' forwarded address and scheme (docs/tls.md).
    transport.install(app, settings)
    # Outermost of all: every answer, refusals included, is counted, timed and logged with its id.
    app.add_middleware(metrics.Observe)
    openapi.install(app)

    @app.get("/health", tags=["ops"], include_in_schema=True, response_model_exclude_none=True)
    def health(request: Request) -> HealthOut:
        """Liveness, and the views stopped at an event they failed on ("degraded").

        No personal data (view names and log positions only), so no authentication; the
        error itself is in the log and in `showroom status`."""
        stopped = failures(request.app.state.runtime.db)
        if not stopped:
            return HealthOut(status="ok")
        views = [StoppedView(name=f.name, position=f.position) for f in stopped]
        return HealthOut(status="degraded", views=views)

    for module in (
        auth,
        organisation,
        customers,
        leads,
        vehicles,
        deals,
        reports,
        exports,
        history,
        performance,
        surveys,
        pay_plans,
        pay_periods,
        second_factor,
        sessions,
        access_log,
        intake,
        notifications,
        front,
        lead_dedup,
        lead_losses,
        follow_ups,
        routing,
        floor_rotation,
        used_cars,
        desking,
        loans,
        stock,
        response_sla,
        appraisals,
    ):
        app.include_router(module.router)
    pages.install(app)
    app.include_router(metrics.router)
    return app
