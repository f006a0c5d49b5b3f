"""The access log from the command line: verify its chain, list recent entries.

`showroom access-log verify` recomputes the HMAC chain (the keyring's `access` key) and prints
where it breaks (exit 1); `showroom access-log show` lists entries by user, customer, kind, time.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from audit.access_chain import AccessChainReport
from ops.cli.common import UsageError, open_runtime, table
from workers.access_log import AccessKind, AccessQuery, search
from workers.checkpoints import verify_access
from workers.settings import Settings


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    runtime = open_runtime(settings)
    try:
        report = verify_access(runtime.db, runtime.settings.keys)
    finally:
        runtime.close()
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print_report(report)
    return 0 if report.ok else 1


def print_report(report: AccessChainReport) -> None:
    """The access log's verification in lines (also printed by `showroom audit verify`)."""
    state = "ok" if report.ok else f"BROKEN at entry {report.first_break}"
    print(f"access log: {report.count} entries, last {report.last_sequence}: {state}")
    print(f"head: {report.head}")
    if report.anchored_sequence is None:
        print("anchored: no checkpoint carries the access log's head yet")
    else:
        print(
            f"anchored: entry {report.anchored_sequence} by the checkpoint of"
            f" {report.anchored_at}; {report.unanchored} entries after it not yet anchored"
        )
    for problem in report.problems:
        print(f"  entry {problem.sequence}: {problem.problem}")


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--{name}: not a time: {value!r}") from None
    if moment.utcoffset() is None:
        raise UsageError(f"--{name} needs a time zone, e.g. 2026-05-01T00:00:00+08:00")
    return moment


def cmd_show(settings: Settings, args: argparse.Namespace) -> int:
    from domain.organisation.model import User

    if args.kind is not None and args.kind not in set(AccessKind):
        raise UsageError(f"--kind: one of {', '.join(AccessKind)}")
    if args.customer is not None:
        try:
            UUID(args.customer)
        except ValueError:
            raise UsageError(f"--customer: not an id: {args.customer!r}") from None
    user = (args.user or "").strip().lower()
    query = AccessQuery(
        actor_ids=(str(User.id_for(user)),) if user else (),
        usernames=(user,) if user else (),
        subject=args.customer,
        kind=args.kind,
        since=_time(args.since, "since"),
        until=_time(args.until, "until"),
        limit=args.limit,
    )
    runtime = open_runtime(settings)
    try:
        entries, _cursor = search(runtime.db, query)
    finally:
        runtime.close()
    rows: list[list[Any]] = [
        [
            e.sequence,
            e.at.isoformat(timespec="seconds"),
            e.kind,
            e.actor_id or "-",
            e.subject or "-",
            e.address or "-",
            json.dumps(e.detail, ensure_ascii=False),
        ]
        for e in entries
    ]
    table(["seq", "at (UTC)", "kind", "actor", "subject", "address", "detail"], rows)
    return 0


def register(sub: Any) -> None:
    group = sub.add_parser("access-log", help="the access log: verify its chain, show entries")
    actions = group.add_subparsers(dest="action", required=True)
    verify = actions.add_parser("verify", help="recompute the chain (exit 1 where it breaks)")
    verify.add_argument("--json", action="store_true", help="the report as JSON")
    verify.set_defaults(func=cmd_verify)
    show = actions.add_parser("show", help="entries, newest first")
    show.add_argument("--user", help="a username: what it did and the logins tried with it")
    show.add_argument("--customer", help="a customer's (or any subject's) id")
    show.add_argument("--kind", help="login_succeeded, full_phone_read, ...")
    show.add_argument("--since", help="from this time (ISO 8601 with a zone)")
    show.add_argument("--until", help="before this time (ISO 8601 with a zone)")
    show.add_argument("--limit", type=int, default=50)
    show.set_defaults(func=cmd_show)
