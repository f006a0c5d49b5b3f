"""The appraisal and trade-in pages: a store manager appraises a car through the forms (the
checklist's repair estimate, the ACV, the offer), puts it on a salesperson's deal from the deal
page's trade-in panel, and after delivery the appraisal shows the car in used stock at its ACV;
the salesperson's panel shows the allowance, payoff and equity but no ACV; look-to-book counts
it; bad input is shown beside its field; in Chinese the page speaks Chinese."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from domain.shared.clock import now
from domain.shared.values import with_check_digit
from tests.integration.conftest import Api
from tests.integration.test_pages_lead_losses import fresh, signed_in
from tests.integration.test_trade_ins_api import quoted_deal, wait_for_vehicle

TRADE_VIN = with_check_digit("JTNB11HK0J3000777")


def appraise_on_pages(api: Api) -> str:
    manager = signed_in(api, "manager_a")
    manager.get(fresh(api, "/app/appraisals"))
    started = manager.post(
        "/app/appraisals",
        {
            "vin": TRADE_VIN,
            "make": "Toyota",
            "model": "Camry",
            "trim": "2.5G",
            "colour": "White",
            "model_year": "2019",
            "mileage_km": "86000",
            "grade": "good",
        },
    )
    assert started.status_code == 303, started.text
    path = started.headers["location"].split("?")[0]
    page = manager.get(fresh(api, path))
    assert "Inspection checklist" in page.text
    checklist = {
        f"item_{n}": item
        for n, item in enumerate(re.findall(r'name="item_\d+" value="([^"]+)"', page.text))
    }
    rows = {f"result_{n}": "ok" for n in range(len(checklist))}
    rows |= {"result_5": "fail", "note_5": "two tyres worn", "cost_5": "1600"}
    inspected = manager.post(f"{path}/inspection", checklist | rows)
    assert inspected.status_code == 303, inspected.text
    manager.get(fresh(api, path))
    assert manager.post(f"{path}/valuation", {"acv": "50000"}).status_code == 303
    manager.get(fresh(api, path))
    expires = (now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    offered = manager.post(f"{path}/offer", {"amount": "50000", "expires_at": expires})
    assert offered.status_code == 303
    shown = manager.get(fresh(api, path)).text
    assert "¥1,600.00" in shown and "¥50,000.00" in shown
    return path.rsplit("/", 1)[1]


def test_an_appraisal_made_on_the_pages_goes_on_a_deal_and_into_used_stock(api: Api) -> None:
    appraisal = appraise_on_pages(api)
    deal = quoted_deal(api)
    manager = signed_in(api, "manager_a")

    panel = manager.get(fresh(api, f"/app/deals/{deal}/trade-in"), headers={"HX-Request": "true"})
    assert panel.status_code == 200 and appraisal in panel.text
    attached = manager.post(
        f"/app/deals/{deal}/trade-in",
        {"appraisal_id": appraisal, "allowance": "53000", "payoff": "20000"},
    )
    assert attached.status_code == 303
    managers_view = manager.get(fresh(api, f"/app/deals/{deal}/trade-in")).text
    assert "¥50,000.00" in managers_view and "-¥3,000.00" in managers_view

    seller = signed_in(api, "sales_a1")
    sellers_view = seller.get(fresh(api, f"/app/deals/{deal}/trade-in")).text
    assert "¥53,000.00" in sellers_view and "¥33,000.00" in sellers_view
    assert "¥50,000.00" not in sellers_view and "ACV" not in sellers_view
    assert 'hx-get="/app/deals/' in seller.get(fresh(api, f"/app/deals/{deal}")).text
    assert seller.get(fresh(api, f"/app/appraisals/{appraisal}")).status_code == 403

    seller.get(fresh(api, f"/app/deals/{deal}"))
    assert seller.post(f"/app/deals/{deal}/contract", {}).status_code == 303
    seller.get(fresh(api, f"/app/deals/{deal}"))
    assert seller.post(f"/app/deals/{deal}/delivery", {}).status_code == 303
    vehicle = wait_for_vehicle(api, TRADE_VIN)
    assert Decimal(vehicle["cost"]) == Decimal("50000.00")
    after = manager.get(fresh(api, f"/app/appraisals/{appraisal}")).text
    assert "In used stock" in after and "Acquired" in after
    ratio = manager.get(fresh(api, "/app/look-to-book")).text
    assert "100.0%" in ratio or "100%" in ratio


def test_a_bad_appraisal_form_is_answered_beside_its_fields(api: Api) -> None:
    manager = signed_in(api, "manager_a")
    manager.get(fresh(api, "/app/appraisals"))
    bad = manager.post(
        "/app/appraisals",
        {"vin": "NOTAVIN", "make": "", "model": "Camry", "model_year": "19", "mileage_km": "-5",
         "grade": "mint"},
    )  # fmt: skip
    assert bad.status_code == 422
    assert len(re.findall(r'<p class="error" id="f-[a-z_]+-error">', bad.text)) >= 3
    manager.get(fresh(api, "/app/appraisals"))
    wrong_vin = manager.post(
        "/app/appraisals",
        {"vin": "JTNB11HK0J3000777", "make": "Toyota", "model": "Camry", "model_year": "2019",
         "mileage_km": "5", "grade": "good"},
    )  # fmt: skip
    assert wrong_vin.status_code in (303, 422)  # a check digit that happens to fit, or refused
    assert "Traceback" not in wrong_vin.text


def test_the_appraisal_pages_speak_chinese(api: Api) -> None:
    manager = signed_in(api, "manager_a", language="zh-CN")
    listed = manager.get(fresh(api, "/app/appraisals")).text
    report = manager.get(fresh(api, "/app/look-to-book")).text
    assert "新建评估" in listed and "评估成交率" in report


def test_a_salesperson_has_no_appraisal_pages(api: Api) -> None:
    seller = signed_in(api, "sales_a1")
    assert seller.get("/app/appraisals").status_code == 403
    assert seller.get("/app/look-to-book").status_code == 403
    assert "/app/appraisals" not in seller.get("/app/").text
