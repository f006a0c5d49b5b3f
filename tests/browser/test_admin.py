"""The administrator's journeys in a real browser, at a phone and a desktop size."""

from __future__ import annotations

import json
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll

COMPONENTS = [
    {"type": "per_unit", "key": "unit", "new": "300", "used": "200"},
    {"type": "percent_of_gross", "key": "commission", "rate": "0.2", "mini": "300"},
]


def test_an_admin_creates_a_salesperson_who_then_logs_in(
    new_page: Callable[..., Page], size: str
) -> None:
    """The admin hires a salesperson at a store and gives them a login; the new salesperson
    logs in in a fresh browser and lands on their start page."""
    seller, username = f"Browser Seller {size}", f"seller_{size}"
    admin = new_page(size, user="admin", locale="en-GB")
    admin.goto("/app/admin/staff")
    admin.fill("#f-name", seller)
    admin.select_option("#f-role", "salesperson")
    admin.click("form[method=post][action='/app/admin/staff'] button[type=submit]")
    expect(admin.locator("a.row", has_text=seller)).to_be_visible()
    assert no_horizontal_scroll(admin)

    admin.goto("/app/admin/users")
    admin.fill("#f-username", username)
    admin.fill("#f-password", "short")
    admin.select_option("#f-role", "salesperson")
    staff_id = admin.locator("#f-staff_id option", has_text=seller).get_attribute("value")
    assert staff_id
    admin.select_option("#f-staff_id", staff_id)
    admin.click("form[action='/app/admin/users'] button[type=submit]")
    expect(admin.locator("#f-password-error")).to_have_text(
        "password must have at least 8 characters"
    )
    assert no_horizontal_scroll(admin)
    admin.fill("#f-password", "a-long-secret-1")
    admin.click("form[action='/app/admin/users'] button[type=submit]")
    admin.wait_for_url(f"**/app/admin/users/{username}**")
    expect(admin.locator("h1")).to_have_text(username)

    fresh = new_page(size, locale="en-GB")
    fresh.goto("/app/login")
    fresh.fill("#f-username", username)
    fresh.fill("#f-password", "a-long-secret-1")
    fresh.click("form[action='/app/login'] button[type=submit]")
    fresh.wait_for_url("**/app/")
    expect(fresh.locator(".who")).to_contain_text(username)
    expect(fresh.locator(".who")).to_contain_text("Salesperson")
    assert no_horizontal_scroll(fresh)


def test_an_admin_publishes_a_plan_version_after_an_invalid_try(
    new_page: Callable[..., Page], size: str
) -> None:
    """A component the service refuses shows its message beside the JSON, which stays in the
    field; corrected, the version is published and its components read in words."""
    page = new_page(size, user="admin", locale="en-GB")
    page.goto("/app/admin/plans")
    page.fill("#f-name", f"Browser plan {size}")
    page.click("form[action='/app/admin/plans'] button[type=submit]")
    page.wait_for_url("**/app/admin/plans/*")

    bad = json.dumps([{"type": "per_unit", "key": "unit", "new": "lots"}])
    page.fill("#f-effective_from", "2027-01-01")
    page.fill("#f-components", bad)
    page.click("form[action$='/versions'] button[value=publish]")
    expect(page.locator("#f-components-error")).to_contain_text("components[0].new")
    expect(page.locator("#f-components")).to_have_value(bad)
    assert no_horizontal_scroll(page)

    page.fill("#f-components", json.dumps(COMPONENTS, indent=2))
    page.click("form[action$='/versions'] button[value=check]")
    expect(page.locator(".preview")).to_contain_text("¥300.00 per new unit")
    page.click("form[action$='/versions'] button[value=publish]")
    expect(page.locator(".notice")).to_contain_text("not in force until another person")
    expect(page.locator("#proposed-version")).to_contain_text("Waiting for confirmation")
    plan_path = page.url.split("?")[0].split("/app/")[1]
    page = new_page(size, user="finance", locale="en-GB")
    page.goto(f"/app/{plan_path}")
    page.click("form[action$='/confirmation'] button")
    expect(page.locator(".notice")).to_contain_text("2027-01")
    expect(page.locator(".components").first).to_contain_text(
        "¥300.00 per new unit, ¥200.00 per used unit"
    )
    expect(page.locator(".components").first).to_contain_text(
        "20% of commission gross, at least ¥300.00 per deal"
    )
    assert no_horizontal_scroll(page)
