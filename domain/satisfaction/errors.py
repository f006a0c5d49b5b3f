"""Errors of the satisfaction context (CSI surveys)."""

from __future__ import annotations

from domain.shared.errors import ConflictError, DomainError


class SurveyDealNotDeliveredError(DomainError):
    title = "Deal not delivered"


class SurveyAlreadyRecordedError(ConflictError):
    """A deal has at most one survey (its id derives from the deal's)."""

    title = "Survey already recorded"


class SurveyAlreadyExcludedError(DomainError):
    title = "Survey already excluded"


class SurveyNotExcludedError(DomainError):
    title = "Survey is not excluded"


class SurveyAnsweredTooEarlyError(DomainError):
    title = "Survey answered before delivery"
