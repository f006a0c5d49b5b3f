"""Notification jobs: deliver an event's notifications, and retry or replay one delivery."""

from __future__ import annotations

import dramatiq

from projections.runner import wait_for
from workers import context
from workers.context import PLACEHOLDER_BROKER
from workers.notify import delivery
from workers.notify.config import NotifyConfig

# How long a job waits for the inbox view to reach its event before dramatiq retries it.
VIEW_WAIT_SECONDS = 30.0


@dramatiq.actor(broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=5)
def deliver_notifications(position: int) -> None:
    """Plan the deliveries of the notifying event at `position` and make their first attempt."""
    runtime = context.runtime()
    wait_for(runtime.db, ["notifications"], position, VIEW_WAIT_SECONDS)
    config = NotifyConfig.from_env()
    for ident in delivery.plan(runtime.db, position):
        delivery.attempt(runtime.db, ident, config)


@dramatiq.actor(broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=0)
def deliver_notification(delivery_id: str) -> None:
    """Attempt one delivery again (a retry after its back-off, or an admin's replay)."""
    delivery.attempt(context.runtime().db, delivery_id, NotifyConfig.from_env())
