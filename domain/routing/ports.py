"""What routing asks of the read side (answered by views, wired in workers/runtime)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.routing.decide import Seller


class Floor(Protocol):
    """The store's active sellers at `at`: on duty or not, and how many open leads each holds,
    as the views know them once they include every write saved so far (so a lead this process
    routed a moment ago counts against its new owner's cap)."""

    def sellers(self, store_id: UUID, at: datetime) -> list[Seller]: ...
