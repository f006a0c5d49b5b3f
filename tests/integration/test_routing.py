"""Lead routing end to end, on SQLite and PostgreSQL: captured leads without an owner are
dealt in turn by the dispatcher's job, each exactly once, across a dispatcher killed before it
sends, a router killed mid-decision, a job delivered again and leads routed at the same moment;
a lead nobody can take waits in the manager's queue with the reason; a lead that asks to be
routed again never goes back to the owner it leaves; the fairness report counts it all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from domain.leads.model import Lead
from domain.routing.model import Rotation
from domain.routing.service import CAPTURED
from domain.shared import months
from domain.shared.actor import SYSTEM, Principal, Role
from domain.shared.clock import now
from domain.shared.errors import InvalidValueError, PermissionDeniedError
from tests.integration.conftest import Api, World, build_world
from workers import broker as job_broker
from workers import files
from workers.broker import Jobs
from workers.dispatcher import BrokerSender, Dispatch
from workers.runtime import Runtime
from workers.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

# A dispatcher that dies with SIGKILL the moment it would hand its first job to the queue.
DISPATCHER_VICTIM = """
import os, signal
from workers.settings import Settings
from workers.dispatcher import Dispatch
from workers.runtime import Runtime

class Killed:
    def send(self, actor, args, job):
        os.kill(os.getpid(), signal.SIGKILL)

settings = Settings.from_env()
runtime = Runtime.build(settings)
Dispatch(runtime.app, runtime.db, Killed(), lock_dir=settings.data_dir).run_until_idle()
"""

# A router that decides, then dies with SIGKILL as it commits the assignment.
ROUTER_VICTIM = """
import os, signal, sys
from uuid import UUID
from workers.settings import Settings
from workers.runtime import Runtime

settings = Settings.from_env()
runtime = Runtime.build(settings)
runtime.runner.start()
def die(*aggregates):
    os.kill(os.getpid(), signal.SIGKILL)
