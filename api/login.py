"""Logging in, shared by the JSON route (`POST /auth/token`) and the login page."""

from __future__ import annotations

from uuid import UUID

from api import metrics
from api.auth import issue_token
from api.errors import AuthenticationError
from api.throttle import LoginThrottle
from workers.runtime import Runtime


class LoginThrottled(Exception):
    """Too many failed logins for the account or the address: try again in `seconds`."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"try again in {seconds} s")
        self.seconds = seconds


def log_in(
    runtime: Runtime, throttle: LoginThrottle, username: str, password: str, address: str
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
    throttle.succeeded(account)
    generation = organisation.token_generation(UUID(principal.user_id))
    return issue_token(principal, runtime.settings, generation)
