"""The stock pages, on SQLite and PostgreSQL: the reports (days' supply with its stated window
and chart, guidance with its inputs, aging as of a day, turnover) for a manager, in Chinese and
English; no page for a salesperson; the pipeline where the group approves or refuses a
transfer (a refusal needs its reason, shown beside the form) and a store manager may not."""

from __future__ import annotations

from tests.integration.conftest import Api
from tests.integration.test_pages_lead_losses import fresh, signed_in
from tests.integration.test_stock_api import VIN, order_received


def received_vehicle(api: Api) -> str:
    order = order_received(api)
    api.ok(api.post("manager_a", f"/stock/orders/{order}/receipt", {"vin": VIN}))
    return str(api.ok(api.get("manager_a", f"/stock/orders/{order}"), 200)["vehicle_id"])


def test_a_manager_reads_the_stock_reports_with_their_window_stated(api: Api) -> None:
    received_vehicle(api)
    manager = signed_in(api, "manager_a")

    page = manager.get(fresh(api, "/app/stock?window=90"))

    assert page.status_code == 200
    assert "over the 90 days from" in page.text
    assert "Purchase guidance" in page.text and "Inventory turnover" in page.text
    assert "¥150,000.00" in page.text  # the aging's cost, for a manager


def test_the_stock_reports_speak_chinese(api: Api) -> None:
    received_vehicle(api)
    manager = signed_in(api, "manager_a", language="zh-CN")

    page = manager.get(fresh(api, "/app/stock"))

    assert "库存天数" in page.text and "采购建议" in page.text


def test_a_salesperson_has_no_stock_report_page(api: Api) -> None:
    seller = signed_in(api, "sales_a1")

    assert seller.get("/app/stock").status_code == 403


def test_the_group_approves_a_transfer_from_the_pipeline_and_a_refusal_needs_a_reason(
    api: Api,
) -> None:
    vehicle = received_vehicle(api)
    body = {"to_store_id": str(api.world.store_b), "cost": "800"}
    api.ok(api.post("manager_a", f"/stock/transfers/{vehicle}", body))
    executive = signed_in(api, "exec")
    manager = signed_in(api, "manager_a")

    listed = executive.get(fresh(api, "/app/stock/pipeline"))
    no_reason = executive.post(f"/app/stock/transfers/{vehicle}/refuse", {"reason": ""})
    manager.get(fresh(api, "/app/stock/pipeline"))
    by_manager = manager.post(f"/app/stock/transfers/{vehicle}/approve", {})
    executive.get(fresh(api, "/app/stock/pipeline"))
    approved = executive.post(f"/app/stock/transfers/{vehicle}/approve", {})

    assert f'action="/app/stock/transfers/{vehicle}/approve"' in listed.text
    assert no_reason.status_code == 422 and "required" in no_reason.text
    assert by_manager.status_code == 403
    assert approved.status_code == 303
    after = executive.get(fresh(api, "/app/stock/pipeline"))
    assert "Transfer approved" in after.text
