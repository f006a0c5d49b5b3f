"""Notifications end to end, on SQLite and PostgreSQL, delivered to real local receivers; and
the pay notices (statement ready, dispute raised and resolved, approval to confirm) reach the
people the pay rules name and nobody else.

A lead assigned to a salesperson reaches their inbox (and nobody's who may not read the lead),
their e-mail through a local SMTP server, and the store's group robots through a local HTTP
server that checks WeCom's and DingTalk's payloads and DingTalk's signature; a robot failing
twice is retried with back-off and then takes it; one that always fails is dead-lettered, and a
replay after it is fixed delivers once. Running the delivery again, or the dispatcher from the
start of the log, delivers nothing twice; the inbox rebuilt from the log equals the live one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from projections.notifications import queries
from projections.notifications.projection import NotificationsProjection
from projections.runner import set_tracking
from tests.integration.conftest import Api
from tests.integration.notify_receivers import (
    DINGTALK_SECRET,
    Mailbox,
    Webhooks,
    smtp_server,
    webhook_server,
)
from workers import broker as job_broker
from workers.actors.notifications import deliver_notifications
from workers.dispatcher import Dispatch
from workers.notify import store


def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, "not reached in time"
            return value
        time.sleep(0.05)


@pytest.fixture
def receivers(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Webhooks, Mailbox]]:
    with webhook_server() as hooks, smtp_server() as mailbox:
        monkeypatch.setenv("SHOWROOM_NOTIFY_HOSTS", "127.0.0.1")
        monkeypatch.setenv("SHOWROOM_NOTIFY_MAX_ATTEMPTS", "3")
        monkeypatch.setenv("SHOWROOM_NOTIFY_BACKOFF_SECONDS", "0.05")
        monkeypatch.setenv("SHOWROOM_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SHOWROOM_SMTP_PORT", str(mailbox.port))
        monkeypatch.setenv("SHOWROOM_PUBLIC_URL", "https://showroom.example")
        yield hooks, mailbox


def add_robot(api: Api, url: str, channel: str, secret: str | None = None) -> dict[str, Any]:
    body = {
        "store_id": str(api.world.store_a),
        "channel": channel,
        "name": f"floor {channel}",
        "url": url,
        "secret": secret,
        "kinds": ["lead_assigned"],
    }
    return api.ok(api.post("admin", "/notifications/robots", body))  # type: ignore[no-any-return]


def assign_a_lead(api: Api) -> str:
    lead = api.ok(
        api.post(
            "manager_a",
            "/leads",
            {
                "store_id": str(api.world.store_a),
                "channel": "walk_in",
                "customer_name": "Li Lei",
                "customer_phone": "13800138000",
            },
        )
    )
    body = {"salesperson_id": str(api.world.staff["sales_a1"])}
    api.ok(api.post("manager_a", f"/leads/{lead['id']}/assignment", body))
    return str(lead["id"])


def test_a_lead_assigned_reaches_inbox_mail_and_robots_once_with_retries_and_replay(
    api: Api, receivers: tuple[Webhooks, Mailbox]
) -> None:
    hooks, mailbox = receivers
    db = api.runtime.db
    # The store's robots: WeCom, DingTalk (signed), one that fails twice, one that is down.
    wecom = add_robot(api, hooks.url("/wecom"), "wecom")
    add_robot(api, hooks.url("/dingtalk"), "dingtalk", DINGTALK_SECRET)
    add_robot(api, hooks.url("/flaky"), "wecom")
    add_robot(api, hooks.url("/down"), "dingtalk")
    assert "t0ken" not in wecom["url"]  # shown masked, never in full
    prefs = {"email": "a1@example.com", "kinds": {"lead_assigned": ["email"]}}
    api.ok(
        api.client.put("/notifications/preferences", json=prefs, headers=api.headers("sales_a1")),
        200,
    )

    lead_id = assign_a_lead(api)

    eventually(lambda: len(mailbox.messages) == 1 and hooks.taken("/flaky"))
    eventually(lambda: store.counts(db).get("dead") == 1)
    [mail] = mailbox.messages
    assert mail["To"] == "a1@example.com"
    assert "线索" in mail.get_payload(decode=True).decode()  # zh-CN by default
    assert f"https://showroom.example/app/leads/{lead_id}" in mail.get_payload(decode=True).decode()
    [signed] = hooks.taken("/dingtalk")
    assert signed.query["timestamp"] and signed.body["msgtype"] == "markdown"
    assert len(hooks.taken("/wecom")) == 1
    assert len(hooks.tried("/flaky")) == 3  # two failures, then delivered after back-off
    assert len(hooks.tried("/down")) == 3  # the bounded attempts, then the dead-letter list

    # The inbox: the salesperson's, and nobody's who may not read the lead.
    [note] = api.ok(api.get("sales_a1", "/notifications"), 200)
    assert note["kind"] == "lead_assigned" and note["link"] == f"/app/leads/{lead_id}"
    assert not note["read"] and "线索" in note["text"]
    for other in ("sales_a2", "manager_b", "sales_b1", "finance"):
        assert api.ok(api.get(other, "/notifications"), 200) == []
    assert api.ok(api.get("sales_a1", "/notifications/unread"), 200) == {"unread": 1}
    marked = api.post("sales_a1", f"/notifications/{note['id']}/read")
    assert api.ok(marked, 200)["unread"] == 0
    assert api.post("sales_a2", f"/notifications/{note['id']}/read").status_code == 404

    # Dead letters: admins only; a replay after the receiver is fixed delivers exactly once.
    assert api.get("manager_a", "/notifications/dead-letters").status_code == 403
    [dead] = api.ok(api.get("admin", "/notifications/dead-letters"), 200)
    assert dead["state"] == "dead" and dead["attempts"] == 3
    hooks.down = False
    api.ok(api.post("admin", f"/notifications/deliveries/{dead['id']}/replay"), 202)
    again = api.post("admin", f"/notifications/deliveries/{dead['id']}/replay")
    assert again.status_code in (202, 409)  # pending already: 409, nothing sent twice
    eventually(lambda: len(hooks.taken("/down")) == 1)
    eventually(lambda: store.delivery(db, dead["id"])["state"] == "delivered")  # type: ignore[index]
    assert len(store.replays(db, dead["id"])) == 1
    assert api.post("admin", f"/notifications/deliveries/{dead['id']}/replay").status_code == 409

    # Delivering the event again, or the dispatcher replaying the whole log, sends nothing.
    sent = len(hooks.hits), len(mailbox.messages)
    job_broker.configure(api.runtime.settings, api.runtime)
    position = int(queries.all_rows(db)[0]["position"])
    deliver_notifications.fn(position=position)
    api.client.app.state.jobs.stop_dispatcher()  # type: ignore[attr-defined]
    with db.transaction() as tx:
        set_tracking(tx, "dispatcher", 0)
    restarted = Dispatch(
        api.runtime.app,
        db,
        api.client.app.state.jobs.dispatch.sender,  # type: ignore[attr-defined]
        lock_dir=api.runtime.settings.data_dir,
    )
    restarted.run_until_idle()
    api.client.app.state.jobs.join()  # type: ignore[attr-defined]
    assert (len(hooks.hits), len(mailbox.messages)) == sent

    # The inbox rebuilt from the log equals the live one; read marks survive the rebuild.
    live = queries.all_rows(db)
    assert api.runtime.runner.rebuild(NotificationsProjection()) is None
    assert queries.all_rows(db) == live
    assert api.ok(api.get("sales_a1", "/notifications/unread"), 200) == {"unread": 0}


def test_a_delivery_whose_process_died_during_the_call_is_not_sent_again_by_itself(
    api: Api, receivers: tuple[Webhooks, Mailbox]
) -> None:
    hooks, _ = receivers
    db = api.runtime.db
    api.client.app.state.jobs.stop_dispatcher()  # type: ignore[attr-defined]
    add_robot(api, hooks.url("/wecom"), "wecom")
    assign_a_lead(api)
    api.runtime.runner.run_until_caught_up()
    [event] = [r for r in db.query("SELECT position FROM rm_notify_event")]
    job_broker.configure(api.runtime.settings, api.runtime)
    from workers.notify import delivery

    [ident] = delivery.plan(db, int(event["position"]))
    with db.transaction() as tx:  # claimed, then the process was killed during the POST
        tx.execute("UPDATE notify_delivery SET state = 'sending', attempts = 1")

    deliver_notifications.fn(position=int(event["position"]))

    assert hooks.tried("/wecom") == []
    [unknown] = api.ok(api.get("admin", "/notifications/dead-letters"), 200)
    assert unknown["id"] == ident and unknown["state"] == "sending"


def kinds(api: Api, user: str) -> list[str]:
    return sorted(n["kind"] for n in api.ok(api.get(user, "/notifications"), 200))


def test_pay_notices_go_to_the_people_the_pay_rules_name_and_to_nobody_else(api: Api) -> None:
    from tests.integration.test_pay_periods_api import approved_may, fresh, step

    _world, period = approved_may(api)
    step(api, "sales_a1", period, "disputes", {"line": 4, "reason": "the split was 0.6"})
    dispute = api.ok(api.get("manager_a", f"/pay-periods/{period}", params=fresh(api)), 200)[
        "disputes"
    ][0]
    step(
        api,
        "manager_a",
        period,
        f"disputes/{dispute['dispute_id']}/resolution",
        {"resolution": "agreed: 0.6"},
    )
    api.runtime.runner.run_until_caught_up()

    eventually(lambda: "dispute_resolved" in kinds(api, "sales_a1"))
    assert {"dispute_resolved", "statement_ready"} <= set(kinds(api, "sales_a1"))
    assert "statement_ready" in kinds(api, "sales_a2")
    assert "dispute_raised" not in kinds(api, "sales_a2")
    assert "dispute_raised" in kinds(api, "manager_a") and "dispute_raised" in kinds(api, "finance")
    assert "dispute_raised" not in kinds(api, "manager_b")
    assert "approval_to_confirm" in kinds(api, "admin")  # the confirmer, not the requester
    assert "approval_to_confirm" not in kinds(api, "finance")
    assert kinds(api, "sales_b1") == [] and kinds(api, "auditor") == []
