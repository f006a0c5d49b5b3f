"""Bearer tokens: short-lived signed JWTs naming the user; the user is re-read on each request."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from domain.shared.actor import Principal
from domain.shared.clock import now
from workers.settings import Settings

ALGORITHM = "HS256"
AUDIENCE = "showroom"
# A token must say when it was issued, when it expires and which one it is; without them it
# could neither expire within the configured lifetime nor be revoked on its own.
REQUIRED_CLAIMS = ["sub", "aud", "iat", "exp", "jti", "gen"]


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says: whose it is, its generation and id (for revocation), expiry."""

    user_id: UUID
    generation: int
    token_id: str
    expires_at: datetime


def issue_token(principal: Principal, settings: Settings, generation: int = 0) -> str:
    """A token for the principal; `generation` is its user's token generation now."""
    issued = now()
    claims = {
        "sub": principal.user_id,
        "role": principal.role.value,
        "aud": AUDIENCE,
        "iat": issued,
        "exp": issued + timedelta(minutes=settings.token_minutes),
        "jti": secrets.token_urlsafe(16),
        "gen": generation,
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def claims_of_token(token: str, settings: Settings) -> TokenClaims | None:
    """The claims of a valid, unexpired token within the configured lifetime, or None."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": REQUIRED_CLAIMS},
        )
        issued, expires = int(claims["iat"]), int(claims["exp"])
        # Signed is not enough: a token minted (by a leaked key, an old release, a test) to
        # live longer than tokens are issued for now is refused.
        if expires - issued > settings.token_minutes * 60 or expires <= issued:
            return None
        generation = claims["gen"]
        if not isinstance(generation, int) or isinstance(generation, bool):
            return None
        return TokenClaims(
            user_id=UUID(str(claims["sub"])),
            generation=generation,
            token_id=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(expires, UTC),
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError, OverflowError):
        return None


def user_of_token(token: str, settings: Settings) -> UUID | None:
    """The user id a valid token names (signature and lifetime only, not revocation)."""
    claims = claims_of_token(token, settings)
    return claims.user_id if claims is not None else None
