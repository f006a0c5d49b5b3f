"""The parser of `showroom`: each group of commands adds its own sub-commands."""

from __future__ import annotations

import argparse

from ops.cli import (
    access_log,
    bench,
    demo,
    floor,
    pay,
    performance,
    privacy,
    processes,
    users,
    views,
)
from ops.cli import backup as backups
from ops.cli import chain as audit_chain
from ops.cli import keys as key_commands


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="showroom",
        description="`showroom`: the command line of every process and of the operator.",
    )
    sub = top.add_subparsers(dest="command", required=True)
    processes.register(sub)  # migrate, serve, run, project, worker
    views.register(sub)  # rebuild, status
    demo.register(sub)
    bench.register(sub)
    users.register(sub)
    pay.register(sub)
    floor.register(sub)  # surveys (pay disputes are actions of `pay`)
    pay.register_plans(sub)
    performance.register(sub)  # evaluations, targets, scorecards
    backups.register(sub)  # backup (verify, list), restore
    key_commands.register(sub)  # init, status, rotate, reencrypt, retire
    audit_chain.register(sub)  # audit verify, checkpoint, checkpoints, check-export
    privacy.register(sub)  # apply-erasures (after a restore)
    access_log.register(sub)  # access-log verify, show
    return top
