"""The manager's desk pages: split credits, unwinds, targets, evaluations and scorecards.

Each page calls the service the JSON route calls: these tests check what a person sees (inline
errors in their language, status codes as the API's), that bad input writes nothing, and that a
double submit writes once.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from fastapi.testclient import TestClient

from domain.performance.evaluations import evaluation_id_for
from domain.sales.model import Deal
from domain.shared import months
from domain.shared.actor import SYSTEM
from domain.shared.clock import DEFAULT_TIMEZONE, now
from domain.shared.values import with_check_digit
from tests.integration.conftest import PASSWORD, Api
from tests.pages.client import PageClient

LAST_MONTH = months.previous_month(months.of_moment(now(), DEFAULT_TIMEZONE))
GRADES = {"grade_0": "A", "minimum_0": "100", "grade_1": "B", "minimum_1": "0"}


def signed_in(api: Api, username: str, language: str = "en") -> PageClient:
    client = PageClient(TestClient(api.client.app, headers={"Accept-Language": language}))
    client.log_in(username, PASSWORD)
    return client


def open_deal(api: Api, seller: str = "sales_a1") -> UUID:
    runtime, store = api.runtime, api.world.store_a
    customer = runtime.crm.register_customer(SYSTEM, store, "Buyer", "13912340001").id
    return runtime.sales.open_deal(SYSTEM, store, customer, api.world.staff[seller]).id


def delivered_deal(api: Api, seller: str = "sales_a1") -> UUID:
    runtime, store = api.runtime, api.world.store_a
    when = now() - timedelta(days=1)
    vehicle = runtime.inventory.receive_vehicle(
        SYSTEM,
        store,
        with_check_digit("LGXCE4CB0PA000001"),
        "BYD",
        "Han",
        "EV",
        "Black",
        2026,
        "new",
        Decimal("100000"),
        Decimal("120000"),
        received_on=(when - timedelta(days=30)).date(),
        occurred_at=when,
    ).id
    customer = runtime.crm.register_customer(
        SYSTEM, store, "Buyer", "13912340002", occurred_at=when
    ).id
    staff_id = api.world.staff[seller]
    deal = runtime.sales.open_deal(SYSTEM, store, customer, staff_id, occurred_at=when).id
    runtime.sales.attach_vehicle(SYSTEM, deal, vehicle, occurred_at=when)
    runtime.sales.quote_deal(SYSTEM, deal, Decimal("120000"), occurred_at=when)
    runtime.sales.sign_contract(SYSTEM, deal, occurred_at=when)
    runtime.sales.deliver_deal(SYSTEM, deal, occurred_at=when)
    return deal


def deal_version(api: Api, deal_id: UUID) -> int:
    deal: Deal = api.runtime.app.repository.get(deal_id)
    return int(deal.version)


def units_target(manager: PageClient, seller: UUID, value: str = "8") -> None:
    manager.get("/app/targets")
    body = {"subject": f"salesperson:{seller}", "kpi": "units:1", "month": LAST_MONTH}
    answer = manager.post("/app/targets", body | {"value": value})
    assert answer.status_code == 303, answer.text


def group_scorecard(admin: PageClient) -> str:
    created = admin.post("/app/scorecards", {"name": "Sales consultants", "store_id": ""})
    assert created.status_code == 303, created.text
    path = created.headers["location"].split("?")[0]
    admin.get(path)
    version = {
        "effective_from_month": months.previous_month(LAST_MONTH),
        "weight_units_1": "100",
        **GRADES,
    }
    published = admin.post(path + "/versions", version)
    assert published.status_code == 303, published.text
    return path


# --- split credits ---------------------------------------------------------------------------


def test_a_manager_splits_a_deals_credit_between_two_salespeople(api: Api) -> None:
    deal_id = open_deal(api)
    manager = signed_in(api, "manager_a")
    manager.get(f"/app/deals/{deal_id}/credits")

    answer = manager.post(
        f"/app/deals/{deal_id}/credits",
        {
            "salesperson_0": str(api.world.staff["sales_a1"]),
            "share_0": "0.6",
            "salesperson_1": str(api.world.staff["sales_a2"]),
            "share_1": "0.4",
        },
    )

    assert answer.status_code == 303
    page = manager.get(answer.headers["location"])
    assert page.status_code == 200
    assert "60%" in page.text and "40%" in page.text and "Sales A2" in page.text


def test_shares_that_do_not_make_one_deal_are_refused_beside_the_form_and_nothing_is_written(
    api: Api,
) -> None:
    deal_id = open_deal(api)
    before = deal_version(api, deal_id)
    manager = signed_in(api, "manager_a")
    manager.get(f"/app/deals/{deal_id}/credits")

    answer = manager.post(
        f"/app/deals/{deal_id}/credits",
        {
            "salesperson_0": str(api.world.staff["sales_a1"]),
            "share_0": "0.5",
            "salesperson_1": str(api.world.staff["sales_a2"]),
            "share_1": "0.4",
        },
    )

    assert answer.status_code == 422
    assert "The shares must add up to exactly 1: one whole deal." in answer.text
    assert 'value="0.4"' in answer.text  # what was entered stays in the form
    assert deal_version(api, deal_id) == before


def test_a_share_that_is_not_a_number_is_refused_beside_its_field_in_chinese(api: Api) -> None:
    deal_id = open_deal(api)
    manager = signed_in(api, "manager_a", language="zh-CN")
    manager.get(f"/app/deals/{deal_id}/credits")

    answer = manager.post(
        f"/app/deals/{deal_id}/credits",
        {"salesperson_0": str(api.world.staff["sales_a1"]), "share_0": "half"},
    )

    assert answer.status_code == 422
    assert 'id="f-share_0-error"' in answer.text
    assert "分配比例" in answer.text
    assert deal_version(api, deal_id) == 1


def test_a_salesperson_gets_the_same_refusals_on_the_credit_page_as_from_the_api(
    api: Api,
) -> None:
    deal_id = open_deal(api, "sales_a1")
    other = signed_in(api, "sales_a2")
    owner = signed_in(api, "sales_a1")
    owner.get(f"/app/deals/{deal_id}/credits")
    split = {"salesperson_0": str(api.world.staff["sales_a1"]), "share_0": "1"}

    others_page = other.get(f"/app/deals/{deal_id}/credits")
    owners_post = owner.post(f"/app/deals/{deal_id}/credits", split)

    api_read = api.get("sales_a2", f"/deals/{deal_id}")
    api_write = api.post(
        "sales_a1",
        f"/deals/{deal_id}/credits",
        {"credits": [{"salesperson_id": split["salesperson_0"], "share": "1"}]},
    )
    assert (others_page.status_code, owners_post.status_code) == (404, 403)
    assert (api_read.status_code, api_write.status_code) == (404, 403)


# --- unwinds -----------------------------------------------------------------------------------


def test_a_manager_unwinds_a_delivered_deal_with_its_reason_and_sees_it_listed(api: Api) -> None:
    deal_id = delivered_deal(api)
    manager = signed_in(api, "manager_a")
    # The deal was written through the service: read the list once the views hold it.
    listing = manager.get(f"/app/unwinds?position={api.runtime.app.position()}")
    assert f"/app/deals/{deal_id}/unwind" in listing.text
    manager.get(f"/app/deals/{deal_id}/unwind")

    answer = manager.post(f"/app/deals/{deal_id}/unwind", {"reason": "Finance fell through"})

    assert answer.status_code == 303
    listed = manager.get(answer.headers["location"])
    assert "No deal has been unwound." not in listed.text
    deal = manager.get(f"/app/deals/{deal_id}/unwind")
    assert "Finance fell through" in deal.text
    assert "Only a delivered deal can be unwound." in deal.text


def test_an_unwind_without_a_reason_is_refused_inline_and_nothing_is_written(api: Api) -> None:
    deal_id = delivered_deal(api)
    before = deal_version(api, deal_id)
    manager = signed_in(api, "manager_a")
    manager.get(f"/app/deals/{deal_id}/unwind")

    answer = manager.post(f"/app/deals/{deal_id}/unwind", {"reason": "  "})

    assert answer.status_code == 422
    assert 'id="f-reason-error"' in answer.text
    assert deal_version(api, deal_id) == before


def test_a_salesperson_cannot_unwind_their_own_deal(api: Api) -> None:
    deal_id = delivered_deal(api)
    seller = signed_in(api, "sales_a1")
    seller.get(f"/app/deals/{deal_id}/unwind")

    answer = seller.post(f"/app/deals/{deal_id}/unwind", {"reason": "Changed my mind"})

    assert answer.status_code == 403
    assert api.post("sales_a1", f"/deals/{deal_id}/unwind", {"reason": "x"}).status_code == 403


# --- targets, evaluations, scorecards ----------------------------------------------------------


def test_a_manager_sets_a_salespersons_target_and_reads_it_back(api: Api) -> None:
    manager = signed_in(api, "manager_a")
    manager.get("/app/targets")
    answer = manager.post(
        "/app/targets",
        {
            "subject": f"salesperson:{api.world.staff['sales_a1']}",
            "kpi": "units:1",
            "month": LAST_MONTH,
            "value": "8",
        },
    )

    assert answer.status_code == 303
    page = manager.get(answer.headers["location"])
    assert "Sales A1" in page.text and ">8<" in page.text


def test_a_target_that_is_not_positive_is_refused_beside_the_value(api: Api) -> None:
    manager = signed_in(api, "manager_a")
    manager.get("/app/targets")
    answer = manager.post(
        "/app/targets",
        {
            "subject": f"store:{api.world.store_a}",
            "kpi": "units:1",
            "month": LAST_MONTH,
            "value": "0",
        },
    )

    assert answer.status_code == 422
    assert 'id="f-value-error"' in answer.text
    listed = manager.get(f"/app/targets?month={LAST_MONTH}")
    assert "No targets for this month yet." in listed.text


def test_a_manager_computes_comments_and_approves_an_evaluation_once(api: Api) -> None:
    admin = signed_in(api, "admin")
    group_scorecard(admin)
    manager = signed_in(api, "manager_a")
    seller = api.world.staff["sales_a1"]
    units_target(manager, seller)
    manager.get("/app/evaluations")

    computed = manager.post(
        "/app/evaluations", {"salesperson_id": str(seller), "month": LAST_MONTH}
    )
    assert computed.status_code == 303
    path = computed.headers["location"].split("?")[0]
    assert path == f"/app/evaluations/{evaluation_id_for(seller, LAST_MONTH)}"
    manager.get(path)
    commented = manager.post(path + "/comment", {"comment": "A steady month."})
    assert commented.status_code == 303
    page = manager.get(commented.headers["location"])
    assert "A steady month." in page.text
    first = manager.post(path + "/approval", key="approve-once")
    second = manager.post(path + "/approval", key="approve-once")

    assert (first.status_code, second.status_code) == (303, 303)
    approved = manager.get(first.headers["location"])
    assert "by manager_a." in approved.text  # the approver by their login name, not an id
    evaluation = api.ok(api.get("manager_a", f"/evaluations/{path.rsplit('/', 1)[1]}"), 200)
    assert evaluation["status"] == "approved" and evaluation["version"] == 4  # opened+3 writes
    listed = manager.get(f"/app/evaluations?month={LAST_MONTH}")
    assert re.search(r"badge good\">Approved", listed.text)
    assert f"<strong>{LAST_MONTH}</strong>" in approved.text  # in the month-by-month history


def test_an_evaluation_without_a_scorecard_is_refused_above_the_form(api: Api) -> None:
    manager = signed_in(api, "manager_a", language="zh-CN")
    manager.get("/app/evaluations")
    seller = api.world.staff["sales_a1"]

    answer = manager.post("/app/evaluations", {"salesperson_id": str(seller), "month": LAST_MONTH})

    assert answer.status_code == 422
    assert "没有适用的考核方案" in answer.text
    assert not api.runtime.app.exists(evaluation_id_for(seller, LAST_MONTH))


def test_a_salesperson_reads_only_their_own_evaluation_and_cannot_compute(api: Api) -> None:
    admin = signed_in(api, "admin")
    group_scorecard(admin)
    seller_a1 = api.world.staff["sales_a1"]
    units_target(signed_in(api, "manager_a"), seller_a1)
    api.runtime.performance.compute_evaluation(SYSTEM, seller_a1, LAST_MONTH)
    own = signed_in(api, "sales_a1")
    other = signed_in(api, "sales_a2")
    path = f"/app/evaluations/{evaluation_id_for(seller_a1, LAST_MONTH)}"
    other.get("/app/evaluations")

    computed = other.post(
        "/app/evaluations", {"salesperson_id": str(seller_a1), "month": LAST_MONTH}
    )

    assert own.get(path).status_code == 200
    assert other.get(path).status_code == 404
    assert computed.status_code == 403
    assert api.get("sales_a2", path.removeprefix("/app")).status_code == 404


def test_scorecard_weights_that_do_not_make_100_are_refused_and_nothing_is_published(
    api: Api,
) -> None:
    admin = signed_in(api, "admin")
    created = admin.post("/app/scorecards", {"name": "Consultants", "store_id": ""})
    path = created.headers["location"].split("?")[0]
    admin.get(path)

    answer = admin.post(
        path + "/versions",
        {
            "effective_from_month": LAST_MONTH,
            "weight_units_1": "60",
            "weight_gross_1": "30",
            **GRADES,
        },
    )

    assert answer.status_code == 422
    assert "The weights must add up to exactly 100." in answer.text
    assert "No version published yet." in admin.get(path).text


def test_a_manager_reads_scorecards_but_cannot_create_one(api: Api) -> None:
    manager = signed_in(api, "manager_a")
    assert manager.get("/app/scorecards").status_code == 200

    answer = manager.post("/app/scorecards", {"name": "Ours", "store_id": str(api.world.store_a)})

    assert answer.status_code == 403
    assert api.post("manager_a", "/scorecards", {"name": "Ours"}).status_code == 403


def test_the_desk_pages_speak_chinese_and_english(api: Api) -> None:
    chinese = signed_in(api, "manager_a", language="zh-CN")
    english = signed_in(api, "manager_a", language="en")

    for path, zh, en in (
        ("/app/evaluations", "计算考核", "Compute an evaluation"),
        ("/app/targets", "设定目标", "Set a target"),
        ("/app/unwinds", "已退车的订单", "Unwound deals"),
        ("/app/credits", "业绩分配", "Split credits"),
        ("/app/scorecards", "考核方案", "Scorecards"),
    ):
        assert zh in chinese.get(path).text, path
        assert en in english.get(path).text, path


def test_a_manager_removes_a_target_and_it_leaves_the_list(api: Api) -> None:
    manager = signed_in(api, "manager_a")
    seller = api.world.staff["sales_a1"]
    units_target(manager, seller)
    listed = manager.get(f"/app/targets?month={LAST_MONTH}")
    assert "Sales A1" in listed.text

    answer = manager.post(
        "/app/targets/clearance",
        {"subject": f"salesperson:{seller}", "kpi": "units:1", "month": LAST_MONTH},
    )

    assert answer.status_code == 303
    assert "No targets for this month yet." in manager.get(answer.headers["location"]).text


def test_the_menu_offers_the_desk_to_managers_and_not_to_salespeople(api: Api) -> None:
    manager = signed_in(api, "manager_a").get("/app/").text
    seller = signed_in(api, "sales_a1").get("/app/").text

    for path in ("/app/credits", "/app/unwinds", "/app/evaluations", "/app/targets"):
        assert f'href="{path}"' in manager
        assert f'href="{path}"' not in seller
