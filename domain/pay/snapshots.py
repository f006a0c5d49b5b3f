"""The approved statements of a pay period, one record per salesperson, apart from the period.

A group's approved snapshot holds thousands of statements (about 75 MB for 2,000 salespeople).
Kept inside the period's `Approved` event, it was read again by every later command on the
period (an export, a payment, a dispute), seconds each. So approval saves each statement as a
`PayStatementSnapshot` of its own — id derived from the period and the salesperson, saved in the
same `app.save` as the approval, so both are recorded or neither — and the `Approved` event keeps
only the totals, the content hash and the salespeople's ids in snapshot order. Reading one
statement loads one record; reading the whole snapshot loads them in that order, and hashing
them with the totals gives the content hash again, bit for bit (`snapshot_hash`).

Periods approved before (their `Approved` events, class version 1, hold the statements) keep
them on the period: `domain/pay/service/snapshots.py` reads either shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.shared.aggregate import ShowroomAggregate

STATEMENT_SNAPSHOT_NAMESPACE = UUID("3f9b2c71-8e4d-4a6f-b5c2-1d7e9a0f4b38")


def statement_snapshot_id(period_id: UUID, salesperson_id: UUID | str) -> UUID:
    """The one id of a salesperson's statement in a period's approved snapshot."""
    return uuid5(STATEMENT_SNAPSHOT_NAMESPACE, f"{period_id}:{salesperson_id}")


class PayStatementSnapshot(ShowroomAggregate):
    """One salesperson's statement as a pay period's approval froze it (never changes)."""

    class Recorded(ShowroomAggregate.Created):
        period_id: UUID
        salesperson_id: UUID
        record: dict[str, Any]

    @staticmethod
    def create_id(period_id: UUID, salesperson_id: UUID, **_: Any) -> UUID:
        return statement_snapshot_id(period_id, salesperson_id)

    @event(Recorded)
    def __init__(
        self,
        period_id: UUID,
        salesperson_id: UUID,
        record: dict[str, Any],
        occurred_at: datetime,
    ) -> None:
        self.period_id, self.salesperson_id, self.record = period_id, salesperson_id, record


def snapshot_records(
    period_id: UUID, statements: Sequence[dict[str, Any]], occurred_at: datetime
) -> list[PayStatementSnapshot]:
    """A record for each statement of an approval, in snapshot order."""
    return [
        PayStatementSnapshot(
            period_id=period_id,
            salesperson_id=UUID(str(s["salesperson_id"])),
            record=s,
            occurred_at=occurred_at,
        )
        for s in statements
    ]
