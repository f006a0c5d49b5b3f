"""Performance service: targets, scorecards and the monthly evaluation of each salesperson.

Who may do what:
- **Targets**: an admin sets any; a store manager sets the own store's and those of the
  salespeople who work there (not the manager's own); nobody else writes them.
- **Scorecards**: an admin creates and versions them (their scores feed pay); everybody reads the
  group's, the staff of a store their store's.
- **Evaluations**: an admin or the manager of the store the salesperson worked at in that month
  computes, comments and approves (never their own); only an admin reopens an approved one.
  A salesperson reads only their own; a manager the store's; group roles all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.app import Showroom, Written
from domain.organisation.model import Staff, Store
from domain.performance.errors import (
    EvaluationApprovedError,
    EvaluationMonthError,
    ScorecardMissingError,
)
from domain.performance.evaluations import Evaluation, EvaluationStatus, evaluation_id_for
from domain.performance.ports import KpiCounters
from domain.performance.scorecards import Scorecard, ScorecardVersion, scorecard_id_for
from domain.performance.targets import TargetScope, TargetSheet, target_scope, target_sheet_id
from domain.shared import months
from domain.shared.access import MANAGERS, SALES_FLOOR, ensure_readable, ensure_role, ensure_store
from domain.shared.actor import Principal, Role, acting_as
from domain.shared.clock import DEFAULT_TIMEZONE, aware, now
from domain.shared.errors import (
    ConflictError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
)


def _ensure_readable(actor: Principal, evaluation: Evaluation) -> None:
    ensure_readable(
        actor, "evaluation", evaluation.id, evaluation.store_id, evaluation.salesperson_id
    )


def _ensure_scorecard_readable(actor: Principal, scorecard: Scorecard) -> None:
    """The group's scorecard is everyone's to read, a store's its staff's and the group's."""
    if not (
        scorecard.store_id is None or actor.reads_everything or actor.store_id == scorecard.store_id
    ):
        raise NotFoundError("scorecard", scorecard.id)


