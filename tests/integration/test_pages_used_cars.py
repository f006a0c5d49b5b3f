"""The used-car pages: a manager buys a car, opens a work order, adds work, starts and finishes
it and puts the car on the front line, all by forms (bad input inline, nothing written); the
used stock shows the car's age, cost with recon, T2L and the policy's step; a salesperson sees
the stock without cost and may not change anything; the policy form in Chinese."""

from __future__ import annotations

import re

from domain.shared.actor import SYSTEM
from domain.shared.values import with_check_digit
from tests.integration.conftest import Api
from tests.integration.test_pages_floor import signed_in

VIN = with_check_digit("LFV2A21K0P4000321")


def test_a_manager_takes_a_used_car_from_purchase_to_the_front_line_by_forms(api: Api) -> None:
    manager = signed_in(api, "manager_a")
    form = {
        "source": "auction",
        "seller": "Shanghai car auction",
        "vin": VIN,
        "make": "VW",
        "model": "Passat",
        "model_year": "2021",
        "cost": "80000",
        "list_price": "99800",
    }
    before = api.runtime.app.position()
    bad = manager.post("/app/used-cars/new", form | {"cost": "lots"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert api.runtime.app.position() == before

    bought = manager.post("/app/used-cars/new", form)
    assert bought.status_code == 303
    car_path = bought.headers["location"].split("?")[0]
    car = manager.get(bought.headers["location"])
    assert "Not front-line ready" in car.text

    opened = manager.post(f"{car_path}/orders", {"workshop": "Own workshop"})
    page = manager.get(opened.headers["location"])
    order = re.search(r"/orders/([0-9a-f-]{36})/items", page.text)
    assert order is not None
    orders = f"{car_path}/orders/{order.group(1)}"
    no_cost = manager.post(f"{orders}/items", {"description": "Tyres", "cost": ""})
    assert no_cost.status_code == 422
    assert (
        manager.post(f"{orders}/items", {"description": "Tyres", "cost": "2400"}).status_code == 303
    )
    early = manager.post(f"{car_path}/front-line", {})
    assert early.status_code == 422 and "unfinished" in early.text
    assert manager.post(f"{orders}/start", {}).status_code == 303
    assert manager.post(f"{orders}/finish", {}).status_code == 303
    ready = manager.post(f"{car_path}/front-line", {})
    assert ready.status_code == 303
    shown = manager.get(ready.headers["location"])
    assert "Front-line ready since" in shown.text and "¥82,400.00" in shown.text

    stock = manager.get(f"/app/used-cars?position={api.runtime.app.position()}")
    assert stock.status_code == 200 and "¥82,400.00" in stock.text and "Passat" in stock.text


def test_a_salesperson_sees_used_stock_without_cost_and_cannot_change_it(api: Api) -> None:
    car = api.runtime.used_cars.acquire(
        SYSTEM, api.world.store_a, "private", "Mr Wang", VIN, "VW", "Passat", "", "", 2021,
        "80000", "99800",
    ).id  # fmt: skip
    seller = signed_in(api, "sales_a1")

    stock = seller.get(f"/app/used-cars?position={api.runtime.app.position()}")
    one = seller.get(f"/app/used-cars/{car}")
    refused = seller.post(f"/app/used-cars/{car}/front-line", {})

    assert stock.status_code == 200 and "Passat" in stock.text and "¥80,000.00" not in stock.text
    assert one.status_code == 200 and "¥80,000.00" not in one.text
    assert refused.status_code == 403


def test_the_policy_form_saves_steps_and_refuses_falling_ones_inline(api: Api) -> None:
    manager = signed_in(api, "manager_a", language="zh_CN")

    bad = manager.post("/app/used-cars/policy", {"steps": "45:10, 30:5"})
    good = manager.post(
        "/app/used-cars/policy", {"steps": "30：5，45:10", "wholesale_at_days": "75"}
    )
    shown = manager.get(good.headers["location"])

    assert bad.status_code == 422 and "二手车库龄政策" in bad.text
    assert good.status_code == 303
    assert 'value="30:5.00, 45:10.00"' in shown.text and 'value="75"' in shown.text
