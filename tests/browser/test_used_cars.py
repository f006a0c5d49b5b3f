"""A used car in a real browser, at both sizes, in Chinese: the store manager buys it at
auction, opens a work order, adds work, starts and finishes it (front line refused while the
order is open), puts it on the front line and sees its cost with recon and T2L; then a
salesperson finds it by its VIN on a deal, quotes, signs and delivers it (a retail deal)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from domain.shared.values import with_check_digit
from tests.browser.conftest import no_horizontal_scroll
from tests.browser.test_deals import api_get, open_deal_from

MANAGER, SALESPERSON = "manager1", "sales1"


def test_a_used_car_goes_from_auction_through_recon_to_a_retail_deal(
    new_page: Callable[..., Page], size: str
) -> None:
    vin = with_check_digit(f"LFV2A21K0P49{9 if size == 'phone' else 8}{1234:04d}")
    page = new_page(size, user=MANAGER)
    page.goto("/app/used-cars/new")
    page.select_option("#f-source", "auction")
    page.fill("#f-seller", "上海二手车拍卖")
    page.fill("#f-vin", vin)
    page.fill("#f-make", "VW")
    page.fill("#f-model", "Passat")
    page.fill("#f-model_year", "2021")
    page.fill("#f-cost", "80000")
    page.fill("#f-list_price", "99800")
    assert no_horizontal_scroll(page)
    page.click("form[action='/app/used-cars/new'] button[type=submit]")
    page.wait_for_url("**/app/used-cars/*")
    expect(page.locator("p.notice")).to_contain_text("尚未上架")

    page.fill("#f-workshop", "本店车间")
    page.click("form[action$='/orders'] button[type=submit]")
    page.fill("#f-description", "更换轮胎")
    page.fill("#f-cost", "2400")
    page.click("form.recon-item button[type=submit]")
    expect(page.locator(".recon-order li")).to_contain_text("更换轮胎")
    page.click("form[action$='/front-line'] button[type=submit]")
    expect(page.locator("p.error.banner")).to_be_visible()  # the order is not finished
    page.click("form[action$='/start'] button[type=submit]")
    page.click("form[action$='/finish'] button[type=submit]")
    page.click("form[action$='/front-line'] button[type=submit]")
    expect(page.locator("p.notice")).to_contain_text("已上架")
    expect(page.locator("dl.used-car")).to_contain_text("¥82,400.00")
    expect(page.locator("dl.used-car")).to_contain_text("0 天")
    assert no_horizontal_scroll(page)

    seller = new_page(size, user=SALESPERSON)
    lead = api_get(seller, "/leads?status=open&limit=1", SALESPERSON)["items"][0]
    open_deal_from(seller, lead["id"])
    seller.fill("#f-q", vin)
    result = seller.locator("#vehicle-results li", has_text=vin)
    expect(result).to_be_visible()
    result.locator("button[type=submit]").click()
    expect(seller.locator("#h-vehicle + p")).to_contain_text(vin)
    seller.fill("#f-price", "96000")
    seller.click("form[action$='/quote'] button[type=submit]")
    seller.click("form[action$='/contract'] button[type=submit]")
    seller.click("form[action$='/delivery'] button[type=submit]")
    expect(seller.locator("h1 .badge.good")).to_be_visible()
    assert no_horizontal_scroll(seller)
