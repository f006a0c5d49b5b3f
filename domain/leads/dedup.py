"""De-duplication of leads and the protection period: the rules, and the log's records they need.

- A store's rule (`Store.LeadDedupSet`) says when a customer's enquiry is recorded on their open
  lead at that store instead of opening a second lead: never (`off`), whenever they have an open
  lead there (`any_open`), or when that open lead was touched (captured, worked or enquired
  about) within the window (`last_activity`, the default, 30 days).
- The group's protection period (`GroupLeadRules`) says how long a customer stays with the
  store and salesperson who own them after the owner's last activity with them; None (the
  default) keeps them there until a manager moves them.
- A `LeadSlot` per store and customer (its id derives from both) names the customer's current
  lead at the store. Saved with every lead it names, it makes two concurrent captures of one
  customer at one store conflict in the log instead of opening two leads, whatever the views
  know (the same free uniqueness check as `PhoneClaim`).

Pure rules are functions here, so the unit tests read them without a store.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import InvalidValueError

SLOT_NAMESPACE = UUID("5b0e7c2a-9d41-4f3e-8a6b-1c2d3e4f5a6b")
GROUP_RULES_NAMESPACE = UUID("7e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b")


class DedupRule(StrEnum):
    OFF = "off"
    ANY_OPEN = "any_open"
    LAST_ACTIVITY = "last_activity"


DEFAULT_DEDUP: tuple[DedupRule, int] = (DedupRule.LAST_ACTIVITY, 30)
MAX_DAYS = 365


def dedup_setting(rule: str, window_days: int) -> tuple[DedupRule, int]:
    """A store's rule and window, checked: the window is 1 to 365 days."""
    try:
        chosen = DedupRule(rule)
    except ValueError:
        allowed = ", ".join(r.value for r in DedupRule)
        raise InvalidValueError(f"rule must be one of {allowed}") from None
    if isinstance(window_days, bool) or not 1 <= window_days <= MAX_DAYS:
        raise InvalidValueError(f"window_days must be between 1 and {MAX_DAYS}")
    return chosen, window_days


def protection_setting(days: int | None) -> int | None:
    """The group's protection period: 1 to 365 days, or None for no lapse."""
    if days is not None and (isinstance(days, bool) or not 1 <= days <= MAX_DAYS):
        raise InvalidValueError(f"protection_days must be between 1 and {MAX_DAYS}, or empty")
    return days


def within_window(rule: DedupRule, window_days: int, last_touched: datetime, at: datetime) -> bool:
    """Whether an open lead last touched at `last_touched` takes an enquiry made `at`.

    The window's last day counts (exactly `window_days` after is still within); an enquiry
    entered late, before the lead's last touch, is within too.
    """
    if rule is DedupRule.OFF:
        return False
    if rule is DedupRule.ANY_OPEN:
        return True
    return at - last_touched <= timedelta(days=window_days)


def protection_lapsed(protection_days: int | None, last_activity: datetime, at: datetime) -> bool:
    """Whether the owner's protection of a customer lapsed at `at`: strictly more than the
    period since the owner's last activity with them (on the last day they are still kept)."""
    if protection_days is None:
        return False
    return at - last_activity > timedelta(days=protection_days)


def slot_id(store_id: UUID, customer_id: UUID) -> UUID:
    return uuid5(SLOT_NAMESPACE, f"{store_id}:{customer_id}")


class LeadSlot(ShowroomAggregate):
    """The current lead of one customer at one store (saved with each lead it names)."""

    class Opened(ShowroomAggregate.Created):
        store_id: UUID
        customer_id: UUID
        lead_id: UUID

    class Moved(ShowroomAggregate.Event):
        lead_id: UUID

    @staticmethod
    def create_id(store_id: UUID, customer_id: UUID) -> UUID:
        return slot_id(store_id, customer_id)

    @classmethod
    def open(cls, store_id: UUID, customer_id: UUID, lead_id: UUID, when: datetime) -> LeadSlot:
        return cls(store_id=store_id, customer_id=customer_id, lead_id=lead_id, occurred_at=when)

    @event(Opened)
    def __init__(
        self, store_id: UUID, customer_id: UUID, lead_id: UUID, occurred_at: datetime
    ) -> None:
        self.store_id = store_id
        self.customer_id = customer_id
        self.lead_id = lead_id

    def move(self, lead_id: UUID, when: datetime) -> None:
        """A new lead of the customer at the store (the previous one closed or went stale)."""
        self._move(lead_id=lead_id, occurred_at=when)

    @event(Moved)
    def _move(self, lead_id: UUID, occurred_at: datetime) -> None:
        self.lead_id = lead_id


class PartnerEnquiry(ShowroomAggregate):
    """A partner's lead recorded as an enquiry on the customer's open lead instead of opening
    one. Its id is the lead id the partner's own id names (domain/leads/origin.py), saved with
    the enquiry: a second post of the same partner lead conflicts and answers the lead it landed
    on, as a second post of a captured one does (docs/lead-intake.md)."""

    class Recorded(ShowroomAggregate.Created):
        lead_id: UUID

    @classmethod
    def record(cls, ref_id: UUID, lead_id: UUID, when: datetime) -> PartnerEnquiry:
        ref: PartnerEnquiry = cls._create(
            event_class=cls.Recorded, id=ref_id, lead_id=lead_id, occurred_at=when
        )
        return ref

    @event(Recorded)
    def __init__(self, lead_id: UUID, occurred_at: datetime) -> None:
        self.lead_id = lead_id


def group_rules_id() -> UUID:
    return uuid5(GROUP_RULES_NAMESPACE, "group")


class GroupLeadRules(ShowroomAggregate):
    """The group's rules for leads across stores: the protection period of a customer."""

    class Started(ShowroomAggregate.Created):
        protection_days: int | None

    class ProtectionPeriodSet(ShowroomAggregate.Event):
        protection_days: int | None

    @staticmethod
    def create_id() -> UUID:
        return group_rules_id()

    @classmethod
    def start(cls, protection_days: int | None, when: datetime) -> GroupLeadRules:
        return cls(protection_days=protection_setting(protection_days), occurred_at=when)

    @event(Started)
    def __init__(self, protection_days: int | None, occurred_at: datetime) -> None:
        self.protection_days = protection_days

    def set_protection(self, protection_days: int | None, when: datetime) -> None:
        self._set_protection(protection_days=protection_setting(protection_days), occurred_at=when)

    @event(ProtectionPeriodSet)
    def _set_protection(self, protection_days: int | None, occurred_at: datetime) -> None:
        self.protection_days = protection_days
