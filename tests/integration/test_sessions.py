"""One's own sessions on the real API and pages, on both backends: listed with the current one
marked, one ended (its token fails on its next request), all others ended (the current kept),
nobody else's reachable, and every end recorded in the access log."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.conftest import PASSWORD, Api
from tests.pages.client import PageClient
from workers.access_log import AccessKind


def token(api: Api, username: str, agent: str = "pytest") -> dict[str, str]:
    response = api.client.post(
        "/auth/token",
        data={"username": username, "password": PASSWORD},
        headers={"User-Agent": agent},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_my_sessions_are_listed_newest_first_with_the_current_one_marked(api: Api) -> None:
    laptop = token(api, "sales_a1", "Laptop browser")
    phone = token(api, "sales_a1", "Phone app")
    token(api, "sales_a2")

    listed = api.client.get("/auth/sessions", headers=laptop).json()

    assert [s["user_agent"] for s in listed] == ["Phone app", "Laptop browser"]
    assert [s["current"] for s in listed] == [False, True]
    assert all(s["address"] == "testclient" for s in listed)
    assert all(s["issued_at"] < s["expires_at"] for s in listed)
    assert [s["current"] for s in api.client.get("/auth/sessions", headers=phone).json()] == [
        True,
        False,
    ]


def test_revoking_a_session_makes_its_token_fail_on_the_next_request(api: Api) -> None:
    laptop, phone = token(api, "sales_a1"), token(api, "sales_a1")
    phone_id = next(
        s["id"] for s in api.client.get("/auth/sessions", headers=phone).json() if s["current"]
    )
    assert api.client.get("/auth/me", headers=phone).status_code == 200

    revoked = api.client.delete(f"/auth/sessions/{phone_id}", headers=laptop)

    assert revoked.status_code == 200 and revoked.json() == {"revoked": [phone_id]}
    assert api.client.get("/auth/me", headers=phone).status_code == 401
    assert api.client.get("/auth/me", headers=laptop).status_code == 200
    assert phone_id not in [
        s["id"] for s in api.client.get("/auth/sessions", headers=laptop).json()
    ]


def test_revoking_all_other_sessions_keeps_the_current_one(api: Api) -> None:
    here, there, elsewhere = (token(api, "finance") for _ in range(3))

    answer = api.client.delete("/auth/sessions/others", headers=here)

    assert len(answer.json()["revoked"]) == 2
    assert api.client.get("/auth/me", headers=here).status_code == 200
    assert api.client.get("/auth/me", headers=there).status_code == 401
    assert api.client.get("/auth/me", headers=elsewhere).status_code == 401
    assert [s["current"] for s in api.client.get("/auth/sessions", headers=here).json()] == [True]


def test_nobody_can_end_another_users_session(api: Api) -> None:
    victim = token(api, "sales_a1")
    victim_id = api.client.get("/auth/sessions", headers=victim).json()[0]["id"]

    answer = api.client.delete(f"/auth/sessions/{victim_id}", headers=token(api, "admin"))

    assert answer.status_code == 404
    assert api.client.get("/auth/me", headers=victim).status_code == 200


def test_logging_out_ends_the_session_and_every_end_is_in_the_access_log(api: Api) -> None:
    first, second, third = (token(api, "exec") for _ in range(3))
    second_id = next(
        s["id"] for s in api.client.get("/auth/sessions", headers=second).json() if s["current"]
    )
    api.client.delete(f"/auth/sessions/{second_id}", headers=first)
    api.client.delete("/auth/sessions/others", headers=first)
    api.client.post("/auth/logout", headers=first)

    revocations = [e for e in api.runtime.access_log.entries if e.kind is AccessKind.TOKEN_REVOKED]

    assert [e.detail["reason"] for e in revocations] == [
        "sessions_list",
        "other_sessions",
        "logout",
    ]
    assert revocations[0].subject == second_id
    assert all(e.actor_id == revocations[0].actor_id for e in revocations)
    assert api.client.get("/auth/me", headers=third).status_code == 401


def test_a_password_change_on_the_page_lists_its_new_session(api: Api) -> None:
    page = PageClient(TestClient(api.client.app, raise_server_exceptions=False))
    page.log_in("sales_a1", PASSWORD)
    page.get("/app/account")
    new = "another-long-pass-7"
    page.post(
        "/app/account/password",
        {"current_password": PASSWORD, "password": new, "password_again": new},
    )

    shown = page.get("/app/account/sessions")

    assert shown.status_code == 200 and shown.text.count('aria-current="true"') == 1


# --- the pages ----------------------------------------------------------------------------------


def browser(api: Api, username: str, agent: str) -> PageClient:
    client = TestClient(
        api.client.app, raise_server_exceptions=False, headers={"User-Agent": agent}
    )
    page = PageClient(client)
    page.log_in(username, PASSWORD)
    return page


def test_the_sessions_page_lists_my_sessions_and_marks_this_one(api: Api) -> None:
    here = browser(api, "manager_a", "Firefox on the showroom PC")
    browser(api, "manager_a", "Safari on my phone")

    shown = here.get("/app/account/sessions")

    assert shown.status_code == 200
    assert "Firefox on the showroom PC" in shown.text and "Safari on my phone" in shown.text
    assert shown.text.count('aria-current="true"') == 1


def test_ending_a_session_on_the_page_signs_that_browser_out(api: Api) -> None:
    here = browser(api, "manager_a", "here")
    there = browser(api, "manager_a", "there")
    row = api.runtime.db.one("SELECT token_id FROM auth_sessions WHERE user_agent = ?", ("there",))
    assert row is not None
    there_id = row["token_id"]
    here.get("/app/account/sessions")

    answer = here.post("/app/account/sessions/revoke", {"session_id": there_id})

    assert answer.status_code == 303
    assert there.get("/app/account").status_code == 303  # to the login page
    assert here.get("/app/account").status_code == 200


def test_ending_all_other_sessions_on_the_page_keeps_this_one(api: Api) -> None:
    here, there = browser(api, "finance", "here"), browser(api, "finance", "there")
    here.get("/app/account/sessions")

    answer = here.post("/app/account/sessions/revoke-others", {})

    assert answer.status_code == 303
    assert there.get("/app/").status_code == 303
    assert here.get(answer.headers["location"]).status_code == 200
