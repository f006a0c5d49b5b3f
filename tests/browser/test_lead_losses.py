"""Lost leads in a real browser, at a phone size and a desktop size: a salesperson requests to
close a lead as lost (a note is asked for beside the field when the reason is "other"); the
store manager finds it in the queue, is asked for a comment to reject, approves it, and reopens
the lead, which is open again for the salesperson."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll


def test_a_requested_loss_is_approved_in_the_queue_and_reopened(
    new_page: Callable[..., Page], size: str
) -> None:
    seller = new_page(size, user="sales1", locale="en-GB")
    seller.goto("/app/my-day")
    # Each size takes a different lead: both runs share one demo group.
    seller.locator("a.row[href^='/app/leads/']").nth(0 if size == "phone" else 1).click()
    seller.wait_for_url(re.compile(r"/app/leads/[0-9a-f-]{36}"))
    lead_id = seller.url.split("/app/leads/")[1].split("?")[0]

    seller.select_option("#f-reason", "other")
    seller.click("form[action$='/loss-request'] button[type=submit]")
    expect(seller.locator("#f-loss_note-error")).to_be_visible()
    seller.fill("#f-competitor", "Tesla Pudong")
    seller.fill("#f-loss_note", "Bought a Model Y after a test drive")
    seller.click("form[action$='/loss-request'] button[type=submit]")
    expect(seller.locator("#h-loss")).to_contain_text("Loss awaiting approval")
    assert no_horizontal_scroll(seller)

    manager = new_page(size, user="manager1", locale="en-GB")
    manager.goto("/app/losses")
    item = manager.locator(f"#loss-{lead_id}")
    expect(item).to_contain_text("Tesla Pudong")
    item.locator("summary", has_text="Reject").click()
    item.locator("form[action$='/reject'] button[type=submit]").click()
    item = manager.locator(f"#loss-{lead_id}")
    expect(item.locator("p.error")).to_be_visible()
    assert no_horizontal_scroll(manager)

    item.locator("form[action$='/approve'] button[type=submit]").click()
    expect(manager.locator(f"#loss-{lead_id}")).to_have_count(0)
    lost = manager.locator(f"#lost-{lead_id}")
    lost.locator("summary", has_text="Reopen").click()
    lost.locator("textarea[name=reason]").fill("The customer called back")
    lost.locator("form[action$='/reopen'] button[type=submit]").click()
    expect(manager.locator(f"#lost-{lead_id}")).to_have_count(0)

    seller.goto(f"/app/leads/{lead_id}")
    expect(seller.locator(".timeline")).to_contain_text("Reopened")
    expect(seller.locator("form[action$='/loss-request']")).to_have_count(1)
