"""Event keys over time, on both backends: bodies stored before encryption was the default (in
clear, or under the legacy SHOWROOM_CIPHER_KEY) still read; a rotation made while the server
runs reaches its writes; `showroom keys reencrypt` moves every body to the current key (in
batches, resumable, the decrypted bodies byte-identical); `retire` removes a key nobody uses."""

from __future__ import annotations

import base64
import dataclasses
import re
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.cipher import AESCipher
from eventsourcing.persistence import MapperDeserialisationError
from eventsourcing.utils import Environment

from audit import cipher
from audit.event_keys import CLEAR, LEGACY, key_use, reencrypt
from audit.keyring import FILE_NAME, Keyring
from domain.app import Showroom
from ops.cli import main
from projections.db import Database, open_database
from projections.registry import all_projections
from projections.runner import ProjectionRunner, failures, reset
from projections.runner import migrate as migrate_views
from tests.integration.conftest import Api
from tests.integration.test_api_flow import at, sell
from tests.integration.test_stored_topics import by_commit, stored
from tests.integration.views_world import table_rows
from workers.settings import Settings

LEGACY_KEY = AESCipher.create_key(32)
# The fixture's largest group of events written by one commit (ids repeat across commits).
FIXTURE = sorted(
    by_commit()["2301347"], key=lambda e: (e["originator_id"], e["originator_version"])
)


def decrypted(app: Showroom) -> dict[int, bytes]:
    """Every stored body by log position, as the cipher decrypts it."""
    assert app.mapper.cipher is not None
    bodies, start = {}, 1
    while page := app.recorder.select_notifications(start=start, limit=500):
        for n in page:
            bodies[n.id] = app.mapper.cipher.decrypt(bytes(n.state))
        start = page[-1].id + 1
    return bodies


def every_event_decodes(app: Showroom) -> int:
    count, start = 0, 1
    while page := app.recorder.select_notifications(start=start, limit=500):
        for n in page:
            app.mapper.to_domain_event(n)
            count += 1
        start = page[-1].id + 1
    return count


@contextmanager
def store(settings: Settings) -> Iterator[tuple[Showroom, Database]]:
    app = Showroom(env=settings.event_store_env(create_table=True))
    db = open_database(settings.database_url, settings.data_dir, settings.postgres_schema)
    try:
        migrate_views(db, all_projections())
        yield app, db
    finally:
        db.close()
        app.close()


def mixed_store(app: Showroom) -> dict[int, bytes]:
    """The fixture's events, a third as stored in clear before encryption was the default, a
    third under the legacy AESCipher, the rest under the current key. Their plain bodies by
    log position."""
    legacy = AESCipher(Environment("", {"CIPHER_KEY": LEGACY_KEY}))
    assert app.mapper.cipher is not None
    third = len(FIXTURE) // 3
    events = []
    for index, entry in enumerate(FIXTURE):
        plain = stored(entry)
        body = plain.state
        if third <= index < 2 * third:
            body = legacy.encrypt(plain.state)
        elif index >= 2 * third:
            body = app.mapper.cipher.encrypt(plain.state)
        events.append(dataclasses.replace(plain, state=body))
    positions = app.recorder.insert_events(events)
    assert positions is not None
    return {
        position: stored(entry).state for position, entry in zip(positions, FIXTURE, strict=True)
    }


@pytest.fixture
def legacy_settings(settings: Settings) -> Settings:
    """The backend's settings with the legacy SHOWROOM_CIPHER_KEY still set."""
    return dataclasses.replace(settings, cipher_key=LEGACY_KEY, read_clear_events=True)


def test_bodies_stored_in_clear_or_under_the_legacy_key_still_read_and_project(
    legacy_settings: Settings,
) -> None:
    with store(legacy_settings) as (app, db):
        mixed_store(app)
        runner = ProjectionRunner(
            app, db, all_projections(), lock_dir=legacy_settings.data_dir, poll_seconds=0.01
        )

        decoded = every_event_decodes(app)
        runner.run_until_caught_up()
        runner.stop()
        use = key_use(app, ["events-1"])

        assert decoded == len(FIXTURE)
        assert failures(db) == []
        assert use.by_key[CLEAR] > 20 and use.by_key[LEGACY] > 20 and use.by_key["events-1"] > 20


def test_a_body_of_the_legacy_key_without_that_key_set_fails_saying_which_setting_reads_it(
    legacy_settings: Settings, settings: Settings
) -> None:
    with store(legacy_settings) as (app, _db):
        mixed_store(app)
    # Bodies in clear read (the migration setting), the legacy key's not: it says which to set.
    without_legacy_key = dataclasses.replace(settings, read_clear_events=True)
    app = Showroom(env=without_legacy_key.event_store_env())
    try:
        with pytest.raises(MapperDeserialisationError, match="SHOWROOM_CIPHER_KEY"):
            every_event_decodes(app)
    finally:
        app.close()


