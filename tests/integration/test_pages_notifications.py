"""Notification pages: the inbox and the header's badge show a salesperson their new lead and
nothing of anyone else's; opening it marks it read; one's settings refuse a bad address beside
its field and never show a saved webhook in full; the admin's robots page is the admin's only,
and a robot's URL and secret are never shown back."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.conftest import PASSWORD, Api
from tests.integration.test_notifications import assign_a_lead, eventually
from tests.pages.client import PageClient


def browser(api: Api, username: str) -> PageClient:
    page = PageClient(TestClient(api.client.app, raise_server_exceptions=False))
    page.log_in(username, PASSWORD)
    return page


def test_the_inbox_and_badge_show_ones_own_notices_and_opening_one_marks_it_read(
    api: Api,
) -> None:
    lead_id = assign_a_lead(api)
    mine, colleague = browser(api, "sales_a1"), browser(api, "sales_a2")
    eventually(lambda: 'data-count="1"' in mine.get("/app/inbox/badge").text)

    inbox = mine.get("/app/inbox")
    other = colleague.get("/app/inbox")
    [ident] = [
        line.split("/app/inbox/")[1].split("/read")[0]
        for line in inbox.text.splitlines()
        if "/app/inbox/" in line and "/read" in line and "read-all" not in line
    ][:1]
    opened = mine.post(f"/app/inbox/{ident}/read", {"next": f"/app/leads/{lead_id}"})

    assert "线索" in inbox.text and 'class="inbox-item unread"' in inbox.text
    assert "inbox-item" not in other.text
    assert opened.status_code == 303 and opened.headers["location"] == f"/app/leads/{lead_id}"
    assert "data-count" not in mine.get("/app/inbox/badge").text
    assert 'id="inbox-badge"' in mine.get("/app/account").text  # every page's header
    away = mine.post(f"/app/inbox/{ident}/read", {"next": "https://elsewhere.example/"})
    assert away.headers["location"] == "/app/inbox"


def test_settings_refuse_bad_input_inline_and_the_robots_page_is_the_admins_and_masks_secrets(
    api: Api, monkeypatch: object
) -> None:
    page = browser(api, "sales_a1")
    page.get("/app/account/notifications")

    bad = page.post(
        "/app/account/notifications", {"email": "not-mail", "lead_assigned:email": "on"}
    )
    host = page.post(
        "/app/account/notifications", {"wecom_url": "http://10.0.0.1/hook?key=secret-key"}
    )
    good = page.post(
        "/app/account/notifications", {"email": "a1@example.com", "lead_assigned:email": "on"}
    )

    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert host.status_code == 422 and "secret-key" not in host.text.split("<form")[0]
    assert good.status_code == 303
    assert "a1@example.com" in page.get("/app/account/notifications").text

    assert browser(api, "manager_a").get("/app/admin/notifications").status_code == 403
    admin = browser(api, "admin")
    admin.get("/app/admin/notifications")
    added = admin.post(
        "/app/admin/notifications/robots",
        {
            "store_id": str(api.world.store_a),
            "channel": "dingtalk",
            "name": "Floor group",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789",
            "secret": "SECtopsecretvalue",
            "language": "zh-CN",
            "kind:lead_assigned": "on",
        },
    )
    shown = admin.get("/app/admin/notifications").text
    assert added.status_code == 303
    assert "Floor group" in shown
    assert "abcdef0123456789" not in shown and "SECtopsecretvalue" not in shown
