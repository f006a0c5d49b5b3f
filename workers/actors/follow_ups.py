"""The after-delivery calls' jobs: plan them when a deal is delivered, cancel them when it is
unwound. Both are idempotent (the plan's id derives from the deal's), so a job delivered twice,
or the two in either order, leave one call per offset or, for an unwound deal, none pending."""

from __future__ import annotations

from uuid import UUID

import dramatiq

from workers import context
from workers.context import PLACEHOLDER_BROKER


@dramatiq.actor(broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=5)
def plan_follow_up_calls(deal_id: str) -> None:
    """Plan the calls (回访) of a delivered deal on the store's call days."""
    context.runtime().follow_ups.plan_calls(UUID(deal_id))


@dramatiq.actor(broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=5)
def cancel_follow_up_calls(deal_id: str) -> None:
    """Cancel the pending calls of an unwound deal."""
    context.runtime().follow_ups.cancel_calls(UUID(deal_id))
