"""How full the job broker's queues are: for /metrics (api/metrics.py), read without side effects.

On Redis, dramatiq keeps each queue's messages in a hash until they are acknowledged
(`<ns>:<q>.msgs`: waiting and being worked on), the ones waiting for a retry in the delayed
queue's hash (`<ns>:<q>.DQ.msgs`), and the ones that failed every retry in the dead-letter set
(`<ns>:<q>.XQ`, kept for dramatiq's `dead_message_ttl`, a week by default). Plain reads of
those keys: dramatiq's own `qsize` command would also register the caller as a worker. The
in-process broker (the embedded default) keeps the same three in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name


@dataclass(frozen=True)
class QueueStats:
    queue: str
    queued: int  # not yet done: waiting, or taken by a worker and not yet acknowledged
    delayed: int  # waiting for a later try
    dead: int  # failed every retry


def _queues(broker: Any) -> list[str]:
    return sorted(q for q in broker.get_declared_queues() if not q.endswith((".DQ", ".XQ")))


def queue_stats(broker: Any) -> list[QueueStats]:
    """Every declared queue's counts; an unknown kind of broker has none."""
    queues = _queues(broker)
    if isinstance(broker, RedisBroker):
        pipe = broker.client.pipeline(transaction=False)
        for queue in queues:
            pipe.hlen(f"{broker.namespace}:{queue}.msgs")
            pipe.hlen(f"{broker.namespace}:{dq_name(queue)}.msgs")
            pipe.zcard(f"{broker.namespace}:{queue}.XQ")
        counts = [int(n) for n in pipe.execute()]
        return [
            QueueStats(queue, *counts[3 * index : 3 * index + 3])
            for index, queue in enumerate(queues)
        ]
    if isinstance(broker, StubBroker):
        held = broker.queues
        return [
            QueueStats(
                queue,
                queued=held[queue].qsize(),
                delayed=held[dq_name(queue)].qsize() if dq_name(queue) in held else 0,
                dead=len(broker.dead_letters_by_queue[queue]),
            )
            for queue in queues
        ]
    return []
