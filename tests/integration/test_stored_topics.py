"""Events already in a store keep loading and projecting, whatever was renamed since.

`tests/fixtures/stored_events.json` holds one stored event of every topic (and class version)
the application has ever written, as the store kept it (written by
`tests/fixtures/make_stored_events.py`, the first entries by the code before pay moved to
`domain/pay`). Today's code must decode each to one of
today's event classes, and every projection handling that class must handle it; and every event
class of the domain must have a stored example, so that a new or moved class cannot go unseen.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
import inspect
import json
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

import domain
from domain.app import Showroom
from projections.db import open_database
from projections.projection import Projection
from projections.registry import all_projections
from projections.runner import ProjectionRunner, failures, migrate, positions
from tests.fixtures.make_stored_events import shape
from workers.settings import Settings

FIXTURE = Path(__file__).parents[1] / "fixtures" / "stored_events.json"
REGENERATE = (
    "run `.venv/bin/python -m tests.fixtures.make_stored_events` (and extend its scenario if no"
    " command of it records this event) to add a stored example to tests/fixtures/"
)
ENTRIES: list[dict[str, Any]] = json.loads(FIXTURE.read_text())


def stored(entry: dict[str, Any]) -> StoredEvent:
    state = (
        entry["state"].encode("utf-8")
        if "state" in entry
        else base64.b64decode(entry["state_base64"])
    )
    return StoredEvent(
        originator_id=UUID(entry["originator_id"]),
        originator_version=entry["originator_version"],
        topic=entry["topic"],
        state=state,
    )


def _aggregates() -> Iterator[type[Aggregate]]:
    for info in pkgutil.walk_packages(domain.__path__, "domain."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, Aggregate)
                and value.__module__ == module.__name__
                and not value.__subclasses__()  # ShowroomAggregate, the base of all
            ):
                yield value


def event_classes() -> dict[str, type[DomainEvent]]:
    """Every event class an aggregate of the domain records, by today's topic: the nested
    classes no other nested class extends (not the `Event` base), and the library's default
    `Created` only where the aggregate has no creation event of its own."""
    found: dict[str, type[DomainEvent]] = {}
    for aggregate in _aggregates():
        nested = [
            v for v in vars(aggregate).values() if inspect.isclass(v) and issubclass(v, DomainEvent)
        ]
        leaves = [c for c in nested if not any(o is not c and issubclass(o, c) for o in nested)]
        own_creation = any(
            issubclass(c, Aggregate.Created) and c is not aggregate.Created for c in leaves
        )
        for cls in leaves:
            if cls is aggregate.Created and own_creation:
                continue
            found[get_topic(cls)] = cls
    return found


def handled_classes(projection: Projection) -> set[type[Any]]:
    """The event classes the projection's handlers are marked with (`@handles`)."""
    return {
        cls
        for base in type(projection).__mro__
        for value in vars(base).values()
        for cls in getattr(value, "__handles__", ())
    }


def by_commit() -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in ENTRIES:
        groups.setdefault(entry["written_by"], []).append(entry)
    return groups


def test_the_fixture_holds_one_stored_event_per_topic_and_class_version() -> None:
    shapes = [shape(e) for e in ENTRIES]

    assert len(shapes) == len(set(shapes))


def test_every_stored_event_decodes_to_an_event_class_of_today() -> None:
    app = Showroom(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    today = set(event_classes().values())

    decoded = {e["topic"]: type(app.mapper.to_domain_event(stored(e))) for e in ENTRIES}

    strays = {topic: cls for topic, cls in decoded.items() if cls not in today}
    assert not strays, f"stored events decode to classes no aggregate records today: {strays}"


def test_every_event_class_of_the_domain_has_a_stored_example() -> None:
    covered = {resolve_topic(e["topic"]) for e in ENTRIES}

    missing = sorted(topic for topic, cls in event_classes().items() if cls not in covered)

    assert not missing, f"no stored event of {missing}: {REGENERATE}"


def test_every_projection_listens_to_every_topic_its_classes_were_stored_under() -> None:
    unheard = [
        (projection.name, entry["topic"])
        for projection in all_projections()
        for entry in ENTRIES
        if resolve_topic(entry["topic"]) in handled_classes(projection)
        and entry["topic"] not in projection.topics
    ]

    assert not unheard, f"projections skip stored topics of classes they handle: {unheard}"


@pytest.mark.parametrize("written_by", sorted(by_commit()))
def test_every_projection_replays_the_stored_events(settings: Settings, written_by: str) -> None:
    # Each commit's events in a store of their own: ids derived from a username or a month
    # repeat across the runs that wrote the fixture. Their bodies are stored as they were
    # written, in clear (before encryption was the default): read as a store being migrated.
    settings = dataclasses.replace(settings, read_clear_events=True)
    app = Showroom(env=settings.event_store_env(create_table=True))
    db = open_database(settings.database_url, settings.data_dir, settings.postgres_schema)
    try:
        migrate(db, all_projections())
        events = sorted(
            (stored(e) for e in by_commit()[written_by]),
            key=lambda s: (str(s.originator_id), s.originator_version),
        )
        app.recorder.insert_events(events)
        runner = ProjectionRunner(
            app, db, all_projections(), lock_dir=settings.data_dir, poll_seconds=0.01
        )

        runner.run_until_caught_up()
        runner.stop()

        assert app.position() == len(events)
        assert failures(db) == []
        assert set(positions(db).values()) == {len(events)}
    finally:
        db.close()
        app.close()
