"""Errors of the performance context (KPIs, targets, scorecards, evaluations)."""

from __future__ import annotations

from domain.shared.errors import (
    DomainError,
    IllegalTransitionError,
    InvalidValueError,
)


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
