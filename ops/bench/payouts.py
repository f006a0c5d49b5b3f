"""Benchmark of a month's payouts: statements for a group computed from facts, and the workbook.

    .venv/bin/python -m ops.bench.payouts [salespeople] [deals]

Uses the pay engine benchmark's synthetic facts and plans (ops/bench/pay_engine.py: 10 % split
deals, F&I on most deals, surveys, evaluations, draws; plans using every component) and adds a
manual adjustment for every 20th salesperson. It times:
- compute: `engine.calculate_period` and the payroll composition (per-deal parts of every line,
  adjustment lines, totals, the snapshot's content hash) — what approving the period does
  besides reading the facts;
- workbook: the payout .xlsx (summary with formula totals, detail sheet of every line) and the
  payroll CSV;
- the approved snapshot in an event store: approving, the size of the `Approved` event, a later
  command on the approved period, reading the whole snapshot back (and checking its hash).
Peak memory is traced (tracemalloc) in a second run of each step, since tracing slows Python.
Not a test: nothing asserts on the numbers. docs/payroll.md records them.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID, uuid4

from domain.app import Showroom
from domain.pay import engine
from domain.pay.facts import PeriodFacts
from domain.pay.periods import PayPeriod, snapshot_hash
from domain.pay.plans import PlanVersion
from domain.pay.records import compose
from domain.pay.service.snapshots import statements_of
from domain.reporting.model import Language
from domain.shared.clock import now
from ops.bench.pay_engine import facts, plans
from workers.actors.payouts import build_payout_csv, build_payout_workbook

T = TypeVar("T")


def _timed(step: Callable[[], T]) -> tuple[T, float, float]:
    """The step's result, its seconds (untraced) and its traced peak in MiB (a second run)."""
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 2**20


def adjustments(period: PeriodFacts) -> list[dict[str, Any]]:
    people = sorted({c.salesperson_id for c in period.credits})
    return [
        {
            "adjustment_id": UUID(int=i + 1),
            "salesperson_id": person,
            "amount": Decimal("-150.00") if i % 2 else Decimal("300.00"),
            "reason": "bench adjustment",
            "approver": "finance",
            "dispute_id": None,
            "origin_period_id": None,
        }
        for i, person in enumerate(people[::20])
    ]


def store_snapshot(
    records: list[dict[str, Any]], totals: dict[str, Any], content_hash: str
) -> dict[str, Any]:
    """The approved snapshot on the embedded SQLite event store: seconds to approve (the
    period's `Approved` event and a statement record per salesperson, one save), the stored size
    of the `Approved` event, seconds of a later command on the period (load it, note an export,
    save: what every command on an approved period pays), seconds to read the whole snapshot
    back, and whether it hashes to the content hash again."""
    with tempfile.TemporaryDirectory() as folder:
        app = Showroom(
            env={
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": f"{folder}/events.sqlite3",
            }
        )
        period = PayPeriod(store_id=None, month="2026-03", protection_days=90, occurred_at=now())
        period.close(known_at=now(), occurred_at=now())
        period.request_approval("bench-finance", occurred_at=now())
        app.save(period)
        started = time.perf_counter()
        statements = period.approve(
            records, totals, content_hash, confirmer="bench-admin", occurred_at=now()
        )
        app.save(period, *statements)
        saved = time.perf_counter() - started
        [approval] = app.recorder.select_events(period.id, desc=True, limit=1)
        started = time.perf_counter()
        loaded = app.load(PayPeriod, period.id, "pay period")
        loaded.record_export(uuid4(), occurred_at=now())
        app.save(loaded)
        command = time.perf_counter() - started
        started = time.perf_counter()
        stored = statements_of(app, loaded)
        read = time.perf_counter() - started
        verifies = snapshot_hash(stored, loaded.totals) == content_hash
        app.close()
    return {
        "approve_save_seconds": round(saved, 2),
        "approval_event_bytes": len(approval.state),
        "command_on_approved_seconds": round(command, 4),
        "snapshot_read_seconds": round(read, 2),
        "snapshot_verifies": verifies,
    }


def run(salespeople: int = 2000, deals: int = 40000, seed: int = 1) -> dict[str, Any]:
    period = facts(salespeople, deals, seed)
    versions = plans()

    def plan_of(person: UUID) -> PlanVersion:
        return versions[person.int % len(versions)]

    extra = adjustments(period)

    def compute() -> tuple[list[dict[str, Any]], dict[str, Any], str]:
        statements = engine.calculate_period(period, plan_of)
        return compose(None, statements, period, plan_of, extra, [])

    (records, totals, content_hash), compute_s, compute_mib = _timed(compute)
    engine_started = time.perf_counter()
    engine.calculate_period(period, plan_of)
    engine_s = time.perf_counter() - engine_started

    names = {r["salesperson_id"]: f"Salesperson {i:04d}" for i, r in enumerate(records)}
    stores = {r["store_id"]: "Store" for r in records if r["store_id"]}
    workbook, workbook_s, workbook_mib = _timed(
        lambda: build_payout_workbook(records, totals, names, stores, Language.ZH)
    )
    csv_bytes, csv_s, _ = _timed(
        lambda: build_payout_csv(records, period.month, UUID(int=1), names, stores)
    )
    snapshot_bytes = len(json.dumps(records, ensure_ascii=False))
    stored = store_snapshot(records, totals, content_hash)
    result = {
        "salespeople": len(records),
        "deals": deals,
        "credits": len(period.credits),
        "lines": sum(len(r["lines"]) for r in records),
        "total": totals["total"],
        "content_hash": content_hash[:12],
        "engine_seconds": round(engine_s, 2),
        "compute_seconds": round(compute_s, 2),
        "compute_peak_mib": round(compute_mib, 1),
        "workbook_seconds": round(workbook_s, 2),
        "workbook_peak_mib": round(workbook_mib, 1),
        "workbook_bytes": len(workbook),
        "csv_seconds": round(csv_s, 3),
        "csv_bytes": len(csv_bytes),
        "snapshot_json_bytes": snapshot_bytes,
        **stored,
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    run(*[int(a) for a in sys.argv[1:3]])
