"""Errors of the pay context (pay plans, assignments, pay periods, disputes).

A "not found" is a `NotFoundError` (404), never a rule broken (422): api/errors.py maps by type."""

from __future__ import annotations

from uuid import UUID

from domain.shared.errors import (
    ConflictError,
    DomainError,
    IllegalTransitionError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
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


class PayPeriodAlreadyExistsError(ConflictError):
    title = "Pay period already exists"


class PayPeriodOverlapError(ConflictError):
    """A store's month is already covered by the group's period, or the other way round."""

    title = "Pay periods overlap"


class PayPeriodOrderError(DomainError):
    """Periods covering the same store are approved (and opened) in month order."""

    title = "Pay periods out of order"


class DisputeNotFoundError(NotFoundError):
    """The period has no dispute of that id (HTTP 404)."""

    title = "Dispute not found"

    def __init__(self, dispute_id: UUID | str) -> None:
        super().__init__("dispute", dispute_id)


class DisputeAlreadyResolvedError(DomainError):
    title = "Dispute already resolved"


class NoOpenPeriodError(DomainError):
    """An adjustment for an approved period needs a later period that is not yet approved."""

    title = "No open pay period to take the adjustment"


# --- four eyes (docs/payroll.md, "Four eyes") -------------------------------------------------


class SecondPersonRequiredError(PermissionDeniedError):
    """The one who proposed (or requested) a pay decision may not also confirm it (HTTP 403)."""

    title = "A second person must confirm"


class BeneficiaryMayNotDecideError(PermissionDeniedError):
    """Nobody proposes, enters or confirms pay of their own (HTTP 403)."""

    title = "The beneficiary may not decide"


class ProposalNotPendingError(ConflictError):
    """The proposal was already confirmed, refused or withdrawn, or there is none (HTTP 409)."""

    title = "Nothing waiting for confirmation"


class ProposalPendingError(ConflictError):
    """Something is already waiting for confirmation (HTTP 409): decide it first."""

    title = "Waiting for confirmation"
