"""Paginated lists of the directory view; every answer is `{items, total, limit, offset}`."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.shared.access import SYSTEM_READ, ReadScope
from domain.shared.personal import shown_masked
from projections.common import Where, flag, moment, page, paged, uid, utc_iso
from projections.db import Database, Row, yuan


def list_stores(
    db: Database,
    active: bool | None = None,
    limit: int = 50,
    offset: int = 0,
    *,
    scope: ReadScope = SYSTEM_READ,
) -> dict[str, Any]:
    """Stores by name: every store for group roles, the own store for store-bound staff."""
    if not scope.visible:
        return paged([], 0, limit, offset)
    where = Where().equal("store_id", scope.store_id)
    if active is not None:
        where.add("active = ?", int(active))
    rows, total = page(
        db,
        f"SELECT * FROM rm_directory_store{where.sql}",
        where.params,
        "name, store_id",
        limit,
        offset,
    )
    return paged([_store(r) for r in rows], total, limit, offset)


def get_store(db: Database, store_id: UUID) -> dict[str, Any] | None:
    row = db.one("SELECT * FROM rm_directory_store WHERE store_id = ?", (str(store_id),))
    return None if row is None else _store(row)


def list_staff(
    db: Database,
    store_id: UUID | None = None,
    role: str | None = None,
    active: bool | None = None,
    limit: int = 50,
    offset: int = 0,
    *,
    scope: ReadScope = SYSTEM_READ,
) -> dict[str, Any]:
    """Staff by id, optionally of one store (where they work now) or one role; store-bound
    staff see their own store's. Names are sealed in the view (each with the person's own
    key), so the order is the staff id's: stable for paging; the pages' pickers read the
    whole list and sort it by the revealed name (`api/pages/people.py`)."""
    if not scope.visible:
        return paged([], 0, limit, offset)
    where = Where().equal("store_id", scope.store_id).equal("store_id", store_id)
    where.equal("role", role)
    if active is not None:
        where.add("active = ?", int(active))
    rows, total = page(
        db,
        f"SELECT * FROM rm_directory_staff{where.sql}",
        where.params,
        "staff_id",
        limit,
        offset,
    )
    return paged([_staff(r) for r in rows], total, limit, offset)


def list_customers(
    db: Database, *, scope: ReadScope, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Customers in the scope (a salesperson's own, a manager's store's), newest first; the
    phone number only masked (a list is browsed, not worked from)."""
    if not scope.visible:
        return paged([], 0, limit, offset)
    where = (
        Where()
        .equal("store_id", scope.store_id)
        .equal("owner_id", scope.salesperson_id)
        .among("owner_id", scope.salesperson_ids)
    )
    # A record merged into another is listed as the survivor only (docs/lead-dedup.md).
    where.add("customer_id NOT IN (SELECT customer_id FROM rm_directory_merge)")
    rows, total = page(
        db,
        f"SELECT * FROM rm_directory_customer{where.sql}",
        where.params,
        "created_at DESC, customer_id",
        limit,
        offset,
    )
    return paged([_customer(r) for r in rows], total, limit, offset)


def find_customer_by_phone_hash(db: Database, phone_hash: str) -> UUID | None:
    row = db.one("SELECT customer_id FROM rm_directory_phone WHERE phone_hash = ?", (phone_hash,))
    return None if row is None else UUID(row["customer_id"])


