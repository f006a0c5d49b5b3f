"""Logging in, shared by the JSON route (`POST /auth/token`) and the login page."""

from __future__ import annotations

from uuid import UUID

from api import metrics
from api.auth import claims_of_token
from api.errors import AuthenticationError
from api.second_factor import second_step_of, second_step_token
from api.sessions import start_session
from api.throttle import LoginThrottle
from workers.access_log import Access, AccessKind
from workers.runtime import Runtime


class LoginThrottled(Exception):
    """Too many failed logins for the account or the address: try again in `seconds`."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"try again in {seconds} s")
        self.seconds = seconds


class SecondFactorRequired(Exception):
    """The password was right and the user has a second factor: a one-time code is needed.

    `second_step` is a short signed token saying so (api/second_factor.py), which the login
    page sends back with the code instead of the password."""

    def __init__(self, second_step: str) -> None:
        super().__init__("a one-time code is required")
        self.second_step = second_step


def log_in(
    runtime: Runtime,
    throttle: LoginThrottle,
    username: str,
    password: str,
    address: str,
    *,
    otp: str | None = None,
    user_agent: str = "",
    channel: str = "api",
) -> str:
    """A bearer token for valid credentials; AuthenticationError or LoginThrottled otherwise.

    Failed logins are throttled per account and per client address; the same answer is given
    whatever the password, so a lockout never becomes a password oracle. Every attempt goes to
    the access log with the address and user agent: a failure names the username tried (never
    the password), a success the user and the token issued (`channel`: "api" or "page").
    """
    organisation = runtime.organisation
    account = f"{username.strip().lower()}#{organisation.unlocks(username)}"

    def failed(reason: str) -> None:
        runtime.access_log.record(
            Access(
                AccessKind.LOGIN_FAILED,
                None,
                subject=username.strip().lower(),
                detail={"reason": reason, "channel": channel},
                address=address,
                user_agent=user_agent,
            )
        )

    wait = throttle.retry_after(account, address)
    if wait is not None:
        failed("throttled")
        raise LoginThrottled(wait)
    if not throttle.attempt(account):
        failed("throttled")
        raise LoginThrottled(throttle.retry_after(account, address) or 1)
    principal = organisation.authenticate(username, password)
    if principal is None:
        metrics.LOGINS_FAILED.inc()
        throttle.failed(address)
        failed("credentials")
        raise AuthenticationError("unknown username or wrong password")
    if runtime.second_factors.enrolled(UUID(principal.user_id)):
        # The account's attempt stays spent until the code is right too: a right password
        # alone never refills the budget the code is guessed against.
        if not otp:
            generation = organisation.token_generation(UUID(principal.user_id))
            raise SecondFactorRequired(second_step_token(runtime.settings, principal, generation))
        if not runtime.second_factors.check_login(principal, otp):
            metrics.LOGINS_FAILED.inc()
            throttle.failed(address)
            failed("second factor")
            raise AuthenticationError("wrong or already used one-time code")
    throttle.succeeded(account)
    token = start_session(runtime, principal, address, user_agent)
    record_login(
        runtime, principal.user_id, principal.username, token, address, user_agent, channel
    )
    return token


def complete_login(
    runtime: Runtime,
    throttle: LoginThrottle,
    second_step: str,
    otp: str,
    address: str,
    *,
    user_agent: str = "",
    channel: str = "page",
) -> str:
    """The login page's second step: a token for a right code after a right password.

    The code is throttled as a password is (it spends an attempt of the account; a wrong one
    counts against the address). A password change since the first step voids it."""
    organisation = runtime.organisation
    vouched = second_step_of(runtime.settings, second_step)
    principal = organisation.principal(vouched[0]) if vouched is not None else None
    if vouched is None or principal is None:
        raise AuthenticationError("the login has expired: enter your password again")
    if organisation.token_generation(vouched[0]) != vouched[1]:
        raise AuthenticationError("the login has expired: enter your password again")
    account = f"{principal.username}#{organisation.unlocks(principal.username)}"
    wait = throttle.retry_after(account, address)
    if wait is not None:
        raise LoginThrottled(wait)
    if not throttle.attempt(account):
        raise LoginThrottled(throttle.retry_after(account, address) or 1)
    if not runtime.second_factors.check_login(principal, otp):
        metrics.LOGINS_FAILED.inc()
        throttle.failed(address)
        runtime.access_log.record(
            Access(
                AccessKind.LOGIN_FAILED,
                None,
                subject=principal.username,
                detail={"reason": "second factor", "channel": channel},
                address=address,
                user_agent=user_agent,
            )
        )
        raise AuthenticationError("wrong or already used one-time code")
    throttle.succeeded(account)
    token = start_session(runtime, principal, address, user_agent)
    record_login(
        runtime, principal.user_id, principal.username, token, address, user_agent, channel
    )
    return token


def record_login(
    runtime: Runtime,
    user_id: str,
    username: str,
    token: str,
    address: str,
    user_agent: str | None,
    channel: str,
    *,
    kinds: tuple[AccessKind, ...] = (AccessKind.LOGIN_SUCCEEDED, AccessKind.TOKEN_ISSUED),
) -> None:
    """Record a login and the token it issued (or, with `kinds`, only the token)."""
    claims = claims_of_token(token, runtime.settings)
    for kind in kinds:
        detail = {"channel": channel}
        if kind is AccessKind.TOKEN_ISSUED and claims is not None:
            detail |= {"token_id": claims.token_id, "expires_at": claims.expires_at.isoformat()}
        subject = username if kind is AccessKind.LOGIN_SUCCEEDED else user_id
        runtime.access_log.record(
            Access(kind, user_id, subject, detail, address=address, user_agent=user_agent)
        )
