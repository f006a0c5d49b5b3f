"""Backups: take one, list them, verify one in a scratch place, restore one (docs/backup.md)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from ops import backup as backups
from ops.cli.common import table
from workers.backup import BackupError, backups_in, read_manifest, take_backup
from workers.settings import Settings


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "verify":
        return cmd_verify(settings, args)
    if args.action == "list":
        return cmd_list(settings, args)
    started = time.perf_counter()
    try:
        folder = take_backup(settings, Path(args.to) if args.to else None)
    except BackupError as error:
        print(f"showroom backup: {error}", file=sys.stderr)
        return 1
    took = time.perf_counter() - started
    manifest = read_manifest(folder)
    size = sum(f.size for f in manifest.files) / 1e6
    print(
        f"backup {folder}: {manifest.events} events up to log position {manifest.position},"
        f" {len(manifest.files)} files, {size:.1f} MB, in {took:.1f} s"
    )
    print("The keyring is not in the backup: keep a copy of it apart (docs/backup.md).")
    return 0


def cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    parent = Path(args.source) if args.source else settings.backups_dir
    rows = [
        (
            folder.name,
            m.created_at[:19].replace("T", " "),
            m.trigger,
            m.backend,
            m.position,
            m.events,
            f"{sum(f.size for f in m.files) / 1e6:.1f} MB",
        )
        for folder, m in backups_in(parent)
    ]
    if not rows:
        print(f"no backups in {parent}")
        return 0
    table(("backup", "taken (UTC)", "by", "backend", "position", "events", "size"), rows)
    return 0


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    if not args.source:
        print("showroom backup verify needs the backup's folder", file=sys.stderr)
        return 2
    try:
        report = backups.verify_backup(settings, Path(args.source))
    except BackupError as error:
        print(f"showroom backup verify: {error}", file=sys.stderr)
        return 1
    _print_report(report, args.json)
    return 0 if report.ok else 1


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    try:
        report = backups.restore(settings, Path(args.source), force=args.force)
    except BackupError as error:
        print(f"showroom restore: {error}", file=sys.stderr)
        return 1
    _print_report(report, False)
    if report.ok:
        print(
            f"restored: {report.manifest.events} events up to log position"
            f" {report.manifest.position}; the views catch up when the projection runner starts"
        )
    return 0 if report.ok else 1


def _print_report(report: backups.Report, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.as_dict(), indent=2, default=str))
        return
    for step in report.steps:
        mark = "ok " if step.ok else "FAIL"
        print(f"{mark} {step.name:<16} {step.seconds:>8.2f} s  {_detail(step.detail)}")
    print("ok" if report.ok else "PROBLEMS: " + "; ".join(report.problems))


def _detail(detail: Any) -> str:
    if detail is None:
        return ""
    if isinstance(detail, dict):
        return "; ".join(f"{k}: {v}" for k, v in detail.items())
    if isinstance(detail, list):
        return "; ".join(str(item) for item in detail)
    return str(detail)


def register(sub: Any) -> None:
    backup = sub.add_parser(
        "backup",
        help="back the data up (no keyring in it); `backup verify FROM`, `backup list`",
        description="`showroom backup [--to DIR]` takes a backup into a new folder under DIR;"
        " `showroom backup verify FROM` restores it into a scratch place and checks it;"
        " `showroom backup list [DIR]` lists the backups of a folder.",
    )
    backup.add_argument("action", nargs="?", choices=("verify", "list"), help="verify | list")
    backup.add_argument("source", nargs="?", help="verify: the backup's folder; list: a folder")
    backup.add_argument("--to", help="folder to put the backup in (default: SHOWROOM_BACKUP_DIR)")
    backup.add_argument("--json", action="store_true", help="verify: the report as JSON")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser(
        "restore", help="restore a backup into the configured place (stop every process first)"
    )
    restore.add_argument("source", help="the backup's folder")
    restore.add_argument("--force", action="store_true", help="replace data that is there")
    restore.set_defaults(func=cmd_restore)