def list_leads(
    db: Database,
    *,
    scope: ReadScope,
    status: str | None = None,
    customer_id: UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Leads in the scope, newest first; status is open, converted or lost."""
    if not scope.visible:
        return paged([], 0, limit, offset)
    where = (
        Where()
        .equal("store_id", scope.store_id)
        .equal("salesperson_id", scope.salesperson_id)
        .among("salesperson_id", scope.salesperson_ids)
        .equal("status", status)
        .equal("customer_id", customer_id)
    )
    rows, total = page(
        db,
        f"SELECT * FROM rm_directory_lead{where.sql}",
        where.params,
        "created_at DESC, lead_id",
        limit,
        offset,
    )
    return paged([_lead(r) for r in rows], total, limit, offset)


def list_due_leads(
    db: Database,
    *,
    scope: ReadScope,
    day_ends: datetime,
    follow_up_by: date,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Open leads in the scope by what is due: new and unanswered (oldest first), then
    appointments until `day_ends` (today's, and past ones still to mark shown or no-show),
    then follow-ups whose next follow-up day (the follow_ups view: the store's gap after the
    last contact, or a day a person chose) is `follow_up_by` (the store's today) or before,
    then the rest by their next appointment or last contact. Each row says `due` (which of
    these) and `due_at`."""
    if not scope.visible:
        return paged([], 0, limit, offset)
    where = (
        Where()
        .add("l.status = ?", "open")
        .equal("l.store_id", scope.store_id)
        .equal("l.salesperson_id", scope.salesperson_id)
        .among("l.salesperson_id", scope.salesperson_ids)
    )
    day_end, follow_up_day = utc_iso(day_ends), follow_up_by.isoformat()
    # The customer's name shows where the scope reaches the customer too (a lead handed to
    # another salesperson leaves the customer with their owner).
    customer_seen = (
        Where()
        .equal("c.store_id", scope.store_id)
        .equal("c.owner_id", scope.salesperson_id)
        .among("c.owner_id", scope.salesperson_ids)
        .add("1 = 1")
    )
    select = (
        "SELECT l.*, CASE WHEN " + " AND ".join(customer_seen.clauses) + " THEN c.name"
        " ELSE NULL END AS customer_name,"
        " CASE WHEN l.first_response_at IS NULL THEN 0"
        " WHEN l.appointment_for IS NOT NULL AND l.appointment_for < ? THEN 1"
        " WHEN l.appointment_for IS NULL AND f.follow_up_on <= ? THEN 2 ELSE 3 END AS due,"
        " CASE WHEN l.first_response_at IS NULL THEN l.created_at"
        " ELSE COALESCE(l.appointment_for, l.last_activity_at, l.created_at) END AS due_at"
        " FROM rm_directory_lead l"
        " LEFT JOIN rm_directory_customer c ON c.customer_id = l.customer_id"
        " LEFT JOIN rm_follow_up_lead f ON f.lead_id = l.lead_id" + where.sql
    )
    params = [*customer_seen.params, day_end, follow_up_day, *where.params]
    rows, total = page(db, select, params, "due, due_at, lead_id", limit, offset, one_pass=True)
    return paged([_due_lead(r) for r in rows], total, limit, offset)


def list_deals(
    db: Database,
    *,
    scope: ReadScope,
    status: str | None = None,
    customer_id: UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Deals in the scope, newest first; status is open, quoted, contracted, delivered,
    unwound, cancelled. Front gross shows to whoever sees the deal: a salesperson sees only
    their own deals, whose gross their pay is computed from."""
    if not scope.visible:
        return paged([], 0, limit, offset)
    where = (
        Where()
        .equal("store_id", scope.store_id)
        .equal("salesperson_id", scope.salesperson_id)
        .among("salesperson_id", scope.salesperson_ids)
        .equal("status", status)
        .equal("customer_id", customer_id)
    )
    rows, total = page(
        db,
        f"SELECT * FROM rm_directory_deal{where.sql}",
        where.params,
        "created_at DESC, deal_id",
        limit,
        offset,
    )
    return paged([_deal(r) for r in rows], total, limit, offset)


# --- row shapes ------------------------------------------------------------------------------


def _store(r: Row) -> dict[str, Any]:
    return {
        "id": uid(r["store_id"]),
        "name": r["name"],
        "city": r["city"],
        "brands": json.loads(r["brands"]),
        "timezone": r["timezone"],
        "active": flag(r["active"]),
        "opened_at": moment(r["opened_at"]),
    }


def _staff(r: Row) -> dict[str, Any]:
    return {
        "id": uid(r["staff_id"]),
        "name": r["name"],
        "role": r["role"],
        "store_id": uid(r["store_id"]),
        "active": flag(r["active"]),
        "hired_at": moment(r["hired_at"]),
    }


def _customer(r: Row) -> dict[str, Any]:
    return {
        "id": uid(r["customer_id"]),
        "store_id": uid(r["store_id"]),
        "owner_id": uid(r["owner_id"]),
        "name": r["name"],
        "phone": shown_masked(r["phone_sealed"]),
        "source": r["source"],
        # The same shape as the customer's detail (GET /customers/{id}): one name per field.
        "preferences": {
            "model": r["preferred_model"],
            "colour": r["preferred_colour"],
            "trim": r["preferred_trim"],
            "budget": None if r["budget"] is None else str(yuan(r["budget"])),
        },
        "created_at": moment(r["created_at"]),
        "updated_at": moment(r["updated_at"]),
    }


def _lead(r: Row) -> dict[str, Any]:
    return {
        "id": uid(r["lead_id"]),
        "store_id": uid(r["store_id"]),
        "customer_id": uid(r["customer_id"]),
        "salesperson_id": uid(r["salesperson_id"]),
        "channel": r["channel"],
        "status": r["status"],
        "model_interest": r["model_interest"],
        "deal_id": uid(r["deal_id"]),
        "lost_reason": r["lost_reason"],
        "captured_at": moment(r["created_at"]),  # named as in GET /leads/{id}
        "updated_at": moment(r["updated_at"]),
    }


def _due_lead(r: Row) -> dict[str, Any]:
    return {
        **_lead(r),
        "customer_name": r["customer_name"],
        "first_response_at": moment(r["first_response_at"]),
        "last_activity_at": moment(r["last_activity_at"]),
        "appointment_for": moment(r["appointment_for"]),
        "due": ("new", "appointment", "follow_up", "later")[int(r["due"])],
        "due_at": moment(r["due_at"]),
    }


def _deal(r: Row) -> dict[str, Any]:
    def money(column: str) -> Any:
        return None if r[column] is None else yuan(r[column])

    return {
        "id": uid(r["deal_id"]),
        "store_id": uid(r["store_id"]),
        "customer_id": uid(r["customer_id"]),
        "salesperson_id": uid(r["salesperson_id"]),
        "lead_id": uid(r["lead_id"]),
        "vehicle_id": uid(r["vehicle_id"]),
        "vin": r["vin"],
        "status": r["status"],
        "price": money("quoted_price"),  # named as in GET /deals/{id}
        "discount": money("discount"),
        "selling_price": money("selling_price"),
        "front_gross": money("front_gross"),
        "opened_at": moment(r["created_at"]),
        "updated_at": moment(r["updated_at"]),
    }
