"""Follow-up rules: a lead's next follow-up day (the store's gap after capture or the latest
contact, or a day a person chose), store-zone day boundaries, the store's settings, and the
calls after a delivery (planned on the store's offsets, completed, cancelled by unwinding)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.followups.errors import CallNotPendingError, CallPlanCancelledError, CallScoreError
from domain.followups.model import (
    CallPlan,
    CallStatus,
    Timing,
    default_follow_up_on,
    plan_id_for,
    timing,
)
from domain.followups.service import CALL_QUESTION, FollowUps
from domain.satisfaction.model import Survey, survey_id_for
from domain.shared.clock import pinned
from domain.shared.errors import InvalidValueError, NotFoundError, PermissionDeniedError
from tests.unit.builders import Group, at, group

SHANGHAI = "Asia/Shanghai"


@pytest.fixture
def g() -> Group:
    return group()


def delivered_deal(g: Group, n: int = 1) -> UUID:
    deal_id, vehicle_id = g.deal(n=n), g.vehicle(n)
    g.sales.attach_vehicle(g.seller, deal_id, vehicle_id)
    g.sales.quote_deal(g.seller, deal_id, "205000")
    g.sales.sign_contract(g.seller, deal_id)
    g.sales.deliver_deal(g.seller, deal_id, occurred_at=at(days=2))  # 5 March, Shanghai
    return deal_id


# --- next follow-up days ------------------------------------------------------------------------


def test_a_new_lead_is_due_a_follow_up_the_stores_gap_after_its_capture(g: Group) -> None:
    lead_id = g.lead()  # captured Monday 3 March, 09:30 in Shanghai

    assert FollowUps(g.app).next_follow_up(g.seller, lead_id) == date(2025, 3, 5)


def test_each_contact_moves_the_follow_up_to_the_gap_after_it(g: Group) -> None:
    lead_id = g.lead()

    g.leads.log_activity(g.seller, lead_id, "call", occurred_at=at(days=3))

    assert FollowUps(g.app).next_follow_up(g.seller, lead_id) == date(2025, 3, 8)


def test_the_gap_is_the_stores_setting(g: Group) -> None:
    FollowUps(g.app).set_settings(g.manager, g.store_id, 5, [1, 7, 30])

    lead_id = g.lead()

    assert FollowUps(g.app).next_follow_up(g.seller, lead_id) == date(2025, 3, 8)


def test_a_chosen_day_stands_until_a_newer_contact(g: Group) -> None:
    lead_id, follow_ups = g.lead(), FollowUps(g.app)
    with pinned(at(hours=1)):
        follow_ups.schedule_follow_up(g.seller, lead_id, date(2025, 3, 20), occurred_at=at(1))
    assert follow_ups.next_follow_up(g.seller, lead_id) == date(2025, 3, 20)

    g.leads.log_activity(g.seller, lead_id, "message", occurred_at=at(days=1))

    assert follow_ups.next_follow_up(g.seller, lead_id) == date(2025, 3, 6)


def test_a_follow_up_cannot_be_chosen_in_the_stores_past(g: Group) -> None:
    lead_id = g.lead()

    with pinned(at(days=2)), pytest.raises(InvalidValueError):
        FollowUps(g.app).schedule_follow_up(g.seller, lead_id, date(2025, 3, 4))


def test_a_salesperson_cannot_choose_the_day_of_a_colleagues_lead(g: Group) -> None:
    lead_id = g.lead(g.colleague, n=2)

    with pinned(at(1)), pytest.raises(NotFoundError):  # an outsider learns nothing
        FollowUps(g.app).schedule_follow_up(g.seller, lead_id, date(2025, 3, 20))


def test_the_day_of_a_contact_is_the_stores_day_not_utcs() -> None:
    # 23:30 in Shanghai is 15:30 UTC the same day; 00:30 the next day is 16:30 UTC the day before.
    late = datetime(2025, 3, 3, 15, 30, tzinfo=UTC)
    past_midnight = datetime(2025, 3, 3, 16, 30, tzinfo=UTC)

    assert default_follow_up_on(late, SHANGHAI, 2) == date(2025, 3, 5)
    assert default_follow_up_on(past_midnight, SHANGHAI, 2) == date(2025, 3, 6)
    assert default_follow_up_on(past_midnight, "Europe/London", 2) == date(2025, 3, 5)


def test_a_follow_up_before_today_is_overdue_today_is_today_and_later_upcoming() -> None:
    today = date(2025, 3, 5)

    assert [timing(date(2025, 3, d), today) for d in (4, 5, 6)] == [
        Timing.OVERDUE,
        Timing.TODAY,
        Timing.UPCOMING,
    ]


@pytest.mark.parametrize(
    ("gap", "offsets"), [(0, [1]), (61, [1]), (2, []), (2, [1, 1]), (2, [-1]), (2, [366])]
)
def test_settings_out_of_range_are_refused(g: Group, gap: int, offsets: list[int]) -> None:
    with pytest.raises(InvalidValueError):
        FollowUps(g.app).set_settings(g.manager, g.store_id, gap, offsets)


def test_a_salesperson_cannot_change_the_stores_settings(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        FollowUps(g.app).set_settings(g.seller, g.store_id, 3, [1])


# --- calls after a delivery ---------------------------------------------------------------------


def test_a_delivered_deal_gets_a_call_on_each_of_the_stores_days(g: Group) -> None:
    deal_id = delivered_deal(g)

    FollowUps(g.app).plan_calls(deal_id)

    plan = FollowUps(g.app).get_calls(g.seller, deal_id)
    assert plan.salesperson_id == g.seller.staff_id
    assert [(c.offset, c.due_on) for c in plan.calls.values()] == [
        (1, date(2025, 3, 6)),
        (7, date(2025, 3, 12)),
        (30, date(2025, 4, 4)),
    ]


def test_the_call_days_are_the_stores_setting_when_the_deal_is_delivered(g: Group) -> None:
    FollowUps(g.app).set_settings(g.manager, g.store_id, 2, [14, 3])
    deal_id = delivered_deal(g)

    FollowUps(g.app).plan_calls(deal_id)

    assert sorted(FollowUps(g.app).get_calls(g.seller, deal_id).calls) == [3, 14]


def test_planning_twice_plans_once(g: Group) -> None:
    deal_id, follow_ups = delivered_deal(g), FollowUps(g.app)

    first, second = follow_ups.plan_calls(deal_id), follow_ups.plan_calls(deal_id)

    assert first is not None and second is None
    assert follow_ups.get_calls(g.seller, deal_id).version == 1


def test_a_reached_customers_score_is_the_deals_survey(g: Group) -> None:
    deal_id, follow_ups = delivered_deal(g), FollowUps(g.app)
    follow_ups.plan_calls(deal_id)

    with pinned(at(days=3)):
        follow_ups.complete_call(g.seller, deal_id, 1, "reached", 88, note="happy with the car")

    survey = g.app.load(Survey, survey_id_for(deal_id), "survey")
    assert (survey.overall, survey.answers, survey.salesperson_ids) == (
        88,
        {CALL_QUESTION: 88},
        [g.seller.staff_id],
    )
    plan = follow_ups.get_calls(g.seller, deal_id)
    assert (plan.calls[1].status, plan.calls[1].score) == (CallStatus.REACHED, 88)


def test_a_later_score_stays_on_its_call_the_deal_has_one_survey(g: Group) -> None:
    deal_id, follow_ups = delivered_deal(g), FollowUps(g.app)
    follow_ups.plan_calls(deal_id)
    with pinned(at(days=3)):
        follow_ups.complete_call(g.seller, deal_id, 1, "reached", 88)

    with pinned(at(days=9)):
        follow_ups.complete_call(g.seller, deal_id, 7, "reached", 60)

    assert g.app.load(Survey, survey_id_for(deal_id), "survey").overall == 88
    assert follow_ups.get_calls(g.seller, deal_id).calls[7].score == 60


def test_a_score_is_refused_for_a_customer_not_reached(g: Group) -> None:
    deal_id, follow_ups = delivered_deal(g), FollowUps(g.app)
    follow_ups.plan_calls(deal_id)

    with pinned(at(days=3)), pytest.raises(CallScoreError):
        follow_ups.complete_call(g.seller, deal_id, 1, "not_reached", 50)
    assert not g.app.exists(survey_id_for(deal_id))


def test_a_rescheduled_call_stays_pending_on_its_new_day(g: Group) -> None:
    deal_id, follow_ups = delivered_deal(g), FollowUps(g.app)
    follow_ups.plan_calls(deal_id)

    with pinned(at(days=3)):
        follow_ups.complete_call(
            g.seller, deal_id, 1, "rescheduled", reschedule_to=date(2025, 3, 8)
        )

    call = follow_ups.get_calls(g.seller, deal_id).calls[1]
    assert (call.status, call.due_on) == (CallStatus.PENDING, date(2025, 3, 8))


def test_a_call_is_completed_once(g: Group) -> None:
    deal_id, follow_ups = delivered_deal(g), FollowUps(g.app)
    follow_ups.plan_calls(deal_id)
    with pinned(at(days=3)):
        follow_ups.complete_call(g.seller, deal_id, 1, "not_reached")

        with pytest.raises(CallNotPendingError):
            follow_ups.complete_call(g.seller, deal_id, 1, "reached", 90)


def test_unwinding_cancels_the_pending_calls_and_keeps_the_made_ones(g: Group) -> None:
    deal_id, follow_ups = delivered_deal(g), FollowUps(g.app)
    follow_ups.plan_calls(deal_id)
    with pinned(at(days=3)):
        follow_ups.complete_call(g.seller, deal_id, 1, "reached", 70)
    g.sales.unwind_deal(g.manager, deal_id, "financing fell through", occurred_at=at(days=4))

    follow_ups.cancel_calls(deal_id)

    plan = follow_ups.get_calls(g.seller, deal_id)
    assert [c.status for c in plan.calls.values()] == [
        CallStatus.REACHED,
        CallStatus.CANCELLED,
        CallStatus.CANCELLED,
    ]
    with pinned(at(days=9)), pytest.raises(CallPlanCancelledError):
        follow_ups.complete_call(g.seller, deal_id, 7, "reached", 90)


def test_a_cancellation_before_the_plan_leaves_no_call_to_make(g: Group) -> None:
    deal_id, follow_ups = delivered_deal(g), FollowUps(g.app)
    g.sales.unwind_deal(g.manager, deal_id, "financing fell through", occurred_at=at(days=4))

    follow_ups.cancel_calls(deal_id)
    follow_ups.plan_calls(deal_id)

    plan = follow_ups.get_calls(g.seller, deal_id)
    assert (plan.cancelled, plan.pending) == (True, [])


# --- the property: whatever the order and the repeats of the jobs -----------------------------

JOBS = st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from(["plan", "cancel"])), min_size=0, max_size=12
)


@settings(max_examples=30, deadline=None)
@given(unwound=st.lists(st.booleans(), min_size=3, max_size=3), jobs=JOBS)
def test_every_delivered_deal_gets_one_call_per_offset_whatever_the_job_order(
    unwound: list[bool], jobs: list[tuple[int, str]]
) -> None:
    g = group()
    follow_ups = FollowUps(g.app)
    deals = [delivered_deal(g, n) for n in range(1, 4)]
    for deal_id, back in zip(deals, unwound, strict=True):
        if back:
            g.sales.unwind_deal(g.manager, deal_id, "returned", occurred_at=at(days=4))
    # Every deal's jobs are delivered at least once, in any order, some more than once.
    runs = [
        *jobs,
        *((d, "plan") for d in range(3)),
        *((d, "cancel") for d in range(3) if unwound[d]),
    ]
    for d, kind in runs:
        if kind == "plan":
            follow_ups.plan_calls(deals[d])
        else:
            follow_ups.cancel_calls(deals[d])

    for deal_id, back in zip(deals, unwound, strict=True):
        plan = g.app.load(CallPlan, plan_id_for(deal_id), "calls")
        if back:
            assert plan.pending == []
        else:
            assert sorted(plan.calls) == [1, 7, 30]
            assert len(plan.pending) == 3


def test_a_call_of_an_unwound_deal_is_refused_before_its_cancelling_job_ran(g: Group) -> None:
    deal_id, follow_ups = delivered_deal(g), FollowUps(g.app)
    follow_ups.plan_calls(deal_id)
    g.sales.unwind_deal(g.manager, deal_id, "returned", occurred_at=at(days=4))

    with pinned(at(days=5)), pytest.raises(CallPlanCancelledError):
        follow_ups.complete_call(g.seller, deal_id, 1, "reached", 90)
    assert not g.app.exists(survey_id_for(deal_id))
