"""The floor rotation in the browser: a salesperson checks in (or is free again) and is up; the
manager gives a walk-in to whoever is up; the salesperson's page, never reloaded, shows them
with that customer when its line refreshes itself (htmx polling). At a phone size and a
desktop size, in Chinese."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll

PHONES = {"phone": "13912340001", "desktop": "13912340002"}


def test_the_manager_gives_a_walk_in_to_the_salesperson_who_is_up(
    new_page: Callable[..., Page], size: str
) -> None:
    seller = new_page(size, user="sales1")
    seller.goto("/app/rotation")
    expect(seller.locator("h1")).to_contain_text("接待轮序")
    if seller.get_by_role("button", name="签到").count():
        seller.get_by_role("button", name="签到").click()
    if seller.get_by_role("button", name="我已空闲").count():
        seller.get_by_role("button", name="我已空闲").click()
    mine = seller.locator("#rotation-board .rotation-line li", has_text="你")
    expect(mine.locator(".badge.good")).to_have_text("轮到")
    assert no_horizontal_scroll(seller)

    manager = new_page(size, user="manager1")
    manager.goto("/app/rotation")
    manager.fill("#f-customer_name", "到店客户")
    manager.fill("#f-customer_phone", PHONES[size])
    manager.fill("#f-model_interest", "汉")
    manager.get_by_role("button", name="分配给当前轮到的人").click()
    manager.wait_for_url("**/app/rotation?store=*")
    expect(manager.locator("#rotation-board .rotation-takes li").first).to_be_visible()
    assert no_horizontal_scroll(manager)

    # The seller's page was not reloaded: its line refreshes itself and shows them busy.
    expect(mine.locator(".badge.warn")).to_have_text("接待中", timeout=20_000)
    expect(seller.get_by_role("button", name="我已空闲")).to_have_count(0)  # only after reload
    assert no_horizontal_scroll(seller)
