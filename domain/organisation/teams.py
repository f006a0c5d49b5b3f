"""Sales teams (销售小组) of a store: one `SalesTeams` aggregate per store holds all of them.

Why one aggregate per store and not one per team: the rules span the teams of a store (a
salesperson is in at most one team; a team leader leads one team), and only inside one
aggregate are they checked and saved atomically, with no race between two managers adding the
same person to two teams. A store has a handful of teams, so the aggregate stays small. Its id
derives from the store's (`SalesTeams.id_for(store_id)`), so the principal of a team leader
finds its team with one load, on the write side, without waiting for a view.

The service checks that a leader or member is an active staff member of the store who sells;
the aggregate checks the team rules themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import event

from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import ConflictError, DomainError, NotFoundError

TEAMS_NAMESPACE = UUID("1d8a1f66-4a43-4c1b-9a0e-5b5e2a7c9f31")


class TeamMembershipError(DomainError):
    title = "Team membership rule broken"


class TeamNameTakenError(ConflictError):
    title = "A team of this store already has that name"


@dataclass(frozen=True)
class Team:
    """One team: its leader is a member too (the leader's own records are the team's)."""

    id: UUID
    name: str
    leader_id: UUID
    members: frozenset[UUID]

    @property
    def everyone(self) -> frozenset[UUID]:
        return self.members | {self.leader_id}


class SalesTeams(ShowroomAggregate):
    """The sales teams of one store."""

    class Started(ShowroomAggregate.Created):
        store_id: UUID

    class TeamFormed(ShowroomAggregate.Event):
        team_id: UUID
        name: str
        leader_id: UUID

    class TeamRenamed(ShowroomAggregate.Event):
        team_id: UUID
        name: str

    class TeamDisbanded(ShowroomAggregate.Event):
        team_id: UUID

    class MemberAdded(ShowroomAggregate.Event):
        team_id: UUID
        staff_id: UUID

    class MemberRemoved(ShowroomAggregate.Event):
        team_id: UUID
        staff_id: UUID

    class LeaderChanged(ShowroomAggregate.Event):
        """The new leader joins the team if not in it; the old one stays a member."""

        team_id: UUID
        leader_id: UUID

    @staticmethod
    def id_for(store_id: UUID) -> UUID:
        return uuid5(TEAMS_NAMESPACE, str(store_id))

    @staticmethod
    def create_id(store_id: UUID) -> UUID:
        return SalesTeams.id_for(store_id)

    @event(Started)
    def __init__(self, store_id: UUID, occurred_at: datetime) -> None:
        self.store_id = store_id
        self.teams: dict[UUID, Team] = {}

    # --- queries --------------------------------------------------------------------------------

    def team(self, team_id: UUID) -> Team:
        try:
            return self.teams[team_id]
        except KeyError:
            raise NotFoundError("team", team_id) from None

    def team_of(self, staff_id: UUID) -> Team | None:
        """The team a staff member leads or belongs to, if any."""
        for team in self.teams.values():
            if staff_id in team.everyone:
                return team
        return None

    def led_by(self, staff_id: UUID) -> Team | None:
        for team in self.teams.values():
            if team.leader_id == staff_id:
                return team
        return None

    # --- commands -------------------------------------------------------------------------------

    def form(self, name: str, leader_id: UUID, occurred_at: datetime) -> UUID:
        self._name_free(name, None)
        self._free(leader_id)
        team_id = uuid4()
        self._form(team_id=team_id, name=name, leader_id=leader_id, occurred_at=occurred_at)
        return team_id

    def rename(self, team_id: UUID, name: str, occurred_at: datetime) -> None:
        self.team(team_id)
        self._name_free(name, team_id)
        self._rename(team_id=team_id, name=name, occurred_at=occurred_at)

    def disband(self, team_id: UUID, occurred_at: datetime) -> None:
        self.team(team_id)
        self._disband(team_id=team_id, occurred_at=occurred_at)

    def add_member(self, team_id: UUID, staff_id: UUID, occurred_at: datetime) -> None:
        self.team(team_id)
        self._free(staff_id)
        self._add(team_id=team_id, staff_id=staff_id, occurred_at=occurred_at)

    def remove_member(self, team_id: UUID, staff_id: UUID, occurred_at: datetime) -> None:
        team = self.team(team_id)
        if staff_id == team.leader_id:
            raise TeamMembershipError("the leader leaves a team only when another leads it")
        if staff_id not in team.members:
            raise NotFoundError("team member", staff_id)
        self._remove(team_id=team_id, staff_id=staff_id, occurred_at=occurred_at)

    def change_leader(self, team_id: UUID, leader_id: UUID, occurred_at: datetime) -> None:
        team = self.team(team_id)
        if leader_id == team.leader_id:
            raise TeamMembershipError("this person already leads the team")
        other = self.team_of(leader_id)
        if other is not None and other.id != team_id:
            raise TeamMembershipError(f"staff {leader_id} is already in team {other.name!r}")
        self._lead(team_id=team_id, leader_id=leader_id, occurred_at=occurred_at)

    def _free(self, staff_id: UUID) -> None:
        other = self.team_of(staff_id)
        if other is not None:
            raise TeamMembershipError(f"staff {staff_id} is already in team {other.name!r}")

    def _name_free(self, name: str, team_id: UUID | None) -> None:
        for team in self.teams.values():
            if team.id != team_id and team.name.casefold() == name.casefold():
                raise TeamNameTakenError(f"a team named {name!r} exists at this store")

    # --- events (assign only: they run again on every replay) -------------------------------------

    @event(TeamFormed)
    def _form(self, team_id: UUID, name: str, leader_id: UUID, occurred_at: datetime) -> None:
        self.teams[team_id] = Team(team_id, name, leader_id, frozenset({leader_id}))

    @event(TeamRenamed)
    def _rename(self, team_id: UUID, name: str, occurred_at: datetime) -> None:
        self.teams[team_id] = replace(self.teams[team_id], name=name)

    @event(TeamDisbanded)
    def _disband(self, team_id: UUID, occurred_at: datetime) -> None:
        del self.teams[team_id]

    @event(MemberAdded)
    def _add(self, team_id: UUID, staff_id: UUID, occurred_at: datetime) -> None:
        team = self.teams[team_id]
        self.teams[team_id] = replace(team, members=team.members | {staff_id})

    @event(MemberRemoved)
    def _remove(self, team_id: UUID, staff_id: UUID, occurred_at: datetime) -> None:
        team = self.teams[team_id]
        self.teams[team_id] = replace(team, members=team.members - {staff_id})

    @event(LeaderChanged)
    def _lead(self, team_id: UUID, leader_id: UUID, occurred_at: datetime) -> None:
        team = self.teams[team_id]
        self.teams[team_id] = replace(team, leader_id=leader_id, members=team.members | {leader_id})
