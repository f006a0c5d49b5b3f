"""How the projection runner takes the log: one commit per page for every view, bigger pages
while behind, a failing view holding the page back for all, and PostgreSQL's NOTIFY waking a
runner long before its next poll."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from domain.leads.model import Lead
from projections.projection import Projection, handles
from projections.registry import all_projections
from projections.runner import CATCH_UP_PAGES, ProjectionRunner, failures, positions
from tests.integration.views_world import ADMIN, World, at, open_world
from workers.settings import Settings


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with open_world(settings) as w:
        store = w.store()
        alice = w.salesperson(store, "Alice")
        for n in range(6):
            lead = w.lead(store, alice, at(hours=n))
            w.leads.log_activity(ADMIN, lead, "call", occurred_at=at(hours=n, minutes=5))
        yield w


def test_a_runner_behind_the_log_takes_bigger_pages_and_small_ones_at_the_head(
    world: World,
) -> None:
    runner = world.runner(page_size=1)
    head = world.app.position()
    assert head > 1 + CATCH_UP_PAGES
    sizes: list[int] = []
    select = world.app.recorder.select_notifications

    def counted(*args: Any, **kwargs: Any) -> Any:
        page = select(*args, **kwargs)
        sizes.append(len(page))
        return page

    world.app.recorder.select_notifications = counted  # type: ignore[method-assign]
    try:
        runner.run_until_caught_up()
    finally:
        del world.app.recorder.select_notifications
        runner.stop()

    assert sizes[0] == 1  # a first page of the configured size finds the runner behind...
    assert sizes[1] == CATCH_UP_PAGES  # ...so the next takes CATCH_UP_PAGES pages at once
    assert sum(sizes) == head
    assert set(positions(world.db).values()) == {head}


class Refusing(Projection):
    """A view that fails on every activity logged on a lead."""

    name = "refusing"

    @handles(Lead.Captured, Lead.ActivityLogged)
    def on_lead(self, event: Any, tx: Any) -> None:
        if isinstance(event, Lead.ActivityLogged):
            raise RuntimeError("this view cannot take the event")


def test_a_view_failing_on_a_page_stops_before_its_event_while_every_other_view_commits(
    world: World,
) -> None:
    views = all_projections()
    runner = world.runner([*views, Refusing()])

    runner.run_once()
    runner.stop()

    reached = positions(world.db)
    [failure] = failures(world.db)
    assert failure.name == "refusing" and failure.topic.endswith("Lead.ActivityLogged")
    assert reached.get("refusing", 0) == failure.position - 1
    assert {reached[p.name] for p in views} == {world.app.position()}


@pytest.mark.postgres
def test_a_postgres_append_wakes_a_runner_long_before_its_next_poll(pg_settings: Settings) -> None:
    with open_world(pg_settings) as w:
        store = w.store()
        w.catch_up()
        runner = ProjectionRunner(
            w.app,
            w.db,
            all_projections(),
            lock_dir=pg_settings.data_dir,
            poll_seconds=60,  # a poll would come far too late for this test
            notify_url=pg_settings.database_url,
        )
        runner.start()
        try:
            time.sleep(0.5)  # the listener is connected and the loop waits on its poll
            w.lead(store, None, at())
            head = w.app.position()
            deadline = time.monotonic() + 10
            while min(positions(w.db).values()) < head and time.monotonic() < deadline:
                time.sleep(0.01)
            reached = min(positions(w.db).values())
        finally:
            runner.stop()

    assert reached >= head
