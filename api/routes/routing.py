"""Lead routing: a store's rules (and a team's), the unassigned queue, the fairness report."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from api.deps import ActorDep, RuntimeDep
from api.schemas.common import OptionalMonthQuery, Written
from api.schemas.routing import (
    FairnessOut,
    MatchesIn,
    MatchIn,
    PolicyIn,
    PolicyOut,
    QueueAssign,
    QueuedLeadOut,
    RulesOut,
)
from domain.routing.model import RoutingRules
from domain.routing.policy import Policy
from domain.routing.service import Routing

router = APIRouter(tags=["routing"])


async def _routing(runtime: RuntimeDep) -> Routing:
    return runtime.routing


RoutingDep = Annotated[Routing, Depends(_routing)]


def policy_out(policy: Policy) -> PolicyOut:
    return PolicyOut(
        mode=policy.mode.value,
        weights=dict(policy.weights),
        on_duty_only=policy.on_duty_only,
        cap=policy.cap,
        fallback_id=policy.fallback_id,
    )


def rules_out(rules: RoutingRules, exists: bool) -> RulesOut:
    return RulesOut(
        store_id=rules.store_id,
        version=rules.version if exists else None,
        store=policy_out(rules.store_policy),
        teams={t: policy_out(p) for t, p in rules.team_policies.items()},
        matches=[
            MatchIn(team_id=m.team_id, channel=m.channel, interest=m.interest)
            for m in rules.match_rules
        ],
    )


@router.get("/stores/{store_id}/routing")
def get_rules(store_id: UUID, routing: RoutingDep, actor: ActorDep) -> RulesOut:
    """The store's routing rules (version null: none set, leads are handed out by hand)."""
    rules = routing.get_rules(actor, store_id)
    return rules_out(rules, routing.app.exists(rules.id))


@router.put("/stores/{store_id}/routing", status_code=201)
def set_store_policy(
    store_id: UUID, body: PolicyIn, routing: RoutingDep, actor: ActorDep
) -> Written:
    """Set how the store hands out leads; the first setting turns routing on (managers)."""
    return Written.of(routing.set_store_policy(actor, store_id, **body.model_dump()))


@router.put("/stores/{store_id}/routing/teams/{team_id}", status_code=201)
def set_team_policy(
    store_id: UUID, team_id: UUID, body: PolicyIn, routing: RoutingDep, actor: ActorDep
) -> Written:
    """Give a team its own way of handing out the leads matched to it (managers, its leader)."""
    return Written.of(routing.set_team_policy(actor, store_id, team_id, **body.model_dump()))


@router.post("/stores/{store_id}/routing/teams/{team_id}/clearing", status_code=201)
def clear_team_policy(
    store_id: UUID, team_id: UUID, routing: RoutingDep, actor: ActorDep
) -> Written:
    """The team follows the store's policy again."""
    return Written.of(routing.clear_team_policy(actor, store_id, team_id))


@router.put("/stores/{store_id}/routing/matches", status_code=201)
def set_matches(store_id: UUID, body: MatchesIn, routing: RoutingDep, actor: ActorDep) -> Written:
    """Which leads go to which team, by channel and/or brand or model (first match wins)."""
    items = [m.model_dump() for m in body.matches]
    return Written.of(routing.set_matches(actor, store_id, items))


@router.get("/stores/{store_id}/routing/queue")
def queue(store_id: UUID, routing: RoutingDep, actor: ActorDep) -> list[QueuedLeadOut]:
    """Leads routing could not give anyone, with why, oldest first."""
    return [QueuedLeadOut(**asdict(q)) for q in routing.queue(actor, store_id)]


@router.post("/stores/{store_id}/routing/queue/{lead_id}", status_code=201)
def assign_from_queue(
    store_id: UUID,
    lead_id: UUID,
    body: QueueAssign,
    runtime: RuntimeDep,
    actor: ActorDep,
) -> Written:
    """Give a queued lead to a salesperson (the same rules as any assignment)."""
    return Written.of(runtime.leads.assign_lead(actor, lead_id, body.salesperson_id))


@router.get("/stores/{store_id}/routing/fairness")
def fairness(
    store_id: UUID, routing: RoutingDep, actor: ActorDep, month: OptionalMonthQuery = None
) -> FairnessOut:
    """Per salesperson for a month (YYYY-MM, default this month): leads offered, due and
    received, against weight and time on duty."""
    report = routing.fairness(actor, store_id, month)
    return FairnessOut.model_validate(asdict(report))
