"""Four eyes on pay, in the `PayPeriod` aggregate: an adjustment above the threshold counts only
once a second person (neither its proposer nor its beneficiary) confirms it, and a period is
approved by a second person after another requested it (docs/payroll.md, "Four eyes").

Given events / when a command / then events; nothing is saved. The property test drives random
sequences of proposals and decisions by one person alone and checks that none ever counts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.errors import status_of
from domain.pay.errors import (
    BeneficiaryMayNotDecideError,
    ProposalNotPendingError,
    ProposalPendingError,
    SecondPersonRequiredError,
)
from domain.pay.four_eyes import ProposalStatus
from domain.pay.periods import PayPeriod, PeriodStatus, snapshot_hash
from domain.shared.errors import DomainError, NotFoundError

MAY = datetime(2026, 5, 31, 15, 0, tzinfo=UTC)
STORE = UUID("11111111-1111-1111-1111-111111111111")
SELLER = UUID("22222222-2222-2222-2222-222222222222")
THRESHOLD = Decimal("2000.00")
STATEMENTS: list[dict[str, Any]] = [
    {"salesperson_id": str(SELLER), "lines": [{"n": 1, "amount": Decimal("500.00")}]}
]
TOTALS: dict[str, Any] = {"total": Decimal("500.00")}


def at(minutes: int) -> datetime:
    return MAY + timedelta(minutes=minutes)


def new_events(period: PayPeriod) -> list[Any]:
    return list(period.collect_events())


def closed() -> PayPeriod:
    period = PayPeriod(store_id=STORE, month="2026-05", protection_days=90, occurred_at=MAY)
    period.close(known_at=at(1), occurred_at=at(1))
    period.collect_events()
    return period


def proposed(amount: str = "2500.00", proposer: str = "wu") -> tuple[PayPeriod, UUID]:
    """Given: a closed period with an adjustment above the threshold, proposed by `proposer`."""
    period = closed()
    ident = uuid4()
    period.propose_adjustment(
        ident, SELLER, Decimal(amount), "record month", proposer, THRESHOLD, at(2)
    )
    period.collect_events()
    return period, ident


# --- adjustments -------------------------------------------------------------------------------


def test_a_proposed_adjustment_records_proposer_and_threshold_and_does_not_count() -> None:
    period = closed()
    ident = uuid4()

    period.propose_adjustment(
        ident, SELLER, Decimal("2500.00"), "record month", "wu", THRESHOLD, at(2)
    )

    [event] = new_events(period)
    assert isinstance(event, PayPeriod.AdjustmentProposed)
    assert (event.proposer, event.threshold, event.amount) == ("wu", THRESHOLD, Decimal("2500.00"))
    assert period.adjustments == [] and period.own_adjustments() == []
    assert period.proposal(ident)["status"] == ProposalStatus.PROPOSED


def test_a_confirmed_adjustment_counts_with_the_confirmer_as_its_approver() -> None:
    period, ident = proposed()

    period.confirm_adjustment(ident, "li", None, at(3))

    [event] = new_events(period)
    assert isinstance(event, PayPeriod.AdjustmentConfirmed) and event.confirmer == "li"
    [counted] = period.own_adjustments()
    assert (counted["amount"], counted["approver"], counted["proposer"]) == (
        Decimal("2500.00"),
        "li",
        "wu",
    )


@pytest.mark.parametrize("who", ["wu", "WU", " wu "])
def test_the_proposer_confirming_their_own_adjustment_is_forbidden_and_changes_nothing(
    who: str,
) -> None:
    period, ident = proposed()

    with pytest.raises(SecondPersonRequiredError) as raised:
        period.confirm_adjustment(ident, who, None, at(3))

    assert status_of(raised.value) == 403
    assert new_events(period) == [] and period.adjustments == []


def test_the_beneficiary_confirming_an_adjustment_of_their_own_pay_is_forbidden() -> None:
    period, ident = proposed()

    with pytest.raises(BeneficiaryMayNotDecideError) as raised:
        period.confirm_adjustment(ident, "chen", SELLER, at(3))

    assert status_of(raised.value) == 403
    assert new_events(period) == [] and period.adjustments == []


def test_confirming_an_adjustment_twice_is_a_conflict() -> None:
    period, ident = proposed()
    period.confirm_adjustment(ident, "li", None, at(3))
    period.collect_events()

    with pytest.raises(ProposalNotPendingError) as raised:
        period.confirm_adjustment(ident, "zhao", None, at(4))

    assert status_of(raised.value) == 409
    assert new_events(period) == [] and len(period.adjustments) == 1


def test_confirming_a_withdrawn_adjustment_is_a_conflict_and_it_never_counts() -> None:
    period, ident = proposed()
    period.withdraw_adjustment(ident, "wu", "wrong person", at(3))
    period.collect_events()

    with pytest.raises(ProposalNotPendingError):
        period.confirm_adjustment(ident, "li", None, at(4))

    assert new_events(period) == [] and period.adjustments == []
    assert period.proposal(ident)["status"] == ProposalStatus.WITHDRAWN


def test_a_refusal_records_who_refused_and_why_and_the_adjustment_never_counts() -> None:
    period, ident = proposed()

    period.refuse_adjustment(ident, "li", None, "no record month this year", at(3))

    [event] = new_events(period)
    assert isinstance(event, PayPeriod.AdjustmentRefused)
    assert (event.refuser, event.reason) == ("li", "no record month this year")
    assert period.adjustments == []
    found = period.proposal(ident)
    assert (found["status"], found["decided_by"], found["decision_reason"]) == (
        ProposalStatus.REFUSED,
        "li",
        "no record month this year",
    )


def test_only_the_proposer_withdraws_and_the_proposer_never_refuses() -> None:
    period, ident = proposed()

    with pytest.raises(SecondPersonRequiredError):
        period.withdraw_adjustment(ident, "li", "not mine", at(3))
    with pytest.raises(SecondPersonRequiredError):
        period.refuse_adjustment(ident, "wu", None, "changed my mind", at(3))

    assert new_events(period) == []


def test_an_adjustment_above_the_threshold_cannot_be_entered_directly() -> None:
    period = closed()

    with pytest.raises(SecondPersonRequiredError):
        period.add_adjustment(
            uuid4(), SELLER, Decimal("-2000.01"), "r", "wu", at(2), threshold=THRESHOLD
        )

    assert new_events(period) == []


def test_an_adjustment_at_the_threshold_counts_at_once_and_records_the_threshold() -> None:
    period = closed()

    period.add_adjustment(
        uuid4(), SELLER, Decimal("-2000.00"), "r", "wu", at(2), threshold=THRESHOLD
    )

    [event] = new_events(period)
    assert isinstance(event, PayPeriod.AdjustmentAdded) and event.threshold == THRESHOLD
    assert len(period.own_adjustments()) == 1


def test_an_unknown_proposal_is_not_found() -> None:
    period, _ = proposed()

    with pytest.raises(NotFoundError):
        period.confirm_adjustment(uuid4(), "li", None, at(3))


# --- approval ------------------------------------------------------------------------------------


def requested(requester: str = "finance") -> PayPeriod:
    period = closed()
    period.request_approval(requester, at(2))
    period.collect_events()
    return period


def confirm(period: PayPeriod, who: str) -> Any:
    return period.approve(STATEMENTS, TOTALS, snapshot_hash(STATEMENTS, TOTALS), who, at(3))


def test_requesting_an_approval_freezes_nothing_and_records_the_requester() -> None:
    period = closed()

    period.request_approval("finance", at(2))

    [event] = new_events(period)
    assert isinstance(event, PayPeriod.ApprovalRequested) and event.requester == "finance"
    assert period.status is PeriodStatus.CLOSED and period.content_hash is None


def test_the_requester_confirming_their_own_approval_is_forbidden_and_takes_no_snapshot() -> None:
    period = requested("finance")

    with pytest.raises(SecondPersonRequiredError) as raised:
        confirm(period, "Finance")

    assert status_of(raised.value) == 403
    assert new_events(period) == [] and period.status is PeriodStatus.CLOSED


def test_a_second_person_confirming_takes_the_snapshot_and_remembers_the_requester() -> None:
    period = requested("finance")

    confirm(period, "admin")

    [event] = new_events(period)
    assert isinstance(event, PayPeriod.Approved)
    assert period.status is PeriodStatus.APPROVED
    assert period.approval_requested_by == "finance" and period.approval_request is None


def test_confirming_an_approval_nobody_requested_or_twice_is_a_conflict() -> None:
    period = closed()
    with pytest.raises(ProposalNotPendingError) as raised:
        confirm(period, "admin")
    assert status_of(raised.value) == 409

    period = requested()
    confirm(period, "admin")
    period.collect_events()
    with pytest.raises(ProposalNotPendingError):
        confirm(period, "finance-2")
    assert new_events(period) == []


def test_a_withdrawn_or_refused_request_cannot_be_confirmed() -> None:
    withdrawn = requested()
    withdrawn.withdraw_approval("finance", "a late deal", at(3))
    refused = requested()
    refused.refuse_approval("admin", "figures look wrong", at(3))

    for period in (withdrawn, refused):
        period.collect_events()
        with pytest.raises(ProposalNotPendingError):
            confirm(period, "admin")
        assert new_events(period) == [] and period.status is PeriodStatus.CLOSED


def test_reopening_lets_a_waiting_approval_request_lapse() -> None:
    period = requested()

    period.reopen("a deal was missed", at(3))

    assert period.approval_request is None
    period.close(known_at=at(4), occurred_at=at(4))
    with pytest.raises(ProposalNotPendingError):
        confirm(period, "admin")


def test_an_approval_waits_until_every_proposed_adjustment_is_decided() -> None:
    period, ident = proposed()

    with pytest.raises(ProposalPendingError) as raised:
        period.request_approval("finance", at(3))

    assert status_of(raised.value) == 409
    period.refuse_adjustment(ident, "li", None, "no", at(3))
    period.request_approval("finance", at(4))
    assert period.approval_request is not None


def test_an_adjustment_cannot_be_proposed_while_an_approval_waits() -> None:
    period = requested()

    with pytest.raises(ProposalPendingError):
        period.propose_adjustment(uuid4(), SELLER, Decimal("5000"), "r", "wu", THRESHOLD, at(3))


# --- one person alone never makes a large adjustment count -------------------------------------

PEOPLE = ("wu", "li")
STEP = st.tuples(
    st.sampled_from(["propose", "confirm", "refuse", "withdraw", "add", "request", "approve"]),
    st.integers(0, 3),  # which proposal (by the order they were made)
    st.sampled_from(["2000.01", "2500.00", "-9999.99", "150.00"]),
)


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(STEP, max_size=20), alone=st.sampled_from(PEOPLE))
def test_no_sequence_of_proposals_and_confirmations_by_one_person_makes_a_large_adjustment_count(
    steps: list[tuple[str, int, str]], alone: str
) -> None:
    """Whatever one person does alone — propose, confirm, refuse, withdraw, enter directly,
    request and confirm approval — no adjustment above the threshold counts, and the period
    is never approved; and replaying the events gives the same state."""
    period = closed()
    ids: list[UUID] = []
    for minute, (step, index, amount) in enumerate(steps, start=2):
        chosen = ids[index % len(ids)] if ids else uuid4()
        try:
            if step == "propose":
                ident = uuid4()
                period.propose_adjustment(
                    ident, SELLER, Decimal(amount), "r", alone, THRESHOLD, at(minute)
                )
                ids.append(ident)
            elif step == "confirm":
                period.confirm_adjustment(chosen, alone, None, at(minute))
            elif step == "refuse":
                period.refuse_adjustment(chosen, alone, None, "r", at(minute))
            elif step == "withdraw":
                period.withdraw_adjustment(chosen, alone, "r", at(minute))
            elif step == "add":
                period.add_adjustment(
                    uuid4(), SELLER, Decimal(amount), "r", alone, at(minute), threshold=THRESHOLD
                )
            elif step == "request":
                period.request_approval(alone, at(minute))
            else:
                confirm(period, alone)
        except DomainError:
            pass
    events = new_events(period)

    assert all(abs(a["amount"]) <= THRESHOLD for a in period.own_adjustments())
    assert period.status is PeriodStatus.CLOSED
    replayed = PayPeriod(store_id=STORE, month="2026-05", protection_days=90, occurred_at=MAY)
    replayed.close(known_at=at(1), occurred_at=at(1))
    replayed.collect_events()
    for event in events:
        event.mutate(replayed)
    assert replayed.adjustments == period.adjustments
    assert replayed.proposals == period.proposals
