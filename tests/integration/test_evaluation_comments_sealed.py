"""A manager's comments on an evaluation are the evaluated salesperson's personal data: sealed
with that salesperson's own key in the log and the views, shown in clear to whoever may read
the evaluation (the API's edge reveals them), and old clear comments still read.

Every test runs on SQLite and PostgreSQL (the `settings` fixture behind `api`).
"""

from __future__ import annotations

import json
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.performance.evaluations import Evaluation
from tests.integration.conftest import Api
from tests.integration.test_pages_managerops import LAST_MONTH, signed_in, units_target
from tests.integration.test_pages_managerops import group_scorecard as page_scorecard
from tests.integration.test_performance_api import UNITS_ONLY, evaluate, group_scorecard, target
from tests.integration.test_personal_data import caught_up, stored_states, views_text
from workers.customer_keys import CustomerKeys

COMMENT = "Struggles since his divorce; keep him off weekend shifts"


def commented(api: Api) -> str:
    group_scorecard(api, UNITS_ONLY)
    target(api, "manager_a", "sales_a1", "units", "1")
    evaluation = str(evaluate(api, "manager_a", "sales_a1")["id"])
    api.ok(api.post("manager_a", f"/evaluations/{evaluation}/comment", {"comment": COMMENT}))
    return evaluation


def opened_states(api: Api, originator: str) -> list[bytes]:
    """The stored bodies with the store's own cipher and compressor undone (the outer layer)."""
    mapper = api.runtime.app.mapper
    bodies = []
    for stored in api.runtime.app.recorder.select_events(UUID(originator)):
        body = bytes(stored.state)
        if mapper.cipher is not None:
            body = mapper.cipher.decrypt(body)
        if mapper.compressor is not None:
            body = mapper.compressor.decompress(body)
        bodies.append(body)
    return bodies


def test_an_evaluation_comment_is_stored_sealed_with_the_salespersons_own_key(api: Api) -> None:
    evaluation = commented(api)
    seller = api.world.staff["sales_a1"]

    states = b"".join(stored_states(api, evaluation))
    bodies = b"".join(opened_states(api, evaluation))
    keys: CustomerKeys = api.runtime.customer_keys

    assert COMMENT.encode() not in states and COMMENT.encode() not in bodies
    assert bodies.count(f"pii:1:{seller}:".encode()) == 1
    assert keys.keys_for([seller])[seller] is not None  # the store keeps a key per person


def test_the_views_database_holds_no_evaluation_comment_in_clear(api: Api) -> None:
    commented(api)
    caught_up(api)

    held = views_text(api)

    assert COMMENT not in held
    assert "Struggles" not in held


def test_whoever_may_read_the_evaluation_gets_the_comment_in_clear(api: Api) -> None:
    evaluation = commented(api)
    caught_up(api)

    details = {
        who: api.ok(api.get(who, f"/evaluations/{evaluation}"), 200)
        for who in ("manager_a", "admin", "sales_a1")
    }
    listed = api.ok(api.get("manager_a", "/evaluations?month=2026-03"), 200)

    for detail in details.values():
        assert [c["comment"] for c in detail["comments"]] == [COMMENT]
    assert [line["last_comment"] for line in listed["items"]] == [COMMENT]
    assert "pii:" not in json.dumps([details, listed])


def test_the_evaluation_page_shows_the_comment_to_its_manager(api: Api) -> None:
    page_scorecard(signed_in(api, "admin"))
    manager = signed_in(api, "manager_a")
    seller = api.world.staff["sales_a1"]
    units_target(manager, seller)
    manager.get("/app/evaluations")
    computed = manager.post(
        "/app/evaluations", {"salesperson_id": str(seller), "month": LAST_MONTH}
    )
    path = computed.headers["location"].split("?")[0]
    manager.get(path)
    manager.post(path + "/comment", {"comment": COMMENT})

    page = manager.get(path)

    assert "keep him off weekend shifts" in page.text
    assert "pii:" not in page.text
    assert COMMENT.encode() not in b"".join(stored_states(api, path.rsplit("/", 1)[1]))


def test_a_comment_stored_in_clear_before_sealing_still_reads_as_written(api: Api) -> None:
    evaluation = commented(api)
    app = api.runtime.app
    version = app.repository.get(UUID(evaluation)).version
    # A version-1 `Commented` (no salesperson named) as the store kept it before sealing:
    # its body only goes through the store's own compressor and cipher, as any event's does.
    body = json.dumps(
        {
            "timestamp": {"_type_": "datetime_iso", "_data_": "2026-03-20T02:00:00+00:00"},
            "actor": "manager_a",
            "occurred_at": {"_type_": "datetime_iso", "_data_": "2026-03-20T02:00:00+00:00"},
            "comment": "An older, clear comment",
        }
    ).encode()
    if app.mapper.compressor is not None:
        body = app.mapper.compressor.compress(body)
    if app.mapper.cipher is not None:
        body = app.mapper.cipher.encrypt(body)
    old = StoredEvent(
        originator_id=UUID(evaluation),
        originator_version=version + 1,
        topic=get_topic(Evaluation.Commented),
        state=body,
    )
    app.recorder.insert_events([old])

    detail = api.ok(api.get("manager_a", f"/evaluations/{evaluation}"), 200)

    assert [c["comment"] for c in detail["comments"]] == [COMMENT, "An older, clear comment"]
