"""Merged customers in the directory view (docs/lead-dedup.md): who a record answers as, and
the store's customers a manager compares to find the same person twice."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.shared.access import ReadScope
from domain.shared.personal import ERASED
from projections.common import moment, uid
from projections.db import Database


def merged_into(db: Database, customer_id: UUID) -> UUID | None:
    """The survivor a customer record was merged into (None: not merged)."""
    row = db.one(
        "SELECT survivor_id FROM rm_directory_merge WHERE customer_id = ?", (str(customer_id),)
    )
    return None if row is None else UUID(row["survivor_id"])


def merged_from(db: Database, customer_id: UUID) -> list[UUID]:
    """The records merged into `customer_id`, oldest merge first."""
    rows = db.query(
        "SELECT customer_id FROM rm_directory_merge WHERE survivor_id = ?"
        " ORDER BY merged_at, customer_id",
        (str(customer_id),),
    )
    return [UUID(r["customer_id"]) for r in rows]


def comparable_customers(
    db: Database, *, scope: ReadScope, limit: int = 2000
) -> list[dict[str, Any]]:
    """The customers of the scope's store a manager may merge: not merged, not erased, newest
    first, with name and phone sealed (compared once revealed, at the API's edge)."""
    if not scope.visible or scope.own_only:
        return []
    clauses = [
        "customer_id NOT IN (SELECT customer_id FROM rm_directory_merge)",
        "name <> ?",
    ]
    params: list[Any] = [ERASED]
    if scope.store_id is not None:
        clauses.append("store_id = ?")
        params.append(str(scope.store_id))
    rows = db.query(
        "SELECT customer_id, store_id, owner_id, name, phone_sealed, created_at"
        f" FROM rm_directory_customer WHERE {' AND '.join(clauses)}"
        " ORDER BY created_at DESC, customer_id LIMIT ?",
        (*params, limit),
    )
    return [
        {
            "id": uid(r["customer_id"]),
            "store_id": uid(r["store_id"]),
            "owner_id": uid(r["owner_id"]),
            "name": r["name"],
            "phone": r["phone_sealed"],
            "created_at": moment(r["created_at"]),
        }
        for r in rows
    ]
