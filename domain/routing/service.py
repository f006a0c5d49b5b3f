"""Routing service: a store's routing settings, the routing of one lead (for the dispatcher's
job), the manager's unassigned queue, and the month's fairness report (docs/routing.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain.app import Showroom, Written
from domain.leads.model import Lead
from domain.organisation.model import Staff, Store
from domain.organisation.service import Organisation
from domain.organisation.teams import SalesTeams
from domain.organisation.working_time import duty_time
from domain.routing.decide import STORE_POOL, Decision, TeamPool, decide, pool_for
from domain.routing.errors import RoutingBusyError
from domain.routing.model import Rotation, RoutingRules
from domain.routing.policy import Match, Mode, Policy, match, matches, policy
from domain.routing.ports import Floor
from domain.shared import months
from domain.shared.access import STORE_BOUND, TEAM_MANAGERS, ensure_role, ensure_store
from domain.shared.actor import SYSTEM, Principal, Role, acting_as
from domain.shared.clock import aware, now
from domain.shared.errors import (
    ConflictError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)

# Leads routed at the same moment conflict on the rotation; each loser reloads and takes the
# next turn, so a burst of N needs up to N attempts.
ROUTE_ATTEMPTS = 30
CAPTURED = "captured"


def trigger_of_request(version: int) -> str:
    return f"requested:{version}"


@dataclass(frozen=True)
class QueuedLead:
    lead_id: UUID
    why: str
    since: datetime
    pool: str
    channel: str
    model_interest: str | None
    captured_at: datetime


@dataclass(frozen=True)
class FairnessLine:
    staff_id: UUID
    name: str
    weight: int
    duty_hours: float
    offered: int  # leads this person was eligible for (in turn)
    due: float  # the sum of their fair shares of those leads
    received: int  # leads given to them in turn or as the fallback
    by_fallback: int
    duty_share: float  # received leads they were due by weight × time on duty


@dataclass(frozen=True)
class Fairness:
    store_id: UUID
    month: str
    routed: int
    queued: int
    lines: list[FairnessLine]


@dataclass(frozen=True)
class RulesView:
    """A store's routing rules as one person may change them: the store's policy (if theirs to
    set), the teams whose policy they set, and whether they set the match rules."""

    rules: RoutingRules
    enabled: bool  # routing rules set: the store's new leads are routed
    store_editable: bool
    teams: list[Any]  # domain.organisation.teams.Team, those the person may set
    all_teams: list[Any]


class Routing:
    """Routing rules of the stores, the routing of leads, the queue and the fairness report."""

    def __init__(self, app: Showroom, floor: Floor, organisation: Organisation | None = None):
        self.app = app
        self.floor = floor
        self.organisation = organisation or Organisation(app)

    # --- settings -------------------------------------------------------------------------------

    def _rules(self, store_id: UUID) -> RoutingRules:
        try:
            return self.app.load(RoutingRules, RoutingRules.create_id(store_id), "routing rules")
        except NotFoundError:
            return RoutingRules(store_id=store_id, occurred_at=now())

    def _teams(self, store_id: UUID) -> SalesTeams | None:
        try:
            return self.app.load(SalesTeams, SalesTeams.id_for(store_id), "teams")
        except NotFoundError:
            return None

    def _store(self, store_id: UUID) -> Store:
        return self.app.load(Store, store_id, "store")

    def get_rules(self, actor: Principal, store_id: UUID) -> RoutingRules:
        """A store's routing rules: its managers, team leaders and the group's roles read them."""
        if actor.role in STORE_BOUND and actor.store_id != store_id:
            raise NotFoundError("store", store_id)
        if actor.role is Role.SALESPERSON:
            raise PermissionDeniedError("salespeople do not read routing rules")
        self._store(store_id)
        return self._rules(store_id)

    def rules_view(self, actor: Principal, store_id: UUID) -> RulesView:
        """The rules and what of them `actor` may change (the pages show only that)."""
        rules = self.get_rules(actor, store_id)
        roster = self._teams(store_id)
        teams = sorted(roster.teams.values(), key=lambda t: t.name.casefold()) if roster else []
        manages = actor.role in TEAM_MANAGERS
        mine = [t for t in teams if manages or t.leader_id == actor.staff_id]
        if not manages and actor.role is not Role.TEAM_LEADER:
            mine = []
        enabled = self.app.exists(rules.id) and rules.store_policy.mode is not Mode.MANUAL
        return RulesView(rules, enabled, manages, mine, teams)

    def _checked_policy(self, store_id: UUID, data: dict[str, Any]) -> Policy:
        chosen = policy(**data)
        for staff_id in [*chosen.weights, chosen.fallback_id]:
            if staff_id is not None:
                self.organisation.active_salesperson(store_id, staff_id)
        return chosen

    def set_store_policy(self, actor: Principal, store_id: UUID, **data: Any) -> Written:
        """Set how the store hands out leads (admin, the store's manager)."""
        with acting_as(actor):
            ensure_role(actor, *TEAM_MANAGERS)
            ensure_store(actor, store_id)
            self._store(store_id)
            rules = self._rules(store_id)
            rules.set_store_policy(self._checked_policy(store_id, data), aware(None))
            return self.app.written(rules)

    def _team(self, actor: Principal, store_id: UUID, team_id: UUID) -> None:
        """A team's policy: the store's manager and admins, or the team's own leader."""
        if actor.role is Role.TEAM_LEADER:
            ensure_store(actor, store_id)
        else:
            ensure_role(actor, *TEAM_MANAGERS)
            ensure_store(actor, store_id)
        roster = self._teams(store_id)
        if roster is None or team_id not in roster.teams:
            raise NotFoundError("team", team_id)
        if actor.role is Role.TEAM_LEADER and roster.teams[team_id].leader_id != actor.staff_id:
            raise PermissionDeniedError("a team leader sets the routing of the own team only")

    def set_team_policy(
        self, actor: Principal, store_id: UUID, team_id: UUID, **data: Any
    ) -> Written:
        """Give a team its own way of handing out the leads matched to it."""
        with acting_as(actor):
            self._team(actor, store_id, team_id)
            chosen = self._checked_policy(store_id, data)
            roster = self._teams(store_id)
            assert roster is not None  # checked by _team
            members = roster.teams[team_id].everyone
            for staff_id in chosen.weights:
                if staff_id not in members:
                    raise InvalidValueError(
                        f"staff {staff_id} is not in this team", field="weights"
                    )
            rules = self._rules(store_id)
            rules.set_team_policy(team_id, chosen, aware(None))
            return self.app.written(rules)

    def clear_team_policy(self, actor: Principal, store_id: UUID, team_id: UUID) -> Written:
        """The team follows the store's policy again."""
        with acting_as(actor):
            self._team(actor, store_id, team_id)
            rules = self._rules(store_id)
            rules.clear_team_policy(team_id, aware(None))
            return self.app.written(rules)

    def set_matches(self, actor: Principal, store_id: UUID, items: list[dict[str, Any]]) -> Written:
        """Which leads go to which team: by channel and/or brand or model (first match wins)."""
        with acting_as(actor):
            ensure_role(actor, *TEAM_MANAGERS)
            ensure_store(actor, store_id)
            self._store(store_id)
            roster = self._teams(store_id)
            made: list[Match] = []
            for item in items:
                team_id = item["team_id"]
                if roster is None or team_id not in roster.teams:
                    raise InvalidValueError(f"no team {team_id} at this store", field="team_id")
                made.append(match(team_id, item.get("channel"), item.get("interest")))
            rules = self._rules(store_id)
            rules.set_matches(matches(made), aware(None))
            return self.app.written(rules)

    # --- routing one lead (the dispatcher's job, as the system) ----------------------------------

    def route(
        self, lead_id: UUID, trigger: str, previous_id: UUID | None = None
    ) -> Decision | None:
        """Route a captured lead without an owner, or a lead that asked to be routed again;
        None when there is nothing to do (done already, owned, closed). Idempotent."""
        with acting_as(SYSTEM):
            for _ in range(ROUTE_ATTEMPTS):
                try:
                    return self._route_once(lead_id, trigger, previous_id)
                except ConflictError:
                    continue  # another lead took the turn (or this one was routed): reload
            raise RoutingBusyError(f"lead {lead_id} could not be routed in {ROUTE_ATTEMPTS} tries")

    def _route_once(self, lead_id: UUID, trigger: str, previous_id: UUID | None) -> Decision | None:
        lead = self.app.load(Lead, lead_id, "lead")
        if not lead.is_open:
            return None
        if trigger == CAPTURED and lead.salesperson_id is not None:
            return None  # given to someone at capture, or by hand before routing ran
        if trigger != CAPTURED and lead.salesperson_id != previous_id:
            return None  # handed to someone else since the request
        try:
            settings = self.app.load(
                RoutingRules, RoutingRules.create_id(lead.store_id), "routing rules"
            )
        except NotFoundError:
            return None  # the store's manager hands leads out by hand (no routing rules set)
        store = self._store(lead.store_id)
        at = now()
        rotation = self._rotation(store, months.of_moment(at, store.timezone))
        if trigger_key(lead_id, trigger) in rotation.handled:
            return None
        roster = self._teams(store.id)
        teams = {
            t.id: TeamPool(t.leader_id, t.everyone)
            for t in (roster.teams.values() if roster else ())
        }
        rules = settings.rules
        pool, chosen = pool_for(rules, teams, lead.channel.value, lead.model_interest)[:2]
        if chosen.mode is Mode.MANUAL:
            return None  # this pool's leads are handed out by hand (routing switched off)
        decision = decide(
            rules,
            teams,
            self.floor.sellers(store.id, at),
            rotation.pool_credits(pool),
            channel=lead.channel.value,
            model_interest=lead.model_interest,
            exclude=previous_id if trigger != CAPTURED else None,
        )
        rotation.record(lead_id, trigger_key(lead_id, trigger), decision, decision.why.value, at)
        if decision.assignee_id is not None:
            lead.assign(decision.assignee_id, occurred_at=at)
        self.app.commit(lead, rotation)
        return decision

    def _rotation(self, store: Store, month: str) -> Rotation:
        try:
            return self.app.load(Rotation, Rotation.create_id(store.id, month), "rotation")
        except NotFoundError:
            pass
        credits: dict[str, dict[str, float]] = {}
        try:
            before = self.app.load(
                Rotation, Rotation.create_id(store.id, months.previous_month(month)), "rotation"
            )
            credits = {p: dict(c) for p, c in before.credits.items()}
        except NotFoundError:
            pass
        return Rotation(store_id=store.id, month=month, credits=credits, occurred_at=now())

    # --- the unassigned queue -------------------------------------------------------------------

    def _readable_store(self, actor: Principal, store_id: UUID) -> Store:
        if actor.role in STORE_BOUND and actor.store_id != store_id:
            raise NotFoundError("store", store_id)
        if actor.role not in (Role.ADMIN, Role.STORE_MANAGER, Role.TEAM_LEADER, Role.GROUP_EXEC):
            raise PermissionDeniedError("the routing queue is for managers and team leaders")
        return self._store(store_id)

    def queue(self, actor: Principal, store_id: UUID) -> list[QueuedLead]:
        """Leads routing left for a person, with why, oldest first (this month and last); a
        team leader sees those of the team's pool."""
        store = self._readable_store(actor, store_id)
        month = months.of_moment(now(), store.timezone)
        pools: dict[UUID, str] = {}
        found: dict[UUID, tuple[str, datetime]] = {}
        for m in (months.previous_month(month), month):
            try:
                rotation = self.app.load(Rotation, Rotation.create_id(store_id, m), "rotation")
            except NotFoundError:
                continue
            found.update(rotation.queue)
            pools.update(rotation.pools)
        led = self._led_team(actor, store_id)
        items = []
        for lead_id, (why, since) in found.items():
            if led is not None and pools.get(lead_id) != str(led):
                continue
            lead = self.app.load(Lead, lead_id, "lead")
            if not lead.is_open or lead.salesperson_id is not None:
                continue  # assigned by hand since, or closed
            items.append(
                QueuedLead(
                    lead_id,
                    why,
                    since,
                    pools.get(lead_id, STORE_POOL),
                    lead.channel.value,
                    lead.model_interest,
                    lead.captured_at,
                )
            )
        return sorted(items, key=lambda q: (q.since, str(q.lead_id)))

    def _led_team(self, actor: Principal, store_id: UUID) -> UUID | None:
        if actor.role is not Role.TEAM_LEADER:
            return None
        roster = self._teams(store_id)
        team = roster.led_by(actor.staff_id) if roster and actor.staff_id else None
        if team is None:
            raise PermissionDeniedError("this team leader leads no team")
        return team.id

    # --- fairness -------------------------------------------------------------------------------

    def fairness(self, actor: Principal, store_id: UUID, month: str | None = None) -> Fairness:
        """Per salesperson for a month: leads offered, due and received, against their weight
        and time on duty (a team leader: the team's people)."""
        store = self._readable_store(actor, store_id)
        month = months.parse(month) if month else months.of_moment(now(), store.timezone)
        try:
            rotation: Rotation | None = self.app.load(
                Rotation, Rotation.create_id(store_id, month), "rotation"
            )
        except NotFoundError:
            rotation = None
        tally = dict(rotation.tally) if rotation else {}
        led = self._led_team(actor, store_id)
        roster = self._teams(store_id)
        people = set(tally) | {s.staff_id for s in self.floor.sellers(store_id, now())}
        if led is not None and roster is not None:
            people &= roster.teams[led].everyone
        start = months.start(month, store.timezone)
        end = min(months.start(months.next_month(month), store.timezone), max(now(), start))
        store_policy = self._rules(store_id).store_policy
        rows = []
        for staff_id in people:
            staff = self.app.load(Staff, staff_id, "staff")
            hours = duty_time(store.hours, staff.duty, start, end) / timedelta(hours=1)
            offered, due, received, fallback = tally.get(staff_id, [0, 0.0, 0, 0])
            rows.append(
                (staff, store_policy.weight(staff_id), hours, offered, due, received, fallback)
            )
        weighted = sum(w * h for _, w, h, *_ in rows)
        total = sum(r[5] for r in rows)
        lines = [
            FairnessLine(
                staff.id,
                staff.name,
                weight,
                round(hours, 2),
                int(offered),
                round(due, 2),
                int(received),
                int(fallback),
                round(total * weight * hours / weighted, 2) if weighted else 0.0,
            )
            for staff, weight, hours, offered, due, received, fallback in rows
        ]
        lines.sort(key=lambda line: (line.name.casefold(), str(line.staff_id)))
        queued = sum(1 for _ in rotation.queue) if rotation else 0
        return Fairness(store_id, month, rotation.routed if rotation else 0, queued, lines)


def trigger_key(lead_id: UUID, trigger: str) -> str:
    return f"{lead_id}:{trigger}"
