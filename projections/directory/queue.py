"""What waits on someone: open leads nobody has answered, and deals stuck in one status.

Both read the directory view; the lead queue also reads the KPI view's response clock (the
moment the current salesperson was given the lead, and whether they have answered it since),
which is what "answered" means in every report (docs/read-models.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.shared.access import ReadScope
from projections.common import Where, moment, page, paged, uid, utc_iso
from projections.db import Database, Row, yuan

# The deal statuses that wait on a person: a quote to make, a signature, a delivery.
WAITING_DEALS = ("open", "quoted", "contracted")


def lead_queue(
    db: Database,
    *,
    scope: ReadScope,
    answered_by: datetime,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Open leads in `scope` that are unassigned, or assigned and still unanswered at
    `answered_by` (their response clock started before it, no human activity since).

    Items: id, store_id, store_name, customer_id, customer_name, salesperson_id,
    salesperson_name, channel, model_interest, captured_at, waiting_since (the capture of an
    unassigned lead, else the start of its response clock); unassigned first, then the longest
    waiting.
    """
    if not scope.visible:
        return paged([], 0, limit, offset)
    where = (
        Where()
        .add("l.status = 'open'")
        .equal("l.store_id", scope.store_id)
        .equal("l.salesperson_id", scope.salesperson_id)
        .among("l.salesperson_id", scope.salesperson_ids)
        .add(
            "(l.salesperson_id IS NULL"
            " OR (k.responded_at IS NULL AND k.clock_start IS NOT NULL AND k.clock_start < ?))",
            utc_iso(answered_by),
        )
    )
    select = (
        "SELECT l.lead_id, l.store_id, l.customer_id, l.salesperson_id, l.channel,"
        " l.model_interest, l.created_at, k.clock_start,"
        " CASE WHEN l.salesperson_id IS NULL THEN 0 ELSE 1 END AS assigned,"
        " COALESCE(k.clock_start, l.created_at) AS waiting_since,"
        " c.name AS customer_name, s.name AS salesperson_name, st.name AS store_name"
        " FROM rm_directory_lead l"
        " LEFT JOIN rm_salesperson_kpi_lead k ON k.lead_id = l.lead_id"
        " LEFT JOIN rm_directory_customer c ON c.customer_id = l.customer_id"
        " LEFT JOIN rm_directory_staff s ON s.staff_id = l.salesperson_id"
        " LEFT JOIN rm_directory_store st ON st.store_id = l.store_id"
        f"{where.sql}"
    )
    rows, total = page(
        db, select, where.params, "assigned, waiting_since, l.lead_id", limit, offset
    )
    return paged([_lead(r) for r in rows], total, limit, offset)


def waiting_deals(
    db: Database,
    *,
    scope: ReadScope,
    unchanged_since: datetime,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Deals in `scope` still open, quoted or contracted (not delivered) whose last change is
    before `unchanged_since`, the longest waiting first; `status` narrows to one of those.

    Items: id, store_id, store_name, customer_id, customer_name, salesperson_id,
    salesperson_name, status, vin, selling_price, opened_at, updated_at.
    """
    if not scope.visible:
        return paged([], 0, limit, offset)
    statuses = WAITING_DEALS if status is None else (status,)
    marks = ", ".join("?" for _ in statuses)
    where = (
        Where()
        .add(f"d.status IN ({marks})", *statuses)
        .add("d.updated_at < ?", utc_iso(unchanged_since))
        .equal("d.store_id", scope.store_id)
        .equal("d.salesperson_id", scope.salesperson_id)
        .among("d.salesperson_id", scope.salesperson_ids)
    )
    select = (
        "SELECT d.deal_id, d.store_id, d.customer_id, d.salesperson_id, d.status, d.vin,"
        " d.selling_price, d.quoted_price, d.created_at, d.updated_at,"
        " c.name AS customer_name, s.name AS salesperson_name, st.name AS store_name"
        " FROM rm_directory_deal d"
        " LEFT JOIN rm_directory_customer c ON c.customer_id = d.customer_id"
        " LEFT JOIN rm_directory_staff s ON s.staff_id = d.salesperson_id"
        " LEFT JOIN rm_directory_store st ON st.store_id = d.store_id"
        f"{where.sql}"
    )
    rows, total = page(db, select, where.params, "d.updated_at, d.deal_id", limit, offset)
    return paged([_deal(r) for r in rows], total, limit, offset)


def _lead(r: Row) -> dict[str, Any]:
    return {
        "id": uid(r["lead_id"]),
        "store_id": uid(r["store_id"]),
        "store_name": r["store_name"] or "",
        "customer_id": uid(r["customer_id"]),
        "customer_name": r["customer_name"] or "",
        "salesperson_id": uid(r["salesperson_id"]),
        "salesperson_name": r["salesperson_name"],
        "channel": r["channel"],
        "model_interest": r["model_interest"],
        "captured_at": moment(r["created_at"]),
        "waiting_since": moment(r["waiting_since"]),
    }


def _deal(r: Row) -> dict[str, Any]:
    price = r["selling_price"] if r["selling_price"] is not None else r["quoted_price"]
    return {
        "id": uid(r["deal_id"]),
        "store_id": uid(r["store_id"]),
        "store_name": r["store_name"] or "",
        "customer_id": uid(r["customer_id"]),
        "customer_name": r["customer_name"] or "",
        "salesperson_id": uid(r["salesperson_id"]),
        "salesperson_name": r["salesperson_name"] or "",
        "status": r["status"],
        "vin": r["vin"],
        "price": None if price is None else yuan(price),
        "opened_at": moment(r["created_at"]),
        "updated_at": moment(r["updated_at"]),
    }
