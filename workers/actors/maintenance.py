"""Timer jobs that look after the data: scheduled backups and the file retention sweep.

Both come from recurring timers (workers/timers.py), one job per slot, and are idempotent: a
backup job names its backup after its slot, so a second delivery finds it taken; deleting the
files past their retention twice deletes them once.
"""

from __future__ import annotations

import logging
from datetime import datetime

import dramatiq

from workers import backup, context, retention
from workers.context import PLACEHOLDER_BROKER

log = logging.getLogger(__name__)


def backup_name(slot: str) -> str:
    """The folder of a slot's scheduled backup (one per slot, whoever takes it)."""
    return f"{backup.PREFIX}{datetime.fromisoformat(slot):%Y%m%dT%H%M%SZ}-scheduled"


# A large dump takes longer than the broker's default limit of ten minutes.
@dramatiq.actor(
    broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=3, time_limit=6 * 3600 * 1000
)
def backup_data(slot: str) -> None:
    """Take the scheduled backup of one slot (once), then prune the oldest scheduled ones."""
    settings = context.runtime().settings
    folder = backup.take_backup(settings, name=backup_name(slot), trigger="schedule")
    pruned = backup.prune(settings.backups_dir, settings.backup_keep)
    log.info("scheduled backup %s taken; %d old ones pruned", folder, len(pruned))


@dramatiq.actor(broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=3)
def expire_stored_files(slot: str) -> None:
    """Delete the stored files past their retention period (leaving tombstones)."""
    runtime = context.runtime()
    days = runtime.settings.file_retention_days
    expired = retention.expire_files(runtime.db, days)
    if expired:
        log.info("%d stored files deleted after %d days", expired, days)
