"""Used cars over HTTP on both backends: a car bought at auction, reconditioned, put on the line
and retailed; another wholesaled; the gross of each reported apart; the aged policy on the list;
who may see cost; refusals as problems (409, 403, 404, 422)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.shared.actor import SYSTEM
from domain.shared.values import with_check_digit
from tests.integration.conftest import Api

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def acquire(api: Api, n: int = 1, cost: str = "80000", user: str = "manager_a") -> str:
    body = {
        "store_id": str(api.world.store_a),
        "source": "auction",
        "seller": "Shanghai car auction",
        "vin": with_check_digit(f"LFV2A21K0P4{n:06d}"),
        "make": "VW",
        "model": "Passat",
        "trim": "330TSI",
        "colour": "White",
        "model_year": 2021,
        "cost": cost,
        "list_price": "99800",
        "received_on": "2026-03-01",
    }
    return str(api.ok(api.post(user, "/used-cars", body))["id"])


def recondition(api: Api, car: str, *costs: str) -> str:
    path = f"/used-cars/{car}/recon-orders"
    order = api.ok(
        api.post("manager_a", path, {"workshop": "Own workshop", "opened_on": "2026-03-02"})
    )
    items = f"{path}/{order['order_id']}"
    for n, cost in enumerate(costs):
        api.ok(
            api.post(
                "manager_a",
                f"{items}/items",
                {"description": f"item {n}", "vendor": "Bosch", "cost": cost},
            )
        )
    api.ok(api.post("manager_a", f"{items}/start", {"started_on": "2026-03-03"}))
    api.ok(api.post("manager_a", f"{items}/finish", {"finished_on": "2026-03-06"}))
    return str(order["order_id"])


def deal_for(api: Api, n: int = 1) -> str:
    runtime, store = api.runtime, api.world.store_a
    customer = runtime.crm.register_customer(
        SYSTEM, store, f"Buyer {n}", f"1390000{n:04d}", occurred_at=T0
    ).id
    return str(
        runtime.sales.open_deal(
            SYSTEM, store, customer, api.world.staff["sales_a1"], occurred_at=T0
        ).id
    )


def head(api: Api) -> int:
    """The log's last position: a read passing it waits for the views (read-your-writes)."""
    return api.runtime.app.position()


def put(api: Api, user: str, path: str, body: Any) -> Any:
    return api.client.put(path, json=body, headers=api.headers(user))


def test_recon_cost_joins_the_cost_and_t2l_counts_from_acquisition(api: Api) -> None:
    car = acquire(api)
    recondition(api, car, "2400", "1350.50")

    api.ok(api.post("manager_a", f"/used-cars/{car}/front-line", {"ready_on": "2026-03-07"}))
    shown = api.ok(api.get("manager_a", f"/used-cars/{car}"), 200)

    assert (shown["cost"], shown["recon_cost"]) == ("83750.50", "3750.50")
    assert (shown["front_line_ready"], shown["t2l_days"]) == (True, 6)
    assert [o["status"] for o in shown["recon_orders"]] == ["finished"]


def test_a_used_car_not_front_line_ready_cannot_be_attached_to_a_deal(api: Api) -> None:
    car = acquire(api)
    deal = deal_for(api)

    response = api.post("sales_a1", f"/deals/{deal}/vehicle", {"vehicle_id": car})

    assert response.status_code == 409, response.text
    assert response.json()["title"] == "Used car not front-line ready"


def test_a_retail_deal_on_a_reconditioned_car_counts_recon_in_its_front_gross(api: Api) -> None:
    car = acquire(api)
    recondition(api, car, "2400", "1350.50")
    api.ok(api.post("manager_a", f"/used-cars/{car}/front-line", {"ready_on": "2026-03-07"}))
    deal = deal_for(api)

    api.ok(api.post("sales_a1", f"/deals/{deal}/vehicle", {"vehicle_id": car}))
    api.ok(api.post("sales_a1", f"/deals/{deal}/quote", {"price": "96000"}))
    api.ok(api.post("sales_a1", f"/deals/{deal}/contract", {}))
    api.ok(
        api.post("manager_a", f"/deals/{deal}/delivery", {"occurred_at": "2026-03-20T03:00:00Z"})
    )
    gross = api.ok(
        api.get(
            "manager_a", "/used-cars/gross", params={"month": "2026-03", "position": head(api)}
        ),
        200,
    )

    # 96,000 − (80,000 + 2,400 + 1,350.50) = 12,249.50
    assert api.ok(api.get("manager_a", f"/deals/{deal}"), 200)["front_gross"] == "12249.50"
    assert gross["retail"] == {"units": 1, "gross": "12249.50", "t2l_days_mean": "6.0"}
    assert gross["wholesale"] == {"units": 0, "gross": "0.00"}


