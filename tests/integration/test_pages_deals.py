"""The deal pages and My month over the API's small world: a salesperson opens a deal from
their lead, attaches a car found by search, quotes, signs and delivers; refusals show beside
their forms and write nothing; a double tap writes once; another's deal is not found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest

from domain.sales.model import Deal
from domain.shared.access import SYSTEM_READ
from domain.shared.actor import SYSTEM, Principal, Role
from projections.inventory import queries as inventory
from tests.integration.conftest import PASSWORD, Api
from tests.pages.client import PageClient
from tests.unit.builders import vin

DEAL_LINK = re.compile(r'href="/app/deals/([0-9a-f-]{36})"')


@dataclass
class Floor:
    api: Api
    lead_id: UUID
    vehicle_id: UUID

    def page(self, username: str) -> PageClient:
        client = PageClient(self.api.client)
        client.log_in(username, PASSWORD)
        client.post("/app/language", {"language": "en", "next": "/app/"})
        return client

    def deal(self, deal_id: str) -> Deal:
        return self.api.runtime.sales.get_deal(SYSTEM, UUID(deal_id))

    def events(self, deal_id: str) -> int:
        return self.deal(deal_id).version


@pytest.fixture
def floor(api: Api) -> Floor:
    runtime, world = api.runtime, api.world
    sales_a1 = Principal(
        "sales_a1", Role.SALESPERSON, world.store_a, world.staff["sales_a1"], "sales_a1"
    )
    lead = runtime.leads.capture_lead(
        sales_a1, world.store_a, "walk_in", customer_name="韩梅梅", customer_phone="13800138000"
    )
    car = runtime.inventory.receive_vehicle(
        SYSTEM,
        world.store_a,
        vin(7),
        "BYD",
        "海豹",
        "冠军版",
        "极地白",
        2024,
        "new",
        150000,
        189800,
    )
    runtime.inventory.receive_vehicle(
        SYSTEM, world.store_a, vin(8), "BYD", "海豚", "活力版", "珊瑚粉", 2024, "new", 90000, 99800
    )
    return Floor(api, lead.id, car.id)


def open_deal(floor: Floor, client: PageClient) -> str:
    answer = client.post("/app/deals/new", {"lead_id": str(floor.lead_id)})
    assert answer.status_code == 303, answer.text
    found = re.match(r"/app/deals/([0-9a-f-]{36})", answer.headers["location"])
    assert found
    return found.group(1)


def quoted_deal(floor: Floor, client: PageClient) -> str:
    deal_id = open_deal(floor, client)
    client.get(f"/app/deals/{deal_id}")
    attached = client.post(f"/app/deals/{deal_id}/vehicle", {"vehicle_id": str(floor.vehicle_id)})
    assert attached.status_code == 303, attached.text
    quoted = client.post(f"/app/deals/{deal_id}/quote", {"price": "189800", "discount": "5000"})
    assert quoted.status_code == 303, quoted.text
    return deal_id


def test_a_salesperson_opens_a_deal_from_their_lead_and_lands_on_it(floor: Floor) -> None:
    client = floor.page("sales_a1")

    deal_id = open_deal(floor, client)
    page = client.get(f"/app/deals/{deal_id}")

    assert page.status_code == 200
    assert floor.deal(deal_id).lead_id == floor.lead_id
    assert f'href="/app/leads/{floor.lead_id}"' in page.text


def test_the_stock_search_finds_a_car_by_model_trim_or_colour(floor: Floor) -> None:
    client = floor.page("sales_a1")
    deal_id = open_deal(floor, client)

    by_colour = client.get(f"/app/deals/{deal_id}/vehicles", params={"q": "冠军"})
    by_model_and_trim = client.get(f"/app/deals/{deal_id}/vehicles", params={"q": "海豚 活力"})
    nothing = client.get(f"/app/deals/{deal_id}/vehicles", params={"q": "卡罗拉"})

    assert str(floor.vehicle_id) in by_colour.text and "海豚" not in by_colour.text
    assert "海豚" in by_model_and_trim.text and str(floor.vehicle_id) not in by_model_and_trim.text
    assert 'name="vehicle_id"' not in nothing.text


def test_a_deal_is_quoted_signed_and_delivered_through_its_page(floor: Floor) -> None:
    client = floor.page("sales_a1")
    deal_id = quoted_deal(floor, client)

    client.get(f"/app/deals/{deal_id}")
    signed = client.post(f"/app/deals/{deal_id}/contract")
    client.get(f"/app/deals/{deal_id}")
    delivered = client.post(f"/app/deals/{deal_id}/delivery")

    assert signed.status_code == delivered.status_code == 303
    deal = floor.deal(deal_id)
    assert str(deal.status) == "delivered"
    assert str(deal.selling_price) == "184800.00"


def test_a_discount_above_the_price_is_refused_beside_it_and_nothing_is_written(
    floor: Floor,
) -> None:
    client = floor.page("sales_a1")
    deal_id = open_deal(floor, client)
    client.post(f"/app/deals/{deal_id}/vehicle", {"vehicle_id": str(floor.vehicle_id)})
    before = floor.events(deal_id)

    answer = client.post(f"/app/deals/{deal_id}/quote", {"price": "1000", "discount": "5000"})
    garbage = client.post(f"/app/deals/{deal_id}/quote", {"price": "abc", "discount": "1"})

    assert answer.status_code == garbage.status_code == 422
    assert 'id="f-discount-error"' in answer.text
    assert 'id="f-price-error"' in garbage.text
    assert floor.events(deal_id) == before


def test_a_refusal_of_the_service_shows_on_the_page_in_the_users_language(floor: Floor) -> None:
    client = floor.page("sales_a1")
    deal_id = open_deal(floor, client)
    before = floor.events(deal_id)

    english = client.post(f"/app/deals/{deal_id}/contract")
    client.post("/app/language", {"language": "zh-CN", "next": "/app/"})
    chinese = client.post(f"/app/deals/{deal_id}/contract")

    assert english.status_code == chinese.status_code == 422
    assert "Not possible at this stage (In negotiation)." in english.text
    assert "洽谈中" in chinese.text and "不能" in chinese.text
    assert floor.events(deal_id) == before


def test_signing_twice_with_the_same_form_writes_once(floor: Floor) -> None:
    client = floor.page("sales_a1")
    deal_id = quoted_deal(floor, client)
    client.get(f"/app/deals/{deal_id}")
    before = floor.events(deal_id)

    first = client.post(f"/app/deals/{deal_id}/contract", key="one-tap")
    second = client.post(f"/app/deals/{deal_id}/contract", key="one-tap")

    assert first.status_code == second.status_code == 303
    assert floor.events(deal_id) == before + 1


def test_delivering_twice_with_the_same_form_writes_once(floor: Floor) -> None:
    client = floor.page("sales_a1")
    deal_id = quoted_deal(floor, client)
    client.post(f"/app/deals/{deal_id}/contract")
    before = floor.events(deal_id)

    first = client.post(f"/app/deals/{deal_id}/delivery", key="one-tap")
    second = client.post(f"/app/deals/{deal_id}/delivery", key="one-tap")

    assert first.status_code == second.status_code == 303
    assert floor.events(deal_id) == before + 1


def test_another_salespersons_deal_is_not_found_as_in_the_api(floor: Floor) -> None:
    deal_id = open_deal(floor, floor.page("sales_a1"))
    other = floor.page("sales_a2")

    page = other.get(f"/app/deals/{deal_id}")
    write = other.post(f"/app/deals/{deal_id}/contract")
    api = floor.api.get("sales_a2", f"/deals/{deal_id}")

    assert page.status_code == write.status_code == api.status_code == 404


def test_a_salesperson_cannot_open_a_deal_from_another_salespersons_lead(floor: Floor) -> None:
    other = floor.page("sales_a2")

    answer = other.post("/app/deals/new", {"lead_id": str(floor.lead_id)})

    assert answer.status_code == 404


def test_a_product_is_added_and_a_bad_one_is_refused_beside_its_field(floor: Floor) -> None:
    client = floor.page("sales_a1")
    deal_id = open_deal(floor, client)

    added = client.post(
        f"/app/deals/{deal_id}/products", {"kind": "insurance", "income": "1200.00"}
    )
    before = floor.events(deal_id)
    refused = client.post(f"/app/deals/{deal_id}/products", {"kind": "finance", "income": "x"})

    assert added.status_code == 303
    assert len(floor.deal(deal_id).products) == 1
    assert refused.status_code == 422 and 'id="f-income-error"' in refused.text
    assert floor.events(deal_id) == before


def test_a_deal_is_cancelled_with_a_reason(floor: Floor) -> None:
    client = floor.page("sales_a1")
    deal_id = open_deal(floor, client)

    missing = client.post(f"/app/deals/{deal_id}/cancellation", {"reason": ""})
    cancelled = client.post(f"/app/deals/{deal_id}/cancellation", {"reason": "客户改主意"})

    assert missing.status_code == 422 and 'id="f-reason-error"' in missing.text
    assert cancelled.status_code == 303
    assert str(floor.deal(deal_id).status) == "cancelled"


def test_the_deal_list_shows_a_salesperson_their_own_and_a_manager_the_stores(
    floor: Floor,
) -> None:
    deal_id = open_deal(floor, floor.page("sales_a1"))

    own = floor.page("sales_a1").get("/app/deals")
    other = floor.page("sales_a2").get("/app/deals")
    manager = floor.page("manager_a").get("/app/deals?status=open")
    elsewhere = floor.page("manager_b").get("/app/deals")
    delivered = floor.page("manager_a").get("/app/deals?status=delivered")

    assert deal_id in DEAL_LINK.findall(own.text)
    assert deal_id not in other.text
    assert deal_id in DEAL_LINK.findall(manager.text)
    assert deal_id not in elsewhere.text
    assert deal_id not in delivered.text


def test_my_month_shows_kpis_and_pay_in_english_and_chinese(floor: Floor) -> None:
    client = floor.page("sales_a1")

    english = client.get("/app/my-month?month=2026-12")
    client.post("/app/language", {"language": "zh-CN", "next": "/app/"})
    chinese = client.get("/app/my-month?month=2026-12")

    assert english.status_code == chinese.status_code == 200
    assert "Pay to date" in english.text and "Units delivered" in english.text
    assert "本月至今收入" in chinese.text and "交车台数" in chinese.text
    assert 'href="/app/pay/mine"' in chinese.text


def test_my_month_refuses_a_malformed_month_beside_the_field(floor: Floor) -> None:
    client = floor.page("sales_a1")

    answer = client.get("/app/my-month?month=2026-13")

    assert answer.status_code == 422
    assert 'id="f-month-error"' in answer.text


def test_the_vehicle_query_keeps_cars_matching_every_word_and_takes_wildcards_literally(
    floor: Floor,
) -> None:
    floor.api.runtime.runner.run_until_caught_up()
    db = floor.api.runtime.db

    def found(text: str) -> list[str]:
        answer = inventory.vehicles(db, scope=SYSTEM_READ, as_of=date(2026, 1, 1), search=text)
        return sorted(item["model"] for item in answer["items"])

    assert found("byd") == ["海豚", "海豹"]
    assert found("海豚 珊瑚粉") == ["海豚"]
    assert found("海豚 白") == []
    assert found("%") == found("_") == []


def test_opening_a_deal_twice_from_one_lead_page_writes_one_deal_and_a_new_form_is_refused(
    floor: Floor,
) -> None:
    client = floor.page("sales_a1")

    first = client.post("/app/deals/new", {"lead_id": str(floor.lead_id)}, key="lead-tap")
    again = client.post("/app/deals/new", {"lead_id": str(floor.lead_id)}, key="lead-tap")
    later = client.post("/app/deals/new", {"lead_id": str(floor.lead_id)})

    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert later.status_code == 422
    assert "This lead is no longer open: it was converted or lost." in later.text
