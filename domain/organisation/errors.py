from __future__ import annotations

from domain.shared.errors import ConflictError, DomainError


class UserAlreadyExistsError(ConflictError):
    title = "User already exists"


class StaffInactiveError(DomainError):
    title = "Staff member is inactive"


class WeakPasswordError(DomainError):
    title = "Password too weak"


class UserScopeError(DomainError):
    title = "User scope does not fit the role"
