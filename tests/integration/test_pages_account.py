"""A person's own account page: changing one's password keeps one signed in, ends every other
session, and refuses a wrong current password or a weak new one beside the field."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.conftest import PASSWORD, Api
from tests.pages.client import PageClient


def browser(api: Api, username: str, password: str = PASSWORD) -> PageClient:
    page = PageClient(TestClient(api.client.app, raise_server_exceptions=False))
    page.log_in(username, password)
    return page


def test_changing_ones_password_keeps_this_session_and_ends_the_others(api: Api) -> None:
    here, elsewhere = browser(api, "sales_a1"), browser(api, "sales_a1")
    here.get("/app/account")
    new = "a-much-longer-secret-9"

    answer = here.post(
        "/app/account/password",
        {"current_password": PASSWORD, "password": new, "password_again": new},
    )

    assert answer.status_code == 303
    assert here.get(answer.headers["location"]).status_code == 200
    assert elsewhere.get("/app/account").status_code == 303  # to the login page
    assert api.client.post("/auth/token", data={"username": "sales_a1", "password": new}).is_success


def test_a_wrong_current_password_or_a_weak_new_one_is_refused_beside_its_field(
    api: Api,
) -> None:
    page = browser(api, "sales_a1")
    page.get("/app/account")

    wrong = page.post(
        "/app/account/password",
        {
            "current_password": "not-it-at-all",
            "password": "long-enough-1",
            "password_again": "long-enough-1",
        },
    )
    weak = page.post(
        "/app/account/password",
        {"current_password": PASSWORD, "password": "short", "password_again": "short"},
    )
    differ = page.post(
        "/app/account/password",
        {
            "current_password": PASSWORD,
            "password": "long-enough-1",
            "password_again": "long-enough-2",
        },
    )

    assert (wrong.status_code, weak.status_code, differ.status_code) == (422, 422, 422)
    assert 'id="f-current_password-error"' in wrong.text and "当前密码不正确" in wrong.text
    assert 'id="f-password-error"' in weak.text and "至少 8 个字符" in weak.text
    assert 'id="f-password_again-error"' in differ.text
    assert page.get("/app/account").status_code == 200  # still signed in: nothing changed