class Performance:
    """Targets, scorecards and monthly evaluations of the sales staff."""

    def __init__(self, app: Showroom, counters: KpiCounters) -> None:
        self.app = app
        self.counters = counters

    # --- targets ----------------------------------------------------------------------------------

    def set_target(
        self,
        actor: Principal,
        scope: str,
        subject_id: UUID | None,
        month: str,
        kpi_id: str,
        kpi_version: int,
        value: Decimal | int | str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Set (or replace) a month's target for a KPI version; the same value again is a no-op."""
        with acting_as(actor):
            sheet = self._target_sheet(actor, scope, subject_id, month, expected_version)
            if sheet is None:
                sheet = TargetSheet.open(scope, subject_id, month, occurred_at=aware(occurred_at))
            sheet.set_target(kpi_id, kpi_version, value, occurred_at=aware(occurred_at))
            return self.app.written(sheet)

    def clear_target(
        self,
        actor: Principal,
        scope: str,
        subject_id: UUID | None,
        month: str,
        kpi_id: str,
        kpi_version: int,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Remove a month's target for a KPI version."""
        with acting_as(actor):
            sheet = self._target_sheet(actor, scope, subject_id, month, expected_version)
            if sheet is None:
                raise NotFoundError("target", f"{kpi_id} v{kpi_version} of {month}")
            sheet.clear_target(kpi_id, kpi_version, occurred_at=aware(occurred_at))
            return self.app.written(sheet)

    def _target_sheet(
        self,
        actor: Principal,
        scope: str,
        subject_id: UUID | None,
        month: str,
        expected_version: int | None,
    ) -> TargetSheet | None:
        """The sheet a writer may change (None when it does not exist yet)."""
        parsed = target_scope(scope, subject_id)
        months.parse(month)
        self._ensure_target_writer(actor, parsed, subject_id)
        sheet_id = target_sheet_id(parsed, subject_id, month)
        if not self.app.exists(sheet_id):
            if expected_version is not None:
                raise StaleVersionError(sheet_id, expected_version, 0)
            return None
        return self.app.load(TargetSheet, sheet_id, "target sheet", expected_version)

    def _ensure_target_writer(
        self, actor: Principal, scope: TargetScope, subject_id: UUID | None
    ) -> None:
        ensure_role(actor, *MANAGERS)
        if scope is TargetScope.GROUP:
            ensure_role(actor, Role.ADMIN)
        elif scope is TargetScope.STORE and subject_id is not None:
            self.app.load(Store, subject_id, "store")
            ensure_store(actor, subject_id)
        elif subject_id is not None:
            staff = self.app.load(Staff, subject_id, "staff")
            ensure_readable(actor, "staff", subject_id, staff.store_id, None)
            if staff.role not in SALES_FLOOR:
                raise InvalidValueError(f"staff {subject_id} is not on the sales floor")
            if actor.role is not Role.ADMIN and actor.staff_id == subject_id:
                raise PermissionDeniedError("your own targets are set by an admin")

    # --- scorecards -------------------------------------------------------------------------------

    def create_scorecard(
        self,
        actor: Principal,
        name: str,
        store_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Create the group's scorecard, or a store's own (admin); versions follow."""
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN)
            if store_id is not None:
                self.app.load(Store, store_id, "store")
            scorecard = Scorecard.create(name, store_id, occurred_at=aware(occurred_at))
            try:
                return self.app.written(scorecard)
            except ConflictError:
                whose = "the group" if store_id is None else f"store {store_id}"
                raise ConflictError(
                    f"{whose} has a scorecard already ({scorecard.id}): publish a new version",
                    id=str(scorecard.id),
                ) from None

    def publish_scorecard_version(
        self,
        actor: Principal,
        scorecard_id: UUID,
        effective_from_month: str,
        items: Iterable[Mapping[str, Any]],
        grades: Iterable[Mapping[str, Any]],
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Publish the next version of a scorecard, applying from a month on (admin)."""
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN)  # before the load: 403 whether the id exists or not
            scorecard = self.app.load(
                Scorecard,
                scorecard_id,
                "scorecard",
                expected_version,
                scope=lambda scorecard: _ensure_scorecard_readable(actor, scorecard),
            )
            scorecard.publish(effective_from_month, items, grades, occurred_at=aware(occurred_at))
            return self.app.written(scorecard)

    def get_scorecard(self, actor: Principal, scorecard_id: UUID) -> Scorecard:
        """A scorecard: the group's is everyone's to read, a store's its staff's and the group's."""
        return self.app.load(
            Scorecard,
            scorecard_id,
            "scorecard",
            scope=lambda scorecard: _ensure_scorecard_readable(actor, scorecard),
        )

    def applicable_scorecard(
        self, store_id: UUID, month: str
    ) -> tuple[Scorecard, ScorecardVersion]:
        """The store's own scorecard version for `month` if it has one, else the group's."""
        for candidate in (scorecard_id_for(store_id), scorecard_id_for(None)):
            if self.app.exists(candidate):
                scorecard = self.app.load(Scorecard, candidate, "scorecard")
                version = scorecard.version_for(month)
                if version is not None:
                    return scorecard, version
        raise ScorecardMissingError(
            f"no scorecard version applies to store {store_id} in {month}: publish one"
        )

    # --- evaluations ------------------------------------------------------------------------------

    def compute_evaluation(
        self,
        actor: Principal,
        salesperson_id: UUID,
        month: str,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Score a salesperson's month from the KPI view and their targets (draft; recomputable
        until approved)."""
        with acting_as(actor):
            wanted = months.parse(month)
            ensure_role(actor, *MANAGERS)
            staff = self.app.load(Staff, salesperson_id, "salesperson")
            store_id = self._store_in(staff, wanted)
            ensure_readable(actor, "salesperson", salesperson_id, store_id, salesperson_id)
            if staff.role not in SALES_FLOOR:
                raise InvalidValueError(f"staff {salesperson_id} is not on the sales floor")
            timezone = self._timezone(store_id)
            if now() < months.start(wanted, timezone):
                raise EvaluationMonthError(f"{wanted} has not begun: nothing to evaluate yet")
            when = aware(occurred_at)
            evaluation_id = evaluation_id_for(salesperson_id, wanted)
            if self.app.exists(evaluation_id):
                evaluation = self.app.load(Evaluation, evaluation_id, "evaluation")
                if evaluation.status is EvaluationStatus.APPROVED:
                    raise EvaluationApprovedError(
                        "evaluation", evaluation_id, evaluation.status.value, "recompute"
                    )
            else:
                evaluation = Evaluation.open(salesperson_id, wanted, occurred_at=when)
            scorecard, version = self.applicable_scorecard(store_id, wanted)
            reading = self.counters.counters(salesperson_id, wanted)
            targets = self._targets_of(salesperson_id, wanted)
            evaluation.compute(store_id, scorecard.id, version, reading, targets, occurred_at=when)
            return self.app.written(evaluation)

    def comment(
        self,
        actor: Principal,
        evaluation_id: UUID,
        comment: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Add the manager's comment to a draft evaluation."""
        with acting_as(actor):
            evaluation = self._writable(actor, evaluation_id, expected_version)
            evaluation.comment(comment, occurred_at=aware(occurred_at))
            return self.app.written(evaluation)

    def approve(
        self,
        actor: Principal,
        evaluation_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Approve a draft evaluation once its month is over; it is then locked."""
        with acting_as(actor):
            evaluation = self._writable(actor, evaluation_id, expected_version)
            if actor.staff_id is not None and actor.staff_id == evaluation.salesperson_id:
                raise PermissionDeniedError("nobody approves their own evaluation")
            if evaluation.store_id is not None:
                over = months.start(
                    months.next_month(evaluation.month), self._timezone(evaluation.store_id)
                )
                if now() < over:
                    raise EvaluationMonthError(
                        f"{evaluation.month} is not over yet at the store: approve after it ends"
                    )
            evaluation.approve(occurred_at=aware(occurred_at))
            return self.app.written(evaluation)

    def reopen(
        self,
        actor: Principal,
        evaluation_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Reopen an approved evaluation so it can be recomputed (admin)."""
        with acting_as(actor):
            evaluation = self._writable(actor, evaluation_id, expected_version, Role.ADMIN)
            evaluation.reopen(reason, occurred_at=aware(occurred_at))
            return self.app.written(evaluation)

    def get(self, actor: Principal, evaluation_id: UUID) -> Evaluation:
        """An evaluation within the actor's scope."""
        return self.app.load(
            Evaluation,
            evaluation_id,
            "evaluation",
            scope=lambda evaluation: _ensure_readable(actor, evaluation),
        )

    def ensure_history_readable(self, actor: Principal, staff_id: UUID) -> None:
        """A salesperson reads only their own history; a manager their store's people's."""
        staff = self.app.load(Staff, staff_id, "staff")
        ensure_readable(actor, "staff", staff_id, staff.store_id, staff_id)

    # --- helpers ----------------------------------------------------------------------------------

    def _writable(
        self,
        actor: Principal,
        evaluation_id: UUID,
        expected_version: int | None,
        *roles: Role,
    ) -> Evaluation:
        # Role before state: a role that may never do this gets 403 whether the id exists or not.
        ensure_role(actor, *(roles or MANAGERS))
        return self.app.load(
            Evaluation,
            evaluation_id,
            "evaluation",
            expected_version,
            scope=lambda evaluation: _ensure_readable(actor, evaluation),
        )

    def _targets_of(self, salesperson_id: UUID, month: str) -> dict[tuple[str, int], Decimal]:
        sheet_id = target_sheet_id(TargetScope.SALESPERSON, salesperson_id, month)
        if not self.app.exists(sheet_id):
            return {}
        return dict(self.app.load(TargetSheet, sheet_id, "target sheet").targets)

    def _timezone(self, store_id: UUID) -> str:
        try:
            return self.app.load(Store, store_id, "store").timezone
        except NotFoundError:
            return DEFAULT_TIMEZONE

    def _store_in(self, staff: Staff, month: str) -> UUID:
        """Where the staff member worked at the end of `month` (business time, group zone).

        A salesperson transferred since is evaluated, and ranked, at the store of that month.
        """
        end = months.start(months.next_month(month), DEFAULT_TIMEZONE)
        store_id = staff.store_id
        for recorded in self.app.repository.event_store.get(staff.id):
            if isinstance(recorded, Staff.Hired):
                store_id = recorded.store_id
            elif isinstance(recorded, Staff.Transferred) and recorded.occurred_at < end:
                store_id = recorded.to_store_id
        return store_id
