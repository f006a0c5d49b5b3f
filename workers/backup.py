"""Backups: one folder per backup, the data in it and a manifest that says what it holds.

- **SQLite** (the embedded default): every SQLite file of the data folder (`events.sqlite3`,
  `views.sqlite3` with the jobs, export files, idempotency keys and every other table kept
  there), copied with SQLite's online backup API. Each file is copied in one step under one read
  transaction, so each copy is a consistent snapshot while the server goes on writing. The
  event store is copied last: every view's tracking position in the copy is then at or before
  the copied log's head, and a restored view at most has to catch up (never to forget events).
- **PostgreSQL**: `pg_dump --format=custom` of the deployment's schema. The manifest's log
  position and event count are read in the very snapshot the dump is taken from
  (`pg_export_snapshot` + `pg_dump --snapshot`), so they describe exactly what the dump holds.

A backup never holds the keyring (audit/keyring.py, `settings.keys_dir`): keys are kept apart
from the data they protect, and are backed up apart (docs/backup.md). Without its keyring a
backup's event bodies and customers' personal fields cannot be read.

A backup is written into a hidden `.partial-*` folder and renamed into place once complete:
a crash leaves no folder that looks like a backup, and a scheduled job delivered twice finds
its backup done (`take_backup` with the same `name` does nothing the second time).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from projections.private import FILE_MODE, private_dir
from workers.settings import Settings

MANIFEST = "manifest.json"
FORMAT = 1
PG_DUMP = "postgres.dump"
PREFIX = "showroom-"
EVENTS_FILE = "events.sqlite3"
# The event store's table as eventsourcing names it for the application `showroom`
# (tests/integration/test_backup.py checks these against the recorders).
EVENTS_TABLE = {"sqlite": "stored_events", "postgres": "showroom_events"}
# A `.partial-*` folder older than this was left by a crash: pruning removes it.
STALE_PARTIAL = timedelta(hours=24)


class BackupError(Exception):
    """A backup could not be taken, read or restored; the message says why and what to do."""


@dataclass(frozen=True)
class BackupFile:
    """One file of a backup: its name in the backup folder, size and SHA-256."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What a backup holds (`manifest.json` in its folder)."""

    created_at: str  # UTC, ISO 8601: when the copy started
    backend: str  # "sqlite" | "postgres"
    position: int  # the log's head in the backup (its last notification id; 0 when empty)
    events: int  # how many events the backup's log holds
    files: tuple[BackupFile, ...]
    version: str  # the release of Showroom that took it
    trigger: str = "manual"  # "manual" (`showroom backup`) | "schedule" (the timer job)
    took_seconds: float = 0.0
    postgres_schema: str | None = None
    views: dict[str, int] = field(default_factory=dict)  # tracking positions in the backup
    keyring: str = "not included: the keyring is backed up apart (docs/backup.md)"
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            data: dict[str, Any] = json.loads(text)
            files = tuple(BackupFile(**item) for item in data.pop("files"))
            manifest = cls(files=files, **data)
        except (ValueError, KeyError, TypeError) as error:
            raise BackupError(f"the manifest is not readable: {error}") from None
        if manifest.format != FORMAT:
            raise BackupError(f"backup format {manifest.format} is not {FORMAT}")
        return manifest


def app_version() -> str:
    try:
        return metadata.version("showroom")
    except metadata.PackageNotFoundError:
        return "unknown"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    try:
        return Manifest.from_json(path.read_text())
    except OSError as error:
        raise BackupError(f"{folder} is not a backup: cannot read {MANIFEST}: {error}") from None


def check_files(folder: Path, manifest: Manifest) -> list[str]:
    """Problems with the backup's files against its manifest: missing, other size or hash."""
    problems = []
    for item in manifest.files:
        path = folder / item.name
        if not path.is_file():
            problems.append(f"{item.name} is missing")
        elif path.stat().st_size != item.size:
            problems.append(f"{item.name} has {path.stat().st_size} bytes, not {item.size}")
        elif sha256_of(path) != item.sha256:
            problems.append(f"{item.name} does not match its SHA-256 (changed or damaged)")
    return problems


