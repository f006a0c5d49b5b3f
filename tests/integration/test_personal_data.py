"""Customers' personal data: sealed with their own key in the log and the views, revealed only
as an answer leaves, erased for good by destroying the key (PIPL), exported on request.

Every test runs on SQLite and PostgreSQL (the `settings` fixture behind `api`).
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from audit.personal import SealingMapper
from domain.pay.periods import PayPeriod
from projections.registry import all_projections
from projections.runner import positions, reset
from tests.conftest import PG_URL
from tests.integration.conftest import Api
from tests.integration.test_pay_periods_api import approved_may, fresh
from tests.integration.views_world import table_rows
from workers.access_log import AccessKind
from workers.customer_keys import (
    KEYS_TABLE,
    CustomerKeys,
    apply_erasures,
    tombstone_path,
)
from workers.files import load_file

NAME, PHONE, NOTE = "Zhao Xiaoyu", "13912345678", "lives on Fenglin Road, calls after 6pm"


def register(api: Api, name: str = NAME, phone: str = PHONE) -> str:
    body = {"store_id": str(api.world.store_a), "name": name, "phone": phone}
    return str(api.ok(api.post("sales_a1", "/customers", body))["id"])


def capture_with_note(api: Api, customer: str) -> str:
    body = {"store_id": str(api.world.store_a), "channel": "walk_in", "customer_id": customer}
    lead = str(api.ok(api.post("sales_a1", "/leads", body | {"note": NOTE}))["id"])
    api.ok(api.post("sales_a1", f"/leads/{lead}/activities", {"kind": "call", "note": NOTE}))
    return lead


def stored_states(api: Api, originator: str) -> list[bytes]:
    """The stored bodies with the event store's outer cipher taken off: what is left inside is
    this layer's work (sealed fields), not the whole-body encryption's."""
    events = api.runtime.app.recorder.select_events(UUID(originator))
    cipher = api.runtime.app.mapper.cipher
    assert cipher is not None  # every body is encrypted at rest (audit/cipher.py)
    return [cipher.decrypt(bytes(e.state)) for e in events]


def caught_up(api: Api) -> None:
    head = api.runtime.app.position()
    api.runtime.runner.wake()
    deadline = time.monotonic() + 30
    names = {p.name for p in all_projections()}
    while not all(positions(api.runtime.db).get(n, 0) >= head for n in names):
        assert time.monotonic() < deadline, "the views did not catch up"
        time.sleep(0.05)


def views_text(api: Api) -> str:
    """Everything the views database holds, as text (SQLite: the files' bytes; PostgreSQL:
    every row of every table of the test's schema)."""
    settings = api.runtime.settings
    if settings.database_url is None:
        files = sorted(Path(settings.data_dir).glob("*.sqlite3*"))
        return "".join(path.read_bytes().decode("utf-8", "replace") for path in files)
    text = []
    with psycopg.connect(PG_URL, autocommit=True) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (settings.postgres_schema,),
        ).fetchall()
        for (table,) in tables:
            rows = connection.execute(
                f'SELECT * FROM "{settings.postgres_schema}"."{table}"'
            ).fetchall()
            text.append(repr(rows))
    return "\n".join(text)


def export_text(api: Api, month: str) -> str:
    """The text of the month's KPI workbook, as the export worker wrote it (unzipped)."""
    export = str(api.ok(api.post("admin", "/exports", {"month": month}), 202)["id"])
    deadline = time.monotonic() + 60
    while api.ok(api.get("admin", f"/exports/{export}"), 200)["status"] != "completed":
        assert time.monotonic() < deadline, "the export did not finish"
        time.sleep(0.1)
    stored = load_file(api.runtime.db, export)
    assert stored is not None
    with zipfile.ZipFile(io.BytesIO(stored.content)) as book:
        return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())


def accesses(api: Api, kind: AccessKind) -> list[Any]:
    return [a for a in api.runtime.access_log.entries if a.kind is kind]


# --- sealed at rest ----------------------------------------------------------------------------


def test_the_customers_name_phone_and_the_notes_about_them_are_stored_sealed(api: Api) -> None:
    """The log holds `pii:1:<customer>:...` strings, never the name, phone or note in clear."""
    customer = register(api)
    lead = capture_with_note(api, customer)

    states = stored_states(api, customer) + stored_states(api, lead)

    assert isinstance(api.runtime.app.mapper, SealingMapper)
    assert all(NAME.encode() not in s and PHONE.encode() not in s for s in states)
    assert all(b"Fenglin" not in s for s in states)
    assert sum(s.count(f"pii:1:{customer}:".encode()) for s in states) == 4  # name, phone, 2 notes


def test_the_views_and_exports_hold_no_customer_name_phone_or_note_in_clear(api: Api) -> None:
    customer = register(api)
    capture_with_note(api, customer)
    caught_up(api)

    text = views_text(api)

    assert customer in text  # the views were read
    assert NAME not in text and PHONE not in text and PHONE[-4:] + "'" not in text
    assert "Fenglin" not in text
    assert "****" not in text  # not even the masked phone: it stays sealed


