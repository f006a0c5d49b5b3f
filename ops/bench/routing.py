"""Routing decisions per second, next to the raw dispatcher's throughput in the same run.

One store with 10 salespeople and routing on (weighted round robin, everyone eligible), and
`leads` leads captured without an owner (not timed). Then, timed:

- the dispatcher's raw throughput: a `Dispatch` over that log with a sender that only counts
  (the jobs each capture asks for recorded and "sent"), jobs per second;
- routing decisions one after another, as the `route_lead` actor makes them (the floor read
  from the views once they reach the log's head, the rules, the rotation, the decision, the
  lead and the rotation saved in one commit), decisions per second;
- the same with 4 threads routing different leads at once: each commit that loses the race
  for the store's rotation reloads and takes the next turn, so this shows what the retries
  cost when leads arrive together.

The two routing runs use separate halves of the leads, so each lead is routed exactly once;
the check at the end counts one assignment per lead and turns shared evenly.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from ops.bench.harness import Backend, Row, per_second, ratio

SECTION = "11 routing"
SELLERS = 10


class Counting:
    def __init__(self) -> None:
        self.sent = 0

    def send(self, actor: str, args: Mapping[str, Any], job: str) -> None:
        self.sent += 1


def run(backend: Backend, *, leads: int = 400) -> list[Row]:
    """Rows: dispatcher jobs/s (baseline), routing decisions/s alone and 4 at once."""
    from domain.leads.model import Lead
    from domain.routing.service import CAPTURED
    from domain.shared.actor import SYSTEM
    from workers.dispatcher import Dispatch
    from workers.runtime import Runtime

    runtime = Runtime.build(backend.settings)
    runtime.runner.start()
    try:
        org = runtime.organisation
        store = org.open_store(SYSTEM, "Bench Routing", "Shanghai", ["BYD"]).id
        staff = [
            org.hire_staff(SYSTEM, store, f"Seller {n:02d}", "salesperson").id
            for n in range(SELLERS)
        ]
        weights = {s: 1 + n % 3 for n, s in enumerate(staff)}
        runtime.routing.set_store_policy(
            SYSTEM, store, mode="weighted", weights=weights, on_duty_only=False
        )
        ids = [
            runtime.leads.capture_lead(
                SYSTEM,
                store,
                "phone",
                customer_name=f"Bench {n}",
                customer_phone=f"1370000{n:04d}",
            ).id
            for n in range(leads)
        ]

        sender = Counting()
        dispatcher = Dispatch(
            runtime.app, runtime.db, sender, lock_dir=runtime.settings.data_dir, page_size=1000
        )
        began = time.perf_counter()
        dispatcher.run_until_idle()
        dispatch_seconds = time.perf_counter() - began
        dispatcher.stop()
        jobs_per_second = sender.sent / dispatch_seconds

        half = leads // 2
        began = time.perf_counter()
        for lead in ids[:half]:
            runtime.routing.route(lead, CAPTURED)
        alone = half / (time.perf_counter() - began)

        rest = ids[half:]
        chunks = [rest[n::4] for n in range(4)]

        def route(chunk: list[UUID]) -> None:
            for lead in chunk:
                runtime.routing.route(lead, CAPTURED)

        threads = [threading.Thread(target=route, args=(c,)) for c in chunks]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        together = len(rest) / (time.perf_counter() - began)

        owners = Counter(runtime.app.load(Lead, lead, "lead").salesperson_id for lead in ids)
        if None in owners or sum(owners.values()) != leads:
            raise RuntimeError(f"a lead was not routed exactly once: {owners}")
        total_weight = sum(weights.values())
        worst = max(abs(owners[s] - leads * w / total_weight) for s, w in weights.items())
    finally:
        runtime.close()
    label = f"{leads} leads, {SELLERS} sellers, weighted"
    baseline = "dispatcher jobs recorded + sent"
    return [
        Row(
            SECTION,
            "dispatcher raw throughput",
            backend.name,
            per_second(jobs_per_second),
            note=f"{sender.sent} jobs over the captures' log",
        ),
        Row(
            SECTION,
            "routing decisions, one worker",
            backend.name,
            per_second(alone),
            per_second(jobs_per_second),
            baseline,
            ratio(alone, jobs_per_second),
            note=label,
        ),
        Row(
            SECTION,
            "routing decisions, 4 at once",
            backend.name,
            per_second(together),
            per_second(jobs_per_second),
            baseline,
            ratio(together, jobs_per_second),
            note=f"{label}; largest gap from a fair share {worst:.2f} leads",
        ),
    ]
