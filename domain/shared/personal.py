"""Which fields of an event are a customer's personal data, and which customer they are about.

(The subject may also be a member of staff, declared with `personal_subject_kind = "staff"`:
`Staff.Hired` seals the name and `Staff.Left` the leaving reason with the staff member's own
key; `Evaluation.Commented`/`Reopened` and `PayPeriod.DisputeRaised` seal their free text with
the salesperson's. The key store keeps keys per person.)

An event class declares them with two class attributes (read by the event store's mapper,
`audit/personal.py`, which stores those fields encrypted with that customer's own key):

    class Registered(ShowroomAggregate.Created):
        personal_fields: ClassVar[tuple[str, ...]] = ("name", "phone")
        personal_subject: ClassVar[str] = "originator_id"   # the attribute naming the customer

The domain never sees a sealed value when it decides: commands check the values they are given
in clear; an aggregate loaded from the store holds the sealed strings (its rules never read
them), and only the API's edge (`api/personal.py`) reveals them to whoever may read them.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

SEALED_PREFIX = "pii:1:"
# A sealed value a list shows only masked (a phone): the API reveals it masked to everyone.
MASKED_PREFIX = "pii:m:"
# What a view keeps of an erased customer's personal field (the API shows it as erased).
ERASED = "pii:erased"


def is_sealed(value: object) -> bool:
    """A value sealed with a customer's key (`audit/personal.py`), or the erased mark."""
    return isinstance(value, str) and (value.startswith(SEALED_PREFIX) or value == ERASED)


def shown_masked(value: str) -> str:
    """`value` (a sealed phone) marked to be revealed masked whoever reads it (lists)."""
    if value.startswith(SEALED_PREFIX):
        return MASKED_PREFIX + value[len(SEALED_PREFIX) :]
    return value


def personal_fields(event_class: type[Any]) -> tuple[str, ...]:
    """The personal fields an event class declares (none for most)."""
    fields: tuple[str, ...] = getattr(event_class, "personal_fields", ())
    return fields


def subject_is_staff(event_class: type[Any]) -> bool:
    """Whether the subject an event class names is a member of staff (`personal_subject_kind`
    "staff"): staff keys are never destroyed on demand, so readers may cache them briefly."""
    return getattr(event_class, "personal_subject_kind", "customer") == "staff"


def personal_subject(event: Any) -> UUID | None:
    """The customer a personal event is about (None: an old event that did not say)."""
    name: str = getattr(type(event), "personal_subject", "originator_id")
    subject = getattr(event, name, None)
    return subject if isinstance(subject, UUID) else None
