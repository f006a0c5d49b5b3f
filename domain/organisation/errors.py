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


class WrongPasswordError(DomainError):
    title = "Current password is wrong"


class LastAdminError(DomainError):
    title = "The last active admin cannot be deactivated"


class SelfDeactivationError(DomainError):
    title = "An admin cannot deactivate its own login"


class SecondFactorAlreadyEnabledError(ConflictError):
    title = "A second factor is already enabled"


class SecondFactorNotEnabledError(DomainError):
    title = "No second factor is enabled"


class WrongOneTimeCodeError(DomainError):
    title = "Wrong one-time code"


class OneTimeCodeReplayedError(WrongOneTimeCodeError):
    title = "One-time code already used"


class EnrolmentExpiredError(DomainError):
    title = "The enrolment has expired or is not yours"
