"""Bearer tokens: short-lived signed JWTs naming the user; the user is re-read on each request."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import jwt

from domain.shared.actor import Principal
from domain.shared.clock import now
from projections.settings import Settings

ALGORITHM = "HS256"
AUDIENCE = "showroom"


def issue_token(principal: Principal, settings: Settings) -> str:
    issued = now()
    claims = {
        "sub": principal.user_id,
        "role": principal.role.value,
        "aud": AUDIENCE,
        "iat": issued,
        "exp": issued + timedelta(minutes=settings.token_minutes),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def user_of_token(token: str, settings: Settings) -> UUID | None:
    """The user id a valid, unexpired token names, or None."""
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM], audience=AUDIENCE)
        return UUID(str(claims["sub"]))
    except (jwt.PyJWTError, KeyError, ValueError):
        return None
