"""CSI surveys: Given/When/Then on the survey, then the satisfaction service and its access."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from domain.satisfaction.errors import (
    SurveyAlreadyExcludedError,
    SurveyAlreadyRecordedError,
    SurveyAnsweredTooEarlyError,
    SurveyDealNotDeliveredError,
    SurveyNotExcludedError,
)
from domain.satisfaction.model import Survey, survey_id_for
from domain.satisfaction.service import Satisfaction
from domain.shared.actor import Principal
from domain.shared.errors import (
    ConflictError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)
from tests.unit.builders import ADMIN, AUDITOR, MONDAY, Group, at, group, new_app, new_events, state

DEAL, STORE, SELLER, COLLEAGUE = uuid4(), uuid4(), uuid4(), uuid4()
ANSWERS = {"greeting": 9, "test drive": 10, "delivery": 8}
ANSWERED_ON = date(2025, 3, 10)


@pytest.fixture
def g() -> Group:
    return group()


def answered() -> Survey:
    survey = Survey.answer(DEAL, STORE, [SELLER], ANSWERS, 90, ANSWERED_ON, MONDAY)
    new_events(survey)
    return survey


def excluded() -> Survey:
    survey = answered()
    survey.exclude("customer confused us with another dealer", at(days=1))
    new_events(survey)
    return survey


# --- the aggregate: given / when / then ---------------------------------------------------------


def test_answering_records_the_deal_its_salespeople_and_the_scores() -> None:
    survey = Survey.answer(DEAL, STORE, [SELLER, COLLEAGUE], ANSWERS, 90, ANSWERED_ON, MONDAY)

    [event] = new_events(survey)
    assert isinstance(event, Survey.Answered)
    assert (event.deal_id, event.store_id, event.salesperson_ids) == (
        DEAL,
        STORE,
        [SELLER, COLLEAGUE],
    )
    assert (event.answers, event.overall, event.answered_on) == (ANSWERS, 90, ANSWERED_ON)
    assert survey.id == survey_id_for(DEAL)
    assert not survey.excluded


@pytest.mark.parametrize("overall", [-1, 101, True, 85.5, "90"])
def test_an_overall_score_outside_0_to_100_or_not_whole_is_refused(overall: object) -> None:
    with pytest.raises(InvalidValueError):
        Survey.answer(DEAL, STORE, [SELLER], ANSWERS, overall, ANSWERED_ON, MONDAY)


@pytest.mark.parametrize(
    "answers",
    [{}, {"greeting": 101}, {"greeting": False}, {"_type_": 5}, {" ": 5}, {"x" * 101: 5}],
)
def test_answers_must_name_their_questions_and_score_0_to_100(answers: dict[str, object]) -> None:
    with pytest.raises(InvalidValueError):
        Survey.answer(DEAL, STORE, [SELLER], answers, 90, ANSWERED_ON, MONDAY)


def test_a_survey_is_credited_to_at_least_one_salesperson() -> None:
    with pytest.raises(InvalidValueError):
        Survey.answer(DEAL, STORE, [], ANSWERS, 90, ANSWERED_ON, MONDAY)


def test_a_survey_is_excluded_with_a_reason() -> None:
    survey = answered()

    survey.exclude("customer confused us with another dealer", at(days=1))

    [event] = new_events(survey)
    assert isinstance(event, Survey.Excluded)
    assert event.reason == "customer confused us with another dealer"
    assert survey.excluded


def test_an_exclusion_needs_a_reason() -> None:
    survey = answered()

    with pytest.raises(InvalidValueError):
        survey.exclude(" ", at(days=1))


def test_excluding_twice_is_refused() -> None:
    survey = excluded()

    with pytest.raises(SurveyAlreadyExcludedError):
        survey.exclude("again", at(days=2))


def test_an_excluded_survey_is_reinstated() -> None:
    survey = excluded()

    survey.reinstate(at(days=2))

    [event] = new_events(survey)
    assert isinstance(event, Survey.Reinstated)
    assert (survey.excluded, survey.exclusion_reason) == (False, None)


def test_reinstating_a_counted_survey_is_refused() -> None:
    survey = answered()

    with pytest.raises(SurveyNotExcludedError):
        survey.reinstate(at(days=2))


def test_a_replayed_survey_equals_the_live_one() -> None:
    app = new_app()
    survey = Survey.answer(DEAL, STORE, [SELLER, COLLEAGUE], ANSWERS, 72, ANSWERED_ON, MONDAY)
    survey.exclude("duplicate call", at(days=1))
    survey.reinstate(at(days=2))
    survey.exclude("customer withdrew the answers", at(days=3))
    app.save(survey)

    replayed: Survey = app.repository.get(survey.id)

    assert state(replayed) == state(survey)
    assert replayed.answered_on == ANSWERED_ON


# --- the service --------------------------------------------------------------------------------


def delivered_deal(g: Group, split: bool = False) -> UUID:
    deal_id, vehicle_id = g.deal(), g.vehicle(1)
    g.sales.attach_vehicle(g.seller, deal_id, vehicle_id)
    g.sales.quote_deal(g.seller, deal_id, "205000")
    g.sales.sign_contract(g.seller, deal_id)
    if split:
        assert g.seller.staff_id and g.colleague.staff_id
        g.sales.split_credit(
            g.manager, deal_id, [(g.seller.staff_id, "0.5"), (g.colleague.staff_id, "0.5")]
        )
    g.sales.deliver_deal(g.seller, deal_id, occurred_at=at(days=2))  # 5 March
    return deal_id


def record(g: Group, deal_id: UUID, who: Principal | None = None) -> UUID:
    return (
        Satisfaction(g.app)
        .record_survey(who or g.manager, deal_id, ANSWERS, 90, date(2025, 3, 10))
        .id
    )


def test_a_manager_records_a_survey_credited_to_the_deals_salespeople(g: Group) -> None:
    deal_id = delivered_deal(g, split=True)

    survey_id = record(g, deal_id)

    survey = Satisfaction(g.app).get_survey(g.manager, survey_id)
    assert survey_id == survey_id_for(deal_id)
    assert survey.salesperson_ids == [g.seller.staff_id, g.colleague.staff_id]
    assert (survey.overall, survey.store_id) == (90, g.store_id)


def test_a_survey_of_an_undelivered_deal_is_refused(g: Group) -> None:
    deal_id = g.deal()

    with pytest.raises(SurveyDealNotDeliveredError):
        record(g, deal_id)


def test_a_second_survey_of_a_deal_is_refused(g: Group) -> None:
    deal_id = delivered_deal(g)
    record(g, deal_id)
    before = g.app.position()

    with pytest.raises(SurveyAlreadyRecordedError) as refused:
        record(g, deal_id, ADMIN)

    assert isinstance(refused.value, ConflictError)
    assert g.app.position() == before


def test_a_survey_answered_before_the_delivery_is_refused(g: Group) -> None:
    deal_id = delivered_deal(g)

    with pytest.raises(SurveyAnsweredTooEarlyError):
        Satisfaction(g.app).record_survey(g.manager, deal_id, ANSWERS, 90, date(2025, 3, 4))


def test_salespeople_do_not_record_surveys_of_their_own_deals(g: Group) -> None:
    deal_id = delivered_deal(g)

    with pytest.raises(PermissionDeniedError):
        record(g, deal_id, g.seller)


def test_a_manager_of_another_store_cannot_survey_the_deal(g: Group) -> None:
    deal_id = delivered_deal(g)

    with pytest.raises(NotFoundError):
        record(g, deal_id, g.other_manager)


def test_credited_salespeople_read_the_survey_and_others_do_not(g: Group) -> None:
    deal_id = delivered_deal(g, split=True)
    survey_id = record(g, deal_id)
    satisfaction = Satisfaction(g.app)

    assert satisfaction.get_survey(g.colleague, survey_id).id == survey_id
    assert satisfaction.get_survey(AUDITOR, survey_id).id == survey_id
    with pytest.raises(NotFoundError):
        satisfaction.get_survey(g.other_manager, survey_id)
    with pytest.raises(NotFoundError):
        satisfaction.get_survey(g.salesperson(g.store_id, "wu"), survey_id)


def test_a_manager_excludes_and_reinstates_a_survey(g: Group) -> None:
    survey_id = record(g, delivered_deal(g))
    satisfaction = Satisfaction(g.app)

    satisfaction.exclude_survey(g.manager, survey_id, "customer called about another car")
    assert satisfaction.get_survey(ADMIN, survey_id).excluded
    satisfaction.reinstate_survey(ADMIN, survey_id)

    assert not satisfaction.get_survey(ADMIN, survey_id).excluded


def test_a_salesperson_cannot_exclude_their_survey(g: Group) -> None:
    survey_id = record(g, delivered_deal(g))

    with pytest.raises(PermissionDeniedError):
        Satisfaction(g.app).exclude_survey(g.seller, survey_id, "too harsh")


def test_an_auditor_reads_but_cannot_exclude(g: Group) -> None:
    survey_id = record(g, delivered_deal(g))

    with pytest.raises(PermissionDeniedError):
        Satisfaction(g.app).exclude_survey(AUDITOR, survey_id, "audit")
