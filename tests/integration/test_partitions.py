"""On PostgreSQL the KPI view keeps one partition per month, made as the months arrive, and its
rows read the same as from one table (the view's contract tests run on both engines)."""

from __future__ import annotations

import pytest

from projections.registry import projection_by_name
from projections.runner import reset
from tests.integration.views_world import ADMIN, at, open_world
from workers.settings import Settings

pytestmark = pytest.mark.postgres


def partitions(db: object) -> list[str]:
    rows = db.query(  # type: ignore[attr-defined]
        "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = to_regclass('rm_salesperson_kpi') ORDER BY c.relname"
    )
    return [r["name"] for r in rows]


def test_the_kpi_view_has_a_partition_for_each_month_it_holds_and_rebuilds_them(
    pg_settings: Settings,
) -> None:
    with open_world(pg_settings) as w:
        store = w.store()
        alice = w.salesperson(store, "Alice")
        for days in (0, 31):  # March and April 2024 on the Shanghai floor
            lead = w.lead(store, alice, at(days=days))
            w.leads.log_activity(ADMIN, lead, "call", occurred_at=at(days=days, minutes=9))
        w.catch_up()
        before = w.db.query("SELECT * FROM rm_salesperson_kpi ORDER BY day")

        made = partitions(w.db)
        reset(w.db, projection_by_name("salesperson_kpi"))
        w.catch_up()

        assert made == ["rm_salesperson_kpi_2024_03", "rm_salesperson_kpi_2024_04"]
        assert partitions(w.db) == made
        assert [r["day"] for r in before] == ["2024-03-04", "2024-04-04"]
        assert w.db.query("SELECT * FROM rm_salesperson_kpi ORDER BY day") == before


def test_a_view_that_catches_up_from_behind_has_its_statistics_refreshed(
    pg_settings: Settings,
) -> None:
    """The planner chooses by table sizes: a rebuilt view must not keep its empty-table ones."""
    with open_world(pg_settings) as w:
        store = w.store()
        alice = w.salesperson(store, "Alice")
        for days in range(6):
            w.delivered_deal(store, alice, at(days=days))
        w.catch_up()
        board = projection_by_name("leaderboard")
        reset(w.db, board)

        w.runner([board], page_size=2).run_until_caught_up()

        analysed = w.db.query(
            "SELECT relname AS name FROM pg_stat_user_tables"
            " WHERE schemaname = current_schema() AND last_analyze IS NOT NULL"
        )
        assert {"rm_leaderboard", "rm_leaderboard_group"} <= {r["name"] for r in analysed}
