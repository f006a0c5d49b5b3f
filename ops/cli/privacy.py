"""Customers' personal data: re-apply the erasures after a restore."""

from __future__ import annotations

import argparse
from typing import Any

from ops.cli.common import open_runtime
from workers.customer_keys import apply_erasures, tombstone_path
from workers.settings import Settings


def cmd_apply_erasures(settings: Settings, args: argparse.Namespace) -> int:
    """Delete again the keys of every customer erased (the key folder's tombstones): run it
    after restoring a backup of the data, which may predate some erasures."""
    runtime = open_runtime(settings)
    try:
        path = tombstone_path(settings.keys_dir)
        applied = apply_erasures(runtime.customer_keys, path)
        print(f"{applied} erasure(s) applied from {path}")
    finally:
        runtime.close()
    return 0


def register(sub: Any) -> None:
    sub.add_parser(
        "apply-erasures",
        help="after a restore: erase again every customer erased since (from the key folder)",
    ).set_defaults(func=cmd_apply_erasures)
