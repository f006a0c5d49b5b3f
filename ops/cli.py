"""`showroom`: the command line of every process and of the operator.

showroom run        migrate, load the demo if empty, serve everything in one process
showroom migrate    create the event store, views and support tables (once per deployment)
showroom serve      the API (add --projections/--workers to run those threads here too)
showroom project    the projection runner (one active per projection; more stand by)
showroom worker     dramatiq job workers (Redis)
showroom rebuild    drop a view and replay the log into it (NAME or all)
showroom status     each view's position and lag; the views stopped at an event they failed on
showroom demo       load the deterministic demo dealer group (--bulk: a large group, fast)
showroom bench      the benchmark suite: one table, written to docs/benchmarks.md
showroom users      create a login or set its password
showroom pay        pay periods: open, close, approve, export, verify STORE|group MONTH;
                    disputes: dispute, resolve, disputes --period ID
showroom surveys    CSI surveys: record, exclude, reinstate (by deal), list
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
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from api import idempotency
from api.main import create_app
from domain.shared.actor import SYSTEM, Principal, Role
from domain.shared.errors import DomainError, InvalidValueError
from projections import runner as projection_runner
from projections.private import open_private
from projections.registry import all_projections, projection_by_name
from projections.runner import ViewsNotCaughtUpError
from workers import broker as job_broker
from workers import files
from workers.runtime import Runtime
from workers.settings import Settings

if TYPE_CHECKING:
    from domain.pay.service.payroll import Payroll

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

    from ops import serving

    embedded = settings.embedded
    roles = {
        "projections": args.projections or embedded,
        "workers": args.workers or (embedded and not settings.redis_url),
    }
    if args.processes > 1:
        # Each process builds its own runtime; the projection runners among them share the
        # views through their locks, so exactly one works on each view.
        os.environ[serving.ROLES] = ",".join(name for name, wanted in roles.items() if wanted)
        uvicorn.run(
            "ops.serving:app",
            factory=True,
            workers=args.processes,
            host=args.host,
            port=args.port,
            log_level="info",
            proxy_headers=True,
        )
        return 0
    app = create_app(settings, run_projections=roles["projections"], run_workers=roles["workers"])
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
    failed = False
    try:
        for projection in chosen:
            started = time.perf_counter()
            runner = projection_runner.ProjectionRunner(
                runtime.app,
                runtime.db,
                [projection],
                lock_dir=settings.data_dir,
                page_size=settings.page_size,
            )
            try:
                if not runner.holds(projection):
                    # Another process runs this view: it replays the log from the reset, and
                    # the view is incomplete until it has (a failure there stops it alone).
                    projection_runner.reset(runtime.db, projection)
                    print(f"{projection.name}: reset; the running projection process replays it")
                    continue
                failure = runner.rebuild(projection)
            finally:
                runner.stop()
            took = time.perf_counter() - started
            if failure is not None:
                failed = True
                print(
                    f"{projection.name}: NOT rebuilt, left as it was: the event at log position"
                    f" {failure.position} fails: {failure.error}"
                )
                continue
            print(f"{projection.name}: rebuilt to position {runtime.app.position()} in {took:.1f}s")
    finally:
        runtime.close()
    return 1 if failed else 0


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    """Each view's position against the log's head, and the views stopped at an event."""
    runtime = _runtime(settings)
    try:
        head = runtime.app.position()
        known = projection_runner.positions(runtime.db)
        stopped = {f.name: f for f in projection_runner.failures(runtime.db)}
        print(f"log head: {head}")
        print(f"{'view':<20} {'position':>10} {'behind':>8}  state")
        for projection in all_projections():
            position = known.get(projection.name, 0)
            failure = stopped.get(projection.name)
            if failure is not None:
                state = f"STOPPED at event {failure.position}: {failure.error}"
            elif position > head:
                state = "AHEAD of the log (older events restored?): migrate resets it"
            else:
                state = "ok"
            print(f"{projection.name:<20} {position:>10} {head - position:>8}  {state}")
    finally:
        runtime.close()
    return 1 if stopped else 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from ops.demo import load_demo

    if args.bulk or args.target_events:
        return cmd_demo_bulk(settings, args)
    migrate(settings)
    runtime = _runtime(settings)
    try:
        runtime.runner.start()
        print(load_demo(runtime, seed=args.seed, stores=args.stores, months=args.months))
        runtime.runner.run_until_caught_up()
    finally:
        runtime.close()
    return 0


def cmd_demo_bulk(settings: Settings, args: argparse.Namespace) -> int:
    """A realistic group through the aggregates, saved in batches (ops/generator.py)."""
    from datetime import date

    from ops.generator import generate, stores_for

    stores = args.stores
    if args.target_events:
        stores = stores_for(args.target_events, args.months)
        print(f"{stores} stores × {args.months} months for about {args.target_events:,} events")
    migrate(settings)
    runtime = _runtime(settings)
    try:
        summary = generate(
            runtime,
            seed=args.seed,
            stores=stores,
            months=args.months,
            today=date.fromisoformat(args.today) if args.today else None,
            batch_size=args.batch,
            progress=lambda month: print(f"  {month}...", flush=True),
        )
        print(summary)
        if summary.loaded and not args.skip_views:
            started = time.perf_counter()
            runtime.runner.run_until_caught_up()
            took = time.perf_counter() - started
            print(
                f"  views caught up in {took:.1f} s"
                f" ({summary.events / took if took else 0:,.0f} events/s)"
            )
    finally:
        runtime.close()
    return 0


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    from ops.bench import suite

    return suite.main(args=args)


def cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    """Logins as the system: create, set a password, lift a lockout, switch off and on again.

    The way back in when the only admin is locked out or was switched off by another admin."""
    needs_password = args.action in ("create", "password")
    password = ""
    if needs_password:
        password = os.environ.get("SHOWROOM_PASSWORD") or getpass.getpass("password: ")
    runtime = _runtime(settings)
    organisation = runtime.organisation
    try:
        if args.action == "unlock":
            organisation.unlock_user(SYSTEM, args.username)
            print(f"{args.username} unlocked: its failed logins no longer count")
        elif args.action == "reactivate":
            organisation.reactivate_user(SYSTEM, args.username)
            print(f"{args.username} reactivated (tokens from before stay revoked)")
        elif args.action == "deactivate":
            organisation.deactivate_user(SYSTEM, args.username)
            print(f"{args.username} deactivated: its tokens stopped working")
        elif args.action == "create":
            written = runtime.organisation.register_user(
                SYSTEM,
                args.username,
                password,
                args.role,
                store_id=parse_id(args.store_id, "store id") if args.store_id else None,
                staff_id=parse_id(args.staff_id, "staff id") if args.staff_id else None,
            )
            print(f"created {args.username} ({args.role}) id={written.id}")
        else:
            runtime.organisation.change_password(SYSTEM, args.username, password)
            print(f"password of {args.username} changed")
    finally:
        runtime.close()
    return 0


def _payroll(settings: Settings, runtime: Runtime) -> Payroll:
    """The payroll service over the pay views, which this process's runner keeps current."""
    from domain.pay.service.payroll import Payroll
    from projections.payouts.sources import ViewPayrollSources

    runtime.runner.start()
    views = ViewPayrollSources(runtime.app, runtime.db, max(settings.read_wait_seconds, 30))
    return Payroll(runtime.app, views)


