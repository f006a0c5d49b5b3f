"""Errors of the sales context (deals)."""

from __future__ import annotations

from uuid import UUID

from domain.shared.errors import ConflictError, DomainError, NotFoundError


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


class DealCreditSharesError(DomainError):
    """The credit shares of a deal are not positive, of two decimals, summing to one."""

    title = "Credit shares do not make one deal"


class DealProductNotFoundError(NotFoundError):
    """No product of that id on this deal (HTTP 404)."""

    def __init__(self, deal_id: UUID, product_id: UUID) -> None:
        super().__init__("product", product_id)
        self.extra["deal_id"] = str(deal_id)


class DealProductAlreadyCancelledError(DomainError):
    title = "Product already cancelled"


class DealProductExistsError(ConflictError):
    """A product id used twice on a deal (a retried request with a client-chosen id)."""

    title = "Product already on the deal"


class DealTooManyProductsError(DomainError):
    title = "Too many products on the deal"
