"""The processes: migrate, serve, run (everything in one), project, worker."""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any

from api.main import create_app
from ops.cli.common import open_runtime, wait_for_signal
from ops.logs import UVICORN_LOGGING, multiprocess_metrics
from ops.tls import scheme, uvicorn_options
from workers import broker as job_broker
from workers.runtime import migrate
from workers.settings import Settings

log = logging.getLogger("showroom")


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings)
    print("migrated:", "PostgreSQL" if settings.database_url else f"SQLite in {settings.data_dir}/")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from ops import serving
    from ops.serving import worker_healthcheck

    embedded = settings.embedded
    roles = {
        "projections": args.projections or embedded,
        "workers": args.workers or (embedded and not settings.redis_url),
    }
    if args.processes > 1:
        # Each process builds its own runtime; the projection runners among them share the
        # views through their locks, so exactly one works on each view.
        os.environ[serving.ROLES] = ",".join(name for name, wanted in roles.items() if wanted)
        multiprocess_metrics()  # /metrics answers the sum of every process's counters
        uvicorn.run(
            "ops.serving:app",
            factory=True,
            workers=args.processes,
            host=args.host,
            port=args.port,
            log_level="info",
            **uvicorn_options(settings),
            **worker_healthcheck(),
            **UVICORN_LOGGING,
        )
        return 0
    app = create_app(settings, run_projections=roles["projections"], run_workers=roles["workers"])
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        **uvicorn_options(settings),
        **UVICORN_LOGGING,
    )
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Everything in one process: what `make run` starts."""
    import uvicorn

    from ops.simulation import demo_logins, load_demo, settle_demo_office

    migrate(settings)
    runtime = open_runtime(settings)
    try:
        runtime.runner.start()
        summary = load_demo(runtime)
        runtime.runner.run_until_caught_up()
        if summary.loaded and summary.first_day and summary.last_day:
            settle_demo_office(runtime, summary.first_day, summary.last_day)
            runtime.runner.run_until_caught_up()
        print(summary)
    finally:
        runtime.close()
    print(
        f"\nShowroom at {scheme(settings)}://{args.host}:{args.port}/app/"
        "  (pages; the API and its docs: /docs)"
        "\nDemo logins:"
    )
    for username, password, role, description in demo_logins():
        print(f"  {username:<12} {password:<18} {role:<14} {description}")
    app = create_app(settings, run_projections=True, run_workers=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        **uvicorn_options(settings),
        **UVICORN_LOGGING,
    )
    return 0


def cmd_project(settings: Settings, args: argparse.Namespace) -> int:
    runtime = open_runtime(settings)
    runtime.runner.start()
    log.info("projection runner started for %s", [p.name for p in runtime.runner.projections])
    jobs = job_broker.configure(settings, runtime)  # with REDIS_URL, the dispatcher runs here
    if jobs.start_dispatcher(local_worker=False):
        log.info("dispatcher started: jobs from the log go to Redis")
    try:
        wait_for_signal()
    finally:
        jobs.stop_dispatcher()
        runtime.close()
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.redis_url:
        print("showroom worker needs REDIS_URL; the embedded default runs jobs inside `serve`.")
        return 2
    runtime = open_runtime(settings)
    jobs = job_broker.configure(settings, runtime)
    jobs.worker_threads = args.threads
    jobs.start_worker()
    log.info("worker started with %d threads", args.threads)
    try:
        wait_for_signal()
    finally:
        jobs.stop_worker()
        runtime.close()
    return 0


def register(sub: Any) -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    sub.add_parser("migrate", help="create the tables").set_defaults(func=cmd_migrate)
    for name, func, text in (
        ("serve", cmd_serve, "serve the API"),
        ("run", cmd_run, "migrate, load the demo if empty, serve everything"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("--host", default=host)
        command.add_argument("--port", type=int, default=port)
        command.set_defaults(func=func)
        if name == "serve":
            command.add_argument("--projections", action="store_true", help="also run projections")
            command.add_argument("--workers", action="store_true", help="also run job workers")
            command.add_argument(
                "--processes", type=int, default=1, help="API processes on this port (uvicorn)"
            )
    sub.add_parser("project", help="run the projection runner").set_defaults(func=cmd_project)
    worker = sub.add_parser("worker", help="run dramatiq job workers (needs REDIS_URL)")
    worker.add_argument("--threads", type=int, default=4)
    worker.set_defaults(func=cmd_worker)