def cmd_pay(settings: Settings, args: argparse.Namespace) -> int:
    """Pay periods from the command line, acting as a finance operator (or `--user`)."""
    from domain.organisation.model import User
    from domain.pay.periods import period_id
    from domain.reporting.model import ExportKind
    from domain.reporting.service import Reporting
    from ops import cli_floor

    if args.action in cli_floor.DISPUTE_ACTIONS:
        return cli_floor.cmd_disputes(settings, args)
    if args.store is None or args.month is None:
        print(f"pay {args.action} needs STORE (or 'group') and MONTH", file=sys.stderr)
        return 2
    store_id = None if args.store == "group" else parse_id(args.store, "store")
    runtime = _runtime(settings)
    try:
        actor = Principal(user_id="cli", role=Role.FINANCE, username="cli")
        if args.user:
            found = runtime.organisation.principal(User.id_for(args.user))
            if found is None:
                print(f"no active user {args.user!r}", file=sys.stderr)
                return 2
            actor = found
        payroll = _payroll(settings, runtime)
        ident = period_id(store_id, args.month)
        if args.action == "open":
            written = payroll.open_period(actor, store_id, args.month, args.protection_days)
            print(f"opened pay period {written.id} ({args.store} {args.month})")
        elif args.action == "close":
            payroll.close_period(actor, ident)
            print(f"closed {ident}: figures frozen as known now")
        elif args.action == "approve":
            payroll.approve_period(actor, ident)
            period = payroll.get_period(actor, ident)
            print(f"approved {ident}: total ¥{period.totals['total']}, hash {period.content_hash}")
        elif args.action == "verify":
            result = payroll.verify(actor, ident)
            print(f"{'equal' if result.equal else 'DIFFERENT'}: snapshot {result.snapshot_hash}")
            print(f"{' ' * (5 if result.equal else 9)}  recomputed {result.recomputed_hash}")
            return 0 if result.equal else 1
        elif args.action == "adjust":
            if not (args.salesperson and args.amount and args.reason):
                print("adjust needs --salesperson, --amount and --reason", file=sys.stderr)
                return 2
            payroll.add_adjustment(
                actor, ident, parse_id(args.salesperson, "salesperson"), args.amount, args.reason
            )
            print(f"adjustment of ¥{args.amount} recorded on {ident}")
        elif args.action == "what-if":
            import json

            if not args.components:
                print("what-if needs --components FILE", file=sys.stderr)
                return 2
            draft = json.loads(Path(args.components).read_text(encoding="utf-8"))
            comparison = payroll.what_if(actor, ident, components=draft)
            print(json.dumps(comparison, default=str, ensure_ascii=False, indent=2))
        elif args.action == "status":
            period = payroll.get_period(actor, ident)
            totals = payroll.figures(period).totals
            print(f"{ident} {args.store} {args.month}: {period.status.value}")
            print(f"  {totals['salespeople']} salespeople, total ¥{totals['total']}")
        else:
            from workers.actors.payouts import export_payouts

            period = payroll.exportable(actor, ident)
            kind = ExportKind.PAYOUT_CSV if args.format == "csv" else ExportKind.PAYOUT_WORKBOOK
            written = Reporting(runtime.app).request_export(
                actor, period.month, period.store_id, args.language, kind.value
            )
            job_broker.configure(settings, runtime)
            export_payouts(str(written.id), written.position)  # run here, not queued
            stored = files.load_file(runtime.db, written.id)
            if stored is None:
                print("the export left no file", file=sys.stderr)
                return 1
            target = args.output or stored.file_name
            # Pay data: readable by the operator only, like the store it came from.
            with os.fdopen(open_private(Path(target), os.O_WRONLY | os.O_TRUNC), "wb") as handle:
                handle.write(stored.content)
            print(f"wrote {target} ({len(stored.content):,} bytes)")
    finally:
        runtime.close()
    return 0


