"""What every benchmark shares: stores to run on, servers to start, clocks, and the result rows.

A benchmark runs against a *bench store*: a fresh SQLite directory, or a fresh schema of the
PostgreSQL database `test` on 127.0.0.1 (dropped afterwards). API servers, projection runners
and writers run as subprocesses of this machine's Python; every request goes to 127.0.0.1 and
every loop is bounded both in count and in time.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.domain import Aggregate, event

from workers.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("SHOWROOM_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret-" + "s" * 40
LOOPBACK = "127.0.0.1"


# --- result rows ---------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the results table: a figure, its baseline from the same run, and a target."""

    section: str
    metric: str
    backend: str
    value: str
    baseline: str = "—"
    baseline_of: str = ""
    ratio: str = "—"
    target: str = "—"
    verdict: str = "—"
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        return dict(vars(self))


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.0%}" if baseline > 0 else "—"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def per_second(count: float) -> str:
    return f"{count:,.0f}/s"


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def verdict(met: bool) -> str:
    return "met" if met else "missed"


def render_table(rows: Sequence[Row]) -> str:
    """The results as one Markdown table."""
    head = ("section", "metric", "backend", "value", "baseline", "ratio", "target", "verdict")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        baseline = row.baseline if not row.baseline_of else f"{row.baseline} ({row.baseline_of})"
        cells = (
            row.section,
            row.metric,
            row.backend,
            row.value,
            baseline,
            row.ratio,
            row.target,
            row.verdict,
        )
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


# --- the machine ---------------------------------------------------------------------------


def postgres_reachable() -> bool:
    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    info: dict[str, str] = {"nproc": str(os.cpu_count() or "?")}
    meminfo = _read("/proc/meminfo")
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            info["memory"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    info["cpu"] = cpu
    info["kernel"] = platform.release()
    info["python"] = platform.python_version()
    info["sqlite"] = sqlite3.sqlite_version
    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as connection:
            row = connection.execute("SHOW server_version").fetchone()
            info["postgresql"] = str(row[0]) if row else "?"
    except psycopg.Error:
        info["postgresql"] = "not reachable"
    from importlib.metadata import version

    for package in ("eventsourcing", "fastapi", "uvicorn", "psycopg", "pandas"):
        try:
            info[package] = version(package)
        except Exception:
            info[package] = "?"
    load = _read("/proc/loadavg").split()
    info["load average at start"] = " ".join(load[:3]) if load else "?"
    return info


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


# --- bench stores --------------------------------------------------------------------------


@dataclass
class Backend:
    """A fresh store: its settings, and the environment that points a subprocess at it."""

    name: str
    settings: Settings
    workdir: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL", "SHOWROOM_PG_SCHEMA")
        }
        env |= {
            "SHOWROOM_DATA_DIR": str(self.settings.data_dir),
            "SHOWROOM_SECRET_KEY": self.settings.secret_key,
            "PYTHONPATH": str(ROOT),
        }
        if self.settings.database_url:
            env["DATABASE_URL"] = self.settings.database_url
            env["SHOWROOM_PG_SCHEMA"] = self.settings.postgres_schema
        return env | extra


@contextmanager
def bench_store(name: str, base: Path | None = None) -> Iterator[Backend]:
    """A migrated, empty store on `name` ('sqlite' or 'postgres'), removed afterwards."""
    from workers.runtime import migrate

    workdir = Path(tempfile.mkdtemp(prefix=f"showroom-bench-{name}-", dir=base))
    schema = None
    try:
        if name == "sqlite":
            settings = Settings(data_dir=workdir / "var", secret_key=SECRET)
        elif name == "postgres":
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as connection:
                connection.execute(f"CREATE SCHEMA {schema}")
            settings = Settings(
                data_dir=workdir / "var",
                database_url=PG_URL,
                postgres_schema=schema,
                secret_key=SECRET,
                postgres_pool_size=10,
            )
        else:
            raise ValueError(f"unknown backend {name!r}")
        migrate(settings)
        yield Backend(name=name, settings=settings, workdir=workdir)
    finally:
        if schema is not None:
            with psycopg.connect(PG_URL, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        shutil.rmtree(workdir, ignore_errors=True)


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


@dataclass
class Server:
    """A `showroom serve` subprocess on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


@contextmanager
def serve(
    backend: Backend, *extra: str, port: int | None = None, timeout: float = 60.0
) -> Iterator[Server]:
    """Start `showroom serve` against the backend and wait until /health answers."""
    import httpx

    chosen = port or free_port()
    log = backend.workdir / f"serve-{chosen}.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            python("-m", "ops.cli", "serve", "--host", LOOPBACK, "--port", str(chosen), *extra),
            env=backend.env(),
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, chosen, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"showroom serve exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{server.url}/health", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"showroom serve did not answer: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """Terminate a child we started, then kill it if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


def run_child(backend: Backend, module: str, *args: str, timeout: float = 3600) -> Any:
    """Run `python -m module args` against the backend; its last stdout line is JSON."""
    completed = subprocess.run(
        python("-m", module, *args),
        env=backend.env(),
        cwd=ROOT,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"{module} {' '.join(args)} failed ({completed.returncode}):"
            f" {completed.stderr.decode()[-3000:]}"
        )
    lines = completed.stdout.decode().strip().splitlines()
    return json.loads(lines[-1])


# --- memory --------------------------------------------------------------------------------


def rss_bytes(pid: int | str = "self") -> tuple[int, int]:
    """(current RSS, peak RSS) of a process in bytes, from /proc."""
    current = peak = 0
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) * 1024
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1]) * 1024
    return current, peak


