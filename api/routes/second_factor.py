"""The second factor of one's login (TOTP with recovery codes), and an admin's reset of it."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import ActorDep, RuntimeDep
from api.schemas.common import Written
from api.schemas.security import (
    ConfirmEnrolment,
    DisableSecondFactor,
    EnabledOut,
    EnrolmentOut,
    SecondFactorOut,
)
from api.second_factor import enrolment_token, qr_data_uri, secret_of_enrolment
from api.sessions import record_second_factor_change
from domain.organisation.errors import EnrolmentExpiredError
from domain.organisation.model import User

router = APIRouter(tags=["auth"])


@router.get("/auth/second-factor")
def second_factor(actor: ActorDep, runtime: RuntimeDep) -> SecondFactorOut:
    """Whether your login has a second factor, and how many recovery codes are left."""
    state = runtime.second_factors.status(actor)
    return SecondFactorOut(
        enabled=state.enabled,
        recovery_codes_left=state.recovery_codes_left,
        required=actor.role.value in runtime.settings.second_factor_roles,
    )


@router.post("/auth/second-factor/enrolment", status_code=201)
def start_enrolment(actor: ActorDep, runtime: RuntimeDep) -> EnrolmentOut:
    """A fresh TOTP secret to scan; nothing is recorded until `POST /auth/second-factor`."""
    secret = runtime.second_factors.new_secret()
    uri = runtime.second_factors.provisioning_uri(actor, secret)
    return EnrolmentOut(
        secret=secret,
        otpauth_uri=uri,
        qr_svg=qr_data_uri(uri),
        enrolment=enrolment_token(runtime.settings, actor, secret),
    )


@router.post("/auth/second-factor", status_code=201)
def enable(
    body: ConfirmEnrolment, actor: ActorDep, runtime: RuntimeDep, request: Request
) -> EnabledOut:
    """Turn the second factor on: the enrolment, the app's first code and your password.

    Answers ten recovery codes, shown this once. From then on `POST /auth/token` needs `otp`."""
    secret = secret_of_enrolment(runtime.settings, body.enrolment, actor)
    if secret is None:
        raise EnrolmentExpiredError("start again with POST /auth/second-factor/enrolment")
    written, codes = runtime.second_factors.enable(actor, secret, body.code, body.password)
    record_second_factor_change(runtime, actor, actor.user_id, "enabled", request)
    return EnabledOut(
        id=written.id, version=written.version, position=written.position, recovery_codes=codes
    )


@router.post("/auth/second-factor/disable", status_code=201)
def disable(
    body: DisableSecondFactor, actor: ActorDep, runtime: RuntimeDep, request: Request
) -> Written:
    """Turn your second factor off, with a current code or an unused recovery code."""
    written = runtime.second_factors.disable(actor, body.code)
    record_second_factor_change(runtime, actor, actor.user_id, "disabled", request)
    return Written.of(written)


@router.post("/users/{username}/second-factor/reset", status_code=201, tags=["organisation"])
def reset(username: str, runtime: RuntimeDep, actor: ActorDep, request: Request) -> Written:
    """Switch off another user's second factor (admin): for a lost phone and lost codes."""
    written = runtime.second_factors.reset(actor, username)
    record_second_factor_change(runtime, actor, str(User.id_for(username)), "reset", request)
    return Written.of(written)
