"""Logging in, shared by the JSON route (`POST /auth/token`) and the login page."""

from __future__ import annotations

from uuid import UUID

from api.auth import claims_of_token, issue_token
from api.errors import AuthenticationError
from api.throttle import LoginThrottle
from workers.access_log import Access, AccessKind
from workers.runtime import Runtime


class LoginThrottled(Exception):
    """Too many failed logins for the account or the address: try again in `seconds`."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"try again in {seconds} s")
        self.seconds = seconds


def log_in(
    runtime: Runtime,
    throttle: LoginThrottle,
    username: str,
    password: str,
    address: str,
    *,
    user_agent: str | None = None,
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
        throttle.failed(address)
        failed("credentials")
        raise AuthenticationError("unknown username or wrong password")
    throttle.succeeded(account)
    generation = organisation.token_generation(UUID(principal.user_id))
    token = issue_token(principal, runtime.settings, generation)
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
