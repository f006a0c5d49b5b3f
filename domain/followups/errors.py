"""Errors of follow-up tasks and after-delivery calls."""

from __future__ import annotations

from domain.shared.errors import DomainError


class CallNotPendingError(DomainError):
    title = "Call not pending"


class CallScoreError(DomainError):
    title = "Satisfaction score only for a reached call"


class CallPlanCancelledError(DomainError):
    title = "Calls cancelled"
