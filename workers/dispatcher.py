"""Work driven by the log: events that ask for work become jobs, and due jobs are sent.

Never send a job from a route after saving: the save and the send are not one transaction, so a
send lost after the save leaves the work undone for ever. Instead:

- `Dispatcher` is a projection. For every event a rule maps to work it writes a job row (the
  `jobs` table of the views database) in the page transaction that also moves its tracking
  position: each event's jobs are recorded exactly once, and a crash anywhere between an event's
  save and its job's row loses nothing (the dispatcher resumes at its tracking position).
- `Dispatch.send_due` sends the pending jobs whose time has come to dramatiq, then marks each
  sent. A crash between a send and its mark sends that job again: actors are idempotent.

A job's id derives from its kind and key (by default the identity of the event that asked for
it: its aggregate's id and version), so a replay of the log by the dispatcher records nothing
twice, even after an older log was restored and its positions handed out again.

Timers are jobs due later (a lead's response deadline, a report at 21:00): a rule, or a process
manager in its own transaction, calls `schedule`; the row waits in the table and is sent once
due, by whichever process holds the dispatcher's lock, across any number of restarts.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID, uuid5

import dramatiq
from dramatiq.errors import ActorNotFound

from domain.app import Showroom
from domain.leads.model import Lead
from domain.pay.periods import PayPeriod
from domain.reporting.model import Export, ExportKind
from domain.routing.service import CAPTURED, trigger_of_request
from domain.sales.model import Deal
from domain.shared import clock
from domain.sla.model import clocked
from domain.topics import stored_topics
from projections.db import Database, Tx
from projections.notifications.rules import NOTICES
from projections.projection import Projection
from projections.runner import ProjectionRunner
from workers import correlation

log = logging.getLogger(__name__)

TABLE = "jobs"
_NAMESPACE = UUID("5b0c1a3e-2f7d-4d0e-9a51-6c1f0d7e2b94")

_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " id TEXT PRIMARY KEY, kind TEXT NOT NULL, actor TEXT NOT NULL, args TEXT NOT NULL,"
    " position BIGINT NOT NULL, due_at TEXT NOT NULL, state TEXT NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0, sent_at TEXT, error TEXT)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_due ON {TABLE} (state, due_at)",
)
# Added after the first release: the request whose event asked for the job (correlation.py).
_REQUEST_ID_COLUMN = "request_id"


class JobState(StrEnum):
    PENDING = "pending"  # recorded, waiting for its due time or the sender
    SENT = "sent"  # handed to dramatiq (the actor's own state says whether it is done)
    CANCELLED = "cancelled"  # a timer no longer needed (the lead was answered in time)
    UNDELIVERABLE = "undeliverable"  # names an actor this release does not declare


@dataclass(frozen=True)
class Job:
    """Work to do: a dramatiq actor and its keyword arguments (JSON), due now or at `due_at`.

    `kind` names the job among the jobs of one event (default: the actor); `key` makes it
    unique within its kind (default: the event that asked for it, as aggregate id and version).
    """

    actor: str
    args: Mapping[str, Any]
    due_at: datetime | None = None
    kind: str = ""
    key: str = ""


# A rule: the jobs an event asks for, given the event and its log position.
Rule = Callable[[Any, int], Iterable[Job]]


def job_id(kind: str, key: str) -> str:
    return str(uuid5(_NAMESPACE, f"{kind}:{key}"))


def _moment(value: datetime) -> str:
    """A moment as sortable text: UTC, always with microseconds."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def migrate(db: Database) -> None:
    """Create the jobs table (idempotent)."""
    with db.transaction() as tx:
        for statement in _DDL:
            tx.execute(statement)
    _add_request_id_column(db)
    correlation.migrate(db)