# --- taking a backup ----------------------------------------------------------------------------


def take_backup(
    settings: Settings,
    to: Path | None = None,
    *,
    name: str | None = None,
    trigger: str = "manual",
) -> Path:
    """Back the deployment's data up into a new folder under `to` (default: the settings'
    backup folder); that folder's path. With `name`, a backup of that name already there is
    kept as it is and returned (a repeated scheduled job)."""
    parent = private_dir(to or settings.backups_dir)
    started = datetime.now(UTC)
    final = parent / (name or f"{PREFIX}{started:%Y%m%dT%H%M%SZ}")
    if name is not None and (final / MANIFEST).is_file():
        return final
    if name is None:
        final = _free_name(final)
    partial = private_dir(parent / f".partial-{uuid.uuid4().hex}")
    clock = time.perf_counter()
    try:
        if settings.embedded:
            position, events, views = _sqlite_backup(settings.data_dir, partial)
        else:
            position, events, views = _postgres_backup(settings, partial)
        files = tuple(
            BackupFile(p.name, p.stat().st_size, sha256_of(p)) for p in sorted(partial.iterdir())
        )
        manifest = Manifest(
            created_at=started.isoformat(),
            backend="sqlite" if settings.embedded else "postgres",
            position=position,
            events=events,
            files=files,
            version=app_version(),
            trigger=trigger,
            took_seconds=round(time.perf_counter() - clock, 3),
            postgres_schema=None if settings.embedded else settings.postgres_schema,
            views=views,
        )
        _write_private(partial / MANIFEST, manifest.to_json())
        try:
            os.rename(partial, final)
        except OSError:
            if name is not None and (final / MANIFEST).is_file():
                return final  # another delivery of the same job finished first
            raise
    finally:
        if partial.exists():
            shutil.rmtree(partial, ignore_errors=True)
    return final


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def sqlite_files(data_dir: Path) -> list[Path]:
    """The SQLite files of a data folder, the event store last (see the module's doc)."""
    found = [p for p in sorted(data_dir.glob("*.sqlite3")) if p.is_file() and _is_sqlite(p)]
    return sorted(found, key=lambda p: p.name == EVENTS_FILE)


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(16)
    return head in (b"", b"SQLite format 3\x00")


def _sqlite_backup(data_dir: Path, into: Path) -> tuple[int, int, dict[str, int]]:
    sources = sqlite_files(data_dir)
    if not any(p.name == EVENTS_FILE for p in sources):
        raise BackupError(f"no event store in {data_dir}: nothing to back up")
    for source in sources:
        copy = into / source.name
        os.close(os.open(copy, os.O_WRONLY | os.O_CREAT, FILE_MODE))
        reader = sqlite3.connect(source, timeout=30)
        writer = sqlite3.connect(copy)
        try:
            reader.execute("PRAGMA busy_timeout=30000")
            # pages=-1: the whole file in one step, under one read transaction: a consistent
            # snapshot however the server writes meanwhile (WAL: it does not wait for us).
            reader.backup(writer, pages=-1)
            # A copy stands alone: no -wal file beside it to lose.
            writer.execute("PRAGMA journal_mode=DELETE")
        finally:
            writer.close()
            reader.close()
    return _sqlite_extent(into)


def _sqlite_extent(folder: Path) -> tuple[int, int, dict[str, int]]:
    """The log's head and size in the copied event store, and the copied views' positions."""
    connection = sqlite3.connect(folder / EVENTS_FILE)
    try:
        table = EVENTS_TABLE["sqlite"]
        exists = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        position, events = 0, 0
        if exists:
            row = connection.execute(f"SELECT COALESCE(MAX(rowid), 0), COUNT(*) FROM {table}")
            position, events = row.fetchone()
    finally:
        connection.close()
    views: dict[str, int] = {}
    for path in folder.glob("*.sqlite3"):
        connection = sqlite3.connect(path)
        try:
            if connection.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'projection_tracking'"
            ).fetchone():
                rows = connection.execute("SELECT name, position FROM projection_tracking")
                views.update({str(n): int(p) for n, p in rows})
        finally:
            connection.close()
    return int(position), int(events), views


