"""Errors of the performance context (targets, scorecards, evaluations, pay)."""

from __future__ import annotations

from domain.shared.errors import (
    ConflictError,
    DomainError,
    IllegalTransitionError,
    InvalidValueError,
)

# --- targets, scorecards, evaluations -------------------------------------------------------------


class KpiUnknownError(InvalidValueError):
    title = "Unknown KPI"


class TargetValueError(InvalidValueError):
    title = "Invalid target"


class ScorecardInvalidError(InvalidValueError):
    title = "Invalid scorecard"


class ScorecardVersionOrderError(DomainError):
    title = "Scorecard version out of order"


class ScorecardMissingError(DomainError):
    title = "No scorecard applies"


class EvaluationNotScorableError(DomainError):
    title = "Nothing to score"


class EvaluationMonthError(DomainError):
    title = "Month not evaluable"


class EvaluationApprovedError(IllegalTransitionError):
    title = "Evaluation approved"


# --- pay plans ------------------------------------------------------------------------------------


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