def parse_id(value: str, field: str) -> UUID:
    """An id the operator typed, or a clear error (never a traceback)."""
    try:
        return UUID(value)
    except ValueError:
        raise InvalidValueError(f"{field} must be an id, not {value!r}") from None


def _operator(runtime: Runtime, username: str | None, role: Role) -> Principal | None:
    """The CLI acts as the named user, or as an operator of `role` stamped "cli" on events."""
    from domain.organisation.model import User

    if username is None:
        return Principal(user_id="cli", role=role, username="cli")
    found = runtime.organisation.principal(User.id_for(username))
    if found is None:
        print(f"no active user {username!r}", file=sys.stderr)
    return found


def cmd_plans(settings: Settings, args: argparse.Namespace) -> int:
    """Pay plans: list, create with a first version from a JSON file, publish, assign."""
    import json
    from datetime import date

    from domain.pay.service.plans import PayPlans
    from projections.pay_plans import queries as plan_queries

    runtime = _runtime(settings)
    try:
        actor = _operator(runtime, args.user, Role.FINANCE)
        if actor is None:
            return 2
        plans = PayPlans(runtime.app)
        if args.action == "list":
            runtime.runner.run_until_caught_up()
            for plan in plan_queries.list_plans(runtime.db, limit=500)["items"]:
                print(
                    f"{plan['id']}  {plan['name']}  {plan['versions']} version(s),"
                    f" latest from {plan['latest_effective_from']}"
                )
            return 0
        if args.action == "assign":
            assigned = plans.assign(
                actor,
                parse_id(args.plan, "plan"),
                date.fromisoformat(args.effective_from),
                staff_id=parse_id(args.staff_id, "staff id") if args.staff_id else None,
                store_id=parse_id(args.store_id, "store id") if args.store_id else None,
                role=args.role,
            )
            print(f"assigned plan {args.plan}: assignment {assigned.assignment_id}")
            return 0
        components = json.loads(Path(args.components).read_text(encoding="utf-8"))
        effective = date.fromisoformat(args.effective_from)
        if args.action == "create":
            plan_id = plans.create_plan(actor, args.plan, args.description).id
        else:
            plan_id = parse_id(args.plan, "plan")
        written = plans.publish_version(actor, plan_id, effective, components, args.note)
        print(
            f"plan {plan_id}: version published from {effective} (log position {written.position})"
        )
        return 0
    finally:
        runtime.close()


