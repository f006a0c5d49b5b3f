"""Gap oracle: concurrent writers and a tailing projection; no committed event may be skipped.

Four writer *processes* log activities as fast as they can for a while (each on its own
salesperson's leads: no conflicts, only concurrent commits). Meanwhile a projection runner
in this process tails the log every 5 ms with two views: the real `salesperson_kpi` view and
an oracle view that keeps one row per event it handled (keyed by aggregate and version, so a
double application fails loudly). When the writers are done the runner catches up, and then:

- skipped = events of the log that the oracle never saw (a reader that passed over a
  position before its transaction committed would skip it for good);
- the KPI view's activity count must equal the number of activities in the log.

The library's default insert path is kept: on PostgreSQL every append locks the events table,
so positions become visible in order. (`POSTGRES_ENABLE_DB_FUNCTIONS` skips that lock and was
measured to lose events to such a reader; this test is what would have to prove an
alternative gap-safe before adopting it.)

    python -m ops.bench.gap_oracle writer INDEX SECONDS MAX_CALLS LEADS_FILE   # a child
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.leads.model import Lead
from domain.organisation.model import User
from ops.bench.harness import ROOT, Backend, Row, per_second, python, seed_floor, verdict
from projections.db import Tx
from projections.projection import Projection, handles
from projections.runner import ProjectionRunner, migrate
from projections.salesperson_kpi.projection import SalespersonKpiProjection
from workers.runtime import Runtime
from workers.settings import Settings

WRITERS = 4
TABLE = "bench_gap_oracle"


class GapOracleProjection(Projection):
    """One row per activity event handled: what the tailing reader actually saw."""

    name = "bench_gap_oracle"
    tables = (TABLE,)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " originator_id TEXT NOT NULL, originator_version BIGINT NOT NULL,"
        " PRIMARY KEY (originator_id, originator_version))",
    )

    @handles(Lead.ActivityLogged)
    def on_activity(self, event: Lead.ActivityLogged, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {TABLE} (originator_id, originator_version) VALUES (?, ?)",
            (str(event.originator_id), event.originator_version),
        )


def writer_main(index: int, seconds: float, max_calls: int, leads_file: Path) -> dict[str, Any]:
    """Log activities on this writer's leads until the time or the count runs out."""
    plan = json.loads(leads_file.read_text())
    settings = Settings.from_env()
    runtime = Runtime.build(settings)
    try:
        principal = runtime.organisation.principal(User.id_for(plan["usernames"][index]))
        if principal is None:
            raise RuntimeError("the bench login is missing")
        leads = [UUID(lead) for lead in plan["leads"][index]]
        # Start together: say ready, then wait for the go file (so the writers overlap fully).
        print("ready", flush=True)
        go = leads_file.with_suffix(".go")
        waited = time.monotonic() + 120
        while not go.exists() and time.monotonic() < waited:
            time.sleep(0.01)
        committed = errors = 0
        began = time.monotonic()
        deadline = began + seconds
        while time.monotonic() < deadline and committed + errors < max_calls:
            lead = leads[(committed + errors) % len(leads)]
            try:
                runtime.leads.log_activity(principal, lead, "call", outcome="gap oracle")
                committed += 1
            except Exception:
                errors += 1
        return {"committed": committed, "errors": errors, "seconds": time.monotonic() - began}
    finally:
        runtime.close()


def run(backend: Backend, *, seconds: float, calls: int) -> list[Row]:
    runtime = Runtime.build(backend.settings)
    try:
        floor = seed_floor(runtime, WRITERS, 30, prefix="gap")
        plan = backend.workdir / "gap-plan.json"
        plan.write_text(
            json.dumps(
                {
                    "usernames": floor.usernames,
                    "leads": [[str(lead) for lead in leads] for leads in floor.leads],
                }
            )
        )
        oracle, kpi = GapOracleProjection(), SalespersonKpiProjection()
        migrate(runtime.db, [oracle])
        runner = ProjectionRunner(
            runtime.app,
            runtime.db,
            [oracle, kpi],
            lock_dir=backend.workdir / "gap-locks",
            page_size=backend.settings.page_size,
            poll_seconds=0.005,
        )
        runner.start()
        writers = [
            subprocess.Popen(
                python(
                    "-m",
                    "ops.bench.gap_oracle",
                    "writer",
                    str(i),
                    str(seconds),
                    str(calls // WRITERS + 1),
                    str(plan),
                ),
                env=backend.env(),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for i in range(WRITERS)
        ]
        for writer in writers:
            assert writer.stdout is not None
            writer.stdout.readline()  # "ready" (or EOF if it failed: communicate tells)
        plan.with_suffix(".go").touch()
        reports = []
        for writer in writers:
            out, err = writer.communicate(timeout=seconds + 120)
            if writer.returncode != 0:
                raise RuntimeError(f"gap writer failed: {err.decode()[-2000:]}")
            reports.append(json.loads(out.decode().strip().splitlines()[-1]))
        wrote = max(r["seconds"] for r in reports)
        runner.run_until_caught_up()
        runner.stop()
        topic = get_topic(Lead.ActivityLogged)
        committed: set[tuple[str, int]] = set()
        start = 1
        while True:
            page = runtime.app.recorder.select_notifications(start, 10_000, topics=[topic])
            if not page:
                break
            committed.update((str(n.originator_id), n.originator_version) for n in page)
            start = page[-1].id + 1
        seen = {
            (r["originator_id"], int(r["originator_version"]))
            for r in runtime.db.query(f"SELECT originator_id, originator_version FROM {TABLE}")
        }
        total = runtime.db.one("SELECT SUM(activities) AS n FROM rm_salesperson_kpi")
        counted = int(total["n"] or 0) if total else 0
    finally:
        runtime.close()
    skipped = len(committed - seen)
    written = sum(r["committed"] for r in reports)
    errors = sum(r["errors"] for r in reports) + runner.errors
    return [
        Row(
            "5 gap oracle",
            f"committed events missing from the views ({WRITERS} writers, {wrote:.0f} s)",
            backend.name,
            f"{skipped} skipped, KPI view off by {len(committed) - counted}",
            f"{len(committed):,} committed ({per_second(written / wrote)})",
            "events in the log",
            "—",
            "0 skipped",
            verdict(skipped == 0 and counted == len(committed) and errors == 0),
            note=f"{errors} writer or runner errors",
        )
    ]


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "writer":
        result = writer_main(
            int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5])
        )
        print(json.dumps(result))
        sys.exit(0)
    print(__doc__)
    sys.exit(2)
