"""Log in with a username and password; get a bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.auth import issue_token
from api.deps import ActorDep, RuntimeDep
from api.errors import AuthenticationError
from api.schemas.organisation import LoginForm, Me, Token

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token")
def login(form: Annotated[LoginForm, Depends()], runtime: RuntimeDep) -> Token:
    """Exchange a username and password for a bearer token (OAuth2 password flow)."""
    principal = runtime.organisation.authenticate(form.username, form.password)
    if principal is None:
        raise AuthenticationError("unknown username or wrong password")
    return Token(access_token=issue_token(principal, runtime.settings))


@router.get("/me")
def me(actor: ActorDep) -> Me:
    """Who the token belongs to, with role and scope."""
    return Me(
        user_id=actor.user_id,
        username=actor.username,
        role=actor.role,
        store_id=actor.store_id,
        staff_id=actor.staff_id,
    )
