"""The routing aggregates: `RoutingRules` (a store's settings, history kept as events) and
`Rotation` (a store's turns and tallies for one month, saved with every routed lead).

Why a rotation aggregate saved in the same commit as the lead's assignment: the commit is
atomic and checks both versions, so two leads routed at the same moment cannot both take the
same turn (the second save conflicts, reloads and takes the next), and a routed lead is
recorded in the rotation exactly when its assignment is: a crash before the commit leaves
neither, a job delivered again finds its trigger already handled. One rotation per store and
month keeps each small (a month's leads), and the month's tallies are the fairness report.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.routing.decide import Decision, Rules
from domain.routing.policy import (
    Match,
    Policy,
    match_from_event,
    policy_from_event,
)
from domain.shared.aggregate import ShowroomAggregate

ROUTING_NAMESPACE = UUID("0f5a3c2e-8d71-4b6e-a2c9-3e1d7b4f6a58")


def rules_id_for(store_id: UUID) -> UUID:
    return uuid5(ROUTING_NAMESPACE, f"rules:{store_id}")


def rotation_id_for(store_id: UUID, month: str) -> UUID:
    return uuid5(ROUTING_NAMESPACE, f"rotation:{store_id}:{month}")


class RoutingRules(ShowroomAggregate):
    """A store's routing settings: its policy, each team's own policy, the match rules."""

    class Started(ShowroomAggregate.Created):
        store_id: UUID

    class StorePolicySet(ShowroomAggregate.Event):
        policy: dict[str, Any]

    class TeamPolicySet(ShowroomAggregate.Event):
        team_id: UUID
        policy: dict[str, Any]

    class TeamPolicyCleared(ShowroomAggregate.Event):
        """The team follows the store's policy again."""

        team_id: UUID

    class MatchesSet(ShowroomAggregate.Event):
        matches: list[dict[str, Any]]

    @staticmethod
    def create_id(store_id: UUID) -> UUID:
        return rules_id_for(store_id)

    @event(Started)
    def __init__(self, store_id: UUID, occurred_at: datetime) -> None:
        self.store_id = store_id
        self.store_policy = Policy()
        self.team_policies: dict[UUID, Policy] = {}
        self.match_rules: tuple[Match, ...] = ()

    @property
    def rules(self) -> Rules:
        return Rules(self.store_policy, dict(self.team_policies), self.match_rules)

    def set_store_policy(self, policy: Policy, occurred_at: datetime) -> None:
        self._set_store(policy=policy.as_event(), occurred_at=occurred_at)

    def set_team_policy(self, team_id: UUID, policy: Policy, occurred_at: datetime) -> None:
        self._set_team(team_id=team_id, policy=policy.as_event(), occurred_at=occurred_at)

    def clear_team_policy(self, team_id: UUID, occurred_at: datetime) -> None:
        if team_id in self.team_policies:
            self._clear_team(team_id=team_id, occurred_at=occurred_at)

    def set_matches(self, matches: tuple[Match, ...], occurred_at: datetime) -> None:
        self._set_matches(matches=[m.as_event() for m in matches], occurred_at=occurred_at)

    # --- events (assign only: they run again on every replay) -----------------------------------

    @event(StorePolicySet)
    def _set_store(self, policy: dict[str, Any], occurred_at: datetime) -> None:
        self.store_policy = policy_from_event(policy)

    @event(TeamPolicySet)
    def _set_team(self, team_id: UUID, policy: dict[str, Any], occurred_at: datetime) -> None:
        self.team_policies[team_id] = policy_from_event(policy)

    @event(TeamPolicyCleared)
    def _clear_team(self, team_id: UUID, occurred_at: datetime) -> None:
        self.team_policies.pop(team_id, None)

    @event(MatchesSet)
    def _set_matches(self, matches: list[dict[str, Any]], occurred_at: datetime) -> None:
        self.match_rules = tuple(match_from_event(m) for m in matches)


class Rotation(ShowroomAggregate):
    """One store's turns for one month: the credits of each pool, the triggers handled, the
    leads left for the manager, and per person the leads offered, due and received."""

    class Started(ShowroomAggregate.Created):
        store_id: UUID
        month: str
        credits: dict[str, dict[str, float]]  # carried over from the month before

    class Routed(ShowroomAggregate.Event):
        lead_id: UUID
        trigger: str  # what asked (a capture, a routing request): handled once
        assignee_id: UUID | None
        reason: str  # decide.Why: a turn, or why the pool had nobody eligible
        fallback: bool
        pool: str
        shares: dict[str, float]  # the offered people and their share of this lead
        credits: dict[str, float]  # the pool's credits after the decision

    @staticmethod
    def create_id(store_id: UUID, month: str) -> UUID:
        return rotation_id_for(store_id, month)

    @event(Started)
    def __init__(
        self,
        store_id: UUID,
        month: str,
        credits: dict[str, dict[str, float]],
        occurred_at: datetime,
    ) -> None:
        self.store_id = store_id
        self.month = month
        self.credits: dict[str, dict[str, float]] = {p: dict(c) for p, c in credits.items()}
        self.handled: set[str] = set()
        self.queue: dict[UUID, tuple[str, datetime]] = {}
        self.pools: dict[UUID, str] = {}  # the pool of each lead left in the queue
        # staff id -> [offered, due (sum of fair shares), received, of them by fallback]
        self.tally: dict[UUID, list[float]] = {}
        self.routed = 0

    def pool_credits(self, pool: str) -> dict[UUID, float]:
        return {UUID(k): v for k, v in self.credits.get(pool, {}).items()}

    def record(
        self, lead_id: UUID, trigger: str, decision: Decision, reason: str, occurred_at: datetime
    ) -> None:
        """Record a decision (the caller checked the trigger is not handled yet)."""
        self._routed(
            lead_id=lead_id,
            trigger=trigger,
            assignee_id=decision.assignee_id,
            reason=reason,
            fallback=decision.fallback,
            pool=decision.pool,
            shares={str(k): v for k, v in decision.shares.items()},
            credits={str(k): v for k, v in decision.credits.items()},
            occurred_at=occurred_at,
        )

    @event(Routed)
    def _routed(
        self,
        lead_id: UUID,
        trigger: str,
        assignee_id: UUID | None,
        reason: str,
        fallback: bool,
        pool: str,
        shares: Mapping[str, float],
        credits: Mapping[str, float],
        occurred_at: datetime,
    ) -> None:
        self.handled.add(trigger)
        self.credits[pool] = dict(credits)
        self.routed += 1
        for staff, share in shares.items():
            line = self.tally.setdefault(UUID(staff), [0, 0.0, 0, 0])
            line[0] += 1
            line[1] += share
        if assignee_id is None:
            self.queue[lead_id] = (reason, occurred_at)
            self.pools[lead_id] = pool
            return
        self.queue.pop(lead_id, None)
        self.pools.pop(lead_id, None)
        line = self.tally.setdefault(assignee_id, [0, 0.0, 0, 0])
        line[2] += 1
        if fallback:
            line[3] += 1
