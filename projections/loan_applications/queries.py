"""A deal's loan applications, and the loans declined on contracted deals (the managers' list)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.shared.access import ReadScope
from projections.common import Where, moment, page, paged, uid
from projections.db import Database, Row, yuan
from projections.loan_applications.projection import DEALS, TABLE


def of_deal(db: Database, deal_id: UUID) -> list[dict[str, Any]]:
    """Every application of a deal, oldest first (the caller has checked it may read the deal)."""
    rows = db.query(
        f"SELECT a.*, d.status AS deal_status FROM {TABLE} a"
        f" LEFT JOIN {DEALS} d ON d.deal_id = a.deal_id"
        " WHERE a.deal_id = ? ORDER BY a.submitted_at, a.application_id",
        (str(deal_id),),
    )
    return [_line(r) for r in rows]


def declined_on_contracts(
    db: Database, *, scope: ReadScope, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Loans declined while their deal stood contracted, in the scope, newest answer first;
    each says what the deal is now and whether another loan of it was funded since (a deal
    still contracted with no funded loan is the one to act on: another lender, or cash)."""
    if not scope.visible:
        return paged([], 0, limit, offset)
    where = (
        Where()
        .add("a.status = ?", "declined")
        .add("a.deal_status_at_answer = ?", "contracted")
        .equal("a.store_id", scope.store_id)
        .equal("a.salesperson_id", scope.salesperson_id)
        .among("a.salesperson_id", scope.salesperson_ids)
    )
    rows, total = page(
        db,
        f"SELECT a.*, d.status AS deal_status,"
        f" (SELECT COUNT(*) FROM {TABLE} f WHERE f.deal_id = a.deal_id AND f.status = 'funded')"
        f" AS funded_since FROM {TABLE} a LEFT JOIN {DEALS} d ON d.deal_id = a.deal_id{where.sql}",
        where.params,
        "answered_at DESC, application_id",
        limit,
        offset,
    )
    return paged([_line(r) for r in rows], total, limit, offset)


def _line(r: Row) -> dict[str, Any]:
    return {
        "application_id": uid(r["application_id"]),
        "deal_id": uid(r["deal_id"]),
        "store_id": uid(r["store_id"]),
        "salesperson_id": uid(r["salesperson_id"]),
        "lender": r["lender"],
        "amount": yuan(int(r["amount"])),
        "term_months": int(r["term_months"]),
        "down_payment": yuan(int(r["down_payment"])),
        "rate": Decimal(r["rate"]),
        "status": r["status"],
        "conditions": r["conditions"],
        "reason": r["reason"],
        "lender_reference": r["lender_reference"],
        "income": None if r["income"] is None else yuan(int(r["income"])),
        "income_basis": r["income_basis"],
        "submitted_at": moment(r["submitted_at"]),
        "answered_at": moment(r["answered_at"]),
        "funded_at": moment(r["funded_at"]),
        "deal_status": r.get("deal_status"),
        "funded_since": bool(r.get("funded_since") or 0),
        "version": int(r["version"]),
    }
