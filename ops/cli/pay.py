"""Pay from the command line: pay periods (open, close, approve, verify, adjust, what-if,
status; export in exports.py, disputes in floor.py) and pay plans."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from domain.shared.actor import Role
from ops.cli import exports, floor
from ops.cli.common import acting, parse_id
from workers.settings import Settings


def cmd_pay(settings: Settings, args: argparse.Namespace) -> int:
    """Pay periods from the command line, acting as a finance operator (or `--user`)."""
    from domain.pay.periods import period_id

    if args.action in floor.DISPUTE_ACTIONS:
        return floor.cmd_disputes(settings, args)
    if args.action == "waiting":
        return list_waiting(settings, args)
    if args.store is None or args.month is None:
        print(f"pay {args.action} needs STORE (or 'group') and MONTH", file=sys.stderr)
        return 2
    store_id = None if args.store == "group" else parse_id(args.store, "store")
    with acting(settings, args.user, Role.FINANCE, running=True) as (runtime, actor):
        payroll = runtime.payroll
        ident = period_id(store_id, args.month)
        if args.action == "open":
            written = payroll.open_period(actor, store_id, args.month, args.protection_days)
            print(f"opened pay period {written.id} ({args.store} {args.month})")
        elif args.action == "close":
            payroll.close_period(actor, ident)
            print(f"closed {ident}: figures frozen as known now")
        elif args.action == "approve":
            payroll.request_approval(actor, ident)
            print(f"approval of {ident} requested: waiting for confirmation by another person")
        elif args.action == "confirm-approval":
            payroll.confirm_approval(actor, ident)
            period = payroll.get_period(actor, ident)
            print(f"approved {ident}: total ¥{period.totals['total']}, hash {period.content_hash}")
        elif args.action in ("refuse-approval", "withdraw-approval"):
            if not args.reason:
                print(f"{args.action} needs --reason", file=sys.stderr)
                return 2
            decide = (
                payroll.refuse_approval
                if args.action == "refuse-approval"
                else payroll.withdraw_approval
            )
            decide(actor, ident, args.reason)
            print(f"approval of {ident} {args.action.split('-')[0]}ed: the period stays closed")
        elif args.action in ADJUSTMENT_DECISIONS:
            return decide_adjustment(payroll, actor, ident, args)

        elif args.action == "verify":
            result = payroll.verify(actor, ident)
            print(f"{'equal' if result.equal else 'DIFFERENT'}: snapshot {result.snapshot_hash}")
            print(f"{' ' * (5 if result.equal else 9)}  recomputed {result.recomputed_hash}")
            return 0 if result.equal else 1
        elif args.action == "adjust":
            if not (args.salesperson and args.amount and args.reason):
                print("adjust needs --salesperson, --amount and --reason", file=sys.stderr)
                return 2
            added = payroll.add_adjustment(
                actor, ident, parse_id(args.salesperson, "salesperson"), args.amount, args.reason
            )
            if added.status == "proposed":
                print(
                    f"adjustment {added.adjustment_id} of ¥{args.amount} proposed on {ident}:"
                    " waiting for confirmation by another person"
                )
            else:
                print(f"adjustment {added.adjustment_id} of ¥{args.amount} recorded on {ident}")
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
            totals = payroll.totals(period)
            print(f"{ident} {args.store} {args.month}: {period.status.value}")
            print(f"  {totals['salespeople']} salespeople, total ¥{totals['total']}")
        else:
            return exports.export_period(settings, runtime, actor, ident, args)
    return 0


def list_waiting(settings: Settings, args: argparse.Namespace) -> int:
    """What waits for a second person in the periods not yet approved (four eyes)."""
    with acting(settings, args.user, Role.FINANCE, running=True) as (runtime, actor):
        for item in runtime.payroll.waiting(actor):
            who = "waits for another person" if item.mine else "waits for you"
            what = (
                "approval"
                if item.kind == "approval"
                else f"adjustment {item.adjustment_id} ¥{item.amount} for {item.salesperson_id}"
            )
            print(f"{item.period_id} {item.month}: {what}, by {item.proposer}: {who}")
    return 0


# Four eyes on adjustments above the threshold: a second person decides (docs/payroll.md).
ADJUSTMENT_DECISIONS = ("confirm-adjustment", "refuse-adjustment", "withdraw-adjustment")


def decide_adjustment(payroll: Any, actor: Any, ident: Any, args: argparse.Namespace) -> int:
    """Confirm, refuse or withdraw a proposed adjustment (`--adjustment ID`)."""
    if not args.adjustment or (args.action != "confirm-adjustment" and not args.reason):
        print(
            f"{args.action} needs --adjustment (and --reason to refuse or withdraw)",
            file=sys.stderr,
        )
        return 2
    adjustment = parse_id(args.adjustment, "adjustment")
    if args.action == "confirm-adjustment":
        payroll.confirm_adjustment(actor, ident, adjustment)
        print(f"adjustment {adjustment} confirmed on {ident}: it counts")
    elif args.action == "refuse-adjustment":
        payroll.refuse_adjustment(actor, ident, adjustment, args.reason)
        print(f"adjustment {adjustment} refused on {ident}")
    else:
        payroll.withdraw_adjustment(actor, ident, adjustment, args.reason)
        print(f"adjustment {adjustment} withdrawn on {ident}")
    return 0


def cmd_plans(settings: Settings, args: argparse.Namespace) -> int:
    """Pay plans: list, create with a first version from a JSON file, publish, assign."""
    import json
    from datetime import date

    from projections.pay_plans import queries as plan_queries

    with acting(settings, args.user, Role.FINANCE) as (runtime, actor):
        plans = runtime.pay_plans
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
        if args.action in ("confirm", "refuse", "withdraw"):
            return decide_version(plans, actor, parse_id(args.plan, "plan"), args)
        components = json.loads(Path(args.components).read_text(encoding="utf-8"))
        effective = date.fromisoformat(args.effective_from)
        if args.action == "create":
            plan_id = plans.create_plan(actor, args.plan, args.description).id
        else:
            plan_id = parse_id(args.plan, "plan")
        written = plans.propose_version(actor, plan_id, effective, components, args.note)
        print(
            f"plan {plan_id}: version {written.plan_version} from {effective} proposed, waiting"
            f" for confirmation by another person (log position {written.position})"
        )
        if written.notice:
            print(f"note: {written.notice}")
        return 0


def decide_version(plans: Any, actor: Any, plan_id: Any, args: argparse.Namespace) -> int:
    """Confirm (publish), refuse or withdraw the version proposed for a plan."""
    if args.action != "confirm" and not args.reason:
        print(f"plans {args.action} needs --reason", file=sys.stderr)
        return 2
    if args.action == "confirm":
        written = plans.confirm_version(actor, plan_id)
        print(f"plan {plan_id}: version {written.plan_version} confirmed and published")
        if written.notice:
            print(f"note: {written.notice}")
    elif args.action == "refuse":
        plans.refuse_version(actor, plan_id, args.reason)
        print(f"plan {plan_id}: proposed version refused")
    else:
        plans.withdraw_version(actor, plan_id, args.reason)
        print(f"plan {plan_id}: proposed version withdrawn")
    return 0


def register(sub: Any) -> None:
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
            *floor.DISPUTE_ACTIONS,
            "confirm-approval",
            "refuse-approval",
            "withdraw-approval",
            *ADJUSTMENT_DECISIONS,
            "waiting",
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
    pay.add_argument("--adjustment", help="confirm/refuse/withdraw-adjustment: adjustment id")
    pay.add_argument(
        "--user", help="act as this user (default: a finance operator; dispute: the salesperson)"
    )
    pay.set_defaults(func=cmd_pay)


def register_plans(sub: Any) -> None:
    plans = sub.add_parser("plans", help="pay plans: list, create, publish a version, assign")
    plans.add_argument(
        "action", choices=["list", "create", "publish", "assign", "confirm", "refuse", "withdraw"]
    )
    plans.add_argument("plan", nargs="?", default="", help="plan name (create) or id")
    plans.add_argument("--components", help="JSON file: the version's components")
    plans.add_argument("--effective-from", help="YYYY-MM-DD")
    plans.add_argument("--description", default="")
    plans.add_argument("--note", default="")
    plans.add_argument("--staff-id")
    plans.add_argument("--store-id")
    plans.add_argument("--role", choices=[r.value for r in Role])
    plans.add_argument("--reason", help="refuse, withdraw: why")
    plans.add_argument("--user", help="act as this user (default: a finance operator)")
    plans.set_defaults(func=cmd_plans)
