"""The demo dealer group: deterministic, idempotent, and a log every view and audit accepts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from audit.integrity import verify
from domain.app import Showroom
from domain.organisation.model import Store
from domain.pay.service.payroll import Payroll
from domain.sales.model import Deal
from domain.shared.access import SYSTEM_READ
from ops.simulation import GroupSummary, demo_logins, load_demo, settle_demo_office
from projections.payouts.sources import ViewPayrollSources
from projections.performance import queries as performance_queries
from tests.conftest import sqlite_settings
from workers.runtime import Runtime

TODAY = date(2024, 6, 30)


def small_demo(runtime: Runtime) -> GroupSummary:
    """Two stores, two months: the default's shape at a third of its size, for speed."""
    return load_demo(runtime, seed=11, stores=2, months=2, today=TODAY)


def fresh_runtime(directory: Path) -> Runtime:
    return Runtime.build(sqlite_settings(directory), create_tables=True)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, GroupSummary]]:
    """One demo group shared by the tests that only read it (building one takes seconds)."""
    runtime = fresh_runtime(tmp_path_factory.mktemp("demo"))
    yield runtime, small_demo(runtime)
    runtime.close()


def event_of(app: Showroom, notification: Notification) -> Any:
    return app.mapper.to_domain_event(notification)


def delivered_units_by_store(runtime: Runtime) -> dict[str, int]:
    """Net delivered units per store name, counted from the log itself (not from the summary)."""
    app = runtime.app
    opened = app.recorder.select_notifications(1, 1000, topics=[get_topic(Store.Opened)])
    names = {UUID(str(n.originator_id)): event_of(app, n).name for n in opened}
    units: Counter[str] = Counter()
    topics = [get_topic(Deal.Delivered), get_topic(Deal.Unwound)]
    for notification in app.recorder.select_notifications(1, 1_000_000, topics=topics):
        deal: Deal = app.repository.get(UUID(str(notification.originator_id)), version=1)
        step = 1 if notification.topic == topics[0] else -1
        units[names[deal.store_id]] += step
    return dict(units)


def test_the_same_seed_and_day_build_the_same_group(
    loaded: tuple[Runtime, GroupSummary], tmp_path: Path
) -> None:
    first, one = loaded
    second = fresh_runtime(tmp_path)

    try:
        two = small_demo(second)
        assert one == two
        assert delivered_units_by_store(first) == delivered_units_by_store(second)
    finally:
        second.close()


def test_the_summary_counts_what_the_log_holds(loaded: tuple[Runtime, GroupSummary]) -> None:
    runtime, summary = loaded

    assert summary.loaded
    assert summary.events == runtime.app.position()
    assert summary.delivered_by_store == delivered_units_by_store(runtime)
    assert summary.stores == 2
    totals = summary.totals
    assert totals["leads"] > totals["deals"] > totals["delivered"] > 0


def test_loading_twice_adds_nothing(loaded: tuple[Runtime, GroupSummary]) -> None:
    runtime, _ = loaded
    position = runtime.app.position()

    again = small_demo(runtime)

    assert not again.loaded
    assert runtime.app.position() == position


def test_every_demo_login_authenticates_with_its_role(loaded: tuple[Runtime, GroupSummary]) -> None:
    runtime, _ = loaded

    for username, password, role, _ in demo_logins(stores=2):
        principal = runtime.organisation.authenticate(username, password)
        assert principal is not None, username
        assert principal.role.value == role


def test_demo_events_carry_the_actors_who_did_them(loaded: tuple[Runtime, GroupSummary]) -> None:
    runtime, _ = loaded
    app = runtime.app
    sellers = {
        str(p.user_id)
        for username, password, _, _ in demo_logins(stores=2)
        if username.startswith("sales")
        for p in [runtime.organisation.authenticate(username, password)]
        if p is not None
    }
    signed = app.recorder.select_notifications(1, 100_000, topics=[get_topic(Deal.ContractSigned)])

    actors = {event_of(app, n).actor for n in signed}

    assert actors and actors <= sellers


def test_the_demo_log_projects_into_every_view_and_verifies(
    loaded: tuple[Runtime, GroupSummary],
) -> None:
    runtime, _ = loaded

    runtime.runner.run_until_caught_up()
    report = verify(runtime.app)

    assert runtime.runner.errors == 0
    assert report.ok, report.problems
    assert report.count == runtime.app.position()


def test_the_demo_sells_fni_products_that_its_pay_plan_pays(
    loaded: tuple[Runtime, GroupSummary],
) -> None:
    runtime, _ = loaded
    runtime.runner.run_until_caught_up()
    payroll = Payroll(runtime.app, ViewPayrollSources(runtime.app, runtime.db, 30))
    sellers = [
        runtime.organisation.authenticate(username, password)
        for username, password, _, _ in demo_logins(stores=2)
        if username.startswith("sales")
    ]

    fni = [
        Decimal(payroll.provisional(p, f"{TODAY:%Y-%m}").statement["components"].get("fni", 0))
        for p in sellers
        if p is not None
    ]

    assert len(fni) == len(sellers)
    assert sum(fni) > 0
    assert sum(1 for amount in fni if amount > 0) > len(fni) // 2


def test_the_demo_payroll_approves_each_past_month_and_opens_this_one(tmp_path: Path) -> None:
    """`make run` settles the demo's office so the pages show real figures: targets for every
    month, every month before today approved for the group (its snapshot verifies), this
    month's period open."""
    runtime = fresh_runtime(tmp_path)
    try:
        runtime.runner.start()
        summary = small_demo(runtime)
        runtime.runner.run_until_caught_up()
        assert summary.first_day is not None and summary.last_day is not None
        approved = settle_demo_office(runtime, summary.first_day, summary.last_day)
        runtime.runner.run_until_caught_up()
        finance = runtime.organisation.authenticate("finance", "showroom-finance")
        assert finance is not None
        periods = {p.month: p for p in runtime.payroll.views.periods()}
        assert approved == ["2024-05"]
        assert periods["2024-05"].status == "approved"
        assert periods["2024-06"].status == "open"
        targets = performance_queries.targets(
            runtime.db, "2024-06", target_scope="salesperson", limit=1000, scope=SYSTEM_READ
        )
        assert targets["total"] == 4 * len({t["subject_id"] for t in targets["items"]}) > 0
        verification = runtime.payroll.verify(finance, periods["2024-05"].period_id)
        assert verification.equal and verification.differences == []
        assert (
            Decimal(
                runtime.payroll.totals(
                    runtime.payroll.get_period(finance, periods["2024-05"].period_id)
                )["total"]
            )
            > 0
        )
    finally:
        runtime.close()
