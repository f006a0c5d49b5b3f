"""The one eventsourcing Application that holds every aggregate of a deployment.

One application means one totally ordered notification log: projections follow one log, the
audit chain is one chain, and a command touching two aggregates saves them atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import ConflictError, NotFoundError, StaleVersionError
from domain.topics import register_moved_topics

register_moved_topics()

A = TypeVar("A", bound=ShowroomAggregate)


class DateAsISO(Transcoding):
    """The JSON transcoder knows datetimes but not dates (received_on, birthdays...)."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


@dataclass(frozen=True)
class Written:
    """What a command returns: the aggregate written, its new version and the log position."""

    id: UUID
    version: int
    position: int


class Showroom(Application[UUID]):
    """Event store of the whole dealer group."""

    name = "showroom"
    # Told of the events a commit is about to save, before it saves them: workers/correlation.py
    # notes which request asked for the events that make jobs. None by default (tests, tools).
    commit_observers: tuple[Callable[[Sequence[Any]], None], ...] = ()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def load(
        self,
        cls: type[A],
        ident: UUID,
        kind: str,
        expected_version: int | None = None,
        *,
        scope: Callable[[A], object] | None = None,
    ) -> A:
        """The aggregate, or NotFoundError when it is missing or of another kind.

        What a command changes is loaded here, checked in one order: found (404), then `scope`,
        the service's rule for who may change it (raising NotFoundError or
        PermissionDeniedError), then the version the caller read (409). Scope before version:
        a stale-version answer would tell an outsider the id exists. The caller checks the role
        before it calls, so a role that may never write gets 403 for any id alike.
        """
        try:
            aggregate: ShowroomAggregate = self.repository.get(ident)
        except AggregateNotFoundError:
            raise NotFoundError(kind, ident) from None
        if not isinstance(aggregate, cls):
            raise NotFoundError(kind, ident)
        if scope is not None:
            scope(aggregate)
        return self.at_version(aggregate, expected_version)

    @staticmethod
    def at_version(aggregate: A, expected_version: int | None) -> A:
        """`aggregate` if it is still at the version the caller read (or none was given)."""
        if expected_version is not None and aggregate.version != expected_version:
            raise StaleVersionError(aggregate.id, expected_version, aggregate.version)
        return aggregate

    def exists(self, ident: UUID) -> bool:
        try:
            self.repository.get(ident)
        except AggregateNotFoundError:
            return False
        return True

    def commit(self, *aggregates: Any) -> int:
        """Save atomically; a concurrent write to any of them is a conflict, never lost."""
        if self.commit_observers:
            pending = [e for a in aggregates for e in getattr(a, "pending_events", ())]
            for observe in self.commit_observers:
                observe(pending)
        try:
            recordings = self.save(*aggregates)
        except IntegrityError as error:
            raise ConflictError(
                "another change was saved first (or the record already exists): reload and retry"
            ) from error
        if recordings:
            return max(r.notification.id for r in recordings)
        return self.position()

    def written(self, aggregate: ShowroomAggregate, *others: Any) -> Written:
        position = self.commit(aggregate, *others)
        return Written(id=aggregate.id, version=aggregate.version, position=position)

    def position(self) -> int:
        """The id of the newest notification in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0
