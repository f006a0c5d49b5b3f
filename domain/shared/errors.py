"""The one family of errors the domain raises; api/errors.py maps each kind to an HTTP status."""

from __future__ import annotations

from typing import Any
from uuid import UUID


class DomainError(Exception):
    """A business rule was broken (HTTP 422)."""

    title = "Business rule violated"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidValueError(DomainError):
    """A value does not have the right shape (bad VIN, phone, money...)."""

    title = "Invalid value"


class NotFoundError(DomainError):
    """The thing does not exist, or the actor may not know that it exists (HTTP 404)."""

    title = "Not found"

    def __init__(self, kind: str, ident: UUID | str) -> None:
        super().__init__(f"{kind} {ident} not found", kind=kind, id=str(ident))


class GoneError(DomainError):
    """The thing existed and is gone for good, by a rule (a file past its retention) (HTTP 410)."""

    title = "Gone"


class ConflictError(DomainError):
    """The write raced another one or duplicates an existing thing (HTTP 409)."""

    title = "Conflict"


class StaleVersionError(ConflictError):
    title = "Stale version"

    def __init__(self, ident: UUID, expected: int, actual: int) -> None:
        super().__init__(
            f"{ident} is at version {actual}, not {expected}: reload and retry",
            id=str(ident),
            expected_version=expected,
            actual_version=actual,
        )


class PermissionDeniedError(DomainError):
    """The actor's role or scope does not allow this (HTTP 403)."""

    title = "Forbidden"


class IllegalTransitionError(DomainError):
    """A lifecycle step that is not allowed from the current state."""

    title = "Illegal transition"

    def __init__(self, kind: str, ident: UUID, status: str, action: str) -> None:
        super().__init__(
            f"cannot {action} {kind} {ident} while it is {status}",
            id=str(ident),
            current_status=status,
            action=action,
        )
