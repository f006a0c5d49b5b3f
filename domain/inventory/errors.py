"""Errors of the inventory context (vehicles)."""

from __future__ import annotations

from uuid import UUID

from domain.shared.errors import (
    ConflictError,
    DomainError,
    IllegalTransitionError,
    NotFoundError,
)


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


class VehicleNotFrontLineReadyError(ConflictError):
    """A used car cannot be reserved or sold before it is front-line ready (recon finished)."""

    title = "Used car not front-line ready"

    def __init__(self, ident: UUID) -> None:
        super().__init__(
            f"used car {ident} is not front-line ready: finish its reconditioning first",
            id=str(ident),
        )


class ReconOrderNotFoundError(NotFoundError):
    def __init__(self, vehicle_id: UUID, order_id: UUID) -> None:
        super().__init__("recon order", order_id)
        self.vehicle_id = vehicle_id


class ReconOrdersOpenError(ConflictError):
    """Front-line ready needs every reconditioning work order finished."""

    title = "Reconditioning not finished"
