"""Encryption at rest: what the event bodies' cipher (audit/cipher.py) costs.

Each figure is measured twice in the same run, on two fresh stores of the same backend: with
the cipher (the default, every body AES-256-GCM under the keyring's events key) and without it
(`Settings(encrypt_events=False)`, a constructor switch only the benchmarks use). Five rounds
of each, alternating which side goes first, and each side's median, so that a noisy neighbour
on the machine does not land on one side only.

- write path: commands per second (`Leads.log_activity` through the services, in process, from
  `clients` threads: load the lead, check, append one event), closed loop, `--calls` of them;
- aggregate reads: leads loaded per second from the log with the aggregate cache off (every
  event of each lead decrypted and decoded), closed loop;
- rebuild: events per second replaying every view from a generated log (the batched
  simulation of `--events` events), in process, one ProjectionRunner as `showroom rebuild all`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ops.bench.harness import (
    Backend,
    BenchFloor,
    Row,
    Timings,
    bench_store,
    closed_loop,
    per_second,
    ratio,
    seed_floor,
)
from projections.registry import all_projections
from projections.runner import ProjectionRunner, reset
from workers.runtime import Runtime
from workers.settings import Settings

SECTION = "7 encryption"
BODY_CALLS = 20_000
LEADS_EACH = 25
ROUNDS = 5


def _writes(runtime: Runtime, floor: BenchFloor, calls: int) -> Timings:
    """Exactly `calls` commands (bounded by count, not time: both stores then hold the same
    leads with the same number of events, for the reads that follow)."""

    def call(worker: int, n: int) -> None:
        mine = floor.leads[worker]
        runtime.leads.log_activity(
            floor.principals[worker], mine[n % len(mine)], "call", outcome="bench"
        )

    return closed_loop(len(floor.principals), call, max_calls=calls, max_seconds=3600)


def _reads(runtime: Runtime, floor: BenchFloor, calls: int, seconds: float) -> Timings:
    app = runtime.app

    def call(worker: int, n: int) -> None:
        mine = floor.leads[worker]
        app.repository.get(mine[n % len(mine)])

    return closed_loop(len(floor.principals), call, max_calls=calls, max_seconds=seconds)


def _rebuild(settings: Settings) -> tuple[int, float]:
    runtime = Runtime.build(settings)
    try:
        projections = all_projections()
        for projection in projections:
            reset(runtime.db, projection)
        runner = ProjectionRunner(
            runtime.app,
            runtime.db,
            projections,
            lock_dir=settings.data_dir,
            page_size=settings.page_size,
        )
        began = time.perf_counter()
        while runner.run_once():
            pass
        seconds = time.perf_counter() - began
        runner.stop()
        return runtime.app.position(), seconds
    finally:
        runtime.close()


def _median(
    measure: Callable[[Settings], float], on: Settings, off: Settings
) -> tuple[float, float]:
    """The median of ROUNDS rounds with the cipher and without, alternating which goes first
    (single rounds on a shared machine spread by ±30 %; the median resists a bad one)."""
    with_cipher: list[float] = []
    without: list[float] = []
    for round_ in range(ROUNDS):
        for settings in (on, off) if round_ % 2 == 0 else (off, on):
            (with_cipher if settings.encrypt_events else without).append(measure(settings))
    return statistics.median(with_cipher), statistics.median(without)


def per_body() -> tuple[float, float]:
    """Microseconds to encrypt and decrypt one body of ~600 bytes: this cipher (cryptography's
    AESGCM) and eventsourcing's AESCipher (pycryptodome), which it chose against."""
    import base64
    import os

    from eventsourcing.cipher import AESCipher
    from eventsourcing.utils import Environment

    from audit import cipher
    from audit.keyring import Keyring

    body = b'{"kind":"call","outcome":"reached","note":null,' + b'"x":"' + b"7" * 540 + b'"}'
    ours = cipher.EventCipher(
        Environment("", cipher.environment(Keyring.generate(), keyring_file=None, legacy_key=None))
    )
    theirs = AESCipher(Environment("", {"CIPHER_KEY": base64.b64encode(os.urandom(32)).decode()}))
    took = []
    for one in (ours, theirs):
        began = time.perf_counter()
        for _ in range(BODY_CALLS):
            one.decrypt(one.encrypt(body))
        took.append((time.perf_counter() - began) / BODY_CALLS * 1e6)
    return took[0], took[1]


def run(
    backend: Backend, *, clients: int, calls: int, seconds: float, events: int, base: Path | None
) -> list[Row]:
    """The encryption rows for one backend (`backend` is the store with the cipher on)."""
    from ops.bench import rebuild

    rows: list[Row] = []
    with bench_store(backend.name, base) as plain_store:
        on = backend.settings
        off = replace(plain_store.settings, encrypt_events=False)
        # The same generated group (same seed) in each store, for the rebuild; the write and
        # read loads work a floor of their own opened after it.
        summary = rebuild.write_log(backend, events)
        rebuild.write_log(Backend(backend.name, off, plain_store.workdir), events)
        floors: dict[bool, BenchFloor] = {}
        for settings in (on, off):
            runtime = Runtime.build(settings)
            try:
                floors[settings.encrypt_events] = seed_floor(runtime, clients, LEADS_EACH)
            finally:
                runtime.close()

        def writes(settings: Settings) -> float:
            runtime = Runtime.build(settings)
            try:
                return _writes(runtime, floors[settings.encrypt_events], calls).rate
            finally:
                runtime.close()

        def reads(settings: Settings) -> float:
            runtime = Runtime.build(replace(settings, aggregate_cache=0))
            try:
                return _reads(runtime, floors[settings.encrypt_events], calls, seconds).rate
            finally:
                runtime.close()

        write_on, write_off = _median(writes, on, off)
        read_on, read_off = _median(reads, on, off)

        def rebuilds(settings: Settings) -> float:
            count, took = _rebuild(settings)
            return count / took

        rebuild_on, rebuild_off = _median(rebuilds, on, off)
    of = "cipher off"
    rows.append(
        Row(
            SECTION,
            f"commands/s, log an activity in process ({clients} threads)",
            backend.name,
            per_second(write_on),
            per_second(write_off),
            of,
            ratio(write_on, write_off),
        )
    )
    rows.append(
        Row(
            SECTION,
            "aggregates/s loaded from the log, cache off",
            backend.name,
            per_second(read_on),
            per_second(read_off),
            of,
            ratio(read_on, read_off),
        )
    )
    rows.append(
        Row(
            SECTION,
            f"events/s rebuilding every view ({summary.events:,} generated events + the floor)",
            backend.name,
            per_second(rebuild_on),
            per_second(rebuild_off),
            of,
            ratio(rebuild_on, rebuild_off),
        )
    )
    ours, theirs = per_body()
    rows.append(
        Row(
            SECTION,
            "µs to encrypt + decrypt one 600-byte body (AES-256-GCM, cryptography)",
            backend.name,
            f"{ours:.1f} µs",
            f"{theirs:.1f} µs",
            "eventsourcing's AESCipher (pycryptodome)",
            ratio(ours, theirs),
        )
    )
    return rows


def rows_for(args: Any, name: str, base: Path | None) -> list[Row]:
    """The section on a fresh store of `name` (what the suite calls)."""
    with bench_store(name, base) as backend:
        return run(
            backend,
            clients=args.clients,
            calls=args.calls,
            seconds=args.duration,
            events=args.events,
            base=base,
        )
