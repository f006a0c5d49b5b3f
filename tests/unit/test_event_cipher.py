"""The event bodies' cipher (audit/cipher.py): AES-256-GCM under the keyring's events keys, a
header naming the key, and the bodies stored before it (in clear, or by the legacy AESCipher)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from eventsourcing.cipher import AESCipher
from eventsourcing.utils import Environment

from audit import cipher
from audit.cipher import (
    EventBodyInClearError,
    EventBodyUnreadableError,
    EventCipher,
    EventKeyMissingError,
    header,
    key_id_of,
)
from audit.keyring import Keyring, save_keyring

BODY = b'{"customer_name":"Zhang Wei","phone":"13800138000"}'


def event_cipher(
    keyring: Keyring,
    *,
    legacy_key: str | None = None,
    keyring_file: Path | None = None,
    allow_clear: bool = False,
) -> EventCipher:
    values = cipher.environment(
        keyring,
        keyring_file=str(keyring_file) if keyring_file else None,
        legacy_key=legacy_key,
        allow_clear=allow_clear,
    )
    return EventCipher(Environment("showroom", values))


def test_a_body_is_encrypted_under_the_current_key_and_its_header_names_that_key() -> None:
    keyring = Keyring.generate().rotated("events")

    stored = event_cipher(keyring).encrypt(BODY)

    assert stored.startswith(header("events-2"))
    assert key_id_of(stored) == "events-2"
    assert b"Zhang" not in stored and b"13800138000" not in stored
    assert event_cipher(keyring).decrypt(stored) == BODY


def test_the_same_body_encrypts_differently_each_time() -> None:
    one = event_cipher(Keyring.generate())

    assert one.encrypt(BODY) != one.encrypt(BODY)


def test_a_body_written_under_an_older_key_reads_after_a_rotation() -> None:
    keyring = Keyring.generate()
    old = event_cipher(keyring).encrypt(BODY)

    rotated = event_cipher(keyring.rotated("events"))

    assert rotated.decrypt(old) == BODY
    assert key_id_of(rotated.encrypt(BODY)) == "events-2"


def test_a_body_under_a_key_no_longer_in_the_keyring_fails_naming_the_key() -> None:
    keyring = Keyring.generate()
    old = event_cipher(keyring).encrypt(BODY)
    rotated = keyring.rotated("events")
    retired = Keyring({**rotated.keys, "events": rotated.keys["events"][:1]})

    with pytest.raises(EventKeyMissingError, match="'events-1'"):
        event_cipher(retired).decrypt(old)


def test_a_header_moved_to_another_key_id_fails_authentication() -> None:
    keyring = Keyring.generate().rotated("events")
    stored = event_cipher(keyring).encrypt(BODY)
    moved = header("events-1") + stored[len(header("events-2")) :]

    with pytest.raises(EventBodyUnreadableError, match="authentication"):
        event_cipher(keyring).decrypt(moved)


def test_a_body_stored_in_clear_reads_as_stored_only_while_the_migration_setting_allows_it() -> (
    None
):
    """A store of before encryption was the default reads while SHOWROOM_READ_CLEAR_EVENTS is
    on; otherwise a body in clear (which anyone writing the database can write) is refused."""
    assert event_cipher(Keyring.generate(), allow_clear=True).decrypt(BODY) == BODY
    with pytest.raises(EventBodyInClearError, match="SHOWROOM_READ_CLEAR_EVENTS"):
        event_cipher(Keyring.generate()).decrypt(BODY)


def test_a_body_of_the_legacy_cipher_key_reads_while_that_key_is_set() -> None:
    legacy_key = AESCipher.create_key(32)
    stored = AESCipher(Environment("", {"CIPHER_KEY": legacy_key})).encrypt(BODY)

    assert event_cipher(Keyring.generate(), legacy_key=legacy_key).decrypt(stored) == BODY
    with pytest.raises(EventBodyUnreadableError, match="SHOWROOM_CIPHER_KEY"):
        event_cipher(Keyring.generate()).decrypt(stored)


def test_a_running_cipher_follows_a_rotation_of_its_keyring_file(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "keyring.json"
    keyring = Keyring.generate()
    save_keyring(path, keyring)
    running = event_cipher(keyring, keyring_file=path)
    elsewhere = keyring.rotated("events")
    save_keyring(path, elsewhere)
    written_elsewhere = event_cipher(elsewhere).encrypt(BODY)

    read = running.decrypt(written_elsewhere)  # an unknown key id: the file is read again
    running._next_look = time.monotonic()  # the few seconds until the next look have passed

    assert read == BODY
    assert key_id_of(running.encrypt(BODY)) == "events-2"


def test_a_keyring_file_that_cannot_be_read_leaves_the_running_keys_in_place(
    tmp_path: Path,
) -> None:
    path = tmp_path / "keyring.json"
    keyring = Keyring.generate()
    save_keyring(path, keyring)
    running = event_cipher(keyring, keyring_file=path)
    path.write_text("{not json")
    os.utime(path, ns=(1, 1))
    running._next_look = time.monotonic()

    stored = running.encrypt(BODY)

    assert key_id_of(stored) == "events-1"
    assert running.decrypt(stored) == BODY
