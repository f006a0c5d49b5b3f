"""The base of every read model: a named projection that turns events into rows.

A projection handles the event classes it registers with `@handles`; every other event is
skipped before it is even decoded. Its rows and its tracking position are written in the same
transaction by the runner, so each event takes effect exactly once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

from domain.topics import stored_topics
from projections.db import Tx

H = TypeVar("H", bound=Callable[..., None])


def handles(*event_classes: type[Any]) -> Callable[[H], H]:
    """Mark a method as the handler of these event classes: `def on_x(self, event, tx)`."""

    def mark(method: H) -> H:
        method.__handles__ = event_classes  # type: ignore[attr-defined]
        return method

    return mark


class Projection:
    """A read model: its name never changes (it keys the tracking row)."""

    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]] = ()
    ddl: ClassVar[tuple[str, ...]] = ()
    # Raise it when what the handlers write changes but the tables do not: a view whose
    # fingerprint (version and DDL) differs from the one it was built with is rebuilt.
    version: ClassVar[int] = 1
    # The log position of the event being handled (set by the runner before each `handle`).
    position: int = 0

    _handlers: ClassVar[dict[str, str]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[str, str] = {}
        for base in reversed(cls.__mro__):
            for attr, value in vars(base).items():
                for event_class in getattr(value, "__handles__", ()):
                    # Events stored before their class moved keep the old topic.
                    for topic in stored_topics(event_class):
                        handlers[topic] = attr
        cls._handlers = handlers

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(self._handlers)

    @classmethod
    def fingerprint(cls) -> str:
        text = "\n".join((cls.name, str(cls.version), *cls.tables, *cls.ddl))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def create(self, tx: Tx) -> None:
        for statement in self.ddl:
            tx.execute(statement)

    def drop(self, tx: Tx) -> None:
        for table in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")

    def handle(self, topic: str, event: Any, tx: Tx) -> None:
        getattr(self, self._handlers[topic])(event, tx)

    def prepare(self, tx: Tx, events: Sequence[Any]) -> None:
        """Before a page's events are handled: fetch what they will read (see PageRows)."""

    def flush(self, tx: Tx) -> None:
        """Write what the page's handlers buffered (the runner calls it before committing)."""
