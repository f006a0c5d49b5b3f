"""Exports from the command line: a pay period's payout workbook or CSV, built here."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from uuid import UUID

from domain.reporting.model import ExportKind
from domain.shared.actor import Principal
from projections.private import open_private
from workers import broker as job_broker
from workers import files
from workers.runtime import Runtime
from workers.settings import Settings


def export_period(
    settings: Settings, runtime: Runtime, actor: Principal, ident: UUID, args: argparse.Namespace
) -> int:
    """Request an approved period's payout export, build it in this process, write the file."""
    from workers.actors.exports import build_here
    from workers.actors.payouts import export_payouts

    period = runtime.payroll.exportable(actor, ident)
    kind = ExportKind.PAYOUT_CSV if args.format == "csv" else ExportKind.PAYOUT_WORKBOOK
    written = runtime.reporting.request_export(
        actor, period.month, period.store_id, args.language, kind.value
    )
    job_broker.configure(settings, runtime)
    build_here(export_payouts, written.id, written.position, wait_seconds=600)
    stored = files.load_file(runtime.db, written.id)
    if stored is None:
        print("the export left no file", file=sys.stderr)
        return 1
    target = args.output or stored.file_name
    # Pay data: readable by the operator only, like the store it came from.
    with os.fdopen(open_private(Path(target), os.O_WRONLY | os.O_TRUNC), "wb") as handle:
        handle.write(stored.content)
    print(f"wrote {target} ({len(stored.content):,} bytes)")
    return 0
