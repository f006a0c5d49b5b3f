"""The log chain's checkpoint job: timed (then it schedules the next) or at an approval."""

from __future__ import annotations

import dramatiq

from domain.shared import clock
from workers import checkpoints, context
from workers.context import PLACEHOLDER_BROKER


@dramatiq.actor(broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=5)
def write_checkpoint(reason: str, position: int = 0) -> None:
    """Continue the log's chain to its end and sign a checkpoint there (a no-op when nothing is
    new); a timed one records the next. `position`: the event that asked for it (covered, as
    the log's end is at or after it)."""
    runtime = context.runtime()
    settings = runtime.settings
    if reason == "timer" and settings.checkpoint_minutes > 0:
        # The next one first: a run that fails for good must not stop the timer.
        with runtime.db.transaction() as tx:
            checkpoints.schedule_timer(tx, settings.checkpoint_minutes, clock.now())
    checkpoints.write_checkpoint(runtime.app, runtime.db, settings.keys, reason=reason)
