"""GET /history: auditors replay any record and verify the log, over HTTP, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from domain.organisation.model import User
from domain.shared.actor import SYSTEM
from domain.shared.values import with_check_digit
from tests.integration.conftest import Api

MORNING = datetime(2024, 3, 4, 2, 0, tzinfo=UTC)


def renamed_store(api: Api) -> UUID:
    store = api.world.store_a
    api.runtime.organisation.update_store(
        SYSTEM, store, "Pudong BYD & Denza", "Shanghai", ["BYD", "Denza"], "Asia/Shanghai"
    )
    return store


def contracted_deal(api: Api) -> UUID:
    runtime, store = api.runtime, api.world.store_a
    seller = api.world.staff["sales_a1"]
    lead = runtime.leads.capture_lead(
        SYSTEM,
        store,
        "website",
        customer_name="Qian Hui",
        customer_phone="13900139000",
        salesperson_id=seller,
        occurred_at=MORNING,
    ).id
    customer = runtime.leads.get_lead(SYSTEM, lead).customer_id
    vehicle = runtime.inventory.receive_vehicle(
        SYSTEM,
        store,
        with_check_digit("LGXCE4CB0RA000123"),
        "BYD",
        "Han EV",
        "610km",
        "white",
        2024,
        "new",
        "180000",
        "209800",
        occurred_at=MORNING,
    ).id
    deal = runtime.sales.open_deal(SYSTEM, store, customer, lead_id=lead, occurred_at=MORNING).id
    runtime.sales.attach_vehicle(SYSTEM, deal, vehicle, occurred_at=MORNING)
    runtime.sales.quote_deal(SYSTEM, deal, "209800", "9800", occurred_at=MORNING)
    runtime.sales.sign_contract(SYSTEM, deal, occurred_at=MORNING)
    return deal


def test_an_auditor_reads_every_event_and_the_current_state(api: Api) -> None:
    store = renamed_store(api)

    body = api.ok(api.get("auditor", f"/history/{store}"), 200)

    assert body["aggregate_id"] == str(store)
    assert body["type"] == "Store"
    assert body["version"] == 2
    assert [e["type"] for e in body["events"]] == ["Store.Opened", "Store.Updated"]
    assert body["events"][1]["data"]["brands"] == ["BYD", "Denza"]
    assert body["events"][1]["actor"] == SYSTEM.user_id
    assert body["state"]["name"] == "Pudong BYD & Denza"


def test_a_version_shows_the_state_then_and_the_events_up_to_it(api: Api) -> None:
    store = renamed_store(api)

    body = api.ok(api.get("auditor", f"/history/{store}", params={"version": 1}), 200)

    assert body["version"] == 1
    assert [e["version"] for e in body["events"]] == [1]
    assert body["state"]["name"] == "Pudong BYD"


def test_a_deal_history_shows_money_as_exact_strings(api: Api) -> None:
    deal = contracted_deal(api)

    body = api.ok(api.get("auditor", f"/history/{deal}"), 200)

    signed = next(e for e in body["events"] if e["type"] == "Deal.ContractSigned")
    assert signed["data"] == {"selling_price": "200000.00", "front_gross": "20000.00"}
    assert body["state"]["status"] == "contracted"


def test_password_hashes_never_leave_the_log(api: Api) -> None:
    user = User.id_for("sales_a1")

    body = api.ok(api.get("admin", f"/history/{user}"), 200)

    assert body["events"][0]["data"]["password_hash"] == "***"
    assert body["state"]["password_hash"] == "***"
    assert "scrypt" not in str(body)


@pytest.mark.parametrize("user", ["sales_a1", "manager_a", "finance", "exec"])
def test_only_auditors_and_admins_read_history(api: Api, user: str) -> None:
    store = api.world.store_a

    responses = [api.get(user, f"/history/{store}"), api.get(user, "/history/integrity")]

    assert [r.status_code for r in responses] == [403, 403]


def test_history_needs_a_token(api: Api) -> None:
    responses = [
        api.client.get(f"/history/{api.world.store_a}"),
        api.client.get("/history/integrity"),
    ]

    assert [r.status_code for r in responses] == [401, 401]


def test_an_unknown_record_or_version_is_not_found(api: Api) -> None:
    store = api.world.store_a

    responses = [
        api.get("auditor", f"/history/{uuid4()}"),
        api.get("auditor", f"/history/{store}", params={"version": 9}),
    ]

    assert [r.status_code for r in responses] == [404, 404]
    assert responses[0].headers["content-type"] == "application/problem+json"


def test_integrity_reports_a_clean_log_and_its_head(api: Api) -> None:
    contracted_deal(api)

    body = api.ok(api.get("auditor", "/history/integrity"), 200)

    assert body["ok"] is True
    assert body["problems"] == []
    assert body["last_id"] == api.runtime.app.position()
    assert len(body["head_hash"]) == 64


def test_a_recorded_head_can_be_checked_again_after_the_log_grew(api: Api) -> None:
    recorded = api.ok(api.get("auditor", "/history/integrity"), 200)

    renamed_store(api)
    later = api.ok(
        api.get("auditor", "/history/integrity", params={"upto": recorded["last_id"]}), 200
    )
    now = api.ok(api.get("auditor", "/history/integrity"), 200)

    assert later["head_hash"] == recorded["head_hash"]
    assert now["head_hash"] != recorded["head_hash"]
