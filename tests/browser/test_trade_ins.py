"""A trade-in in a real browser, at both sizes: the store manager appraises a customer's car
(checklist, ACV, offer), the salesperson quotes a new car on a deal, the manager puts the
appraisal on that deal from its trade-in panel with an over-allowance, the salesperson signs
and delivers (seeing allowance, payoff and equity, never the ACV), and the appraisal then shows
the car in used stock at its ACV."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from playwright.sync_api import Page, expect

from domain.shared.values import with_check_digit
from tests.browser.conftest import no_horizontal_scroll
from tests.browser.test_deals import SALESPERSON, attach_a_car_to_a_new_deal

MANAGER = "manager1"


def appraise(page: Page, vin: str) -> str:
    page.goto("/app/appraisals")
    page.fill("#f-vin", vin)
    page.fill("#f-make", "Toyota")
    page.fill("#f-model", "Camry")
    page.fill("#f-model_year", "2019")
    page.fill("#f-mileage_km", "86000")
    assert no_horizontal_scroll(page)
    page.click("form[action='/app/appraisals'] button[type=submit]")
    page.wait_for_url(re.compile(r"/app/appraisals/[0-9a-f-]{36}"))
    appraisal_id = page.url.split("/app/appraisals/")[1].split("?")[0]
    page.select_option("#f-result_5", "fail")  # tyres
    page.fill("#f-note_5", "two tyres worn")
    page.fill("#f-cost_5", "1600")
    page.click("form[action$='/inspection'] button[type=submit]")
    expect(page.locator("h1 .badge")).to_contain_text("Inspected")
    expect(page.locator(".figures")).to_contain_text("¥1,600.00")  # the repair estimate
    page.fill("#f-acv", "50000")
    page.click("form[action$='/valuation'] button[type=submit]")
    page.click("form[action$='/offer'] button[type=submit]")
    expect(page.locator(".figures")).to_contain_text("¥50,000.00")
    assert no_horizontal_scroll(page)
    return appraisal_id


def test_a_trade_in_goes_from_appraisal_to_a_deal_and_into_used_stock_at_its_acv(
    new_page: Callable[..., Page], size: str
) -> None:
    manager = new_page(size, user=MANAGER, locale="en-GB")
    vin = with_check_digit(f"JTNB11HK0J30{1 if size == 'phone' else 2:05d}")
    appraisal_id = appraise(manager, vin)

    seller = new_page(size, user=SALESPERSON, locale="en-GB")
    attach_a_car_to_a_new_deal(seller, SALESPERSON)
    seller.click("form[action$='/quote'] button[type=submit]")
    deal_url = seller.url.split("?")[0]

    manager.goto(deal_url)
    panel = manager.locator("#trade-in")
    expect(panel.locator("select[name=appraisal_id]")).to_be_visible()
    panel.locator("select[name=appraisal_id]").select_option(appraisal_id)
    panel.locator("input[name=allowance]").fill("53000")
    panel.locator("input[name=payoff]").fill("20000")
    panel.locator("button[type=submit]").click()
    expect(manager.locator("#trade-in")).to_contain_text("-¥3,000.00")
    assert no_horizontal_scroll(manager)

    seller.goto(deal_url)
    expect(seller.locator("#trade-in")).to_contain_text("¥33,000.00")
    expect(seller.locator("#trade-in")).not_to_contain_text("¥50,000.00")
    seller.click("form[action$='/contract'] button[type=submit]")
    seller.click("form[action$='/delivery'] button[type=submit]")
    expect(seller.locator("h1 .badge.good")).to_be_visible()

    deadline = time.monotonic() + 20
    while True:
        manager.goto(f"/app/appraisals/{appraisal_id}")
        if manager.locator(".trade-stock").count():
            break
        assert time.monotonic() < deadline, "the trade did not enter used stock"
        time.sleep(0.3)
    expect(manager.locator(".trade-stock")).to_contain_text("¥50,000.00")
    assert no_horizontal_scroll(manager)
