"""The base aggregate: every event carries business time and the acting user."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from domain.shared.actor import current_actor
from domain.shared.clock import now


class ShowroomAggregate(Aggregate):
    """Aggregate whose events all record `actor` and `occurred_at` besides the record time.

    Commands pass `occurred_at` (business time, may be entered late); the actor comes from the
    `acting_as` context the service opened, so no command can forget or forge it.
    """

    class Event(Aggregate.Event):
        actor: str
        occurred_at: datetime

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _create(cls, event_class: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("actor", current_actor())
        kwargs.setdefault("occurred_at", now())
        return super()._create(event_class, **kwargs)

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs.setdefault("actor", current_actor())
        kwargs.setdefault("occurred_at", now())
        super().trigger_event(event_class, **kwargs)
