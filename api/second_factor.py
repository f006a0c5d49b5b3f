"""The web side of the second factor: enrolment and half-done logins as short signed tokens,
the QR code, and whether a role must enrol before anything else.

An enrolment is not stored until a first code confirms it: the fresh secret travels to the
client and back inside a signed token (15 minutes, bound to the user), so that only a secret
the server drew can be enrolled, and an abandoned enrolment leaves nothing behind. The login
page's second step carries a signed token saying the password was right (5 minutes, bound to
the user and their token generation), never the password itself.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from uuid import UUID

import jwt
import segno

from domain.shared.actor import Principal
from domain.shared.clock import now
from domain.shared.errors import PermissionDeniedError
from workers.runtime import Runtime
from workers.settings import Settings


class SecondFactorMissingError(PermissionDeniedError):
    title = "Second factor required"


ENROLMENT_AUDIENCE = "showroom-second-factor-enrolment"
SECOND_STEP_AUDIENCE = "showroom-login-second-step"
ENROLMENT_MINUTES = 15
SECOND_STEP_MINUTES = 5
_ALGORITHM = "HS256"


def _sign(settings: Settings, audience: str, minutes: int, **claims: object) -> str:
    issued = now()
    body = {
        **claims,
        "aud": audience,
        "iat": issued,
        "exp": issued + timedelta(minutes=minutes),
        "jti": secrets.token_urlsafe(8),
    }
    return jwt.encode(body, settings.secret_key, algorithm=_ALGORITHM)


def _read(settings: Settings, token: str, audience: str) -> dict[str, object] | None:
    try:
        claims: dict[str, object] = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[_ALGORITHM],
            audience=audience,
            options={"require": ["sub", "aud", "exp"]},
        )
    except jwt.PyJWTError:
        return None
    return claims


def enrolment_token(settings: Settings, actor: Principal, secret: str) -> str:
    return _sign(settings, ENROLMENT_AUDIENCE, ENROLMENT_MINUTES, sub=actor.user_id, sec=secret)


def secret_of_enrolment(settings: Settings, token: str, actor: Principal) -> str | None:
    """The secret an enrolment token of this actor carries, or None (forged, expired, other's)."""
    claims = _read(settings, token, ENROLMENT_AUDIENCE) if token else None
    if claims is None or claims.get("sub") != actor.user_id:
        return None
    secret = claims.get("sec")
    return secret if isinstance(secret, str) else None


def second_step_token(settings: Settings, principal: Principal, generation: int) -> str:
    return _sign(
        settings, SECOND_STEP_AUDIENCE, SECOND_STEP_MINUTES, sub=principal.user_id, gen=generation
    )


def second_step_of(settings: Settings, token: str) -> tuple[UUID, int] | None:
    """The user and token generation whose password a second-step token vouches for."""
    claims = _read(settings, token, SECOND_STEP_AUDIENCE) if token else None
    if claims is None:
        return None
    generation = claims.get("gen")
    if not isinstance(generation, int) or isinstance(generation, bool):
        return None
    try:
        return UUID(str(claims.get("sub"))), generation
    except ValueError:
        return None


def qr_data_uri(uri: str) -> str:
    """The otpauth:// URI as a QR code, an SVG data: URI (the pages' CSP allows data: images)."""
    code = segno.make(uri, error="m")
    data_uri: str = code.svg_data_uri(scale=5, border=2, dark="#111", light="#fff")
    return data_uri


def must_enrol(runtime: Runtime, principal: Principal) -> bool:
    """Whether the principal's role requires a second factor it has not enrolled yet."""
    if principal.role.value not in runtime.settings.second_factor_roles:
        return False
    return not runtime.second_factors.enrolled(UUID(principal.user_id))


# What a user who must enrol may still reach through the API: who they are, the enrolment,
# their sessions, logging out.
OPEN_BEFORE_ENROLMENT = "/auth/"


def refuse_until_enrolled(runtime: Runtime, principal: Principal, path: str) -> None:
    """403 for a user whose role must have a second factor and has none yet, but on /auth/."""
    if not path.startswith(OPEN_BEFORE_ENROLMENT) and must_enrol(runtime, principal):
        raise SecondFactorMissingError(
            "your role must use a second factor: enrol one first"
            " (POST /auth/second-factor/enrolment, then POST /auth/second-factor)"
        )
