"""The keyring: keys per purpose, newest first, kept apart from the data (audit/keyring.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.keyring import (
    ENV_KEYRING,
    ENV_KEYRING_FILE,
    PURPOSES,
    Keyring,
    KeyringError,
    legacy_phone_key,
    load_keyring,
)
from workers.settings import Settings


def test_a_generated_keyring_has_one_distinct_key_per_purpose() -> None:
    keyring = Keyring.generate()

    secrets = {keyring.current(purpose).secret for purpose in PURPOSES}

    assert len(secrets) == len(PURPOSES)
    assert all(len(secret) == 32 for secret in secrets)


def test_rotation_puts_a_new_key_first_and_keeps_the_old_ones_readable() -> None:
    keyring = Keyring.generate()
    old = keyring.current("events")

    rotated = keyring.rotated("events").rotated("events")

    assert rotated.current("events").id == "events-3"
    assert rotated.find("events", old.id) == old
    assert [key.id for key in rotated.all("events")] == ["events-3", "events-2", "events-1"]
    assert rotated.current("chain") == keyring.current("chain")


def test_the_phone_key_cannot_rotate_because_every_stored_hash_uses_it() -> None:
    with pytest.raises(KeyringError, match="phone"):
        Keyring.generate().rotated("phone")


def test_a_keyring_survives_its_json_and_refuses_a_broken_or_incomplete_one() -> None:
    keyring = Keyring.generate().rotated("customers")

    assert Keyring.from_json(keyring.to_json()) == keyring
    with pytest.raises(KeyringError, match="not readable"):
        Keyring.from_json("{not json")
    with pytest.raises(KeyringError, match="no key for"):
        Keyring.from_json('{"version": 1, "keys": {}}')


def test_an_existing_installation_keeps_its_phone_hash_key(tmp_path: Path) -> None:
    keyring = load_keyring(tmp_path / "keys", create=True, phone_seed="old-secret")

    assert keyring.current("phone").secret == legacy_phone_key("old-secret")


def test_the_keyring_comes_from_the_environment_before_a_file_before_the_key_folder(
    tmp_path: Path,
) -> None:
    in_env, in_file, in_folder = Keyring.generate(), Keyring.generate(), Keyring.generate()
    (tmp_path / "named.json").write_text(in_file.to_json())
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "keyring.json").write_text(in_folder.to_json())
    both = {ENV_KEYRING: in_env.to_json(), ENV_KEYRING_FILE: str(tmp_path / "named.json")}

    assert load_keyring(tmp_path / "keys", both, create=False) == in_env
    assert (
        load_keyring(tmp_path / "keys", {ENV_KEYRING_FILE: both[ENV_KEYRING_FILE]}, create=False)
        == in_file
    )
    assert load_keyring(tmp_path / "keys", {}, create=False) == in_folder


def test_a_server_on_postgresql_refuses_to_start_without_a_keyring(tmp_path: Path) -> None:
    environ = {
        "SHOWROOM_DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": "postgresql://postgres@127.0.0.1/test",
        "SHOWROOM_SECRET_KEY": "s" * 40,
    }

    with pytest.raises(KeyringError, match="showroom keys init"):
        Settings.from_env(environ)
    assert not (tmp_path / "var.keys" / "keyring.json").exists()


def test_the_embedded_default_makes_its_keyring_beside_the_data_folder(tmp_path: Path) -> None:
    settings = Settings.from_env({"SHOWROOM_DATA_DIR": str(tmp_path / "var")})

    assert (tmp_path / "var.keys" / "keyring.json").exists()
    assert not (tmp_path / "var").exists() or not any((tmp_path / "var").rglob("*key*"))
    assert Settings.from_env({"SHOWROOM_DATA_DIR": str(tmp_path / "var")}).keys == settings.keys
