"""Reading an approved pay period's statements: from their records (`PayStatementSnapshot`,
one per salesperson), or from the period itself for one approved before the records existed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.app import Showroom
from domain.pay.periods import PayPeriod
from domain.pay.snapshots import PayStatementSnapshot, statement_snapshot_id


def statements_of(app: Showroom, period: PayPeriod) -> list[dict[str, Any]]:
    """Every statement of an approved period's snapshot, in snapshot order."""
    if period.legacy_statements is not None:
        return period.legacy_statements
    return [_record(app, period.id, person) for person in period.statement_ids]


def statement_of(app: Showroom, period: PayPeriod, salesperson_id: UUID) -> dict[str, Any] | None:
    """One salesperson's statement in an approved period's snapshot (None if not in it)."""
    key = str(salesperson_id)
    if period.legacy_statements is not None:
        return next((s for s in period.legacy_statements if s["salesperson_id"] == key), None)
    if key not in period.statement_ids:
        return None
    return _record(app, period.id, key)


def _record(app: Showroom, period_id: UUID, salesperson_id: str) -> dict[str, Any]:
    found: PayStatementSnapshot = app.load(
        PayStatementSnapshot,
        statement_snapshot_id(period_id, salesperson_id),
        "pay statement snapshot",
    )
    return found.record
