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


class CustomerOwnerUnchangedError(DomainError):
    title = "Customer already has this owner"


class CustomerStoreClosedError(DomainError):
    title = "Store is closed"
