"""Lost leads: each transition of a requested loss, who may decide it, and a property over
random sequences of requests and decisions against a plain reference model."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.leads.errors import (
    LeadLossCommentRequiredError,
    LeadLossNotPendingError,
    LeadLossPendingError,
    LeadNotLostError,
    LeadSpotCheckRequiredError,
)
from domain.leads.losses import LeadLosses
from domain.leads.model import Lead, LeadStatus, LossReason
from domain.shared.errors import DomainError, NotFoundError, PermissionDeniedError
from domain.shared.personal import personal_fields
from tests.unit.builders import MONDAY, Group, group


@pytest.fixture
def g() -> Group:
    return group()


def pending_lead() -> Lead:
    lead = Lead.capture(uuid4(), uuid4(), "phone", "Han EV", None, MONDAY)
    lead.assign(uuid4(), MONDAY)
    lead.request_loss("competitor", "Tesla", "went for a Model Y", "seller", MONDAY)
    return lead


# --- transitions -----------------------------------------------------------------------------


def test_a_requested_loss_leaves_the_lead_pending_and_not_workable() -> None:
    lead = pending_lead()

    assert lead.status is LeadStatus.PENDING_LOSS
    with pytest.raises(DomainError):
        lead.log_activity("call", None, None, False, MONDAY)
    with pytest.raises(DomainError):
        lead.convert(uuid4(), MONDAY)


def test_a_loss_cannot_be_requested_twice() -> None:
    lead = pending_lead()

    with pytest.raises(LeadLossPendingError):
        lead.request_loss("price", None, None, "seller", MONDAY)


def test_a_loss_for_another_reason_needs_a_note() -> None:
    lead = Lead.capture(uuid4(), uuid4(), "phone", None, None, MONDAY)

    with pytest.raises(DomainError):
        lead.request_loss("other", None, "  ", "seller", MONDAY)


def test_approval_waits_for_a_required_spot_check_call() -> None:
    lead = pending_lead()

    with pytest.raises(LeadSpotCheckRequiredError):
        lead.approve_loss(spot_check_required=True, occurred_at=MONDAY)
    lead.record_spot_check("confirmed", "she bought a Tesla", MONDAY)
    lead.approve_loss(spot_check_required=True, occurred_at=MONDAY)

    assert (lead.status, lead.lost_reason) == (LeadStatus.LOST, LossReason.COMPETITOR)


def test_a_rejection_needs_a_comment_and_opens_the_lead_again() -> None:
    lead = pending_lead()

    with pytest.raises(LeadLossCommentRequiredError):
        lead.reject_loss(" ", MONDAY)
    lead.reject_loss("call her back", MONDAY)

    assert lead.status is LeadStatus.OPEN
    assert lead.loss_rejection == "call her back"


def test_only_a_lost_lead_is_reopened_and_it_keeps_its_salesperson() -> None:
    lead = pending_lead()
    with pytest.raises(LeadNotLostError):
        lead.reopen("too early", MONDAY)
    lead.approve_loss(spot_check_required=False, occurred_at=MONDAY)
    seller = lead.salesperson_id

    lead.reopen("the customer called back", MONDAY)

    assert (lead.status, lead.salesperson_id, lead.lost_reason) == (LeadStatus.OPEN, seller, None)


def test_a_lead_lost_before_approvals_existed_can_be_reopened() -> None:
    lead = Lead.capture(uuid4(), uuid4(), "phone", None, None, MONDAY)
    lead.lose("price", None, MONDAY)

    lead.reopen("back in the market", MONDAY)

    assert lead.status is LeadStatus.OPEN


def test_nothing_is_decided_without_a_pending_request() -> None:
    lead = Lead.capture(uuid4(), uuid4(), "phone", None, None, MONDAY)

    for decide in (
        lambda: lead.approve_loss(False, MONDAY),
        lambda: lead.reject_loss("no", MONDAY),
        lambda: lead.record_spot_check("confirmed", None, MONDAY),
    ):
        with pytest.raises(LeadLossNotPendingError):
            decide()


def test_free_text_about_the_customer_is_sealed_and_the_competitor_is_not() -> None:
    assert personal_fields(Lead.LossRequested) == ("note",)
    assert personal_fields(Lead.LossSpotChecked) == ("note",)
    assert personal_fields(Lead.LossRejected) == ("comment",)
    assert personal_fields(Lead.Reopened) == ("reason",)


# --- who may decide --------------------------------------------------------------------------


def test_a_salesperson_cannot_close_a_lead_directly_nor_approve_their_own_loss(g: Group) -> None:
    losses = LeadLosses(g.app)
    lead_id = g.lead(g.seller)
    with pytest.raises(PermissionDeniedError):
        g.leads.lose_lead(g.seller, lead_id, "price")
    losses.request_loss(g.seller, lead_id, "price")

    with pytest.raises(PermissionDeniedError):
        losses.approve_loss(g.seller, lead_id)
    with pytest.raises(PermissionDeniedError):
        losses.reject_loss(g.colleague, lead_id, "no")


def test_another_stores_manager_does_not_find_the_loss(g: Group) -> None:
    losses = LeadLosses(g.app)
    lead_id = g.lead(g.seller)
    losses.request_loss(g.seller, lead_id, "price")

    with pytest.raises(NotFoundError):
        losses.approve_loss(g.other_manager, lead_id)


def test_a_manager_does_not_approve_their_own_request(g: Group) -> None:
    losses = LeadLosses(g.app)
    lead_id = g.lead(g.seller)
    losses.request_loss(g.manager, lead_id, "price")

    with pytest.raises(PermissionDeniedError):
        losses.approve_loss(g.manager, lead_id)


def test_the_store_setting_requires_a_spot_check_call_before_approval(g: Group) -> None:
    losses = LeadLosses(g.app)
    lead_id = g.lead(g.seller)
    losses.request_loss(g.seller, lead_id, "price")
    losses.set_spot_check(g.manager, g.store_id, True)

    with pytest.raises(LeadSpotCheckRequiredError):
        losses.approve_loss(g.manager, lead_id)
    losses.record_spot_check(g.manager, lead_id, "unreachable")
    losses.approve_loss(g.manager, lead_id)

    assert g.leads.get_lead(g.seller, lead_id).status is LeadStatus.LOST
    assert losses.spot_check_required(g.other_store_id) is False


def test_another_stores_manager_cannot_set_this_stores_spot_check(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        LeadLosses(g.app).set_spot_check(g.other_manager, g.store_id, True)


# --- any sequence ----------------------------------------------------------------------------

COMMANDS = st.lists(
    st.sampled_from(["request", "spot_check", "approve", "reject", "reopen", "work", "policy"]),
    max_size=30,
)


def _run(lead: Lead, command: str, required: bool, when: datetime) -> None:
    if command == "request":
        lead.request_loss("price", None, None, "seller", when)
    elif command == "spot_check":
        lead.record_spot_check("confirmed", None, when)
    elif command == "approve":
        lead.approve_loss(required, when)
    elif command == "reject":
        lead.reject_loss("not yet", when)
    elif command == "reopen":
        lead.reopen("came back", when)
    else:
        lead.log_activity("call", None, None, False, when)


@settings(max_examples=150, deadline=None)
@given(commands=COMMANDS)
def test_any_sequence_keeps_the_lead_in_a_legal_state_and_replays_to_the_same(
    commands: list[str],
) -> None:
    """Each command succeeds exactly when the reference allows it, a refusal records nothing,
    the lead replays from its events to the same state, and counting its events (approvals
    minus reopenings, requests minus decisions) gives what its state says."""
    lead = Lead.capture(uuid4(), uuid4(), "phone", None, None, MONDAY)
    lead.assign(uuid4(), MONDAY)
    status, checked, required = "open", False, False
    when = MONDAY
    for command in commands:
        when += timedelta(minutes=5)
        before = len(lead.pending_events)
        allowed = {
            "request": status == "open",
            "spot_check": status == "pending_loss",
            "approve": status == "pending_loss" and (checked or not required),
            "reject": status == "pending_loss",
            "reopen": status == "lost",
            "work": status == "open",
            "policy": True,
        }[command]
        if command == "policy":
            required = not required
            continue
        if allowed:
            _run(lead, command, required, when)
        else:
            with pytest.raises(DomainError):
                _run(lead, command, required, when)
            assert len(lead.pending_events) == before
            continue
        status, checked = {
            "request": ("pending_loss", False),
            "spot_check": ("pending_loss", True),
            "approve": ("lost", False),
            "reject": ("open", False),
            "reopen": ("open", False),
            "work": ("open", False),
        }[command]
        assert lead.status.value == status

    events = list(lead.collect_events())
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed is not None
    assert (replayed.status, replayed.lost_reason, replayed.salesperson_id) == (
        lead.status,
        lead.lost_reason,
        lead.salesperson_id,
    )
    approvals = sum(isinstance(e, Lead.LossApproved) for e in events)
    reopenings = sum(isinstance(e, Lead.Reopened) for e in events)
    requests = sum(isinstance(e, Lead.LossRequested) for e in events)
    decisions = sum(isinstance(e, Lead.LossApproved | Lead.LossRejected) for e in events)
    assert approvals - reopenings == (1 if lead.status is LeadStatus.LOST else 0)
    assert requests - decisions == (1 if lead.status is LeadStatus.PENDING_LOSS else 0)
