"""The base aggregate: every event carries business time and the acting user."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from eventsourcing.domain import Aggregate

from domain.shared import clock, months
from domain.shared.actor import current_actor
from domain.shared.values import storable_values


def check_event_values(kwargs: dict[str, Any]) -> None:
    """Refuse an event whose values no read model could take (the one net under every command).

    Named rules come first where a field has its own (`clock.happened_on` for a day that
    happened...); this holds what every field must meet whatever command recorded it: the
    business time is plausible (`clock.happened`), any other time or day lies between the
    floor and the horizon, a month too, and no string holds a character never stored.
    Replayed events do not pass here, so an old log still loads.
    """
    for name, value in kwargs.items():
        if name == "occurred_at":
            clock.happened(value, name)
        elif isinstance(value, datetime):
            clock.planned(value, name)
        elif isinstance(value, date):
            clock.plausible_day(value, name)
        elif isinstance(value, str) and (name == "month" or name.endswith("_month")):
            months.parse(value, name)
        storable_values(value, name)


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
        kwargs.setdefault("occurred_at", clock.now())
        check_event_values(kwargs)
        return super()._create(event_class, **kwargs)

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs.setdefault("actor", current_actor())
        kwargs.setdefault("occurred_at", clock.now())
        check_event_values(kwargs)
        super().trigger_event(event_class, **kwargs)
