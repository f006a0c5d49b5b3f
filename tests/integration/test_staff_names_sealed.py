"""Staff names and the free text about a member of staff are sealed with that person's own key
(issue 13): a name, a leaving reason, an evaluation's reopening reason and a pay dispute's
reason are nowhere in clear in the event store or the views database, while the API, the pages
and the export files the user asked for show them revealed, and lists stay sensibly ordered.

Every test runs on SQLite and PostgreSQL (the `settings` fixture behind `api`).
"""

from __future__ import annotations

import re
import time
from typing import Any
from uuid import UUID

from domain.organisation.model import Staff
from domain.performance.evaluations import Evaluation
from domain.shared.personal import SEALED_PREFIX
from projections.directory import queries as directory
from projections.registry import all_projections
from projections.runner import reset
from tests.integration.conftest import Api
from tests.integration.test_pages_admin import pages
from tests.integration.test_pay_periods_api import approved_may, fresh, step
from tests.integration.test_performance_api import UNITS_ONLY, evaluate, group_scorecard, target
from tests.integration.test_personal_data import (
    caught_up,
    export_text,
    stored_states,
    views_text,
)
from tests.integration.views_world import table_rows
from workers.customer_keys import STAFF_TABLE

NAME = "Qian Wenjing"
LEAVING = "moving to Hangzhou to care for her mother"
REOPENING = "Liu's late survey about his attitude"
DISPUTE = "my split with Zhou Min was agreed at 0.6"


def hire(api: Api, name: str, user: str = "admin") -> str:
    body = {"store_id": str(api.world.store_a), "name": name, "role": "salesperson"}
    return str(api.ok(api.post(user, "/staff", body))["id"])


def test_staff_names_and_reasons_are_sealed_in_the_store_and_views_and_revealed_at_the_edge(
    api: Api,
) -> None:
    """The log and the views hold the sealed strings only; the API shows each in clear; the
    KPI workbook (a file the user asked for with names) holds the names in clear."""
    world, period = approved_may(api)
    leaver = hire(api, NAME)
    api.ok(api.post("admin", f"/staff/{leaver}/departure", {"reason": LEAVING}))
    step(api, "sales_a1", period, "disputes", {"line": 1, "reason": DISPUTE})
    group_scorecard(api, UNITS_ONLY)
    target(api, "manager_a", "sales_a1", "units", "1")
    evaluation = evaluate(api, "manager_a", "sales_a1")["id"]
    api.ok(api.post("manager_a", f"/evaluations/{evaluation}/approval", {}))
    api.ok(api.post("admin", f"/evaluations/{evaluation}/reopening", {"reason": REOPENING}))
    caught_up(api)

    # The event store: every one sealed with the person's own key (the outer cipher taken off).
    a1 = str(world.a1)
    events = b"".join(
        state for ident in (leaver, a1, period, evaluation) for state in stored_states(api, ident)
    )
    for clear in (NAME, "Sales A1", LEAVING, DISPUTE, REOPENING):
        assert clear.encode() not in events, clear
    assert events.count(f"{SEALED_PREFIX}{leaver}:".encode()) == 2  # the name, the reason
    assert events.count(f"{SEALED_PREFIX}{a1}:".encode()) == 3  # name, dispute, reopening
    marked = {r["customer_id"] for r in api.runtime.db.query(f"SELECT * FROM {STAFF_TABLE}")}
    assert {leaver, a1} <= marked  # their keys are known as staff keys (cached for reading)

    # The views database (SQLite files; every PostgreSQL table): no name, no reason in clear.
    text = views_text(api)
    assert leaver in text and a1 in text  # the views were read
    for clear in (NAME, "Sales A1", "Manager A", LEAVING, DISPUTE, REOPENING):
        assert clear not in text, clear

    # The KPI workbook holds the names the user asked for, in clear, and nothing sealed.
    workbook = export_text(api, "2026-05")
    assert "Sales A1" in workbook and "Sales A2" in workbook
    assert "pii:" not in workbook and DISPUTE not in workbook

    # The API reveals each as it answers.
    assert api.ok(api.get("admin", f"/staff/{leaver}"), 200)["name"] == NAME
    listed = api.ok(api.get("admin", "/staff", params=fresh(api) | {"limit": 200}), 200)
    assert NAME in {s["name"] for s in listed["items"]}
    assert "pii:" not in api.get("admin", "/staff", params={"limit": 200}).text
    shown = api.ok(api.get("manager_a", f"/pay-periods/{period}", params=fresh(api)), 200)
    assert [d["reason"] for d in shown["disputes"]] == [DISPUTE]
    reopened = api.ok(api.get("admin", f"/evaluations/{evaluation}"), 200)
    assert reopened["reopen_reason"] == REOPENING
    board = api.ok(
        api.get("admin", "/reports/leaderboard", params=fresh(api) | {"month": "2026-05"}), 200
    )
    assert {line["name"] for line in board["items"]} >= {"Sales A1", "Sales A2"}

    # The aggregates loaded from the store hold the sealed strings (no rule reads them).
    loaded = api.runtime.app.repository.get(UUID(leaver))
    assert isinstance(loaded, Staff) and loaded.name.startswith(SEALED_PREFIX)
    again = api.runtime.app.repository.get(UUID(evaluation))
    assert isinstance(again, Evaluation) and again.reopen_reason is not None
    assert again.reopen_reason.startswith(SEALED_PREFIX)