# --- PostgreSQL -------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client program (pg_dump, pg_restore), or a BackupError."""
    found = shutil.which(name)
    if found is None:
        candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
        if candidates:
            return str(candidates[0])
        raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")
    return found


def pg_command_env(database_url: str) -> tuple[str, dict[str, str]]:
    """A connection string without the password, and the environment that carries it: a
    password never shows in the process list."""
    params = conninfo_to_dict(database_url)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None}), env


def run_pg_tool(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-2000:]}")


def schema_pattern(schema: str) -> str:
    """A schema name as a pg_dump/pg_restore pattern that matches exactly it."""
    return '"' + schema.replace('"', '""') + '"'


def _postgres_backup(settings: Settings, into: Path) -> tuple[int, int, dict[str, int]]:
    assert settings.database_url is not None
    schema = settings.postgres_schema
    conninfo, env = pg_command_env(settings.database_url)
    with psycopg.connect(settings.database_url) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        with connection.transaction():
            row = connection.execute("SELECT pg_export_snapshot()").fetchone()
            assert row is not None
            snapshot = str(row[0])
            events_table = sql.Identifier(schema, EVENTS_TABLE["postgres"])
            exists = connection.execute(
                "SELECT to_regclass(%s) IS NOT NULL",
                (sql.Identifier(schema, EVENTS_TABLE["postgres"]).as_string(connection),),
            ).fetchone()
            if not (exists and exists[0]):
                raise BackupError(f"no event store in schema {schema}: nothing to back up")
            head = connection.execute(
                sql.SQL("SELECT COALESCE(MAX(notification_id), 0), COUNT(*) FROM {}").format(
                    events_table
                )
            ).fetchone()
            assert head is not None
            views: dict[str, int] = {}
            tracking = sql.Identifier(schema, "projection_tracking")
            found = connection.execute(
                "SELECT to_regclass(%s) IS NOT NULL", (tracking.as_string(connection),)
            ).fetchone()
            if found and found[0]:
                rows = connection.execute(
                    sql.SQL("SELECT name, position FROM {}").format(tracking)
                ).fetchall()
                views = {str(n): int(p) for n, p in rows}
            # The dump sees exactly this transaction's snapshot, held open until it is done.
            run_pg_tool(
                [
                    pg_tool("pg_dump"),
                    "--format=custom",
                    f"--schema={schema_pattern(schema)}",
                    f"--snapshot={snapshot}",
                    f"--file={into / PG_DUMP}",
                    "--no-password",
                    f"--dbname={conninfo}",
                ],
                env,
            )
    with contextlib.suppress(OSError):
        os.chmod(into / PG_DUMP, FILE_MODE)
    return int(head[0]), int(head[1]), views


# --- the backups of a folder, and pruning -------------------------------------------------------


def backups_in(parent: Path) -> list[tuple[Path, Manifest]]:
    """The complete backups under `parent`, oldest first (unreadable folders left out)."""
    found = []
    if not parent.is_dir():
        return []
    for folder in sorted(parent.iterdir()):
        if not folder.name.startswith(PREFIX) or not (folder / MANIFEST).is_file():
            continue
        with contextlib.suppress(BackupError):
            found.append((folder, read_manifest(folder)))
    found.sort(key=lambda item: (item[1].created_at, item[0].name))
    return found


def prune(parent: Path, keep: int, *, now: datetime | None = None) -> list[Path]:
    """Delete the scheduled backups beyond the newest `keep` (manual ones are the operator's
    to delete), and `.partial-*` folders a crash left; the folders deleted."""
    moment = now or datetime.now(UTC)
    scheduled = [folder for folder, m in backups_in(parent) if m.trigger == "schedule"]
    doomed = scheduled[: max(0, len(scheduled) - max(keep, 1))]
    if parent.is_dir():
        for folder in parent.glob(".partial-*"):
            changed = datetime.fromtimestamp(folder.stat().st_mtime, UTC)
            if moment - changed > STALE_PARTIAL:
                doomed.append(folder)
    for folder in doomed:
        shutil.rmtree(folder, ignore_errors=True)
    return doomed
