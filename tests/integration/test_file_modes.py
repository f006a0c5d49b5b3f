"""The embedded default's files are the server user's alone: 0600 files in a 0700 folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from domain.shared.actor import SYSTEM
from workers.runtime import Runtime
from workers.settings import Settings


def modes(folder: Path) -> dict[str, int]:
    return {
        str(path.relative_to(folder)): stat.S_IMODE(path.stat().st_mode)
        for path in [folder, *folder.rglob("*")]
    }


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o000])
def test_every_file_of_a_fresh_data_folder_is_private_after_a_write(
    tmp_path: Path, umask: int
) -> None:
    data_dir = tmp_path / "var"
    previous = os.umask(umask)
    try:
        settings = Settings.from_env({"SHOWROOM_DATA_DIR": str(data_dir)})  # makes secret.key
        runtime = Runtime.build(settings, create_tables=True)
        try:
            runtime.organisation.open_store(SYSTEM, "Pudong BYD", "Shanghai", ["BYD"])
            assert runtime.runner.run_once() > 0  # takes the lock files, writes the views
            found = modes(data_dir)
        finally:
            runtime.close()
    finally:
        os.umask(previous)

    expected = {"events.sqlite3", "views.sqlite3", "views.sqlite3-wal"}
    assert expected <= set(found) and any(name.endswith(".lock") for name in found)
    assert found.pop(".") == 0o700
    assert found == dict.fromkeys(found, 0o600)
    # The keys are beside the data folder, never in it, and as private.
    assert modes(tmp_path / "var.keys") == {".": 0o700, "keyring.json": 0o600, "secret.key": 0o600}


def test_a_secret_key_an_older_release_kept_in_the_data_folder_is_moved_out_of_it(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    (data_dir / "secret.key").write_text("old-secret-" + "s" * 40)

    settings = Settings.from_env({"SHOWROOM_DATA_DIR": str(data_dir)})

    assert settings.secret_key == "old-secret-" + "s" * 40  # tokens issued before stay valid
    assert not (data_dir / "secret.key").exists()
    assert (tmp_path / "var.keys" / "secret.key").read_text() == settings.secret_key


def test_files_an_older_release_left_readable_are_tightened_on_open(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    for name in ("events.sqlite3", "views.sqlite3"):
        (data_dir / name).touch(mode=0o644)
        (data_dir / name).chmod(0o644)
    settings = Settings(data_dir=data_dir, secret_key="test-secret-" + "x" * 32)

    Runtime.build(settings, create_tables=True).close()

    assert stat.S_IMODE((data_dir / "events.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "views.sqlite3").stat().st_mode) == 0o600