def cmd_evaluations(settings: Settings, args: argparse.Namespace) -> int:
    """Compute (or approve) the month's evaluation of every active salesperson of a store."""
    from domain.performance.evaluations import evaluation_id_for
    from domain.performance.service import Performance
    from projections.directory import queries as directory
    from projections.performance.counters import ViewKpiCounters

    runtime = _runtime(settings)
    try:
        actor = _operator(runtime, args.user, Role.ADMIN)
        if actor is None:
            return 2
        runtime.runner.run_until_caught_up()
        counters = ViewKpiCounters(runtime.app, runtime.db, settings.read_wait_seconds)
        performance = Performance(runtime.app, counters)
        staff = directory.list_staff(
            runtime.db,
            store_id=parse_id(args.store, "store"),
            role=Role.SALESPERSON.value,
            active=True,
            limit=1000,
        )["items"]
        for person in staff:
            salesperson_id = UUID(str(person["id"]))
            if args.action == "compute":
                performance.compute_evaluation(actor, salesperson_id, args.month)
                evaluation = performance.get(actor, evaluation_id_for(salesperson_id, args.month))
                print(f"{person['name']}: score {evaluation.score} grade {evaluation.grade}")
            else:
                ident = evaluation_id_for(salesperson_id, args.month)
                performance.approve(actor, ident)
                print(f"{person['name']}: approved")
        return 0
    finally:
        runtime.close()


def cmd_targets(settings: Settings, args: argparse.Namespace) -> int:
    """Set or clear a month's target for a KPI (salesperson, store or group)."""
    from domain.performance.service import Performance
    from projections.performance.counters import ViewKpiCounters

    runtime = _runtime(settings)
    try:
        actor = _operator(runtime, args.user, Role.ADMIN)
        if actor is None:
            return 2
        counters = ViewKpiCounters(runtime.app, runtime.db, settings.read_wait_seconds)
        performance = Performance(runtime.app, counters)
        subject = parse_id(args.subject, "subject") if args.subject else None
        if args.action == "set":
            performance.set_target(
                actor, args.scope, subject, args.month, args.kpi, args.kpi_version, args.value
            )
            print(f"target {args.kpi} v{args.kpi_version} = {args.value} for {args.month}")
        else:
            performance.clear_target(
                actor, args.scope, subject, args.month, args.kpi, args.kpi_version
            )
            print(f"target {args.kpi} v{args.kpi_version} cleared for {args.month}")
        return 0
    finally:
        runtime.close()


