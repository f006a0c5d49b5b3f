"""`showroom`: the command line of every process and of the operator.

showroom run        migrate, load the demo if empty, serve everything in one process
showroom migrate    create the event store, views and support tables (once per deployment)
showroom serve      the API (add --projections/--workers to run those threads here too)
showroom project    the projection runner (one active per projection; more stand by)
showroom worker     dramatiq job workers (Redis)
showroom rebuild    drop a view and replay the log into it (NAME or all)
showroom demo       load the deterministic demo dealer group
showroom users      create a login or set its password
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from uuid import UUID

from api import idempotency
from api.main import create_app
from domain.shared.actor import SYSTEM, Role
from domain.shared.errors import DomainError
from projections import runner as projection_runner
from projections.registry import all_projections, projection_by_name
from projections.settings import Settings
from workers import broker as job_broker
from workers import files
from workers.runtime import Runtime

log = logging.getLogger("showroom")


def _runtime(settings: Settings, *, create_tables: bool = False) -> Runtime:
    return Runtime.build(settings, create_tables=create_tables)


def migrate(settings: Settings) -> None:
    """Create every table once: event store, views, tracking, idempotency keys, export files."""
    runtime = _runtime(settings, create_tables=True)
    try:
        idempotency.migrate(runtime.db)
        files.migrate(runtime.db)
    finally:
        runtime.close()


def _wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.is_set():
        stop.wait(1.0)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings)
    print("migrated:", "PostgreSQL" if settings.database_url else f"SQLite in {settings.data_dir}/")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    embedded = settings.embedded
    app = create_app(
        settings,
        run_projections=args.projections or embedded,
        run_workers=args.workers or (embedded and not settings.redis_url),
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", proxy_headers=True)
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Everything in one process: what `make run` starts."""
    import uvicorn

    from ops.demo import demo_logins, load_demo

    migrate(settings)
    runtime = _runtime(settings)
    try:
        runtime.runner.start()
        summary = load_demo(runtime)
        runtime.runner.run_until_caught_up()
        print(summary)
    finally:
        runtime.close()
    print(f"\nShowroom at http://{args.host}:{args.port}  (API docs: /docs)\nDemo logins:")
    for username, password, role, description in demo_logins():
        print(f"  {username:<12} {password:<18} {role:<14} {description}")
    app = create_app(settings, run_projections=True, run_workers=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def cmd_project(settings: Settings, args: argparse.Namespace) -> int:
    runtime = _runtime(settings)
    runtime.runner.start()
    log.info("projection runner started for %s", [p.name for p in runtime.runner.projections])
    try:
        _wait_for_signal()
    finally:
        runtime.close()
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.redis_url:
        print("showroom worker needs REDIS_URL; the embedded default runs jobs inside `serve`.")
        return 2
    runtime = _runtime(settings)
    jobs = job_broker.configure(settings, runtime)
    jobs.worker_threads = args.threads
    jobs.start_worker()
    log.info("worker started with %d threads", args.threads)
    try:
        _wait_for_signal()
    finally:
        jobs.stop_worker()
        runtime.close()
    return 0


def cmd_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    names = [p.name for p in all_projections()] if args.name == "all" else [args.name]
    try:
        chosen = [projection_by_name(n) for n in names]
    except KeyError:
        known = ", ".join(p.name for p in all_projections())
        print(f"unknown view {args.name!r}; known: {known}, all")
        return 2
    runtime = _runtime(settings)
    try:
        for projection in chosen:
            started = time.perf_counter()
            projection_runner.reset(runtime.db, projection)
            runner = projection_runner.ProjectionRunner(
                runtime.app,
                runtime.db,
                [projection],
                lock_dir=settings.data_dir,
                page_size=settings.page_size,
            )
            if runner.run_once() == 0 and runtime.app.position() > 0:
                # Another runner holds this view's lock: it replays the log from the reset.
                print(f"{projection.name}: reset; the running projection process replays it")
                runner.stop()
                continue
            runner.run_until_caught_up()
            runner.stop()
            took = time.perf_counter() - started
            print(f"{projection.name}: rebuilt to position {runtime.app.position()} in {took:.1f}s")
    finally:
        runtime.close()
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from ops.demo import load_demo

    migrate(settings)
    runtime = _runtime(settings)
    try:
        runtime.runner.start()
        print(load_demo(runtime, seed=args.seed, stores=args.stores, months=args.months))
        runtime.runner.run_until_caught_up()
    finally:
        runtime.close()
    return 0


def cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    password = os.environ.get("SHOWROOM_PASSWORD") or getpass.getpass("password: ")
    runtime = _runtime(settings)
    try:
        if args.action == "create":
            written = runtime.organisation.register_user(
                SYSTEM,
                args.username,
                password,
                args.role,
                store_id=UUID(args.store_id) if args.store_id else None,
                staff_id=UUID(args.staff_id) if args.staff_id else None,
            )
            print(f"created {args.username} ({args.role}) id={written.id}")
        else:
            runtime.organisation.change_password(SYSTEM, args.username, password)
            print(f"password of {args.username} changed")
    finally:
        runtime.close()
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="showroom", description=__doc__.splitlines()[0] if __doc__ else None
    )
    sub = top.add_subparsers(dest="command", required=True)
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
    sub.add_parser("project", help="run the projection runner").set_defaults(func=cmd_project)
    worker = sub.add_parser("worker", help="run dramatiq job workers (needs REDIS_URL)")
    worker.add_argument("--threads", type=int, default=4)
    worker.set_defaults(func=cmd_worker)
    rebuild = sub.add_parser("rebuild", help="drop a view and replay the log into it")
    rebuild.add_argument("name", help="view name or 'all'")
    rebuild.set_defaults(func=cmd_rebuild)
    demo = sub.add_parser("demo", help="load the demo dealer group (if the store is empty)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--stores", type=int, default=3)
    demo.add_argument("--months", type=int, default=3)
    demo.set_defaults(func=cmd_demo)
    users = sub.add_parser("users", help="create a login or set its password")
    users.add_argument("action", choices=["create", "password"])
    users.add_argument("username")
    users.add_argument("--role", choices=[r.value for r in Role], default=Role.SALESPERSON.value)
    users.add_argument("--store-id")
    users.add_argument("--staff-id")
    users.set_defaults(func=cmd_users)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args = parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        code: int = args.func(settings, args)
    except DomainError as error:
        print(f"showroom {args.command}: {error.title}: {error.detail}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
