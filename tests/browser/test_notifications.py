"""A salesperson's inbox in a real browser: the header's badge counts the unread notices of the
demo group's leads, the badge leads to the inbox, and marking all read
empties the count on the next page."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll


def test_the_badge_counts_unread_notices_and_marking_all_read_clears_it(
    new_page: Callable[..., Page],
) -> None:
    page = new_page("phone", user="sales1", locale="en-GB")
    page.goto("/app/account")
    count = page.locator("#inbox-badge .count")
    expect(count).to_be_visible()  # loaded by htmx after the page
    assert int(count.get_attribute("data-count") or "0") > 0

    page.click("#inbox-badge")
    page.wait_for_url("**/app/inbox")
    expect(page.locator(".inbox-item.unread").first).to_be_visible()
    expect(page.locator(".inbox-item", has_text="assigned to you").first).to_be_visible()
    assert no_horizontal_scroll(page)
    page.click("form[action='/app/inbox/read-all'] button[type=submit]")
    page.wait_for_url("**/app/inbox")

    expect(page.locator(".inbox-item.unread")).to_have_count(0)
    expect(page.locator("#inbox-badge")).to_be_visible()
    expect(page.locator("#inbox-badge .count")).to_have_count(0)
