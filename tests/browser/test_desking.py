"""A discount that needs approval in a real browser, at a phone size and a desktop size: the
store manager sets the rules (above 3 % off list: the team leader; above 5 %: the manager); a
salesperson quotes 8 % off, is stopped at the contract with the reason beside the button,
asks for approval; the manager refuses with a reason; the salesperson sees it, lowers the
discount, asks again; the manager approves; the contract is signed."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll
from tests.browser.test_deals import attach_a_car_to_a_new_deal

SALESPERSON, MANAGER = "sales1", "manager1"
# Set to a folder to keep a screenshot of each step (to look at the pages while changing them).
SHOTS = os.environ.get("SHOWROOM_DESK_SHOTS")


def shot(page: Page, name: str, size: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{size}.png"), full_page=True)


def quote(page: Page, percent_off: int) -> None:
    listed = float(page.locator("#f-price").input_value())
    page.fill("#f-discount", f"{listed * percent_off / 100:.2f}")
    page.click("form[action$='/quote'] button[type=submit]")


def test_a_discount_is_refused_changed_approved_and_signed(
    new_page: Callable[..., Page], size: str
) -> None:
    manager = new_page(size, user=MANAGER, locale="en-GB")
    manager.goto("/app/approvals/rules")
    manager.fill("#f-discount_team_leader", "3")
    manager.fill("#f-discount_manager", "5")
    manager.fill("#f-discount_general_manager", "")
    manager.click("form[action='/app/approvals/rules'] button[type=submit]")
    expect(manager.locator("p.notice")).to_be_visible()
    shot(manager, "rules", size)
    assert no_horizontal_scroll(manager)

    seller = new_page(size, user=SALESPERSON, locale="en-GB")
    attach_a_car_to_a_new_deal(seller, SALESPERSON)
    deal_id = seller.url.split("/app/deals/")[1].split("?")[0].split("#")[0]
    quote(seller, 8)
    expect(seller.locator("#h-approval + p")).to_contain_text("Manager")
    seller.click("form[action$='/contract'] button[type=submit]")
    expect(seller.locator("p.error.banner")).to_contain_text("needs approval first")
    shot(seller, "deal-refused-contract", size)
    seller.fill("#f-approval_note", "Loyal customer, second car")
    seller.click("form[action$='/approval-request'] button[type=submit]")
    expect(seller.locator(".approval-state")).to_contain_text("Waiting for approval")
    assert no_horizontal_scroll(seller)

    manager.goto("/app/approvals")
    item = manager.locator(f"#deal-{deal_id}")
    expect(item).to_contain_text("Loyal customer")
    shot(manager, "queue", size)
    assert no_horizontal_scroll(manager)
    item.locator("summary", has_text="Refuse").click()
    item.locator("textarea[name=reason]").fill("5 % is the most on this model")
    item.locator("form[action$='/refuse'] button[type=submit]").click()
    expect(manager.locator(f"#deal-{deal_id}")).to_have_count(0)

    seller.goto(f"/app/deals/{deal_id}")
    expect(seller.locator(".decision-note")).to_contain_text("5 % is the most")
    shot(seller, "deal-refused", size)
    quote(seller, 4)
    seller.click("form[action$='/approval-request'] button[type=submit]")
    expect(seller.locator(".approval-state")).to_contain_text("Waiting for approval")

    manager.goto("/app/approvals")
    manager.locator(f"#deal-{deal_id} form[action$='/approve'] button[type=submit]").click()
    expect(manager.locator(f"#deal-{deal_id}")).to_have_count(0)

    seller.goto(f"/app/deals/{deal_id}")
    expect(seller.locator(".approval-state")).to_contain_text("Approved")
    seller.click("form[action$='/contract'] button[type=submit]")
    expect(seller.locator("h1 .badge")).to_have_text(re.compile("Contract signed"))
    shot(seller, "deal-signed", size)
