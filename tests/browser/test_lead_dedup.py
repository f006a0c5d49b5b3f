"""De-duplication in a real browser, at a phone size and a desktop size: a customer's second
enquiry lands on their open lead (the page says so, the timeline shows it); a manager finds the
same person registered twice, compares the two records and merges them; the store's rule is set
on its form."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll


def capture(page: Page, name: str, phone: str) -> None:
    page.goto("/app/leads/new")
    page.fill("#f-customer_name", name)
    page.fill("#f-customer_phone", phone)
    page.click("form[action='/app/leads/new'] button[type=submit]")
    page.wait_for_url(re.compile(r"/app/leads/[0-9a-f-]{36}"))


def test_a_second_enquiry_lands_on_the_open_lead_and_a_manager_merges_a_duplicate(
    new_page: Callable[..., Page], size: str
) -> None:
    seller = new_page(size, user="sales1", locale="en-GB")
    name = f"Dedup {random.randint(10_000, 99_999)}"
    phone = "139" + "".join(random.choices("0123456789", k=8))
    typo = phone[:-1] + str((int(phone[-1]) + 1) % 10)

    capture(seller, name, phone)
    first = seller.url.split("?", 1)[0]
    capture(seller, name, phone)

    assert seller.url.split("?", 1)[0] == first
    expect(seller.locator("p.notice")).to_contain_text("recorded on it")
    expect(seller.locator(".timeline")).to_contain_text("Enquiry again (Walk-in)")
    expect(seller.locator(".floor-facts")).to_contain_text("Enquiries since")
    assert no_horizontal_scroll(seller)
    capture(seller, name, typo)  # the same person, a digit mistyped: a second record
    assert seller.url.split("?", 1)[0] != first

    manager = new_page(size, user="manager1", locale="en-GB")
    manager.goto("/app/customer-duplicates")
    row = manager.locator("main .list a.row", has_text=name)
    expect(row).to_contain_text("Same name, similar phone")
    assert no_horizontal_scroll(manager)
    row.click()
    manager.wait_for_url("**/app/customer-merge?*")
    expect(manager.locator("main .card")).to_have_count(2)
    assert no_horizontal_scroll(manager)
    manager.click("form[action='/app/customer-merge'] button[type=submit]")
    manager.wait_for_url(re.compile(r"/app/customers/[0-9a-f-]{36}"))
    expect(manager.locator("main")).to_contain_text("Merged from 1 other record(s)")
    expect(manager.locator("main .list a.row")).to_have_count(2)  # both records' leads

    manager.goto("/app/lead-rules")
    manager.select_option("#f-rule", "any_open")
    manager.fill("#f-window_days", "10")
    manager.click("form[action='/app/lead-rules'] button[type=submit]")
    expect(manager.locator("p.notice")).to_contain_text("Saved")
    expect(manager.locator("section[aria-labelledby='h-rule']")).to_contain_text("On any open lead")
    assert no_horizontal_scroll(manager)
