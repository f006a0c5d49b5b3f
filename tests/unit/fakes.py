"""Fakes that implement the domain's ports for real, in memory (no mocks)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.utils import get_topic

from domain.app import Showroom
from domain.crm.model import Customer

_REGISTERED = get_topic(Customer.Registered)


class InMemoryPhoneIndex:
    """The PhoneIndex port, kept by reading Customer.Registered events off the application's log.

    It catches up on every `find`, so it is always current (the production read model may lag).
    """

    def __init__(self, app: Showroom) -> None:
        self._app = app
        self._customers: dict[str, UUID] = {}
        self._position = 0

    def find(self, phone_hash: str) -> UUID | None:
        self.learn_from(self._app)
        return self._customers.get(phone_hash)

    def learn_from(self, app: Showroom) -> None:
        while True:
            page = app.recorder.select_notifications(self._position + 1, 1000, topics=[_REGISTERED])
            for notification in page:
                registered = app.mapper.to_domain_event(notification)
                assert isinstance(registered, Customer.Registered)
                self._customers.setdefault(registered.phone_hash, registered.originator_id)
                self._position = notification.id
            if len(page) < 1000:
                return
