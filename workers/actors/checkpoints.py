"""The log chain's checkpoint job: timed (a recurring clock timer) or at an approval."""

from __future__ import annotations

import dramatiq

from workers import checkpoints, context
from workers.context import PLACEHOLDER_BROKER


@dramatiq.actor(broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=5)
def write_checkpoint(reason: str, position: int = 0, slot: str | None = None) -> None:
    """Continue the log's chain to its end and sign a checkpoint there (a no-op when nothing is
    new). `position`: the event that asked for it (covered, as the log's end is at or after
    it); `slot`: a timed one's slot (workers/timers.py records one job per slot)."""
    runtime = context.runtime()
    checkpoints.write_checkpoint(runtime.app, runtime.db, runtime.settings.keys, reason=reason)
