"""CSI surveys over HTTP: who records, reads, lists and excludes them; bad input is a 422."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.shared.actor import SYSTEM
from domain.shared.values import with_check_digit
from tests.integration.conftest import Api
from tests.integration.follow_up_waits import calls_planned

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def delivered_deal(api: Api, n: int = 1, seller: str = "sales_a1", deliver: bool = True) -> str:
    """A deal of store A sold by `seller`, arranged through the services (not the subject here)."""
    runtime, store = api.runtime, api.world.store_a
    customer = runtime.crm.register_customer(
        SYSTEM, store, f"Buyer {n}", f"1390000{n:04d}", occurred_at=T0
    ).id
    vehicle = runtime.inventory.receive_vehicle(
        SYSTEM,
        store,
        with_check_digit(f"LGXCE4CB0PA{n:06d}"),
        "BYD",
        "Han",
        "EV",
        "white",
        2026,
        "new",
        Decimal("100000"),
        Decimal("120000"),
        received_on=date(2026, 3, 1),
        occurred_at=T0,
    ).id
    deal = runtime.sales.open_deal(
        SYSTEM, store, customer, api.world.staff[seller], occurred_at=T0
    ).id
    runtime.sales.attach_vehicle(SYSTEM, deal, vehicle, occurred_at=T0)
    runtime.sales.quote_deal(SYSTEM, deal, "120000", occurred_at=T0)
    runtime.sales.sign_contract(SYSTEM, deal, occurred_at=T0)
    if deliver:
        runtime.sales.deliver_deal(SYSTEM, deal, occurred_at=T0)
        calls_planned(api, deal)  # the dispatcher's follow-up job: a settled log after it
    return str(deal)


def survey(deal_id: str, **changes: Any) -> dict[str, Any]:
    body = {
        "deal_id": deal_id,
        "answers": {"greeting": 9, "delivery": 10},
        "overall": 92,
        "answered_on": "2026-03-15",
    }
    return body | changes


def test_a_manager_records_a_survey_the_deals_salesperson_reads(api: Api) -> None:
    deal_id = delivered_deal(api)

    written = api.ok(api.post("manager_a", "/surveys", survey(deal_id)))
    read = api.ok(api.get("sales_a1", f"/deals/{deal_id}/survey"), 200)

    assert read["id"] == written["id"]
    assert read["salesperson_ids"] == [str(api.world.staff["sales_a1"])]
    assert (read["overall"], read["answers"], read["excluded"]) == (
        92,
        {"greeting": 9, "delivery": 10},
        False,
    )


@pytest.mark.parametrize(("user", "status"), [("sales_a2", 404), ("manager_b", 404)])
def test_outsiders_do_not_see_the_survey(api: Api, user: str, status: int) -> None:
    deal_id = delivered_deal(api)
    api.ok(api.post("manager_a", "/surveys", survey(deal_id)))

    assert api.get(user, f"/deals/{deal_id}/survey").status_code == status


@pytest.mark.parametrize(
    ("user", "status"), [("sales_a1", 403), ("finance", 403), ("auditor", 403), ("manager_b", 404)]
)
def test_only_admin_and_the_stores_manager_record_surveys(api: Api, user: str, status: int) -> None:
    deal_id = delivered_deal(api)
    before = api.runtime.app.position()

    response = api.post(user, "/surveys", survey(deal_id))

    assert response.status_code == status, response.text
    assert api.runtime.app.position() == before


def test_an_undelivered_deal_is_not_surveyed_and_a_deal_only_once(api: Api) -> None:
    open_deal = delivered_deal(api, n=1, deliver=False)
    deal_id = delivered_deal(api, n=2)
    api.ok(api.post("admin", "/surveys", survey(deal_id)))

    undelivered = api.post("admin", "/surveys", survey(open_deal))
    second = api.post("manager_a", "/surveys", survey(deal_id, overall=10))

    assert undelivered.status_code == 422
    assert undelivered.json()["title"] == "Deal not delivered"
    assert second.status_code == 409


@pytest.mark.parametrize(
    "changes",
    [
        {"overall": 101},
        {"overall": -1},
        {"overall": "ninety"},
        {"answers": {}},
        {"answers": {"greeting": "x"}},
        {"answers": {"greeting": 150}},
        {"answered_on": "yesterday"},
        {"answered_on": "2026-03-09"},  # before the delivery
        {"mood": "happy"},
    ],
)
def test_a_malformed_survey_is_a_422(api: Api, changes: dict[str, Any]) -> None:
    deal_id = delivered_deal(api)

    response = api.post("manager_a", "/surveys", survey(deal_id, **changes))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_manager_excludes_a_survey_with_a_reason_and_reinstates_it(api: Api) -> None:
    deal_id = delivered_deal(api)
    api.ok(api.post("manager_a", "/surveys", survey(deal_id)))

    api.ok(api.post("manager_a", f"/deals/{deal_id}/survey/exclusion", {"reason": "test call"}))
    excluded = api.ok(api.get("auditor", f"/deals/{deal_id}/survey"), 200)
    again = api.post("manager_a", f"/deals/{deal_id}/survey/exclusion", {"reason": "again"})
    by_seller = api.post("sales_a1", f"/deals/{deal_id}/survey/reinstatement", {})
    no_reason = api.post("admin", f"/deals/{deal_id}/survey/reinstatement", {"reason": "x"})
    api.ok(api.post("admin", f"/deals/{deal_id}/survey/reinstatement", {}))

    assert (excluded["excluded"], excluded["exclusion_reason"]) == (True, "test call")
    assert (again.status_code, by_seller.status_code, no_reason.status_code) == (422, 403, 422)
    assert api.ok(api.get("manager_a", f"/deals/{deal_id}/survey"), 200)["excluded"] is False


def test_an_exclusion_without_a_reason_is_a_422(api: Api) -> None:
    deal_id = delivered_deal(api)
    api.ok(api.post("manager_a", "/surveys", survey(deal_id)))

    response = api.post("manager_a", f"/deals/{deal_id}/survey/exclusion", {"reason": ""})

    assert response.status_code == 422


def test_the_survey_list_is_scoped_to_the_caller(api: Api) -> None:
    deal_id = delivered_deal(api)
    written = api.ok(api.post("manager_a", "/surveys", survey(deal_id)))
    fresh = {"position": written["position"]}

    totals = {
        user: api.ok(api.get(user, "/surveys", params=fresh), 200)["total"]
        for user in ("admin", "auditor", "manager_a", "manager_b", "sales_a1", "sales_a2")
    }
    march = api.ok(api.get("admin", "/surveys", params=fresh | {"month": "2026-03"}), 200)

    assert totals == {
        "admin": 1,
        "auditor": 1,
        "manager_a": 1,
        "manager_b": 0,
        "sales_a1": 1,
        "sales_a2": 0,
    }
    assert march["items"][0]["deal_id"] == deal_id
    assert api.get("admin", "/surveys", params={"month": "March"}).status_code == 422
