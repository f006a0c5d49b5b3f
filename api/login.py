"""Logging in, shared by the JSON route (`POST /auth/token`) and the login page."""

from __future__ import annotations

from uuid import UUID

from api import metrics
from api.errors import AuthenticationError
from api.second_factor import second_step_of, second_step_token
from api.sessions import start_session
from api.throttle import LoginThrottle
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
) -> str:
    """A bearer token for valid credentials; AuthenticationError or LoginThrottled otherwise.

    Failed logins are throttled per account and per client address; the same answer is given
    whatever the password, so a lockout never becomes a password oracle.
    """
    organisation = runtime.organisation
    account = f"{username.strip().lower()}#{organisation.unlocks(username)}"
    wait = throttle.retry_after(account, address)
    if wait is not None:
        raise LoginThrottled(wait)
    if not throttle.attempt(account):
        raise LoginThrottled(throttle.retry_after(account, address) or 1)
    principal = organisation.authenticate(username, password)
    if principal is None:
        metrics.LOGINS_FAILED.inc()
        throttle.failed(address)
        raise AuthenticationError("unknown username or wrong password")
    if runtime.second_factors.enrolled(UUID(principal.user_id)):
        # The account's attempt stays spent until the code is right too: a right password
        # alone never refills the budget the code is guessed against.
        if not otp:
            generation = organisation.token_generation(UUID(principal.user_id))
            raise SecondFactorRequired(second_step_token(runtime.settings, principal, generation))
        if not runtime.second_factors.check_login(principal, otp):
            throttle.failed(address)
            raise AuthenticationError("wrong or already used one-time code")
    throttle.succeeded(account)
    return start_session(runtime, principal, address, user_agent)


def complete_login(
    runtime: Runtime,
    throttle: LoginThrottle,
    second_step: str,
    otp: str,
    address: str,
    *,
    user_agent: str = "",
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
        throttle.failed(address)
        raise AuthenticationError("wrong or already used one-time code")
    throttle.succeeded(account)
    return start_session(runtime, principal, address, user_agent)
