"""Everything the log holds about one customer (PIPL right of access), as one JSON document.

The customer's own events (registration, preferences, consents, erasure), and the events of
their leads, deals and the deals' surveys, each with its record time, business time and actor,
its personal fields still sealed: the API reveals them as the file leaves (`api/personal.py`),
so the document is only ever in clear on its way to the admin who asked for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.app import Showroom
from domain.satisfaction.model import survey_id_for


def customer_record(
    app: Showroom,
    customer_id: UUID,
    lead_ids: Iterable[UUID],
    deal_ids: Iterable[UUID],
    *,
    generated_at: datetime,
) -> dict[str, Any]:
    """The customer's events, and those of their leads, deals and surveys, in log order."""
    deals = list(deal_ids)
    groups = {
        "customer": [customer_id],
        "leads": list(lead_ids),
        "deals": deals,
        "surveys": [survey_id_for(d) for d in deals],
    }
    document: dict[str, Any] = {
        "customer_id": str(customer_id),
        "generated_at": generated_at.isoformat(),
        "about": (
            "Everything Showroom records about this customer: the events of the customer, of"
            " their leads, deals and surveys (who recorded what, and when)."
        ),
    }
    for group, ids in groups.items():
        document[group] = [
            {"id": str(ident), "events": [_event(e) for e in app.events.get(ident)]}
            for ident in ids
            if app.exists(ident)
        ]
    return document


def _event(event: Any) -> dict[str, Any]:
    state = {k: _plain(v) for k, v in vars(event).items() if k != "originator_id"}
    return {"type": get_topic(type(event)).split(":", 1)[-1], **state}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
