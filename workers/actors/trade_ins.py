"""The trade-in's job: when a deal is delivered, its trade-in enters used stock at its ACV.
Idempotent (the appraisal is acquired in the same save as the vehicle), so a job delivered twice
writes once; a deal without a trade-in, or unwound before the job ran, writes nothing."""

from __future__ import annotations

from uuid import UUID

import dramatiq

from workers import context
from workers.context import PLACEHOLDER_BROKER


@dramatiq.actor(broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=5)
def receive_trade_in(deal_id: str) -> None:
    """Put a delivered deal's trade-in into used stock at its ACV."""
    context.runtime().appraisals.receive_trade_in(UUID(deal_id))
