"""The access log on the real API, on SQLite and PostgreSQL (the `settings` fixture): each kind
recorded by the route that does it, the chain verified and its tampering found where it is,
concurrent appends kept in one chain, and the log read by auditors only."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from api.pages.session import CSRF_FIELD
from domain.organisation.model import User
from domain.shared.actor import SYSTEM
from domain.shared.clock import pinned
from ops.cli import main
from projections.db import Database, open_database
from tests.integration.conftest import PASSWORD, Api
from tests.integration.test_cli import backend  # noqa: F401 (the CLI's environment)
from tests.integration.test_pay_periods_api import approved_may, fresh
from workers import checkpoints
from workers.access_log import Access, AccessKind, AccessLog, append, verify_store
from workers.checkpoints import verify_access
from workers.runtime import Runtime
from workers.settings import Settings

AGENT = "Mozilla/5.0 (Test) Showroom-Access"


def entries(api: Api, **filters: Any) -> list[dict[str, Any]]:
    """The entries an auditor reads through GET /audit/access with these filters."""
    response = api.get("auditor", "/audit/access", params={"limit": 500, **filters})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def of_kind(api: Api, kind: AccessKind) -> list[dict[str, Any]]:
    return entries(api, kind=kind.value)


def user_id(username: str) -> str:
    return str(User.id_for(username))


# --- each kind, recorded by the real route --------------------------------------------------------


def test_a_successful_login_is_recorded_with_address_user_agent_and_the_token_issued(
    api: Api,
) -> None:
    response = api.client.post(
        "/auth/token",
        data={"username": "sales_a1", "password": PASSWORD},
        headers={"User-Agent": AGENT},
    )

    assert response.status_code == 200
    [login] = [e for e in of_kind(api, AccessKind.LOGIN_SUCCEEDED) if e["subject"] == "sales_a1"]
    assert login["actor_id"] == user_id("sales_a1")
    assert login["actor_username"] == "sales_a1"
    assert login["address"] == "testclient" and login["user_agent"] == AGENT
    issued = [e for e in of_kind(api, AccessKind.TOKEN_ISSUED) if e["user_agent"] == AGENT]
    assert [e["actor_id"] for e in issued] == [user_id("sales_a1")]
    assert issued[0]["detail"]["token_id"]


def test_a_failed_login_names_the_username_tried_and_never_the_password(api: Api) -> None:
    response = api.client.post(
        "/auth/token",
        data={"username": "Sales_A1", "password": "wrong-secret-xyz"},
        headers={"User-Agent": AGENT},
    )

    assert response.status_code == 401
    [failed] = of_kind(api, AccessKind.LOGIN_FAILED)
    assert failed["actor_id"] is None and failed["subject"] == "sales_a1"
    assert failed["address"] == "testclient" and failed["user_agent"] == AGENT
    assert "wrong-secret-xyz" not in str(failed)
    stored = api.runtime.db.query("SELECT * FROM access_log")
    assert stored and all("wrong-secret" not in str(row) for row in stored)


def test_a_failed_login_on_the_login_page_is_recorded_too(api: Api) -> None:
    response = api.client.post(
        "/app/login",
        data={"username": "nobody", "password": "guess-1234"},
        headers={"User-Agent": AGENT},
    )

    assert response.status_code == 401
    [failed] = of_kind(api, AccessKind.LOGIN_FAILED)
    assert (failed["subject"], failed["detail"]["channel"]) == ("nobody", "page")


def test_logout_records_the_revocation_of_the_token(api: Api) -> None:
    headers = api.headers("sales_a1")

    assert api.client.post("/auth/logout", headers=headers).status_code == 201
    [revoked] = of_kind(api, AccessKind.TOKEN_REVOKED)
    assert revoked["actor_id"] == user_id("sales_a1")
    assert revoked["detail"]["reason"] == "logout" and revoked["detail"]["token_id"]


def test_a_password_change_records_the_revocation_of_every_token(api: Api) -> None:
    body = {"password": "brand-new-pass-1", "current_password": PASSWORD}

    assert api.post("sales_a1", "/users/sales_a1/password", body).status_code == 201
    [revoked] = of_kind(api, AccessKind.TOKEN_REVOKED)
    assert revoked["subject"] == user_id("sales_a1")
    assert revoked["detail"] == {"tokens": "all", "reason": "password_changed", "channel": "api"}


def test_reading_someone_elses_pay_statement_is_recorded_and_ones_own_is_not(api: Api) -> None:
    world, period = approved_may(api)
    own = api.get("sales_a1", f"/pay-periods/{period}/statements/{world.a1}", params=fresh(api))
    assert own.status_code == 200
    assert of_kind(api, AccessKind.PAY_STATEMENT_READ) == []

    other = api.get("finance", f"/pay-periods/{period}/statements/{world.a1}", params=fresh(api))

    assert other.status_code == 200
    [read] = of_kind(api, AccessKind.PAY_STATEMENT_READ)
    assert read["actor_username"] == "finance" and read["subject"] == str(world.a1)
    assert read["detail"]["period_id"] == period


def test_reading_someone_elses_statement_on_the_finance_page_is_recorded(api: Api) -> None:
    world, period = approved_may(api)
    api.client.post(
        "/app/login", data={"username": "finance", "password": PASSWORD}, follow_redirects=False
    )  # the client keeps the session cookie

    page = api.client.get(f"/app/pay/periods/{period}/statements/{world.a2}", params=fresh(api))

    assert page.status_code == 200
    [read] = of_kind(api, AccessKind.PAY_STATEMENT_READ)
    assert (read["subject"], read["detail"]["view"]) == (str(world.a2), "page")


def test_an_export_download_is_recorded_with_its_file(api: Api) -> None:
    requested = api.post("admin", "/exports", {"month": "2026-05"})
    assert requested.status_code == 202
    export_id = requested.json()["id"]
    deadline = time.monotonic() + 60
    while api.get("admin", f"/exports/{export_id}").json()["status"] != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.05)

    download = api.get("admin", f"/exports/{export_id}/file")

    assert download.status_code == 200
    [downloaded] = of_kind(api, AccessKind.EXPORT_DOWNLOADED)
    assert downloaded["subject"] == export_id
    assert downloaded["detail"]["file_name"] == "kpi-2026-05-group.xlsx"


def test_a_full_phone_read_of_a_customer_is_recorded(api: Api) -> None:
    customer = api.runtime.crm.register_customer(
        api.runtime.organisation.principal(User.id_for("manager_a")),  # type: ignore[arg-type]
        api.world.store_a,
        "Wang Fang",
        "13912345678",
    ).id

    read = api.get("manager_a", f"/customers/{customer}")

    assert read.status_code == 200 and read.json()["phone"].endswith("13912345678")
    [entry] = of_kind(api, AccessKind.FULL_PHONE_READ)
    assert (entry["actor_username"], entry["subject"]) == ("manager_a", str(customer))
    assert [e["sequence"] for e in entries(api, customer=str(customer))] == [entry["sequence"]]


def test_a_successful_admin_write_is_recorded_with_its_route_method_and_status(api: Api) -> None:
    body = {"username": "new_clerk", "password": "long-enough-1", "role": "auditor"}

    assert api.post("admin", "/users", body).status_code == 201
    assert api.post("admin", "/users/nobody-here/deactivation").status_code == 404

    [action] = of_kind(api, AccessKind.ADMIN_ACTION)
    assert action["actor_username"] == "admin"
    assert action["detail"] == {"method": "POST", "route": "/users", "status": "201"}
    assert "long-enough-1" not in str(action)


def test_a_write_by_someone_not_an_admin_is_no_admin_action(api: Api) -> None:
    body = {"store_id": str(api.world.store_a), "month": "2026-05"}

    assert api.post("finance", "/pay-periods", body).status_code == 201
    assert of_kind(api, AccessKind.ADMIN_ACTION) == []


def test_an_admins_page_form_is_recorded_as_an_admin_action_with_its_target(api: Api) -> None:
    api.client.post(
        "/app/login", data={"username": "admin", "password": PASSWORD}, follow_redirects=False
    )  # the client keeps the session cookie
    page = api.client.get("/app/admin/users/sales_b1")
    csrf = page.text.split(f'name="{CSRF_FIELD}" value="')[1].split('"')[0]

    done = api.client.post(
        "/app/admin/users/sales_b1/unlock", data={CSRF_FIELD: csrf}, follow_redirects=False
    )

    assert done.status_code == 303
    [action] = of_kind(api, AccessKind.ADMIN_ACTION)
    assert action["subject"] == "sales_b1"
    assert action["detail"]["route"] == "/app/admin/users/{username}/unlock"


# --- the chain ----------------------------------------------------------------------------------


def filled(db: Database, settings: Settings, n: int = 6) -> None:
    append(
        db,
        settings.keys,
        [
            (
                datetime(2026, 5, 1, tzinfo=UTC) + timedelta(minutes=i),
                Access(
                    AccessKind.FULL_PHONE_READ,
                    str(uuid4()),
                    str(uuid4()),
                    {"n": str(i)},
                    "10.0.0.1",
                ),
            )
            for i in range(n)
        ],
    )


def tampered(db: Database, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Change the table as someone with the database's rights but without the key would: the
    append-only triggers switched off first."""
    with db.transaction() as tx:
        if tx.dialect == "postgres":
            tx.execute("ALTER TABLE access_log DISABLE TRIGGER USER")
        else:
            tx.execute("DROP TRIGGER IF EXISTS access_log_no_update")
            tx.execute("DROP TRIGGER IF EXISTS access_log_no_delete")
        tx.execute(sql, params)


