"""Scale-out on one machine: two of each process against one PostgreSQL and one Redis.

- two API servers (`showroom serve` on two ports) serve the same data: a write through one is
  read back through the other with its log position (read-your-writes across servers);
- two projection runners (`showroom project`): exactly one holds each projection's advisory
  lock and works, the other stands by; killing the active one hands every view to the other;
- two dramatiq workers (`showroom worker`) take export jobs from one Redis queue; killing one
  leaves the other doing the work.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import httpx
import psycopg
import pytest
import redis

from domain.shared.actor import SYSTEM, Role
from domain.shared.clock import business_day, now
from ops.bench.harness import PASSWORD, BenchFloor, free_port, seed_floor
from projections.registry import all_projections
from projections.runner import positions
from tests.conftest import PG_URL
from workers.runtime import Runtime, migrate
from workers.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SECRET = "scale-out-secret-" + "x" * 32
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def own_redis_db(url: str) -> str:
    """A Redis database of its own (another test flushes the fixture's one)."""
    parts = urlparse(url)
    return urlunparse(parts._replace(path="/14"))


@dataclass
class Cluster:
    """The processes of one deployment on this machine, and how to reach them."""

    settings: Settings
    runtime: Runtime
    floor: BenchFloor
    tmp: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        assert self.settings.database_url and self.settings.redis_url
        return env | {
            "DATABASE_URL": self.settings.database_url,
            "SHOWROOM_PG_SCHEMA": self.settings.postgres_schema,
            "REDIS_URL": self.settings.redis_url,
            "SHOWROOM_SECRET_KEY": SECRET,
            "SHOWROOM_DATA_DIR": str(self.settings.data_dir),
            "PYTHONPATH": str(ROOT),
        }

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"{'-'.join(args)}-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "ops.cli", *args],
            env=self.env(),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def serve(self) -> str:
        port = free_port()
        self.start("serve", "--host", "127.0.0.1", "--port", str(port))
        return f"http://127.0.0.1:{port}"

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@pytest.fixture
def cluster(pg_schema: str, redis_url: str, tmp_path: Path) -> Iterator[Cluster]:
    queue = own_redis_db(redis_url)
    redis.Redis.from_url(queue).flushdb()
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url=PG_URL,
        postgres_schema=pg_schema,
        redis_url=queue,
        secret_key=SECRET,
    )
    migrate(settings)  # DDL once, before any process starts (they run with CREATE_TABLE=no)
    runtime = Runtime.build(settings)
    floor = seed_floor(runtime, 2, 3, prefix="scale")
    runtime.organisation.register_user(SYSTEM, "exec", PASSWORD, Role.GROUP_EXEC)
    group = Cluster(settings=settings, runtime=runtime, floor=floor, tmp=tmp_path)
    try:
        yield group
    finally:
        group.stop_all()
        runtime.close()
        redis.Redis.from_url(queue).flushdb()


