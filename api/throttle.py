"""Login throttling per account and per client address, on the `limits` library.

`limits` (alisaifee/limits) is the rate-limit core of Flask-Limiter and SlowAPI: maintained,
typed, with atomic moving windows on Redis (a Lua script) and in memory. With `REDIS_URL` the
counts are shared by every API process; without it each process counts alone, which is right
for the embedded default (one process). If Redis cannot be reached, a login is neither refused
nor let through unthrottled: the counts move to this process's memory (per process, so weaker
across processes, but never off) for half a minute, then Redis is tried again.

Counts are kept under keyed hashes of the username and the address, not in clear, and an
account's key includes its unlock count: an admin's unlock (an event on the user) gives a fresh
budget in every process at once, whatever store holds the counts.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from workers.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
# How long the in-memory counts stand in after Redis failed, before Redis is tried again; short
# timeouts so that a Redis that hangs costs a login at most a second or two.
FALLBACK_SECONDS = 30.0
REDIS_OPTIONS: dict[str, float | str | bool] = {
    "wrap_exceptions": True,
    "socket_connect_timeout": 1.0,
    "socket_timeout": 1.0,
}


class LoginThrottle:
    """Failed-login budgets: tiers per account and per address; a spent tier locks out."""

    def __init__(self, settings: Settings) -> None:
        self.shared: MovingWindowRateLimiter | None = None
        if settings.redis_url:
            storage = storage_from_string(settings.redis_url, **REDIS_OPTIONS)
            self.shared = MovingWindowRateLimiter(storage)
        self.local = MovingWindowRateLimiter(MemoryStorage())
        self._shared_down_until = 0.0
        self.account_limits: list[RateLimitItem] = parse_many(settings.login_account_limits)
        self.address_limits: list[RateLimitItem] = parse_many(settings.login_address_limits)
        self._key = hmac.new(settings.secret_key.encode(), b"login-throttle", "sha256").digest()

    def _run(self, operation: Callable[[MovingWindowRateLimiter], T]) -> T:
        """The operation on Redis when there is one and it answers, else on the memory counts."""
        if self.shared is not None and time.monotonic() >= self._shared_down_until:
            try:
                return operation(self.shared)
            except StorageError as error:
                self._shared_down_until = time.monotonic() + FALLBACK_SECONDS
                log.warning(
                    "login throttle: Redis unreachable (%s); counting in memory for %.0f s",
                    error,
                    FALLBACK_SECONDS,
                )
        return operation(self.local)

    def _id(self, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]

    def _checks(self, account: str, address: str) -> list[tuple[RateLimitItem, str]]:
        account_id, address_id = self._id("account", account), self._id("address", address)
        return [(limit, account_id) for limit in self.account_limits] + [
            (limit, address_id) for limit in self.address_limits
        ]

    def retry_after(self, account: str, address: str) -> int | None:
        """Seconds until a login may be tried, or None when neither budget is spent."""
        checks = self._checks(account, address)
        blocked = self._run(
            lambda limiter: [
                limiter.get_window_stats(limit, key).reset_time
                for limit, key in checks
                if not limiter.test(limit, key)
            ]
        )
        if not blocked:
            return None
        return max(1, math.ceil(max(blocked) - time.time()))

    def attempt(self, account: str) -> bool:
        """Spend one of the account's attempts before checking a password; False if none left.

        Spending first (an atomic hit) means parallel guesses cannot all slip past the check.
        """
        account_id = self._id("account", account)
        limits = self.account_limits
        return all(self._run(lambda limiter: [limiter.hit(limit, account_id) for limit in limits]))

    def failed(self, address: str) -> None:
        """A wrong password: it counts against the address (the account's was spent already)."""
        address_id = self._id("address", address)
        self._run(lambda limiter: [limiter.hit(limit, address_id) for limit in self.address_limits])

    def succeeded(self, account: str) -> None:
        """A right password: the account's attempts start afresh (the address's stay)."""
        account_id = self._id("account", account)

        def clear(limiter: MovingWindowRateLimiter) -> None:
            for limit in self.account_limits:
                limiter.clear(limit, account_id)

        self._run(clear)


_lock = threading.Lock()


async def get_throttle(request: Request) -> LoginThrottle:
    """The app's one throttle, made on first use (its settings come with the runtime)."""
    state = request.app.state
    with _lock:
        throttle: LoginThrottle | None = getattr(state, "login_throttle", None)
        if throttle is None:
            throttle = LoginThrottle(state.runtime.settings)
            state.login_throttle = throttle
    return throttle


ThrottleDep = Annotated[LoginThrottle, Depends(get_throttle)]
