"""Login throttling, unlock, token revocation on the real API."""

from __future__ import annotations

from tests.integration.conftest import PASSWORD, Api


def _login(api: Api, username: str, password: str) -> int:
    response = api.client.post("/auth/token", data={"username": username, "password": password})
    return int(response.status_code)


def test_many_wrong_passwords_lock_the_account_until_an_admin_unlocks_it(api: Api) -> None:
    admin = api.headers("admin")
    answers = [_login(api, "sales_a1", f"wrong-{n}") for n in range(200)]

    assert answers.count(401) == 5 and answers.count(429) == 195
    assert _login(api, "sales_a1", PASSWORD) == 429
    assert api.client.post("/users/sales_a1/unlock", headers=admin).status_code == 201
    assert _login(api, "sales_a1", PASSWORD) == 200


def test_a_password_change_revokes_older_tokens(api: Api) -> None:
    old = api.headers("sales_a1")
    body = {"password": "brand-new-pass-1", "current_password": PASSWORD}

    assert api.client.post("/users/sales_a1/password", json=body, headers=old).status_code == 201
    assert api.client.get("/auth/me", headers=old).status_code == 401


def test_logout_revokes_the_presented_token(api: Api) -> None:
    token = api.headers("sales_a1")

    assert api.client.post("/auth/logout", headers=token).status_code == 201
    assert api.client.get("/auth/me", headers=token).status_code == 401
