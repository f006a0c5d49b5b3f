"""Errors of the stock context (OEM orders, stock settings)."""

from __future__ import annotations

from domain.shared.errors import DomainError


class OrderVinMismatchError(DomainError):
    """The VIN received is not the one the maker allocated to the order."""

    title = "VIN differs from the allocation"
