"""What revealing sealed staff names costs: a 2,000-row leaderboard answer.

Staff names are sealed in the views, each with the person's own key (docs/personal-data.md);
the API's middleware reveals an answer as it leaves (`workers.reveal.Revealer.text`, called
exactly as `api/personal.py` calls it). One JSON answer of 2,000 leaderboard lines, 2,000
distinct salespeople, is timed three ways in interleaved rounds:

- clear: the same answer with the names in clear (the baseline: a byte scan finds nothing);
- sealed, cold: the staff key cache (and its revealed values) emptied before each reveal
  (2,000 keys read in 4 queries and unwrapped, 2,000 values unsealed: the cost before the
  cache);
- sealed, warm: the staff keys (and the values revealed with them) already in this
  process's cache (`STAFF_KEY_SECONDS`).

Each figure is the median CPU time of the reveal (this process's), with the wall time beside
it: on a shared, loaded machine the wall clock mostly measures the neighbours.

The names are sealed as the event store's mapper seals a `Staff.Hired` (the key made and
marked as a staff member's by `CustomerKeys.key_for_write(..., staff=True)`).
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections.abc import Callable
from decimal import Decimal

from ops.bench.harness import Backend, Row

STAFF = 2000
ROUNDS = 15


def _answers(keys: object, count: int) -> tuple[str, str]:
    """(clear, sealed): one leaderboard answer's JSON, names in clear and sealed."""
    from audit import personal

    store = str(uuid.uuid4())
    clear_items, sealed_items = [], []
    for n in range(count):
        sid = uuid.uuid4()
        name = f"销售员 {n:04d}"
        key = keys.key_for_write(sid, staff=True)  # type: ignore[attr-defined]
        line = {
            "rank": n + 1,
            "salesperson_id": str(sid),
            "store_id": store,
            "store_name": "Bench Store",
            "units": str(Decimal(count - n) / 2),
            "gross": "12345.00",
            "revenue": "234567.00",
        }
        clear_items.append({**line, "name": name})
        sealed_items.append({**line, "name": personal.seal(key, sid, "name", name)})

    def page(items: list[dict[str, object]]) -> str:
        return json.dumps(
            {"items": items, "total": count, "limit": count, "offset": 0, "month": "2026-11"},
            ensure_ascii=False,
        )

    return page(clear_items), page(sealed_items)


def run(backend: Backend, *, rounds: int = ROUNDS, staff: int = STAFF) -> list[Row]:
    """Rows: the reveal of a 2,000-row board, clear / sealed cold / sealed warm (medians)."""
    from api.personal import _json_escape
    from workers.reveal import Revealer
    from workers.runtime import Runtime

    runtime = Runtime.build(backend.settings)
    try:
        keys = runtime.customer_keys
        clear, sealed = _answers(keys, staff)

        def reveal(body: str) -> Callable[[], str]:
            return lambda: Revealer(keys, None).text(body, _json_escape)

        def cold() -> str:
            with keys._lock:
                keys._staff_keys.clear()
                keys._staff_values.clear()
            return Revealer(keys, None).text(sealed, _json_escape)

        variants: dict[str, Callable[[], str]] = {
            "clear": reveal(clear),
            "cold": cold,
            "warm": reveal(sealed),
        }
        if json.loads(variants["warm"]()) != json.loads(clear):
            raise RuntimeError("the sealed board did not reveal to the clear one")
        times: dict[str, list[float]] = {name: [] for name in variants}
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        names = list(variants)
        for round_ in range(rounds):
            for name in names[round_ % 3 :] + names[: round_ % 3]:
                if name == "warm":
                    variants["warm"]()  # fill the cache (a cold reveal before emptied it)
                began, cpu_began = time.perf_counter(), time.process_time()
                variants[name]()
                times[name].append(time.perf_counter() - began)
                cpu[name].append(time.process_time() - cpu_began)
    finally:
        runtime.close()
    # CPU time is the figure: on this shared machine the wall clock waits for other work too
    # (the cold reveal's key queries are in the wall time only, the database's side of them).
    median = {name: statistics.median(values) * 1000 for name, values in cpu.items()}
    wall = {name: statistics.median(values) * 1000 for name, values in times.items()}
    size = f"{len(clear.encode()) // 1000} kB clear, {len(sealed.encode()) // 1000} kB sealed"
    rows = []
    for name, what in (
        ("cold", "sealed names, staff key cache cold (keys read and unwrapped)"),
        ("warm", "sealed names, staff keys cached in the process"),
    ):
        rows.append(
            Row(
                "10 staff names",
                f"reveal a {staff:,}-row leaderboard answer, {what}",
                backend.name,
                f"{median[name]:.2f} ms CPU ({wall[name]:.2f} ms wall)",
                f"{median['clear']:.2f} ms CPU ({wall['clear']:.2f} ms wall)",
                "the same answer with names in clear (same run, interleaved)",
                f"{median[name] / median['clear']:.0f}×" if median["clear"] else "—",
                note=f"median of {rounds}; {size}",
            )
        )
    return rows
