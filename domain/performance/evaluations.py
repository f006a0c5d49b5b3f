"""Monthly evaluations: one per salesperson and month, scored against the applicable scorecard.

`Computed` records every input used — the scorecard version's items and grade table, the base
counters read from the KPI view with the log position they reflect, each target — and every
intermediate figure, so an evaluation explains itself and recomputing it from its own event
gives the same score. A draft may be recomputed (counters change as late facts arrive) and
commented on; approval locks it (no recompute, no comment) until an admin reopens it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.performance import kpis, scoring
from domain.performance.errors import EvaluationApprovedError
from domain.performance.ports import CounterReading
from domain.performance.scorecards import ScorecardVersion
from domain.shared import months
from domain.shared.actor import current_actor
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import IllegalTransitionError
from domain.shared.values import text

EVALUATION_NAMESPACE = UUID("a4c1e7b2-6d3f-4e8a-9b0c-7f2e1d3c4b5a")


def evaluation_id_for(salesperson_id: UUID, month: str) -> UUID:
    """The id of a salesperson's evaluation of a month (one each)."""
    return uuid5(EVALUATION_NAMESPACE, f"{salesperson_id}:{month}")


class EvaluationStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"


@dataclass(frozen=True)
class Comment:
    comment: str
    actor: str
    at: datetime


def score_inputs(
    version: ScorecardVersion,
    counters: Mapping[str, Decimal | None],
    targets: Mapping[tuple[str, int], Decimal],
) -> list[scoring.ItemInput]:
    """The scoring inputs of a scorecard version: each KPI's actual and target."""
    return [
        scoring.ItemInput(
            kpi_id=item.kpi_id,
            kpi_version=item.kpi_version,
            weight=item.weight,
            cap_percent=item.cap_percent,
            direction=item.kpi.direction,
            actual=kpis.kpi_value(item.kpi_id, item.kpi_version, counters),
            target=targets.get((item.kpi_id, item.kpi_version)),
        )
        for item in version.items
    ]


