"""Implausible times, dates, months and texts are 422 problems at the API, on both backends."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.shared.values import with_check_digit
from domain.sla.model import clock_id_for
from tests.integration.conftest import Api

PROBLEM = "application/problem+json"
BAD_MONTHS = ["0000-01", "0001-01", "1999-12", "9999-12", "2999-01", "٢٠٢٦-١١"]
BAD_DAYS = ["0001-01-01", "1999-12-31", "9999-12-31", "2999-01-01"]


def query_routes(api: Api, name: str) -> list[str]:
    """Every GET path of the OpenAPI document that takes the query parameter `name`."""
    paths = api.client.get("/openapi.json").json()["paths"]
    return sorted(
        path
        for path, operations in paths.items()
        if any(
            p["name"] == name and p["in"] == "query"
            for p in operations.get("get", {}).get("parameters", [])
        )
    )


def concrete(api: Api, path: str) -> str:
    # Any id will do: the query is refused before the route looks anything up.
    return re.sub(r"\{[a-z_]+\}", str(api.world.staff["sales_a1"]), path)


def assert_problem(response: Any, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    return body


def test_every_month_query_parameter_refuses_a_month_out_of_range(api: Api) -> None:
    routes = query_routes(api, "month")
    assert "/reports/kpis" in routes and len(routes) >= 8

    for path in routes:
        for month in BAD_MONTHS:
            response = api.get("admin", concrete(api, path), params={"month": month})

            body = assert_problem(response)
            assert any(e["loc"] == ["query", "month"] for e in body["errors"]), (path, body)


def test_a_month_out_of_range_names_the_accepted_range(api: Api) -> None:
    response = api.get("admin", "/reports/kpis", params={"month": "9999-12"})

    message = assert_problem(response)["errors"][0]["msg"]
    assert "2000-01" in message and "9999-12" in message


def test_every_report_date_query_parameter_refuses_a_date_out_of_range(api: Api) -> None:
    routes = query_routes(api, "as_of")
    assert "/reports/inventory/aging" in routes

    for path in routes:
        for day in BAD_DAYS:
            response = api.get("admin", concrete(api, path), params={"as_of": day})

            body = assert_problem(response)
            assert "2000-01-01" in body["errors"][0]["msg"], body


def test_a_month_and_a_date_at_the_edges_of_the_range_are_answered(api: Api) -> None:
    last = (datetime.now(UTC) + timedelta(days=365)).date()

    for month in ("2000-01", f"{last:%Y-%m}"):
        assert api.get("admin", "/reports/kpis", params={"month": month}).status_code == 200
    for day in ("2000-01-01", last.isoformat()):
        response = api.get("admin", "/reports/inventory/aging", params={"as_of": day})
        assert response.status_code == 200, response.text


# --- writes -------------------------------------------------------------------------------------


def a_lead(api: Api) -> str:
    body = {
        "store_id": str(api.world.store_a),
        "channel": "website",
        "customer_name": "Li Wei",
        "customer_phone": "13800138000",
        "salesperson_id": str(api.world.staff["sales_a1"]),
    }
    lead_id = str(api.ok(api.post("manager_a", "/leads", body))["id"])
    # The lead's response clock starts in the background (docs/response-sla.md): let it, so
    # that "nothing written" below is about the refused request alone.
    deadline = time.monotonic() + 30
    while not api.runtime.app.exists(clock_id_for(UUID(lead_id))):
        assert time.monotonic() < deadline, "the lead's response clock did not start"
        time.sleep(0.02)
    return lead_id


IMPLAUSIBLE_TIMES = [
    "9999-12-31T23:59:59+00:00",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00+23:59",
    "1999-12-31T23:59:59+00:00",
    "2099-01-01T00:00:00+08:00",
]


@pytest.mark.parametrize("moment", IMPLAUSIBLE_TIMES)
def test_an_activity_that_happened_at_an_implausible_time_is_refused(api: Api, moment: str) -> None:
    lead_id = a_lead(api)
    before = api.runtime.app.position()

    response = api.post(
        "sales_a1", f"/leads/{lead_id}/activities", {"kind": "call", "occurred_at": moment}
    )

    body = assert_problem(response)
    assert body["field"] == "occurred_at" and body["minimum"].startswith("2000-01-01")
    assert api.runtime.app.position() == before


def test_an_activity_a_few_minutes_ahead_of_the_server_clock_is_taken(api: Api) -> None:
    lead_id = a_lead(api)
    ahead = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()

    response = api.post(
        "sales_a1", f"/leads/{lead_id}/activities", {"kind": "call", "occurred_at": ahead}
    )

    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "scheduled_for",
    ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+01:00", "2099-01-01T10:00:00+08:00"],
)
def test_an_appointment_beyond_the_horizon_is_refused(api: Api, scheduled_for: str) -> None:
    lead_id = a_lead(api)
    before = api.runtime.app.position()

    response = api.post(
        "sales_a1", f"/leads/{lead_id}/appointments", {"scheduled_for": scheduled_for}
    )

    assert assert_problem(response)["field"] == "scheduled_for"
    assert api.runtime.app.position() == before


def vehicle(received_on: str) -> dict[str, Any]:
    return {
        "vin": with_check_digit("LGXCE4CB0PA000001"),
        "make": "BYD",
        "model": "Han",
        "trim": "EV",
        "colour": "white",
        "model_year": 2024,
        "cost": "100000",
        "list_price": "120000",
        "received_on": received_on,
    }


@pytest.mark.parametrize("received_on", ["0001-01-01", "1999-12-31", "9999-12-31", "2099-01-01"])
def test_a_vehicle_received_on_an_implausible_day_is_refused(api: Api, received_on: str) -> None:
    body = {"store_id": str(api.world.store_a), **vehicle(received_on)}
    before = api.runtime.app.position()

    response = api.post("manager_a", "/vehicles", body)

    assert assert_problem(response)["field"] == "received_on"
    assert api.runtime.app.position() == before


def test_a_vehicle_received_tomorrow_is_refused_and_today_taken(api: Api) -> None:
    today = date.today()
    tomorrow_everywhere = today + timedelta(days=2)
    store = {"store_id": str(api.world.store_a)}

    refused = api.post("manager_a", "/vehicles", {**store, **vehicle(str(tomorrow_everywhere))})
    taken = api.post("manager_a", "/vehicles", {**store, **vehicle(str(today))})

    assert_problem(refused)
    assert taken.status_code == 201, taken.text


@pytest.mark.parametrize("effective_from", ["0001-01-01", "1999-12-31", "9999-12-31"])
def test_a_pay_plan_version_out_of_range_is_refused(api: Api, effective_from: str) -> None:
    plan = api.ok(api.post("admin", "/pay-plans", {"name": "Standard"}))["id"]
    body = {
        "effective_from": effective_from,
        "components": [{"type": "per_unit", "key": "unit", "new": "300", "used": "200"}],
    }
    before = api.runtime.app.position()

    response = api.post("admin", f"/pay-plans/{plan}/versions", body)

    assert assert_problem(response)["field"] == "effective_from"
    assert api.runtime.app.position() == before


# --- names, phones and text ---------------------------------------------------------------------

BAD_NAMES = [
    "Li\x00Wei",  # NUL: PostgreSQL refuses it in text, SQLite stores it: refused on both
    "Li\x07Wei",
    "Li\x1bWei",
    "Li\x7fWei",
    "Li\x85Wei",
    "Li\u202eieW",  # right-to-left override
    "Li\u2066Wei\u2069",  # isolate
    "\u200b\u200b",  # zero-width only
    "\u3000 \u00a0",  # whitespace only
    "Li\nWei",  # a name is one line
    "\u0301\u0301",  # combining marks alone show nothing
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_customer_name_with_an_unstorable_or_invisible_character_is_refused(
    api: Api, name: str
) -> None:
    body = {"store_id": str(api.world.store_a), "name": name, "phone": "13800138000"}
    before = api.runtime.app.position()

    response = api.post("manager_a", "/customers", body)

    assert_problem(response)
    assert api.runtime.app.position() == before


@pytest.mark.parametrize("name", ["王伟", "Zoë Ó Súilleabháin", "Li Wei 🚗", "👨‍👩‍👧"])
def test_names_in_any_script_and_with_emoji_are_taken(api: Api, name: str) -> None:
    body = {"store_id": str(api.world.store_a), "name": name, "phone": "13800138000"}

    created = api.ok(api.post("manager_a", "/customers", body))

    customer = api.ok(api.get("manager_a", f"/customers/{created['id']}"), 200)
    assert customer["name"] == name


@pytest.mark.parametrize(
    "phone",
    [
        "13" + "٠١٢٣٤٥٦٧٨",  # Arabic-Indic digits
        "13" + "۰۱۲۳۴۵۶۷۸",  # Extended Arabic-Indic
        "13" + "०१२३४५६७८",  # Devanagari
        "+86 13\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",
    ],
)
def test_a_phone_in_digits_other_than_ascii_is_refused(api: Api, phone: str) -> None:
    body = {"store_id": str(api.world.store_a), "name": "Li Wei", "phone": phone}

    assert_problem(api.post("manager_a", "/customers", body))


def test_a_phone_in_full_width_digits_is_folded_to_ascii(api: Api) -> None:
    full_width = "１３８ ００１３ ８０００"
    body = {"store_id": str(api.world.store_a), "name": "Li Wei", "phone": full_width}

    created = api.ok(api.post("manager_a", "/customers", body))

    customer = api.ok(api.get("manager_a", f"/customers/{created['id']}"), 200)
    assert customer["phone"] == "+8613800138000"


def test_a_note_may_hold_line_breaks_but_not_control_characters(api: Api) -> None:
    lead_id = a_lead(api)
    path = f"/leads/{lead_id}/activities"

    kept = api.post("sales_a1", path, {"kind": "call", "note": "called twice\nno answer"})
    refused = api.post("sales_a1", path, {"kind": "call", "note": "called\x00twice"})
    one_line = api.post("sales_a1", path, {"kind": "call", "outcome": "reached\nlater"})

    assert kept.status_code == 201, kept.text
    assert_problem(refused)
    assert_problem(one_line)


def test_a_lead_captured_with_a_nul_in_its_note_is_refused_and_the_views_keep_going(
    api: Api,
) -> None:
    body = {
        "store_id": str(api.world.store_a),
        "channel": "website",
        "customer_name": "Li Wei",
        "customer_phone": "13800138001",
        "note": "\x00",
    }

    assert_problem(api.post("manager_a", "/leads", body))
    a_lead(api)
    api.runtime.runner.run_until_caught_up()

    assert api.runtime.runner.errors == 0
