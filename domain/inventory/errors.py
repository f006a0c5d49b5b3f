"""Errors of the inventory context (vehicles)."""

from __future__ import annotations

from uuid import UUID

from domain.shared.errors import ConflictError, DomainError, IllegalTransitionError


class VehicleAlreadyReceivedError(ConflictError):
    """A vehicle with this VIN is already in the group's books (its id derives from the VIN)."""

    title = "Vehicle already received"

    def __init__(self, vin: str) -> None:
        super().__init__(f"a vehicle with VIN {vin} was already received", vin=vin)
        self.vin = vin


class VehicleNotAvailableError(IllegalTransitionError):
    """The vehicle cannot be reserved: it is reserved, sold or delivered already."""

    title = "Vehicle not available"

    def __init__(self, ident: UUID, status: str) -> None:
        super().__init__("vehicle", ident, status, "reserve")


class VehicleNotHeldByDealError(DomainError):
    title = "Vehicle is held by another deal"


class VehiclePriceUnchangedError(DomainError):
    title = "Vehicle already has this price"


class VehicleAlreadyAtStoreError(DomainError):
    title = "Vehicle is already at this store"


class VehicleStoreClosedError(DomainError):
    title = "Store is closed"
