"""The read-scope policy through HTTP: a salesperson never learns what a vehicle cost, sees
the gross of their own deals (their pay is computed from it) and never a colleague's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.shared.clock import business_day, now
from domain.shared.values import with_check_digit
from tests.integration.conftest import Api
from tests.integration.test_api_flow import MONTH, at, receive, sell

# Costs no other figure of the world can equal, so finding one in an answer is a leak.
IN_STOCK_COST = "123457.89"
AGED_COST = "98765.43"
ACCESSORY_COST = "2345.67"
SECRETS = (IN_STOCK_COST, AGED_COST, ACCESSORY_COST)


def _receive(api: Api, stem: str, cost: str, days_ago: int) -> dict[str, Any]:
    today = business_day(now(), "Asia/Shanghai")
    body = {
        "store_id": str(api.world.store_a),
        "vin": with_check_digit(stem),
        "make": "BYD",
        "model": "Seal",
        "trim": stem[-3:],  # a stock line of its own: a position of one car
        "colour": "blue",
        "model_year": 2026,
        "condition": "new",
        "cost": cost,
        "list_price": "150000",
        "received_on": (today - timedelta(days=days_ago)).isoformat(),
    }
    written: dict[str, Any] = api.ok(api.post("manager_a", "/vehicles", body))
    return written


def _sell_with_accessories(api: Api) -> dict[str, Any]:
    """sales_a1 sells a car with accessories (added before delivery, as on the floor)."""
    store = str(api.world.store_a)
    lead = api.ok(
        api.post(
            "sales_a1",
            "/leads",
            {
                "store_id": store,
                "channel": "walk_in",
                "customer_name": "Qian Yu",
                "customer_phone": "13900139001",
                "occurred_at": at(0),
            },
        )
    )
    customer = api.ok(api.get("sales_a1", f"/leads/{lead['id']}"), 200)["customer_id"]
    deal = api.ok(
        api.post(
            "sales_a1",
            "/deals",
            {
                "store_id": store,
                "customer_id": customer,
                "lead_id": lead["id"],
                "occurred_at": at(5),
            },
        )
    )["id"]
    vehicle = receive(api, "LGXCE4CB0PA000101")
    steps: list[tuple[str, dict[str, Any]]] = [
        ("vehicle", {"vehicle_id": vehicle}),
        ("quote", {"price": "125000", "discount": "5000"}),
        ("products", {"kind": "accessories", "revenue": "5000", "cost": ACCESSORY_COST}),
        ("contract", {}),
        ("delivery", {}),
    ]
    for minutes, (step, body) in enumerate(steps, start=10):
        written = api.ok(
            api.post("sales_a1", f"/deals/{deal}/{step}", {**body, "occurred_at": at(minutes)})
        )
    return {"lead_id": lead["id"], "deal_id": deal, "vehicle_id": vehicle, **written}


def floor_with_costs(api: Api) -> dict[str, Any]:
    """Store A as a demo shows it: a delivered deal of sales_a1 with accessories, one of
    sales_a2, and two cars in stock alone in their aging buckets."""
    mine = _sell_with_accessories(api)
    theirs = sell(api, "sales_a2", 5, "LGXCE4CB0PA000102")
    fresh = _receive(api, "LGXCE4CB0PA000103", IN_STOCK_COST, 3)
    aged = _receive(api, "LGXCE4CB0PA000104", AGED_COST, 45)
    # Reads wait for the last write (`?position=`): the views include the whole floor.
    return {
        "mine": mine,
        "theirs": theirs,
        "fresh": fresh["id"],
        "aged": aged["id"],
        "at": {"position": aged["position"]},
    }


def _ids(api: Api, world: dict[str, Any]) -> dict[str, str]:
    deal = world["mine"]["deal_id"]
    customer = api.ok(api.get("sales_a1", f"/deals/{deal}"), 200)["customer_id"]
    staff = str(api.world.staff["sales_a1"])
    return {
        "store_id": str(api.world.store_a),
        "staff_id": staff,
        "salesperson_id": staff,
        "customer_id": customer,
        "lead_id": world["mine"]["lead_id"],
        "deal_id": deal,
        "vehicle_id": world["fresh"],
        "aggregate_id": world["fresh"],
        "username": "sales_a1",
    }


def _costs(value: Any, path: str = "") -> list[str]:
    """Where a cost figure shows in an answer: every `cost` that is not null."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "cost" and item is not None:
                found.append(f"{path}.{key}={item}")
            found += _costs(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += _costs(item, f"{path}[{n}]")
    return found


def _get_routes(api: Api) -> list[tuple[str, list[dict[str, Any]]]]:
    paths = api.client.get("/openapi.json").json()["paths"]
    return [(path, ops["get"].get("parameters", [])) for path, ops in paths.items() if "get" in ops]


def test_a_salesperson_sees_no_cost_on_any_get_route(api: Api) -> None:
    world = floor_with_costs(api)
    ids = _ids(api, world)
    read: list[str] = []

    for template, parameters in _get_routes(api):
        path = template.format(**{p: ids.get(p, p) for p in _names(parameters, "path")})
        query = {"month": MONTH} if "month" in _names(parameters, "query") else {}
        query |= world["at"]
        response = api.get("sales_a1", path, params=query)
        if response.status_code != 200 or "json" not in response.headers["content-type"]:
            continue
        read.append(template)

        assert _costs(response.json()) == [], template
        assert not [s for s in SECRETS if s in response.text], template

    # The routes that carry cost for others were read, not skipped by an error.
    for template in (
        "/vehicles",
        "/vehicles/{vehicle_id}",
        "/deals/{deal_id}",
        "/reports/inventory",
        "/reports/inventory/aging",
    ):
        assert template in read


def _names(parameters: list[dict[str, Any]], where: str) -> set[str]:
    return {p["name"] for p in parameters if p["in"] == where}


def test_the_aging_report_shows_a_salesperson_counts_without_cost(api: Api) -> None:
    world = floor_with_costs(api)

    answer = api.ok(api.get("sales_a1", "/reports/inventory/aging", params=world["at"]), 200)

    counts = {b["bucket"]: b["vehicles"] for b in answer["buckets"]}
    assert counts["0-30"] == 1 and counts["31-60"] == 1
    assert all(b["cost"] is None for b in answer["buckets"])
    assert answer["total"]["cost"] is None


def test_the_aging_report_shows_a_manager_the_cost_per_bucket(api: Api) -> None:
    world = floor_with_costs(api)

    answer = api.ok(api.get("manager_a", "/reports/inventory/aging", params=world["at"]), 200)

    costs = {b["bucket"]: b["cost"] for b in answer["buckets"]}
    assert (costs["0-30"], costs["31-60"]) == (IN_STOCK_COST, AGED_COST)


def test_deal_detail_hides_accessory_cost_from_its_salesperson_but_shows_its_gross(
    api: Api,
) -> None:
    world = floor_with_costs(api)
    deal_id = world["mine"]["deal_id"]

    seen = api.ok(api.get("sales_a1", f"/deals/{deal_id}"), 200)
    managed = api.ok(api.get("manager_a", f"/deals/{deal_id}"), 200)

    [product] = seen["products"]
    assert product["cost"] is None
    assert product["income"] == managed["products"][0]["income"]
    assert managed["products"][0]["cost"] == ACCESSORY_COST
    assert seen["front_gross"] == managed["front_gross"] is not None
    assert seen["back_gross"] == managed["back_gross"]


def test_a_salesperson_sees_own_gross_in_lists_and_reports(api: Api) -> None:
    world = floor_with_costs(api)
    params = {"month": MONTH, **world["at"]}

    [deal] = api.ok(api.get("sales_a1", "/deals", params=world["at"]), 200)["items"]
    [kpi] = api.ok(api.get("sales_a1", "/reports/kpis", params=params), 200)["items"]
    board = api.ok(api.get("sales_a1", "/reports/leaderboard", params=params), 200)["items"]

    own = {line["salesperson_id"]: line["gross"] for line in board}
    me = str(api.world.staff["sales_a1"])
    assert deal["front_gross"] is not None
    assert kpi["front_gross"] == own[me] == deal["front_gross"]


def test_a_salesperson_never_sees_a_colleagues_gross_on_the_leaderboard(api: Api) -> None:
    world = floor_with_costs(api)
    params = {"month": MONTH, **world["at"]}

    board = api.ok(api.get("sales_a1", "/reports/leaderboard", params=params), 200)["items"]
    managed = api.ok(api.get("manager_a", "/reports/leaderboard", params=params), 200)["items"]

    colleague = str(api.world.staff["sales_a2"])
    assert [line["gross"] for line in board if line["salesperson_id"] == colleague] == [None]
    assert [line["rank"] for line in board] == [line["rank"] for line in managed]
    assert all(line["gross"] is not None for line in managed)


def test_a_salesperson_sees_the_vehicle_list_without_cost(api: Api) -> None:
    world = floor_with_costs(api)

    items = api.ok(api.get("sales_a1", "/vehicles", params=world["at"]), 200)["items"]
    managed = api.ok(api.get("manager_a", "/vehicles", params=world["at"]), 200)["items"]

    assert {v["id"] for v in items} == {v["id"] for v in managed} >= {world["fresh"]}
    assert all(v["cost"] is None for v in items)
    assert all(v["cost"] is not None for v in managed)


def test_a_salesperson_cannot_reach_another_stores_stock(api: Api) -> None:
    other = str(api.world.store_b)

    listed = api.ok(api.get("sales_a1", "/vehicles", params={"store_id": other}), 200)
    aging = api.get("sales_a1", "/reports/inventory/aging", params={"store_id": other})

    assert listed["items"] == [] and listed["total"] == 0
    assert aging.status_code == 404