def _add_request_id_column(db: Database) -> None:
    """Add the request id column to a jobs table made before it existed (idempotent)."""
    with db.transaction() as tx:
        if db.dialect == "postgres":
            tx.execute(f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS {_REQUEST_ID_COLUMN} TEXT")
            return
        columns = {row["name"] for row in tx.query(f"PRAGMA table_info({TABLE})")}
        if _REQUEST_ID_COLUMN not in columns:
            tx.execute(f"ALTER TABLE {TABLE} ADD COLUMN {_REQUEST_ID_COLUMN} TEXT")


def schedule(
    tx: Tx,
    job: Job,
    *,
    key: str,
    due_at: datetime,
    position: int = 0,
    request_id: str | None = None,
) -> str:
    """Record a job in the caller's transaction, once per kind and key; its id.

    The general entry for timers: a process manager records one with the rows it writes.
    Recording the same kind and key again changes nothing (a replay, a duplicate).
    `request_id`: the request whose event asked for it, carried into its log lines."""
    kind = job.kind or job.actor
    ident = job_id(kind, key)
    tx.execute(
        f"INSERT INTO {TABLE} (id, kind, actor, args, position, due_at, state, attempts,"
        f" {_REQUEST_ID_COLUMN}) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (id) DO NOTHING",
        (
            ident,
            kind,
            job.actor,
            json.dumps(dict(job.args), sort_keys=True),
            position,
            _moment(due_at),
            JobState.PENDING.value,
            request_id,
        ),
    )
    return ident


def cancel(tx: Tx, kind: str, key: str) -> None:
    """Cancel a pending job (a timer no longer needed); a sent one is left as it is."""
    tx.execute(
        f"UPDATE {TABLE} SET state = ? WHERE id = ? AND state = ?",
        (JobState.CANCELLED.value, job_id(kind, key), JobState.PENDING.value),
    )


def jobs(db: Database) -> list[dict[str, Any]]:
    """Every job row, oldest due first (status pages and tests)."""
    rows = db.query(f"SELECT * FROM {TABLE} ORDER BY due_at, position, id")
    return [{**row, "args": json.loads(row["args"])} for row in rows]


def job_counts(db: Database) -> dict[str, int]:
    """How many jobs are in each state (`showroom status`)."""
    rows = db.query(f"SELECT state, COUNT(*) AS n FROM {TABLE} GROUP BY state")
    return {str(row["state"]): int(row["n"]) for row in rows}


# --- the rules: which events ask for which work ---------------------------------------------------

EXPORT_ACTORS = {
    ExportKind.KPI_MONTH: "export_kpi_month",
    ExportKind.PAYOUT_WORKBOOK: "export_payouts",
    ExportKind.PAYOUT_CSV: "export_payouts",
}


def export_requested(event: Export.Requested, position: int) -> Iterable[Job]:
    # The worker waits until the views reach the request's position, so the file includes
    # every write made before the request.
    args = {"export_id": str(event.originator_id), "position": position}
    yield Job(actor=EXPORT_ACTORS[ExportKind(event.kind)], args=args, kind="export")


def period_approved(event: PayPeriod.Approved, position: int) -> Iterable[Job]:
    # An approved period's pay is anchored at once: a checkpoint of the log chain covering it.
    args = {"reason": "period-approved", "position": position}
    yield Job(actor="write_checkpoint", args=args, kind="checkpoint")


def notify(event: Any, position: int) -> Iterable[Job]:
    # An event of the notices table (projections/notifications/rules.py): deliver what it made.
    yield Job(actor="deliver_notifications", args={"position": position}, kind="notify")


def deal_delivered(event: Deal.Delivered, position: int) -> Iterable[Job]:
    # The calls (回访) after a delivery: planned once per deal (the plan's id derives from it).
    yield Job(actor="plan_follow_up_calls", args={"deal_id": str(event.originator_id)})


def deal_unwound(event: Deal.Unwound, position: int) -> Iterable[Job]:
    # An unwound deal's pending calls are not made (a tombstone if its plan is not made yet).
    yield Job(actor="cancel_follow_up_calls", args={"deal_id": str(event.originator_id)})


RULES: Mapping[type[Any], Rule] = {
    Export.Requested: export_requested,
    PayPeriod.Approved: period_approved,
    Deal.Delivered: deal_delivered,
    Deal.Unwound: deal_unwound,
}


def chained(*rules: Rule) -> Rule:
    """One rule doing the work of several (an event that asks for more than one kind of job)."""

    def rule(event: Any, position: int) -> Iterable[Job]:
        for each in rules:
            yield from each(event, position)

    return rule


def trade_in_delivered(event: Deal.Delivered, position: int) -> Iterable[Job]:
    # A delivered deal's trade-in enters used stock at its ACV (a no-op for a deal without one;
    # idempotent: the appraisal is acquired in the same save as the vehicle).
    yield Job(actor="receive_trade_in", args={"deal_id": str(event.originator_id)})


RULES = {**RULES, Deal.Delivered: chained(RULES[Deal.Delivered], trade_in_delivered)}

# Every notifying event asks for its deliveries too (projections/notifications/rules.py).
RULES = {
    **RULES,
    **{cls: chained(RULES[cls], notify) if cls in RULES else notify for cls in NOTICES},
}


# --- lead routing (docs/routing.md) ---------------------------------------------------------------


def lead_captured(event: Lead.Captured, position: int) -> Iterable[Job]:
    # Every captured lead asks routing; the job does nothing for a lead given to someone at
    # capture, or in a store whose manager has not set routing rules.
    args = {"lead_id": str(event.originator_id), "trigger": CAPTURED}
    yield Job(actor="route_lead", args=args, kind="route")


def lead_routing_requested(event: Lead.RoutingRequested, position: int) -> Iterable[Job]:
    # A lead whose owner let it wait past the SLA's second limit (or left): a new owner, never
    # the one it leaves. The request's version makes each request its own trigger.
    args = {
        "lead_id": str(event.originator_id),
        "trigger": trigger_of_request(event.originator_version),
        "previous_id": str(event.previous_id) if event.previous_id else None,
    }
    yield Job(actor="route_lead", args=args, kind="route")


def _and(cls: type[Any], rule: Rule) -> Rule:
    return chained(RULES[cls], rule) if cls in RULES else rule


RULES = {
    **RULES,
    Lead.Captured: _and(Lead.Captured, lead_captured),
    Lead.RoutingRequested: _and(Lead.RoutingRequested, lead_routing_requested),
}


def lead_captured_sla(event: Lead.Captured, position: int) -> Iterable[Job]:
    # Every captured lead gets its response clock and timers (workers/response_timers.py),
    # unless it was entered long after its capture (history typed in: domain/sla/model.py).
    if clocked(event.occurred_at, event.timestamp):
        args = {"lead_id": str(event.originator_id)}
        yield Job(actor="start_response_clock", args=args, kind="response_clock")


def lead_answered_sla(event: Lead.ActivityLogged, position: int) -> Iterable[Job]:
    # A human contact may be the first response; an automated one never is (the KPI's rule).
    if not event.automated:
        args = {"lead_id": str(event.originator_id)}
        yield Job(actor="answer_response_clock", args=args, kind="response_answer")


# The response SLA's rules (docs/response-sla.md), chained after any rule of the same event.
RULES = {
    **RULES,
    **{
        cls: chained(RULES[cls], rule) if cls in RULES else rule
        for cls, rule in (
            (Lead.Captured, lead_captured_sla),
            (Lead.ActivityLogged, lead_answered_sla),
        )
    },
}


class Dispatcher(Projection):
    """Writes the jobs the log's events ask for, with its tracking position (exactly once)."""

    name = "dispatcher"

    def __init__(self, rules: Mapping[type[Any], Rule] = RULES) -> None:
        self._rules = {topic: rule for cls, rule in rules.items() for topic in stored_topics(cls)}
        self.recorded = 0  # jobs asked for by the events handled so far (wakes the sender)

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(self._rules)

    def handle(self, topic: str, event: Any, tx: Tx) -> None:
        at = self.position
        origin: str | None = None
        for count, job in enumerate(self._rules[topic](event, at)):
            if count == 0:  # the request that asked for the event's jobs, noted before its save
                origin = correlation.take(tx, correlation.event_key(event))
            # Due when the event was recorded, unless later: the same log, the same rows.
            due_at = job.due_at or event.timestamp
            key = job.key or correlation.event_key(event)
            schedule(tx, job, key=key, due_at=due_at, position=at, request_id=origin)
            self.recorded += 1


# --- sending ------------------------------------------------------------------------------------


class Sender(Protocol):
    """Hands one job's message to the queue."""

    def send(self, actor: str, args: Mapping[str, Any], job: str) -> None: ...


class UnknownActorError(LookupError):
    """A job names an actor no code in this process declares."""


@dataclass
class BrokerSender:
    """Sends jobs as dramatiq messages on a broker (Redis, or the in-process StubBroker)."""

    broker: dramatiq.Broker

    def send(self, actor: str, args: Mapping[str, Any], job: str) -> None:
        try:
            target = self.broker.get_actor(actor)
        except ActorNotFound:
            raise UnknownActorError(actor) from None
        target.send_with_options(kwargs=dict(args), job_id=job)


class Dispatch(ProjectionRunner):
    """The dispatcher's runner: follows the log into jobs, then sends the due ones.

    One works per deployment: the runner's lock on the name `dispatcher` (PostgreSQL advisory
    lock, or a file lock on the embedded default); another process's dispatcher stands by.
    Its background loop, NOTIFY wake-ups and stop are the projection runner's.
    """

    def __init__(
        self,
        app: Showroom,
        db: Database,
        sender: Sender,
        *,
        lock_dir: Any,
        rules: Mapping[type[Any], Rule] = RULES,
        page_size: int = 1000,
        poll_seconds: float = 0.02,
        notify_url: str | None = None,
        timer_seconds: float = 1.0,
        now: Callable[[], datetime] = clock.now,
        clock_timers: Callable[[datetime], object] | None = None,
    ) -> None:
        self.dispatcher = Dispatcher(rules)
        super().__init__(
            app,
            db,
            [self.dispatcher],
            lock_dir=lock_dir,
            page_size=page_size,
            poll_seconds=poll_seconds,
            notify_url=notify_url,
        )
        self.sender, self.now, self.timer_seconds = sender, now, timer_seconds
        # Records the jobs of timers that recur by the clock (workers/timers.py) before sending.
        self.clock_timers = clock_timers
        self._next_timers = 0.0

    def run_once(self) -> int:
        """Record the jobs of one page of the log, then send what is due; work done."""
        recorded = self.dispatcher.recorded
        worked = super().run_once()
        if not self.holds(self.dispatcher):
            return worked
        # Timers are looked at once in a while; new jobs right after the page that wrote them.
        if self.dispatcher.recorded != recorded or time.monotonic() >= self._next_timers:
            self._next_timers = time.monotonic() + self.timer_seconds
            worked += self.send_due()
        return worked

    def run_until_idle(self) -> None:
        """Until the log is followed and nothing due is left unsent (tests, the CLI)."""
        while True:
            self._next_timers = 0.0
            if not self.run_once():
                return

    def send_due(self, limit: int = 100) -> int:
        """Send the pending jobs due by now, oldest first, marking each sent; how many."""
        if self.clock_timers is not None:
            self.clock_timers(self.now())
        moment = _moment(self.now())
        rows = self.db.query(
            f"SELECT id, actor, args, {_REQUEST_ID_COLUMN} FROM {TABLE}"
            " WHERE state = ? AND due_at <= ?"
            " ORDER BY due_at, position, id LIMIT ?",
            (JobState.PENDING.value, moment, limit),
        )
        for row in rows:
            try:
                # Bound while sending: RequestIdMiddleware puts it in the message.
                with correlation.bound(row[_REQUEST_ID_COLUMN]):
                    self.sender.send(row["actor"], json.loads(row["args"]), row["id"])
            except UnknownActorError as error:
                log.error("job %s names an unknown actor %s: not sent", row["id"], error)
                self._mark(row["id"], JobState.UNDELIVERABLE, moment, f"unknown actor {error}")
                continue
            self._mark(row["id"], JobState.SENT, moment)
        return len(rows)

    def _mark(self, ident: str, state: JobState, moment: str, error: str | None = None) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                f"UPDATE {TABLE} SET state = ?, attempts = attempts + 1, sent_at = ?, error = ?"
                " WHERE id = ? AND state = ?",
                (state.value, moment, error, ident, JobState.PENDING.value),
            )
