"""Recurring timers: work the dispatcher schedules by the clock, not because of an event.

A recurring timer (a backup every 24 hours, the file retention sweep every hour) divides time
into slots of its period, counted from 1970-01-01 00:00 UTC. Whenever the dispatcher looks at
its timers it records the job of the current slot through `dispatcher.schedule`, keyed by the
slot's start: recording it again (another look, a restart, a second dispatcher after a failover)
changes nothing, so each slot's job is recorded and sent once. The row is due at the slot's
start, so a deployment that starts mid-slot does the work at once; a slot during which no
dispatcher ran is skipped, and the next one does the work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from projections.db import Database
from workers.dispatcher import Job, schedule
from workers.settings import Settings

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BACKUP_KIND = "backup"
RETENTION_KIND = "file_retention"
CHECKPOINT_KIND = "checkpoint-timer"
RETENTION_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Recurring:
    """A job every `every`: `actor` gets `args` plus `slot`, the slot's start (ISO 8601 UTC)."""

    kind: str
    actor: str
    every: timedelta
    args: Mapping[str, Any] = field(default_factory=dict)

    def slot(self, now: datetime) -> datetime:
        """The start of the slot `now` falls in."""
        periods = (now.astimezone(UTC) - EPOCH) // self.every
        return EPOCH + periods * self.every


def record(db: Database, timers: tuple[Recurring, ...], now: datetime) -> list[str]:
    """Record each timer's job for the current slot (idempotent); the slots' keys."""
    keys = []
    with db.transaction() as tx:
        for timer in timers:
            start = timer.slot(now)
            key = start.isoformat()
            job = Job(actor=timer.actor, args={**timer.args, "slot": key}, kind=timer.kind)
            schedule(tx, job, key=key, due_at=start)
            keys.append(key)
    return keys


def recurring_timers(settings: Settings) -> tuple[Recurring, ...]:
    """The deployment's recurring timers, from its settings (none of them when switched off)."""
    timers = []
    if settings.backup_interval_hours > 0:
        every = timedelta(hours=settings.backup_interval_hours)
        timers.append(Recurring(BACKUP_KIND, "backup_data", every))
    if settings.checkpoint_minutes > 0:
        # The log chain's timed checkpoint (workers/checkpoints.py), on the hour by default.
        every = timedelta(minutes=settings.checkpoint_minutes)
        timers.append(Recurring(CHECKPOINT_KIND, "write_checkpoint", every, {"reason": "timer"}))
    if settings.file_retention_days > 0:
        timers.append(Recurring(RETENTION_KIND, "expire_stored_files", RETENTION_EVERY))
    return tuple(timers)


class ClockTimers:
    """The dispatcher's hook (`Dispatch(clock_timers=...)`): records each timer's job once per
    slot in this process (a look at the clock within the same slot writes nothing)."""

    def __init__(self, db: Database, timers: tuple[Recurring, ...]) -> None:
        self.db, self.timers = db, timers
        self._recorded: dict[str, str] = {}

    def __call__(self, now: datetime) -> None:
        due = tuple(t for t in self.timers if self._recorded.get(t.kind) != _key(t, now))
        if due:
            record(self.db, due, now)
            self._recorded.update({t.kind: _key(t, now) for t in due})


def _key(timer: Recurring, now: datetime) -> str:
    return timer.slot(now).isoformat()
