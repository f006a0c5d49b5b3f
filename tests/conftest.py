"""Backends for the integration tests: SQLite always, PostgreSQL and Redis when reachable.

With SHOWROOM_REQUIRE_SERVICES=1 (CI) a PostgreSQL or Redis test that cannot connect fails
instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings

from workers.settings import Settings

PG_URL = os.environ.get("SHOWROOM_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SHOWROOM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE = os.environ.get("SHOWROOM_REQUIRE_SERVICES") == "1"
# Scheduled backups are off in tests, also in the processes tests start from the environment
# (`Settings.from_env` defaults to daily); tests/integration/test_backup.py turns them on.
os.environ.setdefault("SHOWROOM_BACKUP_INTERVAL_HOURS", "0")
# Test databases need not survive a power cut (as the SQLite files in /dev/shm below): every
# PostgreSQL connection the tests open (libpq reads PGOPTIONS: the event store's, the views',
# pg_dump's) commits without waiting for the WAL to reach the disk. Each test migrates a fresh
# schema (about 120 DDL statements), so this is a fifth of a PostgreSQL test's set-up.
os.environ.setdefault("PGOPTIONS", "-c synchronous_commit=off")
# Properties check what holds, not how fast one example runs: on a loaded 2-core machine a
# pure example took 356 ms once (0.4 ms when repeated) and hypothesis's 200 ms deadline failed
# it. Speed is measured in the benchmark suite, never asserted in tests.
hypothesis_settings.register_profile("showroom", deadline=None)
hypothesis_settings.load_profile("showroom")


def pytest_configure(config: pytest.Config) -> None:
    """Keep test files in memory-backed /dev/shm when the machine has it.

    The event store commits with fsync (durability is its point); on a real disk that is most of
    a test's time, and test stores need not survive a power cut.
    """
    shm = Path("/dev/shm")
    if config.option.basetemp is None and shm.is_dir() and os.access(shm, os.W_OK):
        config.option.basetemp = str(shm / f"showroom-pytest-{os.getpid()}")


def pytest_unconfigure(config: pytest.Config) -> None:
    basetemp = str(config.option.basetemp or "")
    if basetemp.startswith("/dev/shm/showroom-pytest-"):
        shutil.rmtree(basetemp, ignore_errors=True)


def _unavailable(what: str, error: Exception) -> None:
    if REQUIRE:
        pytest.fail(f"{what} is required (SHOWROOM_REQUIRE_SERVICES=1) but unreachable: {error}")
    pytest.skip(f"{what} unreachable: {error}")


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
    except psycopg.OperationalError as error:
        _unavailable("PostgreSQL", error)
    yield schema
    with psycopg.connect(PG_URL, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        _unavailable("Redis", error)
    return REDIS_URL


def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", secret_key="test-secret-" + "x" * 32)


@pytest.fixture
def pg_settings(pg_schema: str, tmp_path: Path) -> Settings:
    """Settings on PostgreSQL only, for behaviour SQLite does not have (NOTIFY, partitions)."""
    return Settings(
        data_dir=tmp_path / "var",
        database_url=PG_URL,
        postgres_schema=pg_schema,
        secret_key="test-secret-" + "x" * 32,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for one backend: every test that takes it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_settings(tmp_path)
    schema = request.getfixturevalue("pg_schema")
    return Settings(
        data_dir=tmp_path / "var",
        database_url=PG_URL,
        postgres_schema=schema,
        secret_key="test-secret-" + "x" * 32,
    )