def cmd_scorecards(settings: Settings, args: argparse.Namespace) -> int:
    """Create a scorecard (group or store) or publish its next version from JSON files."""
    import json
    from pathlib import Path

    from domain.performance.service import Performance
    from projections.performance.counters import ViewKpiCounters

    runtime = _runtime(settings)
    try:
        actor = _operator(runtime, args.user, Role.ADMIN)
        if actor is None:
            return 2
        counters = ViewKpiCounters(runtime.app, runtime.db, settings.read_wait_seconds)
        performance = Performance(runtime.app, counters)
        if args.action == "create":
            store = parse_id(args.store_id, "store id") if args.store_id else None
            written = performance.create_scorecard(actor, args.name_or_id, store)
            print(f"scorecard {written.id} created")
            return 0
        items = json.loads(Path(args.items).read_text(encoding="utf-8"))
        grades = json.loads(Path(args.grades).read_text(encoding="utf-8"))
        performance.publish_scorecard_version(
            actor, parse_id(args.name_or_id, "name or id"), args.effective_from, items, grades
        )
        print(f"scorecard {args.name_or_id}: version published from {args.effective_from}")
        return 0
    finally:
        runtime.close()


def parser() -> argparse.ArgumentParser:
    from ops import cli_floor  # it builds on this module's helpers

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
            command.add_argument(
                "--processes", type=int, default=1, help="API processes on this port (uvicorn)"
            )
    sub.add_parser("project", help="run the projection runner").set_defaults(func=cmd_project)
    worker = sub.add_parser("worker", help="run dramatiq job workers (needs REDIS_URL)")
    worker.add_argument("--threads", type=int, default=4)
    worker.set_defaults(func=cmd_worker)
    rebuild = sub.add_parser("rebuild", help="drop a view and replay the log into it")
    rebuild.add_argument("name", help="view name or 'all'")
    rebuild.set_defaults(func=cmd_rebuild)
    sub.add_parser(
        "status", help="each view's position, lag and failure (exit 1 if a view stopped)"
    ).set_defaults(func=cmd_status)
    demo = sub.add_parser("demo", help="load the demo dealer group (if the store is empty)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--stores", type=int, default=3)
    demo.add_argument("--months", type=int, default=3)
    demo.add_argument("--bulk", action="store_true", help="the large group, saved in batches")
    demo.add_argument("--target-events", type=int, help="size the group for about N events")
    demo.add_argument("--today", help="last day of the history, YYYY-MM-DD (default: today)")
    demo.add_argument("--batch", type=int, default=1000, help="events per bulk transaction")
    demo.add_argument("--skip-views", action="store_true", help="do not project after --bulk")
    demo.set_defaults(func=cmd_demo)
    bench = sub.add_parser("bench", help="run the benchmark suite (small by default)")
    from ops.bench.suite import add_arguments as bench_arguments

    bench_arguments(bench)
    bench.set_defaults(func=cmd_bench)
    users = sub.add_parser(
        "users", help="create a login, set its password, unlock, deactivate or reactivate it"
    )
    users.add_argument(
        "action", choices=["create", "password", "unlock", "deactivate", "reactivate"]
    )
    users.add_argument("username")
    users.add_argument("--role", choices=[r.value for r in Role], default=Role.SALESPERSON.value)
    users.add_argument("--store-id")
    users.add_argument("--staff-id")
    users.set_defaults(func=cmd_users)
    pay = sub.add_parser("pay", help="pay periods: open, close, approve, export, verify, disputes")
    pay.add_argument(
        "action",
        choices=[
            "open",
            "close",
            "approve",
            "export",
            "verify",
            "status",
            "adjust",
            "what-if",
            *cli_floor.DISPUTE_ACTIONS,
        ],
    )
    pay.add_argument("store", nargs="?", help="store id, or 'group' (not with --period)")
    pay.add_argument("month", nargs="?", help="YYYY-MM (not with --period)")
    pay.add_argument("--protection-days", type=int, default=90, help="open: chargeback window")
    pay.add_argument("--language", choices=["en", "zh"], default="en", help="export headers")
    pay.add_argument("--format", choices=["xlsx", "csv"], default="xlsx", help="export file")
    pay.add_argument("--output", help="export: where to write the file")
    pay.add_argument("--salesperson", help="adjust, dispute: staff id")
    pay.add_argument("--amount", help="adjust, resolve: adjustment in CNY (negative to deduct)")
    pay.add_argument("--reason", help="adjust, dispute: why")
    pay.add_argument("--components", help="what-if: JSON file of a draft plan's components")
    pay.add_argument("--period", help="dispute, resolve, disputes: pay period id")
    pay.add_argument("--line", type=int, help="dispute: the statement line's number (from 1)")
    pay.add_argument("--dispute", help="resolve: dispute id")
    pay.add_argument("--resolution", help="resolve: the answer to the salesperson")
    pay.add_argument(
        "--user", help="act as this user (default: a finance operator; dispute: the salesperson)"
    )
    pay.set_defaults(func=cmd_pay)
    cli_floor.add_surveys_parser(sub)
    plans = sub.add_parser("plans", help="pay plans: list, create, publish a version, assign")
    plans.add_argument("action", choices=["list", "create", "publish", "assign"])
    plans.add_argument("plan", nargs="?", default="", help="plan name (create) or id")
    plans.add_argument("--components", help="JSON file: the version's components")
    plans.add_argument("--effective-from", help="YYYY-MM-DD")
    plans.add_argument("--description", default="")
    plans.add_argument("--note", default="")
    plans.add_argument("--staff-id")
    plans.add_argument("--store-id")
    plans.add_argument("--role", choices=[r.value for r in Role])
    plans.add_argument("--user", help="act as this user (default: a finance operator)")
    plans.set_defaults(func=cmd_plans)
    evaluations = sub.add_parser("evaluations", help="compute or approve a store's evaluations")
    evaluations.add_argument("action", choices=["compute", "approve"])
    evaluations.add_argument("store", help="store id")
    evaluations.add_argument("month", help="YYYY-MM")
    evaluations.add_argument("--user", help="act as this user (default: an admin operator)")
    evaluations.set_defaults(func=cmd_evaluations)
    targets = sub.add_parser("targets", help="set or clear a month's KPI target")
    targets.add_argument("action", choices=["set", "clear"])
    targets.add_argument("scope", choices=["salesperson", "store", "group"])
    targets.add_argument("month", help="YYYY-MM")
    targets.add_argument("kpi", help="KPI id, e.g. units (see GET /kpis/definitions)")
    targets.add_argument("value", nargs="?", default="0")
    targets.add_argument("--subject", help="staff or store id (not for group)")
    targets.add_argument("--kpi-version", type=int, default=1)
    targets.add_argument("--user", help="act as this user (default: an admin operator)")
    targets.set_defaults(func=cmd_targets)
    scorecards = sub.add_parser("scorecards", help="create a scorecard or publish a version")
    scorecards.add_argument("action", choices=["create", "publish"])
    scorecards.add_argument("name_or_id", help="name (create) or scorecard id (publish)")
    scorecards.add_argument("--store-id", help="create: a store's own scorecard")
    scorecards.add_argument("--effective-from", help="publish: first month, YYYY-MM")
    scorecards.add_argument("--items", help="publish: JSON file of weighted KPI items")
    scorecards.add_argument("--grades", help="publish: JSON file of grade thresholds")
    scorecards.add_argument("--user", help="act as this user (default: an admin operator)")
    scorecards.set_defaults(func=cmd_scorecards)
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
    except ViewsNotCaughtUpError as error:
        print(f"showroom {args.command}: the views lag behind the log: {error}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
