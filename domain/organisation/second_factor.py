"""The second factor of a login: a TOTP secret (RFC 6238) and ten one-time recovery codes.

Every role may enrol; a setting (`SHOWROOM_SECOND_FACTOR_ROLES`, the API's business) may require
it of some roles. The secret and the recovery codes' hashes are recorded in the user's events
(encrypted at rest with the event bodies); the codes themselves are shown once and never kept.

The time-based codes are computed behind a port (`OneTimeCodes`): the domain uses only the
standard library, and the adapter (workers/one_time_codes.py) uses pyotp. A code is accepted
once: its time step is recorded on the user (`SecondFactorCodeUsed`), and the event store's
optimistic concurrency makes two logins racing with one code save one event and fail the other.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.app import Showroom, Written
from domain.organisation.errors import (
    SecondFactorNotEnabledError,
    WrongOneTimeCodeError,
    WrongPasswordError,
)
from domain.organisation.model import User
from domain.organisation.passwords import verify_password
from domain.shared.access import ensure_role
from domain.shared.actor import Principal, Role, acting_as
from domain.shared.clock import aware, now
from domain.shared.errors import ConflictError, InvalidValueError, NotFoundError

RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_RECOVERY_LENGTH = 16  # ~78 bits each: a fast hash of one cannot be reversed by trying them all


class OneTimeCodes(Protocol):
    """Port: RFC 6238 time-based codes."""

    def new_secret(self) -> str:
        """A fresh random base32 secret."""
        ...

    def step_of(self, secret: str, code: str, at: datetime) -> int | None:
        """The time step (±1 around `at`) whose code is `code`, or None."""
        ...

    def provisioning_uri(self, secret: str, account: str, issuer: str) -> str:
        """The otpauth:// URI an authenticator app reads (from a QR code or typed in)."""
        ...


@dataclass(frozen=True)
class SecondFactorStatus:
    enabled: bool
    recovery_codes_left: int


def new_recovery_codes() -> list[str]:
    """Ten random codes, written as xxxx-xxxx-xxxx-xxxx."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    return codes


def hash_recovery_code(code: str) -> str:
    """The hash kept of a recovery code; spaces, dashes and case do not matter when typed."""
    normal = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(b"showroom-recovery:" + normal.encode()).hexdigest()


def _is_recovery_code(code: str) -> bool:
    return sum(ch.isalnum() for ch in code) == _RECOVERY_LENGTH


def _digits(code: str) -> str:
    return "".join(code.split())


class SecondFactors:
    """Enrol, use, disable and reset the second factor of logins."""

    def __init__(self, app: Showroom, codes: OneTimeCodes, issuer: str = "Showroom") -> None:
        self.app = app
        self.codes = codes
        self.issuer = issuer

    def _own(self, actor: Principal) -> User:
        return self.app.load(User, UUID(actor.user_id), "user")

    def status(self, actor: Principal) -> SecondFactorStatus:
        """Whether the actor has a second factor, and how many recovery codes are left."""
        user = self._own(actor)
        return SecondFactorStatus(user.second_factor_enabled, len(user.recovery_code_hashes))

    def new_secret(self) -> str:
        """A secret to enrol with; nothing is recorded until a first code confirms it."""
        return self.codes.new_secret()

    def provisioning_uri(self, actor: Principal, secret: str) -> str:
        return self.codes.provisioning_uri(secret, actor.username, self.issuer)

    def enable(
        self, actor: Principal, secret: str, code: str, password: str
    ) -> tuple[Written, list[str]]:
        """Turn the second factor on with a first valid code of `secret` and one's password.

        Answers the ten recovery codes, which are shown this once and kept only hashed. The
        password is asked because someone holding only a session (a shared screen) must not
        be able to lock its owner out behind an authenticator of their own."""
        with acting_as(actor):
            user = self._own(actor)
            if not verify_password(password, user.password_hash):
                raise WrongPasswordError("password does not match")
            step = self.codes.step_of(secret, _digits(code), now())
            if step is None:
                raise WrongOneTimeCodeError("the code does not match the secret: try the next one")
            recovery = new_recovery_codes()
            user.enable_second_factor(
                secret, [hash_recovery_code(c) for c in recovery], step, occurred_at=aware(None)
            )
            return self.app.written(user), recovery

    def _spend(self, user: User, code: str) -> None:
        """Spend a current TOTP code or an unused recovery code of the user, or raise."""
        secret = user.second_factor_secret
        if secret is None:
            raise SecondFactorNotEnabledError("no second factor is enabled")
        if _is_recovery_code(code):
            user.use_recovery_code(hash_recovery_code(code), occurred_at=aware(None))
            return
        step = self.codes.step_of(secret, _digits(code), now())
        if step is None:
            raise WrongOneTimeCodeError("not a valid code")
        user.use_code(step, occurred_at=aware(None))

    def disable(self, actor: Principal, code: str) -> Written:
        """Turn one's second factor off, with a current code or an unused recovery code."""
        with acting_as(actor):
            user = self._own(actor)
            self._spend(user, code)
            user.disable_second_factor(by_admin=False, occurred_at=aware(None))
            return self.app.written(user)

    def reset(self, actor: Principal, username: str) -> Written:
        """An admin switches off another user's second factor (a lost phone and codes)."""
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN)
            user = self.app.load(User, User.id_for(username), "user")
            if str(user.id) == actor.user_id:
                raise InvalidValueError("disable your own second factor with a code")
            user.disable_second_factor(by_admin=True, occurred_at=aware(None))
            return self.app.written(user)

    def enrolled(self, user_id: UUID) -> bool:
        """Whether a login of this user needs a code (False for an unknown user)."""
        try:
            return self.app.load(User, user_id, "user").second_factor_enabled
        except NotFoundError:
            return False

    def check_login(self, principal: Principal, code: str) -> bool:
        """Spend a login's code: True once for a right code, False when wrong or replayed."""
        if not code or len(code) > 64:
            return False
        with acting_as(principal):
            user = self._own(principal)
            try:
                self._spend(user, code)
                self.app.commit(user)
            except (WrongOneTimeCodeError, SecondFactorNotEnabledError, ConflictError):
                return False
        return True
