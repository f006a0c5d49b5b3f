"""CRM: the customers of the dealer group, their preferences and their contact consents."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.crm.errors import (
    CustomerErasedError,
    CustomerMergedError,
    CustomerMergeRefusedError,
    CustomerOwnerUnchangedError,
)
from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import InvalidValueError

_PHONE_HASH = re.compile(r"^[0-9a-f]{64}$")

# Phone claims derive their id from the keyed hash of the phone, never from the number itself.
PHONE_CLAIM_NAMESPACE = UUID("c3a5f0d2-8e1b-4c7a-9f64-2d0b7e5a1c93")


def phone_claim_id(phone_hash: str) -> UUID:
    """The id of the claim on a phone number, from its keyed hash (see `Crm.phone_hash`)."""
    return uuid5(PHONE_CLAIM_NAMESPACE, phone_hash)


class ConsentChannel(StrEnum):
    CALL = "call"
    SMS = "sms"
    WECHAT = "wechat"
    EMAIL = "email"


def consent_channel(value: str) -> ConsentChannel:
    try:
        return ConsentChannel(value)
    except ValueError:
        allowed = ", ".join(c.value for c in ConsentChannel)
        raise InvalidValueError(f"consent channel must be one of {allowed}") from None


def source_channel(value: str) -> values.Channel:
    try:
        return values.Channel(value)
    except ValueError:
        allowed = ", ".join(c.value for c in values.Channel)
        raise InvalidValueError(f"source must be one of {allowed}") from None


def _optional_text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    return values.text(value, field, max_length=60, required=False) or None


class Customer(ShowroomAggregate):
    """A person the group sells to, known once across all stores (de-duplicated by phone)."""

    class Registered(ShowroomAggregate.Created):
        # Sealed in the log with the customer's own key (domain/shared/personal.py).
        personal_fields: ClassVar[tuple[str, ...]] = ("name", "phone")
        personal_subject: ClassVar[str] = "originator_id"

        store_id: UUID
        owner_id: UUID | None
        name: str
        phone: str
        phone_hash: str
        source: str

    class PreferencesRecorded(ShowroomAggregate.Event):
        model: str | None
        colour: str | None
        trim: str | None
        budget: Decimal | None

    class Reassigned(ShowroomAggregate.Event):
        owner_id: UUID

    class ConsentRecorded(ShowroomAggregate.Event):
        channel: str
        granted: bool

    class ErasureRecorded(ShowroomAggregate.Event):
        """An admin recorded the customer's erasure (PIPL right to deletion): their key is
        destroyed, so every personal value sealed with it is unreadable from now on."""

        reason: str

    # --- registration -------------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        store_id: UUID,
        owner_id: UUID | None,
        name: str,
        phone: str,
        phone_hash: str,
        source: str,
        occurred_at: datetime,
    ) -> Customer:
        """A new customer; `phone_hash` is the keyed hash of the normalised phone number."""
        if not _PHONE_HASH.match(phone_hash):
            raise InvalidValueError("phone_hash must be a hex SHA-256 digest")
        return cls(
            store_id=store_id,
            owner_id=owner_id,
            name=values.text(name, "name", max_length=100),
            phone=values.phone(phone),
            phone_hash=phone_hash,
            source=source_channel(source).value,
            occurred_at=occurred_at,
        )

    @event(Registered)
    def __init__(
        self,
        store_id: UUID,
        owner_id: UUID | None,
        name: str,
        phone: str,
        phone_hash: str,
        source: str,
        occurred_at: datetime,
    ) -> None:
        self.store_id = store_id
        self.owner_id = owner_id
        self.name = name
        self.phone = phone
        self.phone_hash = phone_hash
        self.source = values.Channel(source)
        self.registered_at = occurred_at
        self.preferred_model: str | None = None
        self.preferred_colour: str | None = None
        self.preferred_trim: str | None = None
        self.budget: Decimal | None = None
        self.consents: dict[ConsentChannel, bool] = {}
        self.erased = False

    # --- preferences --------------------------------------------------------------------------

    def record_preferences(
        self,
        model: str | None,
        colour: str | None,
        trim: str | None,
        budget: Decimal | int | str | None,
        occurred_at: datetime,
    ) -> None:
        """Replace what the customer wants (None clears a preference)."""
        amount = None if budget is None else values.money(budget, field="budget")
        if amount is not None and amount == 0:
            raise InvalidValueError("budget must be positive")
        self._record_preferences(
            model=_optional_text(model, "model"),
            colour=_optional_text(colour, "colour"),
            trim=_optional_text(trim, "trim"),
            budget=amount,
            occurred_at=occurred_at,
        )

    @event(PreferencesRecorded)
    def _record_preferences(
        self,
        model: str | None,
        colour: str | None,
        trim: str | None,
        budget: Decimal | None,
        occurred_at: datetime,
    ) -> None:
        self.preferred_model = model
        self.preferred_colour = colour
        self.preferred_trim = trim
        self.budget = budget

    # --- ownership ----------------------------------------------------------------------------

    def reassign(self, owner_id: UUID, occurred_at: datetime) -> None:
        if owner_id == self.owner_id:
            raise CustomerOwnerUnchangedError(f"customer {self.id} is already owned by {owner_id}")
        self._reassign(owner_id=owner_id, occurred_at=occurred_at)

    @event(Reassigned)
    def _reassign(self, owner_id: UUID, occurred_at: datetime) -> None:
        self.owner_id = owner_id

    # --- consent ------------------------------------------------------------------------------

    def record_consent(self, channel: str, granted: bool, occurred_at: datetime) -> None:
        """Record a grant or withdrawal; repeating one is kept too (it is a fresh confirmation)."""
        self._record_consent(
            channel=consent_channel(channel).value, granted=granted, occurred_at=occurred_at
        )

    @event(ConsentRecorded)
    def _record_consent(self, channel: str, granted: bool, occurred_at: datetime) -> None:
        self.consents = {**self.consents, ConsentChannel(channel): granted}

    def may_contact(self, channel: ConsentChannel) -> bool:
        """Marketing contact needs an explicit grant; silence is no consent."""
        return not self.erased and self.consents.get(channel, False)

    # --- erasure ------------------------------------------------------------------------------

    def ensure_not_erased(self) -> None:
        if getattr(self, "erased", False):
            raise CustomerErasedError(f"customer {self.id} was erased")

    def record_erasure(self, reason: str, occurred_at: datetime) -> None:
        """Record the erasure request; the reason says why (a request, a law), not who."""
        self.ensure_not_erased()
        self._record_erasure(
            reason=values.text(reason, "reason", max_length=500), occurred_at=occurred_at
        )

    @event(ErasureRecorded)
    def _record_erasure(self, reason: str, occurred_at: datetime) -> None:
        self.erased = True
        self.erased_at = occurred_at

    # --- protection period and merging (docs/lead-dedup.md) ------------------------------------
    # New events and attributes only; attributes older events never set are read with defaults.

    class TakenOver(ShowroomAggregate.Event):
        """The owner's protection period lapsed (no activity with the customer for the group's
        period) and another store's enquiry took the customer over."""

        store_id: UUID
        owner_id: UUID | None
        previous_store_id: UUID
        previous_owner_id: UUID | None
        last_activity_at: datetime
        protection_days: int

    class MergedInto(ShowroomAggregate.Event):
        """This record was the same person as `survivor_id`: it answers as that customer now."""

        survivor_id: UUID

    class Absorbed(ShowroomAggregate.Event):
        """`duplicate_id` (and the records merged into it before, `also`) merged into this one."""

        duplicate_id: UUID
        also: list[UUID]

    @property
    def merged_into(self) -> UUID | None:
        """The customer this record was merged into, or None."""
        return getattr(self, "_merged_into", None)

    @property
    def merged_ids(self) -> tuple[UUID, ...]:
        """Every record merged into this one (directly or through another merge)."""
        return tuple(getattr(self, "_merged_ids", ()))

    @property
    def taken_over_at(self) -> datetime | None:
        return getattr(self, "_taken_over_at", None)

    def take_over(
        self,
        store_id: UUID,
        owner_id: UUID | None,
        last_activity_at: datetime,
        protection_days: int,
        occurred_at: datetime,
    ) -> None:
        """Move the customer to `store_id` (the service checked that protection lapsed)."""
        self.ensure_not_erased()
        self._take_over(
            store_id=store_id,
            owner_id=owner_id,
            previous_store_id=self.store_id,
            previous_owner_id=self.owner_id,
            last_activity_at=last_activity_at,
            protection_days=protection_days,
            occurred_at=occurred_at,
        )

    @event(TakenOver)
    def _take_over(
        self,
        store_id: UUID,
        owner_id: UUID | None,
        previous_store_id: UUID,
        previous_owner_id: UUID | None,
        last_activity_at: datetime,
        protection_days: int,
        occurred_at: datetime,
    ) -> None:
        self.store_id = store_id
        self.owner_id = owner_id
        self._taken_over_at = occurred_at

    def merge_into(self, survivor: Customer, occurred_at: datetime) -> None:
        """Record that this customer is `survivor` (both sides; the service saves both)."""
        if survivor.id == self.id:
            raise CustomerMergeRefusedError("a customer cannot be merged into itself")
        for one in (self, survivor):
            one.ensure_not_erased()
            if one.merged_into is not None:
                raise CustomerMergedError(one.id, one.merged_into)
        self._merge_into(survivor_id=survivor.id, occurred_at=occurred_at)
        survivor._absorb(duplicate_id=self.id, also=list(self.merged_ids), occurred_at=occurred_at)

    @event(MergedInto)
    def _merge_into(self, survivor_id: UUID, occurred_at: datetime) -> None:
        self._merged_into = survivor_id

    @event(Absorbed)
    def _absorb(self, duplicate_id: UUID, also: list[UUID], occurred_at: datetime) -> None:
        self._merged_ids = [*self.merged_ids, duplicate_id, *also]

    def ensure_not_merged(self) -> None:
        if self.merged_into is not None:
            raise CustomerMergedError(self.id, self.merged_into)


