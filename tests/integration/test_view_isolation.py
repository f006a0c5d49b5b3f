"""A view that cannot project an event stops alone, says so, and resumes after a fix.

One accepted request once froze every view: the runner committed a page for all views in one
transaction and retried the failing page for ever. These tests plant an event a view fails on
(a fragile copy of the KPI view that raises on chosen events, as a code defect would) and an
event of an implausible time written past the domain's checks (as an old log may hold).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.domain import Aggregate

from domain.leads.model import Lead
from ops.cli import main
from projections.db import Tx
from projections.registry import all_projections
from projections.runner import failures, migrate, positions, reset
from projections.salesperson_kpi.projection import SalespersonKpiProjection
from tests.integration.views_world import World, at, open_world, table_rows
from workers import dispatcher
from workers.dispatcher import Job
from workers.runtime import Runtime
from workers.settings import Settings

KPI = "salesperson_kpi"


class FragileKpi(SalespersonKpiProjection):
    """The KPI view with a defect: it raises on the events named in `poison`."""

    poison: set[tuple[Any, int]] = set()

    def handle(self, topic: str, event: Any, tx: Tx) -> None:
        if (event.originator_id, event.originator_version) in self.poison:
            raise OverflowError("date value out of range")
        super().handle(topic, event, tx)


def with_fragile_kpi() -> list[Any]:
    return [FragileKpi() if p.name == KPI else p for p in all_projections()]


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    FragileKpi.poison = set()
    with open_world(settings) as w:
        store = w.store()
        seller = w.salesperson(store, "Alice")
        w.lead(store, seller, at(hours=1))
        w.delivered_deal(store, seller, at(days=1))
        yield w
    FragileKpi.poison = set()


def poison_next_activity(world: World) -> int:
    """Log an activity the fragile view fails on, then more work after it; its position."""
    store = world.store("Tianhe BYD")
    seller = world.salesperson(store, "Bob")
    lead_id = world.lead(store, seller, at(hours=2))
    world.leads.log_activity(world_admin(), lead_id, "call", occurred_at=at(hours=3))
    lead = world.app.repository.get(lead_id)
    FragileKpi.poison.add((lead_id, lead.version))
    poisoned_at = world.app.position()
    world.lead(store, seller, at(hours=4))
    world.delivered_deal(store, seller, at(days=2))
    return poisoned_at


def world_admin() -> Any:
    from tests.integration.views_world import ADMIN

    return ADMIN


def test_a_view_that_fails_on_an_event_stops_alone_while_the_others_reach_the_head(
    world: World,
) -> None:
    poisoned_at = poison_next_activity(world)
    runner = world.runner(with_fragile_kpi())

    runner.run_until_caught_up()

    head = world.app.position()
    reached = positions(world.db)
    assert {name: pos for name, pos in reached.items() if name != KPI} == {
        p.name: head for p in all_projections() if p.name != KPI
    }
    assert reached[KPI] == poisoned_at - 1
    [failure] = failures(world.db)
    assert (failure.name, failure.position) == (KPI, poisoned_at)
    assert "OverflowError" in failure.error
    assert set(runner.failed) == {KPI}


def test_a_stopped_view_is_not_retried_by_the_same_runner_and_others_keep_following(
    world: World,
) -> None:
    poison_next_activity(world)
    runner = world.runner(with_fragile_kpi())
    runner.run_until_caught_up()
    stopped_at = positions(world.db)[KPI]

    world.lead(world.store("Later BYD"), None, at(days=3))
    runner.run_until_caught_up()

    assert positions(world.db)[KPI] == stopped_at
    assert positions(world.db)["directory"] == world.app.position()


def test_a_stopped_view_resumes_after_a_fix_and_a_restart_and_equals_a_clean_rebuild(
    world: World,
) -> None:
    poison_next_activity(world)
    first = world.runner(with_fragile_kpi())
    first.run_until_caught_up()
    first.stop()

    FragileKpi.poison.clear()  # the fixed release
    restarted = world.runner(with_fragile_kpi())
    restarted.run_until_caught_up()
    restarted.stop()

    assert positions(world.db)[KPI] == world.app.position()
    assert failures(world.db) == []
    resumed = table_rows(world.db, [SalespersonKpiProjection()])
    reset(world.db, SalespersonKpiProjection())
    world.runner([SalespersonKpiProjection()]).run_until_caught_up()
    assert table_rows(world.db, [SalespersonKpiProjection()]) == resumed


def test_a_rebuild_that_fails_leaves_the_view_its_rows_and_its_position(world: World) -> None:
    poisoned_at = poison_next_activity(world)
    world.catch_up()
    before = table_rows(world.db, [SalespersonKpiProjection()])
    position = positions(world.db)[KPI]

    runner = world.runner([FragileKpi()])
    assert runner.holds(FragileKpi())
    failure = runner.rebuild(FragileKpi())

    assert failure is not None
    assert failure.position == poisoned_at
    assert table_rows(world.db, [SalespersonKpiProjection()]) == before
    assert positions(world.db)[KPI] == position


def test_a_rebuild_that_succeeds_equals_the_live_view(world: World) -> None:
    world.catch_up()
    before = table_rows(world.db, all_projections())
    runner = world.runner([SalespersonKpiProjection()])

    assert runner.rebuild(SalespersonKpiProjection()) is None

    assert table_rows(world.db, all_projections()) == before
    assert positions(world.db)[KPI] == world.app.position()


def test_an_implausible_time_already_in_the_log_stops_no_view_and_no_start_up(
    world: World,
) -> None:
    store = world.store("Old log BYD")
    seller = world.salesperson(store, "Carol")
    lead_id = world.lead(store, seller, at(hours=2))
    lead = world.app.repository.get(lead_id)
    # Written past today's checks, as a release before them accepted it.
    for moment in (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)):
        Aggregate.trigger_event(
            lead,
            Lead.ActivityLogged,
            actor="sales",
            occurred_at=moment,
            kind="call",
            outcome=None,
            note=None,
            automated=False,
            customer_id=lead.customer_id,
        )
    world.app.save(lead)
    world.lead(store, seller, at(hours=5))

    runner = world.runner()
    runner.run_until_caught_up()  # raises nothing

    head = world.app.position()
    stopped = {f.name for f in failures(world.db)}
    assert all(pos == head for name, pos in positions(world.db).items() if name not in stopped)
    assert stopped == set(runner.failed)


def test_a_view_tracked_beyond_a_restored_log_is_reset_and_shows_new_writes(
    settings: Settings,
) -> None:
    with open_world(settings) as world:
        store = world.store()
        world.lead(store, None, at(hours=1))
        restored_head = world.app.position()
        table = str(world.app.recorder.events_table_name)  # type: ignore[attr-defined]
        backup = _backup_events(world, settings)
        world.lead(store, None, at(hours=2))
        world.lead(store, None, at(hours=3))
        world.catch_up()
    _restore_events(settings, backup, restored_head, table)

    with open_world(settings) as world:
        assert all(p > world.app.position() for p in positions(world.db).values())
        migrate(world.db, all_projections(), head=world.app.position())
        assert positions(world.db) == {}
        new_lead = world.lead(world.store("After restore BYD"), None, at(hours=4))
        world.catch_up()

        assert set(positions(world.db).values()) == {world.app.position()}
        rows = world.db.query(
            "SELECT lead_id FROM rm_directory_lead WHERE lead_id = ?", (str(new_lead),)
        )
        assert len(rows) == 1


def _backup_events(world: World, settings: Settings) -> Any:
    if settings.database_url:
        return None  # PostgreSQL: the tail is cut instead (below)
    backup = sqlite3.connect(":memory:")
    with sqlite3.connect(settings.data_dir / "events.sqlite3") as live:
        live.backup(backup)
    return backup


def _restore_events(settings: Settings, backup: Any, head: int, table: str) -> None:
    if backup is not None:
        with sqlite3.connect(Path(settings.data_dir) / "events.sqlite3") as live:
            backup.backup(live)
        backup.close()
        return
    # What restoring an older dump does: the later rows are gone and the sequence is back.
    assert settings.database_url
    with psycopg.connect(settings.database_url, autocommit=True) as connection:
        table = f"{settings.postgres_schema}.{table}"
        connection.execute(f"DELETE FROM {table} WHERE notification_id > %s", (head,))
        connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'notification_id'), %s)", (head,)
        )


def test_status_reports_each_view_and_a_stopped_one_with_its_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOWROOM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["migrate"]) == 0
    assert main(["status"]) == 0
    healthy = capsys.readouterr().out

    settings = Settings(data_dir=tmp_path / "var")
    with open_world(settings) as world:
        FragileKpi.poison = set()
        poisoned_at = poison_next_activity(world)
        world.runner(with_fragile_kpi()).run_until_caught_up()
    FragileKpi.poison = set()

    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert "log head: 0" in healthy and " ok" in healthy
    assert f"STOPPED at event {poisoned_at}" in out and "OverflowError" in out


def test_status_names_the_dispatcher_and_counts_its_jobs_by_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOWROOM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["migrate"]) == 0
    assert main(["status"]) == 0
    before = capsys.readouterr().out
    runtime = Runtime.build(Settings(data_dir=tmp_path / "var"))
    try:
        with runtime.db.transaction() as tx:
            timer = Job(actor="export_kpi_month", args={"export_id": "x"})
            dispatcher.schedule(tx, timer, key="later", due_at=datetime(2030, 1, 1, tzinfo=UTC))
    finally:
        runtime.close()

    assert main(["status"]) == 0
    after = capsys.readouterr().out

    assert "dispatcher" in before and "jobs: none" in before
    assert "jobs: 1 pending" in after


def test_a_failing_rebuild_from_the_command_line_exits_non_zero_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOWROOM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr("ops.cli.views.projection_by_name", lambda name: FragileKpi())
    settings = Settings(data_dir=tmp_path / "var")
    with open_world(settings) as world:
        FragileKpi.poison = set()
        poisoned_at = poison_next_activity(world)
        world.catch_up()
        before = table_rows(world.db, [SalespersonKpiProjection()])

    assert main(["rebuild", KPI]) == 1
    out = capsys.readouterr().out
    FragileKpi.poison = set()

    assert f"NOT rebuilt, left as it was: the event at log position {poisoned_at}" in out
    with open_world(settings) as world:
        assert table_rows(world.db, [SalespersonKpiProjection()]) == before
