"""The sales floor from the command line: CSI surveys and pay disputes.

showroom surveys record|exclude|reinstate|list   CSI surveys, addressed by their deal
showroom pay dispute|resolve|disputes --period   disputes of pay statement lines

The same services as the API, taken from the runtime (common.py opens it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.shared.actor import Principal, Role
from domain.shared.errors import InvalidValueError, NotFoundError, PermissionDeniedError
from ops.cli.common import acting, missing, parse_id, table
from workers.reveal import Revealer
from workers.runtime import Runtime
from workers.settings import Settings

if TYPE_CHECKING:
    from domain.app import Written
    from domain.pay.periods import PayPeriod
    from domain.pay.service.payroll import Payroll
    from domain.satisfaction.service import Satisfaction

LIST_LIMIT = 500
DISPUTE_ACTIONS = ("dispute", "resolve", "disputes")
SURVEY_COLUMNS = ("deal", "store", "answered", "overall", "csi", "salespeople", "exclusion reason")
DISPUTE_COLUMNS = (
    "dispute",
    "salesperson",
    "line",
    "raised",
    "status",
    "adjustment",
    "reason",
    "resolution",
)


# --- parsing what the operator typed ------------------------------------------------------------


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValueError(f"{field} must look like YYYY-MM-DD, not {value!r}") from None


def _whole(value: str, field: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidValueError(f"{field} must be a whole number, not {value!r}") from None


def _answers(pairs: Sequence[str]) -> dict[str, int]:
    """`KEY=SCORE` pairs as the survey's answers (the domain checks names and ranges)."""
    answers: dict[str, int] = {}
    for pair in pairs:
        key, sep, value = pair.rpartition("=")
        if not sep or not key:
            raise InvalidValueError(f"--answer takes KEY=SCORE, not {pair!r}")
        if key in answers:
            raise InvalidValueError(f"question {key!r} is answered twice")
        answers[key] = _whole(value, f"the answer to {key!r}")
    return answers


# --- surveys ------------------------------------------------------------------------------------

SURVEY_NEEDS = {
    "record": ("deal", "overall", "answered_on", "answer"),
    "exclude": ("deal", "reason"),
    "reinstate": ("deal",),
    "list": (),
}


def cmd_surveys(settings: Settings, args: argparse.Namespace) -> int:
    """CSI surveys: record, exclude or reinstate the survey of a deal; list them as a table."""
    problem = missing(args, *SURVEY_NEEDS[args.action])
    if problem:
        print(problem, file=sys.stderr)
        return 2
    with acting(settings, args.user, Role.ADMIN) as (runtime, actor):
        if args.action == "list":
            return _list_surveys(runtime, actor, args)
        satisfaction, deal = runtime.satisfaction, parse_id(args.deal, "deal")
        if args.action == "record":
            return _record_survey(satisfaction, actor, deal, args)
        return _mark_survey(satisfaction, actor, deal, args)


def _record_survey(
    satisfaction: Satisfaction, actor: Principal, deal: UUID, args: argparse.Namespace
) -> int:
    answers = _answers(args.answer)
    overall = _whole(args.overall, "overall")
    answered_on = _day(args.answered_on, "answered-on")
    written = satisfaction.record_survey(actor, deal, answers, overall, answered_on)
    print(f"survey {written.id} recorded for deal {deal} (overall {overall})")
    return 0


def _mark_survey(
    satisfaction: Satisfaction, actor: Principal, deal: UUID, args: argparse.Namespace
) -> int:
    from domain.satisfaction.model import survey_id_for

    if args.action == "exclude":
        satisfaction.exclude_survey(actor, survey_id_for(deal), args.reason)
        print(f"survey of deal {deal} excluded from CSI: {args.reason}")
    else:
        satisfaction.reinstate_survey(actor, survey_id_for(deal))
        print(f"survey of deal {deal} counts in CSI again")
    return 0


def _list_surveys(runtime: Runtime, actor: Principal, args: argparse.Namespace) -> int:
    from domain.shared.access import Reach, read_scope
    from domain.shared.months import parse as parse_month
    from projections.runner import wait_for
    from projections.satisfaction import queries as survey_queries
    from projections.satisfaction.projection import SatisfactionProjection

    month = parse_month(args.month) if args.month else None
    store = parse_id(args.store, "store") if args.store else None
    salesperson = parse_id(args.salesperson, "salesperson") if args.salesperson else None
    # What GET /surveys shows the same login: own surveys, the store's, or all.
    scope = read_scope(actor, store_id=store, salesperson_id=salesperson, reach=Reach.OWN)
    if not scope.visible:
        print("no surveys")
        return 0
    runtime.runner.run_until_caught_up()
    wait_for(
        runtime.db,
        [SatisfactionProjection.name],
        runtime.app.position(),
        runtime.settings.read_wait_seconds,
    )
    found = survey_queries.list_surveys(
        runtime.db, month=month, excluded=args.excluded, limit=LIST_LIMIT, scope=scope
    )
    _print_surveys(found["items"], found["total"])
    return 0


def _print_surveys(items: list[dict[str, Any]], total: int) -> None:
    if not items:
        print("no surveys")
        return
    table(
        SURVEY_COLUMNS,
        (
            (
                s["deal_id"],
                s["store_id"],
                s["answered_on"],
                s["overall"],
                "excluded" if s["excluded"] else "counted",
                ",".join(str(p) for p in s["salesperson_ids"]),
                s["exclusion_reason"] or "",
            )
            for s in items
        ),
    )
    shown = f", the newest {len(items)} shown" if total > len(items) else ""
    print(f"{total} survey(s){shown}")


