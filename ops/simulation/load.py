"""Loading a simulated group into an event store: `load_demo` (what `make run` loads) and
`generate` (a group of any size, `showroom demo --bulk`).

Both run the same simulation through the same services; by default over a `BatchedShowroom`
on the runtime's store (events saved a batch at a time), or over the runtime's own application
(`batched=False`: one transaction per command, as the API writes; tests compare the two logs).
"""

from __future__ import annotations

import functools
import math
import time as wallclock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.app import Showroom
from domain.organisation.model import Store
from domain.organisation.passwords import hash_password
from domain.shared import clock
from ops.simulation.batched import BatchedShowroom
from ops.simulation.demo import publish_standard_plan
from ops.simulation.floor import CLOSES, STEP_REACH, TZ
from ops.simulation.presets import DEMO, GROUP, Preset
from ops.simulation.records import TOTALS
from ops.simulation.selling import Simulation
from projections.db import Database
from projections.directory.queries import find_customer_by_phone_hash
from workers.runtime import Services, seal_with

if TYPE_CHECKING:
    from workers.runtime import Runtime

# Events one ordinary store writes in a month on average, measured on this simulation (used
# to size a group for --target-events; the actual count is printed).
EVENTS_PER_STORE_MONTH = 970


@dataclass(frozen=True)
class GroupSummary:
    """What a load wrote: counts, per-store totals, and how fast."""

    loaded: bool
    message: str
    seed: int = 0
    stores: int = 0
    months: int = 0
    users: int = 0
    events: int = 0
    first_day: date | None = None
    last_day: date | None = None
    totals: dict[str, int] = field(default_factory=dict)
    by_store: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = field(default=0.0, compare=False)
    path: str = "batched"

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    @property
    def delivered_by_store(self) -> dict[str, int]:
        """Units delivered per store name, net of unwinds."""
        return {name: totals.get("delivered", 0) for name, totals in self.by_store.items()}

    def __str__(self) -> str:
        if not self.loaded:
            return self.message
        t = self.totals
        lines = [
            self.message,
            f"  {self.stores} stores, {self.months} months ({self.first_day} to"
            f" {self.last_day}), seed {self.seed}, {self.users} logins, {self.path} path",
            f"  {t.get('leads', 0)} leads, {t.get('deals', 0)} deals:"
            f" {t.get('contracts', 0)} contracted, {t.get('delivered', 0)} delivered,"
            f" {t.get('unwound', 0)} unwound, {t.get('cancelled', 0)} cancelled",
            f"  {t.get('vehicles', 0)} vehicles received ({t.get('used', 0)} used,"
            f" {t.get('trade_ins', 0)} trade-ins), {t.get('products', 0)} F&I products,"
            f" {t.get('surveys', 0)} CSI surveys, {t.get('left', 0)} leavers,"
            f" {t.get('hired', 0)} new hires",
            f"  {self.events} events in {self.seconds:.1f} s"
            f" = {self.events_per_second:,.0f} events/s",
        ]
        if self.stores <= 10:
            lines += [f"  {n}: {u} units delivered" for n, u in self.delivered_by_store.items()]
        return "\n".join(lines)


class _UnwaitingPhoneIndex:
    """The directory view's phone index, read without waiting for the view to catch up.

    Simulated phones are unique, so no lookup can match a customer the view has not seen yet;
    the phone claims in the log decide anyway (`Crm.find_by_phone_hash`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def find(self, phone_hash: str) -> UUID | None:
        return find_customer_by_phone_hash(self.db, phone_hash)


def _has_store(app: Showroom) -> bool:
    if app.position() == 0:
        return False
    return bool(app.recorder.select_notifications(1, 1, topics=[get_topic(Store.Opened)]))


def stores_for(target_events: int, months: int) -> int:
    """How many stores make about `target_events` events over `months` months."""
    return max(1, math.ceil(target_events / (EVENTS_PER_STORE_MONTH * months)))


def generate(
    runtime: Runtime,
    *,
    preset: Preset = GROUP,
    seed: int = 7,
    stores: int = 3,
    months: int = 3,
    today: date | None = None,
    batched: bool = True,
    batch_size: int = 1000,
    progress: Callable[[str], None] | None = None,
) -> GroupSummary:
    """Write a simulated group's history into an event store that has no store yet."""
    if _has_store(runtime.app):
        return GroupSummary(
            loaded=False,
            message="The event store already holds stores: the group was not loaded again.",
        )
    if stores < 1 or months < 1:
        raise ValueError("the group needs at least one store and one month")
    # Nothing may be recorded as having happened in the future, and a step writes up to a few
    # hours past its own time (a visit's test drive, a deal's quote): history ends earlier.
    now = (clock.now() - STEP_REACH).astimezone(TZ)
    day = today or now.date()
    end = min(datetime.combine(day, time(CLOSES), TZ), now)
    began = wallclock.perf_counter()
    before = runtime.app.position()
    settings = runtime.settings
    app = BatchedShowroom(settings.event_store_env(), batch_size) if batched else runtime.app
    seal_with(app, runtime.customer_keys)
    try:
        services = Services.over(
            app,
            runtime.db,
            wait_seconds=settings.read_wait_seconds,
            phone_key=settings.phone_key,
            phone_index=_UnwaitingPhoneIndex(runtime.db),
            # The simulated logins share a few passwords: each is hashed once (scrypt is slow).
            password_hasher=functools.cache(hash_password),
        )
        simulation = Simulation(services, preset, seed, stores, day, end, months, progress)
        simulation.run()
        if preset.demo:
            publish_standard_plan(
                services.pay_plans, simulation.start, [s.id for s in simulation.stores]
            )
        if isinstance(app, BatchedShowroom):
            app.flush()
    finally:
        if app is not runtime.app:
            app.close()
    by_store = {s.name: dict(s.totals) for s in simulation.stores}
    return GroupSummary(
        loaded=True,
        message=f"{'Demo dealer group loaded' if preset.demo else 'Dealer group generated'}"
        f" (seed {seed}).",
        seed=seed,
        stores=stores,
        months=months,
        users=simulation.users,
        events=runtime.app.position() - before,
        first_day=simulation.start,
        last_day=day,
        totals={k: sum(s.get(k, 0) for s in by_store.values()) for k in TOTALS},
        by_store=by_store,
        seconds=wallclock.perf_counter() - began,
        path="batched" if batched else "service",
    )


def load_demo(
    runtime: Runtime,
    *,
    seed: int = 7,
    stores: int = 3,
    months: int = 3,
    today: date | None = None,
    batched: bool = True,
) -> GroupSummary:
    """Load the demo dealer group (its fixed stores, logins and pay plan) into an empty store."""
    return generate(
        runtime,
        preset=DEMO,
        seed=seed,
        stores=stores,
        months=months,
        today=today,
        batched=batched,
    )
