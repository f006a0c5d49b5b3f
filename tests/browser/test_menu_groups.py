"""The store manager's menu in groups, in the browser: a group opens from the keyboard and says
so (aria-expanded), its links are reachable, Escape closes it with the focus back on its
button, opening another closes the first (focus left it), and on a phone the groups sit inside
the Menu toggle without scrolling sideways. At a phone size and a desktop size."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll


def test_a_menu_group_opens_and_closes_from_the_keyboard(
    new_page: Callable[..., Page], size: str
) -> None:
    page = new_page(size, user="manager1")
    page.goto("/app/board")
    if page.locator(".menu-toggle").is_visible():
        page.locator(".menu-toggle").click()
    leads = page.get_by_role("button", name="线索", exact=True)
    expect(leads).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="战败审核")).to_be_hidden()

    leads.focus()
    page.keyboard.press("Enter")
    expect(leads).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="战败审核")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator("#menu-g-leads a").first).to_be_focused()
    assert no_horizontal_scroll(page)

    page.keyboard.press("Escape")
    expect(leads).to_have_attribute("aria-expanded", "false")
    expect(leads).to_be_focused()

    leads.click()
    page.get_by_role("button", name="团队", exact=True).focus()  # focus leaves the Leads group
    expect(leads).to_have_attribute("aria-expanded", "false")

    # The current page's group is marked, and its link says it is the current page.
    page.get_by_role("button", name="业绩", exact=True).click()
    expect(page.locator("#menu-g-results a[aria-current='page']")).to_have_text("门店看板")
