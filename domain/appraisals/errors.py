"""Errors of the appraisal context (a customer's car valued for a trade-in)."""

from __future__ import annotations

from domain.shared.errors import ConflictError, DomainError


class AppraisalOfferExpiredError(DomainError):
    """The offer's expiry has passed: the car must be valued and offered again."""

    title = "Appraisal offer expired"


class AppraisalOfferNotExpiredError(DomainError):
    """An offer is expired only once its expiry has passed."""

    title = "Appraisal offer not expired yet"


class AppraisalOtherStoreError(DomainError):
    """A trade-in is taken by the store that appraised it."""

    title = "Appraisal belongs to another store"


class AppraisalOnAnotherDealError(ConflictError):
    """The customer accepted this offer on another deal already."""

    title = "Appraisal is on another deal"


class TradeInAlreadyAttachedError(DomainError):
    """A deal takes one trade-in; the same appraisal may be attached again with new figures."""

    title = "Deal has another trade-in"


class TradeInVehicleInStockError(ConflictError):
    """The traded car's VIN is in the group's stock already (not delivered to a buyer)."""

    title = "Traded car is in stock already"
