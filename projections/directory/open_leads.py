"""The leads context's `OpenLeads`, answered from the directory view."""

from __future__ import annotations

from uuid import UUID

from projections.db import Database


class ViewOpenLeads:
    """`domain.leads.ports.OpenLeads` over `rm_directory_lead`.

    Asked only for leads saved before de-duplication kept a slot per customer and store, which
    the view has long held: no wait for the view to catch up."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def open_lead_ids(self, store_id: UUID, customer_id: UUID) -> list[UUID]:
        rows = self.db.query(
            "SELECT lead_id FROM rm_directory_lead WHERE store_id = ? AND customer_id = ?"
            " AND status = ? ORDER BY created_at DESC, lead_id",
            (str(store_id), str(customer_id), "open"),
        )
        return [UUID(r["lead_id"]) for r in rows]
