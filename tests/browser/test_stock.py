"""The stock pages in a real browser, at a phone size and a desktop size: a store manager reads
days' supply (its chart drawn), the guidance, aging and turnover of the demo group's store
without the page scrolling sideways; the group executive opens the pipeline."""

from __future__ import annotations

import os
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll

SHOTS = os.environ.get("SHOWROOM_STOCK_SHOTS")  # a folder: keep screenshots to look at


def test_a_manager_reads_the_stock_reports_with_the_chart(
    new_page: Callable[..., Page], size: str
) -> None:
    manager = new_page(size, user="manager1", locale="en-GB")

    manager.goto("/app/stock?window=90")

    expect(manager.locator("#h-supply")).to_contain_text("Days' supply")
    expect(manager.locator("#h-guidance")).to_be_visible()
    expect(manager.locator("#h-turnover")).to_be_visible()
    expect(manager.locator("[data-chart=supply-chart] canvas")).to_have_count(1)
    assert no_horizontal_scroll(manager)
    if SHOTS:
        manager.screenshot(path=f"{SHOTS}/stock-{size}.png", full_page=True)
        manager.screenshot(path=f"{SHOTS}/stock-{size}-top.png")
        manager.locator("#h-guidance").scroll_into_view_if_needed()
        manager.screenshot(path=f"{SHOTS}/stock-{size}-guidance.png")


def test_the_group_executive_opens_the_pipeline_in_chinese(
    new_page: Callable[..., Page], size: str
) -> None:
    executive = new_page(size, user="exec")

    executive.goto("/app/stock/pipeline")

    expect(executive.locator("h1")).to_contain_text("在途库存")
    assert no_horizontal_scroll(executive)
    if SHOTS:
        executive.screenshot(path=f"{SHOTS}/pipeline-{size}.png", full_page=True)


def test_a_manager_places_an_order_on_the_pipeline_and_a_bad_vin_is_shown_beside_it(
    new_page: Callable[..., Page], size: str
) -> None:
    """A store manager places an OEM order with the pipeline's form and is offered the
    allocation form for it; a VIN of three letters comes back beside the VIN field. On the
    narrowest phone (360 px) and a desktop, without the page scrolling sideways."""
    manager = new_page(size, user="manager1", locale="en-GB")
    if size == "phone":
        manager.set_viewport_size({"width": 360, "height": 800})

    manager.goto("/app/stock/pipeline")
    manager.locator("#h-order").click()  # the form is folded until asked for
    manager.fill("#f-make", "BYD")
    manager.fill("#f-model", "Seal")
    manager.fill("#f-colour", "White")
    manager.fill("#f-model_year", "2026")
    manager.get_by_role("button", name="Place the order").click()
    allocate = manager.locator("form[action$='/allocate']").first
    expect(allocate).to_be_visible()
    assert no_horizontal_scroll(manager)
    if SHOTS:
        manager.screenshot(path=f"{SHOTS}/pipeline-forms-{size}.png", full_page=True)
        manager.locator("#h-transfer").click()
        manager.screenshot(path=f"{SHOTS}/pipeline-transfer-{size}.png", full_page=True)
    allocate.locator("input[name=vin]").fill("ABC")
    allocate.locator("input[name=cost]").fill("150000")
    allocate.locator("input[name=list_price]").fill("180000")
    allocate.get_by_role("button", name="Record the allocation").click()

    expect(manager.locator("form[action$='/allocate'] p.error")).to_contain_text("VIN")
    assert no_horizontal_scroll(manager)
    if SHOTS:
        manager.screenshot(path=f"{SHOTS}/pipeline-error-{size}.png", full_page=True)
