"""Rebuilding a view from the log gives it back row for row, however the log is read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from domain.shared.values import with_check_digit
from projections.leaderboard.projection import LeaderboardProjection
from projections.registry import all_projections, projection_by_name
from projections.runner import migrate, positions, reset
from tests.integration.views_world import ADMIN, World, at, open_world, table_rows
from workers.settings import Settings


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    """A group with a mixed history across two stores (two timezones) and two months."""
    with open_world(settings) as w:
        pudong, mayfair = w.store("Pudong BYD"), w.store("Mayfair BYD", "UTC")
        alice, bob = w.salesperson(pudong, "Alice"), w.salesperson(pudong, "Bob")
        carol = w.salesperson(mayfair, "Carol")
        for n, (store, seller) in enumerate(((pudong, alice), (pudong, bob), (mayfair, carol))):
            lead_id = w.lead(store, seller, at(hours=n), channel=("website", "phone")[n % 2])
            w.leads.log_activity(ADMIN, lead_id, "message", automated=True, occurred_at=at(n))
            w.leads.log_activity(ADMIN, lead_id, "call", occurred_at=at(hours=n, minutes=7))
            deal_id = w.delivered_deal(store, seller, at(days=n), lead_id=lead_id)
            if n == 1:
                w.unwind(deal_id, at(days=29))
        lost = w.lead(pudong, None, at(days=2), channel="walk_in")
        w.leads.assign_lead(ADMIN, lost, bob, occurred_at=at(days=2, hours=1))
        w.leads.lose_lead(ADMIN, lost, "competitor", occurred_at=at(days=3))
        w.organisation.transfer_staff(ADMIN, bob, mayfair, occurred_at=at(days=4))
        w.delivered_deal(mayfair, bob, at(days=5), price="135000")
        stock = w.vehicle(pudong, received_on=date(2024, 1, 2))
        w.inventory.reprice_vehicle(ADMIN, stock, "115000", occurred_at=at(days=6))
        w.inventory.transfer_vehicle(ADMIN, stock, mayfair, occurred_at=at(days=7))
        w.inventory.receive_vehicle(
            ADMIN,
            pudong,
            with_check_digit("LFV2A21K0P4999999"),
            "VW",
            "ID.4",
            "Pro",
            "Grey",
            2023,
            "used",
            "90000",
            "99000",
            received_on=date(2024, 2, 1),
            occurred_at=at(days=8),
        )
        w.catch_up()
        yield w


def test_a_rebuilt_view_equals_the_live_one_row_for_row(world: World) -> None:
    live = table_rows(world.db, all_projections())
    live_positions = positions(world.db)

    for projection in all_projections():
        reset(world.db, projection)
        world.runner([projection_by_name(projection.name)]).run_until_caught_up()

    assert table_rows(world.db, all_projections()) == live
    assert positions(world.db) == live_positions


def test_reading_the_log_in_small_pages_gives_the_same_rows_as_one_big_page(
    world: World,
) -> None:
    live = table_rows(world.db, all_projections())
    for projection in all_projections():
        reset(world.db, projection)

    world.runner(page_size=3).run_until_caught_up()

    assert table_rows(world.db, all_projections()) == live


def test_a_runner_killed_mid_rebuild_and_replaced_ends_like_a_fresh_rebuild(world: World) -> None:
    live = table_rows(world.db, all_projections())
    for projection in all_projections():
        reset(world.db, projection)
    killed = world.runner(page_size=1)  # 1 + 20 + 20 events: short of the log's end
    killed.run_until_caught_up(max_pages=3)
    killed.stop()  # its locks go with it, as with a dead process's session
    halfway = positions(world.db)

    world.runner(page_size=5).run_until_caught_up()

    assert 0 < min(halfway.values()) < world.app.position()
    assert table_rows(world.db, all_projections()) == live


def test_a_second_runner_processes_nothing_while_the_first_holds_the_locks(
    world: World,
) -> None:
    for projection in all_projections():
        reset(world.db, projection)
    first = world.runner(page_size=3)
    first.run_once()
    before = positions(world.db)
    second = world.runner(page_size=3)

    handled = second.run_once()

    assert handled == 0
    assert positions(world.db) == before


class ReshapedLeaderboard(LeaderboardProjection):
    """The leaderboard as a later release might ship it: same name, other handlers."""

    version = LeaderboardProjection.version + 1


def test_a_view_whose_shape_changed_is_dropped_on_migrate_and_replayed_to_the_same_rows(
    world: World,
) -> None:
    live = table_rows(world.db, [LeaderboardProjection()])
    others = {n: p for n, p in positions(world.db).items() if n != "leaderboard"}

    migrate(world.db, [ReshapedLeaderboard()])

    assert "leaderboard" not in positions(world.db)
    assert world.db.query("SELECT * FROM rm_leaderboard") == []
    assert {n: p for n, p in positions(world.db).items() if n != "leaderboard"} == others
    world.runner([ReshapedLeaderboard()]).run_until_caught_up()
    assert table_rows(world.db, [LeaderboardProjection()]) == live


def test_migrating_an_unchanged_view_keeps_its_rows_and_position(world: World) -> None:
    before = positions(world.db)
    live = table_rows(world.db, all_projections())

    migrate(world.db, all_projections())

    assert positions(world.db) == before
    assert table_rows(world.db, all_projections()) == live


def test_views_built_before_their_shape_was_recorded_are_rebuilt_once(world: World) -> None:
    with world.db.transaction() as tx:
        tx.execute("DELETE FROM projection_schema WHERE name = ?", ("inventory",))

    migrate(world.db, all_projections())
    assert "inventory" not in positions(world.db)
    world.catch_up()
    rebuilt = positions(world.db)["inventory"]
    migrate(world.db, all_projections())

    assert positions(world.db)["inventory"] == rebuilt == world.app.position()
