"""What the CRM needs from the outside world, as interfaces the adapters implement."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID


class PhoneIndex(Protocol):
    """Customers of the group by the keyed hash of their normalised phone number.

    Read-only: a read model (projection of `Customer.Registered`) keeps it, so it may lag the
    log by a moment; the hash, never the number, is the key.
    """

    def find(self, phone_hash: str) -> UUID | None:
        """The id of the customer registered with this phone hash, if any."""
        ...
