"""The CRM's phone index, answered from the directory view (never from the log itself)."""

from __future__ import annotations

import logging
from uuid import UUID

from domain.app import Showroom
from projections.db import Database
from projections.directory.queries import find_customer_by_phone_hash
from projections.runner import ViewsNotCaughtUpError, wait_for

log = logging.getLogger(__name__)


class ViewPhoneIndex:
    """`domain.crm.ports.PhoneIndex` over `rm_directory_phone`.

    Before answering it waits (bounded) until the directory has caught up with the log as it is
    now, so a customer registered a moment ago is found. When the wait runs out it answers from
    what the view has (a registration racing it may then slip through as a duplicate: customer
    ids never derive from the phone number, so the event store cannot catch it).
    """

    def __init__(self, app: Showroom, db: Database, wait_seconds: float) -> None:
        self.app, self.db, self.wait_seconds = app, db, wait_seconds

    def find(self, phone_hash: str) -> UUID | None:
        try:
            wait_for(self.db, ["directory"], self.app.position(), self.wait_seconds)
        except ViewsNotCaughtUpError as error:
            log.warning("phone index answered from a lagging directory view: %s", error)
        return find_customer_by_phone_hash(self.db, phone_hash)
