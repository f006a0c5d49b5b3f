"""With SHOWROOM_CIPHER_KEY the event bodies are encrypted at rest; the floor works as without."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator

import psycopg
import pytest
from eventsourcing.cipher import AESCipher

from projections.registry import all_projections, projection_by_name
from projections.runner import reset
from tests.conftest import PG_URL
from tests.integration.conftest import Api
from tests.integration.test_api_flow import MONTH, sell
from tests.integration.views_world import table_rows
from workers.settings import Settings

NAME = "Customer LGXCE4CB0PA000001"  # the customer `sell` captures, a string of the log


@pytest.fixture
def settings(settings: Settings) -> Iterator[Settings]:
    """The backend settings of the suite (SQLite and PostgreSQL), with the cipher on."""
    yield dataclasses.replace(settings, cipher_key=AESCipher.create_key(32))


def stored_bodies(settings: Settings) -> list[bytes]:
    """Every event body as the store keeps it (the `state` column of the events tables)."""
    if settings.database_url is None:
        with sqlite3.connect(settings.data_dir / "events.sqlite3") as db:
            tables = [
                name
                for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if "state" in {c[1] for c in db.execute(f"PRAGMA table_info({name})")}
            ]
            return [bytes(r[0]) for t in tables for r in db.execute(f"SELECT state FROM {t}")]
    with psycopg.connect(PG_URL) as db:
        tables = db.execute(
            "SELECT table_name FROM information_schema.columns"
            " WHERE table_schema = %s AND column_name = 'state' AND data_type = 'bytea'",
            (settings.postgres_schema,),
        ).fetchall()
        return [
            bytes(r[0])
            for (table,) in tables
            for r in db.execute(f'SELECT state FROM {settings.postgres_schema}."{table}"')
        ]


def test_a_lead_walked_to_delivery_shows_in_the_reports_with_the_cipher_on(api: Api) -> None:
    sold = sell(api, "sales_a1", 0, "LGXCE4CB0PA000001")

    board = api.ok(
        api.get("manager_a", "/reports/leaderboard", params={"month": MONTH, **sold}), 200
    )
    deal = api.ok(api.get("sales_a1", f"/deals/{sold['deal_id']}"), 200)

    assert deal["status"] == "delivered"
    assert float(board["items"][0]["units"]) == 1


def test_history_replays_a_record_with_the_cipher_on(api: Api) -> None:
    sold = sell(api, "sales_a1", 0, "LGXCE4CB0PA000001")

    history = api.ok(api.get("auditor", f"/history/{sold['deal_id']}"), 200)
    integrity = api.ok(api.get("auditor", "/history/integrity"), 200)

    assert history["events"][-1]["type"] == "Deal.Delivered"
    assert history["state"]["status"] == "delivered"
    assert integrity["ok"] is True


def test_a_view_rebuilt_from_the_encrypted_log_equals_the_live_one(api: Api) -> None:
    sell(api, "sales_a1", 0, "LGXCE4CB0PA000001")
    runner = api.runtime.runner
    runner.wake()
    api.ok(api.get("admin", "/leads", params={"position": api.runtime.app.position()}), 200)
    live = table_rows(api.runtime.db, all_projections())

    leaderboard = projection_by_name("leaderboard")
    reset(api.runtime.db, leaderboard)
    runner.wake()
    api.ok(api.get("admin", "/leads", params={"position": api.runtime.app.position()}), 200)

    assert table_rows(api.runtime.db, all_projections()) == live


def test_no_event_body_is_readable_in_clear_with_the_cipher_on(
    api: Api, settings: Settings
) -> None:
    sell(api, "sales_a1", 0, "LGXCE4CB0PA000001")

    bodies = stored_bodies(settings)

    assert len(bodies) > 10
    assert not [b for b in bodies if NAME.encode() in b or b"occurred_at" in b]
