"""The generated group: deterministic, and the batched application writes what the plain one
would, command for command."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic

from audit.integrity import verify
from domain.inventory.model import Vehicle, VehicleStatus
from domain.organisation.model import Staff
from domain.sales.model import Deal, DealStatus
from ops.simulation import GroupSummary, generate
from tests.conftest import sqlite_settings
from workers.runtime import Runtime, migrate
from workers.settings import Settings

# Two stores over the Spring Festival of 2024: with this seed, salespeople leave and are
# replaced, a delivery is unwound, trade-ins arrive and surveys are answered.
SEED, STORES, MONTHS, TODAY = 6, 2, 2, date(2024, 2, 29)


def fresh(settings: Settings) -> Runtime:
    migrate(settings)
    return Runtime.build(settings)


def build(runtime: Runtime, *, batched: bool = True, batch_size: int = 1000) -> GroupSummary:
    return generate(
        runtime,
        seed=SEED,
        stores=STORES,
        months=MONTHS,
        today=TODAY,
        batched=batched,
        batch_size=batch_size,
    )


def topics(runtime: Runtime) -> list[str]:
    return [n.topic for n in runtime.app.recorder.select_notifications(1, 10_000_000)]


def history(runtime: Runtime) -> list[tuple[str, int, str, datetime | None]]:
    """Each event's topic, version, actor and business time, in log order (ids are random)."""
    app = runtime.app
    rows = []
    for notification in app.recorder.select_notifications(1, 10_000_000):
        event = app.mapper.to_domain_event(notification)
        rows.append(
            (
                notification.topic,
                event.originator_version,
                event.actor,
                getattr(event, "occurred_at", None),
            )
        )
    return rows


@pytest.fixture(scope="module")
def bulk_group(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, GroupSummary]]:
    runtime = fresh(sqlite_settings(tmp_path_factory.mktemp("bulk")))
    summary = build(runtime)
    yield runtime, summary
    runtime.close()


def test_the_same_seed_builds_the_same_group(
    bulk_group: tuple[Runtime, GroupSummary], tmp_path: Path
) -> None:
    _, first = bulk_group
    runtime = fresh(sqlite_settings(tmp_path))
    try:
        # Another batch size changes the transactions, not the history.
        second = build(runtime, batch_size=97)
    finally:
        runtime.close()

    assert second.events == first.events
    assert second.by_store == first.by_store
    assert second == first


def test_the_batched_application_writes_the_same_events_as_the_plain_one(
    bulk_group: tuple[Runtime, GroupSummary], tmp_path: Path
) -> None:
    bulk, bulk_summary = bulk_group
    runtime = fresh(sqlite_settings(tmp_path))
    try:
        served = build(runtime, batched=False)
        served_history = history(runtime)
    finally:
        runtime.close()

    assert served.path == "service"
    assert served.by_store == bulk_summary.by_store
    assert served_history == history(bulk)


def test_the_generated_group_has_the_realistic_parts(
    bulk_group: tuple[Runtime, GroupSummary],
) -> None:
    runtime, summary = bulk_group
    counted = Counter(topics(runtime))

    assert summary.events == runtime.app.position()
    assert counted[get_topic(Staff.Left)] == summary.totals["left"] > 0
    assert summary.totals["hired"] > 0
    assert counted[get_topic(Deal.Unwound)] == summary.totals["unwound"] > 0
    assert summary.totals["trade_ins"] > 0 and summary.totals["used"] > summary.totals["trade_ins"]
    assert summary.totals["surveys"] > 0 and summary.totals["products"] > 0
    assert summary.totals["leads"] > summary.totals["deals"] > summary.totals["delivered"] > 0


def test_every_delivered_deal_has_its_vehicle_delivered(
    bulk_group: tuple[Runtime, GroupSummary],
) -> None:
    runtime, summary = bulk_group
    app = runtime.app
    delivered = app.recorder.select_notifications(1, 10_000_000, topics=[get_topic(Deal.Delivered)])
    deals: list[Deal] = [app.repository.get(UUID(str(n.originator_id))) for n in delivered]

    still_delivered = [d for d in deals if d.status is DealStatus.DELIVERED]
    unwound = [d for d in deals if d.status is DealStatus.UNWOUND]
    assert len(still_delivered) == summary.totals["delivered"]
    assert len(unwound) == summary.totals["unwound"]
    for deal in still_delivered:
        assert deal.vehicle_id is not None
        vehicle: Vehicle = app.repository.get(deal.vehicle_id)
        assert vehicle.status is VehicleStatus.DELIVERED
        assert vehicle.deal_id == deal.id


def test_the_views_built_from_a_bulk_group_are_sane(settings: Settings) -> None:
    runtime = fresh(settings)
    try:
        summary = build(runtime)
        runtime.runner.run_until_caught_up()
        db = runtime.db
        negative = db.one(
            "SELECT COUNT(*) AS n FROM rm_inventory_vehicle WHERE cost <= 0 OR list_price <= 0"
        )
        by_status = {
            r["status"]: int(r["n"])
            for r in db.query(
                "SELECT status, COUNT(*) AS n FROM rm_inventory_vehicle GROUP BY status"
            )
        }
        units = db.one("SELECT SUM(units) AS n FROM rm_leaderboard")
        report = verify(runtime.app)
    finally:
        runtime.close()

    assert runtime.runner.errors == 0
    assert report.ok, report.problems
    assert negative is not None and int(negative["n"]) == 0
    assert all(count >= 0 for count in by_status.values())
    assert sum(by_status.values()) == summary.totals["vehicles"]
    assert by_status.get(VehicleStatus.DELIVERED.value, 0) == summary.totals["delivered"]
    assert units is not None and int(units["n"]) == 1000 * summary.totals["delivered"]
