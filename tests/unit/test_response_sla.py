"""Response-time SLA rules: the clock in opening hours (across a night and a holiday), the
buckets, the store's rules per channel, and each timer stage recorded once per lead (nothing
after a human response, an automated message no response, the second limit asking the
routing rules for a new owner with the reason)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.leads.model import Lead
from domain.organisation.front import FrontOfHouse
from domain.organisation.working_time import StoreHours, spans, working_time
from domain.shared.errors import InvalidValueError, NotFoundError, PermissionDeniedError
from domain.sla.model import (
    DEFAULT_RULE,
    Bucket,
    ResponseClock,
    Rule,
    Stage,
    bucket,
    clock_id_for,
    clocked,
    deadlines,
    response_time,
    rule,
    rules,
)
from domain.sla.service import SLA_BREACH, ResponseSla
from tests.unit.builders import ADMIN, Group, at, group

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday to Saturday 09:00-18:00, closed on Sundays; National Day 2026-10-01 (a Thursday) closed.
HOURS = StoreHours(
    timezone="Asia/Shanghai",
    weekly={d: spans(["09:00-18:00"]) for d in range(6)},
    exceptions={date(2026, 10, 1): ()},
)
FIFTEEN = Rule(limit_minutes=15, warn_minutes=10, reassign_minutes=30)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc,arg-type]


# --- the clock in opening hours ---------------------------------------------------------------


def test_a_lead_captured_ten_minutes_before_closing_breaches_five_minutes_after_opening() -> None:
    # Monday 17:50: 10 minutes on Monday (the warning falls at the closing time itself), the
    # night counts nothing, 5 more on Tuesday from 09:00; the second limit 20 minutes later.
    due = deadlines(HOURS, local(2026, 9, 28, 17, 50), FIFTEEN)

    assert (due.warn_at, due.due_at, due.reassign_at) == (
        local(2026, 9, 28, 18, 0),
        local(2026, 9, 29, 9, 5),
        local(2026, 9, 29, 9, 20),
    )


def test_a_holiday_counts_nothing_so_the_clock_runs_out_the_next_open_day() -> None:
    # Wednesday 17:55 before National Day: 5 minutes, then the night, the holiday and its
    # night skipped, 10 minutes on Friday.
    due = deadlines(HOURS, local(2026, 9, 30, 17, 55), FIFTEEN)

    assert due.due_at == local(2026, 10, 2, 9, 10)


def test_a_lead_captured_at_night_starts_its_clock_at_opening() -> None:
    due = deadlines(HOURS, local(2026, 9, 28, 23, 40), FIFTEEN)

    assert due.due_at == local(2026, 9, 29, 9, 15)


def test_a_response_the_next_morning_took_only_the_opening_minutes_between() -> None:
    # 10 minutes on Monday evening, 4 on Tuesday morning: 14 minutes, inside the limit.
    elapsed = response_time(HOURS, local(2026, 9, 28, 17, 50), local(2026, 9, 29, 9, 4))

    assert elapsed == timedelta(minutes=14)
    assert bucket(elapsed) is Bucket.UNDER_30


def test_a_store_without_hours_counts_every_minute() -> None:
    bare = StoreHours(timezone="Asia/Shanghai")

    due = deadlines(bare, local(2026, 9, 28, 23, 50), FIFTEEN)

    assert due.due_at == local(2026, 9, 29, 0, 5)


@settings(max_examples=60, deadline=None)
@given(
    minutes=st.integers(min_value=0, max_value=14 * 24 * 60),
    chosen=st.tuples(st.integers(1, 200), st.integers(1, 200), st.integers(1, 200))
    .map(lambda t: sorted(set(t)))
    .filter(lambda t: len(t) == 3),
)
def test_the_deadlines_come_in_order_and_each_is_its_minutes_of_opening_hours(
    minutes: int, chosen: list[int]
) -> None:
    warn, limit, second = chosen
    captured = local(2026, 9, 21, 0, 0) + timedelta(minutes=minutes)

    due = deadlines(HOURS, captured, Rule(limit, warn, second))

    assert captured < due.warn_at < due.due_at < due.reassign_at
    assert working_time(HOURS, captured, due.due_at) == timedelta(minutes=limit)
    assert working_time(HOURS, captured, due.reassign_at) == timedelta(minutes=second)


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0, Bucket.UNDER_5),
        (5, Bucket.UNDER_5),
        (5.02, Bucket.UNDER_30),
        (30, Bucket.UNDER_30),
        (31, Bucket.UNDER_60),
        (60, Bucket.UNDER_60),
        (61, Bucket.UNDER_240),
        (240, Bucket.UNDER_240),
        (241, Bucket.OVER_240),
    ],
)
def test_a_bucket_holds_its_upper_bound(minutes: float, expected: Bucket) -> None:
    assert bucket(timedelta(minutes=minutes)) is expected


# --- the store's rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"limit_minutes": 15, "warn_minutes": 15, "reassign_minutes": 30},  # warning at the limit
        {"limit_minutes": 15, "warn_minutes": 10, "reassign_minutes": 15},  # second at the limit
        {"limit_minutes": 0, "warn_minutes": 10, "reassign_minutes": 30},
        {"limit_minutes": 15, "warn_minutes": 10, "reassign_minutes": 2000},
        {"limit_minutes": True, "warn_minutes": 10, "reassign_minutes": 30},
        {"limit_minutes": "15", "warn_minutes": 10, "reassign_minutes": 30},
    ],
)
def test_a_rule_needs_a_warning_before_its_limit_and_a_second_limit_after(
    bad: dict[str, object],
) -> None:
    with pytest.raises(InvalidValueError):
        rule(bad)


def test_rules_need_a_default_and_name_only_channels() -> None:
    with pytest.raises(InvalidValueError):
        rules({"phone": DEFAULT_RULE.as_dict()})
    with pytest.raises(InvalidValueError):
        rules({"default": DEFAULT_RULE.as_dict(), "carrier_pigeon": DEFAULT_RULE.as_dict()})


# --- the clock of a lead (the service) --------------------------------------------------------


@pytest.fixture
def g() -> Group:
    return group()


def sla(g: Group) -> ResponseSla:
    return ResponseSla(g.app)


def started(g: Group, n: int = 1) -> UUID:
    """A lead captured Monday 09:30 in Shanghai, its clock started (the dispatcher's job)."""
    lead_id = g.lead(n=n)
    sla(g).start(lead_id)
    return lead_id


def clock_events(g: Group, lead_id: UUID) -> list[str]:
    clock = g.app.load(ResponseClock, clock_id_for(lead_id), "clock")
    events = g.app.repository.event_store.get(clock.id)
    return [type(e).__name__ for e in events]


def test_a_store_without_rules_gives_each_lead_the_default_fifteen_minutes(g: Group) -> None:
    lead_id = g.lead()  # captured Monday 09:30 in Shanghai (a store without hours)

    clock = sla(g).start(lead_id)

    assert clock.due_at == at(minutes=15)
    assert (clock.warn_at, clock.reassign_at) == (at(minutes=10), at(minutes=30))


def test_the_store_channel_rule_sets_the_deadline_in_its_opening_hours(g: Group) -> None:
    front = FrontOfHouse(g.app, g.organisation)
    for day in range(7):
        front.set_hours(ADMIN, g.store_id, day, ["09:00-09:35"])
    sla(g).set_policy(
        g.manager,
        g.store_id,
        {
            "default": DEFAULT_RULE.as_dict(),
            "website": {"limit_minutes": 10, "warn_minutes": 5, "reassign_minutes": 20},
        },
    )
    lead_id = g.lead()  # a website lead, Monday 09:30: 5 minutes left that day

    clock = sla(g).start(lead_id)

    assert clock.warn_at == at(minutes=5)  # 09:35, the closing time
    assert clock.due_at == at(days=1, minutes=-25)  # Tuesday 09:05


def test_only_the_stores_manager_or_an_admin_sets_its_rules(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        sla(g).set_policy(g.seller, g.store_id, {"default": DEFAULT_RULE.as_dict()})
    with pytest.raises((PermissionDeniedError, NotFoundError)):
        sla(g).set_policy(g.other_manager, g.store_id, {"default": DEFAULT_RULE.as_dict()})


def test_a_breach_is_recorded_once_however_often_its_timer_fires(g: Group) -> None:
    lead_id = started(g)

    first = sla(g).fire(lead_id, Stage.BREACH)
    again = sla(g).fire(lead_id, Stage.BREACH)

    assert first is not None and again is None
    assert clock_events(g, lead_id) == ["Started", "Breached"]


def test_a_timer_after_the_first_human_response_only_stops_the_clock(g: Group) -> None:
    lead_id = started(g)
    g.leads.log_activity(g.seller, lead_id, "call", occurred_at=at(minutes=4))

    sla(g).fire(lead_id, Stage.BREACH)
    sla(g).fire(lead_id, Stage.REASSIGN)

    assert clock_events(g, lead_id) == ["Started", "Answered"]
    clock = g.app.load(ResponseClock, clock_id_for(lead_id), "clock")
    assert clock.answered_at == at(minutes=4)


def test_an_automated_message_is_no_response_so_the_lead_still_breaches(g: Group) -> None:
    lead_id = started(g)
    g.leads.log_activity(g.seller, lead_id, "message", automated=True, occurred_at=at(minutes=1))

    sla(g).fire(lead_id, Stage.BREACH)

    assert clock_events(g, lead_id) == ["Started", "Breached"]


def test_past_the_second_limit_the_lead_asks_the_routing_rules_once_with_the_reason(
    g: Group,
) -> None:
    lead_id = started(g)

    sla(g).fire(lead_id, Stage.REASSIGN)  # the breach's own job never ran: recorded first
    sla(g).fire(lead_id, Stage.REASSIGN)

    assert clock_events(g, lead_id) == ["Started", "Breached", "Escalated"]
    lead = g.app.load(Lead, lead_id, "lead")
    requests = [e for e in new_events_of(g, lead_id) if isinstance(e, Lead.RoutingRequested)]
    assert [(e.reason, e.occurred_at) for e in requests] == [(SLA_BREACH, at(minutes=30))]
    assert lead.routing_requested_at == at(minutes=30)


def test_a_warning_after_the_breach_says_nothing(g: Group) -> None:
    lead_id = started(g)
    sla(g).fire(lead_id, Stage.BREACH)

    assert sla(g).fire(lead_id, Stage.WARN) is None


def test_a_lead_closed_before_its_timer_is_left_alone(g: Group) -> None:
    lead_id = started(g)
    g.leads.lose_lead(g.manager, lead_id, "price", occurred_at=at(minutes=2))

    assert sla(g).fire(lead_id, Stage.BREACH) is None
    assert clock_events(g, lead_id) == ["Started"]


def test_a_late_response_is_answered_as_breached_with_its_opening_minutes(g: Group) -> None:
    lead_id = started(g)
    g.leads.log_activity(g.seller, lead_id, "call", occurred_at=at(minutes=40))

    sla(g).answer(lead_id)

    events = g.app.repository.event_store.get(clock_id_for(lead_id))
    answered = [e for e in events if isinstance(e, ResponseClock.Answered)]
    assert [(a.working_seconds, a.breached) for a in answered] == [(2400, True)]


def new_events_of(g: Group, ident: UUID) -> list[object]:
    return list(g.app.repository.event_store.get(ident))


def test_an_answer_before_the_clock_started_waits_and_the_start_answers_it(g: Group) -> None:
    lead_id = g.lead()
    g.leads.log_activity(g.seller, lead_id, "call", occurred_at=at(minutes=3))

    early = sla(g).answer(lead_id)  # the answering job ran before the start job
    sla(g).start(lead_id)
    sla(g).answer(lead_id)

    assert early is None
    assert clock_events(g, lead_id) == ["Started", "Answered"]


def test_a_lead_entered_more_than_a_day_after_its_capture_gets_no_clock() -> None:
    captured = local(2026, 9, 28, 9, 0)

    assert clocked(captured, captured + timedelta(hours=24))
    assert not clocked(captured, captured + timedelta(hours=24, seconds=1))