class PhoneClaim(ShowroomAggregate):
    """The log's own record that a phone number (by its keyed hash) belongs to one customer.

    Saved in the same `app.save` as the customer it names: its id derives from the hash, so of
    two registrations of one phone racing each other only one can be saved, whatever the views
    know. A customer's phone number never changes (no event changes it); a claim is released
    only when its customer is erased, and a later registration of the number claims it again.
    """

    class Claimed(ShowroomAggregate.Created):
        phone_hash: str
        customer_id: UUID

    class Released(ShowroomAggregate.Event):
        customer_id: UUID

    class Reclaimed(ShowroomAggregate.Event):
        customer_id: UUID

    @classmethod
    def claim(cls, customer: Customer, occurred_at: datetime) -> PhoneClaim:
        """The claim of a newly registered customer on its phone number."""
        return cls(phone_hash=customer.phone_hash, customer_id=customer.id, occurred_at=occurred_at)

    @staticmethod
    def create_id(phone_hash: str) -> UUID:
        return phone_claim_id(phone_hash)

    @event(Claimed)
    def __init__(self, phone_hash: str, customer_id: UUID, occurred_at: datetime) -> None:
        self.phone_hash = phone_hash
        self.customer_id: UUID | None = customer_id

    def release(self, occurred_at: datetime) -> None:
        """Free the number: its customer was erased."""
        if self.customer_id is not None:
            self._release(customer_id=self.customer_id, occurred_at=occurred_at)

    @event(Released)
    def _release(self, customer_id: UUID, occurred_at: datetime) -> None:
        self.customer_id = None

    def reclaim(self, customer: Customer, occurred_at: datetime) -> None:
        """A released number registered again, by a new customer."""
        self._reclaim(customer_id=customer.id, occurred_at=occurred_at)

    @event(Reclaimed)
    def _reclaim(self, customer_id: UUID, occurred_at: datetime) -> None:
        self.customer_id = customer_id
