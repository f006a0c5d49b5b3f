"""A store manager's desk work in a real browser, at a phone size and a desktop size: set a
salesperson's target, compute their evaluation of last month, comment on it and approve it."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from domain.shared import months
from domain.shared.clock import DEFAULT_TIMEZONE, now
from tests.browser.conftest import no_horizontal_scroll

LAST_MONTH = months.previous_month(months.of_moment(now(), DEFAULT_TIMEZONE))


def a_group_scorecard(page: Page) -> None:
    """The admin creates the group's scorecard on its page (the demo group has none), unless
    an earlier size of this journey did: units 60, gross 40, grades A to C."""
    page.goto("/app/scorecards")
    if page.locator("main .list a.row").count() == 0:
        page.fill("#f-name", "Sales consultants")
        page.click("form[action='/app/scorecards'] button[type=submit]")
        page.wait_for_url(re.compile(r"/app/scorecards/[0-9a-f-]{36}"))
        page.fill("#f-effective_from_month", months.previous_month(LAST_MONTH))
        page.fill("#f-weight_units_1", "60")
        page.fill("#f-weight_gross_1", "40")
        for n, (grade, minimum) in enumerate((("A", "110"), ("B", "80"), ("C", "0"))):
            page.fill(f"#f-grade_{n}", grade)
            page.fill(f"#f-minimum_{n}", minimum)
        page.click("form[action$='/versions'] button[type=submit]")
    page.goto("/app/scorecards")
    page.click("main .list a.row")
    expect(page.locator("main h2").first).to_contain_text(months.previous_month(LAST_MONTH))


def test_a_manager_sets_a_target_then_computes_comments_and_approves_an_evaluation(
    new_page: Callable[..., Page], size: str
) -> None:
    a_group_scorecard(new_page("desktop", user="admin", locale="en-GB"))
    page = new_page(size, user="manager1", locale="en-GB")
    page.goto("/app/evaluations")
    # Each size evaluates a different salesperson: both runs share one demo group.
    people = page.locator("#f-salesperson_id option")
    person = people.nth(1 if size == "phone" else 2)
    seller_id, seller = person.get_attribute("value"), person.inner_text()

    page.goto("/app/targets")
    page.select_option("#f-subject", f"salesperson:{seller_id}")
    page.select_option("#f-kpi", "units:1")
    page.fill("#f-month", LAST_MONTH)
    page.fill("#f-value", "3")
    page.click("form[method=post][action='/app/targets'] button[type=submit]")
    page.wait_for_url(f"**/app/targets?month={LAST_MONTH}*")
    row = page.locator("main .list > li", has_text=seller)
    expect(row).to_contain_text("3")
    assert no_horizontal_scroll(page)

    page.goto("/app/evaluations")
    page.select_option("#f-salesperson_id", str(seller_id))
    page.fill("#f-month", LAST_MONTH)
    page.click("form[method=post][action='/app/evaluations'] button[type=submit]")
    page.wait_for_url(re.compile(r"/app/evaluations/[0-9a-f-]{36}"))
    expect(page.locator("h1")).to_contain_text(seller)
    expect(page.locator(".figure").first).to_contain_text("Draft")
    assert no_horizontal_scroll(page)

    page.fill("#f-comment", "Good follow-ups; more test drives next month.")
    page.click("form[action$='/comment'] button[type=submit]")
    expect(page.locator(".timeline")).to_contain_text("more test drives")
    page.click("form[action$='/approval'] button[type=submit]")
    expect(page.locator(".notice")).to_contain_text("Approved")
    expect(page.locator("form[action$='/approval']")).to_have_count(0)
    assert no_horizontal_scroll(page)

    page.goto(f"/app/evaluations?month={LAST_MONTH}")
    expect(page.locator("tbody tr", has_text=seller)).to_contain_text("Approved")
