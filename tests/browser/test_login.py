"""Logging in and out of the pages in a real browser, in both languages, at both sizes."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in, no_horizontal_scroll


def test_a_person_logs_in_with_the_form_and_out_again(
    new_page: Callable[..., Page], size: str
) -> None:
    """The login form signs a salesperson in to their start page; logging out ends the session,
    and the old page then asks to log in again."""
    page = new_page(size)
    log_in(page, "sales1")
    expect(page.locator("h1")).to_contain_text("sales1")
    assert no_horizontal_scroll(page)
    page.click("form[action='/app/logout'] button")
    page.wait_for_url("**/app/login")
    page.goto("/app/")
    page.wait_for_url("**/app/login?next=/app/")


def test_a_wrong_password_is_refused_beside_the_form_in_the_browsers_language(
    new_page: Callable[..., Page],
) -> None:
    """The login page follows Accept-Language: English for an English browser, Chinese by
    default; a wrong password gets one message, and nobody is signed in."""
    english = new_page("phone", locale="en-GB")
    english.goto("/app/login")
    expect(english.locator("h1")).to_have_text("Log in to Showroom")
    english.fill("#f-username", "sales1")
    english.fill("#f-password", "not-the-password")
    english.click("form[action='/app/login'] button[type=submit]")
    expect(english.locator(".error.banner")).to_have_text("Unknown username or wrong password.")
    chinese = new_page("phone", locale="zh-CN")
    chinese.goto("/app/login")
    expect(chinese.locator("h1")).to_have_text("登录 Showroom")


def test_the_language_switch_is_kept_for_the_user(new_page: Callable[..., Page]) -> None:
    """Choosing English on any page keeps it for that user, in a new browser too."""
    page = new_page("desktop", user="manager1")
    page.click("button[name=language][value=en]")
    expect(page.locator("button[name=language][value=zh-CN]")).to_be_visible()
    expect(page.locator(".who")).to_contain_text("Store manager")
    other = new_page("phone", user="manager1", locale="zh-CN")
    expect(other.locator(".who")).to_contain_text("Store manager")
    other.click("button[name=language][value=zh-CN]")
    expect(other.locator(".who")).to_contain_text("门店经理")
