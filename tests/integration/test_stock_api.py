"""The stock pipeline through HTTP, on SQLite and PostgreSQL: an OEM order from placing to
receipt, a transfer the group approves, the reports' answers to each role (a salesperson never
sees the cost of stock, nor the turnover), and bad input answered as problem+json."""

from __future__ import annotations

from domain.shared.values import with_check_digit
from tests.integration.conftest import Api

WRITTEN: dict[int, int] = {}  # the last write's log position, per test client
VIN = with_check_digit("LGXCE4CB0PA000901")


def fresh(api: Api) -> dict[str, int]:
    """Read-your-writes: the position of the test's last write."""
    return {"position": WRITTEN.get(id(api), 0)}


def order_received(api: Api) -> str:
    store = str(api.world.store_a)
    body = {"store_id": store, "make": "BYD", "model": "Han", "trim": "EV", "colour": "Black"}
    order = api.ok(api.post("manager_a", "/stock/orders", body | {"model_year": 2026}))["id"]
    allocation = {"vin": VIN, "cost": "150000", "list_price": "180000"}
    api.ok(api.post("manager_a", f"/stock/orders/{order}/allocation", allocation))
    shipped = api.post(
        "manager_a", f"/stock/orders/{order}/shipment", {"expected_on": "2027-01-15"}
    )
    WRITTEN[id(api)] = api.ok(shipped)["position"]
    return str(order)


def test_an_order_in_transit_shows_in_the_pipeline_then_enters_stock(api: Api) -> None:
    order = order_received(api)
    pipeline = api.ok(api.get("manager_a", "/stock/pipeline", params=fresh(api)), 200)["items"]

    written = api.ok(api.post("manager_a", f"/stock/orders/{order}/receipt", {"vin": VIN}))
    WRITTEN[id(api)] = written["position"]

    assert [(i["status"], i["expected_on"]) for i in pipeline] == [("in_transit", "2027-01-15")]
    vehicle = api.ok(api.get("manager_a", f"/stock/orders/{order}"), 200)["vehicle_id"]
    assert api.ok(api.get("manager_a", f"/vehicles/{vehicle}"), 200)["vin"] == VIN
    assert written["id"] == order
    assert api.ok(api.get("manager_a", "/stock/pipeline", params=fresh(api)), 200)["items"] == []


def test_a_transfer_waits_for_the_groups_approval_then_arrives_at_cost_plus_freight(
    api: Api,
) -> None:
    order = order_received(api)
    api.ok(api.post("manager_a", f"/stock/orders/{order}/receipt", {"vin": VIN}))
    vehicle = api.ok(api.get("manager_a", f"/stock/orders/{order}"), 200)["vehicle_id"]
    body = {"to_store_id": str(api.world.store_b), "cost": "800"}
    api.ok(api.post("manager_a", f"/stock/transfers/{vehicle}", body))

    refused = api.post("manager_a", f"/stock/transfers/{vehicle}/approval", {})
    api.ok(api.post("exec", f"/stock/transfers/{vehicle}/approval", {}))
    WRITTEN[id(api)] = api.ok(
        api.post("manager_a", f"/stock/transfers/{vehicle}/shipment", {"expected_on": "2027-01-15"})
    )["position"]
    incoming = api.ok(api.get("manager_b", "/stock/pipeline", params=fresh(api)), 200)["items"]
    api.ok(api.post("manager_b", f"/stock/transfers/{vehicle}/receipt", {}))

    assert refused.status_code == 403
    assert [(i["kind"], i["status"], i["cost"]) for i in incoming] == [
        ("transfer", "in_transit", "800.00")
    ]
    moved = api.ok(api.get("manager_b", f"/vehicles/{vehicle}"), 200)
    assert (moved["store_id"], moved["cost"]) == (str(api.world.store_b), "150800.00")


def test_a_salesperson_sees_counts_but_never_the_cost_of_stock(api: Api) -> None:
    order = order_received(api)
    receipt = api.post("manager_a", f"/stock/orders/{order}/receipt", {"vin": VIN})
    WRITTEN[id(api)] = api.ok(receipt)["position"]

    aging = api.ok(api.get("sales_a1", "/stock/aging", params=fresh(api)), 200)["items"]
    seen_order = api.ok(api.get("sales_a1", f"/stock/orders/{order}"), 200)
    turnover = api.get("sales_a1", "/stock/turnover", params={"month": "2026-03"})

    assert aging[0]["total"] == {"vehicles": 1, "cost": None}
    assert seen_order["cost"] is None
    assert turnover.status_code == 403
    assert api.ok(api.get("manager_a", "/stock/aging"), 200)["items"][0]["total"]["cost"] == (
        "150000.00"
    )


def test_the_reports_state_their_window_and_refuse_another(api: Api) -> None:
    report = api.ok(api.get("manager_a", "/stock/days-supply", params={"window": 90}), 200)
    wrong = api.get("manager_a", "/stock/days-supply", params={"window": 45})

    assert report["window_days"] == 90
    assert wrong.status_code == 422
    assert wrong.headers["content-type"].startswith("application/problem+json")


def test_a_store_manager_sees_only_the_own_stores_reports(api: Api) -> None:
    other = api.get("manager_a", "/stock/guidance", params={"store_id": str(api.world.store_b)})

    assert other.status_code == 404
