"""Errors of the sales context (deals)."""

from __future__ import annotations

from uuid import UUID

from domain.shared.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError


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


# --- desking: approvals and the order stage (docs/desking.md) -----------------------------------


class DealApprovalPendingError(ConflictError):
    """The quote's approval request waits for a decision (HTTP 409)."""

    title = "Approval pending"


class DealApprovalRefusedError(ConflictError):
    """The quote's approval was refused: change the quote, or ask again (HTTP 409)."""

    title = "Approval refused"


class DealApprovalRequiredError(ConflictError):
    """The quote needs an approval nobody at its level has given (HTTP 409)."""

    title = "Approval required"


class DealApprovalNotNeededError(DomainError):
    title = "Quote needs no approval"


class DealApprovalNotPendingError(DomainError):
    title = "No approval request pending"


class DealApproverLevelError(PermissionDeniedError):
    """The request needs a higher level than the caller's (HTTP 403)."""

    title = "Approval needs a higher level"


class DealOrderPlacedError(DomainError):
    """The deal has an order (a deposit): cancel the order to change or drop it."""

    title = "Deal has an order"


class DealNoOrderError(DomainError):
    title = "Deal has no order"


class DealDownPaymentError(DomainError):
    title = "Down payment larger than the selling price"
