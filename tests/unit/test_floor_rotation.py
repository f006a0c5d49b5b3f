"""The floor rotation's rules: who is up, taking a walk-in, with a customer, skip and move, and
who may join the line (domain/floor/rotation.py, domain/floor/service.py `may_join`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.floor.rotation import (
    AlreadyCheckedInError,
    FloorRotation,
    NotYourTurnError,
    RotationRuleError,
)
from domain.floor.service import may_join
from domain.organisation.working_time import Duty, Leave, StoreHours, spans
from domain.shared.errors import DomainError

WHEN = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 on a Tuesday in Shanghai
STORE = uuid4()
WANG, LI, ZHAO = uuid4(), uuid4(), uuid4()


def line(*people: UUID) -> FloorRotation:
    rotation = FloorRotation(store_id=STORE, day=date(2026, 3, 3), occurred_at=WHEN)
    for person in people:
        rotation.check_in(person, WHEN)
    return rotation


def test_the_first_to_check_in_is_up_and_the_others_follow_in_check_in_order() -> None:
    rotation = line(WANG, LI, ZHAO)
    assert rotation.up == WANG
    assert rotation.after() == [LI, ZHAO]


def test_taking_a_walk_in_sends_the_taker_to_the_back_with_that_customer() -> None:
    rotation = line(WANG, LI, ZHAO)
    turn = rotation.take_walk_in(WANG, WHEN)
    assert turn == 1
    assert rotation.order == [LI, ZHAO, WANG]
    assert rotation.up == LI
    assert WANG in rotation.busy


def test_only_the_person_up_takes_the_walk_in() -> None:
    rotation = line(WANG, LI)
    with pytest.raises(NotYourTurnError):
        rotation.take_walk_in(LI, WHEN)


def test_nobody_is_up_when_everyone_is_with_a_customer() -> None:
    rotation = line(WANG, LI)
    rotation.take_walk_in(WANG, WHEN)
    rotation.take_walk_in(LI, WHEN)
    assert rotation.up is None
    with pytest.raises(RotationRuleError):
        rotation.take_walk_in(WANG, WHEN)


def test_with_a_customer_keeps_the_place_but_skips_the_turn_until_free() -> None:
    rotation = line(WANG, LI, ZHAO)
    rotation.start_customer(WANG, WHEN)
    assert rotation.up == LI
    assert rotation.order == [WANG, LI, ZHAO]
    rotation.finish_customer(WANG, WHEN)
    assert rotation.up == WANG


def test_a_free_taker_waits_at_the_back_for_their_next_turn() -> None:
    rotation = line(WANG, LI)
    rotation.take_walk_in(WANG, WHEN)
    rotation.finish_customer(WANG, WHEN)
    assert rotation.up == LI
    assert rotation.after() == [WANG]


def test_a_returned_turn_puts_the_taker_first_and_free_again() -> None:
    rotation = line(WANG, LI)
    turn = rotation.take_walk_in(WANG, WHEN)
    rotation.return_turn(turn, "customer already served", WHEN)
    assert rotation.up == WANG
    assert rotation.take(turn).returned
    with pytest.raises(RotationRuleError):
        rotation.return_turn(turn, "again", WHEN)


def test_a_skip_sends_someone_to_the_back_with_the_reason_kept() -> None:
    rotation = line(WANG, LI, ZHAO)
    rotation.skip(WANG, "on the phone with a customer", WHEN)
    assert rotation.order == [LI, ZHAO, WANG]
    assert rotation.skips == [(WANG, "on the phone with a customer", WHEN)]


def test_a_move_puts_someone_at_the_place_asked_and_refuses_a_place_outside_the_line() -> None:
    rotation = line(WANG, LI, ZHAO)
    rotation.move(ZHAO, 1, WHEN)
    assert rotation.order == [ZHAO, WANG, LI]
    with pytest.raises(RotationRuleError):
        rotation.move(ZHAO, 4, WHEN)


def test_checking_in_twice_is_refused_and_checking_out_leaves_the_line() -> None:
    rotation = line(WANG, LI)
    with pytest.raises(AlreadyCheckedInError):
        rotation.check_in(WANG, WHEN)
    rotation.start_customer(WANG, WHEN)
    rotation.check_out(WANG, "", WHEN)
    assert rotation.order == [LI]
    assert rotation.busy == set()


def test_the_line_of_a_store_and_day_has_one_id() -> None:
    day = date(2026, 3, 3)
    assert FloorRotation.id_for(STORE, day) == FloorRotation.id_for(STORE, day)
    assert FloorRotation.id_for(STORE, day) != FloorRotation.id_for(STORE, date(2026, 3, 4))


HOURS = StoreHours("Asia/Shanghai", weekly={1: spans(["09:00-18:00"])})


def test_an_available_person_may_join_while_the_store_is_open_and_they_are_on_shift() -> None:
    duty = Duty(shifts={1: spans(["09:00-13:00"])})
    assert may_join(HOURS, duty, WHEN)
    assert not may_join(HOURS, duty, WHEN.replace(hour=6))  # 14:00: off shift


def test_unavailable_or_on_leave_people_may_not_join() -> None:
    assert not may_join(HOURS, Duty(available=False), WHEN)
    leave = (Leave(date(2026, 3, 3), date(2026, 3, 3)),)
    assert not may_join(HOURS, Duty(leave=leave), WHEN)


def test_a_store_without_hours_and_a_person_without_shifts_do_not_keep_them_off_the_floor() -> None:
    assert may_join(StoreHours("Asia/Shanghai"), Duty(), WHEN)
    assert not may_join(HOURS, Duty(), WHEN.replace(hour=12))  # 20:00: the store is closed


STEPS = st.lists(
    st.tuples(
        st.sampled_from(["in", "out", "take", "busy", "free", "skip", "move"]),
        st.integers(0, 3),
        st.integers(1, 4),
    ),
    max_size=40,
)
PEOPLE = [uuid4() for _ in range(4)]


@settings(max_examples=150, deadline=None)
@given(STEPS)
def test_the_line_replayed_from_its_events_equals_the_live_line_and_keeps_each_person_once(
    steps: list[tuple[str, int, int]],
) -> None:
    """Whatever commands run (refused ones too), nobody is in the line twice, the busy are in
    the line, turns are numbered 1..n, and the line rebuilt from its events is the same."""
    rotation = line()
    for kind, who, place in steps:
        person = PEOPLE[who]
        try:
            if kind == "in":
                rotation.check_in(person, WHEN)
            elif kind == "out":
                rotation.check_out(person, "", WHEN)
            elif kind == "take" and rotation.up is not None:
                rotation.take_walk_in(rotation.up, WHEN)
            elif kind == "busy":
                rotation.start_customer(person, WHEN)
            elif kind == "free":
                rotation.finish_customer(person, WHEN)
            elif kind == "skip":
                rotation.skip(person, "why", WHEN)
            elif kind == "move":
                rotation.move(person, place, WHEN)
        except DomainError:
            pass  # a refused command is part of the sequence and changes nothing
    assert len(rotation.order) == len(set(rotation.order))
    assert rotation.busy <= set(rotation.order)
    assert [t.turn for t in rotation.takes] == list(range(1, len(rotation.takes) + 1))
    replayed = None
    for stored in rotation.collect_events():
        replayed = stored.mutate(replayed)
    assert replayed is not None
    assert (replayed.order, replayed.busy, replayed.takes) == (
        rotation.order,
        rotation.busy,
        rotation.takes,
    )
