"""Tamper trials on both backends: whoever writes the events table directly, without the chain
key, is found out, and the position where the chain breaks is named.

Each trial builds a log of a few hundred events with three signed checkpoints (the last at the
log's end), changes the stored log the way an intruder with database access would (raw SQL on
the events table, never through the application), and runs the full verification. The bodies
are encrypted (audit/cipher.py): an intruder without the events key can flip stored bytes, move
rows, or write bodies in clear; one holding the events key but not the chain key can also write
bodies that decrypt (`seal`), which only the chain catches.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.cipher import AESCipher
from eventsourcing.persistence import MapperDeserialisationError

from audit.chain import event_body
from audit.cipher import EventBodyInClearError
from domain.organisation.model import User
from domain.organisation.passwords import hash_password
from domain.shared.access import Role
from domain.shared.actor import SYSTEM
from tests.conftest import PG_URL
from workers import checkpoints
from workers.runtime import Runtime
from workers.settings import Settings

UPDATES = 300  # store renames: with the store and a user, 302 events
MIDDLE = 150  # a position between the first two checkpoints


class RawLog:
    """The events table as an intruder sees it: rows by position, written with plain SQL."""

    def __init__(self, settings: Settings, runtime: Runtime) -> None:
        self.table = runtime.app.recorder.events_table_name  # type: ignore[attr-defined]
        self.sqlite = settings.database_url is None
        if self.sqlite:
            self.column = "rowid"
            self.sqlite_connection = sqlite3.connect(
                settings.data_dir / "events.sqlite3", isolation_level=None
            )
        else:
            self.column = "notification_id"
            self.pg_connection = psycopg.connect(
                PG_URL, autocommit=True, options=f"-c search_path={settings.postgres_schema}"
            )

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        sql = sql.format(table=self.table, id=self.column)
        if self.sqlite:
            return self.sqlite_connection.execute(sql, params).fetchall()
        cursor = self.pg_connection.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []

    def row(self, position: int) -> tuple[str, int, str, bytes]:
        [(originator, version, topic, state)] = self.execute(
            "SELECT originator_id, originator_version, topic, state FROM {table} WHERE {id} = ?",
            (position,),
        )
        return str(originator), int(version), str(topic), bytes(state)

    def set_state(self, position: int, state: bytes) -> None:
        self.execute("UPDATE {table} SET state = ? WHERE {id} = ?", (state, position))

    def delete_from(self, position: int, to: int | None = None) -> None:
        self.execute(
            "DELETE FROM {table} WHERE {id} >= ? AND {id} <= ?", (position, to or position)
        )

    def last(self) -> int:
        [(last,)] = self.execute("SELECT MAX({id}) FROM {table}")
        return int(last)

    def insert(
        self, position: int, originator: UUID, version: int, topic: str, state: bytes
    ) -> None:
        """A row at `position`: the rows from there on move one position up to make room."""
        shift = 1_000_000
        self.execute("UPDATE {table} SET {id} = {id} + ? WHERE {id} >= ?", (shift, position))
        self.execute("UPDATE {table} SET {id} = {id} - ? WHERE {id} >= ?", (shift - 1, shift))
        # eventsourcing's SQLite recorder stores a UUID originator id as its hex.
        originator_value: Any = originator.hex if self.sqlite else originator
        self.execute(
            "INSERT INTO {table} ({id}, originator_id, originator_version, topic, state)"
            " VALUES (?, ?, ?, ?, ?)",
            (position, originator_value, version, topic, state),
        )

    def close(self) -> None:
        if self.sqlite:
            self.sqlite_connection.close()
        else:
            self.pg_connection.close()


@dataclasses.dataclass
class World:
    runtime: Runtime
    raw: RawLog
    marks: list[int]  # positions of the checkpoints
    end: int


def build_world(settings: Settings) -> Iterator[World]:
    runtime = Runtime.build(settings, create_tables=True)
    raw = RawLog(settings, runtime)
    try:
        organisation, keys = runtime.organisation, settings.keys
        organisation.register_user(SYSTEM, "boss", "boss-password-1", Role.ADMIN)
        store = organisation.open_store(SYSTEM, "Pudong", "Shanghai", ["BYD"]).id
        marks = []
        for index in range(UPDATES):
            organisation.update_store(
                SYSTEM, store, f"Pudong {index}", "Shanghai", ["BYD"], "Asia/Shanghai"
            )
            if index in (99, 199, UPDATES - 1):
                done = checkpoints.write_checkpoint(runtime.app, runtime.db, keys, reason="test")
                assert done.checkpoint is not None and done.problem is None
                marks.append(done.checkpoint.position)
        yield World(runtime, raw, marks, runtime.app.position())
    finally:
        raw.close()
        runtime.close()


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    yield from build_world(settings)


def verify(world: World) -> Any:
    runtime = world.runtime
    return checkpoints.verify_log(runtime.app, runtime.db, runtime.settings.keys)


def plaintext(world: World, position: int) -> dict[str, Any]:
    body = event_body(world.runtime.app.mapper, world.raw.row(position)[3])
    document: dict[str, Any] = json.loads(body)
    return document


def seal(world: World, body: bytes) -> bytes:
    """A body encrypted under the current events key: what a holder of that key can write."""
    cipher = world.runtime.app.mapper.cipher
    assert cipher is not None
    return bytes(cipher.encrypt(body))


def flip_a_stored_byte(state: bytes) -> bytes:
    """One bit of the ciphertext changed, past the header: the body fails its authentication."""
    changed = bytearray(state)
    changed[len(changed) // 2] ^= 0x01
    return bytes(changed)


# --- the trials: each changes the stored log, and names the position it broke at ---------------


def change_one_byte(world: World) -> int:
    world.raw.set_state(MIDDLE, flip_a_stored_byte(world.raw.row(MIDDLE)[3]))
    return MIDDLE


def delete_an_event(world: World) -> int:
    world.raw.delete_from(MIDDLE)
    return MIDDLE


def swap_two_events(world: World) -> int:
    first, second = world.raw.row(MIDDLE)[3], world.raw.row(MIDDLE + 40)[3]
    world.raw.set_state(MIDDLE, second)
    world.raw.set_state(MIDDLE + 40, first)
    return MIDDLE


def change_a_record_time(world: World) -> int:
    document = plaintext(world, MIDDLE)
    stamp = document["timestamp"]
    # The transcoder stores a datetime as {"_type_": "datetime_iso", "_data_": "..."}.
    stamp["_data_"] = stamp["_data_"].replace(stamp["_data_"][:4], "2019", 1)
    # Re-encrypted with the events key: it decrypts, only the chain sees the change.
    world.raw.set_state(MIDDLE, seal(world, json.dumps(document, separators=(",", ":")).encode()))
    return MIDDLE


def insert_a_forged_event(world: World) -> int:
    # A copy of a store rename, written between two real ones.
    originator, version, topic, state = world.raw.row(MIDDLE)
    document = plaintext(world, MIDDLE)
    document["name"] = "Forged"
    # Versions must stay gapless for the record: the intruder renumbers it, too.
    world.raw.execute(
        "UPDATE {table} SET originator_version = originator_version + 1000"
        " WHERE originator_id = ? AND originator_version >= ?",
        (originator if world.raw.sqlite else UUID(originator), version),
    )
    world.raw.insert(MIDDLE, UUID(originator), 1000 + version - 1, topic, state)
    return MIDDLE


def forged_admin(world: World, username: str = "mallory") -> tuple[UUID, bytes, str]:
    """A `User.Registered` body for a new admin, made from a real one (unkeyed: anyone can)."""
    position = next(
        p for p in range(1, world.end + 1) if world.raw.row(p)[2].endswith("User.Registered")
    )
    _, _, topic, _ = world.raw.row(position)
    document = plaintext(world, position)
    document |= {"username": username, "password_hash": hash_password("let-me-in-please")}
    return User.id_for(username), json.dumps(document).encode(), topic


def insert_a_forged_admin_user(world: World) -> int:
    """Written in clear (no events key): refused by the cipher, a break at its position."""
    ident, body, topic = forged_admin(world)
    world.raw.insert(MIDDLE, ident, 1, topic, body)
    return MIDDLE


def insert_a_forged_admin_user_sealed_with_the_events_key(world: World) -> int:
    """Written by a holder of the events key (but not the chain key): it decrypts, and the
    chain breaks at its position."""
    ident, body, topic = forged_admin(world)
    world.raw.insert(MIDDLE, ident, 1, topic, seal(world, body))
    return MIDDLE


def write_a_body_in_clear(world: World) -> int:
    """The event's own plaintext, stored in clear: the chain's link would agree, but a body in
    clear after encryption began is a break."""
    world.raw.set_state(MIDDLE, event_body(world.runtime.app.mapper, world.raw.row(MIDDLE)[3]))
    return MIDDLE


def truncate_the_tail(world: World) -> int:
    first = world.end - 19
    world.raw.delete_from(first, world.end)
    return first


TRIALS: dict[str, Callable[[World], int]] = {
    "change one byte of an event": change_one_byte,
    "delete an event": delete_an_event,
    "swap two events": swap_two_events,
    "change a record time": change_a_record_time,
    "insert a forged event": insert_a_forged_event,
    "insert a forged admin user": insert_a_forged_admin_user,
    "insert a forged admin user sealed with the events key": (
        insert_a_forged_admin_user_sealed_with_the_events_key
    ),
    "write a body in clear": write_a_body_in_clear,
    "truncate the tail": truncate_the_tail,
}


def test_an_untouched_log_agrees_with_every_link_and_checkpoint(world: World) -> None:
    report = verify(world)

    assert report.ok, report.problems
    assert report.checkpoints == 3
    assert report.first_break is None
    assert report.unanchored == 0
    assert report.head_hash == report.last_checkpoint["head"]


@pytest.mark.parametrize("trial", list(TRIALS), ids=[t.replace(" ", "-") for t in TRIALS])
def test_each_tampering_is_detected_at_the_position_where_the_chain_breaks(
    world: World, trial: str
) -> None:
    """One byte of a ciphertext, a deletion, a swap, a record time, a forged event or admin (in
    clear or sealed with the events key), a body put in clear, a cut tail: each is found, and
    the first break reported is where the intruder wrote."""
    broken_at = TRIALS[trial](world)

    report = verify(world)

    assert not report.ok
    assert report.first_break == broken_at, report.problems


def test_a_truncated_log_is_reported_shorter_than_its_last_checkpoint(world: World) -> None:
    truncate_the_tail(world)

    report = verify(world)

    assert report.truncated
    assert any("cut short" in problem for problem in report.problems)


def test_a_checkpoint_forged_in_the_table_fails_its_signature(world: World) -> None:
    """Rewriting a stored checkpoint's head (to hide a change) needs the signing key."""
    change_one_byte(world)
    report = verify(world)
    recomputed = report.head_hash
    with world.runtime.db.transaction() as tx:
        tx.execute(
            f"UPDATE {checkpoints.CHECKPOINTS} SET head = ? WHERE position = ?",
            (recomputed, world.marks[-1]),
        )

    again = verify(world)

    assert world.marks[-1] in again.bad_signatures
    assert again.first_break == MIDDLE