def test_wholesale_gross_is_reported_apart_from_retail(api: Api) -> None:
    car = acquire(api, cost="50000")
    recondition(api, car, "1000")

    api.ok(
        api.post(
            "manager_a",
            f"/used-cars/{car}/wholesale",
            {
                "buyer": "Jiaxing Motors",
                "buyer_kind": "dealer",
                "price": "49000",
                "sold_on": "2026-03-25",
            },
        )
    )
    gross = api.ok(
        api.get(
            "manager_a", "/used-cars/gross", params={"month": "2026-03", "position": head(api)}
        ),
        200,
    )
    listed = api.ok(
        api.get("manager_a", "/vehicles", params={"status": "wholesaled", "position": head(api)}),
        200,
    )

    # 49,000 − (50,000 + 1,000) = −2,000
    assert gross["wholesale"] == {"units": 1, "gross": "-2000.00"}
    assert gross["retail"]["units"] == 0
    assert [v["id"] for v in listed["items"]] == [car]


def test_the_stock_list_shows_the_policy_step_and_the_wholesale_flag(api: Api) -> None:
    car = acquire(api)
    policy = {
        "steps": [{"days": 30, "percent_off": "5"}, {"days": 45, "percent_off": "10"}],
        "wholesale_at_days": 60,
    }
    assert (
        put(api, "manager_a", f"/used-cars/policies/{api.world.store_a}", policy).status_code == 201
    )

    at_50 = api.ok(
        api.get("manager_a", "/used-cars", params={"as_of": "2026-04-20", "position": head(api)}),
        200,
    )
    at_61 = api.ok(
        api.get("manager_a", "/used-cars", params={"as_of": "2026-05-01", "position": head(api)}),
        200,
    )

    (line,) = at_50["items"]
    assert line["id"] == car
    assert (line["age_days"], line["step_days"], line["suggested_price"]) == (50, 45, "89820")
    assert (line["wholesale_due"], line["in_recon"], line["t2l_days"]) == (False, True, 50)
    assert at_61["items"][0]["wholesale_due"] is True


def test_a_salesperson_sees_the_used_stock_without_any_cost(api: Api) -> None:
    car = acquire(api)
    recondition(api, car, "500")

    line = api.ok(api.get("sales_a1", "/used-cars", params={"position": head(api)}), 200)["items"][
        0
    ]
    one = api.ok(api.get("sales_a1", f"/used-cars/{car}"), 200)

    assert (line["cost"], line["recon_cost"], line["acquisition_cost"]) == (None, None, None)
    assert (one["cost"], one["recon_cost"]) == (None, None)
    assert {o["cost"] for o in one["recon_orders"]} == {None}
    assert {i["cost"] for o in one["recon_orders"] for i in o["items"]} == {None}


def test_a_salesperson_may_not_read_used_gross_or_buy_or_recondition(api: Api) -> None:
    car = acquire(api)

    assert (
        api.get(
            "sales_a1", "/used-cars/gross", params={"month": "2026-03", "position": head(api)}
        ).status_code
        == 403
    )
    assert api.post("sales_a1", f"/used-cars/{car}/front-line", {}).status_code == 403
    assert api.post("sales_a1", "/used-cars", {}).status_code in (403, 422)


def test_another_stores_manager_cannot_find_the_car(api: Api) -> None:
    car = acquire(api)

    response = api.post("manager_b", f"/used-cars/{car}/recon-orders", {"workshop": "x"})

    assert response.status_code == 404


def test_front_line_with_an_open_order_is_a_409(api: Api) -> None:
    car = acquire(api)
    api.ok(api.post("manager_a", f"/used-cars/{car}/recon-orders", {"workshop": "Paint"}))

    response = api.post("manager_a", f"/used-cars/{car}/front-line", {})

    assert response.status_code == 409
    assert response.json()["title"] == "Reconditioning not finished"


def test_a_bad_policy_is_a_422_problem(api: Api) -> None:
    bad = {"steps": [{"days": 45, "percent_off": "10"}, {"days": 30, "percent_off": "5"}]}

    response = put(api, "manager_a", f"/used-cars/policies/{api.world.store_a}", bad)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_new_car_is_not_a_used_car(api: Api) -> None:
    vehicle = api.runtime.inventory.receive_vehicle(
        SYSTEM, api.world.store_a, with_check_digit("LGXCE4CB0PA000009"), "BYD", "Han", "EV",
        "white", 2026, "new", Decimal("1"), Decimal("2"), occurred_at=T0,
    ).id  # fmt: skip

    assert api.get("manager_a", f"/used-cars/{vehicle}").status_code == 404