def wait_until(check: Any, what: str, timeout: float = 40.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def login(url: str, username: str) -> dict[str, str]:
    answer = httpx.post(f"{url}/auth/token", data={"username": username, "password": PASSWORD})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def caught_up(cluster: Cluster) -> bool:
    head = cluster.runtime.app.position()
    known = positions(cluster.runtime.db)
    return all(known.get(p.name, 0) >= head for p in all_projections())


def lock_holders(schema: str) -> dict[str, int]:
    """Projection name → pid of the PostgreSQL session holding its advisory lock."""
    keys = {}
    for projection in all_projections():
        scope = f"showroom:{schema}:{projection.name}".encode()
        key = int.from_bytes(hashlib.sha256(scope).digest()[:8], "big")
        if key >= 1 << 63:  # as projections/runner.py folds it into a bigint
            key -= 1 << 63
        keys[(key >> 32, key & 0xFFFFFFFF)] = projection.name
    with psycopg.connect(PG_URL, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT classid::bigint, objid::bigint, pid FROM pg_locks"
            " WHERE locktype = 'advisory' AND granted AND objsubid = 1"
        ).fetchall()
    return {keys[(c, o)]: pid for c, o, pid in rows if (c, o) in keys}


def log_call(url: str, headers: dict[str, str], lead: Any) -> int:
    answer = httpx.post(
        f"{url}/leads/{lead}/activities", json={"kind": "call"}, headers=headers, timeout=30
    )
    assert answer.status_code == 201, answer.text
    position: int = answer.json()["position"]
    return position


def read_own_write(url: str, headers: dict[str, str], position: int) -> bool:
    month = business_day(now(), "Asia/Shanghai").strftime("%Y-%m")
    answer = httpx.get(
        f"{url}/reports/kpis",
        params={"month": month, "position": position},
        headers=headers,
        timeout=30,
    )
    return answer.status_code == 200


def test_two_api_servers_and_two_runners_share_one_postgres(cluster: Cluster) -> None:
    a, b = cluster.serve(), cluster.serve()
    first = cluster.start("project")
    wait_until(lambda: healthy(a) and healthy(b), "both API servers")
    wait_until(lambda: caught_up(cluster), "the first runner to catch up")
    second = cluster.start("project")
    time.sleep(2.0)  # the second runner has started and tried the locks by now
    schema = cluster.settings.postgres_schema
    names = {p.name for p in all_projections()}

    holders = lock_holders(schema)
    assert set(holders) == names
    assert len(set(holders.values())) == 1  # one session (the first runner) holds them all
    seller = cluster.floor.usernames[0]
    lead = cluster.floor.leads[0][0]
    written = log_call(a, login(a, seller), lead)
    assert wait_until(lambda: read_own_write(b, login(b, seller), written), "a read through B")

    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    written = log_call(b, login(b, seller), lead)
    assert wait_until(lambda: read_own_write(a, login(a, seller), written), "the takeover")
    taken = wait_until(lambda: lock_holders(schema), "the standby to take the locks")

    assert set(taken) == names
    assert len(set(taken.values())) == 1
    assert set(taken.values()) != set(holders.values())
    assert second.poll() is None


def test_two_workers_share_one_redis_queue(cluster: Cluster) -> None:
    url = cluster.serve()
    cluster.start("project")
    first = cluster.start("worker", "--threads", "2")
    cluster.start("worker", "--threads", "2")
    wait_until(lambda: healthy(url), "the API server")
    headers = login(url, "exec")
    month = business_day(now(), "Asia/Shanghai").strftime("%Y-%m")

    def request() -> str:
        answer = httpx.post(f"{url}/exports", json={"month": month}, headers=headers, timeout=30)
        assert answer.status_code == 202, answer.text
        export_id: str = answer.json()["id"]
        return export_id

    def all_completed(ids: list[str]) -> bool:
        states = [
            httpx.get(f"{url}/exports/{i}", headers=headers, timeout=30).json()["status"]
            for i in ids
        ]
        assert "failed" not in states
        return all(s == "completed" for s in states)

    before = [request() for _ in range(4)]
    wait_until(lambda: all_completed(before), "four exports on two workers")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    after = [request() for _ in range(2)]

    assert wait_until(lambda: all_completed(after), "two exports on the remaining worker")


def test_serve_with_two_processes_runs_two_workers_on_one_port_that_write_and_read(
    cluster: Cluster,
) -> None:
    port = free_port()
    server = cluster.start("serve", "--host", "127.0.0.1", "--port", str(port), "--processes", "2")
    url = f"http://127.0.0.1:{port}"
    cluster.start("project")
    wait_until(lambda: healthy(url), "the API processes")
    children = wait_until(
        lambda: (
            len(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()) >= 2
        ),
        "two worker processes",
    )
    headers = login(url, cluster.floor.usernames[0])

    positions_written = [log_call(url, headers, cluster.floor.leads[0][0]) for _ in range(6)]

    assert children
    assert positions_written == sorted(positions_written)
    assert read_own_write(url, headers, positions_written[-1])
