"""The stock pages, on SQLite and PostgreSQL: the reports (days' supply with its stated window
and chart, guidance with its inputs, aging as of a day, turnover) for a manager, in Chinese and
English; no page for a salesperson; the pipeline where the group approves or refuses a
transfer (a refusal needs its reason, shown beside the form) and a store manager may not; the
pipeline's forms that take an OEM order from placing to stock and a transfer from request to
arrival, and their bad input refused beside the field with nothing written."""

from __future__ import annotations

import re
from decimal import Decimal

from domain.shared.values import with_check_digit
from tests.integration.conftest import Api
from tests.integration.test_pages_lead_losses import fresh, signed_in
from tests.integration.test_stock_api import VIN, order_received
from tests.pages.client import PageClient


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


# --- the pipeline's forms ----------------------------------------------------------------------

PAGE_VIN = with_check_digit("LGXCE4CB0PA000902")


def _order_on_the_page(api: Api, page: PageClient) -> str:
    """The id of the one OEM order the pipeline offers to move on."""
    listed = page.get(fresh(api, "/app/stock/pipeline")).text
    found = re.search(r'action="/app/stock/orders/([0-9a-f-]{36})/', listed)
    assert found, listed
    return found.group(1)


def test_a_manager_takes_an_oem_order_from_placing_to_stock_on_the_pipeline_page(api: Api) -> None:
    """A store manager places an order for their store, records the maker's allocation, the
    shipment and the receipt with the pipeline's forms (each one answering 303 back to the
    pipeline); the car is then in the store's stock at the invoice cost."""
    manager = signed_in(api, "manager_a")
    manager.get("/app/stock/pipeline")
    placed = manager.post(
        "/app/stock/orders",
        {
            "store_id": str(api.world.store_a),
            "make": "BYD",
            "model": "Han",
            "trim": "EV",
            "colour": "Red",
            "model_year": "2026",
        },
    )
    order = _order_on_the_page(api, manager)
    allocated = manager.post(
        f"/app/stock/orders/{order}/allocate",
        {"vin": PAGE_VIN, "cost": "150000", "list_price": "180000"},
    )
    manager.get(fresh(api, "/app/stock/pipeline"))
    shipped = manager.post(f"/app/stock/orders/{order}/ship", {"expected_on": "2027-01-15"})
    listed = manager.get(fresh(api, "/app/stock/pipeline"))
    received = manager.post(f"/app/stock/orders/{order}/receive", {"vin": PAGE_VIN.lower()})

    assert [placed.status_code, allocated.status_code, shipped.status_code] == [303, 303, 303]
    assert f'action="/app/stock/orders/{order}/receive"' in listed.text
    assert received.status_code == 303 and "/app/stock/pipeline" in received.headers["location"]
    answer = api.ok(api.get("manager_a", f"/stock/orders/{order}"), 200)
    assert answer["status"] == "received"
    car = api.ok(api.get("manager_a", f"/vehicles/{answer['vehicle_id']}"), 200)
    assert car["status"] == "in_stock" and car["vin"] == PAGE_VIN
    assert car["store_id"] == str(api.world.store_a)
    after = manager.get(fresh(api, "/app/stock/pipeline")).text
    assert f"/app/stock/orders/{order}/" not in after  # no longer on its way


def test_a_transfer_is_requested_approved_shipped_and_received_on_the_pipeline_page(
    api: Api,
) -> None:
    """The sending store's manager requests a transfer of a car in stock at ¥800, the group
    approves it, the sending manager ships it and the receiving store's manager receives it,
    each from the pipeline page; the car then stands in the other store at its cost plus ¥800.
    The forms are offered only to those the service allows (no ship form for the receiver)."""
    vehicle = received_vehicle(api)
    sender = signed_in(api, "manager_a")
    executive = signed_in(api, "exec")
    receiver = signed_in(api, "manager_b")

    offered = sender.get(fresh(api, "/app/stock/pipeline"))
    requested = sender.post(
        "/app/stock/transfers",
        {
            "vehicle_id": vehicle,
            "to_store_id": str(api.world.store_b),
            "cost": "800",
            "reason": "a buyer waits in Tianhe",
        },
    )
    executive.get(fresh(api, "/app/stock/pipeline"))
    approved = executive.post(f"/app/stock/transfers/{vehicle}/approve", {})
    at_receiver = receiver.get(fresh(api, "/app/stock/pipeline"))
    sender.get(fresh(api, "/app/stock/pipeline"))
    shipped = sender.post(f"/app/stock/transfers/{vehicle}/ship", {"expected_on": "2027-01-20"})
    in_transit = receiver.get(fresh(api, "/app/stock/pipeline"))
    received = receiver.post(f"/app/stock/transfers/{vehicle}/receive", {})

    assert f'<option value="{vehicle}"' in offered.text
    assert [requested.status_code, approved.status_code, shipped.status_code] == [303, 303, 303]
    assert f"/app/stock/transfers/{vehicle}/ship" not in at_receiver.text
    assert f'action="/app/stock/transfers/{vehicle}/receive"' in in_transit.text
    assert received.status_code == 303
    api.get("manager_b", "/stock/pipeline", params={"position": api.runtime.app.position()})
    car = api.ok(api.get("manager_b", f"/vehicles/{vehicle}"), 200)
    assert car["store_id"] == str(api.world.store_b) and car["status"] == "in_stock"
    assert Decimal(car["cost"]) == Decimal("150800")


