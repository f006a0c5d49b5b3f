"""Logins, as the system: the way back in for an operator."""

from __future__ import annotations

import argparse
import getpass
import os
from typing import Any

from domain.shared.actor import SYSTEM, Role
from ops.cli.common import open_runtime, parse_id
from workers.settings import Settings


def cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    """Logins as the system: create, set a password, lift a lockout, switch off and on again.

    The way back in when the only admin is locked out or was switched off by another admin."""
    needs_password = args.action in ("create", "password")
    password = ""
    if needs_password:
        password = os.environ.get("SHOWROOM_PASSWORD") or getpass.getpass("password: ")
    runtime = open_runtime(settings)
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


def register(sub: Any) -> None:
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