def test_reencrypt_moves_clear_and_legacy_bodies_under_the_current_key_byte_identical(
    legacy_settings: Settings,
) -> None:
    with store(legacy_settings) as (app, _db):
        plain = mixed_store(app)

        done = reencrypt(app, batch_size=10)
        use = key_use(app, ["events-1"])

        assert done.complete
        assert done.rewritten == 2 * (len(FIXTURE) // 3)
        assert use.by_key == {"events-1": len(FIXTURE)}
        assert decrypted(app) == plain


class Interrupted(Exception):
    pass


def test_a_reencrypt_interrupted_midway_and_run_again_finishes_with_every_body_intact(
    legacy_settings: Settings,
) -> None:
    with store(legacy_settings) as (app, _db):
        plain = mixed_store(app)
        batches = []

        def crash_after_two_batches(position: int, rewritten: int) -> None:
            batches.append(rewritten)
            if len(batches) == 2:
                raise Interrupted

        with pytest.raises(Interrupted):
            reencrypt(app, batch_size=7, progress=crash_after_two_batches)
        midway = key_use(app, ["events-1"])
        resumed = reencrypt(app, batch_size=7)
        again = reencrypt(app, batch_size=7)

        assert batches == [7, 14]
        assert midway.by_key[CLEAR] + midway.by_key[LEGACY] == 2 * (len(FIXTURE) // 3) - 14
        assert resumed.complete and resumed.rewritten == 2 * (len(FIXTURE) // 3) - 14
        assert again.complete and again.rewritten == 0
        assert key_use(app, ["events-1"]).by_key == {"events-1": len(FIXTURE)}
        assert decrypted(app) == plain


# --- rotation while the server runs, through the command line --------------------------------


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The command line's environment pointed at the backend the `api` fixture serves."""
    monkeypatch.setenv("SHOWROOM_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SHOWROOM_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("SHOWROOM_PG_SCHEMA", settings.postgres_schema)
    monkeypatch.delenv("REDIS_URL", raising=False)
    for name in ("SHOWROOM_KEYRING", "SHOWROOM_KEYRING_FILE", "SHOWROOM_KEY_DIR"):
        monkeypatch.delenv(name, raising=False)
    if settings.database_url:
        monkeypatch.setenv("DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    return settings


def sold_under_two_keys(api: Api) -> list[dict[str, Any]]:
    """A car sold under events-1; `showroom keys rotate events`; a car sold under events-2 by
    the same running server (it follows its keyring file within a few seconds)."""
    first = sell(api, "sales_a1", 0, "LGXCE4CB0PA000001")
    assert main(["keys", "rotate", "events"]) == 0
    time.sleep(cipher.RELOAD_SECONDS + 0.3)
    second = sell(api, "sales_a1", 30, "LGXCE4CB0PA000002")
    return [first, second]


def test_a_running_server_writes_under_a_rotated_key_and_reads_what_both_keys_hold(
    api: Api, cli: Settings
) -> None:
    sold = sold_under_two_keys(api)

    use = key_use(api.runtime.app, ["events-2", "events-1"])
    deals = [api.ok(api.get("sales_a1", f"/deals/{s['deal_id']}"), 200) for s in sold]
    history = api.ok(api.get("auditor", f"/history/{sold[0]['deal_id']}"), 200)

    assert use.by_key["events-1"] > 10 and use.by_key["events-2"] > 10
    assert use.total == use.by_key["events-1"] + use.by_key["events-2"]
    assert [d["status"] for d in deals] == ["delivered", "delivered"]
    assert history["state"]["status"] == "delivered"


def test_reencrypt_while_the_server_runs_moves_every_body_to_the_current_key(
    api: Api, cli: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    sold_under_two_keys(api)
    before = decrypted(api.runtime.app)

    code = main(["keys", "reencrypt", "--batch", "16"])
    third = sell(api, "sales_a1", 60, "LGXCE4CB0PA000003")  # the server still writes

    use = key_use(api.runtime.app, ["events-2", "events-1"])
    assert code == 0
    assert "under events-2" in capsys.readouterr().out
    assert use.by_key["events-1"] == 0 and use.by_key["events-2"] == use.total
    assert {p: b for p, b in decrypted(api.runtime.app).items() if p in before} == before
    assert api.ok(api.get("sales_a1", f"/deals/{third['deal_id']}"), 200)["status"] == "delivered"


def test_reencrypt_runs_while_the_server_takes_commands_and_neither_loses_a_body(
    api: Api, cli: Settings
) -> None:
    sold_under_two_keys(api)
    lead = api.ok(
        api.post(
            "sales_a1",
            "/leads",
            {
                "store_id": str(api.world.store_a),
                "channel": "website",
                "customer_name": "Customer Calling",
                "customer_phone": "13800139999",
                "occurred_at": at(90),
            },
        )
    )
    answers: list[int] = []
    stop = threading.Event()

    def log_calls() -> None:
        while not stop.is_set():
            answer = api.post(
                "sales_a1",
                f"/leads/{lead['id']}/activities",
                {"kind": "call", "outcome": "reached"},
            )
            answers.append(answer.status_code)

    writer = threading.Thread(target=log_calls)
    writer.start()
    try:
        code = main(["keys", "reencrypt", "--batch", "3"])
    finally:
        stop.set()
        writer.join()

    use = key_use(api.runtime.app, ["events-2", "events-1"])
    assert code == 0
    assert answers and set(answers) == {201}
    assert use.by_key["events-1"] == 0 and use.by_key["events-2"] == use.total
    assert every_event_decodes(api.runtime.app) == api.runtime.app.position()


def test_retire_refuses_a_key_in_use_then_succeeds_after_reencrypt_and_everything_reads(
    api: Api, cli: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    sold_under_two_keys(api)
    runner = api.runtime.runner
    runner.wake()
    api.ok(api.get("admin", "/leads", params={"position": api.runtime.app.position()}), 200)
    live = table_rows(api.runtime.db, all_projections())

    refused = main(["keys", "retire", "events-1"])
    assert main(["keys", "reencrypt"]) == 0
    retired = main(["keys", "retire", "events-1"])
    keyring = Keyring.from_json((cli.keys_dir / FILE_NAME).read_text())
    fresh = Showroom(env=dataclasses.replace(cli).event_store_env())
    try:
        decoded = every_event_decodes(fresh)
    finally:
        fresh.close()
    for projection in all_projections():
        reset(api.runtime.db, projection)
    runner.wake()
    api.ok(api.get("admin", "/leads", params={"position": api.runtime.app.position()}), 200)

    assert refused == 1
    assert "run `showroom keys reencrypt` first" in capsys.readouterr().err
    assert retired == 0
    assert [key.id for key in keyring.all("events")] == ["events-2"]
    assert decoded == api.runtime.app.position()
    assert table_rows(api.runtime.db, all_projections()) == live


# --- the other commands ------------------------------------------------------------------------


def test_keys_init_writes_a_private_keyring_once_and_never_over_an_existing_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOWROOM_DATA_DIR", str(tmp_path / "var"))
    for name in ("SHOWROOM_KEYRING", "SHOWROOM_KEYRING_FILE", "SHOWROOM_KEY_DIR"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "var.keys" / FILE_NAME

    first = main(["keys", "init"])
    written = path.read_text()
    again = main(["keys", "init"])
    inside = main(["keys", "init", "--file", str(tmp_path / "var" / "keyring.json")])

    assert first == 0 and again == 2 and inside == 2
    assert path.read_text() == written
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [k.id for k in Keyring.from_json(written).all("events")] == ["events-1"]
    assert "never overwritten" in capsys.readouterr().err


def test_keys_status_counts_stored_events_per_key_and_shows_no_secret(
    api: Api, cli: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    sell(api, "sales_a1", 0, "LGXCE4CB0PA000001")
    assert main(["keys", "rotate", "events"]) == 0
    stored = api.runtime.app.position()
    capsys.readouterr()

    code = main(["keys", "status"])

    out = capsys.readouterr().out
    keyring = Keyring.from_json((cli.keys_dir / FILE_NAME).read_text())
    assert code == 0
    assert "events     events-2 (current), events-1" in out
    assert f"stored events: {stored}" in out
    assert re.search(rf"events-1 +{stored}\n", out) and re.search(r"events-2 +0\n", out)
    for purpose in ("events", "customers", "chain", "phone", "access"):
        for key in keyring.all(purpose):
            assert base64.b64encode(key.secret).decode() not in out


def test_reencrypt_stops_with_the_reason_on_a_legacy_body_it_has_no_key_for(
    legacy_settings: Settings, cli: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with store(legacy_settings) as (app, _db):
        mixed_store(app)

    code = main(["keys", "reencrypt"])  # SHOWROOM_CIPHER_KEY is not in its environment

    assert code == 1
    assert "SHOWROOM_CIPHER_KEY" in capsys.readouterr().err