def test_bad_input_on_a_pipeline_form_is_refused_beside_its_field_and_writes_nothing(
    api: Api,
) -> None:
    """A model year in words, an allocation with a VIN of the wrong length and an amount in
    words, a received VIN other than the allocated one, and a transfer without its cost each
    answer 422 with the message beside the field, and leave the order and the car as they
    were (same version, nothing new in the pipeline)."""
    store = str(api.world.store_a)
    body = {"store_id": store, "make": "BYD", "model": "Han", "trim": "EV", "colour": "Blue"}
    order = api.ok(api.post("manager_a", "/stock/orders", body | {"model_year": 2026}))["id"]
    vehicle = received_vehicle(api)
    manager = signed_in(api, "manager_a")
    manager.get(fresh(api, "/app/stock/pipeline"))
    before = api.ok(api.get("manager_a", f"/stock/orders/{order}"), 200)["version"]
    car_before = api.ok(api.get("manager_a", f"/vehicles/{vehicle}"), 200)["version"]
    count_before = len(
        api.ok(
            api.get(
                "manager_a", "/stock/pipeline", params={"position": api.runtime.app.position()}
            ),
            200,
        )["items"]
    )

    no_year = manager.post("/app/stock/orders", body | {"model_year": "twenty"})
    bad_allocation = manager.post(
        f"/app/stock/orders/{order}/allocate",
        {"vin": "LGXCE4CB0PA00090", "cost": "a lot", "list_price": "180000"},
    )
    no_cost = manager.post(
        "/app/stock/transfers", {"vehicle_id": vehicle, "to_store_id": str(api.world.store_b)}
    )

    assert no_year.status_code == 422
    assert 'id="f-model_year-error"' in no_year.text and "whole number" in no_year.text
    assert bad_allocation.status_code == 422
    assert f'id="f-{order}-allocate-cost-error"' in bad_allocation.text
    assert f'id="f-{order}-allocate-vin-error"' in bad_allocation.text
    assert no_cost.status_code == 422 and 'id="f-cost-error"' in no_cost.text
    assert api.ok(api.get("manager_a", f"/stock/orders/{order}"), 200)["version"] == before
    assert api.ok(api.get("manager_a", f"/vehicles/{vehicle}"), 200)["version"] == car_before
    position = {"position": api.runtime.app.position()}
    after = api.ok(api.get("manager_a", "/stock/pipeline", params=position), 200)["items"]
    assert len(after) == count_before


def test_a_received_vin_other_than_the_allocated_one_is_refused_beside_the_vin(api: Api) -> None:
    """The service's refusal (the VIN on the car is not the one the maker allocated) is shown
    beside the VIN field of that order's form; the order stays in transit."""
    order = order_received(api)  # allocated VIN, shipped
    manager = signed_in(api, "manager_a")
    manager.get(fresh(api, "/app/stock/pipeline"))

    wrong = manager.post(f"/app/stock/orders/{order}/receive", {"vin": PAGE_VIN})

    assert wrong.status_code == 422
    assert f'id="f-{order}-receive-vin-error"' in wrong.text
    assert api.ok(api.get("manager_a", f"/stock/orders/{order}"), 200)["status"] == "in_transit"


def test_the_pipeline_forms_answer_403_or_404_to_those_the_service_refuses(api: Api) -> None:
    """A salesperson posting an order and another store's manager recording an allocation for
    store A's order are refused as the API refuses them (an error page, not a form message);
    that manager is offered no form for the order, and the order is left as it was."""
    store = str(api.world.store_a)
    body = {"store_id": store, "make": "BYD", "model": "Han", "trim": "EV", "colour": "Grey"}
    order = api.ok(api.post("manager_a", "/stock/orders", body | {"model_year": 2026}))["id"]
    seller = signed_in(api, "sales_a1")
    other = signed_in(api, "manager_b")

    by_seller = seller.post("/app/stock/orders", body | {"model_year": "2026"})
    by_other = other.post(
        f"/app/stock/orders/{order}/allocate",
        {"vin": PAGE_VIN, "cost": "150000", "list_price": "180000"},
    )
    other_page = other.get(fresh(api, "/app/stock/pipeline"))

    assert by_seller.status_code == 403
    assert by_other.status_code in (403, 404)
    assert f"/app/stock/orders/{order}/" not in other_page.text
    assert api.ok(api.get("manager_a", f"/stock/orders/{order}"), 200)["status"] == "ordered"
