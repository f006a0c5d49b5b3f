"""Every answer carries the security headers; the docs pages get a policy they work under."""

from __future__ import annotations

import re
from typing import Any

from tests.integration.conftest import PASSWORD, Api

COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def assert_secured(response: Any, csp: str = API_CSP) -> None:
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, (name, response.headers)
    assert response.headers.get("content-security-policy") == csp


def directives(csp: str) -> dict[str, list[str]]:
    parts = (part.split() for part in csp.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def test_a_json_answer_with_personal_data_carries_the_security_headers(api: Api) -> None:
    response = api.get("manager_a", "/customers")

    assert response.status_code == 200
    assert_secured(response)


def test_an_error_answer_carries_the_security_headers(api: Api) -> None:
    for response in (
        api.client.get("/customers"),  # 401 without a token
        api.get("sales_a1", "/users"),  # 403 or 404 for the role
        api.post("admin", "/stores", json={"name": ""}),  # 422
        api.post("admin", "/stores", content=b"\xff", headers={"content-type": "application/json"}),
    ):
        assert response.status_code >= 400, response.text
        assert_secured(response)


def test_a_token_answer_is_never_cached_and_carries_the_security_headers(api: Api) -> None:
    response = api.client.post("/auth/token", data={"username": "admin", "password": PASSWORD})

    assert response.status_code == 200
    assert_secured(response)


def test_the_docs_policy_admits_their_scripts_styles_and_inline_script(api: Api) -> None:
    for path in ("/docs", "/redoc"):
        page = api.client.get(path)
        policy = directives(page.headers["content-security-policy"])
        sources = re.findall(r'(?:src|href)="(https://[^/"]+)', page.text)

        assert page.status_code == 200 and sources
        assert page.headers["x-frame-options"] == "DENY"
        allowed = {s for d in ("script-src", "style-src", "img-src") for s in policy[d]}
        assert set(sources) <= allowed, (path, sources, policy)
        assert "'unsafe-inline'" in policy["script-src"]  # the page's configuration script
        assert "'self'" in policy["connect-src"]  # the OpenAPI document
        assert policy["frame-ancestors"] == ["'none'"]
    assert directives(api.client.get("/openapi.json").headers["content-security-policy"]) == {
        "default-src": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
