"""A salesperson's deal in a real browser, at both sizes: from an open lead of theirs, open a
deal, find a car in stock by typing, quote it with a discount, sign and deliver, then see My
month's units and pay move."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll, password_of

SALESPERSON = "sales1"


def api_get(page: Page, path: str, user: str = SALESPERSON) -> Any:
    """The JSON API as the same salesperson (to find their open lead and a car in stock)."""
    token = page.request.post(
        "/auth/token", form={"username": user, "password": password_of(user)}
    ).json()["access_token"]
    answer = page.request.get(path, headers={"Authorization": f"Bearer {token}"})
    assert answer.ok, answer.text()
    return answer.json()


def figure(page: Page, selector: str) -> float:
    return float(
        page.locator(f"{selector} dd")
        .first.inner_text()
        .split()[0]
        .replace("¥", "")
        .replace(",", "")
    )


def open_deal_from(page: Page, lead_id: str) -> None:
    """The lead page's "Open a deal" button."""
    page.goto(f"/app/leads/{lead_id}")
    page.locator("form[action='/app/deals/new'] button[type=submit]").first.click()
    page.wait_for_url("**/app/deals/*")


def attach_a_car_to_a_new_deal(page: Page, user: str) -> None:
    """From the user's first open lead, a deal with the first car in stock found by typing."""
    lead = api_get(page, "/leads?status=open&limit=1", user)["items"][0]
    car = api_get(page, "/vehicles?status=in_stock&limit=1", user)["items"][0]
    open_deal_from(page, lead["id"])
    page.fill("#f-q", f"{car['model']} {car['colour']}")
    result = page.locator("#vehicle-results li", has_text=car["vin"])
    expect(result).to_be_visible()
    assert no_horizontal_scroll(page)
    result.locator("button[type=submit]").click()
    expect(page.locator("#h-vehicle + p")).to_contain_text(car["vin"])


def test_a_salesperson_sells_a_car_from_a_lead_and_sees_their_month_move(
    new_page: Callable[..., Page], size: str
) -> None:
    page = new_page(size, user=SALESPERSON)
    page.goto("/app/my-month")
    units_before = figure(page, "#kpi-units")
    paid_units_before = figure(page, "#pay-units")
    pay_before = figure(page, "#pay-total")

    attach_a_car_to_a_new_deal(page, SALESPERSON)
    page.fill("#f-discount", "1000")
    page.click("form[action$='/quote'] button[type=submit]")
    page.click("form[action$='/contract'] button[type=submit]")
    page.click("form[action$='/delivery'] button[type=submit]")
    expect(page.locator("h1 .badge.good")).to_be_visible()
    assert no_horizontal_scroll(page)

    page.goto("/app/my-month")
    assert figure(page, "#kpi-units") == units_before + 1
    assert figure(page, "#pay-units") == paid_units_before + 1
    assert figure(page, "#pay-total") >= pay_before
    assert no_horizontal_scroll(page)


def test_a_bad_discount_is_shown_beside_its_field_in_english(
    new_page: Callable[..., Page],
) -> None:
    page = new_page("phone", user="sales2")
    page.click("button[name=language][value=en]")
    attach_a_car_to_a_new_deal(page, "sales2")
    page.fill("#f-price", "1000")
    page.fill("#f-discount", "5000")
    page.click("form[action$='/quote'] button[type=submit]")
    expect(page.locator("#f-discount-error")).to_have_text("The discount is larger than the price.")
