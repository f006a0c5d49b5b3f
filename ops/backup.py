"""Restore a backup into the deployment, and verify a backup in a scratch place (docs/backup.md).

Taking a backup lives in `workers/backup.py` (the scheduled backup job runs it too).

- `restore`: checks the backup's files against its manifest, refuses a target that holds data
  (unless `force`) or that a running Showroom process holds, puts the backup's files (SQLite)
  or dump (PostgreSQL) in place, migrates (a view tracked beyond the restored log is reset and
  replayed), then runs the **post-restore steps**, `AFTER_RESTORE`, in order.
- `verify_backup`: restores into a scratch place (a temporary folder; a scratch PostgreSQL
  database, dropped after), checks the log's integrity (`audit.integrity.verify`, its result
  reported as it is), counts the events against the manifest, and rebuilds every view from the
  restored log up to the position the backed-up view had reached, comparing the rebuilt rows
  with the backed-up rows (see `_check_views` for why that is the meaningful comparison); then
  it follows the log to its head, so an event no view can project is found too.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlparse

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from audit import integrity
from domain.app import Showroom
from projections.db import Database, open_database
from projections.private import FILE_MODE, private_dir
from projections.projection import Projection
from projections.registry import all_projections
from projections.runner import ProjectionRunner, reset
from workers.backup import (
    EVENTS_FILE,
    EVENTS_TABLE,
    MANIFEST,
    PG_DUMP,
    BackupError,
    Manifest,
    check_files,
    pg_command_env,
    pg_tool,
    read_manifest,
    run_pg_tool,
)
from workers.dispatcher import Dispatcher
from workers.runtime import Runtime
from workers.settings import Settings

# --- post-restore steps -------------------------------------------------------------------------

# A step run after every restore, on the restored deployment (already migrated), in list order:
# it gets the restored deployment's runtime and returns a line for the report (or None).
# Another part of the system that must redo something after an older copy of the data comes
# back appends its step here: e.g. re-applying the customer erasures recorded since the backup
# was taken (an erased customer's key restored from the backup must be destroyed again).
AfterRestore = Callable[[Runtime], str | None]


def _expire_files_past_retention(runtime: Runtime) -> str | None:
    """Files deleted for retention since the backup came back with it: delete them again."""
    from workers.retention import expire_files

    expired = expire_files(runtime.db, runtime.settings.file_retention_days)
    return f"{expired} stored files past their retention deleted again" if expired else None


def _erase_customers_again(runtime: Runtime) -> str | None:
    """Customers erased since the backup was taken: their keys, back with the backup, destroyed
    again from the tombstones kept in the key folder (never in a data backup)."""
    from workers.customer_keys import apply_erasures, tombstone_path

    applied = apply_erasures(runtime.customer_keys, tombstone_path(runtime.settings.keys_dir))
    return f"{applied} customer erasures applied again" if applied else None


AFTER_RESTORE: list[AfterRestore] = [_erase_customers_again, _expire_files_past_retention]


@dataclass
class Step:
    """One step of a restore or a verification: how it went and how long it took."""

    name: str
    ok: bool
    seconds: float
    detail: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.name, "ok": self.ok, "seconds": self.seconds, "detail": self.detail}


@dataclass
class Report:
    """The steps of a restore or a verification; `ok` when every step went well."""

    backup: Path
    manifest: Manifest
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    @property
    def problems(self) -> list[str]:
        return [f"{s.name}: {s.detail}" for s in self.steps if not s.ok]

    def as_dict(self) -> dict[str, Any]:
        return {
            "backup": str(self.backup),
            "ok": self.ok,
            "position": self.manifest.position,
            "events": self.manifest.events,
            "steps": [step.as_dict() for step in self.steps],
        }

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[Step]:
        """Time a step; the block sets `ok` and `detail` (an exception fails the step)."""
        current = Step(name, True, 0.0)
        started = time.perf_counter()
        try:
            yield current
        except Exception as error:
            current.ok, current.detail = False, f"{type(error).__name__}: {error}"
            raise
        finally:
            current.seconds = round(time.perf_counter() - started, 3)
            self.steps.append(current)


def _readable_backup(source: Path, report: Report) -> None:
    with report.step("files") as step:
        problems = check_files(source, report.manifest)
        step.ok, step.detail = not problems, problems or f"{len(report.manifest.files)} files"
    if problems:
        raise BackupError(f"the backup in {source} is damaged: {'; '.join(problems)}")


def _backend_of(settings: Settings) -> str:
    return "sqlite" if settings.embedded else "postgres"


# --- restore ------------------------------------------------------------------------------------


def restore(settings: Settings, source: Path, *, force: bool = False) -> Report:
    """Restore the backup in `source` into the deployment the settings name (see module doc)."""
    report = Report(source, read_manifest(source))
    manifest = report.manifest
    _readable_backup(source, report)
    if manifest.backend != _backend_of(settings):
        raise BackupError(
            f"a {manifest.backend} backup cannot be restored into a {_backend_of(settings)}"
            " deployment"
        )
    holder = running_holder(settings)
    if holder is not None:
        raise BackupError(
            f"a Showroom process is running on this deployment (it holds the lock of {holder}):"
            " stop every process before restoring"
        )
    with report.step("restore"):
        if settings.embedded:
            _restore_sqlite(source, settings.data_dir, force=force)
        else:
            _restore_postgres(source, manifest, settings, force=force)
    run_after_restore(settings, report)
    return report


def run_after_restore(settings: Settings, report: Report) -> None:
    """Migrate the restored deployment, then run every post-restore step (`AFTER_RESTORE`)."""
    with report.step("migrate"):
        runtime = Runtime.build(settings, create_tables=True)
    try:
        for after in AFTER_RESTORE:
            with report.step(getattr(after, "__name__", "after restore").strip("_")) as step:
                step.detail = after(runtime)
    finally:
        runtime.close()


def running_holder(settings: Settings) -> str | None:
    """The name of a view or the dispatcher whose lock another process holds (a running
    projection runner or dispatcher), or None."""
    db = open_database(settings.database_url, settings.data_dir, settings.postgres_schema)
    # The lock check needs no event store: the runner only takes its locks here.
    runner = ProjectionRunner(cast(Showroom, None), db, [], lock_dir=settings.data_dir)
    try:
        names: Sequence[Projection] = [*all_projections(), Dispatcher()]
        for projection in names:
            if not runner.holds(projection):
                return projection.name
        return None
    finally:
        runner.stop()
        db.close()


def _sqlite_holds_data(path: Path) -> bool:
    if path.stat().st_size == 0:
        return False
    connection = sqlite3.connect(path)
    try:
        row = connection.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
        return bool(row.fetchone()[0])
    finally:
        connection.close()


def _restore_sqlite(source: Path, data_dir: Path, *, force: bool) -> None:
    existing = sorted(data_dir.glob("*.sqlite3")) if data_dir.is_dir() else []
    occupied = [p.name for p in existing if _sqlite_holds_data(p)]
    if occupied and not force:
        raise BackupError(
            f"{data_dir} holds data ({', '.join(occupied)}): restore with --force to replace it"
        )
    private_dir(data_dir)
    for path in existing:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{path}{suffix}").unlink()
    for item in read_manifest(source).files:
        scratch = data_dir / f".{item.name}.restoring"
        shutil.copyfile(source / item.name, scratch)
        os.chmod(scratch, FILE_MODE)
        os.replace(scratch, data_dir / item.name)


def _schema_tables(connection: psycopg.Connection[Any], schema: str) -> int:
    row = connection.execute(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
    ).fetchone()
    return int(row[0]) if row else 0


def _restore_postgres(source: Path, manifest: Manifest, settings: Settings, *, force: bool) -> None:
    assert settings.database_url is not None
    schema = settings.postgres_schema
    if manifest.postgres_schema != schema:
        raise BackupError(
            f"the backup is of schema {manifest.postgres_schema!r}, the deployment's is"
            f" {schema!r}: pg_restore keeps schema names, so set SHOWROOM_PG_SCHEMA to"
            f" {manifest.postgres_schema!r} to restore it"
        )
    _pg_restore(source, settings.database_url, schema, force=force)


def _pg_restore(source: Path, database_url: str, schema: str, *, force: bool) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        tables = _schema_tables(connection, schema)
        if tables and not force:
            raise BackupError(
                f"schema {schema} holds {tables} tables: restore with --force to drop it and"
                " everything in it"
            )
        # The dump creates its schema (even `public`): it must not exist yet.
        cascade = sql.SQL(" CASCADE") if force else sql.SQL("")
        connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {}{}").format(sql.Identifier(schema), cascade)
        )
    conninfo, env = pg_command_env(database_url)
    run_pg_tool(
        [
            pg_tool("pg_restore"),
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={conninfo}",
            str(source / PG_DUMP),
        ],
        env,
    )


# --- verify -------------------------------------------------------------------------------------


def verify_backup(settings: Settings, source: Path) -> Report:
    """Restore the backup into a scratch place and check it (module doc); the report.

    Every step is in the report with its time; a step that cannot run (a damaged file, no
    rights to create the scratch database) ends the verification there, failed."""
    report = Report(source, read_manifest(source))
    try:
        _readable_backup(source, report)
        with _scratch(settings, source, report) as scratch:
            runtime = Runtime.build(scratch)
            try:
                _check_log(runtime, report)
                _check_views(runtime, report, scratch)
            finally:
                runtime.close()
    except Exception as error:  # whatever failed is in the report, not a traceback
        if report.ok:  # it failed outside a step (opening the scratch copy)
            report.steps.append(Step("verify", False, 0.0, f"{type(error).__name__}: {error}"))
    return report


@contextlib.contextmanager
def _scratch(settings: Settings, source: Path, report: Report) -> Iterator[Settings]:
    """Settings of a scratch copy of the backup, removed afterwards. The keys stay the live
    deployment's (the backup holds none)."""
    manifest = report.manifest
    if manifest.backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="showroom-verify-"))
        try:
            with report.step("restore"):
                _restore_sqlite(source, folder / "data", force=False)
            yield replace(
                settings,
                data_dir=folder / "data",
                database_url=None,
                key_dir=settings.keys_dir,
                keyring=settings.keys,
            )
        finally:
            with report.step("drop scratch"):
                shutil.rmtree(folder, ignore_errors=True)
        return
    if settings.database_url is None:
        raise BackupError("a PostgreSQL backup is verified on PostgreSQL: set DATABASE_URL")
    schema = manifest.postgres_schema or "public"
    server = settings.database_url
    # A scratch database, not a scratch schema: pg_restore keeps the schema's name, and in a
    # database of its own the copy can neither collide with the live schema nor, dropped,
    # take anything live with it. Needs the right to create databases (CREATEDB).
    base = str(conninfo_to_dict(server).get("dbname") or "showroom")[:40]
    name = f"{base}_verify_{uuid.uuid4().hex[:8]}"
    url = urlparse(server)._replace(path=f"/{name}").geturl()  # settings take a URL
    with report.step("restore") as step:
        step.detail = f"into the scratch database {name}"
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            _pg_restore(source, url, schema, force=False)
        except BaseException:
            _drop_database(server, name)
            raise
    try:
        yield replace(settings, database_url=url, postgres_schema=schema)
    finally:
        # PostgreSQL checkpoints to drop a database: seconds on a busy server (docs/backup.md).
        with report.step("drop scratch"):
            _drop_database(server, name)


