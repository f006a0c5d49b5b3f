"""Log in with a username and password; get a bearer token; log out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request

from api.deps import ActorDep, ClaimsDep, RuntimeDep
from api.login import LoginThrottled, SecondFactorRequired, log_in
from api.schemas.common import Written
from api.schemas.organisation import LanguageIn, LoginForm, Me, Token
from api.sessions import address_of, end_session, user_agent_of
from api.throttle import ThrottleDep

router = APIRouter(prefix="/auth", tags=["auth"])

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
SECOND_FACTOR_HEADER = "Showroom-Second-Factor"
LOGIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {
        "description": "Unknown username or wrong password; or a one-time code is needed"
        " (`Showroom-Second-Factor: required`) or was wrong",
        "headers": {SECOND_FACTOR_HEADER: {"schema": {"type": "string", "enum": ["required"]}}},
        **_PROBLEM,
    },
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
    otp: Annotated[
        str | None,
        Form(
            max_length=64,
            description="The authenticator's code (or a recovery code) of a user with a second"
            " factor",
        ),
    ] = None,
) -> Token:
    """Exchange a username and password for a bearer token (OAuth2 password flow).

    A user with a second factor sends its current code as `otp` in the same form; without one,
    the answer is 401 with `Showroom-Second-Factor: required`. A code works once.
    Failed logins and wrong codes are throttled per account and per client address (429 with
    Retry-After); an admin lifts an account's lockout with `POST /users/{username}/unlock`.
    """
    address = address_of(request)
    try:
        token = log_in(
            runtime,
            throttle,
            form.username,
            form.password,
            address,
            otp=otp,
            user_agent=user_agent_of(request),
        )
    except LoginThrottled as throttled:
        raise _throttled(throttled.seconds) from None
    except SecondFactorRequired:
        raise HTTPException(
            401,
            "a one-time code is required: send your authenticator app's code, or a recovery"
            " code, as `otp` with the username and password",
            headers={"WWW-Authenticate": "Bearer", SECOND_FACTOR_HEADER: "required"},
        ) from None
    return Token(access_token=token)


@router.post("/logout", status_code=201, responses={401: {"description": "No valid token"}})
def logout(actor: ActorDep, claims: ClaimsDep, runtime: RuntimeDep, request: Request) -> Written:
    """Revoke the presented token at once (recorded on the user, so it holds after restarts)."""
    return Written.of(end_session(runtime, actor, claims, request))


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
