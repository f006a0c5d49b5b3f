"""Event bodies are encrypted at rest by default, on both backends (audit/cipher.py): the
floor works as before, and nothing a customer told us is readable in the event store's bytes."""

from __future__ import annotations

import sqlite3

import psycopg

from projections.registry import all_projections, projection_by_name
from projections.runner import reset
from tests.conftest import PG_URL
from tests.integration.conftest import Api
from tests.integration.test_api_flow import MONTH, sell
from tests.integration.views_world import table_rows
from workers.settings import Settings

NAME = "Customer LGXCE4CB0PA000001"  # the customer `sell` captures, a string of the log
PHONE = "13800130000"  # their phone (`sell` with lead minute 0)


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


def test_a_lead_walked_to_delivery_shows_in_the_reports_encrypted_by_default(api: Api) -> None:
    sold = sell(api, "sales_a1", 0, "LGXCE4CB0PA000001")

    board = api.ok(
        api.get("manager_a", "/reports/leaderboard", params={"month": MONTH, **sold}), 200
    )
    deal = api.ok(api.get("sales_a1", f"/deals/{sold['deal_id']}"), 200)

    assert deal["status"] == "delivered"
    assert float(board["items"][0]["units"]) == 1


def test_history_replays_a_record_encrypted_by_default(api: Api) -> None:
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


def test_no_event_body_is_readable_in_clear_encrypted_by_default(
    api: Api, settings: Settings
) -> None:
    sell(api, "sales_a1", 0, "LGXCE4CB0PA000001")

    bodies = stored_bodies(settings)

    assert len(bodies) > 10
    assert not [b for b in bodies if NAME.encode() in b or b"occurred_at" in b]


def test_every_event_body_names_the_current_events_key(api: Api, settings: Settings) -> None:
    sell(api, "sales_a1", 0, "LGXCE4CB0PA000001")
    header = b"\x00SRE\x01\x08events-1"

    bodies = stored_bodies(settings)

    assert bodies and all(body.startswith(header) for body in bodies)


def test_a_grep_of_the_event_store_finds_no_customer_name_or_phone(
    api: Api, settings: Settings
) -> None:
    """The whole SQLite file (and its write-ahead log), or every byte of PostgreSQL's events
    table as text: the name and the phone the lead was captured with appear nowhere."""
    sell(api, "sales_a1", 0, "LGXCE4CB0PA000001")
    customers = api.ok(api.get("admin", "/customers"), 200)["items"]
    assert NAME in {c["name"] for c in customers}  # it is there, readable through the app

    found = store_bytes(api, settings)

    assert len(found) > 10_000
    for secret in (NAME, PHONE, "LGXCE4CB0PA000001"):
        assert secret.encode() not in found
        assert secret.encode("utf-16-le") not in found


def store_bytes(api: Api, settings: Settings) -> bytes:
    """Every byte the event store keeps: the SQLite files, or the events table's every column."""
    if settings.database_url is None:
        files = sorted(settings.data_dir.glob("events.sqlite3*"))
        return b"".join(path.read_bytes() for path in files)
    table = api.runtime.app.recorder.events_table_name  # type: ignore[attr-defined]
    with psycopg.connect(PG_URL) as db:
        rows = db.execute(
            f'SELECT t::text, state FROM {settings.postgres_schema}."{table}" AS t'
        ).fetchall()
        return b"".join(text.encode() + bytes(state) for text, state in rows)