def mib(count: float) -> str:
    return f"{count / 1024 / 1024:,.0f} MiB"


# --- load generation -----------------------------------------------------------------------


@dataclass
class Timings:
    """Latencies of completed calls, and the failures, of one load run."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)


def closed_loop(
    workers: int,
    call: Callable[[int, int], None],
    *,
    max_calls: int,
    max_seconds: float,
) -> Timings:
    """`workers` threads each call `call(worker, n)` back to back until either bound is hit."""
    timings = Timings()
    lock = threading.Lock()
    issued = [0]
    deadline = time.perf_counter() + max_seconds

    def work(worker: int) -> None:
        n = 0
        while time.perf_counter() < deadline:
            with lock:
                if issued[0] >= max_calls:
                    return
                issued[0] += 1
            began = time.perf_counter()
            try:
                call(worker, n)
            except Exception:
                with lock:
                    timings.errors += 1
                continue
            finally:
                n += 1
            took = time.perf_counter() - began
            with lock:
                timings.latencies.append(took)

    began = time.perf_counter()
    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max_seconds + 120)
    timings.seconds = time.perf_counter() - began
    return timings


def paced(
    workers: int,
    call: Callable[[int, int], None],
    *,
    rate: float,
    seconds: float,
) -> Timings:
    """Calls issued at a fixed `rate` for `seconds` by `workers` threads (open loop).

    Latency is measured from when a call was *due*, so a server that falls behind shows it
    (no coordinated omission). Calls still waiting at 2x the duration are abandoned.
    """
    timings = Timings()
    lock = threading.Lock()
    total = max(1, int(rate * seconds))
    start = time.perf_counter() + 0.05
    give_up = start + seconds * 2 + 5

    def work(worker: int) -> None:
        for n in range(worker, total, workers):
            due = start + n / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            if time.perf_counter() > give_up:
                return
            try:
                call(worker, n)
            except Exception:
                with lock:
                    timings.errors += 1
                continue
            took = time.perf_counter() - due
            with lock:
                timings.latencies.append(took)

    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds * 2 + 30)
    timings.seconds = max(time.perf_counter() - start, 1e-9)
    return timings


class BenchPing(Aggregate):
    """The smallest aggregate: one event per save, for the bare-library baselines."""

    @event("Pinged")
    def ping(self) -> None:
        pass


# --- a small sales floor to write on -------------------------------------------------------

PASSWORD = "bench-password-1"


@dataclass
class BenchFloor:
    """One store, its salespeople (each with a login) and open leads of each salesperson."""

    store_id: Any
    usernames: list[str]
    principals: list[Any]
    leads: list[list[Any]]


class _NoKnownPhones:
    """Bench phones are unique by construction: no lookup needs the directory view."""

    def find(self, phone_hash: str) -> None:
        return None


def seed_floor(runtime: Any, sellers: int, leads_each: int, prefix: str = "bench") -> BenchFloor:
    """Open a store with `sellers` salespeople, each with a login and `leads_each` leads."""
    from domain.organisation.model import User
    from domain.shared.actor import SYSTEM, Role

    org = runtime.organisation
    from workers.runtime import Services

    leads_service = Services.over(
        runtime.app,
        runtime.db,
        wait_seconds=runtime.settings.read_wait_seconds,
        phone_key=b"bench-phone-key",
        phone_index=_NoKnownPhones(),
    ).leads
    store_id = org.open_store(SYSTEM, f"{prefix} 基准测试店", "杭州", ["BYD"]).id
    floor = BenchFloor(store_id=store_id, usernames=[], principals=[], leads=[])
    for i in range(sellers):
        staff_id = org.hire_staff(SYSTEM, store_id, f"销售{i}", Role.SALESPERSON).id
        username = f"{prefix}{i}"
        org.register_user(SYSTEM, username, PASSWORD, Role.SALESPERSON, staff_id=staff_id)
        principal = org.principal(User.id_for(username))
        leads = [
            leads_service.capture_lead(
                principal,
                store_id,
                "walk_in",
                customer_name=f"客户{i}-{j}",
                customer_phone=f"139{i:04d}{j:04d}",
            ).id
            for j in range(leads_each)
        ]
        floor.usernames.append(username)
        floor.principals.append(principal)
        floor.leads.append(leads)
    return floor
