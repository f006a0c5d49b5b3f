"""What the leads context asks of the read side (answered by views, wired in workers/runtime)."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID


class OpenLeads(Protocol):
    """The open leads of one customer at one store, newest first, as the views know them.

    De-duplication finds a customer's open lead through the lead slot saved with every lead
    (domain/leads/dedup.py); leads captured before slots existed have none, and this is how an
    enquiry still finds them (the slot is then written with the enquiry)."""

    def open_lead_ids(self, store_id: UUID, customer_id: UUID) -> list[UUID]: ...
