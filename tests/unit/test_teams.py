"""Sales teams and the team leader's reach: the aggregate's rules and the one read policy."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.organisation.teams import SalesTeams, TeamMembershipError, TeamNameTakenError
from domain.shared.access import can_read, ensure_assignable, read_scope
from domain.shared.actor import Principal, Role
from domain.shared.errors import NotFoundError, PermissionDeniedError

WHEN = datetime(2026, 3, 3, 1, 30, tzinfo=UTC)
STORE, OTHER = uuid4(), uuid4()
LEADER, MEMBER, OUTSIDER = uuid4(), uuid4(), uuid4()


def roster() -> SalesTeams:
    return SalesTeams(store_id=STORE, occurred_at=WHEN)


def test_a_formed_team_has_its_leader_as_a_member() -> None:
    teams = roster()
    team_id = teams.form("Dragon", LEADER, WHEN)
    assert teams.team(team_id).everyone == {LEADER}
    assert teams.led_by(LEADER) == teams.team(team_id)


def test_a_salesperson_is_in_one_team_at_most() -> None:
    teams = roster()
    first = teams.form("Dragon", LEADER, WHEN)
    second = teams.form("Tiger", OUTSIDER, WHEN)
    teams.add_member(first, MEMBER, WHEN)
    with pytest.raises(TeamMembershipError):
        teams.add_member(second, MEMBER, WHEN)
    with pytest.raises(TeamMembershipError):
        teams.form("Phoenix", MEMBER, WHEN)


def test_two_teams_of_a_store_never_share_a_name() -> None:
    teams = roster()
    teams.form("Dragon", LEADER, WHEN)
    with pytest.raises(TeamNameTakenError):
        teams.form("dragon", MEMBER, WHEN)


def test_the_leader_leaves_a_team_only_after_another_leads_it() -> None:
    teams = roster()
    team_id = teams.form("Dragon", LEADER, WHEN)
    teams.add_member(team_id, MEMBER, WHEN)
    with pytest.raises(TeamMembershipError):
        teams.remove_member(team_id, LEADER, WHEN)
    teams.change_leader(team_id, MEMBER, WHEN)
    teams.remove_member(team_id, LEADER, WHEN)
    assert teams.team(team_id).everyone == {MEMBER}


def test_a_disbanded_team_frees_its_members() -> None:
    teams = roster()
    team_id = teams.form("Dragon", LEADER, WHEN)
    teams.add_member(team_id, MEMBER, WHEN)
    teams.disband(team_id, WHEN)
    assert teams.team_of(MEMBER) is None
    with pytest.raises(NotFoundError):
        teams.team(team_id)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["form", "add", "remove", "lead", "disband"]),
            st.integers(0, 5),
            st.integers(0, 2),
        ),
        max_size=25,
    )
)
def test_replaying_a_store_teams_gives_the_live_state_and_nobody_is_in_two_teams(
    steps: list[tuple[str, int, int]],
) -> None:
    people = [uuid4() for _ in range(6)]
    teams = roster()
    formed: list = []
    for action, who, which in steps:
        try:
            if action == "form":
                formed.append(teams.form(f"T{len(formed)}", people[who], WHEN))
            elif formed:
                team_id = formed[which % len(formed)]
                if action == "add":
                    teams.add_member(team_id, people[who], WHEN)
                elif action == "remove":
                    teams.remove_member(team_id, people[who], WHEN)
                elif action == "lead":
                    teams.change_leader(team_id, people[who], WHEN)
                else:
                    teams.disband(team_id, WHEN)
        except (TeamMembershipError, TeamNameTakenError, NotFoundError):
            pass
    seen = [p for team in teams.teams.values() for p in team.everyone]
    assert len(seen) == len(set(seen))
    replayed = None
    for event in teams.collect_events():
        replayed = event.mutate(replayed)
    assert replayed is not None and replayed.teams == teams.teams


LEADER_LOGIN = Principal(
    user_id="u", role=Role.TEAM_LEADER, store_id=STORE, staff_id=LEADER, team=frozenset({MEMBER})
)


def test_a_team_leader_reads_the_records_of_the_team_and_their_own_in_their_store() -> None:
    assert can_read(LEADER_LOGIN, STORE, MEMBER)
    assert can_read(LEADER_LOGIN, STORE, LEADER)
    assert not can_read(LEADER_LOGIN, STORE, OUTSIDER)
    assert not can_read(LEADER_LOGIN, STORE, None)  # the manager's unassigned queue
    assert not can_read(LEADER_LOGIN, OTHER, MEMBER)


def test_a_team_leaders_read_scope_is_the_team_and_a_colleague_outside_is_hidden() -> None:
    scope = read_scope(LEADER_LOGIN)
    assert scope.store_id == STORE and scope.salesperson_ids == {MEMBER, LEADER}
    assert scope.sees_gross_of(MEMBER) and not scope.sees_gross_of(OUTSIDER)
    assert not scope.sees_cost
    assert not read_scope(LEADER_LOGIN, salesperson_id=OUTSIDER).visible
    assert not read_scope(LEADER_LOGIN, store_id=OTHER).visible
    assert read_scope(LEADER_LOGIN, salesperson_id=MEMBER).salesperson_id == MEMBER


def test_a_query_without_a_team_filter_never_shows_a_team_leader_the_whole_store() -> None:
    with pytest.raises(NotFoundError):
        read_scope(LEADER_LOGIN).narrowed()
    assert read_scope(LEADER_LOGIN, salesperson_id=MEMBER).narrowed() == (STORE, MEMBER)
    assert read_scope(LEADER_LOGIN).narrowed_team() == (STORE, None, {MEMBER, LEADER})


def test_a_team_leader_assigns_within_the_team_only() -> None:
    ensure_assignable(LEADER_LOGIN, MEMBER)
    ensure_assignable(LEADER_LOGIN, LEADER)
    with pytest.raises(PermissionDeniedError):
        ensure_assignable(LEADER_LOGIN, OUTSIDER)
