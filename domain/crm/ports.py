"""What the CRM needs from the outside world, as interfaces the adapters implement."""

from __future__ import annotations

from datetime import datetime
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


class CustomerKeyShredder(Protocol):
    """The key store's erasure: destroys the customer's own key (and remembers the erasure
    apart from the data, so a backup restored later forgets the customer too)."""

    def destroy(self, customer_id: UUID, erased_at: datetime | None = None) -> None:
        """Delete the customer's data key, for good."""
        ...