def test_an_untouched_log_verifies_and_the_route_says_so(api: Api) -> None:
    filled(api.runtime.db, api.runtime.settings)

    report = api.get("auditor", "/audit/access/verification")

    assert report.status_code == 200
    assert report.json()["ok"] is True and report.json()["count"] >= 6


def test_a_changed_entry_is_found_at_its_sequence(api: Api) -> None:
    db = api.runtime.db
    filled(db, api.runtime.settings)
    api.runtime.access_log.flush()
    target = int(db.query("SELECT MAX(sequence) AS s FROM access_log")[0]["s"]) - 2

    tampered(db, "UPDATE access_log SET address = ? WHERE sequence = ?", ("10.9.9.9", target))

    report = verify_store(db, api.runtime.settings.keys)
    assert not report.ok
    assert [p.sequence for p in report.problems] == [target]


def test_a_deleted_entry_is_found_where_the_gap_is(api: Api) -> None:
    db = api.runtime.db
    filled(db, api.runtime.settings)
    api.runtime.access_log.flush()
    target = int(db.query("SELECT MAX(sequence) AS s FROM access_log")[0]["s"]) - 2

    tampered(db, "DELETE FROM access_log WHERE sequence = ?", (target,))

    report = verify_store(db, api.runtime.settings.keys)
    assert report.first_break == target + 1
    assert f"entry {target} is missing" in report.problems[0].problem


