"""CRM service: register customers once per group, record preferences and consents."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from hashlib import sha256
from uuid import UUID

from domain.app import Showroom, Written
from domain.crm.errors import (
    CustomerAlreadyExistsError,
    CustomerAlreadyServedError,
    CustomerErasedError,
    CustomerMergeRefusedError,
    CustomerPhoneTakenError,
    CustomerStoreClosedError,
)
from domain.crm.model import Customer, PhoneClaim, phone_claim_id
from domain.crm.ports import CustomerKeyShredder, PhoneIndex
from domain.organisation.model import Store
from domain.organisation.service import Organisation
from domain.shared import values
from domain.shared.access import (
    FLOOR_WRITERS,
    MANAGERS,
    ReadScope,
    can_read,
    ensure_floor_write,
    ensure_readable,
    ensure_role,
    ensure_store,
    read_scope,
)
from domain.shared.actor import Principal, Role, acting_as
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.clock import aware
from domain.shared.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
)

# Who answers a customer's PIPL requests (erasure, access to everything held about them).
PRIVACY_OFFICERS = (Role.ADMIN,)


@dataclass(frozen=True)
class NewCustomer:
    """A customer registered but not saved yet, with the claim on its phone number."""

    customer: Customer
    claim: PhoneClaim


class Crm:
    """Customers of the group: one record per person, found again by phone number."""

    def __init__(
        self,
        app: Showroom,
        phone_index: PhoneIndex,
        phone_key: bytes,
        *,
        organisation: Organisation | None = None,
        keys: CustomerKeyShredder | None = None,
    ) -> None:
        self.app = app
        self.phone_index = phone_index
        self._phone_key = phone_key
        self._keys = keys
        # The runtime shares its one Organisation; alone (tests, tools) the service makes one.
        self._organisation = organisation or Organisation(app)

    def phone_hash(self, phone: str) -> str:
        """The keyed hash of a phone number: the only form in which it is ever looked up."""
        normalised = values.phone(phone)
        return hmac.new(self._phone_key, normalised.encode(), sha256).hexdigest()

    # --- registration -------------------------------------------------------------------------

    def register_customer(
        self,
        actor: Principal,
        store_id: UUID,
        name: str,
        phone: str,
        owner_id: UUID | None = None,
        source: str = values.Channel.WALK_IN.value,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Register a new customer; a phone number already known to the group is a conflict."""
        with acting_as(actor):
            customer_id, new = self.find_or_new(
                actor, store_id, name, phone, owner_id, source, occurred_at
            )
            if new is not None:
                try:
                    return self.save_new(new)
                except CustomerPhoneTakenError as taken:
                    customer_id = taken.customer_id
            raise self.already_known(actor, customer_id)

    def already_known(
        self, actor: Principal, customer_id: UUID, passed_on: bool = False
    ) -> CustomerAlreadyExistsError | CustomerAlreadyServedError:
        """The 409 for a phone number the group knows: naming the customer only to who may see
        them (the owner, their store's manager, admin), one neutral answer to everyone else."""
        known = self.app.load(Customer, customer_id, "customer")
        if can_read(actor, known.store_id, known.owner_id):
            return CustomerAlreadyExistsError(customer_id)
        return CustomerAlreadyServedError(passed_on=passed_on)

    def find_or_new(
        self,
        actor: Principal,
        store_id: UUID,
        name: str,
        phone: str,
        owner_id: UUID | None = None,
        source: str = values.Channel.WALK_IN.value,
        occurred_at: datetime | None = None,
    ) -> tuple[UUID, NewCustomer | None]:
        """The known customer's id and None, or a new unsaved customer (with its phone claim).

        Callers save a new customer with `save_new`, together with what they create for it (a
        lead), so a refused lead leaves no orphan customer behind.
        """
        with acting_as(actor):
            ensure_role(actor, *FLOOR_WRITERS)
            ensure_store(actor, store_id)
            phone_hash = self.phone_hash(phone)
            existing = self.find_by_phone_hash(phone_hash)
            if existing is not None:
                return existing, None
            self._open_store(store_id)
            when = aware(occurred_at)
            customer = Customer.register(
                store_id=store_id,
                owner_id=self._owner_for(actor, store_id, owner_id),
                name=name,
                phone=phone,
                phone_hash=phone_hash,
                source=source,
                occurred_at=when,
            )
            released = self._released_claim(phone_hash)
            if released is not None:
                # The number's customer was erased: the person registers again, as a new one.
                released.reclaim(customer, when)
                return customer.id, NewCustomer(customer, released)
            return customer.id, NewCustomer(customer, PhoneClaim.claim(customer, when))

    def _released_claim(self, phone_hash: str) -> PhoneClaim | None:
        try:
            claim = self.app.load(PhoneClaim, phone_claim_id(phone_hash), "phone claim")
        except NotFoundError:
            return None
        return claim if claim.customer_id is None else None

    def find_by_phone_hash(self, phone_hash: str) -> UUID | None:
        """The customer with this phone: the log's claim decides; customers registered before
        claims existed have none, so the directory view (which may lag) is asked after it."""
        try:
            claim = self.app.load(PhoneClaim, phone_claim_id(phone_hash), "phone claim")
        except NotFoundError:
            return self.phone_index.find(phone_hash)
        return claim.customer_id  # None: released, its customer erased

    def save_new(self, new: NewCustomer, *others: ShowroomAggregate) -> Written:
        """Save `others` (the first one answers) with the new customer and its phone claim in
        one save; when a concurrent registration claimed the phone first, nothing is saved and
        CustomerPhoneTakenError names the customer that won."""
        first, *rest = (*others, new.customer)
        try:
            return self.app.written(first, *rest, new.claim)
        except ConflictError:
            winner = self.find_by_phone_hash(new.customer.phone_hash)
            if winner is None or winner == new.customer.id:
                raise
            raise CustomerPhoneTakenError(winner) from None

    # --- changes ------------------------------------------------------------------------------

    def record_preferences(
        self,
        actor: Principal,
        customer_id: UUID,
        model: str | None = None,
        colour: str | None = None,
        trim: str | None = None,
        budget: Decimal | int | str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Replace what the customer is looking for: model, colour, trim and budget."""
        with acting_as(actor):
            customer = self._writable(actor, customer_id, expected_version)
            customer.record_preferences(model, colour, trim, budget, occurred_at=aware(occurred_at))
            return self.app.written(customer)

    def reassign_customer(
        self,
        actor: Principal,
        customer_id: UUID,
        owner_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Hand the customer to another salesperson of the store (managers)."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            customer = self._writable(actor, customer_id, expected_version)
            self._organisation.active_salesperson(customer.store_id, owner_id)
            customer.reassign(owner_id, occurred_at=aware(occurred_at))
            return self.app.written(customer)

    def record_consent(
        self,
        actor: Principal,
        customer_id: UUID,
        channel: str,
        granted: bool,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record that the customer granted or withdrew consent to contact on a channel."""
        with acting_as(actor):
            customer = self._writable(actor, customer_id, expected_version)
            customer.record_consent(channel, granted, occurred_at=aware(occurred_at))
            return self.app.written(customer)

    def erase_customer(
        self,
        actor: Principal,
        customer_id: UUID,
        reason: str,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Erase a customer (PIPL right to deletion, admins): the erasure is recorded, the
        phone number released, and the customer's own key destroyed, so that their name,
        phone and the notes about them can never be read again; counts and sums stay."""
        with acting_as(actor):
            ensure_role(actor, *PRIVACY_OFFICERS)
            if self._keys is None:
                raise PermissionDeniedError("this process has no customer key store")
            customer = self.app.load(Customer, customer_id, "customer")
            when = aware(occurred_at)
            try:
                customer.record_erasure(reason, occurred_at=when)
            except CustomerErasedError:
                # Recorded before (its key destruction may have failed after): finish it.
                self._keys.destroy(customer_id)
                for merged_id in customer.merged_ids:
                    self._keys.destroy(merged_id)
                raise
            others: list[ShowroomAggregate] = []
            try:
                claim = self.app.load(PhoneClaim, phone_claim_id(customer.phone_hash), "claim")
            except NotFoundError:
                pass  # registered before claims existed: the view's row goes with the erasure
            else:
                if claim.customer_id == customer_id:
                    claim.release(occurred_at=when)
                    others.append(claim)
            # Records merged into this customer are the same person: erased with them, their
            # own keys destroyed too (their leads' notes are sealed with those).
            merged = self._merged_for_erasure(customer, reason, when)
            others.extend(merged)
            written = self.app.written(customer, *others)
            self._keys.destroy(customer_id, when)
            for duplicate in merged:
                if isinstance(duplicate, Customer):
                    self._keys.destroy(duplicate.id, when)
            return written

    def privacy_subject(self, actor: Principal, customer_id: UUID | None = None) -> Customer | None:
        """For a privacy officer only: the customer whose PIPL request is answered (None when
        no id is given: the check alone, for the list of customers to choose from)."""
        with acting_as(actor):
            ensure_role(actor, *PRIVACY_OFFICERS)
            if customer_id is None:
                return None
            return self.app.load(Customer, customer_id, "customer")

    def get_customer(self, actor: Principal, customer_id: UUID) -> Customer:
        """The customer, if the actor's scope reaches it."""
        with acting_as(actor):
            customer = self.app.load(Customer, customer_id, "customer")
            ensure_readable(actor, "customer", customer_id, customer.store_id, customer.owner_id)
            return customer

    # --- helpers ------------------------------------------------------------------------------

    def _writable(
        self, actor: Principal, customer_id: UUID, expected_version: int | None
    ) -> Customer:
        # Role before state: a role that may never do this gets 403 whether the id exists or not.
        ensure_role(actor, *FLOOR_WRITERS)
        customer = self.app.load(
            Customer,
            customer_id,
            "customer",
            expected_version,
            scope=lambda customer: ensure_floor_write(
                actor, "customer", customer_id, customer.store_id, customer.owner_id
            ),
        )
        customer.ensure_not_erased()
        customer.ensure_not_merged()
        return customer

    def _owner_for(self, actor: Principal, store_id: UUID, owner_id: UUID | None) -> UUID | None:
        """Salespeople own what they register; managers may name an owner of the store."""
        if actor.role is Role.SALESPERSON:
            if actor.staff_id is None:
                raise PermissionDeniedError("this salesperson login has no staff record")
            if owner_id is not None and owner_id != actor.staff_id:
                raise PermissionDeniedError("a salesperson registers customers for themselves")
            return actor.staff_id
        if owner_id is not None:
            self._organisation.active_salesperson(store_id, owner_id)
        return owner_id

    def _open_store(self, store_id: UUID) -> Store:
        store = self.app.load(Store, store_id, "store")
        if not store.active:
            raise CustomerStoreClosedError(f"store {store_id} is closed")
        return store

    # --- merging (docs/lead-dedup.md) --------------------------------------------------------

    def merge_customers(
        self,
        actor: Principal,
        survivor_id: UUID,
        duplicate_id: UUID,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Merge a duplicate record of a person into the survivor (a manager of the store
        holding both; admins across stores): the duplicate's leads, deals and surveys read
        under the survivor from now on, and the duplicate answers as merged into it."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            # Scope before anything else: a record out of reach is not found, whatever was asked.
            survivor = self.app.load(Customer, survivor_id, "customer")
            ensure_readable(actor, "customer", survivor_id, survivor.store_id, survivor.owner_id)
            if survivor_id == duplicate_id:
                raise CustomerMergeRefusedError("a customer cannot be merged into itself")
            duplicate = self.app.load(Customer, duplicate_id, "customer")
            ensure_readable(actor, "customer", duplicate_id, duplicate.store_id, duplicate.owner_id)
            if actor.role is not Role.ADMIN and survivor.store_id != duplicate.store_id:
                raise CustomerMergeRefusedError("only an admin merges customers of two stores")
            duplicate.merge_into(survivor, occurred_at=aware(occurred_at))
            return self.app.written(survivor, duplicate)

    def _merged_for_erasure(
        self, survivor: Customer, reason: str, when: datetime
    ) -> list[ShowroomAggregate]:
        """The records merged into `survivor`, each with its erasure recorded and its phone
        claim released (those already erased are left as they are)."""
        changed: list[ShowroomAggregate] = []
        for merged_id in survivor.merged_ids:
            duplicate = self.app.load(Customer, merged_id, "customer")
            if duplicate.erased:
                continue
            duplicate.record_erasure(reason, occurred_at=when)
            changed.append(duplicate)
            try:
                claim = self.app.load(PhoneClaim, phone_claim_id(duplicate.phone_hash), "claim")
            except NotFoundError:
                continue
            if claim.customer_id == merged_id:
                claim.release(occurred_at=when)
                changed.append(claim)
        return changed

    def merge_scope(self, actor: Principal, store_id: UUID | None = None) -> ReadScope:
        """The customers a manager compares to find duplicates (403 for other roles): their
        store's (a store manager), any store's (an admin, `store_id` narrowing)."""
        ensure_role(actor, *MANAGERS)
        return read_scope(actor, store_id=store_id)
