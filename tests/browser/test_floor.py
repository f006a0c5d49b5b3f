"""The salesperson's floor in a real browser, at a phone size and a desktop size."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll


def test_a_salesperson_captures_a_lead_logs_a_call_and_marks_the_appointment_shown(
    new_page: Callable[..., Page], size: str
) -> None:
    """Quick capture lands on the new lead; a call is logged in one tap with a note; a test
    drive is booked in the store's zone and marked shown; the lead is on my day. No page
    scrolls sideways."""
    page = new_page(size, user="sales1", locale="en-GB")
    if page.locator("button[name=language][value=en]").count():
        page.click("button[name=language][value=en]")
    page.goto("/app/my-day")
    assert no_horizontal_scroll(page)
    page.click("a.button[href='/app/leads/new']")
    phone = "139" + "".join(random.choices("0123456789", k=8))
    page.fill("#f-customer_name", "Browser Walkin")
    page.fill("#f-customer_phone", phone)
    page.fill("#f-model_interest", "Seal")
    expect(page.locator("#f-channel")).to_have_value("walk_in")
    assert page.get_attribute("#f-customer_phone", "type") == "tel"
    assert no_horizontal_scroll(page)
    page.click("form[action='/app/leads/new'] button[type=submit]")
    page.wait_for_url("**/app/leads/*-*?position=*")
    expect(page.locator("h1")).to_contain_text("Browser Walkin")
    lead_path = "/app/" + page.url.split("/app/", 1)[1].split("?", 1)[0]
    expect(page.locator(".floor-facts")).to_contain_text("Not answered yet")
    assert no_horizontal_scroll(page)

    page.fill("#f-note", "Asked about the long-range battery")
    page.click("button[name=kind][value=call]")
    expect(page.locator(".timeline")).to_contain_text("Asked about the long-range battery")
    expect(page.locator(".floor-facts")).not_to_contain_text("Not answered yet")

    tomorrow = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)
    page.fill("#f-scheduled_for", tomorrow.strftime("%Y-%m-%dT10:30"))
    page.select_option("#f-purpose", "test_drive")
    page.click("form[action$='/appointments'] button[type=submit]")
    expect(page.locator("#h-appointment + p")).to_contain_text(
        tomorrow.strftime("%Y-%m-%d") + " 10:30"
    )
    page.click("form[action$='/shown'] button")
    expect(page.locator(".timeline")).to_contain_text("Customer came to the appointment")
    expect(page.locator("#h-appointment ~ p.muted")).to_contain_text("Shown: 1")
    assert no_horizontal_scroll(page)

    page.goto("/app/my-day")
    expect(page.locator(f"a.row[href='{lead_path}']")).to_contain_text("Browser Walkin")


def test_a_capture_with_a_bad_phone_shows_the_error_beside_the_field(
    new_page: Callable[..., Page],
) -> None:
    page = new_page("phone", user="sales2")
    page.goto("/app/leads/new")
    page.fill("#f-customer_name", "王芳")
    page.fill("#f-customer_phone", "12345")
    page.click("form[action='/app/leads/new'] button[type=submit]")
    expect(page.locator("#f-customer_phone-error")).to_have_text("请输入 11 位中国大陆手机号。")
    assert no_horizontal_scroll(page)


def test_another_salespersons_lead_by_url_is_not_found(new_page: Callable[..., Page]) -> None:
    owner = new_page("desktop", user="sales3")
    owner.goto("/app/my-day")
    href = owner.locator("a.row[href^='/app/leads/']").first.get_attribute("href")
    assert href
    other = new_page("phone", user="sales4")

    answer = other.goto(href)

    assert answer is not None and answer.status == 404
    assert no_horizontal_scroll(other)
