"""A lead asking the routing rules for a new owner: it keeps its owner until routed again, and
records who had it and why (the SLA's second limit, for one), so the history can say so."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.leads.model import Lead
from domain.shared.errors import DomainError
from tests.unit.builders import MONDAY


def test_a_routing_request_records_the_reason_and_the_owner_it_leaves() -> None:
    owner = uuid4()
    lead = Lead.capture(uuid4(), uuid4(), "phone", "Han EV", None, MONDAY)
    lead.assign(owner, MONDAY)

    lead.request_routing("  sla_breach ", MONDAY)

    event = lead.collect_events()[-1]
    assert isinstance(event, Lead.RoutingRequested)
    assert (event.reason, event.previous_id) == ("sla_breach", owner)
    assert lead.salesperson_id == owner, "the lead keeps its owner until it is routed again"
    assert lead.routing_requested_at == MONDAY


def test_an_unassigned_lead_may_ask_for_routing_too() -> None:
    lead = Lead.capture(uuid4(), uuid4(), "website", None, None, MONDAY)

    lead.request_routing("no owner after capture", MONDAY)

    assert lead.collect_events()[-1].previous_id is None


@pytest.mark.parametrize("reason", ["", "   ", "x" * 201])
def test_a_routing_request_needs_a_reason(reason: str) -> None:
    lead = Lead.capture(uuid4(), uuid4(), "website", None, None, MONDAY)

    with pytest.raises(DomainError):
        lead.request_routing(reason, MONDAY)


def test_a_closed_lead_is_not_routed_again() -> None:
    lead = Lead.capture(uuid4(), uuid4(), "website", None, None, MONDAY)
    lead.convert(uuid4(), MONDAY)

    with pytest.raises(DomainError):
        lead.request_routing("sla_breach", MONDAY)