def test_a_deleted_tail_is_found_against_the_recorded_head(api: Api) -> None:
    db = api.runtime.db
    filled(db, api.runtime.settings)
    api.runtime.access_log.flush()
    last = int(db.query("SELECT MAX(sequence) AS s FROM access_log")[0]["s"])

    tampered(db, "DELETE FROM access_log WHERE sequence >= ?", (last - 1,))

    report = verify_store(db, api.runtime.settings.keys)
    assert [p.sequence for p in report.problems] == [last]
    assert f"entries {last - 1}-{last} are missing" in report.problems[0].problem


def test_an_inserted_entry_without_the_key_is_found_at_its_sequence(api: Api) -> None:
    db = api.runtime.db
    filled(db, api.runtime.settings)
    api.runtime.access_log.flush()
    last = db.query("SELECT sequence, head, key_id FROM access_log ORDER BY sequence DESC")[0]
    forged = last["sequence"] + 1

    tampered(
        db,
        "INSERT INTO access_log (sequence, at, kind, actor_id, subject, detail, address,"
        " user_agent, key_id, previous_head, head) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            forged,
            "2026-05-02T00:00:00.000000Z",
            "login_succeeded",
            None,
            "x",
            "{}",
            None,
            None,
            last["key_id"],
            last["head"],
            "ab" * 32,
        ),
    )

    report = verify_store(db, api.runtime.settings.keys)
    assert {p.sequence for p in report.problems} == {forged}