def _drop_database(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _check_log(runtime: Runtime, report: Report) -> None:
    manifest = report.manifest
    with report.step("integrity") as step:
        found = integrity.verify(runtime.app)
        step.ok = bool(found.ok)
        step.detail = _brief(found.as_dict() if hasattr(found, "as_dict") else vars(found))
    with report.step("events") as step:
        position, events = _log_extent(runtime)
        step.ok = (position, events) == (manifest.position, manifest.events)
        step.detail = (
            f"{events} events up to position {position}"
            if step.ok
            else f"{events} events up to position {position}; the manifest says"
            f" {manifest.events} up to {manifest.position}"
        )


def _brief(found: dict[str, Any]) -> dict[str, Any]:
    problems = found.get("problems")
    if isinstance(problems, list) and len(problems) > 10:
        found = {**found, "problems": [*problems[:10], f"... {len(problems) - 10} more"]}
    return found


def _log_extent(runtime: Runtime) -> tuple[int, int]:
    """The restored log's head and its number of events, read from its table."""
    settings = runtime.settings
    if settings.embedded:
        lite = sqlite3.connect(settings.data_dir / EVENTS_FILE)
        try:
            query = f"SELECT COALESCE(MAX(rowid), 0), COUNT(*) FROM {EVENTS_TABLE['sqlite']}"
            position, events = lite.execute(query).fetchone()
        finally:
            lite.close()
        return int(position), int(events)
    assert settings.database_url is not None
    table = sql.Identifier(settings.postgres_schema, EVENTS_TABLE["postgres"])
    with psycopg.connect(settings.database_url) as connection:
        row = connection.execute(
            sql.SQL("SELECT COALESCE(MAX(notification_id), 0), COUNT(*) FROM {}").format(table)
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


class _LogUpTo:
    """The restored application, its log read only up to `stop` (a view's backed-up position):
    what the projection runner reads through `app.recorder` and decodes through `app.mapper`."""

    def __init__(self, app: Showroom, stop: int) -> None:
        self._app, self._stop = app, stop
        self.mapper = app.mapper
        self.recorder = self

    def select_notifications(self, start: int, limit: int, **options: Any) -> Any:
        stop = options.pop("stop", None)
        capped = self._stop if stop is None else min(stop, self._stop)
        if start > capped:
            return []
        return self._app.recorder.select_notifications(start, limit, stop=capped, **options)

    def position(self) -> int:
        return self._stop


def _check_views(runtime: Runtime, report: Report, scratch: Settings) -> None:
    """Rebuild every view from the restored log and compare it with the backed-up view.

    The comparison is made at the position the backed-up view had reached: the rows a view held
    at the moment of the backup must be exactly what a replay of the log up to that position
    gives. The live views cannot be compared instead: they have moved on since the backup, and
    no view can be read as it stood at an earlier position. The backed-up views *are* the live
    views as they stood at the backup, so this checks the live deployment as of the backup.
    A view built by another release (another fingerprint) cannot be compared: it is rebuilt only.
    """
    db, app = runtime.db, runtime.app
    lock_dir = scratch.data_dir if scratch.embedded else None
    with report.step("read views") as step:
        tracked = _tracked(db)
        fingerprints = {r["name"]: r["fingerprint"] for r in _rows(db, "projection_schema")}
        before = {p.name: _digest(db, p) for p in all_projections()}
        step.detail = f"{len(before)} views"
    groups: dict[int, list[str]] = {}
    for projection in all_projections():
        same_shape = fingerprints.get(projection.name) == projection.fingerprint()
        position = tracked.get(projection.name, 0) if same_shape else 0
        groups.setdefault(position, []).append(projection.name)
    with report.step("rebuild views") as step:
        for position, names in sorted(groups.items()):
            chosen = [p for p in all_projections() if p.name in names]
            for projection in chosen:
                reset(db, projection)
            source = app if position == 0 else cast(Showroom, _LogUpTo(app, position))
            runner = ProjectionRunner(source, db, chosen, lock_dir=lock_dir)
            try:
                if position:
                    runner.run_until_caught_up()
            finally:
                runner.stop()
        step.detail = {str(p): names for p, names in sorted(groups.items())}
    with report.step("compare views") as step:
        compared: dict[str, str] = {}
        for position, names in sorted(groups.items()):
            for name in names:
                projection = next(p for p in all_projections() if p.name == name)
                if position == 0:
                    compared[name] = "not in the backup (or of another shape): rebuilt only"
                    continue
                after = _digest(db, projection)
                if after == before[name]:
                    rows = sum(count for count, _ in after.values())
                    compared[name] = f"equal at position {position} ({rows} rows)"
                else:
                    step.ok = False
                    differ = [t for t in after if after[t] != before[name].get(t)]
                    compared[name] = f"DIFFERS at position {position} in {', '.join(differ)}"
        step.detail = compared
    with report.step("follow the log") as step:
        runner = ProjectionRunner(app, db, all_projections(), lock_dir=lock_dir)
        try:
            runner.run_until_caught_up()
            failed = dict(runner.failed)
        finally:
            runner.stop()
        step.ok = not failed
        step.detail = (
            {n: f"stopped at event {f.position}: {f.error}" for n, f in failed.items()}
            if failed
            else f"every view projects the log to its head ({app.position()})"
        )


def _rows(db: Database, table: str) -> list[dict[str, Any]]:
    try:
        return db.query(f"SELECT * FROM {table}")
    except (sqlite3.Error, psycopg.Error):
        return []


def _tracked(db: Database) -> dict[str, int]:
    return {r["name"]: int(r["position"]) for r in _rows(db, "projection_tracking")}


def _digest(db: Database, projection: Projection) -> dict[str, tuple[int, int]]:
    """Per table of the view: its row count and an order-free digest of its rows (the sum of
    each row's SHA-256), so that two views compare without holding both in memory."""
    digests = {}
    for table in projection.tables:
        total, count = 0, 0
        for row in _rows(db, table):
            text = json.dumps(sorted(row.items()), default=_plain, separators=(",", ":"))
            total += int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")
            count += 1
        digests[table] = (count, total % (1 << 256))
    return digests


def _plain(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


__all__ = [
    "AFTER_RESTORE",
    "MANIFEST",
    "AfterRestore",
    "Report",
    "Step",
    "restore",
    "running_holder",
    "verify_backup",
]
