"""The routing pages: the manager's rules form (bad input refused beside its field, nothing
written; a saved policy turns routing on), a salesperson kept out, a lead nobody on duty can
take shown in the unassigned queue with why and assigned from it, and the fairness report
(a bad month refused), in English and Chinese."""

from __future__ import annotations

import time

from domain.shared.actor import SYSTEM
from tests.integration.conftest import Api
from tests.integration.test_pages_floor import signed_in


def wait_for_queue(api: Api, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(api.runtime.routing.queue(SYSTEM, api.world.store_a)) < count:
        assert time.monotonic() < deadline, "the routing job did not run"
        time.sleep(0.05)


def test_the_routing_pages_set_the_rules_show_the_queue_and_the_fairness_report(
    api: Api,
) -> None:
    manager = signed_in(api, "manager_a")
    seller = signed_in(api, "sales_a1")
    assert seller.get("/app/routing").status_code == 403
    manager = signed_in(api, "manager_a")
    off = manager.get("/app/routing")
    assert off.status_code == 200 and "Routing is off" in off.text

    before = api.runtime.app.position()
    a1 = api.world.staff["sales_a1"]
    bad = manager.post(
        "/app/routing/policy", {"mode": "weighted", "cap": "0", f"weight_{a1}": "11"}
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert api.runtime.app.position() == before

    good = manager.post(
        "/app/routing/policy", {"mode": "weighted", "on_duty_only": "on", f"weight_{a1}": "3"}
    )
    assert good.status_code == 303
    on = manager.get(good.headers["location"])
    assert "Routing is on" in on.text and 'value="3"' in on.text

    # Nobody has shifts: a lead captured without a salesperson waits for the manager.
    lead = api.ok(
        api.post(
            "manager_a",
            "/leads",
            {
                "store_id": str(api.world.store_a),
                "channel": "phone",
                "customer_name": "Queue Customer",
                "customer_phone": "13900001111",
            },
        )
    )["id"]
    wait_for_queue(api, 1)
    queue = manager.get("/app/routing/queue")
    assert queue.status_code == 200 and "Nobody is on duty" in queue.text
    assigned = manager.post(f"/app/routing/queue/{lead}", {"salesperson_id": str(a1)})
    assert assigned.status_code == 303
    assert "No lead is waiting." in manager.get(assigned.headers["location"]).text

    report = manager.get("/app/routing/fairness")
    assert report.status_code == 200 and "Sales A1" in report.text
    assert manager.get("/app/routing/fairness?month=2026-13").status_code == 422
    chinese = signed_in(api, "manager_a", language="zh_CN")
    assert "分配公平性" in chinese.get("/app/routing/fairness").text
