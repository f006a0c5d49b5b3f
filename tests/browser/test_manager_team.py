"""Sales teams, hours and shifts, and the on-duty switch in a real browser."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll


def _english(page: Page) -> None:
    if page.locator("button[name=language][value=en]").count():
        page.click("button[name=language][value=en]")


def test_a_manager_forms_a_team_sets_hours_and_a_salesperson_goes_off_the_floor(
    new_page: Callable[..., Page], size: str
) -> None:
    """A store manager forms a team with a leader and a member, sets Monday's opening hours, a
    holiday and a shift; a salesperson switches themselves off the floor and back from their
    day. No page scrolls sideways."""
    page = new_page(size, user="manager1", locale="en-GB")
    _english(page)
    page.goto("/app/team")
    assert no_horizontal_scroll(page)
    name = f"Dragon {size}"
    page.fill("#f-name", name)
    page.locator("form[action$='/teams'] #f-leader_id").select_option(index=0)
    page.click("form[action$='/teams'] button[type=submit]")
    page.wait_for_url("**/app/team?store=*")
    card = page.locator("section.card", has=page.locator("h2", has_text=name))
    expect(card).to_contain_text("Team leader")
    card.locator("summary").click()
    card.locator("form[action$='/members'] select").select_option(index=0)
    card.locator("form[action$='/members'] button[type=submit]").click()
    card = page.locator("section.card", has=page.locator("h2", has_text=name))
    expect(card.locator("li.row")).to_have_count(2)
    assert no_horizontal_scroll(page)

    page.goto("/app/team/hours")
    page.select_option("#f-weekday", "0")
    page.fill("#f-spans", "09:00-12:00 13:00-18:00")
    page.click("form[action$='/hours'] button[type=submit]")
    expect(page.locator("#week-heading + ul")).to_contain_text("09:00-12:00 13:00-18:00")
    page.fill("#f-day", "2026-10-01")
    page.fill("#f-note", "National Day")
    page.click("form[action$='/dates'] button[type=submit]")
    expect(page.locator("#dates-heading + ul")).to_contain_text("National Day")
    page.fill("#f-shift_spans", "25:00-26:00")
    page.click("form[action$='/shifts'] button[type=submit]")
    expect(page.locator(".error").first).to_be_visible()
    page.fill("#f-shift_spans", "09:00-18:00")
    page.click("form[action$='/shifts'] button[type=submit]")
    expect(page.locator("#shifts-heading + ul")).to_contain_text("09:00-18:00")
    assert no_horizontal_scroll(page)

    seller = new_page(size, user="sales1", locale="en-GB")
    _english(seller)
    seller.goto("/app/my-day")
    switch = seller.locator("#duty-switch")
    expect(switch).to_be_visible()
    if switch.locator("button", has_text="I am available").count():
        switch.locator("button").click()
        expect(seller.locator("#duty-switch")).to_contain_text("I am not on the floor")
    seller.locator("#duty-switch button").click()
    expect(seller.locator("#duty-switch")).to_contain_text("I am available")
    expect(seller.locator("#duty-switch")).to_contain_text("Off duty")
    assert no_horizontal_scroll(seller)