runtime.app.commit = die
runtime.routing.route(UUID(sys.argv[1]), "captured")
"""


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {
        "SHOWROOM_DATA_DIR": str(settings.data_dir),
        "SHOWROOM_SECRET_KEY": settings.secret_key,
        "SHOWROOM_PG_SCHEMA": settings.postgres_schema,
        "PYTHONPATH": str(ROOT),
    }
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    return env


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    built = Runtime.build(settings, create_tables=True)
    files.migrate(built.db)
    built.runner.start()
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def jobs(settings: Settings, runtime: Runtime) -> Iterator[Jobs]:
    configured = job_broker.configure(settings, runtime)
    configured.worker_threads = 1
    configured.start_worker()
    try:
        yield configured
    finally:
        configured.stop_worker()


@pytest.fixture
def world(runtime: Runtime) -> World:
    built = build_world(runtime)
    # Nobody has shifts in the test world: routing among everyone of the store, on duty or not.
    runtime.routing.set_store_policy(SYSTEM, built.store_a, mode="round_robin", on_duty_only=False)
    return built


def capture(runtime: Runtime, world: World, n: int, model: str | None = None) -> UUID:
    written = runtime.leads.capture_lead(
        SYSTEM,
        world.store_a,
        "phone",
        customer_name=f"Customer {n}",
        customer_phone=f"1380000{n:04d}",
        model_interest=model,
    )
    return written.id


def dispatch_all(runtime: Runtime, jobs: Jobs) -> None:
    dispatcher = Dispatch(
        runtime.app, runtime.db, BrokerSender(jobs.broker), lock_dir=runtime.settings.data_dir
    )
    try:
        dispatcher.run_until_idle()
        jobs.join()
    finally:
        dispatcher.stop()


def owner(runtime: Runtime, lead_id: UUID) -> UUID | None:
    lead: Lead = runtime.app.load(Lead, lead_id, "lead")
    return lead.salesperson_id


def routed_events(runtime: Runtime, world: World) -> list[Any]:
    month = months.of_moment(now(), "Asia/Shanghai")
    ident = Rotation.create_id(world.store_a, month)
    return [e for e in runtime.app.events.get(ident) if isinstance(e, Rotation.Routed)]


def assignments(runtime: Runtime, lead_id: UUID) -> int:
    return sum(isinstance(e, Lead.Assigned) for e in runtime.app.events.get(lead_id))


SELLERS = ("manager_a", "sales_a1", "sales_a2")  # a store manager sells too


def test_captured_leads_are_dealt_in_turn_once_each_and_counted_by_the_fairness_report(
    runtime: Runtime, jobs: Jobs, world: World
) -> None:
    leads = [capture(runtime, world, n) for n in range(6)]

    dispatch_all(runtime, jobs)
    dispatch_all(runtime, jobs)  # a second run records and routes nothing again

    owners = Counter(owner(runtime, lead) for lead in leads)
    assert owners == {world.staff[name]: 2 for name in SELLERS}
    assert all(assignments(runtime, lead) == 1 for lead in leads)
    report = runtime.routing.fairness(SYSTEM, world.store_a)
    lines = {line.staff_id: line for line in report.lines}
    assert {(lines[world.staff[n]].offered, lines[world.staff[n]].received) for n in SELLERS} == {
        (6, 2)
    }


def test_a_store_switched_to_by_hand_routes_nothing_and_keeps_its_other_rules(
    runtime: Runtime, jobs: Jobs, world: World
) -> None:
    runtime.routing.set_store_policy(SYSTEM, world.store_a, mode="manual", on_duty_only=False)
    lead = capture(runtime, world, 1)

    dispatch_all(runtime, jobs)

    assert owner(runtime, lead) is None, "the manager hands this store's leads out"
    assert routed_events(runtime, world) == [], "no turn was taken"
    assert runtime.routing.queue(SYSTEM, world.store_a) == []
    assert not runtime.routing.rules_view(SYSTEM, world.store_a).enabled

    # Switched back on, the next lead is routed again (the rules were kept).
    runtime.routing.set_store_policy(SYSTEM, world.store_a, mode="round_robin", on_duty_only=False)
    later = capture(runtime, world, 2)
    dispatch_all(runtime, jobs)
    assert owner(runtime, later) is not None and owner(runtime, lead) is None


def test_a_lead_nobody_on_duty_can_take_waits_in_the_queue_until_the_manager_assigns_it(
    runtime: Runtime, jobs: Jobs, world: World
) -> None:
    runtime.routing.set_store_policy(SYSTEM, world.store_a, mode="round_robin", on_duty_only=True)
    lead = capture(runtime, world, 1)

    dispatch_all(runtime, jobs)
    queued = runtime.routing.queue(SYSTEM, world.store_a)
    runtime.leads.assign_lead(SYSTEM, lead, world.staff["sales_a1"])

    assert [(q.lead_id, q.why) for q in queued] == [(lead, "none_on_duty")]
    assert runtime.routing.queue(SYSTEM, world.store_a) == []


def test_a_lead_routed_again_never_goes_back_to_the_owner_it_leaves(
    runtime: Runtime, jobs: Jobs, world: World
) -> None:
    lead_id = capture(runtime, world, 1)
    dispatch_all(runtime, jobs)
    first = owner(runtime, lead_id)
    lead: Lead = runtime.app.load(Lead, lead_id, "lead")

    lead.request_routing("sla_breach", now())
    runtime.app.commit(lead)
    dispatch_all(runtime, jobs)

    assert owner(runtime, lead_id) not in (None, first)
    assert assignments(runtime, lead_id) == 2


def test_a_dispatcher_killed_before_sending_loses_and_doubles_no_assignment(
    settings: Settings, runtime: Runtime, jobs: Jobs, world: World
) -> None:
    leads = [capture(runtime, world, n) for n in range(3)]

    victim = subprocess.run(
        [sys.executable, "-c", DISPATCHER_VICTIM],
        env=_env(settings),
        cwd=ROOT,
        timeout=180,
        check=False,
    )
    dispatch_all(runtime, jobs)

    assert victim.returncode == -signal.SIGKILL
    assert sorted(assignments(runtime, lead) for lead in leads) == [1, 1, 1]
    assert len({owner(runtime, lead) for lead in leads}) == 3
    assert len(routed_events(runtime, world)) == 3


def test_a_router_killed_as_it_commits_leaves_the_lead_to_be_routed_once_after_restart(
    settings: Settings, runtime: Runtime, jobs: Jobs, world: World
) -> None:
    lead = capture(runtime, world, 1)

    victim = subprocess.run(
        [sys.executable, "-c", ROUTER_VICTIM, str(lead)],
        env=_env(settings),
        cwd=ROOT,
        timeout=180,
        check=False,
    )
    before = owner(runtime, lead)
    dispatch_all(runtime, jobs)

    assert victim.returncode == -signal.SIGKILL
    assert before is None
    assert assignments(runtime, lead) == 1
    assert len(routed_events(runtime, world)) == 1


def test_leads_routed_at_the_same_moment_never_share_a_turn_and_a_redelivery_does_nothing(
    runtime: Runtime, world: World
) -> None:
    leads = [capture(runtime, world, n) for n in range(9)]
    errors: list[BaseException] = []

    def route(lead: UUID) -> None:
        try:
            runtime.routing.route(lead, CAPTURED)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=route, args=(lead,)) for lead in leads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    again = [runtime.routing.route(lead, CAPTURED) for lead in leads]

    assert errors == []
    assert Counter(owner(runtime, lead) for lead in leads) == {
        world.staff[name]: 3 for name in SELLERS
    }
    assert again == [None] * 9
    assert len(routed_events(runtime, world)) == 9


def test_the_routing_routes_answer_and_refuse_through_http(api: Api) -> None:
    store = api.world.store_a
    path = f"/stores/{store}/routing"
    body = {"mode": "weighted", "weights": {str(api.world.staff["sales_a1"]): 3}, "cap": 5}

    set_ = api.client.put(path, json=body, headers=api.headers("manager_a"))
    bad = api.client.put(path, json={"mode": "lottery"}, headers=api.headers("manager_a"))
    seller = api.client.put(path, json=body, headers=api.headers("sales_a1"))
    read = api.get("manager_a", path)
    report = api.get("manager_a", f"{path}/fairness?month=2026-13")

    assert set_.status_code == 201, set_.text
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem")
    assert seller.status_code == 403
    assert read.json()["store"]["weights"] == {str(api.world.staff["sales_a1"]): 3}
    assert report.status_code == 422


def test_a_team_leader_sets_the_own_teams_routing_and_its_matched_leads_stay_in_the_team(
    runtime: Runtime, world: World
) -> None:
    store, a1, a2 = world.store_a, world.staff["sales_a1"], world.staff["sales_a2"]
    team = runtime.front.form_team(SYSTEM, store, "Dragon", a1).team_id
    runtime.front.add_member(SYSTEM, store, team, a2)
    leader = Principal(
        user_id="leader",
        role=Role.TEAM_LEADER,
        store_id=store,
        staff_id=a1,
        team=frozenset({a1, a2}),
    )

    runtime.routing.set_team_policy(
        leader, store, team, mode="weighted", weights={a2: 2}, on_duty_only=False
    )
    runtime.routing.set_matches(SYSTEM, store, [{"team_id": team, "interest": "han"}])
    leads = [capture(runtime, world, n, model="Han EV") for n in range(6)]
    for lead in leads:
        runtime.routing.route(lead, CAPTURED)

    with pytest.raises(PermissionDeniedError):
        runtime.routing.set_store_policy(leader, store, mode="round_robin")
    with pytest.raises(PermissionDeniedError):
        runtime.routing.set_matches(leader, store, [])
    with pytest.raises(InvalidValueError):
        runtime.routing.set_team_policy(
            SYSTEM, store, team, mode="weighted", weights={world.staff["manager_a"]: 2}
        )
    assert Counter(owner(runtime, lead) for lead in leads) == {a1: 2, a2: 4}
