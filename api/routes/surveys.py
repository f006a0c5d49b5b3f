"""CSI surveys: recorded for delivered deals, credited to the deal's salespeople.

A deal has at most one survey, so a survey is addressed through its deal
(`/deals/{deal_id}/survey`); `POST /surveys` records one and `GET /surveys` lists them.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from api.deps import ActorDep, ConsistentDep, PageDep, RuntimeDep, SatisfactionDep
from api.schemas.common import OptionalMonthQuery, PageOf, Written
from api.schemas.surveys import (
    ExcludeSurvey,
    RecordSurvey,
    ReinstateSurvey,
    SurveyLine,
    SurveyOut,
)
from domain.satisfaction.model import Survey, survey_id_for
from domain.shared.access import Reach, read_scope
from projections.satisfaction import queries as surveys

router = APIRouter(tags=["surveys"])


def survey_out(survey: Survey) -> SurveyOut:
    return SurveyOut(
        id=survey.id,
        version=survey.version,
        deal_id=survey.deal_id,
        store_id=survey.store_id,
        salesperson_ids=survey.salesperson_ids,
        answers=survey.answers,
        overall=survey.overall,
        answered_on=survey.answered_on,
        excluded=survey.excluded,
        exclusion_reason=survey.exclusion_reason,
    )


@router.post("/surveys", status_code=201)
def record_survey(body: RecordSurvey, satisfaction: SatisfactionDep, actor: ActorDep) -> Written:
    """Record a customer's survey of a delivered deal (admin, the store's manager)."""
    return Written.of(
        satisfaction.record_survey(
            actor, body.deal_id, body.answers, body.overall, body.answered_on, body.occurred_at
        )
    )


@router.get("/surveys")
def list_surveys(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    month: OptionalMonthQuery = None,
    store_id: UUID | None = None,
    salesperson_id: UUID | None = None,
    excluded: bool | None = None,
) -> PageOf[SurveyLine]:
    """Surveys in the caller's scope, newest answered first (by answer month, store, seller)."""
    result = surveys.list_surveys(
        runtime.db,
        month=month,
        excluded=excluded,
        limit=page.limit,
        offset=page.offset,
        scope=read_scope(actor, store_id=store_id, salesperson_id=salesperson_id, reach=Reach.OWN),
    )
    return PageOf.of(result, page.limit, page.offset)


@router.get("/deals/{deal_id}/survey")
def get_survey(deal_id: UUID, satisfaction: SatisfactionDep, actor: ActorDep) -> SurveyOut:
    """The survey of a deal (readers of the group, the store's manager, its salespeople)."""
    return survey_out(satisfaction.get_survey(actor, survey_id_for(deal_id)))


@router.post("/deals/{deal_id}/survey/exclusion", status_code=201)
def exclude_survey(
    deal_id: UUID, body: ExcludeSurvey, satisfaction: SatisfactionDep, actor: ActorDep
) -> Written:
    """Leave the deal's survey out of CSI, with a reason (admin, the store's manager)."""
    return Written.of(
        satisfaction.exclude_survey(
            actor, survey_id_for(deal_id), body.reason, body.expected_version, body.occurred_at
        )
    )


@router.post("/deals/{deal_id}/survey/reinstatement", status_code=201)
def reinstate_survey(
    deal_id: UUID,
    satisfaction: SatisfactionDep,
    actor: ActorDep,
    body: ReinstateSurvey = ReinstateSurvey(),
) -> Written:
    """Count an excluded survey again (admin, the store's manager)."""
    return Written.of(
        satisfaction.reinstate_survey(
            actor, survey_id_for(deal_id), body.expected_version, body.occurred_at
        )
    )
