"""Trade-ins end to end through HTTP, on SQLite and PostgreSQL: a used-car manager appraises a
customer's car, the desk puts it on a deal with an over-allowance, the contract's front gross,
the KPI report and the salesperson's pay all take the same reduced figure, the delivery's job
puts the trade into used stock at its ACV, and the look-to-book ratio counts looks and books.

Hand-computed: a new car bought at ¥150,000, sold at ¥160,000 (front gross ¥10,000 alone);
the trade's ACV is ¥50,000 and the customer is allowed ¥53,000 (over-allowance ¥3,000), with
¥20,000 still owed: front gross 160,000 − 150,000 + (50,000 − 53,000) = ¥7,000. The plan pays
¥500 a new unit and 10 % of gross: 500 + 700 = ¥1,200.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.inventory.model import vehicle_id_for
from domain.shared.actor import SYSTEM
from domain.shared.values import with_check_digit
from tests.integration.conftest import Api
from tests.integration.test_pay_periods_api import give_plan, open_period, statement

MAY = datetime(2026, 5, 11, 2, 0, tzinfo=UTC)
TRADE_VIN = with_check_digit("JTNB11HK0J3000123")


def fresh(api: Api) -> dict[str, int]:
    return {"position": api.runtime.app.position()}


def appraise(api: Api, vin: str = TRADE_VIN, acv: str = "50000") -> str:
    """manager_a appraises a Camry: two findings, ACV `acv`, an offer valid a week."""
    body = {
        "store_id": str(api.world.store_a),
        "vin": vin,
        "make": "Toyota",
        "model": "Camry",
        "trim": "2.5G",
        "colour": "white",
        "model_year": 2019,
        "mileage_km": 86000,
        "grade": "good",
        "occurred_at": (MAY - timedelta(days=3)).isoformat(),
    }
    ident = str(api.ok(api.post("manager_a", "/appraisals", body))["id"])
    findings = [
        {"item": "tyres", "result": "fail", "note": "worn", "repair_cost": "1600"},
        {"item": "exterior", "result": "attention", "repair_cost": "800"},
        {"item": "engine", "result": "ok"},
    ]
    when = (MAY - timedelta(days=3)).isoformat()
    inspection = {"findings": findings, "occurred_at": when}
    api.ok(api.post("manager_a", f"/appraisals/{ident}/inspection", inspection))
    api.ok(
        api.post("manager_a", f"/appraisals/{ident}/valuation", {"acv": acv, "occurred_at": when})
    )
    offer = {
        "amount": acv,
        "expires_at": (MAY + timedelta(days=4)).isoformat(),
        "occurred_at": when,
    }
    api.ok(api.post("manager_a", f"/appraisals/{ident}/offer", offer))
    return ident


def quoted_deal(api: Api) -> str:
    runtime, store, seller = api.runtime, api.world.store_a, api.world.staff["sales_a1"]
    vehicle = runtime.inventory.receive_vehicle(
        SYSTEM, store, with_check_digit("LGXCE4CB0PA000901"), "BYD", "Seal", "AWD", "blue",
        2026, "new", Decimal("150000"), Decimal("165000"), occurred_at=MAY - timedelta(days=20),
    ).id  # fmt: skip
    customer = runtime.crm.register_customer(
        SYSTEM, store, "Customer 9", "13900000901", owner_id=seller, occurred_at=MAY
    ).id
    deal = runtime.sales.open_deal(
        SYSTEM, store, customer, salesperson_id=seller, occurred_at=MAY - timedelta(days=3)
    ).id
    runtime.sales.attach_vehicle(SYSTEM, deal, vehicle, occurred_at=MAY - timedelta(days=3))
    runtime.sales.quote_deal(SYSTEM, deal, "160000", occurred_at=MAY - timedelta(days=2))
    return str(deal)


def attach(api: Api, deal: str, appraisal: str) -> Any:
    body = {
        "appraisal_id": appraisal,
        "allowance": "53000",
        "payoff": "20000",
        "occurred_at": (MAY - timedelta(days=2)).isoformat(),
    }
    return api.post("manager_a", f"/deals/{deal}/trade-in", body)


def sign_and_deliver(api: Api, deal: str) -> None:
    day = (MAY - timedelta(days=1)).isoformat()
    api.ok(api.post("sales_a1", f"/deals/{deal}/contract", {"occurred_at": day}))
    api.ok(api.post("sales_a1", f"/deals/{deal}/delivery", {"occurred_at": MAY.isoformat()}))


def wait_for_vehicle(api: Api, vin: str, seconds: float = 15) -> dict[str, Any]:
    """The dispatcher's job runs in the API's own workers: wait until the trade is in stock."""
    deadline = time.monotonic() + seconds
    path = f"/vehicles/{vehicle_id_for(vin)}"
    while True:
        response = api.get("manager_a", path)
        if response.status_code == 200 and response.json()["status"] == "in_stock":
            return dict(response.json())
        assert time.monotonic() < deadline, response.text
        time.sleep(0.1)


def test_an_over_allowance_lowers_front_gross_in_the_deal_the_report_and_the_pay(
    api: Api,
) -> None:
    give_plan(api)
    deal = quoted_deal(api)
    api.ok(attach(api, deal, appraise(api)))
    sign_and_deliver(api, deal)

    seen = api.ok(api.get("manager_a", f"/deals/{deal}"), 200)
    kpis = api.ok(
        api.get("manager_a", "/reports/kpis", params={"month": "2026-05", **fresh(api)}), 200
    )
    period = open_period(api, api.world.store_a, "2026-05")
    pay = statement(api, "manager_a", period, api.world.staff["sales_a1"])

    assert Decimal(seen["front_gross"]) == Decimal("7000.00")
    [mine] = [r for r in kpis["items"] if r["salesperson_id"] == str(api.world.staff["sales_a1"])]
    assert Decimal(mine["front_gross"]) == Decimal("7000.00")
    assert Decimal(pay["total"]) == Decimal("1200.00")


def test_on_delivery_the_trade_enters_used_stock_at_its_acv(api: Api) -> None:
    deal, appraisal = quoted_deal(api), appraise(api)
    api.ok(attach(api, deal, appraisal))
    sign_and_deliver(api, deal)

    vehicle = wait_for_vehicle(api, TRADE_VIN)
    acquired = api.ok(api.get("manager_a", f"/appraisals/{appraisal}"), 200)

    assert (vehicle["condition"], Decimal(vehicle["cost"]), vehicle["store_id"]) == (
        "used",
        Decimal("50000.00"),
        str(api.world.store_a),
    )
    assert (acquired["status"], acquired["vehicle_id"]) == ("acquired", vehicle["id"])
    assert Decimal(acquired["repair_estimate"]) == Decimal("2400.00")


def test_a_salesperson_sees_allowance_payoff_and_equity_of_the_own_trade_but_not_its_acv(
    api: Api,
) -> None:
    deal = quoted_deal(api)
    appraisal = appraise(api)
    api.ok(attach(api, deal, appraisal))

    own = api.ok(api.get("sales_a1", f"/deals/{deal}/trade-in"), 200)
    managers = api.ok(api.get("manager_a", f"/deals/{deal}/trade-in"), 200)
    refused = [
        api.get("sales_a1", f"/appraisals/{appraisal}").status_code,
        api.get("sales_a1", "/appraisals").status_code,
        api.get("sales_a1", "/reports/look-to-book").status_code,
        api.get("sales_a2", f"/deals/{deal}/trade-in").status_code,
    ]

    assert (own["allowance"], own["payoff"], own["equity"]) == ("53000.00", "20000.00", "33000.00")
    assert (own["acv"], own["over_allowance"], own["gross_adjustment"]) == (None, None, None)
    assert (managers["acv"], managers["over_allowance"], managers["gross_adjustment"]) == (
        "50000.00",
        "3000.00",
        "-3000.00",
    )
    assert refused == [403, 403, 403, 404]


def test_a_salesperson_cannot_put_a_trade_in_on_the_own_deal(api: Api) -> None:
    deal, appraisal = quoted_deal(api), appraise(api)
    body = {"appraisal_id": appraisal, "allowance": "53000"}

    response = api.post("sales_a1", f"/deals/{deal}/trade-in", body)

    assert response.status_code == 403


def test_look_to_book_counts_every_appraisal_of_the_month_and_those_acquired(api: Api) -> None:
    deal = quoted_deal(api)
    booked = appraise(api)
    appraise(api, with_check_digit("JTNB11HK0J3000124"))  # offered, still open
    walked = appraise(api, with_check_digit("JTNB11HK0J3000125"))
    api.ok(api.post("manager_a", f"/appraisals/{walked}/decline", {"reason": "kept the car"}))
    api.ok(attach(api, deal, booked))
    sign_and_deliver(api, deal)
    wait_for_vehicle(api, TRADE_VIN)

    report = api.ok(
        api.get(
            "manager_a",
            "/reports/look-to-book",
            params={"month": "2026-05", "by": "appraiser", **fresh(api)},
        ),
        200,
    )
    other_store = api.get(
        "manager_a", "/reports/look-to-book", params={"store_id": str(api.world.store_b)}
    )

    [row] = report["rows"]
    assert row["appraiser_id"] == str(api.world.staff["manager_a"])
    assert (row["looks"], row["books"], row["declined"], row["open"]) == (3, 1, 1, 1)
    assert (row["looks_per_book"], row["book_rate"]) == ("3.00", "0.3333")
    assert other_store.status_code == 404


def test_bad_appraisal_input_is_a_problem_not_a_500(api: Api) -> None:
    body = {
        "store_id": str(api.world.store_a),
        "vin": with_check_digit("JTNB11HK0J3000123")[:8] + "Z" + TRADE_VIN[9:],
        "make": "Toyota",
        "model": "Camry",
        "model_year": 2019,
        "mileage_km": 1000,
        "grade": "good",
    }
    bad_check_digit = api.post("manager_a", "/appraisals", body)
    bad_grade = api.post("manager_a", "/appraisals", body | {"vin": TRADE_VIN, "grade": "mint"})
    ident = appraise(api, with_check_digit("JTNB11HK0J3000126"))
    ok_with_cost = api.post(
        "manager_a",
        f"/appraisals/{ident}/inspection",
        {"findings": [{"item": "engine", "result": "ok", "repair_cost": "10"}]},
    )

    assert bad_check_digit.status_code == 422
    assert bad_check_digit.headers["content-type"].startswith("application/problem+json")
    assert bad_grade.status_code == 422
    assert ok_with_cost.status_code in (409, 422)  # offered already: an illegal step, not a 500


_ = UUID
