"""Waiting for the after-delivery calls that a delivery starts through the dispatcher.

A delivery's calls (回访) are planned by a job the app's dispatcher sends after the delivery is
saved, so one more event lands a moment later. A test that counts events or compares log
positions after a delivery waits for it first, so that it counts a settled log."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from domain.followups.model import plan_id_for


def calls_planned(api: Any, deal_id: str | UUID, timeout: float = 15.0) -> None:
    """Until the delivered deal's calls are planned (the app's dispatcher and worker run)."""
    ident = plan_id_for(UUID(str(deal_id)))
    deadline = time.monotonic() + timeout
    while not api.runtime.app.exists(ident):
        if time.monotonic() > deadline:
            raise AssertionError(f"the calls of deal {deal_id} were not planned in {timeout} s")
        time.sleep(0.02)
