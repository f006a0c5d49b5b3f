"""The TOTP second factor on the real API and pages, on both backends: enrolment with a first
code and the password, login with and without a code, no code twice, recovery codes once,
disabling, an admin's reset, a role that must enrol, and what the log and access log keep."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Iterator

import httpx
import pyotp
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from domain.organisation import service as organisation_service
from domain.organisation.model import User
from tests.integration.conftest import PASSWORD, Api, _hashed, build_world
from tests.pages.client import PageClient
from workers.access_log import AccessKind
from workers.runtime import Runtime
from workers.settings import Settings


def code(secret: str, steps: int = 0) -> str:
    """The code of the time step `steps` away from now (the server accepts -1, 0 and +1)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def enrol(api: Api, username: str) -> tuple[str, list[str]]:
    """Enrol `username` with the code of now; its secret and recovery codes.

    Now, not the step before: a step boundary passing during the request would put the step
    before out of the window; now becomes at worst the step before, still accepted."""
    started = api.ok(api.post(username, "/auth/second-factor/enrolment"))
    body = {
        "enrolment": started["enrolment"],
        "code": code(started["secret"]),
        "password": PASSWORD,
    }
    enabled = api.ok(api.post(username, "/auth/second-factor", json=body))
    return started["secret"], enabled["recovery_codes"]


def log_in(api: Api, username: str, otp: str | None = None) -> httpx.Response:
    data = {"username": username, "password": PASSWORD}
    if otp is not None:
        data["otp"] = otp
    response = api.client.post("/auth/token", data=data)
    return response


def test_enrolment_shows_a_secret_as_an_otpauth_uri_and_a_qr_code(api: Api) -> None:
    started = api.ok(api.post("finance", "/auth/second-factor/enrolment"))

    assert started["otpauth_uri"].startswith("otpauth://totp/Showroom:finance?secret=")
    assert started["secret"] in started["otpauth_uri"]
    assert started["qr_svg"].startswith("data:image/svg+xml")
    assert api.ok(api.get("finance", "/auth/second-factor"), 200)["enabled"] is False


def test_enrolment_needs_a_valid_first_code_and_the_password(api: Api) -> None:
    started = api.ok(api.post("finance", "/auth/second-factor/enrolment"))
    right = code(started["secret"])
    attempts = [
        {"enrolment": started["enrolment"], "code": "000000", "password": PASSWORD},
        {"enrolment": started["enrolment"], "code": right, "password": "not-my-password"},
        {"enrolment": started["enrolment"] + "x", "code": right, "password": PASSWORD},
    ]

    answers = [api.post("finance", "/auth/second-factor", json=a).status_code for a in attempts]

    assert answers == [422, 422, 422]
    assert api.ok(api.get("finance", "/auth/second-factor"), 200)["enabled"] is False


def test_an_enrolment_started_by_one_user_cannot_be_confirmed_by_another(api: Api) -> None:
    started = api.ok(api.post("finance", "/auth/second-factor/enrolment"))
    body = {
        "enrolment": started["enrolment"],
        "code": code(started["secret"]),
        "password": PASSWORD,
    }

    assert api.post("admin", "/auth/second-factor", json=body).status_code == 422


def test_confirming_answers_ten_recovery_codes_once_and_the_status_counts_them(api: Api) -> None:
    _secret, recovery = enrol(api, "finance")

    status = api.ok(api.get("finance", "/auth/second-factor"), 200)

    assert len(recovery) == 10 and len(set(recovery)) == 10
    assert status == {"enabled": True, "recovery_codes_left": 10, "required": False}


def test_an_enrolled_user_logs_in_with_a_current_code_and_not_without_one(api: Api) -> None:
    secret, _codes = enrol(api, "finance")

    without = log_in(api, "finance")
    wrong = log_in(api, "finance", "123456" if code(secret) != "123456" else "654321")
    right = log_in(api, "finance", code(secret, +1))

    assert without.status_code == 401
    assert without.headers["showroom-second-factor"] == "required"
    assert wrong.status_code == 401 and "showroom-second-factor" not in wrong.headers
    assert right.status_code == 200
    token = right.json()["access_token"]
    assert api.client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).is_success