def test_lists_of_staff_page_by_id_and_the_pickers_sort_by_the_revealed_name(api: Api) -> None:
    """The directory pages staff by id (complete, no repeats); a page's people picker reads
    them all, reveals and sorts by name, whatever the ids' order."""
    for name in ("Zhu Lei", "An Qi", "Mei Lin", "Bai Ju"):
        hire(api, name)
    caught_up(api)

    everyone: list[dict[str, Any]] = []
    while True:
        chunk = directory.list_staff(api.runtime.db, limit=2, offset=len(everyone))
        everyone += chunk["items"]
        if len(everyone) >= chunk["total"]:
            break
    assert [s["id"] for s in everyone] == sorted(s["id"] for s in everyone)
    assert len({s["id"] for s in everyone}) == len(everyone) == 9
    assert all(str(s["name"]).startswith(SEALED_PREFIX) for s in everyone)

    html = pages(api, "admin").get("/app/admin/users").text
    options = re.findall(r"<option value=\"[0-9a-f-]{36}\"[^>]*>([^<·]+?) ·", html)
    assert options == sorted(options, key=str.casefold)
    assert {"An Qi", "Bai Ju", "Mei Lin", "Zhu Lei", "Sales A1"} <= set(options)
    assert "pii:" not in html


def test_rebuilt_views_equal_the_live_ones_with_sealed_names(api: Api) -> None:
    """Sealed values are copied from the log as they are: a rebuild refills every view row for
    row, the names as sealed as before."""
    approved_may(api)
    hire(api, NAME)
    caught_up(api)
    live = table_rows(api.runtime.db, all_projections())

    for projection in all_projections():
        reset(api.runtime.db, projection)
    caught_up(api)

    assert table_rows(api.runtime.db, all_projections()) == live
    assert NAME not in views_text(api)


def test_staff_keys_are_cached_for_reading_and_customer_keys_are_not(api: Api) -> None:
    """A member of staff's key is read from the key store once per `STAFF_KEY_SECONDS`; a
    customer's every time (an erasure must hold at once in every process)."""
    staff = UUID(hire(api, NAME))
    customer_body = {"store_id": str(api.world.store_a), "name": "C", "phone": "13912340000"}
    customer = UUID(api.ok(api.post("sales_a1", "/customers", customer_body))["id"])
    keys = api.runtime.customer_keys
    first = keys.keys_for([staff, customer])
    assert first[staff] is not None and first[customer] is not None

    with api.runtime.db.transaction() as tx:  # behind the cache's back
        tx.execute(
            "DELETE FROM customer_keys WHERE customer_id IN (?, ?)", (str(staff), str(customer))
        )

    again = keys.keys_for([staff, customer])
    assert again[staff] == first[staff]  # from the cache
    assert again[customer] is None  # read again: gone
    keys.staff_key_seconds = 0.0
    time.sleep(0.01)
    assert keys.keys_for([staff])[staff] is None  # the cache expired
