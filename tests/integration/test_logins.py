"""Login throttling, unlock, token revocation on the real API."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from api.auth import ALGORITHM, AUDIENCE
from api.main import create_app
from domain.organisation import service as organisation_service
from domain.organisation.errors import LastAdminError
from domain.organisation.model import User
from domain.shared.actor import SYSTEM
from tests.integration.conftest import PASSWORD, Api, _hashed, build_world
from workers.settings import Settings


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


# --- tokens: signed is not enough -----------------------------------------------------------


def _forged(api: Api, username: str, **changes: Any) -> dict[str, str]:
    """A token signed with the real key for a real user, its claims as issue_token makes them,
    then changed (a claim set to None is left out)."""
    user_id = User.id_for(username)
    issued = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "role": "admin",
        "aud": AUDIENCE,
        "iat": issued,
        "exp": issued + api.runtime.settings.token_minutes * 60,
        "jti": uuid.uuid4().hex,
        "gen": api.runtime.organisation.token_generation(user_id),
    }
    claims = {k: v for k, v in (claims | changes).items() if v is not None}
    token = jwt.encode(claims, api.runtime.settings.secret_key, algorithm=ALGORITHM)
    return {"Authorization": f"Bearer {token}"}


def test_a_token_signed_with_the_real_key_and_all_its_claims_is_accepted(api: Api) -> None:
    assert api.client.get("/auth/me", headers=_forged(api, "admin")).status_code == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": None},
        {"iat": None},
        {"jti": None},
        {"gen": None},
        {"exp": int(time.time()) + 10 * 365 * 86400},  # beyond the lifetime
        {"iat": int(time.time()) - 86400},  # issued long ago, expires in token_minutes
        {"gen": 1},  # a generation the user has not reached
        {"gen": True},
        {"exp": int(time.time()) - 1, "iat": int(time.time()) - 60},  # expired
    ],
    # Names that do not hold the clock: xdist workers collect at different seconds, and ids
    # with times in them made their collections differ (an error before any test ran).
    ids=[
        "no-exp",
        "no-iat",
        "no-jti",
        "no-gen",
        "exp-beyond-lifetime",
        "iat-long-ago",
        "gen-not-reached",
        "gen-bool",
        "expired",
    ],
)
def test_a_signed_token_without_an_expiry_or_living_beyond_the_lifetime_is_refused(
    api: Api, changes: dict[str, Any]
) -> None:
    if "iat" in changes and changes["iat"] is not None and "exp" not in changes:
        changes = changes | {"exp": int(time.time()) + 60}

    response = api.client.get("/auth/me", headers=_forged(api, "admin", **changes))

    assert response.status_code == 401, changes
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_token_exceeding_the_lifetime_by_one_second_is_refused(api: Api) -> None:
    issued = int(time.time())
    lifetime = api.runtime.settings.token_minutes * 60

    exact = api.client.get("/auth/me", headers=_forged(api, "admin", exp=issued + lifetime))
    over = api.client.get("/auth/me", headers=_forged(api, "admin", exp=issued + lifetime + 1))

    assert (exact.status_code, over.status_code) == (200, 401)


# --- no enumeration -------------------------------------------------------------------------


def test_an_unknown_user_and_a_wrong_password_cost_the_same_scrypt_work_and_answer_alike(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.ok(api.post("admin", "/users/sales_b1/deactivation"))
    calls: list[str] = []
    real = organisation_service.verify_password

    def counted(password: str, stored: str) -> bool:
        calls.append(stored.split("$")[1:4].__repr__())  # the scrypt parameters, not the hash
        return real(password, stored)

    monkeypatch.setattr(organisation_service, "verify_password", counted)
    answers = {}
    work = {}
    for case, username in (
        ("unknown", f"nobody-{uuid.uuid4().hex[:8]}"),
        ("wrong password", "sales_a1"),
        ("deactivated", "sales_b1"),
    ):
        calls.clear()
        response = api.client.post("/auth/token", data={"username": username, "password": "x" * 9})
        answers[case] = (response.status_code, response.json())
        work[case] = list(calls)

    assert len(set(map(repr, answers.values()))) == 1 and answers["unknown"][0] == 401
    assert work["unknown"] == work["wrong password"] == work["deactivated"]
    assert len(work["unknown"]) == 1


# --- the per-address budget -----------------------------------------------------------------


def test_the_address_budget_holds_across_many_usernames_from_one_address(api: Api) -> None:
    budget = int(api.runtime.settings.login_address_limits.split("/")[0])
    names = [f"guess-{n}-{uuid.uuid4().hex[:6]}" for n in range(budget)]

    answers = [_login(api, name, "wrong-password") for name in names]
    after = [_login(api, name, "wrong-password") for name in ("someone-new", "sales_a2")]

    assert answers == [401] * budget
    assert after == [429, 429]
    assert _login(api, "admin", PASSWORD) == 429  # even the right password, from this address


# --- shared through Redis -------------------------------------------------------------------


def _redis_settings(tmp_path: Path, redis_url: str | None) -> Settings:
    # A secret of its own: the throttle's keys derive from it, so runs never share counts.
    secret = "test-secret-" + uuid.uuid4().hex + "x" * 8
    return Settings(data_dir=tmp_path / "var", redis_url=redis_url, secret_key=secret)


def test_a_lockout_on_redis_holds_in_every_api_process_until_an_admin_unlocks(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(organisation_service, "hash_password", _hashed)
    settings = _redis_settings(tmp_path, redis_url)
    first = create_app(settings, create_tables=True, run_workers=False)
    second = create_app(settings, run_projections=False, run_workers=False)
    with TestClient(first) as one, TestClient(second) as two:
        build_world(first.state.runtime)
        wrong = {"username": "sales_a1", "password": "wrong-password"}

        spent = [one.post("/auth/token", data=wrong).status_code for _ in range(5)]
        elsewhere = two.post("/auth/token", data={"username": "sales_a1", "password": PASSWORD})
        token = one.post("/auth/token", data={"username": "admin", "password": PASSWORD})
        admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
        unlocked = one.post("/users/sales_a1/unlock", headers=admin)
        again = two.post("/auth/token", data={"username": "sales_a1", "password": PASSWORD})

    assert spent == [401] * 5
    assert elsewhere.status_code == 429 and int(elsewhere.headers["retry-after"]) > 0
    assert unlocked.status_code == 201
    assert again.status_code == 200


def test_a_login_while_redis_is_unreachable_is_still_answered_and_throttled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(organisation_service, "hash_password", _hashed)
    settings = _redis_settings(tmp_path, "redis://127.0.0.1:1/0")  # nothing listens there
    app = create_app(settings, create_tables=True, run_workers=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        build_world(app.state.runtime)

        right = client.post("/auth/token", data={"username": "admin", "password": PASSWORD})
        wrong = [
            client.post("/auth/token", data={"username": "sales_a1", "password": "nope-nope"})
            for _ in range(6)
        ]

    assert right.status_code == 200
    assert [r.status_code for r in wrong] == [401] * 5 + [429]


# --- deactivation and reactivation ----------------------------------------------------------


def _problem(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_admin_cannot_deactivate_itself(api: Api) -> None:
    _problem(api.post("admin", "/users/admin/deactivation"), 422)
    assert api.get("admin", "/auth/me").status_code == 200


def test_the_last_active_admin_cannot_be_deactivated(api: Api) -> None:
    org = api.runtime.organisation
    org.register_user(SYSTEM, "admin2", PASSWORD, "admin")

    api.ok(api.post("admin2", "/users/admin/deactivation"))
    refused = api.post("admin2", "/users/admin2/deactivation")
    with pytest.raises(LastAdminError):
        org.deactivate_user(SYSTEM, "admin2")  # not even by the system (the CLI)

    _problem(refused, 422)
    assert api.get("admin2", "/auth/me").status_code == 200


def test_a_reactivated_user_logs_in_again_while_its_old_tokens_stay_dead(api: Api) -> None:
    old = api.headers("sales_a1")
    api.ok(api.post("admin", "/users/sales_a1/deactivation"))
    refused = _login(api, "sales_a1", PASSWORD)

    api.ok(api.post("admin", "/users/sales_a1/reactivation"))
    token = api.client.post("/auth/token", data={"username": "sales_a1", "password": PASSWORD})
    new = {"Authorization": f"Bearer {token.json()['access_token']}"}

    assert refused == 401 and token.status_code == 200
    assert api.client.get("/auth/me", headers=new).status_code == 200
    assert api.client.get("/auth/me", headers=old).status_code == 401


def test_reactivating_an_active_user_is_refused_and_changes_nothing(api: Api) -> None:
    before = api.runtime.app.position()

    _problem(api.post("admin", "/users/sales_a1/reactivation"), 422)
    assert api.runtime.app.position() == before


def test_only_an_admin_reactivates_or_unlocks(api: Api) -> None:
    api.ok(api.post("admin", "/users/sales_a2/deactivation"))
    for path in ("/users/sales_a2/reactivation", "/users/sales_a1/unlock"):
        assert api.post("manager_a", path).status_code in (403, 404)
