"""The backup and retention settings, the timers' slots and the backup manifest, without a
database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from workers.backup import BackupError, BackupFile, Manifest
from workers.settings import Settings
from workers.timers import Recurring


def test_from_the_environment_backups_are_daily_beside_the_data_folder_and_files_kept_30_days(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env({"SHOWROOM_DATA_DIR": str(tmp_path / "var")})

    assert settings.backup_interval_hours == 24
    assert settings.backups_dir == tmp_path / "var.backups"
    assert settings.backup_keep == 7
    assert settings.file_retention_days == 30


def test_the_backup_folder_interval_keep_and_retention_come_from_the_environment(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env(
        {
            "SHOWROOM_DATA_DIR": str(tmp_path / "var"),
            "SHOWROOM_BACKUP_DIR": str(tmp_path / "safe"),
            "SHOWROOM_BACKUP_INTERVAL_HOURS": "6",
            "SHOWROOM_BACKUP_KEEP": "28",
            "SHOWROOM_FILE_RETENTION_DAYS": "90",
        }
    )

    assert settings.backups_dir == tmp_path / "safe"
    assert (settings.backup_interval_hours, settings.backup_keep) == (6, 28)
    assert settings.file_retention_days == 90


def test_settings_made_directly_schedule_no_backup() -> None:
    assert Settings().backup_interval_hours == 0


@pytest.mark.parametrize(
    ("moment", "hours", "slot"),
    [
        (datetime(2026, 12, 7, 14, 30, tzinfo=UTC), 24, datetime(2026, 12, 7, tzinfo=UTC)),
        (datetime(2026, 12, 7, 14, 30, tzinfo=UTC), 6, datetime(2026, 12, 7, 12, tzinfo=UTC)),
        (datetime(2026, 12, 7, 0, 0, tzinfo=UTC), 24, datetime(2026, 12, 7, tzinfo=UTC)),
    ],
    ids=["daily", "every-six-hours", "on-the-boundary"],
)
def test_a_moment_falls_in_the_slot_that_starts_at_the_last_whole_period_since_1970(
    moment: datetime, hours: int, slot: datetime
) -> None:
    timer = Recurring("backup", "backup_data", timedelta(hours=hours))

    assert timer.slot(moment) == slot


def test_a_manifest_reads_back_as_it_was_written() -> None:
    manifest = Manifest(
        created_at="2026-12-07T14:00:00+00:00",
        backend="sqlite",
        position=12,
        events=12,
        files=(BackupFile("events.sqlite3", 4096, "ab" * 32),),
        version="0.1.0",
        views={"directory": 12},
    )

    assert Manifest.from_json(manifest.to_json()) == manifest


def test_a_manifest_of_another_format_is_refused() -> None:
    text = Manifest("t", "sqlite", 0, 0, (), "0.1.0", format=99).to_json()

    with pytest.raises(BackupError, match="format 99"):
        Manifest.from_json(text)
