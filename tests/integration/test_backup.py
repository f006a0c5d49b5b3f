"""Backups and the restore drill, on SQLite and PostgreSQL: back up, write more, wipe, restore,
verify. Nothing up to the backup is lost, nothing after it comes back, the log's chain is
intact and every view rebuilds to the rows it had; a backup taken while a thread writes is a
consistent snapshot; a restore refuses to overwrite data or a running deployment; the keyring
is never in a backup; scheduled backups are taken once per slot and pruned."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from audit import integrity
from domain.app import Showroom
from domain.shared.actor import SYSTEM
from ops.backup import AFTER_RESTORE, restore, verify_backup
from projections.registry import all_projections
from projections.runner import reset
from tests.integration.views_world import World, at, open_world, table_rows
from workers import backup, context, dispatcher, files, timers
from workers.actors.maintenance import backup_data, backup_name
from workers.backup import BackupError, read_manifest, take_backup
from workers.runtime import Runtime, migrate_tables
from workers.settings import Settings

Stored = tuple[int, str, int, str, bytes]


def stored_events(app: Showroom, stop: int | None = None) -> list[Stored]:
    """Every stored event of the log (up to `stop`), as stored: id, aggregate, version, topic,
    state bytes."""
    found: list[Stored] = []
    start = 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=1000, stop=stop)
        found += [
            (n.id, str(n.originator_id), n.originator_version, n.topic, bytes(n.state))
            for n in page
        ]
        if len(page) < 1000:
            return found
        start = page[-1].id + 1


def a_history(world: World, leads: int = 6) -> None:
    """Two salespeople of a store with leads, deliveries and an unwind."""
    store = world.store()
    alice, bob = world.salesperson(store, "Alice"), world.salesperson(store, "Bob")
    for n in range(leads):
        seller = (alice, bob)[n % 2]
        lead_id = world.lead(store, seller, at(hours=n))
        if n % 3 == 0:
            deal_id = world.delivered_deal(store, seller, at(days=n), lead_id=lead_id)
            if n == 3:
                world.unwind(deal_id, at(days=n + 1))


def wipe(settings: Settings) -> None:
    """Lose the deployment's data (the keyring, kept apart, survives)."""
    if settings.embedded:
        shutil.rmtree(settings.data_dir)
        return
    with psycopg.connect(str(settings.database_url), autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {settings.postgres_schema} CASCADE")


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    """A store with a short history, every view caught up, every support table made."""
    with open_world(settings) as built:
        migrate_tables(built.app, built.db)
        a_history(built)
        built.catch_up()
        yield built


# --- the drill -----------------------------------------------------------------------------------


def test_a_restore_brings_back_every_event_up_to_the_backup_and_none_written_after_it(
    settings: Settings, tmp_path: Path
) -> None:
    with open_world(settings) as world:
        migrate_tables(world.app, world.db)
        a_history(world)
        world.catch_up()
        files.save_file(world.db, "e1", "kpi.xlsx", "application/x", b"workbook bytes")
        views_at_backup = table_rows(world.db, all_projections())
        folder = take_backup(settings, tmp_path / "backups")
        log_at_backup = stored_events(world.app)
        world.lead(world.store("Later BYD"), None, at(days=9))  # written after the backup
        world.catch_up()
        assert len(stored_events(world.app)) > len(log_at_backup)
    wipe(settings)

    report = restore(settings, folder)

    assert report.ok, report.problems
    with open_world(settings) as restored:
        assert stored_events(restored.app) == log_at_backup
        assert integrity.verify(restored.app).ok
        stored = files.load_file(restored.db, "e1")
        assert stored is not None and stored.content == b"workbook bytes"
        for projection in all_projections():
            reset(restored.db, projection)
        restored.catch_up()
        assert table_rows(restored.db, all_projections()) == views_at_backup


def test_verifying_a_backup_restores_it_aside_and_finds_every_step_ok(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    folder = take_backup(settings, tmp_path / "backups")
    world.lead(world.store("Later BYD"), None, at(days=9))  # the live log moves on

    report = verify_backup(settings, folder)

    assert report.ok, report.problems
    assert [s.name for s in report.steps] == [
        "files",
        "restore",
        "integrity",
        "events",
        "read views",
        "rebuild views",
        "compare views",
        "follow the log",
        "drop scratch",
    ]
    compared = report.steps[6].detail
    assert all(line.startswith("equal at position") for line in compared.values()), compared
    assert all(step.seconds >= 0 for step in report.steps)


def test_verifying_leaves_no_scratch_copy_behind(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    folder = take_backup(settings, tmp_path / "backups")
    before = _scratch_places(settings)

    verify_backup(settings, folder)

    assert _scratch_places(settings) == before


def _scratch_places(settings: Settings) -> set[str]:
    if settings.embedded:
        return {p.name for p in Path(tempfile.gettempdir()).glob("showroom-verify-*")}
    with psycopg.connect(str(settings.database_url), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", ("%_verify_%",)
        ).fetchall()
    return {str(row[0]) for row in rows}


def test_a_backup_taken_while_a_thread_writes_is_a_consistent_snapshot(
    settings: Settings, tmp_path: Path
) -> None:
    with open_world(settings) as world:
        migrate_tables(world.app, world.db)
        store = world.store()
        seller = world.salesperson(store, "Alice")
        world.runner().start()  # the views follow the log during the backup, as when served
        written: list[Any] = []
        stop = threading.Event()

        def write() -> None:
            while not stop.is_set():
                written.append(world.lead(store, seller, at(minutes=len(written))))

        writer = threading.Thread(target=write)
        writer.start()
        try:
            _wait_for(lambda: len(written) >= 5)
            folder = take_backup(settings, tmp_path / "backups")
            during = len(written)
            _wait_for(lambda: len(written) >= during + 3)  # and the writes went on
        finally:
            stop.set()
            writer.join()
        manifest = read_manifest(folder)
        live = stored_events(world.app)

    report = verify_backup(settings, folder)

    assert report.ok, report.problems
    assert 0 < manifest.position < live[-1][0]
    assert manifest.events == len([e for e in live if e[0] <= manifest.position])
    assert all(position <= manifest.position for position in manifest.views.values())


def _wait_for(condition: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# --- what a restore refuses ----------------------------------------------------------------------


def test_a_restore_refuses_a_deployment_that_holds_data_unless_forced(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    folder = take_backup(settings, tmp_path / "backups")
    world.lead(world.store("Later BYD"), None, at(days=9))
    head = world.app.position()
    world.close()

    with pytest.raises(BackupError, match="--force"):
        restore(settings, folder)
    with open_world(settings) as untouched:
        assert untouched.app.position() == head
    forced = restore(settings, folder, force=True)

    assert forced.ok, forced.problems
    with open_world(settings) as restored:
        assert restored.app.position() == read_manifest(folder).position < head


def test_a_restore_refuses_while_a_projection_runner_runs_on_the_deployment(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    folder = take_backup(settings, tmp_path / "backups")
    running = world.runner()
    running.run_once()  # holds its views' locks, as a running `showroom project` does

    with pytest.raises(BackupError, match="running"):
        restore(settings, folder, force=True)


def test_a_damaged_backup_fails_verification_at_its_files_and_is_not_restored(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    folder = take_backup(settings, tmp_path / "backups")
    damaged = folder / read_manifest(folder).files[0].name
    content = bytearray(damaged.read_bytes())
    content[len(content) // 2] ^= 0xFF
    damaged.write_bytes(bytes(content))

    report = verify_backup(settings, folder)

    assert not report.ok
    assert [s.name for s in report.steps] == ["files"]
    with pytest.raises(BackupError, match="damaged"):
        restore(settings, folder, force=True)


def test_the_steps_after_a_restore_run_in_order_on_the_restored_deployment(
    settings: Settings, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = take_backup(settings, tmp_path / "backups")
    world.close()
    seen: list[int] = []

    def count_events(runtime: Runtime) -> str:
        seen.append(runtime.app.position())
        return "counted"

    monkeypatch.setattr("ops.backup.AFTER_RESTORE", [*AFTER_RESTORE, count_events])

    report = restore(settings, folder, force=True)

    assert seen == [read_manifest(folder).position]
    assert report.steps[-1].name == "count_events" and report.steps[-1].detail == "counted"


# --- what a backup holds -------------------------------------------------------------------------


def test_a_backup_holds_the_data_and_its_manifest_and_never_the_keyring(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    folder = take_backup(settings, tmp_path / "backups")
    manifest = read_manifest(folder)

    names = sorted(p.name for p in folder.iterdir())
    expected = ["events.sqlite3", "views.sqlite3"] if settings.embedded else ["postgres.dump"]
    assert names == sorted([*expected, "manifest.json"])
    assert [f.name for f in manifest.files] == expected
    assert manifest.position == world.app.position() and manifest.events > 0
    assert manifest.backend == ("sqlite" if settings.embedded else "postgres")
    assert set(manifest.views) == {p.name for p in all_projections()}
    secrets = [key.secret for purpose in ("events", "chain") for key in settings.keys.all(purpose)]
    for path in folder.iterdir():
        content = path.read_bytes()
        assert not any(secret in content for secret in secrets), path.name
    assert all(p.stat().st_mode & 0o077 == 0 for p in folder.iterdir())  # 0600 like the data


def test_the_event_table_names_are_the_recorders_own(settings: Settings, world: World) -> None:
    table = str(world.app.recorder.events_table_name)  # type: ignore[attr-defined]

    assert table == backup.EVENTS_TABLE["sqlite" if settings.embedded else "postgres"]


# --- the schedule -------------------------------------------------------------------------------


def test_the_backup_timer_records_one_job_per_slot_however_often_it_looks(
    settings: Settings, world: World
) -> None:
    daily = replace(settings, backup_interval_hours=24, file_retention_days=0, checkpoint_minutes=0)
    looks = timers.ClockTimers(world.db, timers.recurring_timers(daily))
    monday = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)

    for moment in (monday, monday + timedelta(hours=3), monday + timedelta(days=1)):
        looks(moment)
    timers.ClockTimers(world.db, timers.recurring_timers(daily))(monday)  # a restart

    jobs = [j for j in dispatcher.jobs(world.db) if j["kind"] == timers.BACKUP_KIND]
    assert [j["args"]["slot"] for j in jobs] == [
        "2026-12-07T00:00:00+00:00",
        "2026-12-08T00:00:00+00:00",
    ]
    assert {j["actor"] for j in jobs} == {"backup_data"}


def test_no_timer_is_recorded_when_backups_retention_and_checkpoints_are_switched_off(
    settings: Settings,
) -> None:
    off = replace(settings, backup_interval_hours=0, file_retention_days=0, checkpoint_minutes=0)

    assert timers.recurring_timers(off) == ()
    assert timers.recurring_timers(settings) != ()  # retention is on by default


def test_a_scheduled_backup_delivered_twice_is_taken_once_and_old_ones_are_pruned(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    kept = replace(settings, backup_dir=tmp_path / "backups", backup_keep=2)
    runtime = Runtime.build(kept)
    context.install(runtime)
    try:
        manual = take_backup(kept)
        slots = [f"2026-12-0{day}T00:00:00+00:00" for day in (4, 5, 6, 7)]
        for slot in slots:
            backup_data.fn(slot)
        backup_data.fn(slots[-1])  # delivered again
    finally:
        runtime.close()

    left = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert left == sorted([manual.name, backup_name(slots[2]), backup_name(slots[3])])
    assert read_manifest(tmp_path / "backups" / backup_name(slots[3])).trigger == "schedule"


# --- the command line ----------------------------------------------------------------------------


def test_the_commands_back_up_list_verify_and_restore_with_exit_codes_that_say_how_it_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ops.cli import main

    monkeypatch.setenv("SHOWROOM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main(["migrate"]) == 0
    runtime = Runtime.build(Settings.from_env())
    runtime.organisation.open_store(SYSTEM, "Pudong BYD", "Shanghai", ["BYD"])
    runtime.close()
    capsys.readouterr()

    backed_up = main(["backup", "--to", str(tmp_path / "safe")])
    [folder] = (tmp_path / "safe").iterdir()
    listed = main(["backup", "list", str(tmp_path / "safe")])
    verified = main(["backup", "verify", str(folder)])
    refused = main(["restore", str(folder)])
    forced = main(["restore", str(folder), "--force"])
    out = capsys.readouterr()

    assert (backed_up, listed, verified, refused, forced) == (0, 0, 0, 1, 0)
    assert "The keyring is not in the backup" in out.out
    assert f"{folder.name}  " in out.out and "manual" in out.out
    assert "ok  compare views" in out.out
    assert "restore with --force" in out.err
    assert "restored: " in out.out


def test_the_dispatcher_sends_the_due_backup_job_once_per_slot(
    settings: Settings, world: World
) -> None:
    daily = replace(settings, backup_interval_hours=24, file_retention_days=0, checkpoint_minutes=0)
    sent: list[tuple[str, dict[str, Any]]] = []

    class Recorded:
        def send(self, actor: str, args: Any, job: str) -> None:
            sent.append((actor, dict(args)))

    moment = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
    sending = dispatcher.Dispatch(
        world.app,
        world.db,
        Recorded(),
        lock_dir=settings.data_dir,
        now=lambda: moment,
        clock_timers=timers.ClockTimers(world.db, timers.recurring_timers(daily)),
    )
    try:
        sending.run_until_idle()
        sending.run_until_idle()
    finally:
        sending.stop()

    assert sent == [("backup_data", {"slot": "2026-12-07T00:00:00+00:00"})]


def test_a_customer_erased_after_the_backup_stays_erased_when_that_backup_is_restored(
    settings: Settings, tmp_path: Path
) -> None:
    """The backup holds the customer's key (it was taken before the erasure); the restore's
    post-restore step destroys it again from the tombstones kept in the key folder, so the
    restored deployment answers the customer as erased."""
    runtime = Runtime.build(settings, create_tables=True)
    try:
        store = runtime.organisation.open_store(SYSTEM, "Pudong BYD", "Shanghai", ["BYD"]).id
        customer = runtime.crm.register_customer(SYSTEM, store, "Zhao Xiaoyu", "13912345678").id
        folder = take_backup(settings, tmp_path / "backups")
        runtime.crm.erase_customer(SYSTEM, customer, "customer request #12")  # key destroyed
    finally:
        runtime.close()
    wipe(settings)

    report = restore(settings, folder)

    assert report.ok, report.problems
    assert any(step.detail == "1 customer erasures applied again" for step in report.steps), [
        (s.name, s.detail) for s in report.steps
    ]
    restored = Runtime.build(settings)
    try:
        assert restored.customer_keys.keys_for([customer]) == {customer: None}
        assert restored.customer_keys.is_erased(customer)
    finally:
        restored.close()
