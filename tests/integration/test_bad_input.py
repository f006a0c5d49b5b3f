"""Bad input is a 422 problem document and changes nothing; nothing answers 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import Api

BAD_BODIES: list[tuple[str, Any]] = [
    ("/stores", {"name": "", "city": "X"}),
    ("/stores", {"name": "A", "city": "B", "timezone": "Mars/Olympus"}),
    ("/customers", {"store_id": "not-a-uuid", "name": "A", "phone": "13800138000"}),
    ("/customers", {"store_id": "{store_a}", "name": "A", "phone": "12345"}),
    ("/customers", {"store_id": "{store_a}", "name": "A", "phone": "13800138000", "x": 1}),
    (
        "/vehicles",
        {
            "store_id": "{store_a}",
            "vin": "LGXCE4CB0PA000001",
            "make": "BYD",
            "model": "Han",
            "trim": "EV",
            "colour": "red",
            "model_year": 2026,
            "cost": "1",
            "list_price": "2",
        },
    ),
    (
        "/vehicles",
        {
            "store_id": "{store_a}",
            "vin": "IOQ45678901234567",
            "make": "BYD",
            "model": "Han",
            "trim": "EV",
            "colour": "red",
            "model_year": 2026,
            "cost": "1",
            "list_price": "2",
        },
    ),
    (
        "/vehicles",
        {
            "store_id": "{store_a}",
            "vin": "LGXCE4CB0PA000001",
            "make": "BYD",
            "model": "Han",
            "trim": "EV",
            "colour": "red",
            "model_year": 2026,
            "cost": "-1",
            "list_price": "2",
        },
    ),
    (
        "/leads",
        {
            "store_id": "{store_a}",
            "channel": "carrier-pigeon",
            "customer_name": "A",
            "customer_phone": "13800138000",
        },
    ),
    ("/leads", {"store_id": "{store_a}", "channel": "website"}),
    (
        "/leads",
        {
            "store_id": "{store_a}",
            "channel": "website",
            "customer_name": "A",
            "customer_phone": "13800138000",
            "occurred_at": "2026-01-01T10:00:00",
        },
    ),
    ("/deals", {"store_id": "{store_a}"}),
]


@pytest.mark.parametrize(("path", "body"), BAD_BODIES)
def test_bad_input_is_a_422_problem_and_writes_nothing(api: Api, path: str, body: Any) -> None:
    filled = json.loads(json.dumps(body).replace("{store_a}", str(api.world.store_a)))
    before = api.runtime.app.position()

    response = api.post("admin", path, filled)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 422
    assert api.runtime.app.position() == before


def test_a_body_that_is_not_json_is_a_422(api: Api) -> None:
    response = api.client.post(
        "/customers",
        content=b"{not json",
        headers={**api.headers("admin"), "content-type": "application/json"},
    )

    assert response.status_code == 422


def test_an_unknown_id_is_a_404_problem(api: Api) -> None:
    response = api.get("admin", "/deals/00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404
    assert response.json()["title"] == "Not found"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_malformed_request_to_any_post_route_is_answered_with_a_500(
    api: Api, data: st.DataObject
) -> None:
    routes = sorted(p for m, p in api.routes() if m == "POST" and p != "/auth/token")
    path = data.draw(st.sampled_from(routes))
    url = path.replace("{", "").replace("}", "")
    for name in ("deal_id", "lead_id", "customer_id", "vehicle_id", "staff_id", "appointment_id"):
        url = url.replace(name, data.draw(st.sampled_from([str(api.world.store_a), "zz", "0"])))
    body = data.draw(st.dictionaries(st.text(max_size=12), json_values, max_size=5) | json_values)

    response = api.post("admin", url, body)

    assert response.status_code < 500, (path, body, response.text)
