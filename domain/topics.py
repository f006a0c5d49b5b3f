"""Where stored events' topics point after their classes moved.

An event is stored with its class's topic (`module:Class.Event`). When a module moves, events
already in a store still carry the old path: each move is listed here once, the old module
path is registered with the library (so those events decode to the classes where they live
now), and projections handle a class under every topic it was ever stored under. Never remove
a line: a store written before the move may be read at any time.
"""

from __future__ import annotations

import importlib
from functools import cache

from eventsourcing.utils import get_topic, register_topic

# Old module path -> the module that holds its aggregates and events now.
MOVED_MODULES: dict[str, str] = {
    # Pay became a context of its own (domain/pay), apart from performance.
    "domain.performance.plans": "domain.pay.plans",
    "domain.performance.periods": "domain.pay.periods",
}


@cache
def register_moved_topics() -> None:
    """Let the library resolve every old module path to the module that holds it now."""
    for old, new in MOVED_MODULES.items():
        register_topic(old, importlib.import_module(new))


def stored_topics(cls: type) -> tuple[str, ...]:
    """Every topic events of this class may be stored under: today's first, then older ones."""
    current = get_topic(cls)
    module, _, qualname = current.partition(":")
    old = (f"{was}:{qualname}" for was, now in MOVED_MODULES.items() if now == module)
    return (current, *old)
