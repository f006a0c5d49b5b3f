"""Payroll: pay periods from provisional figures to payment, statements, adjustments, disputes.

Pay is never stored as a balance: a period's statements are computed from the log's facts by the
pure pay engine (`domain.pay.engine`), to which the calculator (`figures.PeriodCalculator`) adds
what the engine does not know about — the period's manual and dispute adjustments, chargebacks of
deals paid in earlier periods and late-survey re-ratings (`domain.pay.chargebacks`) — as lines of
their own (`domain.pay.records`). Approval records the result as an immutable snapshot with a
content hash; `verify` recomputes it from the log and compares. What-if is `what_if.compare`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from domain.app import Showroom, Written
from domain.organisation.model import Staff, Store
from domain.pay.errors import (
    BeneficiaryMayNotDecideError,
    NoOpenPeriodError,
    PayPeriodAlreadyExistsError,
    PayPeriodOrderError,
    PayPeriodOverlapError,
)
from domain.pay.four_eyes import (
    DEFAULT_CONFIRM_ABOVE,
    ProposalStatus,
    needs_confirmation,
    same_person,
)
from domain.pay.periods import (
    DEFAULT_PROTECTION_DAYS,
    MAX_PROTECTION_DAYS,
    SNAPSHOT_STATES,
    PayMonth,
    PayPeriod,
    PeriodStatus,
    period_id,
    scope_key,
)
from domain.pay.ports import PayrollViews
from domain.pay.records import PeriodFigures, differing_statements, expanded, statement_record
from domain.pay.service import what_if
from domain.pay.service.figures import PeriodCalculator, Transient
from domain.pay.service.snapshots import statement_of, statements_of
from domain.pay.statement import Statement
from domain.performance.evaluations import evaluation_id_for
from domain.shared.access import (
    ADJUSTERS,
    APPROVERS,
    EXPORTERS,
    PAY_CONFIRMERS,
    PERIOD_MANAGERS,
    RESOLVERS,
    VERIFIERS,
    ensure_role,
)
from domain.shared.actor import SYSTEM, Principal, Role, acting_as
from domain.shared.clock import DEFAULT_TIMEZONE, aware, business_day, now
from domain.shared.errors import (
    ConflictError,
    IllegalTransitionError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)
from domain.shared.months import parse as parse_month
from domain.shared.values import money, text

ZERO = Decimal("0.00")
# Openings of one month by different scopes race on its PayMonth; each loser checks again.
OPENING_ATTEMPTS = 5


@dataclass(frozen=True)
class Verification:
    period_id: UUID
    equal: bool
    snapshot_hash: str
    recomputed_hash: str
    differences: list[str]


@dataclass(frozen=True)
class AdjustmentWritten(Written):
    """An adjustment entered (`confirmed`: it counts) or proposed (it waits for a second
    person)."""

    adjustment_id: UUID
    status: ProposalStatus


@dataclass(frozen=True)
class Waiting:
    """Something proposed by one person that waits for another's confirmation."""

    kind: str  # "approval" or "adjustment"
    period_id: UUID
    month: str
    store_id: UUID | None
    proposer: str
    proposed_at: datetime
    mine: bool
    adjustment_id: UUID | None = None
    salesperson_id: UUID | None = None
    amount: Decimal | None = None
    reason: str | None = None
    threshold: Decimal | None = None


@dataclass(frozen=True)
class ProvisionalPay:
    """A salesperson's pay to date in the current month."""

    salesperson_id: UUID
    month: str
    period_id: UUID | None
    period_status: str | None
    statement: dict[str, Any]