# --- revealed at the edge ----------------------------------------------------------------------


def test_a_reader_who_may_see_the_full_phone_gets_it_and_the_read_is_logged(api: Api) -> None:
    customer = register(api)

    shown = api.ok(api.get("admin", f"/customers/{customer}"), 200)

    assert (shown["name"], shown["phone"]) == (NAME, "+86" + PHONE)
    [read] = accesses(api, AccessKind.FULL_PHONE_READ)
    assert (read.subject, read.address, read.user_agent) == (customer, "testclient", "testclient")


def test_a_reader_who_may_not_see_the_full_phone_gets_it_masked_and_nothing_is_logged(
    api: Api,
) -> None:
    customer = register(api)

    shown = api.ok(api.get("auditor", f"/customers/{customer}"), 200)

    assert (shown["name"], shown["phone"]) == (NAME, "+86139****5678")
    assert accesses(api, AccessKind.FULL_PHONE_READ) == []


def test_lists_show_the_name_and_the_phone_masked_even_to_full_phone_readers(api: Api) -> None:
    register(api)

    listed = api.ok(api.get("admin", "/customers", params=fresh(api)), 200)["items"]

    assert [(c["name"], c["phone"]) for c in listed] == [(NAME, "+86139****5678")]
    assert accesses(api, AccessKind.FULL_PHONE_READ) == []


def test_a_lead_note_is_revealed_to_whoever_reads_the_lead(api: Api) -> None:
    lead = capture_with_note(api, register(api))

    assert api.ok(api.get("sales_a1", f"/leads/{lead}"), 200)["note"] == NOTE


# --- erasure -----------------------------------------------------------------------------------


def erase(api: Api, customer: str, user: str = "admin") -> Any:
    return api.post(user, f"/customers/{customer}/erasure", {"reason": "customer request #12"})


def test_an_erased_customer_reads_as_erased_in_every_answer(api: Api) -> None:
    customer = register(api)
    lead = capture_with_note(api, customer)

    api.ok(erase(api, customer))

    detail = api.ok(api.get("admin", f"/customers/{customer}"), 200)
    listed = api.ok(api.get("admin", "/customers", params=fresh(api)), 200)["items"]
    assert (detail["name"], detail["phone"]) == ("已删除", "已删除")
    assert [(c["name"], c["phone"]) for c in listed] == [("已删除", "已删除")]
    assert api.ok(api.get("admin", f"/leads/{lead}"), 200)["note"] == "已删除"
    api.ok(api.post("sales_a1", "/auth/me/language", {"language": "en"}))
    assert api.ok(api.get("sales_a1", f"/leads/{lead}"), 200)["note"] == "erased"
    assert api.runtime.customer_keys.keys_for([UUID(customer)]) == {UUID(customer): None}


def test_erasure_is_logged_and_appended_to_the_tombstone_file_in_the_key_folder(api: Api) -> None:
    customer = register(api)

    api.ok(erase(api, customer))

    [erased] = accesses(api, AccessKind.CUSTOMER_ERASED)
    assert erased.subject == customer
    tombstones = tombstone_path(api.runtime.settings.keys_dir).read_text()
    assert customer in tombstones
    assert not str(tombstone_path(api.runtime.settings.keys_dir)).startswith(
        str(api.runtime.settings.data_dir) + "/"
    )


def test_only_an_admin_may_erase_a_customer_and_only_once(api: Api) -> None:
    customer = register(api)

    refused = erase(api, customer, user="manager_a")
    api.ok(erase(api, customer))
    again = erase(api, customer)

    assert refused.status_code == 403
    assert again.status_code == 422
    assert (
        api.post(
            "sales_a1", f"/customers/{customer}/consents", {"channel": "sms", "granted": True}
        ).status_code
        == 422
    )


def test_the_phone_of_an_erased_customer_can_be_registered_again_as_a_new_customer(
    api: Api,
) -> None:
    customer = register(api)
    api.ok(erase(api, customer))
    caught_up(api)

    again = register(api, name="Zhao X.")

    assert again != customer
    assert api.ok(api.get("admin", f"/customers/{again}"), 200)["phone"] == "+86" + PHONE
    assert register_status(api) == 409  # claimed again


def register_status(api: Api) -> int:
    body = {"store_id": str(api.world.store_a), "name": "Someone", "phone": PHONE}
    return int(api.post("sales_a1", "/customers", body).status_code)


def test_a_backup_restored_after_an_erasure_forgets_the_customer_once_erasures_are_applied(
    api: Api,
) -> None:
    """The key store restored from before the erasure holds the key again; `apply_erasures`
    with the key folder's tombstones deletes it again."""
    customer = register(api)
    db = api.runtime.db
    backup = db.query(f"SELECT * FROM {KEYS_TABLE}")
    api.ok(erase(api, customer))
    with db.transaction() as tx:  # the restore of the key store's table
        tx.execute(f"DELETE FROM {KEYS_TABLE}")
        tx.execute("DELETE FROM customer_key_erasures")
        for row in backup:
            tx.execute(
                f"INSERT INTO {KEYS_TABLE} (customer_id, wrapping_key_id, wrapped, created_at)"
                " VALUES (?, ?, ?, ?)",
                (row["customer_id"], row["wrapping_key_id"], row["wrapped"], row["created_at"]),
            )
    restored = CustomerKeys(db, api.runtime.settings.keys)
    assert restored.keys_for([UUID(customer)])[UUID(customer)] is not None

    applied = apply_erasures(restored, tombstone_path(api.runtime.settings.keys_dir))

    assert applied == 1
    assert restored.keys_for([UUID(customer)])[UUID(customer)] is None
    assert restored.is_erased(UUID(customer))


