"""A salesperson's whole sale in the browser, as on the showroom floor: a walk-in captured,
a call logged, a test drive booked and shown, a deal opened from the lead, a car found in stock
by typing, quoted, signed and delivered; then My month shows the unit and the pay it earned.
At a phone size and a desktop size."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll
from tests.browser.test_deals import api_get, figure

SALESPERSON = "sales5"


def test_a_walk_in_becomes_a_delivered_car_and_moves_the_salespersons_month(
    new_page: Callable[..., Page], size: str
) -> None:
    page = new_page(size, user=SALESPERSON)
    page.goto("/app/my-month")
    units_before = figure(page, "#kpi-units")
    pay_before = figure(page, "#pay-total")

    # Capture in three fields and a tap.
    page.goto("/app/leads/new")
    page.fill("#f-customer_name", "赵先生")
    page.fill("#f-customer_phone", "137" + "".join(random.choices("0123456789", k=8)))
    page.fill("#f-model_interest", "汉")
    page.click("form[action='/app/leads/new'] button[type=submit]")
    page.wait_for_url("**/app/leads/*-*?position=*")
    expect(page.locator("h1")).to_contain_text("赵先生")

    # A call in one tap, a test drive booked for tomorrow and marked shown.
    page.fill("#f-note", "想周末带家人来试驾")
    page.click("button[name=kind][value=call]")
    expect(page.locator(".timeline")).to_contain_text("想周末带家人来试驾")
    tomorrow = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)
    page.fill("#f-scheduled_for", tomorrow.strftime("%Y-%m-%dT10:30"))
    page.select_option("#f-purpose", "test_drive")
    page.click("form[action$='/appointments'] button[type=submit]")
    page.click("form[action$='/shown'] button")
    expect(page.locator("#h-appointment ~ p.muted")).to_contain_text("1")
    assert no_horizontal_scroll(page)

    # The deal, from the lead page.
    page.locator("form[action='/app/deals/new'] button[type=submit]").first.click()
    page.wait_for_url("**/app/deals/*")
    car = api_get(page, "/vehicles?status=in_stock&limit=1", SALESPERSON)["items"][0]
    page.fill("#f-q", f"{car['model']} {car['colour']}")
    found = page.locator("#vehicle-results li", has_text=car["vin"])
    expect(found).to_be_visible()
    found.locator("button[type=submit]").click()
    expect(page.locator("#h-vehicle + p")).to_contain_text(car["vin"])
    page.fill("#f-discount", "2000")
    page.click("form[action$='/quote'] button[type=submit]")
    page.click("form[action$='/contract'] button[type=submit]")
    page.click("form[action$='/delivery'] button[type=submit]")
    expect(page.locator("h1 .badge.good")).to_be_visible()
    assert no_horizontal_scroll(page)

    # The month moved: one more unit, and more pay to date.
    page.goto("/app/my-month")
    assert figure(page, "#kpi-units") == units_before + 1
    assert figure(page, "#pay-total") > pay_before
    assert no_horizontal_scroll(page)
