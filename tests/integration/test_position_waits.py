"""Read-your-writes waits: refused when unreachable, never holding a worker thread, and not
held up by a view that stopped at an event it failed on."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from projections.registry import all_projections
from projections.runner import ProjectionRunner, ViewFailure, _record_failure
from tests.integration.conftest import Api

KPI = "salesperson_kpi"


def _capture(api: Api) -> int:
    body = {
        "store_id": str(api.world.store_a),
        "channel": "walk_in",
        "customer_name": "Wang Fang",
        "customer_phone": "13900001111",
    }
    return int(api.ok(api.post("manager_a", "/leads", json=body))["position"])


def _stop_the_views(api: Api) -> None:
    api.runtime.runner.stop()


def _mark_failed(api: Api, name: str, position: int) -> None:
    failure = ViewFailure(
        name, position, "topic", "OverflowError: test", datetime.now(UTC).isoformat()
    )
    with api.runtime.db.transaction() as tx:
        _record_failure(tx, failure)


def test_a_position_beyond_the_logs_head_is_refused_at_once(api: Api) -> None:
    head = _capture(api)
    started = time.monotonic()

    response = api.get("manager_a", "/leads", params={"position": head + 1000})

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "beyond the log's head" in response.json()["detail"]
    assert time.monotonic() - started < api.runtime.settings.read_wait_seconds


def test_eighty_waiting_reads_do_not_stall_other_requests(api: Api) -> None:
    _stop_the_views(api)
    position = _capture(api)  # the views never reach it: every read below waits its bound
    api.headers("exec")
    answers: list[int] = []

    def waiting_read() -> None:
        answers.append(
            api.get("exec", "/reports/leaderboard", params={"position": position}).status_code
        )

    readers = [threading.Thread(target=waiting_read) for _ in range(80)]
    for reader in readers:
        reader.start()
    time.sleep(0.5)  # the reads are waiting now
    started = time.monotonic()
    me = api.get("exec", "/auth/me")
    took = time.monotonic() - started
    for reader in readers:
        reader.join()

    assert me.status_code == 200
    # Each waiting read holds its wait (5 s); /auth/me must not queue behind them.
    assert took < api.runtime.settings.read_wait_seconds / 2
    assert answers == [503] * 80


def test_a_stopped_view_does_not_hold_up_reads_and_is_named_as_stale(api: Api) -> None:
    _stop_the_views(api)
    position = _capture(api)
    others = [p for p in all_projections() if p.name != KPI]
    runner = ProjectionRunner(
        api.runtime.app, api.runtime.db, others, lock_dir=api.runtime.settings.data_dir
    )
    runner.run_until_caught_up()
    runner.stop()
    _mark_failed(api, KPI, position)

    response = api.get("manager_a", "/leads", params={"position": position})

    assert response.status_code == 200
    assert response.headers["Showroom-Stale-Views"] == KPI


def test_health_says_degraded_and_names_a_stopped_view_and_its_position(api: Api) -> None:
    assert api.client.get("/health").json() == {"status": "ok"}
    _mark_failed(api, KPI, 42)

    health = api.client.get("/health")

    assert health.status_code == 200
    assert health.json() == {"status": "degraded", "views": [{"name": KPI, "position": 42}]}