def test_the_checkpoint_writer_does_not_continue_past_a_changed_last_event(world: World) -> None:
    world.raw.set_state(world.end, flip_a_stored_byte(world.raw.row(world.end)[3]))
    runtime = world.runtime
    runtime.organisation.register_user(SYSTEM, "later", "later-password-1", Role.AUDITOR)

    outcome = checkpoints.write_checkpoint(
        runtime.app, runtime.db, runtime.settings.keys, reason="test"
    )

    assert outcome.checkpoint is None
    assert outcome.problem is not None and str(world.end) in outcome.problem


def test_an_events_key_rotation_that_re_encrypts_the_bodies_leaves_the_chain_as_it_was(
    settings: Settings,
) -> None:
    """The chain covers plaintext: re-encrypting every stored body under a new events key
    (what a key rotation's re-encryption does) changes no link and no checkpoint."""
    old_key, new_key = AESCipher.create_key(16), AESCipher.create_key(16)
    encrypted = dataclasses.replace(settings, cipher_key=old_key)
    for world in build_world(encrypted):
        old = world.runtime.app.mapper.cipher
        new = AESCipher(_cipher_env(new_key))
        for position in range(1, world.end + 1):
            state = world.raw.row(position)[3]
            world.raw.set_state(position, new.encrypt(old.decrypt(state)))
        world.runtime.app.mapper.cipher = new

        report = verify(world)

        assert report.ok, report.problems
        assert report.checkpoints == 3


