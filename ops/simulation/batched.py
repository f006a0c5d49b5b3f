"""The group's application for loading a history: the services' own commands, saved in batches.

`BatchedShowroom` is the `Showroom` application with two changes below the services, so that a
simulated history (the demo, a generated group of any size) goes through exactly the commands
the API calls, every check included, at a fraction of the cost of one transaction per command:

- `repository.get` answers from the aggregates it holds (every one saved or loaded since the
  load began, until the simulation forgets it), so no aggregate is rebuilt from the log twice;
- `save` collects the new events in command order and writes them `batch_size` at a time, one
  transaction per batch (`flush` writes the rest).

The log therefore holds the same events in the same order as the plain application would write
(tests compare the two). Uniqueness still holds: a new aggregate whose id was written during the
load is refused at once, as the event store would refuse it (the services turn that into their
own conflict errors), and one whose id the store held before is refused when its batch is
written (the whole batch then fails). It is meant for one writer loading a store: a concurrent
writer's change to a held aggregate is not seen, and is refused at the batch (a conflict).

A command that fails after changing an aggregate leaves events pending on it: the next `get`
drops that aggregate and reloads it from the log, as the plain repository's copies would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.persistence import IntegrityError, Recording

from domain.app import Showroom
from domain.shared.errors import ConflictError

# The library's aggregate cache would copy every aggregate out: the held ones replace it.
_CACHE_SETTINGS = (
    "AGGREGATE_CACHE_MAXSIZE",
    "AGGREGATE_CACHE_FASTFORWARD",
    "DEEPCOPY_FROM_AGGREGATE_CACHE",
)


class HeldRepository(Repository[UUID]):
    """The repository of a `BatchedShowroom`: held aggregates first, then the event store."""

    app: BatchedShowroom

    def get(self, aggregate_id: UUID, *, version: int | None = None, **kwargs: Any) -> Any:
        app = self.app
        held = app.held.get(aggregate_id)
        if held is not None and version is None:
            if not held.pending_events:
                return held
            # A command failed after changing it: what the log holds is the truth.
            del app.held[aggregate_id]
        if aggregate_id in app.written_ids:
            app.flush()  # its newest events may still wait in the batch
        elif app.stored_before is not None and aggregate_id not in app.stored_before:
            raise AggregateNotFoundError(aggregate_id)  # known without asking the store
        aggregate = super().get(aggregate_id, version=version, **kwargs)
        if version is None:
            app.held[aggregate_id] = aggregate
        return aggregate


class BatchedShowroom(Showroom):
    """`Showroom` that serves loads from the aggregates it holds and saves events in batches."""

    name = Showroom.name  # the same tables (PostgreSQL names them after the application)

    # A store holding up to this many events when the load begins has its aggregate ids read
    # once, so that looking for an id it does not hold (a new VIN, a phone never claimed, a
    # deal's survey) costs no query; a larger store is asked each time.
    KNOWN_IDS_UP_TO = 100_000

    def __init__(self, env: Mapping[str, str], batch_size: int = 1000) -> None:
        self.batch_size = max(1, batch_size)
        self.held: dict[UUID, Any] = {}
        self.written_ids: set[UUID] = set()
        self.stored_before: set[UUID] | None = None
        self.pending: list[Any] = []
        self.saved = 0
        self.batches = 0
        super().__init__(env={k: v for k, v in env.items() if k not in _CACHE_SETTINGS})
        self._head = self.position()
        if self._head <= self.KNOWN_IDS_UP_TO:
            self.stored_before = self._stored_ids()

    def _stored_ids(self) -> set[UUID]:
        ids: set[UUID] = set()
        start: int | None = None
        while True:
            page = self.recorder.select_notifications(start, 1000, inclusive_of_start=start is None)
            ids.update(UUID(str(n.originator_id)) for n in page)
            if len(page) < 1000:
                return ids
            start = page[-1].id

    def construct_repository(self) -> Repository[UUID]:
        repository = HeldRepository(event_store=self.events, snapshot_store=self.snapshots)
        repository.app = self
        return repository

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Collect the events of one command; write the batch once it is full."""
        events: list[Any] = []
        aggregates: list[Any] = []
        for obj in objs:
            collect = getattr(obj, "collect_events", None)
            if collect is None:
                if obj is not None:
                    events.append(obj)  # an event saved on its own
                continue
            events.extend(collect())
            aggregates.append(obj)
        for event in events:
            # A new aggregate under an id already written (a VIN, a username, a phone claim)
            # is refused now, as the event store would refuse it; the others of the save are
            # reloaded from the log when next asked for (their events were taken off them).
            if event.originator_version == 1 and event.originator_id in self.written_ids:
                for aggregate in aggregates:
                    self.held.pop(aggregate.id, None)
                raise IntegrityError(f"{event.originator_id} already exists")
        for aggregate in aggregates:
            self.held[aggregate.id] = aggregate
            self.written_ids.add(aggregate.id)
        self.pending.extend(events)
        if len(self.pending) >= self.batch_size:
            self.flush()
        return []

    def commit(self, *aggregates: Any) -> int:
        """Save into the batch; the answer is the log position its last event will have (the
        store's head plus what is pending: this application is the only writer)."""
        try:
            self.save(*aggregates)
        except IntegrityError as error:
            raise ConflictError("the record already exists") from error
        return self._head + len(self.pending)

    def flush(self) -> None:
        """Write the pending events in one transaction."""
        if not self.pending:
            return
        try:
            recordings = self.events.put(self.pending)
        except IntegrityError as error:
            raise ConflictError(f"batch {self.batches + 1} conflicted: {error}") from error
        self.saved += len(self.pending)
        self.batches += 1
        self.pending = []
        self._head = max((r.notification.id for r in recordings), default=self.position())

    def forget(self, *ids: UUID) -> None:
        """The simulation will not touch these aggregates again: stop holding them."""
        for ident in ids:
            self.held.pop(ident, None)
