"""Errors of the sales context (deals)."""

from __future__ import annotations

from domain.shared.errors import DomainError


class DealVehicleMissingError(DomainError):
    title = "Deal has no vehicle"


class DealVehicleAlreadyAttachedError(DomainError):
    title = "Vehicle already attached to this deal"


class DealVehicleOtherStoreError(DomainError):
    title = "Vehicle stands in another store"


class DealDiscountTooLargeError(DomainError):
    title = "Discount larger than the price"


class DealLeadMismatchError(DomainError):
    title = "Lead belongs to another store or customer"


class DealSalespersonMissingError(DomainError):
    title = "Deal needs a salesperson"


class DealStoreClosedError(DomainError):
    title = "Store is closed"
