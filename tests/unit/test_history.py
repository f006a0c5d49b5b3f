"""Audit history and integrity on an in-memory event store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from audit.chain import GENESIS, event_link
from audit.history import MASK, history, replay, state_at
from audit.integrity import verify
from audit.keyring import Keyring
from domain.app import Showroom
from domain.organisation.model import User
from domain.organisation.service import Organisation
from domain.shared.actor import SYSTEM
from domain.shared.errors import NotFoundError

MONDAY = datetime(2024, 3, 4, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


@pytest.fixture
def app() -> Iterator[Showroom]:
    application = Showroom(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield application
    application.close()


@pytest.fixture
def organisation(app: Showroom) -> Organisation:
    return Organisation(app)


def open_and_rename(organisation: Organisation) -> UUID:
    store = organisation.open_store(
        SYSTEM, "Hangzhou BYD", "Hangzhou", ["BYD"], occurred_at=MONDAY
    ).id
    organisation.update_store(
        SYSTEM, store, "Hangzhou BYD West", "Hangzhou", ["BYD", "Denza"], "Asia/Shanghai"
    )
    organisation.update_store(
        SYSTEM, store, "Hangzhou BYD West Lake", "Hangzhou", ["BYD"], "Asia/Shanghai"
    )
    return store


def test_history_lists_every_event_in_version_order(organisation: Organisation) -> None:
    store = open_and_rename(organisation)

    events = history(organisation.app, store)

    assert [e["version"] for e in events] == [1, 2, 3]
    assert [e["type"] for e in events] == ["Store.Opened", "Store.Updated", "Store.Updated"]


def test_history_reports_business_time_record_time_and_actor(organisation: Organisation) -> None:
    store = open_and_rename(organisation)

    first = history(organisation.app, store)[0]

    assert first["occurred_at"] == MONDAY.isoformat()
    assert datetime.fromisoformat(first["recorded_at"]) >= MONDAY
    assert first["actor"] == SYSTEM.user_id


def test_history_data_holds_the_event_fields_only(organisation: Organisation) -> None:
    store = open_and_rename(organisation)

    data = history(organisation.app, store)[1]["data"]

    assert data == {
        "name": "Hangzhou BYD West",
        "city": "Hangzhou",
        "brands": ["BYD", "Denza"],
        "timezone": "Asia/Shanghai",
    }


def test_history_up_to_a_version_stops_there(organisation: Organisation) -> None:
    store = open_and_rename(organisation)

    events = history(organisation.app, store, until_version=2)

    assert [e["version"] for e in events] == [1, 2]


def test_state_at_each_version_is_the_state_as_it_stood(organisation: Organisation) -> None:
    store = open_and_rename(organisation)

    names = [state_at(organisation.app, store, v)["name"] for v in (1, 2, 3)]

    assert names == ["Hangzhou BYD", "Hangzhou BYD West", "Hangzhou BYD West Lake"]


def test_state_is_json_friendly_without_private_attributes(organisation: Organisation) -> None:
    store = open_and_rename(organisation)

    state = state_at(organisation.app, store, 2)

    assert state["id"] == str(store)
    assert state["version"] == 2
    assert state["brands"] == ["BYD", "Denza"]
    assert state["active"] is True
    assert not any(key.startswith("_") for key in state)


def test_state_without_version_is_the_latest(organisation: Organisation) -> None:
    store = open_and_rename(organisation)

    assert state_at(organisation.app, store)["version"] == 3


def test_password_hashes_are_masked_in_events_and_state(organisation: Organisation) -> None:
    organisation.register_user(SYSTEM, "auditor1", "long-enough-1", "auditor")
    organisation.change_password(SYSTEM, "auditor1", "long-enough-2")
    user = User.id_for("auditor1")

    events = history(organisation.app, user)
    state = state_at(organisation.app, user, 1)

    assert [e["data"]["password_hash"] for e in events] == [MASK, MASK]
    assert state["password_hash"] == MASK
    assert state["username"] == "auditor1"


def test_unknown_aggregate_is_not_found(app: Showroom) -> None:
    with pytest.raises(NotFoundError):
        history(app, uuid4())
    with pytest.raises(NotFoundError):
        state_at(app, uuid4(), None)


@pytest.mark.parametrize("version", [0, 4, -1])
def test_version_out_of_range_is_not_found(organisation: Organisation, version: int) -> None:
    store = open_and_rename(organisation)

    with pytest.raises(NotFoundError):
        state_at(organisation.app, store, version)
    with pytest.raises(NotFoundError):
        history(organisation.app, store, until_version=version)


def test_replay_pairs_the_events_with_the_state_they_produced(organisation: Organisation) -> None:
    store = open_and_rename(organisation)

    record = replay(organisation.app, store, 2)

    assert record["type"] == "Store"
    assert record["version"] == 2
    assert len(record["events"]) == 2
    assert record["state"]["name"] == "Hangzhou BYD West"


def test_integrity_finds_nothing_wrong_on_a_clean_log(organisation: Organisation) -> None:
    open_and_rename(organisation)
    organisation.register_user(SYSTEM, "auditor1", "long-enough-1", "auditor")

    report = verify(organisation.app, page_size=2)

    assert report.ok, report.problems
    assert report.count == 4
    assert report.aggregates == 2
    assert report.last_id == organisation.app.position()


def test_integrity_head_is_the_keyed_hash_chain_over_the_log(organisation: Organisation) -> None:
    open_and_rename(organisation)
    keyring = Keyring.generate()
    key = keyring.current("chain").secret
    head = GENESIS
    for n in organisation.app.recorder.select_notifications(start=1, limit=100):
        head = event_link(key, head, n.id, n.originator_id, n.originator_version, n.topic, n.state)

    assert verify(organisation.app, keyring=keyring).head_hash == head


def test_integrity_head_up_to_a_position_does_not_move_when_the_log_grows(
    organisation: Organisation,
) -> None:
    open_and_rename(organisation)
    recorded = verify(organisation.app)

    organisation.register_user(SYSTEM, "auditor1", "long-enough-1", "auditor")
    later = verify(organisation.app, stop=recorded.last_id)

    assert later.head_hash == recorded.head_hash
    assert verify(organisation.app).head_hash != recorded.head_hash


def test_integrity_of_an_empty_log_is_the_genesis_head(app: Showroom) -> None:
    report = verify(app)

    assert report.ok
    assert report.count == 0
    assert report.head_hash == GENESIS
