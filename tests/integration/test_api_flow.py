"""The sales floor end to end through HTTP: lead → deal → delivery → KPIs and leaderboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.shared.values import with_check_digit
from tests.integration.conftest import Api
from tests.integration.follow_up_waits import calls_planned

MONTH = "2026-03"
T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def receive(api: Api, stem: str, cost: str = "100000", price: str = "120000") -> str:
    vin = with_check_digit(stem)
    body = {
        "store_id": str(api.world.store_a),
        "vin": vin,
        "make": "BYD",
        "model": "Han",
        "trim": "EV",
        "colour": "white",
        "model_year": 2026,
        "condition": "new",
        "cost": cost,
        "list_price": price,
        "received_on": "2026-02-01",
    }
    return str(api.ok(api.post("manager_a", "/vehicles", body))["id"])


def sell(api: Api, seller: str, lead_minutes: int, vin_stem: str) -> dict[str, Any]:
    """Capture a lead, respond, book and show an appointment, and deliver a car."""
    lead = api.ok(
        api.post(
            seller,
            "/leads",
            {
                "store_id": str(api.world.store_a),
                "channel": "website",
                "customer_name": f"Customer {vin_stem}",
                "customer_phone": f"1380013{lead_minutes:04d}",
                "model_interest": "Han",
                "occurred_at": at(lead_minutes),
            },
        )
    )
    lead_id = lead["id"]
    api.ok(
        api.post(
            seller,
            f"/leads/{lead_id}/activities",
            {"kind": "message", "automated": True, "occurred_at": at(lead_minutes + 1)},
        )
    )
    api.ok(
        api.post(
            seller,
            f"/leads/{lead_id}/activities",
            {"kind": "call", "outcome": "reached", "occurred_at": at(lead_minutes + 10)},
        )
    )
    appointment = api.ok(
        api.post(
            seller,
            f"/leads/{lead_id}/appointments",
            {
                "scheduled_for": at(lead_minutes + 60 * 24),
                "purpose": "test_drive",
                "occurred_at": at(lead_minutes + 11),
            },
        )
    )
    appointment_id = api.ok(api.get(seller, f"/leads/{lead_id}"), 200)["appointment_id"]
    assert appointment["id"] == lead_id
    api.ok(
        api.post(
            seller,
            f"/leads/{lead_id}/appointments/{appointment_id}/shown",
            {"occurred_at": at(lead_minutes + 60 * 24)},
        )
    )
    customer_id = api.ok(api.get(seller, f"/leads/{lead_id}"), 200)["customer_id"]
    deal = api.ok(
        api.post(
            seller,
            "/deals",
            {
                "store_id": str(api.world.store_a),
                "customer_id": customer_id,
                "lead_id": lead_id,
                "occurred_at": at(lead_minutes + 60 * 25),
            },
        )
    )
    deal_id = deal["id"]
    vehicle_id = receive(api, vin_stem)
    when = at(lead_minutes + 60 * 25)
    api.ok(
        api.post(
            seller, f"/deals/{deal_id}/vehicle", {"vehicle_id": vehicle_id, "occurred_at": when}
        )
    )
    api.ok(
        api.post(
            seller,
            f"/deals/{deal_id}/quote",
            {"price": "125000", "discount": "5000", "occurred_at": when},
        )
    )
    api.ok(
        api.post(seller, f"/deals/{deal_id}/contract", {"occurred_at": at(lead_minutes + 60 * 26)})
    )
    delivered = api.ok(
        api.post(seller, f"/deals/{deal_id}/delivery", {"occurred_at": at(lead_minutes + 60 * 48)})
    )
    calls_planned(api, deal_id)  # the dispatcher's follow-up job: a settled log after it
    return {"lead_id": lead_id, "deal_id": deal_id, "vehicle_id": vehicle_id, **delivered}


def test_a_delivered_deal_shows_in_kpis_leaderboard_funnel_and_inventory(api: Api) -> None:
    sold = sell(api, "sales_a1", 0, "LGXCE4CB0PA000001")
    position = sold["position"]

    kpis = api.ok(
        api.get("manager_a", "/reports/kpis", params={"month": MONTH, "position": position}), 200
    )
    board = api.ok(
        api.get("sales_a2", "/reports/leaderboard", params={"month": MONTH, "position": position}),
        200,
    )
    funnel = api.ok(
        api.get("manager_a", "/reports/funnel", params={"month": MONTH, "position": position}), 200
    )
    vehicle = api.ok(api.get("manager_a", f"/vehicles/{sold['vehicle_id']}"), 200)

    mine = next(r for r in kpis["items"] if r["salesperson_id"] == str(api.world.staff["sales_a1"]))
    assert Decimal(mine["units_delivered"]) == 1  # a decimal: split deals credit shares
    assert mine["first_responses"] == 1
    assert float(mine["front_gross"]) == 20000.0
    assert board["items"][0]["salesperson_id"] == str(api.world.staff["sales_a1"])
    website = next(r for r in funnel["channels"] if r["channel"] == "website")
    assert website["captured"] == 1 and website["delivered"] == 1
    assert vehicle["status"] == "delivered"


def test_an_unwound_deal_nets_out_of_units_and_returns_the_car_to_stock(api: Api) -> None:
    sold = sell(api, "sales_a1", 0, "LGXCE4CB0PA000002")

    unwound = api.ok(
        api.post(
            "manager_a",
            f"/deals/{sold['deal_id']}/unwind",
            {"reason": "finance rejected", "occurred_at": at(60 * 72)},
        )
    )
    kpis = api.ok(
        api.get(
            "manager_a", "/reports/kpis", params={"month": MONTH, "position": unwound["position"]}
        ),
        200,
    )

    mine = next(r for r in kpis["items"] if r["salesperson_id"] == str(api.world.staff["sales_a1"]))
    assert Decimal(mine["units_delivered"]) == 0
    assert (
        api.ok(api.get("manager_a", f"/vehicles/{sold['vehicle_id']}"), 200)["status"] == "in_stock"
    )


def test_a_salesperson_sees_only_own_kpis(api: Api) -> None:
    sold = sell(api, "sales_a1", 0, "LGXCE4CB0PA000003")

    kpis = api.ok(
        api.get("sales_a2", "/reports/kpis", params={"month": MONTH, "position": sold["position"]}),
        200,
    )

    assert {r["salesperson_id"] for r in kpis["items"]} <= {str(api.world.staff["sales_a2"])}


def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(api: Api) -> None:
    vehicle_id = receive(api, "LGXCE4CB0PA000004")
    before = api.runtime.app.position()

    response = api.post(
        "manager_a", f"/vehicles/{vehicle_id}/price", {"list_price": "99000", "expected_version": 7}
    )

    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert api.runtime.app.position() == before


def test_a_write_answers_id_version_and_position(api: Api) -> None:
    body = api.ok(
        api.post(
            "sales_a1",
            "/customers",
            {"store_id": str(api.world.store_a), "name": "Wang Fang", "phone": "13900139000"},
        )
    )

    assert set(body) == {"id", "version", "position"}
    assert body["version"] == 1 and body["position"] == api.runtime.app.position()


def test_a_second_customer_with_the_same_phone_is_a_conflict_naming_the_first(api: Api) -> None:
    first = api.ok(
        api.post(
            "sales_a1",
            "/customers",
            {"store_id": str(api.world.store_a), "name": "Wang Fang", "phone": "139 0013 9000"},
        )
    )

    second = api.post(
        "sales_a1",
        "/customers",
        {"store_id": str(api.world.store_a), "name": "W. Fang", "phone": "+8613900139000"},
    )

    assert second.status_code == 409
    assert first["id"] in second.text


def test_lists_are_paginated_and_read_your_writes(api: Api) -> None:
    last = None
    for i in range(3):
        last = api.ok(
            api.post(
                "manager_a",
                "/customers",
                {"store_id": str(api.world.store_a), "name": f"C{i}", "phone": f"1370000000{i}"},
            )
        )
    assert last is not None

    page = api.ok(
        api.get(
            "manager_a",
            "/customers",
            params={"limit": 2, "offset": 0, "position": last["position"]},
        ),
        200,
    )

    assert page["total"] == 3 and len(page["items"]) == 2
