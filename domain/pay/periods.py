"""Pay periods: one per store (or the group) per month, from provisional pay to payment.

open ──close──▶ closed ──approve──▶ approved ──export──▶ exported ──pay──▶ paid
  ▲               │
  └───reopen──────┘   (never after approval: an approved snapshot is immutable)

A closed period's figures are frozen "as known at" the close (`Closed.known_at`, a record time):
later facts (an unwind, a cancelled F&I product, a late survey) reach pay as chargebacks or
adjustments in a later period, never by changing an approved snapshot.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.pay.errors import (
    BeneficiaryMayNotDecideError,
    DisputeAlreadyResolvedError,
    DisputeNotFoundError,
    NoOpenPeriodError,
    PayPeriodAlreadyExistsError,
    PayPeriodOverlapError,
    ProposalNotPendingError,
    ProposalPendingError,
    SecondPersonRequiredError,
)
from domain.pay.four_eyes import ProposalStatus, needs_confirmation, same_person
from domain.pay.snapshots import PayStatementSnapshot, snapshot_records
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import IllegalTransitionError, InvalidValueError, NotFoundError

PERIOD_NAMESPACE = UUID("0d6a3c1e-5b7e-4f21-8d0c-7e2b9a4f3c55")
PAY_MONTH_NAMESPACE = UUID("6e2d9b14-3a7c-4f58-b1e0-8c5a2f7d3e96")
DEFAULT_PROTECTION_DAYS = 90
MAX_PROTECTION_DAYS = 3660
GROUP_SCOPE = "group"
# How a period's figures are computed (docs/payroll.md, "Pay rule versions"): under rule 1 a
# store period counts its own store's facts alone; under rule 2 a store period counts tiers and
# SPIFF budgets group-wide and pays the parts of its own deliveries. New periods take the latest.
STORE_ALONE_RULE = 1
GROUP_WIDE_RULE = 2
PAY_RULE = GROUP_WIDE_RULE


class PeriodStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    APPROVED = "approved"
    EXPORTED = "exported"
    PAID = "paid"


# Once approved the snapshot is final: these states hold one.
SNAPSHOT_STATES = (PeriodStatus.APPROVED, PeriodStatus.EXPORTED, PeriodStatus.PAID)
# Manual adjustments change the figures, so they are taken only before approval.
ADJUSTABLE_STATES = (PeriodStatus.OPEN, PeriodStatus.CLOSED)


class DisputeStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


def scope_key(store_id: UUID | None) -> str:
    return GROUP_SCOPE if store_id is None else str(store_id)


def period_id(store_id: UUID | None, month: str) -> UUID:
    """The one id of a scope's month: a second period of it is a conflict on save."""
    return uuid5(PERIOD_NAMESPACE, f"{scope_key(store_id)}:{month}")


def _plain(value: Any) -> Any:
    """JSON for what a snapshot may hold besides JSON's own types: money prints canonically
    (500, 500.0 and 500.00 alike), ids and days as text."""
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.0001")).normalize()) if value else "0"
    if isinstance(value, UUID | date | datetime):
        return str(value)
    raise InvalidValueError(f"a snapshot cannot hold {type(value).__name__}")


