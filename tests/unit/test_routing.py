"""The routing decision (domain/routing/decide.py), one rule per test, and hypothesis
properties: over a long random sequence of leads and shifts every person receives what their
weight made them due to within about a lead, and every lead is assigned once or queued."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.routing.decide import STORE_POOL, Rules, Seller, TeamPool, Why, decide
from domain.routing.model import Rotation, RoutingRules
from domain.routing.policy import match, policy
from domain.shared.actor import SYSTEM, acting_as
from domain.shared.errors import InvalidValueError
from tests.unit.builders import new_app, state

A, B, C, D = (UUID(int=i) for i in (1, 2, 3, 4))
TEAM = UUID(int=100)


def floor(
    *people: UUID, off: tuple[UUID, ...] = (), leads: dict[UUID, int] | None = None
) -> list[Seller]:
    return [Seller(p, p not in off, (leads or {}).get(p, 0)) for p in people]


def run(rules: Rules, sellers: list[Seller], n: int, **kw: object) -> list[UUID | None]:
    credits: dict[UUID, float] = {}
    got = []
    for _ in range(n):
        d = decide(rules, {}, sellers, credits, channel="phone", model_interest=None, **kw)  # type: ignore[arg-type]
        credits = dict(d.credits)
        got.append(d.assignee_id)
    return got


def test_round_robin_gives_each_on_duty_seller_a_turn_in_order() -> None:
    got = run(Rules(policy("round_robin")), floor(A, B, C), 6)

    assert got == [A, B, C, A, B, C]


def test_weighted_round_robin_3_2_1_gives_a_b_a_c_b_a_as_the_docs_compute() -> None:
    rules = Rules(policy("weighted", {A: 3, B: 2, C: 1}))

    got = run(rules, floor(A, B, C), 6)

    assert got == [A, B, A, C, B, A]


def test_only_sellers_on_duty_are_offered_a_lead() -> None:
    d = decide(Rules(), {}, floor(A, B, off=(A,)), {}, channel="phone", model_interest=None)

    assert (d.assignee_id, d.offered) == (B, (B,))


def test_off_duty_sellers_take_turns_when_the_store_does_not_ask_for_duty() -> None:
    rules = Rules(policy("round_robin", on_duty_only=False))

    got = run(rules, floor(A, B, off=(A, B)), 2)

    assert got == [A, B]


def test_a_seller_at_the_cap_is_skipped() -> None:
    rules = Rules(policy("round_robin", cap=3))

    d = decide(rules, {}, floor(A, B, leads={A: 3}), {}, channel="phone", model_interest=None)

    assert d.assignee_id == B


def test_when_everyone_is_at_the_cap_the_fallback_takes_the_lead() -> None:
    rules = Rules(policy("round_robin", cap=1, fallback_id=C))

    d = decide(
        rules,
        {},
        floor(A, B, C, leads={A: 1, B: 1, C: 5}),
        {},
        channel="phone",
        model_interest=None,
    )

    assert (d.assignee_id, d.why, d.fallback) == (C, Why.ALL_AT_CAP, True)


def test_with_nobody_on_duty_and_no_fallback_the_lead_is_queued_with_the_reason() -> None:
    d = decide(Rules(), {}, floor(A, off=(A,)), {}, channel="phone", model_interest=None)

    assert (d.assignee_id, d.why) == (None, Why.NONE_ON_DUTY)


def test_a_rerouted_lead_is_never_offered_back_to_the_owner_it_leaves() -> None:
    d = decide(Rules(), {}, floor(A), {}, channel="phone", model_interest=None, exclude=A)

    assert (d.assignee_id, d.why) == (None, Why.ONLY_PREVIOUS_OWNER)


def test_a_fallback_who_is_the_owner_left_behind_is_not_used() -> None:
    rules = Rules(policy("round_robin", fallback_id=A))

    d = decide(
        rules, {}, floor(A, B, off=(B,)), {}, channel="phone", model_interest=None, exclude=A
    )

    assert d.assignee_id is None


def test_a_lead_matching_a_brand_goes_to_that_team_and_its_leader_is_the_fallback() -> None:
    rules = Rules(matches=(match(TEAM, interest="bmw"),))
    teams = {TEAM: TeamPool(C, frozenset({C, D}))}

    in_turn = decide(rules, teams, floor(A, B, C, D), {}, channel="phone", model_interest="BMW X3")
    caught = decide(
        rules, teams, floor(A, B, C, D, off=(C, D)), {}, channel="phone", model_interest="BMW X3"
    )
    other = decide(rules, teams, floor(A, B, C, D), {}, channel="phone", model_interest="Han")

    assert (in_turn.pool, in_turn.offered) == (str(TEAM), (C, D))
    assert (caught.assignee_id, caught.fallback) == (C, True)
    assert other.pool == STORE_POOL


def test_a_match_by_channel_uses_the_teams_own_policy() -> None:
    rules = Rules(
        store=policy("round_robin"),
        teams={TEAM: policy("weighted", {D: 5}, cap=2)},
        matches=(match(TEAM, channel="marketplace"),),
    )
    teams = {TEAM: TeamPool(C, frozenset({C, D}))}

    d = decide(
        rules,
        teams,
        floor(A, B, C, D, leads={D: 2}),
        {},
        channel="marketplace",
        model_interest=None,
    )

    assert d.assignee_id == C  # D is at the team's cap


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mode": "lottery"},
        {"mode": "weighted", "weights": {str(A): 0}},
        {"mode": "weighted", "weights": {str(A): 11}},
        {"mode": "weighted", "weights": {"not-an-id": 1}},
        {"mode": "round_robin", "cap": 0},
        {"mode": "round_robin", "cap": 501},
    ],
)
def test_a_policy_out_of_range_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidValueError):
        policy(**kwargs)  # type: ignore[arg-type]


def test_a_match_without_channel_or_brand_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        match(TEAM)


# --- properties -----------------------------------------------------------------------------------

PEOPLE = [UUID(int=i) for i in range(1, 7)]
shift = st.lists(st.sets(st.sampled_from(PEOPLE)), min_size=1, max_size=300)
weights = st.dictionaries(st.sampled_from(PEOPLE), st.integers(1, 10))


@settings(max_examples=60, deadline=None)
@given(shifts=shift, chosen=weights)
def test_over_random_leads_and_shifts_each_person_receives_their_due_to_within_a_lead(
    shifts: list[set[UUID]], chosen: dict[UUID, int]
) -> None:
    """Each lead is offered to those on duty at that moment; a person's due is the sum of their
    fair shares (weight / the on-duty total) of the leads offered to them."""
    rules = Rules(policy("weighted", chosen))
    credits: dict[UUID, float] = {}
    due = dict.fromkeys(PEOPLE, 0.0)
    got = dict.fromkeys(PEOPLE, 0)
    for on in shifts:
        d = decide(
            rules,
            {},
            floor(*PEOPLE, off=tuple(p for p in PEOPLE if p not in on)),
            credits,
            channel="phone",
            model_interest=None,
        )
        credits = dict(d.credits)
        for person, share in d.shares.items():
            due[person] += share
        if d.assignee_id is not None:
            got[d.assignee_id] += 1

    for person in PEOPLE:
        assert abs(got[person] - due[person]) < 1.0 + 1e-6, (person, got[person], due[person])


@settings(max_examples=60, deadline=None)
@given(
    shifts=shift, cap=st.integers(1, 5) | st.none(), fallback=st.sampled_from(PEOPLE) | st.none()
)
def test_every_lead_is_assigned_to_one_person_or_queued_with_a_reason(
    shifts: list[set[UUID]], cap: int | None, fallback: UUID | None
) -> None:
    rules = Rules(policy("round_robin", cap=cap, fallback_id=fallback))
    credits: dict[UUID, float] = {}
    held = dict.fromkeys(PEOPLE, 0)
    for on in shifts:
        sellers = [Seller(p, p in on, held[p]) for p in PEOPLE]
        d = decide(rules, {}, sellers, credits, channel="phone", model_interest=None)
        credits = dict(d.credits)
        if d.assignee_id is None:
            assert d.why is not Why.ROTATION
            continue
        held[d.assignee_id] += 1
        if not d.fallback:
            assert d.assignee_id in on and (cap is None or held[d.assignee_id] <= cap)
    assert sum(held.values()) <= len(shifts)


# --- replay -------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(shifts=shift, chosen=weights, cap=st.integers(1, 3) | st.none())
def test_a_replayed_rotation_and_rules_equal_the_live_ones(
    shifts: list[set[UUID]], chosen: dict[UUID, int], cap: int | None
) -> None:
    """Whatever was decided and set, the store's rotation and rules load as they were live."""
    app = new_app()
    store = uuid4()
    at = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    with acting_as(SYSTEM):
        rules = RoutingRules(store_id=store, occurred_at=at)
        rules.set_store_policy(policy("weighted", chosen, cap=cap, fallback_id=A), at)
        rules.set_team_policy(TEAM, policy("round_robin"), at)
        rules.set_matches((match(TEAM, channel="phone", interest="Han"),), at)
        rules.clear_team_policy(TEAM, at)
        rotation = Rotation(store_id=store, month="2026-11", credits={}, occurred_at=at)
        held = dict.fromkeys(PEOPLE, 0)
        for n, on in enumerate(shifts):
            sellers = [Seller(p, p in on, held[p]) for p in PEOPLE]
            d = decide(
                rules.rules,
                {},
                sellers,
                rotation.pool_credits(STORE_POOL),
                channel="phone",
                model_interest=None,
            )
            rotation.record(uuid4(), f"lead-{n}:captured", d, d.why.value, at)
            if d.assignee_id is not None:
                held[d.assignee_id] += 1
        app.save(rules, rotation)

    assert state(app.repository.get(rules.id)) == state(rules)
    assert state(app.repository.get(rotation.id)) == state(rotation)
    assert len(rotation.handled) == len(shifts)
