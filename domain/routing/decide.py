"""The routing decision as a pure function: who of the floor gets a lead, or why nobody does.

Turns are a smooth weighted round robin over *credits*: at each lead every eligible person's
credit grows by their fair share of it (weight / the eligible's total weight), and the person
chosen (highest credit; ties to the fewest open leads, then the lowest staff id) pays 1. So a
person's credit is always exactly the leads they were due minus the leads they received while
eligible, whoever was on duty when; nobody runs ahead or behind by more than a lead or so.
Plain round robin is the same with every weight 1. The credits live in the store's `Rotation`
(domain/routing/model.py), saved with the assignment, so two leads never take the same turn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from domain.routing.policy import Match, Policy

STORE_POOL = "store"


class Why(StrEnum):
    """Why a lead went to its fallback, or to the manager's unassigned queue."""

    ROTATION = "rotation"  # someone eligible took their turn
    NOBODY_IN_POOL = "nobody_in_pool"  # the store (or matched team) has no active seller
    NONE_ON_DUTY = "none_on_duty"
    ALL_AT_CAP = "all_at_cap"
    ONLY_PREVIOUS_OWNER = "only_previous_owner"  # re-routing never offers a lead back


@dataclass(frozen=True)
class Seller:
    """One active seller of the store as routing sees them now."""

    staff_id: UUID
    on_duty: bool
    open_leads: int
    team_id: UUID | None = None


@dataclass(frozen=True)
class TeamPool:
    leader_id: UUID
    members: frozenset[UUID]  # the leader included


@dataclass(frozen=True)
class Rules:
    """A store's routing settings: its policy, its teams' own policies, the match rules."""

    store: Policy = field(default_factory=Policy)
    teams: Mapping[UUID, Policy] = field(default_factory=dict)
    matches: tuple[Match, ...] = ()


@dataclass(frozen=True)
class Decision:
    assignee_id: UUID | None  # None: the manager's unassigned queue
    why: Why  # ROTATION when a turn was taken; else why the pool had nobody eligible
    fallback: bool  # the assignee is the pool's fallback, not a turn
    pool: str  # STORE_POOL or a team's id
    offered: tuple[UUID, ...]  # the eligible people the lead was offered to (in turn)
    shares: Mapping[UUID, float]  # each offered person's fair share of this lead
    credits: Mapping[UUID, float]  # the pool's credits after the decision


def pool_for(
    rules: Rules, teams: Mapping[UUID, TeamPool], channel: str, model_interest: str | None
) -> tuple[str, Policy, frozenset[UUID] | None, UUID | None]:
    """The pool a lead belongs to: the first match rule's team (its policy, else the store's;
    its members; its leader as the default fallback), else the whole store."""
    for rule in rules.matches:
        team = teams.get(rule.team_id)
        if team is not None and rule.fits(channel, model_interest):
            chosen = rules.teams.get(rule.team_id, rules.store)
            fallback = chosen.fallback_id or team.leader_id
            return str(rule.team_id), chosen, team.members, fallback
    return STORE_POOL, rules.store, None, rules.store.fallback_id


def decide(
    rules: Rules,
    teams: Mapping[UUID, TeamPool],
    floor: Iterable[Seller],
    credits: Mapping[UUID, float],
    *,
    channel: str,
    model_interest: str | None,
    exclude: UUID | None = None,
) -> Decision:
    """Who gets a lead of `channel` / `model_interest`; `credits`: the pool's current credits;
    `exclude`: the owner a re-routed lead leaves (never offered it again)."""
    pool, chosen, members, fallback = pool_for(rules, teams, channel, model_interest)
    everyone = list(floor)
    sellers = {s.staff_id: s for s in everyone if members is None or s.staff_id in members}
    in_pool = [s for s in sellers.values() if s.staff_id != exclude]
    on_duty = [s for s in in_pool if s.on_duty or not chosen.on_duty_only]
    eligible = sorted(
        (s for s in on_duty if chosen.cap is None or s.open_leads < chosen.cap),
        key=lambda s: str(s.staff_id),
    )
    if eligible:
        total = sum(chosen.weight(s.staff_id) for s in eligible)
        shares = {s.staff_id: chosen.weight(s.staff_id) / total for s in eligible}
        after = dict(credits)
        for staff_id, share in shares.items():
            # Rounded so that equal credits tie exactly (1/6 three times is not 0.5 in floats).
            after[staff_id] = round(after.get(staff_id, 0.0) + share, 9)
        # Credits equal to six places tie (rounding leaves a few 1e-9 behind).
        winner = min(
            eligible, key=lambda s: (-round(after[s.staff_id], 6), s.open_leads, str(s.staff_id))
        )
        after[winner.staff_id] = round(after[winner.staff_id] - 1.0, 9)
        offered = tuple(s.staff_id for s in eligible)
        return Decision(winner.staff_id, Why.ROTATION, False, pool, offered, shares, after)
    if not sellers:
        why = Why.NOBODY_IN_POOL
    elif not in_pool:
        why = Why.ONLY_PREVIOUS_OWNER
    elif not on_duty:
        why = Why.NONE_ON_DUTY
    else:
        why = Why.ALL_AT_CAP
    # The fallback is a person, not a turn: an active seller of the store (on duty or not, at
    # their cap or not), never the owner the lead leaves; else the manager's queue.
    active = {s.staff_id for s in everyone}
    catch = fallback if fallback in active and fallback != exclude else None
    return Decision(catch, why, catch is not None, pool, (), {}, dict(credits))