def snapshot_hash(statements: list[dict[str, Any]], totals: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a snapshot (sorted keys, no spaces, ASCII with \\u
    escapes): equal figures, equal hash. The payroll service writes figures as decimal
    strings, so only the fast C encoder runs; `_plain` covers values of other types."""
    text = json.dumps(
        {"statements": statements, "totals": totals},
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=False,
        default=_plain,
    )
    return hashlib.sha256(text.encode()).hexdigest()


class PayMonth(ShowroomAggregate):
    """The scopes that have a pay period for one month: the group's, or stores' — never both.

    Saved with every period it opens: of a group and a store period racing for one month, one
    save finds the month's version taken and is checked again, so the log itself keeps the
    rule (the periods view, which may lag, is only asked for periods older than this record).
    """

    class Started(ShowroomAggregate.Created):
        month: str
        scopes: list[str]

    class ScopeAdded(ShowroomAggregate.Event):
        scope: str

    @staticmethod
    def create_id(month: str) -> UUID:
        return uuid5(PAY_MONTH_NAMESPACE, month)

    @event(Started)
    def __init__(self, month: str, scopes: list[str], occurred_at: datetime) -> None:
        self.month = month
        self.scopes = list(scopes)

    def add(self, scope: str, occurred_at: datetime) -> None:
        """Record that `scope` (a store id or the group) opens its period of the month."""
        if scope in self.scopes:
            raise PayPeriodAlreadyExistsError(f"the pay period of {scope} for {self.month} exists")
        if (scope == GROUP_SCOPE) != (GROUP_SCOPE in self.scopes) and self.scopes:
            other = "stores" if scope == GROUP_SCOPE else "the group"
            raise PayPeriodOverlapError(f"{self.month} is already paid by the period of {other}")
        self._add(scope=scope, occurred_at=occurred_at)

    @event(ScopeAdded)
    def _add(self, scope: str, occurred_at: datetime) -> None:
        self.scopes = [*self.scopes, scope]


class PayPeriod(ShowroomAggregate):
    """The pay of one store's (or the group's) salespeople for one month."""

    class Opened(ShowroomAggregate.Created):
        """Version 1 events, stored before the pay rule was recorded, were computed under 1."""

        class_version = 2
        store_id: UUID | None
        month: str
        protection_days: int
        pay_rule: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["pay_rule"] = STORE_ALONE_RULE

    class Closed(ShowroomAggregate.Event):
        known_at: datetime

    class Reopened(ShowroomAggregate.Event):
        reason: str

    class Approved(ShowroomAggregate.Event):
        """The snapshot's totals and content hash; its statements are `PayStatementSnapshot`
        records (ids in `statement_ids` order). Version 1 events held the statements."""

        class_version = 2
        statement_ids: list[str]
        totals: dict[str, Any]
        content_hash: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # The statements stay on the old event (and so on the period) as they were stored.
            state["statement_ids"] = [s["salesperson_id"] for s in state["statements"]]

    class Exported(ShowroomAggregate.Event):
        export_id: UUID

    class Paid(ShowroomAggregate.Event):
        reference: str

    class AdjustmentAdded(ShowroomAggregate.Event):
        """An adjustment that counts as entered: at or below the confirmation threshold in
        force (`threshold`, recorded since four eyes; version 1 events had none)."""

        class_version = 2
        adjustment_id: UUID
        salesperson_id: UUID
        amount: Decimal
        reason: str
        approver: str
        # Set when the adjustment settles a dispute of an earlier, already approved period.
        dispute_id: UUID | None
        origin_period_id: UUID | None
        threshold: Decimal | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["threshold"] = None

    # Four eyes (docs/payroll.md): an adjustment above the threshold is proposed by one person
    # and counts only once another (neither its proposer nor its beneficiary) confirms it.
    class AdjustmentProposed(ShowroomAggregate.Event):
        adjustment_id: UUID
        salesperson_id: UUID
        amount: Decimal
        reason: str
        proposer: str
        # The threshold in force when it was proposed: the rule that made it need a second person.
        threshold: Decimal
        dispute_id: UUID | None
        origin_period_id: UUID | None

    class AdjustmentConfirmed(ShowroomAggregate.Event):
        adjustment_id: UUID
        confirmer: str

    class AdjustmentRefused(ShowroomAggregate.Event):
        adjustment_id: UUID
        refuser: str
        reason: str

    class AdjustmentWithdrawn(ShowroomAggregate.Event):
        adjustment_id: UUID
        reason: str

    # Approval in two steps: one person requests it, another confirms, and the snapshot is taken
    # at confirmation (`Approved`). A period approved before has its `Approved` event alone.
    class ApprovalRequested(ShowroomAggregate.Event):
        requester: str

    class ApprovalRefused(ShowroomAggregate.Event):
        refuser: str
        reason: str

    class ApprovalWithdrawn(ShowroomAggregate.Event):
        reason: str

    class DisputeRaised(ShowroomAggregate.Event):
        # The salesperson's reason for questioning a line is their personal data: sealed with
        # their own key (docs/personal-data.md).
        personal_fields: ClassVar[tuple[str, ...]] = ("reason",)
        personal_subject: ClassVar[str] = "salesperson_id"
        personal_subject_kind: ClassVar[str] = "staff"

        dispute_id: UUID
        salesperson_id: UUID
        line_ref: str
        reason: str

    class DisputeResolved(ShowroomAggregate.Event):
        dispute_id: UUID
        resolution: str
        adjustment_amount: Decimal | None
        # This period while it is not approved; else the later period the adjustment went to.
        adjustment_period_id: UUID | None

    @staticmethod
    def create_id(store_id: UUID | None, month: str, **_: Any) -> UUID:
        return period_id(store_id, month)

    @event(Opened)
    def __init__(
        self,
        store_id: UUID | None,
        month: str,
        protection_days: int,
        occurred_at: datetime,
        pay_rule: int = PAY_RULE,
    ) -> None:
        self.store_id, self.month, self.protection_days = store_id, month, protection_days
        self.pay_rule = pay_rule
        self.status = PeriodStatus.OPEN
        self.opened_at = occurred_at
        self.known_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.approved_at: datetime | None = None
        self.approved_by: str | None = None
        # Salespeople of the approved snapshot, in its order (their statements are records of
        # their own: domain/pay/snapshots.py); a period approved before holds them here.
        self.statement_ids: list[str] = []
        self.legacy_statements: list[dict[str, Any]] | None = None
        self.totals: dict[str, Any] = {}
        self.content_hash: str | None = None
        self.export_ids: list[UUID] = []
        self.paid_reference: str | None = None
        self.adjustments: list[dict[str, Any]] = []
        # Every adjustment proposed for confirmation, by id, with its state and who decided.
        self.proposals: dict[UUID, dict[str, Any]] = {}
        # The pending approval request (requester, when), if any; who requested the approval
        # that took the snapshot.
        self.approval_request: dict[str, Any] | None = None
        self.approval_requested_by: str | None = None
        self.disputes: dict[UUID, dict[str, Any]] = {}
        self.reopenings = 0

    @property
    def scope(self) -> str:
        return scope_key(self.store_id)

    @property
    def has_snapshot(self) -> bool:
        return self.status in SNAPSHOT_STATES

    def covers(self, store_id: UUID | None) -> bool:
        """Whether this period pays the salespeople of `store_id`."""
        return self.store_id is None or self.store_id == store_id

    def _ensure(self, action: str, *allowed: PeriodStatus) -> None:
        if self.status not in allowed:
            raise IllegalTransitionError("pay period", self.id, self.status.value, action)

    def ensure_approvable(self) -> None:
        """Refuse (422) unless the period is closed: the service checks this before it computes
        the snapshot, which costs seconds for a group."""
        self._ensure("approve", PeriodStatus.CLOSED)

    def dispute(self, dispute_id: UUID) -> dict[str, Any]:
        """One of the period's disputes (404 when it has none of that id)."""
        found = self.disputes.get(dispute_id)
        if found is None:
            raise DisputeNotFoundError(dispute_id)
        return found

    # --- lifecycle --------------------------------------------------------------------------------

    def close(self, known_at: datetime, occurred_at: datetime) -> None:
        """Freeze the figures as the log knew them at `known_at` (the moment of closing)."""
        self._ensure("close", PeriodStatus.OPEN)
        self._close(known_at=known_at, occurred_at=occurred_at)

    @event(Closed)
    def _close(self, known_at: datetime, occurred_at: datetime) -> None:
        self.status, self.known_at, self.closed_at = PeriodStatus.CLOSED, known_at, occurred_at

    def reopen(self, reason: str, occurred_at: datetime) -> None:
        """Take a closed period back to provisional; an approved one never reopens."""
        self._ensure("reopen", PeriodStatus.CLOSED)
        self._reopen(reason=reason, occurred_at=occurred_at)

    @event(Reopened)
    def _reopen(self, reason: str, occurred_at: datetime) -> None:
        self.status, self.known_at, self.closed_at = PeriodStatus.OPEN, None, None
        self.reopenings += 1
        # Reopening changes the figures: a waiting approval request lapses with it.
        self.approval_request = None

    def request_approval(self, requester: str, occurred_at: datetime) -> None:
        """Ask a second person to approve the closed period (four eyes): nothing is frozen yet,
        the snapshot is taken when another person confirms."""
        self.ensure_approvable()
        if self.approval_request is not None:
            raise ProposalPendingError(
                f"the approval of pay period {self.id} was already requested by"
                f" {self.approval_request['requester']}: it waits for confirmation"
            )
        self._ensure_no_pending_adjustment("request the approval of")
        self._request_approval(requester=requester, occurred_at=occurred_at)

    @event(ApprovalRequested)
    def _request_approval(self, requester: str, occurred_at: datetime) -> None:
        self.approval_request = {"requester": requester, "requested_at": occurred_at}

    def ensure_confirmable(self, confirmer: str) -> None:
        """Refuse unless an approval is waiting and `confirmer` is not who requested it (the
        service checks this before it computes the snapshot, which costs seconds)."""
        if self.status in SNAPSHOT_STATES:
            raise ProposalNotPendingError(f"pay period {self.id} is already approved")
        self.ensure_approvable()
        if self.approval_request is None:
            raise ProposalNotPendingError(
                f"nobody has requested the approval of pay period {self.id}: request it first"
            )
        if same_person(self.approval_request["requester"], confirmer):
            raise SecondPersonRequiredError(
                "you requested this approval: another person must confirm it"
            )
        self._ensure_no_pending_adjustment("approve")

    def refuse_approval(self, refuser: str, reason: str, occurred_at: datetime) -> None:
        """Another person turns the approval request down, with a reason; the period stays
        closed (it can be requested again)."""
        if self.approval_request is None:
            raise ProposalNotPendingError(f"no approval of pay period {self.id} is waiting")
        if same_person(self.approval_request["requester"], refuser):
            raise SecondPersonRequiredError(
                "you requested this approval: withdraw it instead of refusing it"
            )
        self._refuse_approval(refuser=refuser, reason=reason, occurred_at=occurred_at)

    @event(ApprovalRefused)
    def _refuse_approval(self, refuser: str, reason: str, occurred_at: datetime) -> None:
        self.approval_request = None

    def withdraw_approval(self, who: str, reason: str, occurred_at: datetime) -> None:
        """The requester takes the request back."""
        if self.approval_request is None:
            raise ProposalNotPendingError(f"no approval of pay period {self.id} is waiting")
        if not same_person(self.approval_request["requester"], who):
            raise SecondPersonRequiredError("only the requester withdraws a request: refuse it")
        self._withdraw_approval(reason=reason, occurred_at=occurred_at)

    @event(ApprovalWithdrawn)
    def _withdraw_approval(self, reason: str, occurred_at: datetime) -> None:
        self.approval_request = None

    def _ensure_no_pending_adjustment(self, action: str) -> None:
        pending = [p for p in self.proposals.values() if p["status"] == ProposalStatus.PROPOSED]
        if pending:
            raise ProposalPendingError(
                f"cannot {action} pay period {self.id}: {len(pending)} adjustment(s) wait for"
                " confirmation (confirm, refuse or withdraw them first)",
                adjustment_ids=[str(p["adjustment_id"]) for p in pending],
            )

    def approve(
        self,
        statements: list[dict[str, Any]],
        totals: dict[str, Any],
        content_hash: str,
        confirmer: str,
        occurred_at: datetime,
    ) -> list[PayStatementSnapshot]:
        """Confirm the requested approval: record the immutable snapshot of a closed period's
        statements; the records of the statements are returned, to be saved with the period in
        one `app.save`."""
        self.ensure_confirmable(confirmer)
        # The service hashes what it computed (`snapshot_hash`); hashing a group's snapshot
        # again here would cost seconds, so only the hash's shape is checked.
        if not re.fullmatch(r"[0-9a-f]{64}", content_hash):
            raise InvalidValueError("content_hash must be 64 lower-case hex digits")
        records = snapshot_records(self.id, statements, occurred_at)
        self._approve(
            statement_ids=[str(r.salesperson_id) for r in records],
            totals=totals,
            content_hash=content_hash,
            occurred_at=occurred_at,
        )
        return records

    @event(Approved)
    def _approve(
        self,
        statement_ids: list[str],
        totals: dict[str, Any],
        content_hash: str,
        occurred_at: datetime,
        statements: list[dict[str, Any]] | None = None,  # only in version 1 events
    ) -> None:
        self.status, self.approved_at = PeriodStatus.APPROVED, occurred_at
        self.statement_ids, self.totals, self.content_hash = statement_ids, totals, content_hash
        self.legacy_statements = statements
        if self.approval_request is not None:
            self.approval_requested_by = self.approval_request["requester"]
        self.approval_request = None

    def record_export(self, export_id: UUID, occurred_at: datetime) -> None:
        """Note a payout workbook built for payroll; the first one moves the period on."""
        self._ensure("export", *SNAPSHOT_STATES)
        self._record_export(export_id=export_id, occurred_at=occurred_at)

    @event(Exported)
    def _record_export(self, export_id: UUID, occurred_at: datetime) -> None:
        if self.status is PeriodStatus.APPROVED:
            self.status = PeriodStatus.EXPORTED
        self.export_ids = [*self.export_ids, export_id]

    def pay(self, reference: str, occurred_at: datetime) -> None:
        """Record that payroll paid the exported statements (e.g. the bank batch reference)."""
        self._ensure("pay", PeriodStatus.EXPORTED)
        self._pay(reference=reference, occurred_at=occurred_at)

    @event(Paid)
    def _pay(self, reference: str, occurred_at: datetime) -> None:
        self.status, self.paid_reference = PeriodStatus.PAID, reference

    # --- adjustments and disputes -----------------------------------------------------------------

    def add_adjustment(
        self,
        adjustment_id: UUID,
        salesperson_id: UUID,
        amount: Decimal,
        reason: str,
        approver: str,
        occurred_at: datetime,
        dispute_id: UUID | None = None,
        origin_period_id: UUID | None = None,
        threshold: Decimal | None = None,
    ) -> None:
        """A manual plus or minus on a salesperson's statement, before approval only, that
        counts at once: at most `threshold` (in force, recorded on the event) in size."""
        self._check_adjustment(adjustment_id, amount)
        if threshold is not None and needs_confirmation(amount, threshold):
            raise SecondPersonRequiredError(
                f"an adjustment above {threshold} needs a second person: propose it"
            )
        self._add_adjustment(
            adjustment_id=adjustment_id,
            salesperson_id=salesperson_id,
            amount=amount,
            reason=reason,
            approver=approver,
            dispute_id=dispute_id,
            origin_period_id=origin_period_id,
            threshold=threshold,
            occurred_at=occurred_at,
        )

    def _check_adjustment(self, adjustment_id: UUID, amount: Decimal) -> None:
        self._ensure("adjust", *ADJUSTABLE_STATES)
        if amount == 0:
            raise InvalidValueError("an adjustment of zero changes nothing")
        if any(a["adjustment_id"] == adjustment_id for a in self.adjustments) or (
            adjustment_id in self.proposals
        ):
            raise PayPeriodAlreadyExistsError(f"adjustment {adjustment_id} already recorded")

    @event(AdjustmentAdded)
    def _add_adjustment(
        self,
        adjustment_id: UUID,
        salesperson_id: UUID,
        amount: Decimal,
        reason: str,
        approver: str,
        dispute_id: UUID | None,
        origin_period_id: UUID | None,
        occurred_at: datetime,
        threshold: Decimal | None = None,
    ) -> None:
        self.adjustments = [
            *self.adjustments,
            {
                "adjustment_id": adjustment_id,
                "salesperson_id": salesperson_id,
                "amount": amount,
                "reason": reason,
                "approver": approver,
                "dispute_id": dispute_id,
                "origin_period_id": origin_period_id,
                "occurred_at": occurred_at,
            },
        ]

    def propose_adjustment(
        self,
        adjustment_id: UUID,
        salesperson_id: UUID,
        amount: Decimal,
        reason: str,
        proposer: str,
        threshold: Decimal,
        occurred_at: datetime,
        dispute_id: UUID | None = None,
        origin_period_id: UUID | None = None,
    ) -> None:
        """An adjustment above the threshold: recorded, but it counts only once confirmed."""
        self._check_adjustment(adjustment_id, amount)
        if self.approval_request is not None:
            raise ProposalPendingError(
                f"the approval of pay period {self.id} is waiting for confirmation: withdraw"
                " or refuse it before proposing an adjustment"
            )
        self._propose_adjustment(
            adjustment_id=adjustment_id,
            salesperson_id=salesperson_id,
            amount=amount,
            reason=reason,
            proposer=proposer,
            threshold=threshold,
            dispute_id=dispute_id,
            origin_period_id=origin_period_id,
            occurred_at=occurred_at,
        )

    @event(AdjustmentProposed)
    def _propose_adjustment(
        self,
        adjustment_id: UUID,
        salesperson_id: UUID,
        amount: Decimal,
        reason: str,
        proposer: str,
        threshold: Decimal,
        dispute_id: UUID | None,
        origin_period_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.proposals = {
            **self.proposals,
            adjustment_id: {
                "adjustment_id": adjustment_id,
                "salesperson_id": salesperson_id,
                "amount": amount,
                "reason": reason,
                "proposer": proposer,
                "threshold": threshold,
                "dispute_id": dispute_id,
                "origin_period_id": origin_period_id,
                "proposed_at": occurred_at,
                "status": ProposalStatus.PROPOSED,
                "decided_by": None,
                "decided_at": None,
                "decision_reason": None,
            },
        }

    def proposal(self, adjustment_id: UUID) -> dict[str, Any]:
        """One proposed adjustment (404 when the period has none of that id)."""
        found = self.proposals.get(adjustment_id)
        if found is None:
            raise NotFoundError("adjustment proposal", adjustment_id)
        return found

    def _pending(self, adjustment_id: UUID, action: str) -> dict[str, Any]:
        found = self.proposal(adjustment_id)
        if found["status"] != ProposalStatus.PROPOSED:
            raise ProposalNotPendingError(
                f"cannot {action} adjustment {adjustment_id}: it is {found['status']}",
                proposal_status=str(found["status"]),
            )
        return found

    def confirm_adjustment(
        self,
        adjustment_id: UUID,
        confirmer: str,
        confirmer_staff_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        """A second person confirms a proposed adjustment: from now on it counts. Neither its
        proposer nor its beneficiary may."""
        found = self._pending(adjustment_id, "confirm")
        self._ensure("adjust", *ADJUSTABLE_STATES)
        if same_person(found["proposer"], confirmer):
            raise SecondPersonRequiredError(
                "you proposed this adjustment: another person must confirm it"
            )
        if confirmer_staff_id is not None and confirmer_staff_id == found["salesperson_id"]:
            raise BeneficiaryMayNotDecideError("nobody confirms an adjustment of their own pay")
        self._confirm_adjustment(
            adjustment_id=adjustment_id, confirmer=confirmer, occurred_at=occurred_at
        )

    @event(AdjustmentConfirmed)
    def _confirm_adjustment(
        self, adjustment_id: UUID, confirmer: str, occurred_at: datetime
    ) -> None:
        found = self.proposals[adjustment_id]
        self.proposals = {
            **self.proposals,
            adjustment_id: {
                **found,
                "status": ProposalStatus.CONFIRMED,
                "decided_by": confirmer,
                "decided_at": occurred_at,
            },
        }
        # It counts from here: a line of the statement naming the confirmer as its approver.
        self.adjustments = [
            *self.adjustments,
            {
                "adjustment_id": adjustment_id,
                "salesperson_id": found["salesperson_id"],
                "amount": found["amount"],
                "reason": found["reason"],
                "approver": confirmer,
                "proposer": found["proposer"],
                "dispute_id": found["dispute_id"],
                "origin_period_id": found["origin_period_id"],
                "occurred_at": occurred_at,
            },
        ]

    def refuse_adjustment(
        self,
        adjustment_id: UUID,
        refuser: str,
        refuser_staff_id: UUID | None,
        reason: str,
        occurred_at: datetime,
    ) -> None:
        """A second person refuses a proposed adjustment, with a reason: it never counts."""
        found = self._pending(adjustment_id, "refuse")
        if same_person(found["proposer"], refuser):
            raise SecondPersonRequiredError("you proposed this adjustment: withdraw it instead")
        if refuser_staff_id is not None and refuser_staff_id == found["salesperson_id"]:
            raise BeneficiaryMayNotDecideError("nobody decides an adjustment of their own pay")
        self._refuse_adjustment(
            adjustment_id=adjustment_id, refuser=refuser, reason=reason, occurred_at=occurred_at
        )

    @event(AdjustmentRefused)
    def _refuse_adjustment(
        self, adjustment_id: UUID, refuser: str, reason: str, occurred_at: datetime
    ) -> None:
        self._decide(adjustment_id, ProposalStatus.REFUSED, refuser, reason, occurred_at)

    def withdraw_adjustment(
        self, adjustment_id: UUID, who: str, reason: str, occurred_at: datetime
    ) -> None:
        """The proposer takes a proposed adjustment back: it never counts."""
        found = self._pending(adjustment_id, "withdraw")
        if not same_person(found["proposer"], who):
            raise SecondPersonRequiredError("only the proposer withdraws a proposal: refuse it")
        self._withdraw_adjustment(
            adjustment_id=adjustment_id, reason=reason, occurred_at=occurred_at
        )

    @event(AdjustmentWithdrawn)
    def _withdraw_adjustment(self, adjustment_id: UUID, reason: str, occurred_at: datetime) -> None:
        found = self.proposals[adjustment_id]
        self._decide(
            adjustment_id, ProposalStatus.WITHDRAWN, found["proposer"], reason, occurred_at
        )

    def _decide(
        self,
        adjustment_id: UUID,
        status: ProposalStatus,
        who: str,
        reason: str,
        occurred_at: datetime,
    ) -> None:
        self.proposals = {
            **self.proposals,
            adjustment_id: {
                **self.proposals[adjustment_id],
                "status": status,
                "decided_by": who,
                "decided_at": occurred_at,
                "decision_reason": reason,
            },
        }

    @property
    def pending_proposals(self) -> list[dict[str, Any]]:
        """Adjustments proposed and not yet decided, in the order proposed."""
        return [p for p in self.proposals.values() if p["status"] == ProposalStatus.PROPOSED]

    def raise_dispute(
        self,
        dispute_id: UUID,
        salesperson_id: UUID,
        line_ref: str,
        reason: str,
        occurred_at: datetime,
    ) -> None:
        """A salesperson questions a line of their statement once its figures are frozen."""
        self._ensure(
            "dispute a line of",
            PeriodStatus.CLOSED,
            PeriodStatus.APPROVED,
            PeriodStatus.EXPORTED,
            PeriodStatus.PAID,
        )
        if dispute_id in self.disputes:
            raise PayPeriodAlreadyExistsError(f"dispute {dispute_id} already raised")
        self._raise_dispute(
            dispute_id=dispute_id,
            salesperson_id=salesperson_id,
            line_ref=line_ref,
            reason=reason,
            occurred_at=occurred_at,
        )

    @event(DisputeRaised)
    def _raise_dispute(
        self,
        dispute_id: UUID,
        salesperson_id: UUID,
        line_ref: str,
        reason: str,
        occurred_at: datetime,
    ) -> None:
        self.disputes = {
            **self.disputes,
            dispute_id: {
                "dispute_id": dispute_id,
                "salesperson_id": salesperson_id,
                "line_ref": line_ref,
                "reason": reason,
                "status": DisputeStatus.OPEN.value,
                "raised_at": occurred_at,
                "resolution": None,
                "adjustment_amount": None,
                "adjustment_period_id": None,
                "resolved_at": None,
            },
        }

    def resolve_dispute(
        self,
        dispute_id: UUID,
        resolution: str,
        adjustment_amount: Decimal | None,
        adjustment_period_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        """Close a dispute, with or without an adjustment (here, or in a later open period)."""
        dispute = self.dispute(dispute_id)
        if dispute["status"] != DisputeStatus.OPEN.value:
            raise DisputeAlreadyResolvedError(f"dispute {dispute_id} is already resolved")
        if adjustment_amount is not None and adjustment_amount == 0:
            raise InvalidValueError("an adjustment of zero changes nothing: leave it out")
        if adjustment_amount is None:
            adjustment_period_id = None
        elif self.status in ADJUSTABLE_STATES:
            if adjustment_period_id not in (None, self.id):
                raise InvalidValueError("an unapproved period takes its own adjustments")
            adjustment_period_id = self.id
        elif adjustment_period_id is None or adjustment_period_id == self.id:
            raise NoOpenPeriodError("an approved period's adjustment goes to a later period")
        self._resolve_dispute(
            dispute_id=dispute_id,
            resolution=resolution,
            adjustment_amount=adjustment_amount,
            adjustment_period_id=adjustment_period_id,
            occurred_at=occurred_at,
        )

    @event(DisputeResolved)
    def _resolve_dispute(
        self,
        dispute_id: UUID,
        resolution: str,
        adjustment_amount: Decimal | None,
        adjustment_period_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.disputes = {
            **self.disputes,
            dispute_id: {
                **self.disputes[dispute_id],
                "status": DisputeStatus.RESOLVED.value,
                "resolution": resolution,
                "adjustment_amount": adjustment_amount,
                "adjustment_period_id": adjustment_period_id,
                "resolved_at": occurred_at,
            },
        }

    def own_adjustments(self) -> list[dict[str, Any]]:
        """Every manual and dispute adjustment this period pays, in the order recorded."""
        items = [{**a, "kind": "adjustment"} for a in self.adjustments]
        recorded = {a["adjustment_id"] for a in self.adjustments}
        for dispute in self.disputes.values():
            # A dispute settled here is an adjustment event of its own since explain needed
            # one; those settled before that have only the resolution, and are read from it.
            if dispute["adjustment_period_id"] == self.id and dispute["dispute_id"] not in recorded:
                items.append(
                    {
                        "adjustment_id": dispute["dispute_id"],
                        "salesperson_id": dispute["salesperson_id"],
                        "amount": dispute["adjustment_amount"],
                        "reason": dispute["resolution"],
                        "approver": "",
                        "dispute_id": dispute["dispute_id"],
                        "origin_period_id": None,
                        "occurred_at": dispute["resolved_at"],
                        "kind": "dispute",
                    }
                )
        return items
