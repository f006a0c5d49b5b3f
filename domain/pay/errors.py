"""Errors of the pay context (pay plans, assignments, pay periods)."""

from __future__ import annotations

from domain.shared.errors import (
    ConflictError,
    DomainError,
    IllegalTransitionError,
    InvalidValueError,
)


class PlanComponentInvalidError(InvalidValueError):
    """A pay-plan component (or the list of them) is malformed or contradicts itself."""

    title = "Invalid pay-plan component"


class PlanVersionOrderError(DomainError):
    title = "Pay-plan version out of order"


class PlanAssignmentTargetError(InvalidValueError):
    title = "Invalid pay-plan assignment target"


class PlanAssignmentAmbiguousError(ConflictError):
    """Two assignments would give the same person two plans from the same day."""

    title = "Ambiguous pay-plan assignment"


class PlanAssignmentEndedError(IllegalTransitionError):
    title = "Pay-plan assignment already ended"


class PlanAssignmentsOpenError(DomainError):
    title = "Pay plan still assigned"
