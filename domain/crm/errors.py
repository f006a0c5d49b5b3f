"""Errors of the CRM context (customers)."""

from __future__ import annotations

from uuid import UUID

from domain.shared.errors import ConflictError, DomainError


class CustomerAlreadyExistsError(ConflictError):
    """The phone number already belongs to a customer of the group.

    `existing_id` is only disclosed (in `extra`) when the actor may read that customer.
    """

    title = "Customer already exists"

    def __init__(self, existing_id: UUID | None) -> None:
        if existing_id is None:
            super().__init__("a customer with this phone number is already registered")
        else:
            super().__init__(
                f"customer {existing_id} already has this phone number",
                existing_id=str(existing_id),
            )
        self.existing_id = existing_id


class CustomerAlreadyServedError(ConflictError):
    """The phone number belongs to a customer the actor may not see.

    One neutral answer whoever owns the customer and wherever: it names no id, name or store, so
    a caller learns only that the person is served by the group already.
    """

    title = "Customer already served"

    def __init__(self, passed_on: bool = False) -> None:
        detail = "this customer is already served by another salesperson of the group"
        if passed_on:
            super().__init__(
                detail + "; the enquiry was passed on to them or their manager", passed_on=True
            )
        else:
            super().__init__(detail)


class CustomerPhoneTakenError(ConflictError):
    """A concurrent registration claimed the phone number first (internal: services answer
    CustomerAlreadyExistsError or CustomerAlreadyServedError, or link the winner)."""

    title = "Customer already exists"

    def __init__(self, customer_id: UUID) -> None:
        super().__init__("a customer with this phone number was registered meanwhile")
        self.customer_id = customer_id


class CustomerOwnerUnchangedError(DomainError):
    title = "Customer already has this owner"


class CustomerStoreClosedError(DomainError):
    title = "Store is closed"


class CustomerErasedError(DomainError):
    """The customer was erased (PIPL right to deletion): nothing more is recorded about them."""

    title = "Customer erased"


class CustomerMergedError(ConflictError):
    """The customer record was merged into another one, which answers for the person now."""

    title = "Customer merged"

    def __init__(self, customer_id: UUID, survivor_id: UUID) -> None:
        super().__init__(
            f"customer {customer_id} was merged into {survivor_id}", merged_into=str(survivor_id)
        )
        self.customer_id = customer_id
        self.survivor_id = survivor_id


class CustomerMergeRefusedError(DomainError):
    """Two records that cannot be merged (the same record, or of stores the manager does not
    run)."""

    title = "Customers cannot be merged"