class Payroll:
    """Pay periods, statements, adjustments, disputes, recompute and what-if."""

    def __init__(
        self,
        app: Showroom,
        views: PayrollViews,
        clock: Callable[[], datetime] = now,
        confirm_above: Decimal = DEFAULT_CONFIRM_ABOVE,
    ) -> None:
        self.app, self.views, self.clock = app, views, clock
        # Adjustments larger than this (absolute, CNY) need a second person (four eyes); the
        # threshold in force is recorded on every adjustment event.
        self.confirm_above = money(confirm_above, field="confirm_above")
        self.calculator = PeriodCalculator(app, views, lambda: self.clock())

    # --- lifecycle --------------------------------------------------------------------------------

    def open_period(
        self,
        actor: Principal,
        store_id: UUID | None,
        month: str,
        protection_days: int = DEFAULT_PROTECTION_DAYS,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Open a store's (or the group's) pay period for a month."""
        with acting_as(actor):
            self._ensure_manager(actor, store_id)
            the_month = parse_month(month)
            if not 0 <= protection_days <= MAX_PROTECTION_DAYS:
                raise InvalidValueError(
                    f"protection_days must be between 0 and {MAX_PROTECTION_DAYS}"
                )
            if store_id is not None:
                self.app.load(Store, store_id, "store")
            self.views.settle()
            when = aware(occurred_at)
            for _ in range(OPENING_ATTEMPTS):
                self._check_opening(store_id, the_month)
                pay_month = self._pay_month(the_month, when)
                pay_month.add(scope_key(store_id), occurred_at=when)
                period = PayPeriod(
                    store_id=store_id,
                    month=the_month,
                    protection_days=protection_days,
                    occurred_at=when,
                )
                try:
                    return self.app.written(period, pay_month)
                except ConflictError:
                    if self.app.exists(period.id):
                        raise PayPeriodAlreadyExistsError(
                            f"the pay period of {period.scope} for {the_month} already exists"
                        ) from None
                    # Another scope opened the month meanwhile: check again against the log.
            raise ConflictError(f"{the_month} is being opened by others: retry")

    def _pay_month(self, month: str, when: datetime) -> PayMonth:
        """The month's record of scopes; started from the periods view for periods older
        than such records (the view is settled first)."""
        month_id = PayMonth.create_id(month)
        if self.app.exists(month_id):
            return self.app.load(PayMonth, month_id, "pay month")
        scopes = [scope_key(p.store_id) for p in self.views.periods() if p.month == month]
        return PayMonth(month=month, scopes=sorted(scopes), occurred_at=when)

    def _check_opening(self, store_id: UUID | None, month: str) -> None:
        for other in self.views.periods():
            if not other.covers(store_id) or other.store_id == store_id:
                continue
            if other.month == month:
                raise PayPeriodOverlapError(
                    f"{month} is already paid by the period of {other.store_id or 'the group'}"
                )
        for other in self.views.periods():
            if (
                other.covers(store_id)
                and other.month > month
                and other.status in {s.value for s in SNAPSHOT_STATES}
            ):
                raise PayPeriodOrderError(
                    f"the period of {other.month} is already approved: {month} cannot open now"
                )

    def close_period(
        self,
        actor: Principal,
        period_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Freeze the figures as the log knows them now."""
        with acting_as(actor):
            period = self._writable(actor, period_id, PERIOD_MANAGERS, expected_version)
            known_at = self.clock()
            period.close(known_at=known_at, occurred_at=aware(occurred_at))
            return self.app.written(period)

    def reopen_period(
        self,
        actor: Principal,
        period_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Make a closed (not approved) period provisional again."""
        with acting_as(actor):
            period = self._writable(actor, period_id, PERIOD_MANAGERS, expected_version)
            period.reopen(text(reason, "reason", max_length=500), occurred_at=aware(occurred_at))
            return self.app.written(period)

    def request_approval(
        self,
        actor: Principal,
        period_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Ask a second person to approve a closed period (finance); nothing is frozen yet."""
        with acting_as(actor):
            period = self._writable(actor, period_id, APPROVERS, expected_version)
            period.ensure_approvable()
            self.views.settle()
            self._check_order(period)
            period.request_approval(_name(actor), occurred_at=aware(occurred_at))
            return self.app.written(period)

    def confirm_approval(
        self,
        actor: Principal,
        period_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Confirm a requested approval (finance, admin; not the requester, not anyone paid in
        the period): records the immutable snapshot and its content hash."""
        with acting_as(actor):
            period = self._writable(actor, period_id, PAY_CONFIRMERS, expected_version)
            period.ensure_confirmable(_name(actor))
            self.views.settle()
            self._check_order(period)
            figures = self.calculator.compute(period, hashed=True)
            if actor.staff_id is not None and any(
                s["salesperson_id"] == str(actor.staff_id) for s in figures.statements
            ):
                raise BeneficiaryMayNotDecideError(
                    "you are paid in this period: another person must confirm its approval"
                )
            records = period.approve(
                figures.statements,
                figures.totals,
                figures.content_hash,
                confirmer=_name(actor),
                occurred_at=aware(occurred_at),
            )
            return self.app.written(period, *records)

    def refuse_approval(
        self,
        actor: Principal,
        period_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Turn a requested approval down, with a reason (finance, admin; not the requester)."""
        with acting_as(actor):
            period = self._writable(actor, period_id, PAY_CONFIRMERS, expected_version)
            period.refuse_approval(
                _name(actor), text(reason, "reason", max_length=500), aware(occurred_at)
            )
            return self.app.written(period)

    def withdraw_approval(
        self,
        actor: Principal,
        period_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """The requester takes an approval request back."""
        with acting_as(actor):
            period = self._writable(actor, period_id, APPROVERS, expected_version)
            period.withdraw_approval(
                _name(actor), text(reason, "reason", max_length=500), aware(occurred_at)
            )
            return self.app.written(period)

    def _check_order(self, period: PayPeriod) -> None:
        earlier = [
            p
            for p in self.views.periods()
            if p.period_id != period.id
            and p.month < period.month
            and p.covers(period.store_id)
            and p.status not in {s.value for s in SNAPSHOT_STATES}
        ]
        if earlier:
            first = min(earlier, key=lambda p: p.month)
            raise PayPeriodOrderError(
                f"approve the period of {first.month} ({first.store_id or 'group'}) first"
            )

    def record_export(self, period_id: UUID, export_id: UUID) -> Written | None:
        """Note a finished payout workbook on the period (the export worker; idempotent)."""
        with acting_as(SYSTEM):
            period = self.app.load(PayPeriod, period_id, "pay period")
            if export_id in period.export_ids:
                return None
            period.record_export(export_id, occurred_at=aware(None))
            return self.app.written(period)

    def record_payment(
        self,
        actor: Principal,
        period_id: UUID,
        reference: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record that payroll paid the exported period (finance)."""
        with acting_as(actor):
            period = self._writable(actor, period_id, APPROVERS, expected_version)
            period.pay(text(reference, "reference", max_length=100), occurred_at=aware(occurred_at))
            return self.app.written(period)

    # --- adjustments and disputes -----------------------------------------------------------------

    def add_adjustment(
        self,
        actor: Principal,
        period_id: UUID,
        salesperson_id: UUID,
        amount: Decimal | int | str,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
        adjustment_id: UUID | None = None,
    ) -> AdjustmentWritten:
        """A manual plus or minus on a statement (finance, the store's manager), before
        approval; never for oneself. Above the threshold it is proposed, and counts once a
        second person confirms it."""
        with acting_as(actor):
            period = self._writable(actor, period_id, ADJUSTERS, expected_version)
            staff = self.app.load(Staff, salesperson_id, "staff")
            if not period.covers(staff.store_id) and actor.role is Role.STORE_MANAGER:
                raise NotFoundError("staff", salesperson_id)
            if actor.staff_id is not None and actor.staff_id == salesperson_id:
                raise BeneficiaryMayNotDecideError("nobody adjusts their own pay")
            the_amount = money(amount, allow_negative=True)
            the_id = adjustment_id or uuid4()
            words = text(reason, "reason", max_length=500)
            proposed = needs_confirmation(the_amount, self.confirm_above)
            if proposed:
                period.propose_adjustment(
                    adjustment_id=the_id,
                    salesperson_id=salesperson_id,
                    amount=the_amount,
                    reason=words,
                    proposer=_name(actor),
                    threshold=self.confirm_above,
                    occurred_at=aware(occurred_at),
                )
            else:
                period.add_adjustment(
                    adjustment_id=the_id,
                    salesperson_id=salesperson_id,
                    amount=the_amount,
                    reason=words,
                    approver=_name(actor),
                    threshold=self.confirm_above,
                    occurred_at=aware(occurred_at),
                )
            written = self.app.written(period)
            return AdjustmentWritten(
                id=written.id,
                version=written.version,
                position=written.position,
                adjustment_id=the_id,
                status=ProposalStatus.PROPOSED if proposed else ProposalStatus.CONFIRMED,
            )

    def confirm_adjustment(
        self,
        actor: Principal,
        period_id: UUID,
        adjustment_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Confirm a proposed adjustment (finance, admin; neither its proposer nor the one it
        pays): from now on it counts."""
        with acting_as(actor):
            period = self._writable(actor, period_id, PAY_CONFIRMERS, expected_version)
            period.confirm_adjustment(
                adjustment_id, _name(actor), actor.staff_id, occurred_at=aware(occurred_at)
            )
            return self.app.written(period)

    def refuse_adjustment(
        self,
        actor: Principal,
        period_id: UUID,
        adjustment_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Refuse a proposed adjustment with a reason (finance, admin; not its proposer)."""
        with acting_as(actor):
            period = self._writable(actor, period_id, PAY_CONFIRMERS, expected_version)
            period.refuse_adjustment(
                adjustment_id,
                _name(actor),
                actor.staff_id,
                text(reason, "reason", max_length=500),
                occurred_at=aware(occurred_at),
            )
            return self.app.written(period)

    def withdraw_adjustment(
        self,
        actor: Principal,
        period_id: UUID,
        adjustment_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """The proposer takes a proposed adjustment back (it never counts)."""
        with acting_as(actor):
            period = self._writable(actor, period_id, ADJUSTERS, expected_version)
            period.withdraw_adjustment(
                adjustment_id,
                _name(actor),
                text(reason, "reason", max_length=500),
                occurred_at=aware(occurred_at),
            )
            return self.app.written(period)

    def waiting(self, actor: Principal) -> list[Waiting]:
        """What waits for a second person in the periods not yet approved, in the actor's
        scope: approval requests and proposed adjustments. `mine` marks what the actor
        proposed (it waits for someone else); the rest waits for the actor, if they may
        confirm pay."""
        found: list[Waiting] = []
        self.views.settle()
        for ref in sorted(self.views.periods(), key=lambda p: (p.month, str(p.period_id))):
            if ref.status not in (PeriodStatus.OPEN.value, PeriodStatus.CLOSED.value):
                continue
            try:
                period = self._visible(actor, ref.period_id)
            except NotFoundError:
                continue
            request = period.approval_request
            if request is not None and self.sees_whole(actor, period):
                found.append(
                    Waiting(
                        kind="approval",
                        period_id=period.id,
                        month=period.month,
                        store_id=period.store_id,
                        proposer=request["requester"],
                        proposed_at=request["requested_at"],
                        mine=same_person(request["requester"], _name(actor)),
                    )
                )
            for item in period.pending_proposals:
                if not self._sees_person(actor, period, item):
                    continue
                found.append(
                    Waiting(
                        kind="adjustment",
                        period_id=period.id,
                        month=period.month,
                        store_id=period.store_id,
                        proposer=item["proposer"],
                        proposed_at=item["proposed_at"],
                        mine=same_person(item["proposer"], _name(actor)),
                        adjustment_id=item["adjustment_id"],
                        salesperson_id=item["salesperson_id"],
                        amount=item["amount"],
                        reason=item["reason"],
                        threshold=item["threshold"],
                    )
                )
        return found

    def raise_dispute(
        self,
        actor: Principal,
        period_id: UUID,
        line: int,
        reason: str,
        occurred_at: datetime | None = None,
        dispute_id: UUID | None = None,
    ) -> Written:
        """A salesperson disputes a line of their own statement (once its figures are frozen)."""
        with acting_as(actor):
            ensure_role(actor, Role.SALESPERSON)
            period = self._visible(actor, period_id)
            if actor.staff_id is None:
                raise PermissionDeniedError("this login is not tied to a salesperson")
            record = self.statement(actor, period_id, actor.staff_id)
            if not 1 <= line <= len(record["lines"]):
                raise NotFoundError("statement line", f"{period_id}/{actor.staff_id}/{line}")
            period.raise_dispute(
                dispute_id=dispute_id or uuid4(),
                salesperson_id=actor.staff_id,
                line_ref=str(line),
                reason=text(reason, "reason", max_length=1000, multiline=True),
                occurred_at=aware(occurred_at),
            )
            return self.app.written(period)

    def resolve_dispute(
        self,
        actor: Principal,
        period_id: UUID,
        dispute_id: UUID,
        resolution: str,
        adjustment_amount: Decimal | int | str | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Resolve a dispute (the store's manager, finance), with or without an adjustment.

        The adjustment (an `AdjustmentAdded` linked to the dispute) lands in this period while it
        is not approved; else in the next period covering the salesperson's store that is not
        approved yet (which must exist)."""
        with acting_as(actor):
            ensure_role(actor, *RESOLVERS)
            period = self._visible(actor, period_id)
            dispute = period.dispute(dispute_id)
            if actor.role is Role.STORE_MANAGER:
                seller = self.app.load(Staff, dispute["salesperson_id"], "staff")
                if seller.store_id != actor.store_id:
                    raise PermissionDeniedError("the salesperson works at another store")
            amount = (
                None
                if adjustment_amount is None
                else money(adjustment_amount, field="adjustment_amount", allow_negative=True)
            )
            when = aware(occurred_at)
            words = text(resolution, "resolution", max_length=1000, multiline=True)
            later: PayPeriod | None = None
            if amount is not None and period.has_snapshot:
                later = self._next_open(period, dispute["salesperson_id"])
            period.resolve_dispute(
                dispute_id,
                words,
                amount,
                None if later is None else later.id,
                occurred_at=when,
            )
            if amount is None:
                return self.app.written(period)
            # The adjustment is an event of the period that pays it, here or later, naming the
            # approver and the disputed line (explain finds it, and the dispute's own events).
            taker = period if later is None else later
            reason = f"dispute of {period.month} line {dispute['line_ref']}: {words}"
            if needs_confirmation(amount, self.confirm_above):
                # Four eyes: a large settlement counts once a second person confirms it.
                taker.propose_adjustment(
                    adjustment_id=dispute_id,
                    salesperson_id=dispute["salesperson_id"],
                    amount=amount,
                    reason=reason,
                    proposer=_name(actor),
                    threshold=self.confirm_above,
                    occurred_at=when,
                    dispute_id=dispute_id,
                    origin_period_id=period.id,
                )
            else:
                taker.add_adjustment(
                    adjustment_id=dispute_id,
                    salesperson_id=dispute["salesperson_id"],
                    amount=amount,
                    reason=reason,
                    approver=_name(actor),
                    occurred_at=when,
                    dispute_id=dispute_id,
                    origin_period_id=period.id,
                    threshold=self.confirm_above,
                )
            return self.app.written(period) if later is None else self.app.written(period, later)

    def _next_open(self, period: PayPeriod, salesperson_id: UUID) -> PayPeriod:
        self.views.settle()
        staff = self.app.load(Staff, salesperson_id, "staff")
        candidates = sorted(
            (
                p
                for p in self.views.periods()
                if p.month > period.month
                and p.covers(period.store_id or staff.store_id)
                and p.status in (PeriodStatus.OPEN.value, PeriodStatus.CLOSED.value)
            ),
            key=lambda p: p.month,
        )
        if not candidates:
            raise NoOpenPeriodError(
                f"open the pay period after {period.month} first: the adjustment goes there"
            )
        return self.app.load(PayPeriod, candidates[0].period_id, "pay period")

    # --- reads ------------------------------------------------------------------------------------

    def get_period(self, actor: Principal, period_id: UUID) -> PayPeriod:
        """A period, seen by anyone whose store it covers (and group-wide readers)."""
        return self._visible(actor, period_id)

    def sees_whole(self, actor: Principal, period: PayPeriod) -> bool:
        """Whether the actor may see every statement (and so the totals) of the period."""
        if actor.reads_everything:
            return True
        return actor.role is Role.STORE_MANAGER and period.store_id == actor.store_id

    def figures(self, period: PayPeriod) -> PeriodFigures:
        """The period's statements: the snapshot once approved, else computed now."""
        if period.has_snapshot:
            assert period.content_hash is not None
            return PeriodFigures(
                statements_of(self.app, period), period.totals, period.content_hash, period.known_at
            )
        return self.calculator.compute(period)

    def totals(self, period: PayPeriod) -> dict[str, Any]:
        """The period's totals: the snapshot's once approved (kept on the period, no statement
        read), else computed now."""
        return period.totals if period.has_snapshot else self.calculator.compute(period).totals

    def statements(
        self, actor: Principal, period_id: UUID, store_id: UUID | None = None
    ) -> tuple[PayPeriod, list[dict[str, Any]], dict[str, Any] | None]:
        """The statements the actor may see (all, the store's, or their own) and, for those who
        see the whole period, its totals."""
        period = self._visible(actor, period_id)
        figures = self.figures(period)
        records, totals = figures.statements, figures.totals
        visible = [r for r in records if self._may_read(actor, period, r)]
        if store_id is not None:
            visible = [r for r in visible if r["store_id"] == str(store_id)]
        return period, visible, totals if self.sees_whole(actor, period) else None

    def statement(self, actor: Principal, period_id: UUID, salesperson_id: UUID) -> dict[str, Any]:
        """One salesperson's statement in the period (404 outside the actor's scope)."""
        period = self._visible(actor, period_id)
        if actor.role is Role.SALESPERSON and actor.staff_id != salesperson_id:
            raise NotFoundError("statement", f"{period_id}/{salesperson_id}")
        record = (
            statement_of(self.app, period, salesperson_id)
            if period.has_snapshot
            else self.figures(period).statement(salesperson_id)
        )
        if record is None or not self._may_read(actor, period, record):
            raise NotFoundError("statement", f"{period_id}/{salesperson_id}")
        return expanded(record)

    def line(
        self, actor: Principal, period_id: UUID, salesperson_id: UUID, n: int
    ) -> tuple[PayPeriod, dict[str, Any], dict[str, Any]]:
        """One line of a statement, with its statement."""
        period = self._visible(actor, period_id)
        record = self.statement(actor, period_id, salesperson_id)
        if not 1 <= n <= len(record["lines"]):
            raise NotFoundError("statement line", f"{period_id}/{salesperson_id}/{n}")
        return period, record, record["lines"][n - 1]

    def sources_of(
        self, period: PayPeriod, salesperson_id: UUID, line: Mapping[str, Any]
    ) -> list[tuple[str, UUID]]:
        """The records whose events explain a line: its deals, the evaluation behind a scorecard
        bonus; for an adjustment the period that pays it (its `AdjustmentAdded`) and, for a
        dispute's, the disputed period (the dispute raised and resolved)."""
        found: list[tuple[str, UUID]] = [("deal", UUID(d)) for d in line["source_deal_ids"]]
        if line["component_type"] == "scorecard_bonus":
            found.append(("evaluation", evaluation_id_for(salesperson_id, period.month)))
        if line["component_type"] == "adjustment":
            found.append(("pay period", period.id))
            origin = line["inputs"].get("origin_period_id")
            if origin and UUID(origin) != period.id:
                found.append(("pay period", UUID(origin)))
        if line["component_type"] == "late_survey":
            found.extend(("survey", UUID(s)) for s in line["inputs"]["survey_ids"])
        return found

    def visible_adjustments(self, actor: Principal, period: PayPeriod) -> list[dict[str, Any]]:
        """The period's manual adjustments the actor may see."""
        return [a for a in period.adjustments if self._sees_person(actor, period, a)]

    def visible_proposals(self, actor: Principal, period: PayPeriod) -> list[dict[str, Any]]:
        """The period's proposed adjustments (any state) the actor may see."""
        return [p for p in period.proposals.values() if self._sees_person(actor, period, p)]

    def visible_disputes(self, actor: Principal, period: PayPeriod) -> list[dict[str, Any]]:
        """The period's disputes the actor may see."""
        return [d for d in period.disputes.values() if self._sees_person(actor, period, d)]

    def _sees_person(self, actor: Principal, period: PayPeriod, item: Mapping[str, Any]) -> bool:
        person = item["salesperson_id"]
        if self.sees_whole(actor, period):
            return True
        if actor.role is Role.SALESPERSON:
            return bool(person == actor.staff_id)
        if actor.role is Role.STORE_MANAGER:
            try:
                staff = self.app.load(Staff, person, "staff")
            except NotFoundError:
                return False
            return bool(staff.store_id == actor.store_id)
        return False

    def exportable(self, actor: Principal, period_id: UUID) -> PayPeriod:
        """An approved period whose payouts the actor may export (those who see it whole)."""
        # Auditors read and verify but change nothing: an export moves the period on.
        ensure_role(actor, *EXPORTERS)
        period = self._visible(actor, period_id)
        if not self.sees_whole(actor, period):
            raise PermissionDeniedError("exporting payouts needs the whole period in scope")
        if not period.has_snapshot:
            raise IllegalTransitionError(
                "pay period", period.id, period.status.value, "export the payouts of"
            )
        return period

    def verify(self, actor: Principal, period_id: UUID) -> Verification:
        """Recompute an approved period from the log and compare it with its snapshot."""
        ensure_role(actor, *VERIFIERS)
        period = self._visible(actor, period_id)
        if not period.has_snapshot or period.content_hash is None:
            raise InvalidValueError(f"pay period {period_id} has no approved snapshot yet")
        self.views.settle()
        figures = self.calculator.compute(period, hashed=True)
        differences = differing_statements(statements_of(self.app, period), figures.statements)
        return Verification(
            period_id=period.id,
            equal=figures.content_hash == period.content_hash,
            snapshot_hash=period.content_hash,
            recomputed_hash=figures.content_hash,
            differences=differences,
        )

    def provisional(self, actor: Principal, month: str | None = None) -> ProvisionalPay:
        """A salesperson's own pay to date this month, with tier progress."""
        ensure_role(actor, Role.SALESPERSON)
        if actor.staff_id is None or actor.store_id is None:
            raise PermissionDeniedError("this login is not tied to a salesperson")
        store = self.app.load(Store, actor.store_id, "store")
        the_month = (
            parse_month(month)
            if month
            else business_day(self.clock(), store.timezone or DEFAULT_TIMEZONE).strftime("%Y-%m")
        )
        period: PayPeriod | None = None
        for candidate in (period_id(actor.store_id, the_month), period_id(None, the_month)):
            try:
                period = self.app.load(PayPeriod, candidate, "pay period")
                break
            except NotFoundError:
                continue
        if period is not None:
            figures = self.figures(period)
            record = figures.statement(actor.staff_id)
        else:
            transient = Transient(actor.store_id, the_month)
            record = self.calculator.compute(transient).statement(actor.staff_id)
        if record is None:
            record = statement_record(
                Statement(
                    actor.staff_id, the_month, None, None, (), ZERO, ZERO, Decimal(0), ZERO, ZERO
                ),
                actor.store_id,
                None,
                (),
                (),
            )
        return ProvisionalPay(
            salesperson_id=actor.staff_id,
            month=the_month,
            period_id=None if period is None else period.id,
            period_status=None if period is None else period.status.value,
            statement=expanded(record),
        )

    # --- what-if ----------------------------------------------------------------------------------

    def what_if(
        self,
        actor: Principal,
        period_id: UUID,
        components: Sequence[Mapping[str, Any]] | None = None,
        tiers: Sequence[Mapping[str, Any]] | None = None,
        tier_component: str | None = None,
        staff_ids: Sequence[UUID] | None = None,
    ) -> dict[str, Any]:
        """Old and new pay side by side under a draft plan or a changed tier table; nothing is
        written. The draft applies to everyone in the period, or only to `staff_ids`."""
        if actor.role is Role.SALESPERSON:  # never sees a whole period: 403 before any load
            raise PermissionDeniedError("a what-if shows everyone's pay: it needs the whole period")
        period = self._visible(actor, period_id)
        if not self.sees_whole(actor, period):
            raise PermissionDeniedError("a what-if shows everyone's pay: it needs the whole period")
        return what_if.compare(
            period.id,
            period.month,
            self.calculator.inputs(period),
            self.figures(period),
            components,
            tiers,
            tier_component,
            staff_ids,
        )

    # --- access -----------------------------------------------------------------------------------

    def _ensure_manager(self, actor: Principal, store_id: UUID | None) -> None:
        ensure_role(actor, *PERIOD_MANAGERS, *ADJUSTERS)
        if actor.role is Role.STORE_MANAGER and (store_id is None or store_id != actor.store_id):
            raise PermissionDeniedError("a store manager manages the own store's pay periods only")

    def _visible(self, actor: Principal, period_id: UUID) -> PayPeriod:
        period = self.app.load(PayPeriod, period_id, "pay period")
        if actor.reads_everything:
            return period
        floor = actor.role in (Role.STORE_MANAGER, Role.SALESPERSON)
        if floor and actor.store_id is not None and period.covers(actor.store_id):
            return period
        raise NotFoundError("pay period", period_id)

    def _writable(
        self,
        actor: Principal,
        period_id: UUID,
        roles: Sequence[Role],
        expected_version: int | None,
    ) -> PayPeriod:
        # Role before state: a role that may never do this gets 403 whether the id exists or not.
        ensure_role(actor, *roles)
        period = self.app.at_version(self._visible(actor, period_id), expected_version)
        if actor.role is Role.STORE_MANAGER and period.store_id != actor.store_id:
            raise PermissionDeniedError("a store manager manages the own store's pay periods only")
        return period

    def _may_read(self, actor: Principal, period: PayPeriod, record: Mapping[str, Any]) -> bool:
        if actor.reads_everything:
            return True
        if actor.role is Role.SALESPERSON:
            return actor.staff_id is not None and record["salesperson_id"] == str(actor.staff_id)
        if actor.role is Role.STORE_MANAGER:
            if period.store_id is not None:
                return period.store_id == actor.store_id
            return bool(record["store_id"] == str(actor.store_id))
        return False


def _name(actor: Principal) -> str:
    """How a person is recorded on pay events: the login's name (unique, so comparable)."""
    return actor.username or actor.user_id
