"""The routing job: a captured lead without an owner, or a lead that asked to be routed again,
gets its owner from the store's rules, or lands in the manager's queue with the reason.
Idempotent: the store's rotation records each trigger with the assignment, in one commit."""

from __future__ import annotations

from uuid import UUID

import dramatiq

from workers import context
from workers.context import PLACEHOLDER_BROKER


@dramatiq.actor(broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=5)
def route_lead(lead_id: str, trigger: str, previous_id: str | None = None) -> None:
    """Route one lead by its store's rules (domain/routing)."""
    previous = UUID(previous_id) if previous_id else None
    context.runtime().routing.route(UUID(lead_id), trigger, previous)