def test_a_wrong_password_with_a_right_code_is_refused(api: Api) -> None:
    secret, _codes = enrol(api, "finance")

    answer = api.client.post(
        "/auth/token", data={"username": "finance", "password": "wrong-pass", "otp": code(secret)}
    )

    assert answer.status_code == 401 and "showroom-second-factor" not in answer.headers


def test_a_code_is_never_accepted_twice(api: Api) -> None:
    started = api.ok(api.post("finance", "/auth/second-factor/enrolment"))
    used_at_enrolment = code(started["secret"])
    body = {"enrolment": started["enrolment"], "code": used_at_enrolment, "password": PASSWORD}
    api.ok(api.post("finance", "/auth/second-factor", json=body))
    fresh = code(started["secret"], +1)

    replayed_enrolment_code = log_in(api, "finance", used_at_enrolment)
    first = log_in(api, "finance", fresh)
    again = log_in(api, "finance", fresh)

    assert replayed_enrolment_code.status_code == 401
    assert first.status_code == 200
    assert again.status_code == 401


def test_a_code_older_than_the_last_one_used_is_refused_too(api: Api) -> None:
    secret, _codes = enrol(api, "finance")
    assert log_in(api, "finance", code(secret, +1)).status_code == 200

    assert log_in(api, "finance", code(secret, 0)).status_code == 401


def test_a_recovery_code_logs_in_once(api: Api) -> None:
    _secret, recovery = enrol(api, "finance")

    first = log_in(api, "finance", recovery[3].upper())
    again = log_in(api, "finance", recovery[3])

    assert first.status_code == 200 and again.status_code == 401
    assert api.ok(api.get("finance", "/auth/second-factor"), 200)["recovery_codes_left"] == 9


def test_wrong_codes_count_toward_the_login_throttle(api: Api) -> None:
    secret, _codes = enrol(api, "finance")
    wrong = "000000" if code(secret) != "000000" else "111111"

    answers = [log_in(api, "finance", wrong).status_code for _ in range(6)]

    assert answers == [401] * 5 + [429]
    assert log_in(api, "finance", code(secret, +1)).status_code == 429


def test_disabling_needs_a_current_or_recovery_code_then_the_password_alone_logs_in(
    api: Api,
) -> None:
    _secret, recovery = enrol(api, "finance")

    refused = api.post("finance", "/auth/second-factor/disable", json={"code": "000000"})
    disabled = api.post("finance", "/auth/second-factor/disable", json={"code": recovery[0]})

    assert refused.status_code == 422
    assert disabled.status_code == 201
    assert log_in(api, "finance").status_code == 200
    assert api.ok(api.get("finance", "/auth/second-factor"), 200)["enabled"] is False


def test_enrolling_twice_is_a_conflict(api: Api) -> None:
    enrol(api, "finance")
    started = api.ok(api.post("finance", "/auth/second-factor/enrolment"))
    body = {
        "enrolment": started["enrolment"],
        "code": code(started["secret"]),
        "password": PASSWORD,
    }

    assert api.post("finance", "/auth/second-factor", json=body).status_code == 409


def test_an_admin_resets_a_lost_second_factor_and_only_an_admin_may(api: Api) -> None:
    enrol(api, "finance")

    by_manager = api.post("manager_a", "/users/finance/second-factor/reset")
    by_admin = api.post("admin", "/users/finance/second-factor/reset")

    assert by_manager.status_code == 403
    assert by_admin.status_code == 201
    assert log_in(api, "finance").status_code == 200


def test_every_role_may_enrol(api: Api) -> None:
    for username in ("sales_a1", "manager_a", "exec", "auditor", "admin", "finance"):
        enrol(api, username)

    for username in ("sales_a1", "manager_a", "exec", "auditor", "admin", "finance"):
        assert log_in(api, username).headers.get("showroom-second-factor") == "required"


