"""The dramatiq broker: Redis when REDIS_URL is set, in-process (StubBroker) otherwise.

Actors are declared in workers/actors/ against whatever broker is current; `configure` swaps
them onto this process's broker and hands them the process runtime. Jobs reach the broker only
through the dispatcher (workers/dispatcher.py), which follows the log.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from workers import context, correlation
from workers import timers as clock_timers
from workers.dispatcher import BrokerSender, Dispatch
from workers.runtime import Runtime
from workers.settings import Settings

log = logging.getLogger(__name__)


def _middleware() -> list[Any]:
    return [
        AgeLimit(),
        TimeLimit(time_limit=10 * 60 * 1000),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(max_retries=5, min_backoff=500, max_backoff=60_000),
        correlation.RequestIdMiddleware(),  # a job's log lines carry its request's id
    ]


@dataclass
class Jobs:
    """This process's broker, its worker threads and its dispatcher when it runs them."""

    broker: dramatiq.Broker
    dispatch: Dispatch
    worker_threads: int = 2
    _worker: dramatiq.Worker | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _dispatching: bool = field(default=False, repr=False)

    def start_dispatcher(self, *, local_worker: bool) -> bool:
        """Follow the log and send its jobs, if they can reach a worker: on Redis always; on the
        in-process broker only when this process runs its worker (else they would wait in a
        queue no one reads). Whether it started."""
        if not (isinstance(self.broker, RedisBroker) or local_worker):
            return False
        with self._lock:
            if not self._dispatching:
                self.dispatch.start()
                self._dispatching = True
        return True

    def stop_dispatcher(self) -> None:
        with self._lock:
            if self._dispatching:
                self.dispatch.stop()
                self._dispatching = False

    def start_worker(self) -> None:
        with self._lock:
            if self._worker is None:
                self._worker = dramatiq.Worker(
                    self.broker,
                    worker_threads=self.worker_threads,
                    worker_timeout=self._poll_ms(),
                )
                self._worker.start()

    def _poll_ms(self) -> int:
        """How long the worker's threads wait on their queue before looking again (a stop waits
        for them): dramatiq's 1 s on Redis; 50 ms on the in-process broker, whose queue is a
        local one (a poll costs nothing), so that stopping a process or a test's app takes
        moments, not two seconds."""
        return 1000 if isinstance(self.broker, RedisBroker) else 50

    def stop_worker(self) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.stop(timeout=5000)
                self._worker = None

    def join(self, timeout_ms: int = 30_000) -> None:
        """Wait until every queued job ran (tests and the CLI on the embedded default)."""
        self.broker.join("default", timeout=timeout_ms)


def make_broker(settings: Settings) -> dramatiq.Broker:
    if settings.redis_url:
        return RedisBroker(url=settings.redis_url, middleware=_middleware())  # type: ignore[no-untyped-call]
    return StubBroker(middleware=_middleware())


def configure(settings: Settings, runtime: Runtime) -> Jobs:
    """Point every actor at this process's broker and runtime."""
    from workers.actors import ACTORS  # after the broker exists, actors can be declared on it

    broker = make_broker(settings)
    dramatiq.set_broker(broker)
    for actor in ACTORS:
        actor.broker = broker
        broker.declare_actor(actor)
    context.install(runtime)
    dispatch = Dispatch(
        runtime.app,
        runtime.db,
        BrokerSender(broker),
        lock_dir=settings.data_dir,
        page_size=settings.page_size,
        poll_seconds=settings.poll_seconds,
        notify_url=settings.database_url,
        clock_timers=clock_timers.ClockTimers(runtime.db, clock_timers.recurring_timers(settings)),
    )
    return Jobs(broker=broker, dispatch=dispatch)
