"""Log in with a username and password; get a bearer token; log out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request

from api import access
from api.deps import ActorDep, ClaimsDep, RuntimeDep
from api.login import LoginThrottled, log_in
from api.schemas.common import Written
from api.schemas.organisation import LanguageIn, LoginForm, Me, Token
from api.throttle import ThrottleDep
from workers.access_log import AccessKind

router = APIRouter(prefix="/auth", tags=["auth"])

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
LOGIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Unknown username or wrong password", **_PROBLEM},
    429: {
        "description": "Too many failed logins for this account or address; see Retry-After",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        **_PROBLEM,
    },
}


def _throttled(seconds: int) -> HTTPException:
    # The same answer whatever the password: a lockout must not become a password oracle.
    return HTTPException(
        429,
        "too many failed logins for this account or from this address: try again later",
        headers={"Retry-After": str(seconds)},
    )


@router.post("/token", responses=LOGIN_RESPONSES)
def login(
    form: Annotated[LoginForm, Depends()],
    request: Request,
    runtime: RuntimeDep,
    throttle: ThrottleDep,
) -> Token:
    """Exchange a username and password for a bearer token (OAuth2 password flow).

    Failed logins are throttled per account and per client address (429 with Retry-After);
    an admin lifts an account's lockout with `POST /users/{username}/unlock`.
    """
    address, agent = access.client_of(request)
    try:
        token = log_in(runtime, throttle, form.username, form.password, address, user_agent=agent)
    except LoginThrottled as throttled:
        raise _throttled(throttled.seconds) from None
    return Token(access_token=token)


@router.post("/logout", status_code=201, responses={401: {"description": "No valid token"}})
def logout(request: Request, actor: ActorDep, claims: ClaimsDep, runtime: RuntimeDep) -> Written:
    """Revoke the presented token at once (recorded on the user, so it holds after restarts)."""
    written = runtime.organisation.revoke_token(actor, claims.token_id, claims.expires_at)
    access.record(
        runtime,
        request,
        AccessKind.TOKEN_REVOKED,
        actor,
        actor.user_id,
        token_id=claims.token_id,
        reason="logout",
        channel="api",
    )
    return Written.of(written)


@router.get("/me")
def me(actor: ActorDep) -> Me:
    """Who the token belongs to, with role and scope."""
    return Me(
        user_id=actor.user_id,
        username=actor.username,
        role=actor.role,
        store_id=actor.store_id,
        staff_id=actor.staff_id,
        language=actor.language,
    )


@router.post("/me/language", status_code=201)
def choose_language(body: LanguageIn, actor: ActorDep, runtime: RuntimeDep) -> Written:
    """The language of your pages (zh-CN or en), kept on your user."""
    return Written.of(runtime.organisation.choose_language(actor, body.language))
