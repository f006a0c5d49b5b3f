"""What a client meets at the surface: hostile bodies, the document's statuses and examples,
optional bodies, the ids writes answer, one name per field, one timezone message."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.bodies import MAX_DEPTH
from domain.shared.values import vin
from tests.integration.conftest import Api
from tests.integration.test_api_flow import receive, sell

JSON = {"content-type": "application/json"}


def assert_problem(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status


# --- hostile bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b'{"name": "\xff\xfe", "city": "x"}', b"\xff", b'{"name": "\xc3\x28"}', b"\x80" * 1000],
)
def test_a_body_that_is_not_utf8_is_a_422_problem_and_writes_nothing(api: Api, body: bytes) -> None:
    before = api.runtime.app.position()

    response = api.post("admin", "/stores", content=body, headers=JSON)

    assert_problem(response, 422)
    assert api.runtime.app.position() == before


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 100_000])
@pytest.mark.parametrize("bracket", [(b"[", b"]"), (b'{"a":', b"}")])
def test_a_body_nested_too_deep_is_a_422_problem_and_the_server_stays_responsive(
    api: Api, depth: int, bracket: tuple[bytes, bytes]
) -> None:
    body = bracket[0] * depth + b"1" + bracket[1] * depth

    response = api.post("admin", "/stores", content=body, headers=JSON)
    started = time.monotonic()
    me = api.get("admin", "/auth/me")

    assert_problem(response, 422)
    assert me.status_code == 200 and time.monotonic() - started < 1


def test_a_body_nested_within_the_limit_reaches_the_schema(api: Api) -> None:
    nested: Any = "x"
    for _ in range(MAX_DEPTH - 2):
        nested = [nested]

    response = api.post("admin", "/stores", {"name": "A", "city": "B", "brands": nested})

    assert_problem(response, 422)
    assert response.json()["errors"][0]["loc"][:2] == ["body", "brands"]


@pytest.mark.parametrize("size", [(1 << 20) + 1, 2 << 20, 8 << 20])
def test_a_body_over_the_limit_is_a_413_problem(api: Api, size: int) -> None:
    body = b'{"name": "' + b"a" * size + b'", "city": "x"}'

    response = api.post("admin", "/stores", content=body, headers=JSON)

    assert_problem(response, 413)
    assert api.get("admin", "/auth/me").status_code == 200


def test_a_chunked_body_over_the_limit_is_a_413_problem(api: Api) -> None:
    def chunks() -> Any:
        for _ in range(40):
            yield b"a" * 65536

    response = api.post("admin", "/stores", content=chunks(), headers=JSON)

    assert_problem(response, 413)


@pytest.mark.parametrize("length", [65, 1000, 1_000_000])
def test_an_overlong_username_at_login_is_a_422_problem(api: Api, length: int) -> None:
    response = api.client.post("/auth/token", data={"username": "a" * length, "password": "x"})

    assert_problem(response, 422)


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "a", "city": "b", "x": ' + b"9" * 5000 + b"}",
        b'{"name": "a", "city": "b", "brands": [' + b"1e999999999" + b"]}",
    ],
)
def test_a_body_the_parser_cannot_read_is_a_422_problem(api: Api, body: bytes) -> None:
    response = api.post("admin", "/stores", content=body, headers=JSON)

    assert_problem(response, 422)


def test_a_form_of_too_many_fields_is_a_422_problem(api: Api) -> None:
    form = b"username=a&password=b&" + b"&".join(b"k%d=v" % i for i in range(1500))

    response = api.client.post(
        "/auth/token",
        content=form,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert_problem(response, 422)


# --- the document ---------------------------------------------------------------------------


def operations(api: Api) -> list[tuple[str, str, dict[str, Any]]]:
    paths = api.client.get("/openapi.json").json()["paths"]
    return [(m, p, op) for p, ops in paths.items() for m, op in ops.items()]


def test_every_operation_documents_the_error_statuses_it_can_answer(api: Api) -> None:
    missing = []
    for method, path, op in operations(api):
        params = op.get("parameters", [])
        expected = set()
        if op.get("security"):
            expected |= {"401", "403"} - ({"403"} if path == "/auth/me" else set())
        if any(p["in"] == "path" or "uuid" in str(p["schema"]) for p in params):
            expected.add("404")
        if method in ("post", "put") and "requestBody" in op:
            expected.add("404")
        if method in ("post", "put"):
            expected |= {"409", "422", "503"}
        if "requestBody" in op:
            expected |= {"413", "422"}
        if any(p["name"] == "position" for p in params):
            expected.add("503")
        if path == "/auth/token":
            expected |= {"401", "429"}
        if lacking := expected - set(op["responses"]):
            missing.append((method, path, sorted(lacking)))

    assert not missing


def test_every_documented_error_is_a_problem_document(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    errors = [
        (method, path, status, answer)
        for method, path, op in operations(api)
        for status, answer in op["responses"].items()
        if int(status) >= 400
    ]

    assert len(errors) > 300
    assert all(
        answer["content"]
        == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for _, _, _, answer in errors
    )
    assert {"type", "title", "status", "detail"} <= set(
        document["components"]["schemas"]["Problem"]["properties"]
    )


def examples_of(node: Any, key: str = "") -> list[tuple[str, Any]]:
    """Every (property name, example) anywhere in the document."""
    found = []
    if isinstance(node, dict):
        for name, value in node.get("properties", {}).items():
            for example in value.get("examples", []) if isinstance(value, dict) else []:
                found.append((name, example))
        for name, value in node.items():
            found += examples_of(value, name)
    elif isinstance(node, list):
        for value in node:
            found += examples_of(value, key)
    return found


def test_every_vin_in_the_document_has_a_valid_check_digit(api: Api) -> None:
    document = api.client.get("/openapi.json").json()

    vins = [example for name, example in examples_of(document) if name == "vin"]

    assert vins
    assert all(vin(example) == example for example in vins)
    receive_vehicle = document["components"]["schemas"]["ReceiveVehicle"]["properties"]["vin"]
    assert "check digit" in receive_vehicle["description"]


def test_the_documented_vehicle_example_is_received(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    [example] = document["components"]["schemas"]["ReceiveVehicle"]["properties"]["vin"]["examples"]
    body = {
        "store_id": str(api.world.store_a),
        "vin": example,
        "make": "BYD",
        "model": "Han",
        "trim": "EV",
        "colour": "white",
        "model_year": 2026,
        "cost": "100000",
        "list_price": "120000",
    }

    assert api.post("manager_a", "/vehicles", body).status_code == 201


def test_every_body_without_a_required_field_may_be_left_out(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    optional = []
    for method, path, op in operations(api):
        body = op.get("requestBody")
        if body is None or "application/json" not in body["content"]:
            continue
        ref = body["content"]["application/json"]["schema"].get("$ref", "")
        if not schemas.get(ref.rsplit("/", 1)[-1], {}).get("required"):
            optional.append((method, path, body.get("required", False)))

    assert len(optional) >= 10
    assert [o for o in optional if o[2]] == []


# --- a lead walked to delivery the way the README and /docs tell it ----------------------------


def test_no_data_state_changes_take_no_body_and_setting_an_appointment_answers_its_id(
    api: Api,
) -> None:
    store = str(api.world.store_a)
    lead = api.ok(
        api.post(
            "sales_a1",
            "/leads",
            {
                "store_id": store,
                "channel": "website",
                "customer_name": "Wu",
                "customer_phone": "13800138123",
            },
        )
    )
    later = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    booked = api.ok(
        api.post("sales_a1", f"/leads/{lead['id']}/appointments", {"scheduled_for": later})
    )
    shown = api.client.post(
        f"/leads/{lead['id']}/appointments/{booked['appointment_id']}/shown",
        headers=api.headers("sales_a1"),
    )
    customer = api.ok(api.get("sales_a1", f"/leads/{lead['id']}"), 200)["customer_id"]
    deal = api.ok(api.post("sales_a1", "/deals", {"store_id": store, "customer_id": customer}))
    vehicle = receive(api, "LGXCE4CB0PA000777")
    api.ok(api.post("sales_a1", f"/deals/{deal['id']}/vehicle", {"vehicle_id": vehicle}))
    api.ok(api.post("sales_a1", f"/deals/{deal['id']}/quote", {"price": "120000"}))
    contract = api.client.post(f"/deals/{deal['id']}/contract", headers=api.headers("sales_a1"))
    delivery = api.client.post(
        f"/deals/{deal['id']}/delivery", content=b"", headers=api.headers("sales_a1")
    )

    assert shown.status_code == 201, shown.text
    assert (contract.status_code, delivery.status_code) == (201, 201), contract.text
    assert api.ok(api.get("sales_a1", f"/deals/{deal['id']}"), 200)["status"] == "delivered"


def test_a_sale_just_made_shows_in_the_reports_without_a_month(api: Api) -> None:
    sold = sell(api, "sales_a1", 0, "LGXCE4CB0PA000001")
    now = datetime.now(UTC)
    # `sell` backdates to 2026-03; move the delivery of another sale to now.
    store = str(api.world.store_a)
    lead = api.ok(
        api.post(
            "sales_a1",
            "/leads",
            {
                "store_id": store,
                "channel": "website",
                "customer_name": "Now",
                "customer_phone": "13800138999",
            },
        )
    )
    customer = api.ok(api.get("sales_a1", f"/leads/{lead['id']}"), 200)["customer_id"]
    deal = api.ok(api.post("sales_a1", "/deals", {"store_id": store, "customer_id": customer}))
    vehicle = receive(api, "LGXCE4CB0PA000888")
    api.ok(api.post("sales_a1", f"/deals/{deal['id']}/vehicle", {"vehicle_id": vehicle}))
    api.ok(api.post("sales_a1", f"/deals/{deal['id']}/quote", {"price": "120000"}))
    api.ok(api.post("sales_a1", f"/deals/{deal['id']}/contract"))
    delivered = api.ok(api.post("sales_a1", f"/deals/{deal['id']}/delivery"))

    board = api.ok(
        api.get("manager_a", "/reports/leaderboard", params={"position": delivered["position"]}),
        200,
    )

    assert sold["position"] < delivered["position"]
    assert board["month"] == now.astimezone().strftime("%Y-%m") or board["month"][:4] == str(
        now.year
    )
    assert [float(row["units"]) for row in board["items"]] == [1.0]


def test_a_list_names_each_field_as_the_detail_does(api: Api) -> None:
    sold = sell(api, "sales_a1", 0, "LGXCE4CB0PA000001")
    at = {"position": sold["position"]}
    renamed = {
        "/deals": {"price", "opened_at"},
        "/leads": {"captured_at"},
        "/vehicles": set(),
        "/customers": {"preferences"},
    }

    for path, fields in renamed.items():
        [item] = api.ok(api.get("admin", path, params=at), 200)["items"]
        detail = api.ok(api.get("admin", f"{path}/{item['id']}"), 200)
        shared = set(item) & set(detail)
        assert {"id", *fields} <= shared, path
        assert not {k for k in item if k.endswith("_id") and k.removesuffix("_id") in path}, path
        assert all(item[k] == detail[k] or k.endswith("_at") or k == "price" for k in fields)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/customers", {"store_id": "{store}", "name": "Li", "phone": "13800138001"}),
        (
            "/leads",
            {
                "store_id": "{store}",
                "channel": "website",
                "customer_name": "Li",
                "customer_phone": "13800138002",
            },
        ),
        ("/stores/{store}/pack", {"condition": "new", "amount": "100"}),
        ("/pay-periods", {"month": "2026-05"}),
    ],
)
def test_a_time_without_a_zone_gets_one_message_on_every_route(
    api: Api, path: str, body: dict[str, Any]
) -> None:
    store = str(api.world.store_a)
    filled = {k: v.replace("{store}", store) if isinstance(v, str) else v for k, v in body.items()}

    response = api.post(
        "admin", path.replace("{store}", store), {**filled, "occurred_at": "2026-01-01T10:00:00"}
    )

    assert_problem(response, 422)
    [error] = response.json()["errors"]
    assert error["msg"] == "occurred_at must carry a timezone offset"
    assert re.fullmatch(r"timezone_aware", error["type"])


def test_a_customers_preferences_read_the_same_in_the_list_and_the_detail(api: Api) -> None:
    store = str(api.world.store_a)
    customer = api.ok(
        api.post(
            "sales_a1", "/customers", {"store_id": store, "name": "Li", "phone": "13800138777"}
        )
    )
    preferred = {"model": "Han", "colour": "Black", "trim": "EV", "budget": "250000"}
    written = api.ok(api.post("sales_a1", f"/customers/{customer['id']}/preferences", preferred))

    [item] = api.ok(
        api.get("sales_a1", "/customers", params={"position": written["position"]}), 200
    )["items"]
    detail = api.ok(api.get("sales_a1", f"/customers/{customer['id']}"), 200)

    assert item["preferences"] == detail["preferences"]
    assert detail["preferences"]["budget"] == "250000.00"