def test_a_forged_admin_appended_in_clear_after_the_last_checkpoint_is_a_break_and_cannot_log_in(
    world: World,
) -> None:
    """A row appended without the events key (its body in clear) after the last checkpoint:
    verification names its position, no checkpoint is written over it, and the forged admin's
    login fails (the cipher refuses a body in clear)."""
    ident, body, topic = forged_admin(world)
    world.raw.insert(world.end + 1, ident, 1, topic, body)

    report = verify(world)
    outcome = checkpoints.write_checkpoint(
        world.runtime.app, world.runtime.db, world.runtime.settings.keys, reason="test"
    )

    assert report.first_break == world.end + 1, report.problems
    assert outcome.checkpoint is None and str(world.end + 1) in (outcome.problem or "")
    assert world.runtime.organisation.authenticate("boss", "boss-password-1") is not None
    assert world.runtime.organisation.authenticate("mallory", "let-me-in-please") is None
    with pytest.raises(MapperDeserialisationError) as refused:
        world.runtime.app.load(User, ident, "user")
    assert isinstance(refused.value.__cause__, EventBodyInClearError)


def test_while_clear_bodies_are_read_for_a_migration_one_after_encryption_began_is_a_break(
    settings: Settings,
) -> None:
    """With SHOWROOM_READ_CLEAR_EVENTS on (re-encrypting an old store), the cipher reads bodies
    in clear: verification still reports one stored after the first encrypted body as a break,
    and the checkpoint writer stops before it."""
    for world in build_world(dataclasses.replace(settings, read_clear_events=True)):
        ident, body, topic = forged_admin(world)
        world.raw.insert(world.end + 1, ident, 1, topic, body)

        report = verify(world)
        outcome = checkpoints.write_checkpoint(
            world.runtime.app, world.runtime.db, world.runtime.settings.keys, reason="test"
        )

        assert report.first_break == world.end + 1, report.problems
        assert any("stored in clear after encryption began" in p for p in report.problems)
        assert outcome.checkpoint is None
        assert outcome.problem is not None and "stored in clear" in outcome.problem


