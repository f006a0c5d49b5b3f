"""The pages' session: a cookie holding the same signed token the JSON API takes as a bearer.

The cookie is HttpOnly (no script reads it), SameSite=Lax (no other site's form or script sends
it with a POST) and Secure when the page was served over HTTPS. Because the identity is the
bearer token itself, logging out revokes it exactly as `POST /auth/logout` does, and a password
change or deactivation ends page sessions too. The JSON API never reads the cookie, so no
cross-site request can reach it with the user's session.

Every form carries a CSRF token, and htmx sends it as `X-CSRF-Token`: an HMAC of the token's
id under the server's secret, so it changes with each login and cannot be made without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api import sessions
from api.auth import TokenClaims, claims_of_token
from api.deps import RuntimeDep
from api.pages import i18n
from api.second_factor import must_enrol
from domain.shared.actor import Principal
from domain.shared.clock import DEFAULT_TIMEZONE
from domain.shared.errors import DomainError
from workers.runtime import Runtime

COOKIE = "showroom_session"
LANGUAGE_COOKIE = "showroom_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
PREFIX = "/app"


class LoginRequired(Exception):
    """No valid session: the browser is sent to the login page, then back to `next`."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class CsrfRefused(Exception):
    """A page POST without the session's CSRF token (HTTP 403)."""


class EnrolmentRequired(Exception):
    """The user's role must have a second factor and has none: the enrolment page first."""


# The pages a user who must enrol a second factor may still open (and log out from).
OPEN_BEFORE_ENROLMENT = (PREFIX + "/account", PREFIX + "/logout", PREFIX + "/language")


def csrf_token(claims: TokenClaims, secret: str) -> str:
    return hmac.new(
        secret.encode(), b"csrf:" + claims.token_id.encode(), hashlib.sha256
    ).hexdigest()


def set_session(response: Response, request: Request, token: str, minutes: int) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=minutes * 60,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


def set_language_cookie(response: Response, request: Request, language: str) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def language_of(request: Request, principal: Principal | None) -> str:
    """The user's chosen language; else this browser's choice; else Accept-Language."""
    if principal is not None and principal.language:
        return principal.language
    chosen = i18n.supported(request.cookies.get(LANGUAGE_COOKIE))
    return chosen or i18n.from_accept_language(request.headers.get("accept-language"))


# A store's time zone by store id, with when it was read: every page needs it and it changes
# about never, so it is read from the store's record at most once a minute per process.
_ZONES: dict[UUID, tuple[float, str]] = {}
ZONE_SECONDS = 60.0


def _zone_of(runtime: Runtime, principal: Principal) -> str:
    """The time zone a page shows times in: the user's store's, else the group's default."""
    if principal.store_id is None:
        return DEFAULT_TIMEZONE
    known = _ZONES.get(principal.store_id)
    if known is not None and time.monotonic() - known[0] < ZONE_SECONDS:
        return known[1]
    try:
        zone = runtime.organisation.get_store(principal, principal.store_id).timezone
    except DomainError:
        return DEFAULT_TIMEZONE
    _ZONES[principal.store_id] = (time.monotonic(), zone)
    return zone


def _here(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return quote(request.url.path + query, safe="/?=&")


async def page_actor(request: Request, runtime: RuntimeDep) -> Principal:
    """The signed-in principal of a page request, or LoginRequired; POSTs must carry CSRF."""
    token = request.cookies.get(COOKIE, "")
    claims = claims_of_token(token, runtime.settings) if token else None
    principal = None
    if claims is not None:
        principal = runtime.organisation.principal_of_token(
            claims.user_id, claims.generation, claims.token_id
        )
    if claims is None or principal is None or sessions.revoked(runtime, claims):
        i18n.current.set(language_of(request, None))
        request.state.language = i18n.current.get()
        raise LoginRequired(_here(request) if request.method == "GET" else PREFIX + "/")
    request.state.claims = claims
    request.state.principal = principal  # whom api/personal.py reveals personal data to
    request.state.csrf = csrf_token(claims, runtime.settings.secret_key)
    request.state.language = language_of(request, principal)
    i18n.current.set(request.state.language)
    request.state.zone = await run_in_threadpool(_zone_of, runtime, principal)
    if (
        runtime.settings.second_factor_roles
        and not request.url.path.startswith(OPEN_BEFORE_ENROLMENT)
        and must_enrol(runtime, principal)
    ):
        raise EnrolmentRequired()
    if request.method not in ("GET", "HEAD"):
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
        if not sent or not hmac.compare_digest(sent, request.state.csrf):
            raise CsrfRefused()
    request.state.principal = principal  # for the access log's admin actions (api/access.py)
    return principal


PageActorDep = Annotated[Principal, Depends(page_actor)]
