"""The response clock's jobs: start a captured lead's clock and its timers, fire a timer at
its due time, stop the clock at the first human response. All idempotent (domain/sla)."""

from __future__ import annotations

from uuid import UUID

import dramatiq

from domain.sla.model import Stage
from workers import context, response_timers
from workers.context import PLACEHOLDER_BROKER


@dramatiq.actor(broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=5)
def start_response_clock(lead_id: str) -> None:
    """Start a captured lead's response clock and record its three timers."""
    runtime = context.runtime()
    clock = runtime.response_sla.start(UUID(lead_id))
    if runtime.response_sla.answer(UUID(lead_id)) is None and clock.answered_at is None:
        response_timers.schedule_clock(runtime.db, clock)


@dramatiq.actor(broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=5)
def fire_response_timer(lead_id: str, stage: str) -> None:
    """A response timer at its due time: about to breach, breached, or reassign."""
    context.runtime().response_sla.fire(UUID(lead_id), Stage(stage))


@dramatiq.actor(broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=5)
def answer_response_clock(lead_id: str) -> None:
    """Stop a lead's clock at its first human response and cancel its pending timers."""
    runtime = context.runtime()
    runtime.response_sla.answer(UUID(lead_id))
    response_timers.cancel_clock(runtime.db, UUID(lead_id))
