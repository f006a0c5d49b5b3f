"""Performance from the command line: a store's evaluations, KPI targets, scorecards."""

from __future__ import annotations

import argparse
from typing import Any
from uuid import UUID

from domain.shared.actor import Role
from ops.cli.common import acting, parse_id
from workers.settings import Settings


def cmd_evaluations(settings: Settings, args: argparse.Namespace) -> int:
    """Compute (or approve) the month's evaluation of every active salesperson of a store."""
    from domain.performance.evaluations import evaluation_id_for
    from projections.directory import queries as directory
    from workers.reveal import reveal_field

    with acting(settings, args.user, Role.ADMIN) as (runtime, actor):
        runtime.runner.run_until_caught_up()
        performance = runtime.performance
        staff = directory.list_staff(
            runtime.db,
            store_id=parse_id(args.store, "store"),
            role=Role.SALESPERSON.value,
            active=True,
            limit=1000,
        )["items"]
        # The names are sealed in the view: revealed for the admin running the command.
        staff = reveal_field(runtime.customer_keys, staff)
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


def cmd_targets(settings: Settings, args: argparse.Namespace) -> int:
    """Set or clear a month's target for a KPI (salesperson, store or group)."""
    with acting(settings, args.user, Role.ADMIN) as (runtime, actor):
        performance = runtime.performance
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


def cmd_scorecards(settings: Settings, args: argparse.Namespace) -> int:
    """Create a scorecard (group or store) or publish its next version from JSON files."""
    import json
    from pathlib import Path

    with acting(settings, args.user, Role.ADMIN) as (runtime, actor):
        performance = runtime.performance
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


def register(sub: Any) -> None:
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
