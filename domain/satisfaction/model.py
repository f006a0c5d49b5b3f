"""CSI surveys: one per delivered deal, its scores credited to the deal's salespeople."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.satisfaction.errors import SurveyAlreadyExcludedError, SurveyNotExcludedError
from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.clock import happened_on
from domain.shared.errors import InvalidValueError

# A survey's id derives from its deal's, so a second survey of a deal is a conflict on save.
SURVEY_NAMESPACE = UUID("9d3e1b52-7f0a-4c6e-8a2d-5b1f0c7e3a94")
MAX_SCORE = 100
MAX_QUESTIONS = 50


def survey_id_for(deal_id: UUID) -> UUID:
    """The id of the (only) survey of a deal."""
    return uuid5(SURVEY_NAMESPACE, str(deal_id))


def score(value: object, field: str) -> int:
    """A whole score from 0 to 100 (booleans and fractions are refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError(f"{field} must be a whole number")
    if not 0 <= value <= MAX_SCORE:
        raise InvalidValueError(f"{field} must be between 0 and {MAX_SCORE}")
    return value


def answer_scores(answers: Mapping[str, object]) -> dict[str, int]:
    """Per-question scores: 1 to 50 questions, each named (not starting with '_') and 0–100."""
    if not 1 <= len(answers) <= MAX_QUESTIONS:
        raise InvalidValueError(f"a survey holds 1 to {MAX_QUESTIONS} answers")
    scores: dict[str, int] = {}
    for question, value in answers.items():
        if not isinstance(question, str):
            raise InvalidValueError("questions are named by text")
        name = values.text(question, "question", max_length=100)
        if name.startswith("_"):
            raise InvalidValueError("a question name must not start with '_'")
        if name in scores:
            raise InvalidValueError(f"question {name!r} is answered twice")
        scores[name] = score(value, f"the answer to {name!r}")
    return scores


class Survey(ShowroomAggregate):
    """The customer's answers about one delivered deal; a manager may exclude it from CSI."""

    class Answered(ShowroomAggregate.Created):
        deal_id: UUID
        store_id: UUID
        salesperson_ids: list[UUID]
        answers: dict[str, int]
        overall: int
        answered_on: date

    class Excluded(ShowroomAggregate.Event):
        reason: str

    class Reinstated(ShowroomAggregate.Event):
        pass

    @staticmethod
    def create_id(deal_id: UUID) -> UUID:
        return survey_id_for(deal_id)

    @classmethod
    def answer(
        cls,
        deal_id: UUID,
        store_id: UUID,
        salesperson_ids: Sequence[UUID],
        answers: Mapping[str, object],
        overall: object,
        answered_on: date,
        occurred_at: datetime,
    ) -> Survey:
        """A survey of a deal, credited to `salesperson_ids` (the deal's credited sellers)."""
        if not salesperson_ids or len(set(salesperson_ids)) != len(salesperson_ids):
            raise InvalidValueError("a survey is credited to the deal's distinct salespeople")
        return cls(
            deal_id=deal_id,
            store_id=store_id,
            salesperson_ids=list(salesperson_ids),
            answers=answer_scores(answers),
            overall=score(overall, "overall"),
            answered_on=happened_on(answered_on, "answered_on"),
            occurred_at=occurred_at,
        )

    @event(Answered)
    def __init__(
        self,
        deal_id: UUID,
        store_id: UUID,
        salesperson_ids: list[UUID],
        answers: dict[str, int],
        overall: int,
        answered_on: date,
        occurred_at: datetime,
    ) -> None:
        self.deal_id = deal_id
        self.store_id = store_id
        self.salesperson_ids = list(salesperson_ids)
        self.answers = dict(answers)
        self.overall = overall
        self.answered_on = answered_on
        self.entered_at = occurred_at
        self.excluded = False
        self.exclusion_reason: str | None = None

    def exclude(self, reason: str, occurred_at: datetime) -> None:
        """Leave the survey out of CSI (a manager's call, with a reason)."""
        if self.excluded:
            raise SurveyAlreadyExcludedError(f"survey {self.id} is excluded already")
        self._exclude(reason=values.text(reason, "reason", max_length=500), occurred_at=occurred_at)

    @event(Excluded)
    def _exclude(self, reason: str, occurred_at: datetime) -> None:
        self.excluded = True
        self.exclusion_reason = reason

    def reinstate(self, occurred_at: datetime) -> None:
        """Count an excluded survey again."""
        if not self.excluded:
            raise SurveyNotExcludedError(f"survey {self.id} is not excluded")
        self._reinstate(occurred_at=occurred_at)

    @event(Reinstated)
    def _reinstate(self, occurred_at: datetime) -> None:
        self.excluded = False
        self.exclusion_reason = None