def register(sub: Any) -> None:
    """`showroom surveys ACTION [options]`, in the shape of the other commands."""
    surveys = sub.add_parser("surveys", help="CSI surveys: record, exclude, reinstate, list")
    surveys.add_argument("action", choices=list(SURVEY_NEEDS))
    surveys.add_argument("--deal", help="record, exclude, reinstate: the surveyed deal's id")
    surveys.add_argument("--overall", help="record: the overall score, 0 to 100")
    surveys.add_argument("--answered-on", help="record: YYYY-MM-DD")
    surveys.add_argument(
        "--answer", action="append", metavar="KEY=SCORE", help="record: one answer (repeat)"
    )
    surveys.add_argument("--reason", help="exclude: why the survey leaves CSI")
    surveys.add_argument("--month", help="list: answered in YYYY-MM")
    surveys.add_argument("--store", help="list: store id")
    surveys.add_argument("--salesperson", help="list: surveys credited to this staff id")
    counted = surveys.add_mutually_exclusive_group()
    counted.add_argument(
        "--excluded", dest="excluded", action="store_const", const=True, help="list: excluded only"
    )
    counted.add_argument(
        "--included", dest="excluded", action="store_const", const=False, help="list: counted only"
    )
    surveys.add_argument("--user", help="act as this user (default: an admin operator)")
    surveys.set_defaults(func=cmd_surveys, excluded=None)


# --- pay disputes -------------------------------------------------------------------------------

DISPUTE_NEEDS = {
    "dispute": ("period", "salesperson", "line", "reason", "user"),
    "resolve": ("period", "dispute", "resolution"),
    "disputes": ("period",),
}


def cmd_disputes(settings: Settings, args: argparse.Namespace) -> int:
    """Pay disputes: a salesperson disputes a line of their own statement (as their login);
    finance or the store's manager resolves it, with or without an adjustment."""
    problem = missing(args, *DISPUTE_NEEDS[args.action])
    if problem:
        print(problem, file=sys.stderr)
        if args.action == "dispute" and not args.user:
            print("  --user: the salesperson's own login (one disputes own lines)", file=sys.stderr)
        return 2
    if args.store or args.month:
        print(f"pay {args.action} takes --period ID, not STORE MONTH", file=sys.stderr)
        return 2
    with acting(settings, args.user, Role.FINANCE, running=True) as (runtime, actor):
        period = parse_id(args.period, "period")
        payroll = runtime.payroll
        payroll.views.settle()  # a dispute names a line of figures computed from the views
        if args.action == "dispute":
            return _raise_dispute(runtime, payroll, actor, period, args)
        if args.action == "resolve":
            return _resolve_dispute(runtime, payroll, actor, period, args)
        return _list_disputes(runtime, payroll, actor, period)


def _raise_dispute(
    runtime: Runtime, payroll: Payroll, actor: Principal, period: UUID, args: argparse.Namespace
) -> int:
    salesperson = parse_id(args.salesperson, "salesperson")
    if actor.staff_id != salesperson:
        # The API disputes the caller's own statement; here the login must be the salesperson's.
        raise PermissionDeniedError(
            f"{args.user} is not the login of salesperson {salesperson}:"
            " a salesperson disputes only their own lines"
        )
    written = payroll.raise_dispute(actor, period, args.line, args.reason)
    # The service draws the dispute's id: it is the newest dispute of the period as written.
    raised = list(_as_written(runtime, written).disputes)[-1]
    print(f"dispute {raised} raised on line {args.line} of pay period {period}")
    return 0


def _resolve_dispute(
    runtime: Runtime, payroll: Payroll, actor: Principal, period: UUID, args: argparse.Namespace
) -> int:
    dispute = parse_id(args.dispute, "dispute")
    written = payroll.resolve_dispute(actor, period, dispute, args.resolution, args.amount)
    settled = _as_written(runtime, written).disputes[dispute]
    if settled["adjustment_amount"] is None:
        print(f"dispute {dispute} resolved without an adjustment")
    else:
        print(
            f"dispute {dispute} resolved: adjustment of ¥{settled['adjustment_amount']}"
            f" on pay period {settled['adjustment_period_id']}"
        )
    return 0


def _as_written(runtime: Runtime, written: Written) -> PayPeriod:
    """The period exactly as this command wrote it (not as a later writer left it)."""
    from domain.pay.periods import PayPeriod

    period: object = runtime.app.repository.get(written.id, version=written.version)
    if not isinstance(period, PayPeriod):
        raise NotFoundError("pay period", written.id)
    return period


def _list_disputes(runtime: Runtime, payroll: Payroll, actor: Principal, period: UUID) -> int:
    # A dispute's reason is sealed with the salesperson's key (docs/personal-data.md): revealed
    # here as the API reveals it, for a login that may read the dispute.
    found = payroll.visible_disputes(actor, payroll.get_period(actor, period))
    disputes = Revealer(runtime.customer_keys, actor).value(found)
    if not disputes:
        print(f"no disputes on pay period {period}")
        return 0
    table(
        DISPUTE_COLUMNS,
        (
            (
                d["dispute_id"],
                d["salesperson_id"],
                d["line_ref"],
                f"{d['raised_at']:%Y-%m-%d}",
                d["status"],
                "" if d["adjustment_amount"] is None else f"¥{d['adjustment_amount']}",
                d["reason"],
                d["resolution"] or "",
            )
            for d in disputes
        ),
    )
    return 0