def _cipher_env(key: str) -> Any:
    from eventsourcing.utils import Environment

    return Environment(env={"CIPHER_KEY": key})


def test_an_event_appended_after_the_last_checkpoint_is_counted_as_not_yet_anchored(
    world: World,
) -> None:
    """The chain's limit (docs/audit-chain.md): a row appended after the last checkpoint by a
    holder of the events key (but not the chain key) is indistinguishable from a new event
    until a checkpoint anchors it; verification shows it as not anchored yet, never as
    checked."""
    ident, body, topic = forged_admin(world)
    world.raw.insert(world.end + 1, ident, 1, topic, seal(world, body))

    report = verify(world)

    assert report.unanchored == 1
    assert report.last_checkpoint["position"] == world.end


def test_a_long_way_to_the_end_is_walked_in_bounded_checkpoints(settings: Settings) -> None:
    """The first checkpoint of a large log is several, each covering at most `most` events;
    together they verify like one."""
    runtime = Runtime.build(settings, create_tables=True)
    try:
        store = runtime.organisation.open_store(SYSTEM, "Pudong", "Shanghai", ["BYD"]).id
        for index in range(24):
            runtime.organisation.update_store(
                SYSTEM, store, f"Pudong {index}", "Shanghai", ["BYD"], "Asia/Shanghai"
            )
        keys = settings.keys

        outcome = checkpoints.write_checkpoint(runtime.app, runtime.db, keys, reason="t", most=10)

        marks = checkpoints.load_checkpoints(runtime.db)
        assert outcome.folded == 25
        assert [m.position for m in marks] == [10, 20, 25]
        assert checkpoints.verify_log(runtime.app, runtime.db, keys).ok
    finally:
        runtime.close()
