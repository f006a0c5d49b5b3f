"""The pages' security: the session cookie, CSRF on every form, the JSON API's indifference to
the cookie, logout, open redirects, static assets and the pages' headers.

The POST routes are enumerated from the app itself, so every area's forms are covered as they
land, without this file knowing them.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Iterator
from http.cookies import SimpleCookie
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.pages.assets import Assets
from api.pages.session import COOKIE
from api.security import PAGES_CSP
from tests.integration.conftest import PASSWORD, Api
from tests.pages.client import PageClient

# POST routes under /app that take no CSRF token, and why.
WITHOUT_CSRF = {
    # No session exists yet, so there is nothing to forge a request with.
    "/app/login": "the login form itself",
    # Signed out, it only sets this browser's language cookie; signed in without the token it
    # writes nothing to the user (see the test below).
    "/app/language": "switches the language; keeps it on the user only with the token",
    # The login's second step: no session exists yet either; it carries the signed token of
    # a right password instead (api/second_factor.py).
    "/app/login/code": "the login form's second step",
}
CACHE_FOREVER = "public, max-age=31536000, immutable"
ASSET = re.compile(r'(?:href|src)="(/static/([a-z]+)\.([0-9a-f]{12})\.(css|js))"')


@pytest.fixture
def pages(api: Api) -> Iterator[PageClient]:
    client = PageClient(api.client)
    client.log_in("manager_a", PASSWORD)
    yield client


def session_cookie(set_cookie: str) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(set_cookie)
    assert COOKIE in cookie, set_cookie
    return cookie


def routes_of(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route, through included routers (kept whole by FastAPI)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, set(route.methods or ())
        elif hasattr(route, "original_router"):
            inner = prefix + route.include_context.prefix
            yield from routes_of(route.original_router.routes, inner)


def page_routes(api: Api, method: str) -> list[str]:
    """Every route under /app answering `method`, sorted."""
    app = api.client.app
    return sorted(
        {
            path
            for path, methods in routes_of(app.routes)  # type: ignore[attr-defined]
            if method in methods and (path == "/app" or path.startswith("/app/"))
        }
    )


def page_posts(api: Api) -> list[str]:
    """Every POST route under /app, its path parameters filled with fresh ids."""
    return [
        re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        for path in page_routes(api, "POST")
        if path not in WITHOUT_CSRF
    ]


def test_the_session_cookie_is_httponly_and_samesite_lax_and_not_secure_over_http(
    api: Api,
) -> None:
    answer = api.client.post(
        "/app/login",
        data={"username": "sales_a1", "password": PASSWORD},
        follow_redirects=False,
    )

    morsel = session_cookie(answer.headers["set-cookie"])[COOKIE]
    assert answer.status_code == 303
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"
    assert not morsel["secure"]


def test_the_session_cookie_is_secure_when_served_over_https(api: Api) -> None:
    secure = TestClient(api.client.app, base_url="https://testserver")

    answer = secure.post(
        "/app/login",
        data={"username": "sales_a1", "password": PASSWORD},
        follow_redirects=False,
    )

    morsel = session_cookie(answer.headers["set-cookie"])[COOKIE]
    assert answer.status_code == 303
    assert morsel["secure"] is True
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"


def test_every_page_post_without_the_csrf_token_is_refused_and_writes_nothing(
    api: Api, pages: PageClient
) -> None:
    posts = page_posts(api)
    head = api.runtime.app.position()

    answers = {path: pages.client.post(path, data={"form_key": "k"}) for path in posts}
    forged = {path: pages.client.post(path, data={"csrf_token": "0" * 64}) for path in posts}
    by_htmx = {path: pages.client.post(path, headers={"X-CSRF-Token": "0" * 64}) for path in posts}

    assert "/app/logout" in posts
    assert {p: a.status_code for p, a in answers.items()} == {p: 403 for p in posts}
    assert {p: a.status_code for p, a in forged.items()} == {p: 403 for p in posts}
    assert {p: a.status_code for p, a in by_htmx.items()} == {p: 403 for p in posts}
    assert api.runtime.app.position() == head


def test_the_language_switch_without_the_token_does_not_change_the_users_language(
    api: Api, pages: PageClient
) -> None:
    head = api.runtime.app.position()

    answer = pages.client.post(
        "/app/language", data={"language": "en", "next": "/app/"}, follow_redirects=False
    )

    assert answer.status_code == 303
    assert api.runtime.app.position() == head


def test_the_json_api_ignores_the_session_cookie(api: Api, pages: PageClient) -> None:
    assert pages.client.cookies.get(COOKIE)

    answer = api.client.get("/auth/me")

    assert answer.status_code == 401


def test_logging_out_revokes_the_token_for_the_cookie_and_as_a_bearer(
    api: Api, pages: PageClient
) -> None:
    token = pages.client.cookies.get(COOKIE)
    assert api.client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).is_success

    out = pages.post("/app/logout")
    pages.client.cookies.set(COOKIE, token or "")
    again = pages.client.get("/app/", follow_redirects=False)
    bearer = api.client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})

    assert out.status_code == 303
    assert again.status_code == 303
    assert again.headers["location"].startswith("/app/login")
    assert bearer.status_code == 401


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example", "/\\evil.example", "http:/evil.example"],
    ids=["scheme-relative", "absolute", "backslash", "scheme-no-slashes"],
)
def test_next_cannot_send_the_browser_to_another_site(api: Api, target: str) -> None:
    form = api.client.get("/app/login", params={"next": target})
    login = api.client.post(
        "/app/login",
        data={"username": "sales_a1", "password": PASSWORD, "next": target},
        follow_redirects=False,
    )
    language = api.client.post(
        "/app/language", data={"language": "en", "next": target}, follow_redirects=False
    )

    assert 'name="next" value="/app/"' in form.text
    assert login.headers["location"] == "/app/"
    assert language.headers["location"] == "/app/"


def test_static_assets_have_hashed_names_and_are_cached_forever_gzipped(
    api: Api, pages: PageClient
) -> None:
    html = pages.get("/app/").text
    found = ASSET.findall(html)
    assert {stem for _, stem, _, _ in found} >= {"app", "htmx", "alpine"}

    for url, _, digest, _ in found:
        plain = api.client.get(url, headers={"Accept-Encoding": "identity"})
        zipped = api.client.get(url, headers={"Accept-Encoding": "gzip"})

        assert plain.status_code == 200, url
        assert hashlib.sha256(plain.content).hexdigest()[:12] == digest
        assert plain.headers["cache-control"] == CACHE_FOREVER
        assert "content-encoding" not in plain.headers
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["cache-control"] == CACHE_FOREVER
        assert zipped.content == plain.content  # httpx decompressed it


@pytest.mark.parametrize(
    "name", ["app.css", "app.000000000000.css", "nothing.js", "..%2Fpyproject.toml"]
)
def test_an_unknown_static_name_is_not_found(api: Api, name: str) -> None:
    answer = api.client.get(f"/static/{name}")

    assert answer.status_code == 404


def test_every_page_carries_the_pages_csp_and_no_store(api: Api, pages: PageClient) -> None:
    paths = [path for path in page_routes(api, "GET") if "{" not in path]
    assert "/app/login" in paths

    answers = {path: pages.get(path) for path in paths}

    for path, answer in answers.items():
        assert answer.headers["content-security-policy"] == PAGES_CSP, path
        assert answer.headers["cache-control"] == "no-store", path


def test_static_assets_carry_the_pages_csp(api: Api) -> None:
    name = Assets().url("app.css")

    answer = api.client.get(name)

    assert answer.headers["content-security-policy"] == PAGES_CSP


# GET routes under /app anyone may open without a session, and why.
WITHOUT_SESSION = {
    "/app/login": "where a session begins",
    "/app/login/code": "the login's second step, opened again: back to the login page, empty",
}


def test_every_page_asks_for_a_login_without_a_session_and_shows_nothing(api: Api) -> None:
    """Every GET page under /app (enumerated from the app) answers a stranger with the way to
    the login page and no content: pages are authenticated like every API route."""
    stranger = TestClient(api.client.app)
    paths = [
        re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        for path in page_routes(api, "GET")
        if path not in WITHOUT_SESSION
    ]
    assert len(paths) > 40

    answers = {path: stranger.get(path, follow_redirects=False) for path in paths}

    wrong = {
        path: answer.status_code
        for path, answer in answers.items()
        if answer.status_code != 303
        or not answer.headers["location"].startswith("/app/login?next=")
    }
    assert wrong == {}
