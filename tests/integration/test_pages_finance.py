"""The pay pages through a page client: the period lifecycle, statements, adjustments, disputes
and what-if, under the payroll service's own rules (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from uuid import UUID

from fastapi.testclient import TestClient

from domain.pay.periods import PayPeriod
from tests.integration.conftest import PASSWORD, Api
from tests.integration.four_eyes import approve as approve_period
from tests.integration.test_pay_periods_api import may, open_period, step
from tests.pages.client import PageClient

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def page_client(api: Api, username: str) -> PageClient:
    """A browser of its own (own cookies) on the same app, signed in as `username`."""
    client = PageClient(TestClient(api.client.app, raise_server_exceptions=False))
    client.log_in(username, PASSWORD)
    return client


def period_of(api: Api, ident: str) -> PayPeriod:
    return api.runtime.app.load(PayPeriod, UUID(ident), "pay period")


def test_finance_sees_the_periods_and_a_period_with_totals_per_person(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    finance = page_client(api, "finance")

    listing = finance.get("/app/pay/periods")
    page = finance.get(f"/app/pay/periods/{period}")

    assert listing.status_code == 200
    assert f"/app/pay/periods/{period}" in listing.text
    assert page.status_code == 200
    assert "Sales A1" in page.text and "Sales A2" in page.text
    assert "¥2,850.00" in page.text and "¥5,400.00" in page.text  # a1, and the period


def test_approving_an_open_period_shows_the_services_refusal_inline(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    finance = page_client(api, "finance")
    finance.get(f"/app/pay/periods/{period}")

    answer = finance.post(f"/app/pay/periods/{period}/approval")

    assert answer.status_code == 422
    assert "只有已关账的期间才能审批。" in answer.text  # beside the approve button
    assert period_of(api, period).status.value == "open"


def test_a_double_submit_of_the_approval_request_requests_once(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    step(api, "finance", period, "close")
    finance = page_client(api, "finance")
    finance.get(f"/app/pay/periods/{period}")

    first = finance.post(f"/app/pay/periods/{period}/approval", key="tap-tap")
    second = finance.post(f"/app/pay/periods/{period}/approval", key="tap-tap")

    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    events = list(api.runtime.app.events.get(period_of(api, period).id))
    assert [type(e).__name__ for e in events].count("ApprovalRequested") == 1


def test_finance_closes_and_requests_the_admin_confirms_and_the_page_shows_the_export_form(
    api: Api,
) -> None:
    """Four eyes on the pages: the requester sees that the approval waits for another person;
    the admin finds it in the queue on the periods page and confirms it."""
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    finance = page_client(api, "finance")
    admin = page_client(api, "admin")
    finance.get(f"/app/pay/periods/{period}")

    closed = finance.post(f"/app/pay/periods/{period}/close")
    finance.get(closed.headers["location"])
    requested = finance.post(f"/app/pay/periods/{period}/approval")
    waiting = finance.get(requested.headers["location"])
    queue = admin.get(f"/app/pay/periods?position={api.runtime.app.position()}")
    confirmed = admin.post(f"/app/pay/periods/{period}/approval/confirmation")
    page = finance.get(confirmed.headers["location"])

    assert closed.status_code == requested.status_code == confirmed.status_code == 303
    assert "等待另一人确认" in waiting.text
    assert f'action="/app/pay/periods/{period}/approval/confirmation"' not in waiting.text
    assert "等待您确认" in queue.text
    assert f'action="/app/pay/periods/{period}/approval/confirmation"' in queue.text
    assert page.status_code == 200
    assert f'action="/app/pay/periods/{period}/exports"' in page.text
    assert f"/app/audit/verify/{period}" in page.text


def test_the_requester_confirming_own_approval_on_the_page_is_refused_inline(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    step(api, "finance", period, "close")
    step(api, "finance", period, "approval")
    finance = page_client(api, "finance")
    finance.get(f"/app/pay/periods/{period}")

    answer = finance.post(f"/app/pay/periods/{period}/approval/confirmation")

    assert answer.status_code == 422
    assert "另一人" in answer.text
    assert period_of(api, period).status.value == "closed"


def test_a_large_adjustment_on_the_page_waits_and_the_admin_confirms_it(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    manager = page_client(api, "manager_a")
    admin = page_client(api, "admin")
    manager.get(f"/app/pay/periods/{period}")

    proposed = manager.post(
        f"/app/pay/periods/{period}/adjustments",
        {"salesperson_id": str(world.a1), "amount": "2500", "reason": "Record month bonus"},
    )
    (proposal,) = period_of(api, period).pending_proposals
    own_view = manager.get(proposed.headers["location"])
    admin.get(f"/app/pay/periods/{period}")
    confirmed = admin.post(
        f"/app/pay/periods/{period}/adjustments/{proposal['adjustment_id']}/confirmation"
    )

    assert proposed.status_code == confirmed.status_code == 303
    assert "等待另一人确认" in own_view.text
    assert [a["amount"] for a in period_of(api, period).adjustments] == [Decimal("2500.00")]


def test_a_salesperson_cannot_read_anothers_statement_and_gets_the_apis_404(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    seller = page_client(api, "sales_a1")

    own = seller.get(f"/app/pay/periods/{period}/statements/{world.a1}")
    other = seller.get(f"/app/pay/periods/{period}/statements/{world.a2}")
    through_api = api.get("sales_a1", f"/pay-periods/{period}/statements/{world.a2}")

    assert own.status_code == 200
    assert other.status_code == through_api.status_code == 404
    assert "¥2,550.00" not in other.text


def test_a_bad_adjustment_amount_is_refused_beside_the_field_and_nothing_is_written(
    api: Api,
) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    finance = page_client(api, "finance")
    finance.get(f"/app/pay/periods/{period}")
    before = period_of(api, period).version

    answer = finance.post(
        f"/app/pay/periods/{period}/adjustments",
        {"salesperson_id": str(world.a1), "amount": "12,3x", "reason": "bonus"},
    )

    assert answer.status_code == 422
    assert 'id="f-amount-error"' in answer.text
    assert period_of(api, period).version == before


def test_an_adjustment_with_a_minus_lands_on_the_statement(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    finance = page_client(api, "finance")
    finance.get(f"/app/pay/periods/{period}")

    answer = finance.post(
        f"/app/pay/periods/{period}/adjustments",
        {"salesperson_id": str(world.a1), "amount": "-100.50", "reason": "damaged demo car"},
    )
    page = finance.get(answer.headers["location"])

    assert answer.status_code == 303
    assert "damaged demo car" in page.text and "-¥100.50" in page.text
    (adjustment,) = period_of(api, period).adjustments
    assert adjustment["amount"] == Decimal("-100.50")


def test_a_salesperson_explains_and_disputes_a_line_and_finance_resolves_it(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    step(api, "finance", period, "close")
    seller = page_client(api, "sales_a1")

    mine = seller.get("/app/pay/mine")
    statement = seller.get(f"/app/pay/mine/{period}")
    explained = seller.get(f"/app/pay/mine/{period}/lines/1")
    disputed = seller.post(f"/app/pay/mine/{period}/lines/1/dispute", {"reason": "I sold two"})
    finance = page_client(api, "finance")
    waiting = finance.get("/app/pay/disputes")
    page = finance.get(f"/app/pay/periods/{period}")
    (dispute,) = period_of(api, period).disputes
    resolved = finance.post(
        f"/app/pay/periods/{period}/disputes/{dispute}/resolution",
        {f"resolution-{dispute}": "checked: one more", f"adjustment_amount-{dispute}": "200"},
    )

    assert f"/app/pay/mine/{period}" in mine.text
    assert statement.status_code == 200 and "¥2,850.00" in statement.text
    assert explained.status_code == 200 and "Delivered" in explained.text
    assert disputed.status_code == 303
    assert "I sold two" in waiting.text and f"#dispute-{dispute}" in waiting.text
    assert "I sold two" in page.text
    assert resolved.status_code == 303
    assert period_of(api, period).disputes[dispute]["status"] == "resolved"


def test_a_dispute_without_a_reason_is_refused_inline(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    step(api, "finance", period, "close")
    seller = page_client(api, "sales_a1")
    seller.get(f"/app/pay/mine/{period}/lines/1")

    answer = seller.post(f"/app/pay/mine/{period}/lines/1/dispute", {"reason": "  "})

    assert answer.status_code == 422
    assert 'id="f-reason-error"' in answer.text
    assert not period_of(api, period).disputes


def test_what_if_shows_old_and_new_pay_per_person_and_in_total(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    finance = page_client(api, "finance")
    form = finance.get(f"/app/pay/what-if?period={period}")

    answer = finance.post(
        "/app/pay/what-if",
        {"period": period, "tier_component": "volume", "threshold-0": "1", "amount-0": "400"},
    )

    assert form.status_code == 200 and 'value="1.5"' in form.text
    assert answer.status_code == 200
    # 1.5 units each at ¥400 instead of ¥200: +¥300 a person, +¥600 in total.
    assert "¥5,400.00" in answer.text and "¥6,000.00" in answer.text
    assert "¥600.00" in answer.text


def test_a_salesperson_may_not_run_a_what_if(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    seller = page_client(api, "sales_a1")
    seller.get("/app/pay/mine")

    answer = seller.post(
        "/app/pay/what-if", {"period": period, "threshold-0": "1", "amount-0": "400"}
    )

    assert answer.status_code == 403


def test_the_period_page_speaks_chinese_and_english(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    finance = page_client(api, "finance")

    chinese = finance.get(f"/app/pay/periods/{period}")
    finance.post("/app/language", {"language": "en", "next": "/app/"})
    english = finance.get(f"/app/pay/periods/{period}")

    assert ">关账</button>" in chinese.text
    assert "Close the period" in english.text
    assert re.search(r"¥2,850\.00", chinese.text) and re.search(r"¥2,850\.00", english.text)


def test_an_export_is_polled_until_ready_then_downloaded_and_the_period_marked_paid(
    api: Api,
) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    step(api, "finance", period, "close")
    approve_period(api, period)
    finance = page_client(api, "finance")
    finance.get(f"/app/pay/periods/{period}")

    requested = finance.post(f"/app/pay/periods/{period}/exports", {"format": "xlsx"})
    export_id = requested.headers["location"].split("export=")[1].split("&")[0]
    deadline = time.monotonic() + 60
    while True:
        polled = finance.get(f"/app/pay/exports/{export_id}", headers={"HX-Request": "true"})
        if polled.headers.get("hx-refresh") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    download = finance.get(f"/app/pay/exports/{export_id}/file")
    page = finance.get(f"/app/pay/periods/{period}?position={api.runtime.app.position()}")
    paid = finance.post(f"/app/pay/periods/{period}/payment", {"reference": "PAY-2026-05"})

    assert requested.status_code == 303
    assert polled.headers.get("hx-refresh") == "true"
    assert download.status_code == 200
    assert download.headers["content-type"] == XLSX
    assert download.content[:2] == b"PK"  # a zip: the .xlsx container
    assert f"/app/pay/exports/{export_id}/file" in page.text
    assert paid.status_code == 303
    assert period_of(api, period).status.value == "paid"


def test_my_statements_show_the_approved_total_of_each_period(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    step(api, "finance", period, "close")
    approve_period(api, period)
    seller = page_client(api, "sales_a1")

    mine = seller.get(f"/app/pay/mine?position={api.runtime.app.position()}")

    assert mine.status_code == 200
    assert f"/app/pay/mine/{period}" in mine.text
    assert "¥2,850.00" in mine.text and "¥2,550.00" not in mine.text


def test_a_period_page_offers_only_the_steps_the_users_role_may_take(api: Api) -> None:
    """The buttons follow the role sets of domain/shared/access.py: finance may close and
    approve; a store manager may close but not approve; an auditor reads an approved period
    without an export form."""
    world = may(api)
    period = open_period(api, world.store, "2026-05")

    as_finance = page_client(api, "finance").get(f"/app/pay/periods/{period}").text
    as_manager = page_client(api, "manager_a").get(f"/app/pay/periods/{period}").text

    assert f"/app/pay/periods/{period}/approval" in as_finance
    assert f"/app/pay/periods/{period}/close" in as_finance
    assert f"/app/pay/periods/{period}/approval" not in as_manager
    assert f"/app/pay/periods/{period}/close" in as_manager
    step(api, "finance", period, "close")
    approve_period(api, period)
    as_auditor = page_client(api, "auditor").get(f"/app/pay/periods/{period}")
    assert as_auditor.status_code == 200
    assert f"/app/pay/periods/{period}/exports" not in as_auditor.text
    assert (
        f"/app/pay/periods/{period}/exports"
        in page_client(api, "finance").get(f"/app/pay/periods/{period}").text
    )