def test_the_secret_is_in_the_users_events_and_the_recovery_codes_only_hashed(api: Api) -> None:
    secret, recovery = enrol(api, "finance")

    cipher = api.runtime.app.mapper.cipher  # the body as stored, the outer encryption off
    assert cipher is not None
    stored = [
        json.loads(cipher.decrypt(bytes(item.state)))
        for item in api.runtime.app.recorder.select_events(User.id_for("finance"))
        if item.topic.endswith("SecondFactorEnabled")
    ]

    assert len(stored) == 1 and stored[0]["secret"] == secret
    assert len(stored[0]["recovery_code_hashes"]) == 10
    text = json.dumps(stored)
    assert not any(c in text or c.replace("-", "") in text for c in recovery)


def test_enrolling_and_disabling_are_recorded_in_the_access_log(api: Api) -> None:
    _secret, recovery = enrol(api, "finance")
    api.post("finance", "/auth/second-factor/disable", json={"code": recovery[0]})

    changes = [
        e.detail["change"]
        for e in api.runtime.access_log.entries
        if e.kind is AccessKind.SECOND_FACTOR_CHANGED
    ]

    assert changes == ["enabled", "disabled"]


# --- a role that must use a second factor -------------------------------------------------------


@pytest.fixture
def strict_api(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The API with SHOWROOM_SECOND_FACTOR_ROLES=admin,finance."""
    monkeypatch.setattr(organisation_service, "hash_password", _hashed)
    strict = dataclasses.replace(settings, second_factor_roles=("admin", "finance"))
    app = create_app(strict, create_tables=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        runtime: Runtime = app.state.runtime
        yield Api(client=client, runtime=runtime, world=build_world(runtime))


def test_a_role_that_must_use_a_second_factor_reaches_only_its_enrolment_until_it_enrols(
    strict_api: Api,
) -> None:
    api = strict_api

    before = api.get("finance", "/stores")
    me = api.get("finance", "/auth/me")
    others = api.get("sales_a1", "/stores")
    enrol(api, "finance")
    after = api.get("finance", "/stores")

    assert before.status_code == 403 and me.status_code == 200 and others.status_code == 200
    assert after.status_code == 200


# --- the pages ----------------------------------------------------------------------------------


def page_of(api: Api) -> PageClient:
    return PageClient(TestClient(api.client.app, raise_server_exceptions=False))


SECRET = re.compile(r'id="totp-secret" class="secret">([A-Z2-7]+)<')
SECOND_STEP = re.compile(r'name="second_step" value="([^"]+)"')
RECOVERY = re.compile(r"<li><code>([a-z0-9-]+)</code></li>")


def test_a_user_enrols_on_the_page_and_then_the_login_page_asks_for_the_code(api: Api) -> None:
    page = page_of(api)
    page.log_in("finance", PASSWORD)
    shown = page.get("/app/account/second-factor")
    secret = SECRET.search(shown.text)
    assert secret is not None and 'src="data:image/svg+xml' in shown.text
    enrolment = re.search(r'name="enrolment" value="([^"]+)"', shown.text)
    assert enrolment is not None

    confirmed = page.post(
        "/app/account/second-factor",
        {"enrolment": enrolment.group(1), "code": code(secret.group(1)), "password": PASSWORD},
    )
    assert confirmed.status_code == 200 and len(RECOVERY.findall(confirmed.text)) == 10

    other = page_of(api)
    first_step = other.client.post(
        "/app/login", data={"username": "finance", "password": PASSWORD, "next": "/app/"}
    )
    step = SECOND_STEP.search(first_step.text)
    assert first_step.status_code == 200 and step is not None
    assert "showroom_session" not in first_step.cookies
    wrong = other.client.post(
        "/app/login/code", data={"second_step": step.group(1), "code": "000000", "next": "/app/"}
    )
    right = other.client.post(
        "/app/login/code",
        data={"second_step": step.group(1), "code": code(secret.group(1), +1), "next": "/app/"},
        follow_redirects=False,
    )

    assert wrong.status_code == 401
    assert right.status_code == 303 and right.headers["location"] == "/app/"
    assert other.get("/app/account").status_code == 200


def test_a_forged_second_step_does_not_log_in(api: Api) -> None:
    page = page_of(api)

    answer = page.client.post(
        "/app/login/code", data={"second_step": "not-a-token", "code": "123456", "next": "/app/"}
    )

    assert answer.status_code == 401 and "showroom_session" not in answer.cookies


def test_turning_the_second_factor_off_on_the_page_needs_a_code(api: Api) -> None:
    _secret, recovery = enrol(api, "finance")
    page = page_of(api)
    step = SECOND_STEP.search(
        page.client.post(
            "/app/login", data={"username": "finance", "password": PASSWORD, "next": "/app/"}
        ).text
    )
    assert step is not None
    page.client.post(
        "/app/login/code", data={"second_step": step.group(1), "code": recovery[0], "next": "/app/"}
    )
    page.get("/app/account/second-factor")

    wrong = page.post("/app/account/second-factor/disable", {"off_code": recovery[0]})
    right = page.post("/app/account/second-factor/disable", {"off_code": recovery[1]})

    assert wrong.status_code == 422
    assert right.status_code == 303
    assert log_in(api, "finance").status_code == 200


def test_the_pages_send_a_role_that_must_enrol_to_its_enrolment_page(strict_api: Api) -> None:
    page = page_of(strict_api)
    page.log_in("admin", PASSWORD)

    answer = page.get("/app/admin/users")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/account/second-factor"
    assert page.get("/app/account/second-factor").status_code == 200


def test_opening_the_code_step_again_starts_the_login_again(api: Api) -> None:
    """Switching the language on the code step reloads it by GET: back to the login page."""
    answer = page_of(api).client.get("/app/login/code", follow_redirects=False)

    assert answer.status_code == 303 and answer.headers["location"] == "/app/login"


def test_an_admin_resets_a_users_second_factor_from_the_users_page(api: Api) -> None:
    enrol(api, "finance")
    admin = page_of(api)
    admin.log_in("admin", PASSWORD)
    shown = admin.get("/app/admin/users/finance")
    assert "/app/admin/users/finance/second-factor/reset" in shown.text

    answer = admin.post("/app/admin/users/finance/second-factor/reset", {})

    assert answer.status_code == 303
    assert log_in(api, "finance").status_code == 200
    assert "second-factor/reset" not in admin.get("/app/admin/users/finance").text


def test_only_an_admin_may_reset_a_second_factor_from_the_pages(api: Api) -> None:
    enrol(api, "finance")
    manager = page_of(api)
    manager.log_in("manager_a", PASSWORD)
    manager.get("/app/account")

    answer = manager.post("/app/admin/users/finance/second-factor/reset", {})

    assert answer.status_code == 403
    assert log_in(api, "finance").headers.get("showroom-second-factor") == "required"


def test_a_password_change_voids_a_login_waiting_for_its_code(api: Api) -> None:
    secret, _codes = enrol(api, "finance")
    page = page_of(api)
    step = SECOND_STEP.search(
        page.client.post(
            "/app/login", data={"username": "finance", "password": PASSWORD, "next": "/app/"}
        ).text
    )
    assert step is not None
    body = {"password": "a-new-long-password-2", "current_password": PASSWORD}
    api.ok(api.post("finance", "/users/finance/password", json=body))

    answer = page.client.post(
        "/app/login/code",
        data={"second_step": step.group(1), "code": code(secret, +1), "next": "/app/"},
        follow_redirects=False,
    )

    assert answer.status_code == 401 and "showroom_session" not in answer.cookies


def test_the_second_steps_token_is_no_bearer_token(api: Api) -> None:
    enrol(api, "finance")
    page = page_of(api)
    step = SECOND_STEP.search(
        page.client.post(
            "/app/login", data={"username": "finance", "password": PASSWORD, "next": "/app/"}
        ).text
    )
    assert step is not None

    answer = api.client.get("/auth/me", headers={"Authorization": f"Bearer {step.group(1)}"})

    assert answer.status_code == 401
