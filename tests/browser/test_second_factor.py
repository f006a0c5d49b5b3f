"""Enrolling a second factor and logging in with its code, in a real browser."""

from __future__ import annotations

import time
from collections.abc import Callable

import pyotp
from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll, password_of


def test_a_finance_user_enrols_an_authenticator_and_then_logs_in_with_its_code(
    new_page: Callable[..., Page],
) -> None:
    """From "My account": scan (here: read) the secret, confirm with the app's code and the
    password, see ten recovery codes once; the next login asks for the code after the
    password, refuses a wrong one and lets the right one in; the sessions page lists both."""
    page = new_page("phone", user="finance", locale="en-GB")
    page.goto("/app/account")
    page.click("a[href='/app/account/second-factor']")
    expect(page.locator("img.qr")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.fill("#f-code", totp.now())
    page.fill("#f-password", password_of("finance"))
    page.click("form[action='/app/account/second-factor'] button[type=submit]")
    expect(page.locator("ol.recovery-codes li")).to_have_count(10)
    assert no_horizontal_scroll(page)

    other = new_page("desktop", locale="en-GB")
    other.goto("/app/login")
    other.fill("#f-username", "finance")
    other.fill("#f-password", password_of("finance"))
    other.click("form[action='/app/login'] button[type=submit]")
    expect(other.locator("h1")).to_have_text("One-time code")
    other.fill("#f-code", "000000" if totp.now() != "000000" else "111111")
    other.click("form[action='/app/login/code'] button[type=submit]")
    expect(other.locator(".error.banner")).to_contain_text("Wrong or already used code")
    other.fill("#f-code", totp.at(time.time() + 30))
    other.click("form[action='/app/login/code'] button[type=submit]")
    other.wait_for_url("**/app/")

    other.goto("/app/account/sessions")
    expect(other.locator("li[aria-current='true']")).to_have_count(1)
    expect(other.locator("ul.sessions > li")).to_have_count(2)
