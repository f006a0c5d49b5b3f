"""The response clock's timers: three jobs per lead in the dispatcher's table, one per stage.

A captured lead asks (through the dispatcher's rule) for `start_response_clock`; that job
starts the lead's clock in the domain (its deadlines in the store's opening hours) and records
the clock's three timers with `dispatcher.schedule`, each keyed by the lead and its stage, so
a redelivered job records none twice. The rows wait in the jobs table across any number of
restarts, and the dispatcher sends each at its due time (it looks every `timer_seconds`). A
human response asks for `answer_response_clock`, which stops the clock and cancels the timers
still pending; a timer sent anyway (its row was sent first) finds the clock answered and does
nothing.
"""

from __future__ import annotations

from uuid import UUID

from domain.sla.model import ResponseClock, Stage
from projections.db import Database
from workers.dispatcher import Job, cancel, schedule

KIND = "response_timer"
ACTOR = "fire_response_timer"


def key(lead_id: UUID, stage: Stage) -> str:
    return f"{lead_id}:{stage.value}"


def schedule_clock(db: Database, clock: ResponseClock) -> None:
    """Record the clock's three timers (idempotent)."""
    with db.transaction() as tx:
        for stage in Stage:
            args = {"lead_id": str(clock.lead_id), "stage": stage.value}
            job = Job(actor=ACTOR, args=args, kind=KIND)
            schedule(tx, job, key=key(clock.lead_id, stage), due_at=clock.due(stage))


def cancel_clock(db: Database, lead_id: UUID) -> None:
    """Cancel the lead's timers still pending (its clock was answered)."""
    with db.transaction() as tx:
        for stage in Stage:
            cancel(tx, KIND, key(lead_id, stage))