class Evaluation(ShowroomAggregate):
    """A salesperson's month: score, grade, the manager's comments, approval."""

    class Opened(ShowroomAggregate.Created):
        salesperson_id: UUID
        month: str

    class Computed(ShowroomAggregate.Event):
        store_id: UUID
        scorecard_id: UUID
        scorecard_version: int
        items: list[dict[str, Any]]
        grades: list[dict[str, Any]]
        counters: dict[str, Decimal | None]
        counters_position: int
        score: Decimal
        grade: str

    class Commented(ShowroomAggregate.Event):
        # The comment is the evaluated salesperson's personal data: the event store's mapper
        # seals it with their own key (`audit/personal.py`, docs/personal-data.md).
        personal_fields: ClassVar[tuple[str, ...]] = ("comment",)
        personal_subject: ClassVar[str] = "salesperson_id"
        personal_subject_kind: ClassVar[str] = "staff"
        class_version = 2

        comment: str
        salesperson_id: UUID | None  # whose key seals the comment (None: stored before v2)

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["salesperson_id"] = None

    class Approved(ShowroomAggregate.Event):
        pass

    class Reopened(ShowroomAggregate.Event):
        # Why an approved evaluation was reopened is about the evaluated salesperson: sealed
        # with their key (v2 names them; v1 events, stored in clear, upcast with None).
        personal_fields: ClassVar[tuple[str, ...]] = ("reason",)
        personal_subject: ClassVar[str] = "salesperson_id"
        personal_subject_kind: ClassVar[str] = "staff"
        class_version = 2

        reason: str
        salesperson_id: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["salesperson_id"] = None

    @staticmethod
    def create_id(salesperson_id: UUID, month: str) -> UUID:
        return evaluation_id_for(salesperson_id, month)

    @classmethod
    def open(cls, salesperson_id: UUID, month: str, occurred_at: datetime) -> Evaluation:
        return cls(
            salesperson_id=salesperson_id, month=months.parse(month), occurred_at=occurred_at
        )

    @event(Opened)
    def __init__(self, salesperson_id: UUID, month: str, occurred_at: datetime) -> None:
        self.salesperson_id, self.month = salesperson_id, month
        self.status = EvaluationStatus.DRAFT
        self.store_id: UUID | None = None
        self.scorecard_id: UUID | None = None
        self.scorecard_version: int | None = None
        self.items: list[dict[str, Any]] = []
        self.grades: list[dict[str, Any]] = []
        self.counters: dict[str, Decimal | None] = {}
        self.counters_position = 0
        self.score: Decimal | None = None
        self.grade: str | None = None
        self.computed_at: datetime | None = None
        self.comments: list[Comment] = []
        self.approved_at: datetime | None = None
        self.approved_by: str | None = None
        self.reopen_reason: str | None = None

    # --- computing --------------------------------------------------------------------------------

    def compute(
        self,
        store_id: UUID,
        scorecard_id: UUID,
        version: ScorecardVersion,
        reading: CounterReading,
        targets: Mapping[tuple[str, int], Decimal],
        occurred_at: datetime,
    ) -> None:
        """Score the month from these counters and targets; refused once approved."""
        if self.status is EvaluationStatus.APPROVED:
            raise EvaluationApprovedError("evaluation", self.id, self.status.value, "recompute")
        counters = {k: None if v is None else Decimal(v) for k, v in reading.values.items()}
        scored = scoring.score(score_inputs(version, counters, targets), version.grades)
        self._compute(
            store_id=store_id,
            scorecard_id=scorecard_id,
            scorecard_version=version.version,
            items=[item.as_record() for item in scored.items],
            grades=[{"grade": g.grade, "minimum": g.minimum} for g in version.grades],
            counters=counters,
            counters_position=reading.position,
            score=scored.score,
            grade=scored.grade,
            occurred_at=occurred_at,
        )

    @event(Computed)
    def _compute(
        self,
        store_id: UUID,
        scorecard_id: UUID,
        scorecard_version: int,
        items: list[dict[str, Any]],
        grades: list[dict[str, Any]],
        counters: dict[str, Decimal | None],
        counters_position: int,
        score: Decimal,
        grade: str,
        occurred_at: datetime,
    ) -> None:
        self.store_id, self.scorecard_id = store_id, scorecard_id
        self.scorecard_version = scorecard_version
        self.items = [dict(i) for i in items]
        self.grades = [dict(g) for g in grades]
        self.counters = dict(counters)
        self.counters_position = counters_position
        self.score, self.grade = score, grade
        self.computed_at = occurred_at

    def reproduce(self) -> scoring.Scored:
        """Score again from nothing but what `Computed` recorded (counters, targets, weights,
        caps, grades): an audit check that must give the recorded score and grade."""
        inputs = [
            scoring.ItemInput(
                kpi_id=i["kpi_id"],
                kpi_version=int(i["kpi_version"]),
                weight=Decimal(i["weight"]),
                cap_percent=Decimal(i["cap_percent"]),
                direction=kpis.Direction(i["direction"]),
                actual=kpis.kpi_value(i["kpi_id"], int(i["kpi_version"]), self.counters),
                target=None if i["target"] is None else Decimal(i["target"]),
            )
            for i in self.items
        ]
        grades = [scoring.Grade(g["grade"], Decimal(g["minimum"])) for g in self.grades]
        return scoring.score(inputs, grades)

    # --- the manager's part -----------------------------------------------------------------------

    def comment(self, comment: str, occurred_at: datetime) -> None:
        if self.status is EvaluationStatus.APPROVED:
            raise EvaluationApprovedError("evaluation", self.id, self.status.value, "comment on")
        self._comment(
            comment=text(comment, "comment", max_length=2000, multiline=True),
            salesperson_id=self.salesperson_id,
            actor=current_actor(),
            occurred_at=occurred_at,
        )

    @event(Commented)
    def _comment(
        self, comment: str, salesperson_id: UUID | None, actor: str, occurred_at: datetime
    ) -> None:
        self.comments = [*self.comments, Comment(comment, actor, occurred_at)]

    def approve(self, occurred_at: datetime) -> None:
        if self.status is EvaluationStatus.APPROVED:
            raise EvaluationApprovedError("evaluation", self.id, self.status.value, "approve")
        if self.score is None:
            raise IllegalTransitionError("evaluation", self.id, "not computed", "approve")
        self._approve(actor=current_actor(), occurred_at=occurred_at)

    @event(Approved)
    def _approve(self, actor: str, occurred_at: datetime) -> None:
        self.status = EvaluationStatus.APPROVED
        self.approved_at, self.approved_by = occurred_at, actor
        self.reopen_reason = None

    def reopen(self, reason: str, occurred_at: datetime) -> None:
        if self.status is not EvaluationStatus.APPROVED:
            raise IllegalTransitionError("evaluation", self.id, self.status.value, "reopen")
        self._reopen(
            reason=text(reason, "reason", max_length=500),
            salesperson_id=self.salesperson_id,
            occurred_at=occurred_at,
        )

    @event(Reopened)
    def _reopen(self, reason: str, salesperson_id: UUID | None, occurred_at: datetime) -> None:
        self.status = EvaluationStatus.DRAFT
        self.approved_at, self.approved_by = None, None
        self.reopen_reason = reason