def cut_tail(db: Database, n: int) -> int:
    """Delete the last `n` entries and set the head row back to the entry before them, as the
    database's owner could (triggers off): the chain alone then verifies. The new last."""
    rows = db.query("SELECT sequence, head FROM access_log ORDER BY sequence DESC")
    keep = rows[n]
    tampered(db, "DELETE FROM access_log WHERE sequence > ?", (keep["sequence"],))
    with db.transaction() as tx:
        tx.execute(
            "UPDATE access_log_head SET sequence = ?, head = ? WHERE id = 1",
            (keep["sequence"], keep["head"]),
        )
    return int(keep["sequence"])


def test_a_tail_deleted_with_its_head_row_is_found_against_the_last_checkpoint(api: Api) -> None:
    """The last checkpoint signs the access log's head: deleting the last three entries and
    setting the head row back passes the chain alone, but not the check against the
    checkpoint (verify_store without the anchor, then the route and the log's own verify)."""
    runtime = api.runtime
    db = runtime.db
    filled(db, runtime.settings)
    runtime.access_log.flush()
    outcome = checkpoints.write_checkpoint(runtime.app, db, runtime.settings.keys, reason="manual")
    assert outcome.checkpoint is not None
    last = int(db.query("SELECT MAX(sequence) AS s FROM access_log")[0]["s"])
    assert outcome.checkpoint.access_sequence == last

    kept = cut_tail(db, 3)

    assert verify_store(db, runtime.settings.keys).ok  # the database alone no longer knows
    found = verify_access(db, runtime.settings.keys)
    assert (found.ok, found.first_break, found.anchored_sequence) == (False, last, last)
    assert f"entries {kept + 1}-{last} are missing at the end" in found.problems[0].problem
    report = api.get("auditor", "/audit/access/verification").json()
    assert (report["ok"], report["anchored_sequence"]) == (False, last)


def test_a_checkpoint_anchors_no_forged_tail_and_a_rewritten_anchored_entry_is_found(
    api: Api,
) -> None:
    """A checkpoint written after a forged entry keeps the head it anchored last (the forged
    entry is not anchored); an anchored entry rewritten with its head is found by its head."""
    runtime = api.runtime
    db, keys = runtime.db, runtime.settings.keys
    filled(db, runtime.settings, 3)
    first = checkpoints.write_checkpoint(runtime.app, db, keys, reason="manual").checkpoint
    assert first is not None and first.access_sequence is not None
    tampered(
        db,
        "UPDATE access_log SET address = ?, head = ? WHERE sequence = ?",
        ("10.6.6.6", "cd" * 32, first.access_sequence),
    )
    with db.transaction() as tx:
        tx.execute("UPDATE access_log_head SET head = ? WHERE id = 1", ("cd" * 32,))
    runtime.organisation.open_store(SYSTEM, "Anchor", "Shanghai", ["BYD"])  # a new event

    second = checkpoints.write_checkpoint(runtime.app, db, keys, reason="manual").checkpoint

    assert second is not None and second.position > first.position
    assert (second.access_sequence, second.access_head) == (
        first.access_sequence,
        first.access_head,
    )
    report = verify_access(db, keys)
    assert f"entry {first.access_sequence} is not the one" in report.problems[-1].problem


