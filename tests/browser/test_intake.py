"""The lead-intake pages in a real browser: an admin's campaign and partner, end to end."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll


def test_an_admin_runs_a_campaign_and_registers_rotates_and_revokes_a_partner(
    new_page: Callable[..., Page], size: str
) -> None:
    """The admin creates a campaign for a store and records its spend; registers a partner for
    that store and sees its secret once; rotates it (a new secret, different, shown once);
    revokes it; the list shows it revoked. Every page fits the screen."""
    admin = new_page(size, user="admin", locale="en-GB")
    admin.goto("/app/campaigns")
    admin.fill("#f-name", f"Spring drive {size}")
    admin.fill("#f-starts_on", "2026-03-01")
    admin.fill("#f-ends_on", "2026-03-31")
    admin.click("form[action='/app/campaigns'] button[type=submit]")
    expect(admin.locator("#f-store_ids-error")).to_be_visible()  # no store chosen
    admin.locator("input[name=store_ids]").first.check()
    admin.click("form[action='/app/campaigns'] button[type=submit]")
    admin.wait_for_url("**/app/campaigns/*")
    expect(admin.locator("h1")).to_have_text(f"Spring drive {size}")
    admin.fill("#f-amount", "8800.50")
    admin.fill("#f-spent_on", "2026-03-02")
    admin.click("form[action$='/spend'] button[type=submit]")
    expect(admin.locator("#spend-heading")).to_contain_text("¥8,800.50")
    assert no_horizontal_scroll(admin)

    admin.goto("/app/admin/partners")
    admin.fill("#f-name", f"Autohome {size}")
    admin.select_option("#f-kind", "marketplace")
    admin.locator("input[name=store_ids]").first.check()
    admin.fill("#f-sources", "marketplace:autohome, marketplace:dongchedi")
    admin.click("form[action='/app/admin/partners'] button[type=submit]")
    secret = admin.locator("#partner-secret").inner_text()
    assert secret.startswith("whsec_")
    assert no_horizontal_scroll(admin)
    admin.goto("/app/admin/partners")
    admin.locator("a.row", has_text=f"Autohome {size}").click()
    admin.wait_for_url("**/app/admin/partners/*")
    expect(admin.locator("#partner-secret")).to_have_count(0)  # never shown again

    admin.click("form[action$='/secret'] button[type=submit]")
    rotated = admin.locator("#partner-secret").inner_text()
    assert rotated.startswith("whsec_") and rotated != secret
    admin.fill("#f-reason", "contract ended")
    admin.click("form[action$='/revocation'] button[type=submit]")
    expect(admin.locator("h1 .badge")).to_have_text("Revoked")
    admin.goto("/app/admin/partners")
    expect(admin.locator("a.row", has_text=f"Autohome {size}")).to_contain_text("Revoked")
    assert no_horizontal_scroll(admin)
