"""The runtime that actors use in this process (installed by `broker.configure`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dramatiq.brokers.stub import StubBroker

if TYPE_CHECKING:
    from workers.runtime import Runtime

# Actors are declared on this placeholder at import; `broker.configure` re-binds them to the
# process's real broker. Declaring on dramatiq's implicit global broker would try RabbitMQ.
PLACEHOLDER_BROKER = StubBroker()

_runtime: Runtime | None = None


def install(runtime: Runtime) -> None:
    global _runtime
    _runtime = runtime


def runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("no runtime installed: call workers.broker.configure first")
    return _runtime
