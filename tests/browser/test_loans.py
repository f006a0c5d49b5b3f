"""Auto finance in a real browser, at both sizes: a salesperson signs a deal and applies for a
loan on its loan page; the store manager records the lender's approval with its conditions and
the funding; the car is delivered, and the salesperson's F&I PVR of the month moves."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll
from tests.browser.test_deals import attach_a_car_to_a_new_deal

SALESPERSON = "sales1"


def pvr(page: Page) -> str:
    return page.locator("#fi-pvr").inner_text()


def test_a_loan_is_applied_approved_funded_and_the_pvr_moves(
    new_page: Callable[..., Page], size: str
) -> None:
    seller = new_page(size, user=SALESPERSON, locale="en-GB")
    attach_a_car_to_a_new_deal(seller, SALESPERSON)
    seller.click("form[action$='/quote'] button[type=submit]")
    seller.click("form[action$='/contract'] button[type=submit]")
    deal_url = seller.url.split("?")[0]
    seller.click("a[href$='/loans']")
    seller.wait_for_url("**/loans*")
    before = pvr(seller)

    seller.fill("#f-lender", "BYD Auto Finance")
    seller.fill("#f-amount", "120000")
    seller.fill("#f-term_months", "36")
    seller.fill("#f-down_payment", "50000")
    seller.fill("#f-rate", "4.5")
    seller.click("form[action$='/loans'] button[type=submit]")
    expect(seller.locator(".loans-list")).to_contain_text("Waiting for the lender")
    assert no_horizontal_scroll(seller)

    manager = new_page(size, user="manager1", locale="en-GB")
    manager.goto(seller.url)
    manager.locator("summary", has_text="Approved by the lender").click()
    manager.fill("textarea[name=conditions]", "Two payslips")
    manager.click("form[action$='/approve'] button[type=submit]")
    expect(manager.locator(".loans-list")).to_contain_text("Two payslips")
    manager.locator("summary", has_text="Funded by the lender").click()
    # Each size funds a different income: both runs share one demo group and its month.
    manager.fill("input[name=income]", "3600" if size == "desktop" else "4800")
    manager.click("form[action$='/fund'] button[type=submit]")
    expect(manager.locator(".loans-list .badge.good")).to_contain_text("Funded")
    assert no_horizontal_scroll(manager)

    seller.goto(deal_url)
    seller.click("form[action$='/delivery'] button[type=submit]")
    expect(seller.locator("h1 .badge.good")).to_be_visible()
    seller.click("a[href$='/loans']")
    seller.wait_for_url("**/loans*")
    expect(seller.locator("#fi-pvr")).not_to_have_text(before)
    assert no_horizontal_scroll(seller)
