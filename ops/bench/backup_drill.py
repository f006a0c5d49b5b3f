"""The restore drill timed on a generated group of about N events, on SQLite and PostgreSQL:
back up, wipe, restore, verify (docs/backup.md, "Measured").

    python -m ops.bench.backup_drill [--events 20000] [--postgres URL] [--runs 1]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg

from ops.backup import restore, verify_backup
from ops.simulation import generate, stores_for
from workers.backup import (
    pg_command_env,
    pg_tool,
    read_manifest,
    run_pg_tool,
    schema_pattern,
    take_backup,
)
from workers.runtime import Runtime, migrate
from workers.settings import Settings

MONTHS = 3


def loaded(settings: Settings, events: int) -> int:
    """Migrate and load a group of about `events` events, views caught up; the log's head."""
    migrate(settings)
    runtime = Runtime.build(settings)
    try:
        generate(runtime, stores=stores_for(events, MONTHS), months=MONTHS)
        runtime.runner.run_until_caught_up()
        return runtime.app.position()
    finally:
        runtime.close()


def wipe(settings: Settings) -> None:
    if settings.embedded:
        shutil.rmtree(settings.data_dir)
        return
    with psycopg.connect(str(settings.database_url), autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {settings.postgres_schema} CASCADE")


def baseline(settings: Settings, scratch: Path) -> float:
    """The same run's plain copy, for scale: the data folder copied file by file (SQLite), or
    a bare `pg_dump` of the schema (PostgreSQL); seconds."""
    started = time.perf_counter()
    if settings.embedded:
        shutil.copytree(settings.data_dir, scratch)
    else:
        conninfo, env = pg_command_env(str(settings.database_url))
        scratch.mkdir(parents=True)
        run_pg_tool(
            [
                pg_tool("pg_dump"),
                "--format=custom",
                f"--schema={schema_pattern(settings.postgres_schema)}",
                f"--file={scratch / 'plain.dump'}",
                f"--dbname={conninfo}",
            ],
            env,
        )
    took = time.perf_counter() - started
    shutil.rmtree(scratch, ignore_errors=True)
    return took


def drill(settings: Settings, backups: Path) -> dict[str, Any]:
    """Back up, wipe, restore, verify: each step's seconds, and verify's own steps."""
    plain = baseline(settings, backups.with_name(backups.name + "-plain"))
    started = time.perf_counter()
    folder = take_backup(settings, backups)
    backed_up = time.perf_counter() - started
    wipe(settings)
    started = time.perf_counter()
    restored = restore(settings, folder)
    restoring = time.perf_counter() - started
    started = time.perf_counter()
    report = verify_backup(settings, folder)
    verifying = time.perf_counter() - started
    manifest = read_manifest(folder)
    return {
        "events": manifest.events,
        "size_mb": sum(f.size for f in manifest.files) / 1e6,
        "plain copy": plain,
        "backup": backed_up,
        "restore": restoring,
        "verify": verifying,
        "ok": restored.ok and report.ok,
        "verify_steps": {s.name: s.seconds for s in report.steps},
        "problems": [*restored.problems, *report.problems],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="showroom-drill-"))
    base = Settings(data_dir=root / "var", secret_key="drill-" + "x" * 40)
    try:
        for backend in ("sqlite", "postgres"):
            if args.only and backend != args.only:
                continue
            settings = base
            schema = f"drill_{uuid.uuid4().hex[:8]}"
            if backend == "postgres":
                settings = replace(base, database_url=args.postgres, postgres_schema=schema)
                with psycopg.connect(args.postgres, autocommit=True) as connection:
                    connection.execute(f"CREATE SCHEMA {schema}")
            try:
                head = loaded(settings, args.events)
                print(f"{backend}: {head} events loaded", flush=True)
                for run in range(args.runs):
                    found = drill(settings, root / f"backups-{backend}-{run}")
                    print(
                        f"{backend}: plain copy {found['plain copy']:.2f} s,"
                        f" backup {found['backup']:.2f} s, restore {found['restore']:.2f}"
                        f" s, verify {found['verify']:.2f} s ({found['events']} events,"
                        f" {found['size_mb']:.1f} MB, ok={found['ok']})"
                        f" verify steps: {found['verify_steps']} {found['problems'] or ''}",
                        flush=True,
                    )
            finally:
                if backend == "postgres":
                    with psycopg.connect(args.postgres, autocommit=True) as connection:
                        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