def test_erasing_a_customer_paid_in_an_approved_period_changes_no_figure_and_leaves_no_trace(
    api: Api,
) -> None:
    """The period still verifies to its content hash; every view rebuilt from the log equals
    the live one but for the erased customer's own row; the name and phone are nowhere."""
    world, period = approved_may(api)
    customer = str(api.runtime.sales.get_deal(_admin(api), world.solo).customer_id)
    name, phone = "Customer 1", "13900000001"
    approved = api.runtime.app.load(PayPeriod, UUID(period), "pay period")
    before_verified = api.ok(api.get("auditor", f"/pay-periods/{period}/verification"), 200)
    caught_up(api)
    figures = _figures(api)

    api.ok(erase(api, customer))
    caught_up(api)
    for projection in all_projections():
        reset(api.runtime.db, projection)
    caught_up(api)

    verified = api.ok(api.get("auditor", f"/pay-periods/{period}/verification"), 200)
    assert verified["equal"] is True
    assert verified["snapshot_hash"] == before_verified["snapshot_hash"] == approved.content_hash
    assert _figures(api) == figures
    text = views_text(api)
    assert name not in text and phone not in text
    workbook = export_text(api, "2026-05")
    assert "Sales A1" in workbook  # the month's figures are there
    assert name not in workbook and phone not in workbook
    events = b"".join(stored_states(api, customer))
    assert name.encode() not in events and phone.encode() not in events


def _admin(api: Api) -> Any:
    from domain.shared.actor import SYSTEM

    return SYSTEM


def _figures(api: Api) -> dict[str, list[Any]]:
    """Every view's rows but the directory's customers (an erasure marks its own row)."""
    rows = table_rows(api.runtime.db, all_projections())
    return {
        t: r for t, r in rows.items() if t not in ("rm_directory_customer", "rm_directory_phone")
    }


# --- access (PIPL) -----------------------------------------------------------------------------


def test_an_admin_downloads_everything_held_about_a_customer_and_the_download_is_logged(
    api: Api,
) -> None:
    customer = register(api)
    lead = capture_with_note(api, customer)
    caught_up(api)

    response = api.get("admin", f"/customers/{customer}/personal-data")

    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    document = response.json()
    [registered] = document["customer"][0]["events"]
    assert (registered["name"], registered["phone"]) == (NAME, "+86" + PHONE)
    assert [item["id"] for item in document["leads"]] == [lead]
    assert NOTE in response.text and "pii:" not in response.text
    [exported] = accesses(api, AccessKind.CUSTOMER_DATA_EXPORTED)
    assert exported.subject == customer


def test_no_one_but_an_admin_may_export_a_customers_data(api: Api) -> None:
    customer = register(api)

    assert api.get("manager_a", f"/customers/{customer}/personal-data").status_code == 403
    assert accesses(api, AccessKind.CUSTOMER_DATA_EXPORTED) == []


def test_showroom_apply_erasures_erases_again_a_customer_whose_key_a_restore_brought_back(
    settings: Any, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    """The command the restore procedure runs: the key folder's tombstones win over the data."""
    from domain.shared.actor import SYSTEM
    from ops.cli import main
    from workers.runtime import Runtime

    monkeypatch.setenv("SHOWROOM_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("DATABASE_URL", settings.database_url)
        monkeypatch.setenv("SHOWROOM_PG_SCHEMA", settings.postgres_schema)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    runtime = Runtime.build(settings, create_tables=True)
    try:
        store = runtime.organisation.open_store(SYSTEM, "Pudong BYD", "Shanghai", ["BYD"]).id
        customer = runtime.crm.register_customer(SYSTEM, store, NAME, PHONE).id
        backup = runtime.db.query(f"SELECT * FROM {KEYS_TABLE}")
        runtime.crm.erase_customer(SYSTEM, customer, "request 3")
        with runtime.db.transaction() as tx:  # a restore of the data from before the erasure
            tx.execute("DELETE FROM customer_key_erasures")
            for row in backup:
                tx.execute(
                    f"INSERT INTO {KEYS_TABLE} (customer_id, wrapping_key_id, wrapped, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    tuple(
                        row[c] for c in ("customer_id", "wrapping_key_id", "wrapped", "created_at")
                    ),
                )
        assert runtime.customer_keys.keys_for([customer])[customer] is not None

        assert main(["apply-erasures"]) == 0

        assert runtime.customer_keys.keys_for([customer])[customer] is None
        assert "1 erasure(s) applied" in capsys.readouterr().out
    finally:
        runtime.close()
