"""`showroom audit`: the log's keyed chain and its signed checkpoints (docs/audit-chain.md).

    showroom audit verify [--upto N] [--against FILE] [--json]
    showroom audit checkpoint                     write one now (as the timer does)
    showroom audit checkpoints [--export FILE]    list them, or export them with the public keys
    showroom audit check-export FILE              check an export's signatures (no database)

The group `audit` may be shared with other audit commands: `register` adds to it if it exists.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from ops.cli.access_log import print_report
from ops.cli.common import UsageError, open_runtime, table
from workers import checkpoints
from workers.settings import Settings


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    """Recompute the chain from the start; compare every link and checkpoint (exit 1: broken)."""
    extra = None
    if args.against:
        _, extra = _read(args.against)
    runtime = open_runtime(settings)
    try:
        started = time.perf_counter()
        report = checkpoints.verify_log(
            runtime.app, runtime.db, settings.keys, stop=args.upto, extra=extra
        )
        access = checkpoints.verify_access(runtime.db, settings.keys, extra=extra)
        took = time.perf_counter() - started
    finally:
        runtime.close()
    if args.json:
        found = {**report.as_dict(), "access_log": access.as_dict(), "seconds": round(took, 3)}
        print(json.dumps(found, indent=2))
        return 0 if report.ok and access.ok else 1
    last = report.last_checkpoint
    print(f"events read: {report.count} (positions {report.first_id}–{report.last_id})")
    print(f"chain head:  {report.head_hash}")
    print(
        f"checkpoints: {report.checkpoints} compared"
        + (f", the last at position {last['position']} ({last['recorded_at']})" if last else "")
    )
    if report.unanchored:
        print(f"not yet anchored: {report.unanchored} event(s) after the last checkpoint")
    print(f"took: {took:.2f}s")
    if report.ok:
        print("ok: the log agrees with its chain and every checkpoint")
    else:
        print(f"BROKEN at position {report.first_break}: {report.problem_count} problem(s)")
        for problem in report.problems:
            print(f"  - {problem}")
    print_report(access)
    return 0 if report.ok and access.ok else 1


def cmd_checkpoint(settings: Settings, args: argparse.Namespace) -> int:
    """Write a checkpoint now (continues the chain from the last one)."""
    runtime = open_runtime(settings)
    try:
        outcome = checkpoints.write_checkpoint(
            runtime.app, runtime.db, settings.keys, reason="manual"
        )
    finally:
        runtime.close()
    if outcome.checkpoint is not None:
        mark = outcome.checkpoint
        print(f"checkpoint at position {mark.position} ({outcome.folded} new events): {mark.head}")
    elif not outcome.problem:
        print("no checkpoint written: nothing new since the last one")
    if outcome.problem:
        print(f"BROKEN: {outcome.problem}", file=sys.stderr)
        return 1
    return 0


def cmd_checkpoints(settings: Settings, args: argparse.Namespace) -> int:
    """List the checkpoints, or export them with their public keys (`--export FILE`, or -)."""
    runtime = open_runtime(settings)
    try:
        if args.export:
            text = checkpoints.export_json(runtime.db, settings.keys)
            if args.export == "-":
                sys.stdout.write(text)
            else:
                Path(args.export).write_text(text)
                count = len(json.loads(text)["checkpoints"])
                print(f"{count} checkpoint(s) and their public keys written to {args.export}")
            return 0
        marks = checkpoints.load_checkpoints(runtime.db)
    finally:
        runtime.close()
    table(
        ("position", "recorded at", "reason", "key", "head"),
        [(m.position, m.recorded_at, m.reason, m.key_id, m.head[:16] + "…") for m in marks],
    )
    return 0


def cmd_check_export(settings: Settings, args: argparse.Namespace) -> int:
    """Check an exported file's signatures by its public keys (or a pinned one)."""
    keys, marks = _read(args.file)
    if args.public_key:
        keys = {mark.key_id: args.public_key for mark in marks}
    problems = checkpoints.check_export(keys, marks)
    for problem in problems:
        print(problem)
    print(f"{len(marks) - len(problems)} of {len(marks)} checkpoint signature(s) verify")
    return 1 if problems else 0


def _read(path: str) -> tuple[dict[str, str], Any]:
    try:
        return checkpoints.read_export(Path(path).read_text())
    except OSError as error:
        raise UsageError(f"showroom audit: cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"showroom audit: {path}: {error}") from None


def _audit_group(sub: Any) -> Any:
    """The `audit` group's sub-parsers: made here, or found if another module made it."""
    existing = sub.choices.get("audit")
    if existing is not None:
        for action in existing._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action
    group = sub.add_parser("audit", help="the log's chain and checkpoints (and other audit tools)")
    return group.add_subparsers(dest="audit_command", required=True)


def register(sub: Any) -> None:
    audit = _audit_group(sub)
    verify = audit.add_parser(
        "verify", help="recompute the log's keyed chain; compare every checkpoint (exit 1: broken)"
    )
    verify.add_argument("--upto", type=int, default=None, help="only up to this log position")
    verify.add_argument(
        "--against", metavar="FILE", help="also compare the checkpoints of an export kept elsewhere"
    )
    verify.add_argument("--json", action="store_true", help="the report as JSON")
    verify.set_defaults(func=cmd_verify)
    audit.add_parser(
        "checkpoint", help="sign a checkpoint of the chain now (the timer does it hourly)"
    ).set_defaults(func=cmd_checkpoint)
    listing = audit.add_parser("checkpoints", help="list the checkpoints, or export them")
    listing.add_argument(
        "--export", metavar="FILE", help="write them with their public keys as JSON (- : stdout)"
    )
    listing.set_defaults(func=cmd_checkpoints)
    check = audit.add_parser(
        "check-export", help="check an exported file's signatures (needs no database)"
    )
    check.add_argument("file")
    check.add_argument("--public-key", help="the public key (hex) you pinned, not the file's")
    check.set_defaults(func=cmd_check_export)