@pytest.mark.usefixtures("backend")
def test_showroom_audit_and_access_log_verify_report_a_tail_cut_before_the_checkpoint(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = Runtime.build(settings)
    try:
        runtime.organisation.open_store(SYSTEM, "A", "Shanghai", ["BYD"])
        filled(runtime.db, settings, 5)
        assert main(["audit", "checkpoint"]) == 0
        assert main(["audit", "verify"]) == 0
        assert "anchored: entry 5 by the checkpoint" in capsys.readouterr().out
        cut_tail(runtime.db, 2)
    finally:
        runtime.close()

    assert main(["access-log", "verify"]) == 1
    assert "entries 4-5 are missing at the end" in capsys.readouterr().out
    assert main(["audit", "verify", "--json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert (found["ok"], found["access_log"]["ok"], found["access_log"]["first_break"]) == (
        True,
        False,
        5,
    )


def test_the_store_refuses_updates_and_deletes_of_entries(api: Api) -> None:
    db = api.runtime.db
    filled(db, api.runtime.settings, 1)

    for statement in ("UPDATE access_log SET subject = 'x'", "DELETE FROM access_log"):
        with pytest.raises(Exception, match="append-only"), db.transaction() as tx:
            tx.execute(statement)

    assert verify_store(db, api.runtime.settings.keys).ok


def test_concurrent_appends_from_threads_and_two_processes_keep_one_unbroken_chain(
    settings: Settings, api: Api
) -> None:
    """Two logs over two connections to the database (as two API processes have), each fed by
    four threads, appending one entry at a time: one chain, no sequence twice, none missing."""
    other_db = open_database(settings.database_url, settings.data_dir, settings.postgres_schema)
    logs = [api.runtime.access_log, AccessLog(other_db, settings.keys)]
    api.runtime.access_log.flush()
    before = int(api.runtime.db.query("SELECT MAX(sequence) AS s FROM access_log")[0]["s"] or 0)

    def write(log: AccessLog, n: int) -> None:
        for i in range(25):
            append(
                log.db,
                log.keyring,
                [(datetime.now(UTC), Access(AccessKind.ADMIN_ACTION, f"writer-{n}", str(i)))],
            )

    threads = [threading.Thread(target=write, args=(logs[n % 2], n)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other_db.close()

    rows = api.runtime.db.query("SELECT sequence FROM access_log WHERE sequence > ?", (before,))
    assert sorted(r["sequence"] for r in rows) == list(range(before + 1, before + 201))
    assert verify_store(api.runtime.db, settings.keys).ok


def test_the_background_writer_keeps_every_entry_recorded_from_many_threads(api: Api) -> None:
    log = api.runtime.access_log
    before = len(log.entries)

    def record(n: int) -> None:
        for i in range(50):
            log.record(Access(AccessKind.FULL_PHONE_READ, f"reader-{n}", str(i)))

    threads = [threading.Thread(target=record, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(log.entries) == before + 200
    assert checkpoints.verify_running(log).ok


# --- reading it ---------------------------------------------------------------------------------


def test_auditors_find_entries_by_user_by_customer_and_by_time(api: Api) -> None:
    customer = str(uuid4())
    log = api.runtime.access_log
    with pinned(datetime(2026, 5, 1, 9, tzinfo=UTC)):
        log.record(Access(AccessKind.FULL_PHONE_READ, user_id("manager_a"), customer))
    with pinned(datetime(2026, 5, 3, 9, tzinfo=UTC)):
        log.record(Access(AccessKind.FULL_PHONE_READ, user_id("sales_a1"), customer))
        log.record(Access(AccessKind.PAY_STATEMENT_READ, user_id("manager_a"), str(uuid4())))

    by_user = entries(api, user="manager_a")
    by_customer = entries(api, customer=customer)
    by_time = entries(api, since="2026-05-02T00:00:00+08:00", until="2026-05-04T00:00:00+08:00")

    assert [e["kind"] for e in by_user] == ["pay_statement_read", "full_phone_read"]
    assert {e["actor_username"] for e in by_customer} == {"manager_a", "sales_a1"}
    assert [e["actor_username"] for e in by_time] == ["manager_a", "sales_a1"]


def test_the_user_filter_finds_failed_logins_tried_with_that_username(api: Api) -> None:
    api.client.post("/auth/token", data={"username": "sales_b1", "password": "nope-nope"})

    found = entries(api, user="sales_b1", kind="login_failed")

    assert [e["subject"] for e in found] == ["sales_b1"]


def test_pages_of_entries_follow_the_cursor_without_repeats(api: Api) -> None:
    for i in range(7):
        api.runtime.access_log.record(Access(AccessKind.ADMIN_ACTION, "someone", str(i)))
    seen: list[int] = []
    cursor: int | None = None
    while True:
        params: dict[str, Any] = {"limit": 3, "kind": "admin_action"}
        if cursor is not None:
            params["cursor"] = cursor
        page = api.get("auditor", "/audit/access", params=params).json()
        seen += [e["sequence"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == len(set(seen)) >= 7 and seen == sorted(seen, reverse=True)


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "coffee_break"},
        {"customer": "not-an-id"},
        {"since": "yesterday"},
        {"since": "2026-05-01T00:00:00"},
        {"since": "2026-05-02T00:00:00+08:00", "until": "2026-05-01T00:00:00+08:00"},
        {"cursor": "0"},
        {"limit": "100000"},
    ],
    ids=["kind", "customer", "since-text", "since-naive", "since-after-until", "cursor", "limit"],
)
def test_a_bad_filter_is_a_problem_not_a_page(api: Api, params: dict[str, str]) -> None:
    response = api.get("auditor", "/audit/access", params=params)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("username", ["sales_a1", "manager_a", "finance", "exec"])
def test_only_auditors_and_admins_read_the_access_log(api: Api, username: str) -> None:
    assert api.get(username, "/audit/access").status_code == 403
    assert api.get(username, "/audit/access/verification").status_code == 403
    assert api.get("admin", "/audit/access").status_code == 200


def test_a_stranger_reads_nothing_of_the_access_log(api: Api) -> None:
    assert api.client.get("/audit/access").status_code == 401


def test_user_ids_are_accepted_as_the_user_filter(api: Api) -> None:
    api.headers("sales_a2")

    found = entries(api, user=user_id("sales_a2"), kind="login_succeeded")

    assert [UUID(e["actor_id"]) for e in found] == [User.id_for("sales_a2")]


# --- the command line ---------------------------------------------------------------------------


@pytest.mark.usefixtures("backend")
def test_the_command_line_verifies_the_log_and_names_the_broken_entry(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = Runtime.build(settings)
    try:
        filled(runtime.db, settings, 4)
        assert main(["access-log", "verify"]) == 0
        assert ": ok" in capsys.readouterr().out

        tampered(runtime.db, "UPDATE access_log SET kind = ? WHERE sequence = 2", ("x",))
        code = main(["access-log", "verify", "--json"])
    finally:
        runtime.close()

    assert code == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["first_break"]) == (False, 2)


@pytest.mark.usefixtures("backend")
def test_the_command_line_shows_entries_of_a_user(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = Runtime.build(settings)
    try:
        runtime.access_log.record(Access(AccessKind.LOGIN_FAILED, None, "zhang_wei"))
    finally:
        runtime.close()

    assert main(["access-log", "show", "--user", "Zhang_Wei"]) == 0
    assert "login_failed" in capsys.readouterr().out
    assert main(["access-log", "show", "--since", "yesterday"]) == 2


# --- the auditor's page -------------------------------------------------------------------------


def signed_in(api: Api, username: str) -> None:
    """The test client holds a page session of this user (its cookie)."""
    response = api.client.post(
        "/app/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303


def test_the_auditors_page_names_who_did_what_and_filters_by_user(api: Api) -> None:
    api.client.post("/auth/token", data={"username": "sales_b1", "password": "nope-nope"})
    api.headers("manager_a")
    signed_in(api, "auditor")

    everyone = api.client.get("/app/audit/access", headers={"Accept-Language": "en"})
    only_b1 = api.client.get("/app/audit/access", params={"user": "sales_b1"})

    assert everyone.status_code == 200
    assert "manager_a" in everyone.text and "sales_b1" in everyone.text
    assert "Failed login" in everyone.text or "登录失败" in everyone.text
    assert only_b1.status_code == 200
    assert "sales_b1" in only_b1.text and "manager_a" not in only_b1.text


def test_the_auditors_page_verifies_the_chain(api: Api) -> None:
    filled(api.runtime.db, api.runtime.settings, 2)
    signed_in(api, "auditor")

    page = api.client.get("/app/audit/access", params={"verify": "1"})

    assert page.status_code == 200 and 'class="notice"' in page.text


def test_a_bad_filter_on_the_page_is_shown_on_its_field(api: Api) -> None:
    signed_in(api, "auditor")

    page = api.client.get("/app/audit/access", params={"customer": "nope", "kind": "x"})

    assert page.status_code == 422
    assert 'aria-invalid="true"' in page.text


@pytest.mark.parametrize("username", ["sales_a1", "finance"])
def test_the_access_log_page_is_for_auditors_and_admins_only(api: Api, username: str) -> None:
    signed_in(api, username)

    assert api.client.get("/app/audit/access").status_code == 403


def test_a_username_tried_with_a_nul_is_recorded_and_the_log_goes_on(api: Api) -> None:
    api.client.post("/auth/token", data={"username": "bad\x00name", "password": "x-x-x-x"})
    api.client.post("/auth/token", data={"username": "after", "password": "x-x-x-x"})

    subjects = [e["subject"] for e in of_kind(api, AccessKind.LOGIN_FAILED)]

    assert subjects == ["after", "bad\ufffdname"]
    assert api.get("auditor", "/audit/access", params={"user": "a\x00"}).status_code == 422
