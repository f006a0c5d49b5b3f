"""`showroom`: the command line of every process and of the operator.

showroom run        migrate, load the demo if empty, serve everything in one process
showroom migrate    create the event store, views and support tables (once per deployment)
showroom serve      the API (add --projections/--workers to run those threads here too)
showroom project    the projection runner, and with REDIS_URL the dispatcher (one active each)
showroom worker     dramatiq job workers (Redis)
showroom rebuild    drop a view and replay the log into it (NAME or all)
showroom status     each view's position and lag; the views stopped at an event they failed on
showroom demo       load the deterministic demo dealer group (--bulk: a large group, fast)
showroom bench      the benchmark suite: one table, written to docs/benchmarks.md
showroom users      create a login or set its password
showroom keys       the keyring: init, status, rotate, reencrypt, retire (docs/keys.md)
showroom pay        pay periods: open, close, approve, export, verify STORE|group MONTH;
                    disputes: dispute, resolve, disputes --period ID
showroom plans      pay plans: list, create, publish a version, assign
showroom surveys    CSI surveys: record, exclude, reinstate (by deal), list
showroom evaluations, targets, scorecards   performance: a store's evaluations, KPI targets
showroom access-log the access log: verify its chain, show entries by user, customer, kind, time

One module per group of commands (processes, views, demo, bench, users, pay, exports, floor,
performance), each adding its commands to the parser (parser.py) and taking its services from
the runtime (common.py opens it; workers/runtime.py builds them).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from audit.keyring import KeyringError
from domain.shared.errors import DomainError
from ops.cli.common import UsageError
from ops.cli.parser import parser
from ops.logs import configure_logging
from projections.runner import ViewsNotCaughtUpError
from workers.settings import Settings

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()  # JSON lines with request ids (ops/logs.py)
    args = parser().parse_args(argv)
    try:
        # `keys init` reads no settings: it makes the keyring they need on PostgreSQL.
        settings = None if getattr(args, "without_settings", False) else Settings.from_env()
    except KeyringError as error:
        print(f"showroom {args.command}: {error}", file=sys.stderr)
        return 2
    try:
        code: int = args.func(settings, args)
    except DomainError as error:
        print(f"showroom {args.command}: {error.title}: {error.detail}", file=sys.stderr)
        return 1
    except ViewsNotCaughtUpError as error:
        print(f"showroom {args.command}: the views lag behind the log: {error}", file=sys.stderr)
        return 1
    except UsageError as error:
        print(error, file=sys.stderr)
        return 2
    return code
