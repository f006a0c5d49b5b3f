"""The auditor in a real browser: finds a deal by its VIN, reads its history, looks at an older
version, runs the log's integrity check and verifies an approved pay period."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, no_horizontal_scroll, password_of


def api_client(live: Server, username: str) -> httpx.Client:
    token = httpx.post(
        f"{live.url}/auth/token", data={"username": username, "password": password_of(username)}
    ).json()["access_token"]
    return httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {token}"})


def a_delivered_deal(live: Server) -> dict[str, Any]:
    """A deal of the demo group, as the API lists it to the auditor."""
    with api_client(live, "auditor") as api:
        deals = api.get("/deals", params={"status": "delivered", "limit": 1}).json()["items"]
    deal: dict[str, Any] = deals[0]
    return deal


def test_an_auditor_finds_a_deal_by_vin_reads_its_history_and_an_older_version(
    new_page: Callable[..., Page], live: Server, size: str
) -> None:
    deal = a_delivered_deal(live)
    page = new_page(size, user="auditor")

    page.goto("/app/history")
    page.select_option("#f-by", "vin")
    page.fill("#f-q", deal["vin"])
    page.click("form[action='/app/history'] button[type=submit]")
    page.click(f"a[href='/app/history/{deal['vehicle_id']}']")
    page.locator(f".events a[href='/app/history/{deal['id']}']").first.click()

    expect(page.locator("h1")).to_contain_text("订单的历史记录")
    expect(page.locator(".event-head").first).to_contain_text("Deal.Delivered")
    expect(page.locator(".events")).to_contain_text("Deal.Opened")
    assert no_horizontal_scroll(page)

    page.fill("#f-at", "1")
    page.click("form.version-picker button[type=submit]")
    page.wait_for_url(re.compile(r".*\?at=1$"))
    expect(page.locator("#state")).to_have_text("版本 1 时的状态")
    expect(page.locator(".event-head")).to_have_count(1)
    expect(page.locator(".events")).not_to_contain_text("Deal.Delivered")
    assert no_horizontal_scroll(page)


def test_an_auditor_runs_the_integrity_check(
    new_page: Callable[..., Page], live: Server, size: str
) -> None:
    page = new_page(size, user="auditor")

    page.goto("/app/audit/integrity")
    page.click("main form button[type=submit]")

    expect(page.locator(".notice")).to_contain_text("日志完整无误")
    # The workers may write after the check: compare with the API's head at the same position.
    heading = page.locator(".integrity-result h3").first.inner_text()
    position = re.findall(r"\d+", heading)[-1]
    with api_client(live, "auditor") as api:
        head = api.get("/history/integrity", params={"upto": position}).json()["head_hash"]
    expect(page.locator(".hash")).to_have_text(head)
    assert no_horizontal_scroll(page)


def test_an_auditor_verifies_an_approved_pay_period(
    new_page: Callable[..., Page], live: Server, size: str
) -> None:
    deal = a_delivered_deal(live)
    last_month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    with api_client(live, "finance") as finance:
        listed = finance.get("/pay-periods", params={"month": last_month}).json()["items"]
        mine = [p for p in listed if p["store_id"] == deal["store_id"]]
        if mine:
            period_id = mine[0]["id"]
        else:
            opened = finance.post(
                "/pay-periods", json={"store_id": deal["store_id"], "month": last_month}
            )
            period_id = opened.json()["id"]
            assert finance.post(f"/pay-periods/{period_id}/close", json={}).status_code == 201
            assert finance.post(f"/pay-periods/{period_id}/approval", json={}).status_code == 201
            with api_client(live, "admin") as admin:  # four eyes: a second person confirms
                confirmed = admin.post(f"/pay-periods/{period_id}/approval/confirmation", json={})
                assert confirmed.status_code == 201
    page = new_page(size, user="auditor")

    page.goto("/app/audit/verify")
    page.click(f"a[href='/app/audit/verify/{period_id}']")

    expect(page.locator(".notice")).to_contain_text("审批快照一致")
    assert no_horizontal_scroll(page)


def test_a_salesperson_is_refused_the_history_by_address(
    new_page: Callable[..., Page], live: Server
) -> None:
    deal = a_delivered_deal(live)
    page = new_page("phone", user="sales1")

    answer = page.goto(f"/app/history/{deal['id']}")

    assert answer is not None and answer.status == 403
    expect(page.locator("h1")).to_have_text("无权操作")
