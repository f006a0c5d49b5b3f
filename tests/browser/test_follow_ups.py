"""A salesperson's follow-ups in the browser: the day lists the calls after delivery (回访)
and the leads, overdue first; a call recorded with a score while not reached is refused beside
the field, then recorded as reached; a lead's next follow-up moved to tomorrow. At a phone size
and a desktop size, in Chinese."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll

SALESPERSON = "sales2"


def test_a_salesperson_records_a_call_and_moves_a_follow_up(
    new_page: Callable[..., Page], size: str
) -> None:
    page = new_page(size, user=SALESPERSON)
    page.goto("/app/follow-ups")
    expect(page.locator("h1")).to_have_text("跟进")
    calls = page.locator("section.calls li")
    # The dispatcher plans the demo's calls among its other jobs (routing, response clocks,
    # trade-ins) as the server starts: wait for the first ones to show.
    deadline = time.monotonic() + 90
    while calls.count() == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(1000)
        page.reload()
    before = calls.count()
    assert before > 0, "the demo's deliveries have calls planned by the dispatcher"
    assert no_horizontal_scroll(page)

    # Not reached, but a score: refused beside the score, nothing saved. (The demo's calls are
    # still being planned by the dispatcher as the test starts: follow this call by its address.)
    chosen = calls.first.locator("a.row").get_attribute("href")
    calls.first.locator("a.row").click()
    page.wait_for_url("**/app/follow-ups/calls/*/*")
    page.select_option("#f-outcome", "not_reached")
    page.fill("#f-score", "50")
    page.click("form[action^='/app/follow-ups/calls/'] button[type=submit]")
    expect(page.locator("#f-score-error")).to_contain_text("只有联系上客户时才填写满意度")
    expect(page.locator("#f-score")).to_have_attribute("aria-invalid", "true")
    assert no_horizontal_scroll(page)

    # Reached with the score: saved, and the call leaves the day.
    page.select_option("#f-outcome", "reached")
    page.click("form[action^='/app/follow-ups/calls/'] button[type=submit]")
    page.wait_for_url("**/app/follow-ups?position=*")
    expect(page.locator(f"section.calls a.row[href='{chosen}']")).to_have_count(0)

    # The first lead's next follow-up, tomorrow in the store.
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date().isoformat()
    page.locator("section.leads li a[href^='/app/follow-ups/leads/']").first.click()
    page.fill("#f-follow_up_on", tomorrow)
    page.click("form[action^='/app/follow-ups/leads/'] button[type=submit]")
    page.wait_for_url("**/app/follow-ups?position=*")
    expect(page.locator("section.leads").first).to_be_visible()
    assert no_horizontal_scroll(page)
