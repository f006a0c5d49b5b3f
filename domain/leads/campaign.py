"""Campaigns: a marketing push with a name, dates, the stores it runs in, and what it cost.

Spend is recorded as it is incurred (or corrected), each change an event, so the reports read
a campaign's spend as it stood on any day; the intake view keeps the total per campaign for the
channel-ROI report (projections/intake).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event

from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import DomainError, InvalidValueError


class CampaignSpendNegativeError(DomainError):
    title = "Campaign spend cannot go below zero"


class CampaignStoreError(DomainError):
    title = "Campaign does not run in this store"


MAX_STORES = 500


class Campaign(ShowroomAggregate):
    """A campaign of one or more stores, from its first to its last day."""

    class Created(ShowroomAggregate.Created):
        name: str
        starts_on: date
        ends_on: date
        store_ids: list[UUID]

    class SpendRecorded(ShowroomAggregate.Event):
        amount: Decimal  # the change: negative for a correction
        total: Decimal  # the spend after it
        spent_on: date
        note: str | None

    @classmethod
    def create(
        cls,
        name: str,
        starts_on: date,
        ends_on: date,
        store_ids: list[UUID],
        occurred_at: datetime,
    ) -> Campaign:
        if ends_on < starts_on:
            raise InvalidValueError("ends_on must not be before starts_on")
        stores = list(dict.fromkeys(store_ids))
        if not stores:
            raise InvalidValueError("a campaign runs in at least one store")
        if len(stores) > MAX_STORES:
            raise InvalidValueError(f"a campaign runs in at most {MAX_STORES} stores")
        return cls(
            name=values.text(name, "name", max_length=120),
            starts_on=starts_on,
            ends_on=ends_on,
            store_ids=stores,
            occurred_at=occurred_at,
        )

    @event(Created)
    def __init__(
        self,
        name: str,
        starts_on: date,
        ends_on: date,
        store_ids: list[UUID],
        occurred_at: datetime,
    ) -> None:
        self.name = name
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.store_ids = list(store_ids)
        self.spend = Decimal("0.00")

    def ensure_runs_in(self, store_id: UUID) -> None:
        if store_id not in self.store_ids:
            raise CampaignStoreError(
                f"campaign {self.id} does not run in store {store_id}",
                campaign_id=str(self.id),
            )

    def record_spend(
        self, amount: Decimal | int | str, spent_on: date, note: str | None, occurred_at: datetime
    ) -> None:
        """Add what was spent (a negative amount corrects an earlier entry)."""
        change = values.money(amount, field="amount", allow_negative=True)
        if change == 0:
            raise InvalidValueError("amount must not be zero")
        total = self.spend + change
        if total < 0:
            raise CampaignSpendNegativeError(
                f"the campaign's spend would be {total}", spend=str(self.spend)
            )
        cleaned = None if not note else values.text(note, "note", max_length=200) or None
        self._record_spend(
            amount=change, total=total, spent_on=spent_on, note=cleaned, occurred_at=occurred_at
        )

    @event(SpendRecorded)
    def _record_spend(
        self,
        amount: Decimal,
        total: Decimal,
        spent_on: date,
        note: str | None,
        occurred_at: datetime,
    ) -> None:
        self.spend = total
