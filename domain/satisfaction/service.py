"""Satisfaction service: record CSI surveys of delivered deals, exclude and reinstate them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from uuid import UUID

from domain.app import Showroom, Written
from domain.organisation.model import Store
from domain.sales.model import Deal, DealStatus
from domain.satisfaction.errors import (
    SurveyAlreadyRecordedError,
    SurveyAnsweredTooEarlyError,
    SurveyDealNotDeliveredError,
)
from domain.satisfaction.model import Survey, survey_id_for
from domain.shared.access import MANAGERS, can_read, ensure_readable, ensure_role, ensure_store
from domain.shared.actor import Principal, Role, acting_as
from domain.shared.clock import aware, business_day
from domain.shared.errors import ConflictError, NotFoundError


class Satisfaction:
    """CSI surveys: at most one per delivered deal, credited to the deal's salespeople."""

    def __init__(self, app: Showroom) -> None:
        self.app = app

    def record_survey(
        self,
        actor: Principal,
        deal_id: UUID,
        answers: Mapping[str, object],
        overall: object,
        answered_on: date,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record the customer's answers about a delivered deal (admin, the store's manager).

        The survey is credited to the salespeople the deal is credited to now; a deal has at
        most one survey (a second is a conflict).
        """
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            deal = self.app.load(Deal, deal_id, "deal")
            ensure_readable(actor, "deal", deal_id, deal.store_id, deal.salesperson_id)
            ensure_store(actor, deal.store_id)
            if deal.status is not DealStatus.DELIVERED or deal.delivered_at is None:
                raise SurveyDealNotDeliveredError(
                    f"deal {deal_id} is {deal.status.value}: only a delivered deal is surveyed"
                )
            store = self.app.load(Store, deal.store_id, "store")
            delivered_on = business_day(deal.delivered_at, store.timezone)
            if answered_on < delivered_on:
                raise SurveyAnsweredTooEarlyError(
                    f"answered on {answered_on}, before the delivery on {delivered_on}"
                )
            if self.app.exists(survey_id_for(deal_id)):
                raise SurveyAlreadyRecordedError(f"deal {deal_id} has a survey already")
            survey = Survey.answer(
                deal_id=deal_id,
                store_id=deal.store_id,
                salesperson_ids=list(deal.credits),
                answers=answers,
                overall=overall,
                answered_on=answered_on,
                occurred_at=aware(occurred_at),
            )
            try:
                return self.app.written(survey)
            except ConflictError:
                raise SurveyAlreadyRecordedError(f"deal {deal_id} has a survey already") from None

    def exclude_survey(
        self,
        actor: Principal,
        survey_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Leave a survey out of CSI, with a reason (admin, the store's manager)."""
        with acting_as(actor):
            survey = self._managed(actor, survey_id, expected_version)
            survey.exclude(reason, occurred_at=aware(occurred_at))
            return self.app.written(survey)

    def reinstate_survey(
        self,
        actor: Principal,
        survey_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Count an excluded survey again (admin, the store's manager)."""
        with acting_as(actor):
            survey = self._managed(actor, survey_id, expected_version)
            survey.reinstate(occurred_at=aware(occurred_at))
            return self.app.written(survey)

    def get_survey(self, actor: Principal, survey_id: UUID) -> Survey:
        """The survey, for readers of the group, its store's manager and its salespeople."""
        survey = self.app.load(Survey, survey_id, "survey")
        if not self._readable(actor, survey):
            raise NotFoundError("survey", survey_id)
        return survey

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _readable(actor: Principal, survey: Survey) -> bool:
        if actor.role is Role.SALESPERSON:
            return actor.staff_id is not None and actor.staff_id in survey.salesperson_ids
        return can_read(actor, survey.store_id, None)

    def _managed(self, actor: Principal, survey_id: UUID, expected_version: int | None) -> Survey:
        # Role before state: a role that may never do this gets 403 whether the id exists or not.
        ensure_role(actor, *MANAGERS)

        def managed_by_actor(survey: Survey) -> None:
            if not self._readable(actor, survey):
                raise NotFoundError("survey", survey_id)  # before 403: an outsider learns nothing
            ensure_store(actor, survey.store_id)

        return self.app.load(Survey, survey_id, "survey", expected_version, scope=managed_by_actor)
