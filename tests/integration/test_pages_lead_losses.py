"""The lost-leads pages: the salesperson's request on the lead page, the manager's queue
(reject needs a comment, shown beside the field; spot-check, approve, reopen) and the
loss-reason report with its chart, in Chinese and English, each in its reader's scope."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from tests.integration.conftest import PASSWORD, Api
from tests.integration.test_pages_floor import capture, lead_id_of
from tests.pages.client import PageClient


def signed_in(api: Api, username: str, language: str = "en") -> PageClient:
    """A browser of its own (its own cookies) signed in as `username`."""
    page = PageClient(TestClient(api.client.app, raise_server_exceptions=False))
    page.log_in(username, PASSWORD)
    page.client.post(
        "/app/language",
        data={"language": language, "next": "/app/", "csrf_token": page.csrf},
        follow_redirects=False,
    )
    page.get("/app/")
    return page


def fresh(api: Api, path: str) -> str:
    """The page once the views hold every write so far (read-your-writes)."""
    sep = "&" if "?" in path else "?"
    return f"{path}{sep}position={api.runtime.app.position()}"


def test_a_manager_works_the_queue_of_losses_from_request_to_reopening(api: Api) -> None:
    seller = signed_in(api, "sales_a1")
    lead_id = lead_id_of(capture(seller))
    asked = seller.post(
        f"/app/leads/{lead_id}/loss-request", {"reason": "competitor", "competitor": "Tesla"}
    )
    assert asked.status_code == 303
    lead_page = seller.get(fresh(api, f"/app/leads/{lead_id}"))
    assert "Loss awaiting approval" in lead_page.text
    assert "/loss-request" not in lead_page.text  # not requested twice from the page
    manager = signed_in(api, "manager_a")
    other = signed_in(api, "manager_b")

    queue = manager.get(fresh(api, "/app/losses"))
    assert queue.status_code == 200
    assert f'id="loss-{lead_id}"' in queue.text and "Tesla" in queue.text
    assert f'id="loss-{lead_id}"' not in other.get(fresh(api, "/app/losses")).text
    assert other.post(f"/app/losses/{lead_id}/approve", {}).status_code == 404

    manager.get(fresh(api, "/app/losses"))
    policy = manager.post("/app/losses/policy", {"spot_check_required": "on"})
    assert policy.status_code == 303
    manager.get(fresh(api, "/app/losses"))
    refused = manager.post(f"/app/losses/{lead_id}/approve", {})
    assert refused.status_code == 422 and "spot-check" in refused.text.lower()
    manager.get(fresh(api, "/app/losses"))
    no_comment = manager.post(f"/app/losses/{lead_id}/reject", {"comment": ""})
    assert no_comment.status_code == 422
    assert re.search(r'<p class="error">[^<]+</p>', no_comment.text)
    manager.get(fresh(api, "/app/losses"))
    checked = manager.post(f"/app/losses/{lead_id}/spot-check", {"outcome": "confirmed"})
    assert checked.status_code == 303
    manager.get(fresh(api, "/app/losses"))
    assert manager.post(f"/app/losses/{lead_id}/approve", {}).status_code == 303
    assert api.ok(api.get("sales_a1", f"/leads/{lead_id}"), 200)["status"] == "lost"

    lost = manager.get(fresh(api, "/app/losses"))
    assert f'id="lost-{lead_id}"' in lost.text
    reopened = manager.post(f"/app/losses/{lead_id}/reopen", {"reason": "she called back"})
    assert reopened.status_code == 303
    timeline = seller.get(fresh(api, f"/app/leads/{lead_id}")).text
    for line in ("Loss requested", "Spot-check call", "Loss approved", "Reopened"):
        assert line in timeline


def test_the_loss_reason_report_draws_its_chart_in_both_languages(api: Api) -> None:
    seller = signed_in(api, "sales_a1")
    lead_id = lead_id_of(capture(seller))
    seller.post(f"/app/leads/{lead_id}/loss-request", {"reason": "price"})
    manager = signed_in(api, "manager_a")
    manager.get(fresh(api, "/app/losses"))
    manager.post(f"/app/losses/{lead_id}/approve", {})

    english = manager.get(fresh(api, "/app/losses/report?by=salesperson"))
    chinese = signed_in(api, "manager_a", language="zh-CN").get(
        fresh(api, "/app/losses/report?by=model")
    )
    other = signed_in(api, "manager_b").get(fresh(api, "/app/losses/report"))

    assert english.status_code == 200 and "1 leads lost" in english.text
    chart = re.search(
        r'<script type="application/json" id="loss-chart">(.*?)</script>', english.text
    )
    assert chart is not None
    option = json.loads(chart.group(1))
    assert option["series"][0]["name"] == "Price" and option["series"][0]["data"] == [1]
    assert "战败原因" in chinese.text and "价格" in chinese.text
    assert "No lead was lost in this month." in other.text
