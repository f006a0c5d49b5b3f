"""The salesperson's floor pages: my day, quick capture, a lead, a customer."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.shared.access import Reach, read_scope
from domain.shared.actor import Principal, Role
from projections.directory import queries as directory
from tests.integration.conftest import PASSWORD, Api
from tests.pages.client import PageClient

PHONE = "13912345678"


def signed_in(api: Api, username: str, language: str = "en") -> PageClient:
    page = PageClient(api.client)
    page.log_in(username, PASSWORD)
    page.client.post(
        "/app/language",
        data={"language": language, "next": "/app/", "csrf_token": page.csrf},
        follow_redirects=False,
    )
    page.get("/app/")
    return page


def leads_of(api: Api, username: str) -> list[dict[str, Any]]:
    """The user's leads once the views have every write so far (read-your-writes)."""
    position = api.runtime.app.position()
    answer = api.get(username, f"/leads?position={position}")
    items: list[dict[str, Any]] = api.ok(answer, 200)["items"]
    return items


def capture(page: PageClient, name: str = "Wang Fang", phone: str = PHONE, **more: str) -> str:
    page.get("/app/leads/new")
    answer = page.post(
        "/app/leads/new",
        {"customer_name": name, "customer_phone": phone, "channel": "walk_in", **more},
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def lead_id_of(location: str) -> str:
    found = re.search(r"/app/leads/([0-9a-f-]{36})", location)
    assert found, location
    return found.group(1)


def test_a_capture_with_a_bad_phone_is_refused_beside_the_field_and_writes_nothing(
    api: Api,
) -> None:
    page = signed_in(api, "sales_a1")
    page.get("/app/leads/new")

    answer = page.post(
        "/app/leads/new",
        {"customer_name": "Wang Fang", "customer_phone": "12345", "channel": "walk_in"},
    )

    assert answer.status_code == 422
    assert 'id="f-customer_phone-error"' in answer.text
    assert "Enter a mainland mobile number of 11 digits." in answer.text
    assert leads_of(api, "sales_a1") == []


def test_a_capture_lands_on_the_new_leads_page_which_shows_it(api: Api) -> None:
    page = signed_in(api, "sales_a1")

    location = capture(page, model_interest="Han EV")
    shown = page.get(location)

    assert "position=" in location
    assert shown.status_code == 200
    assert "Wang Fang" in shown.text and "Han EV" in shown.text
    assert [lead["id"] for lead in leads_of(api, "sales_a1")] == [lead_id_of(location)]


def test_a_double_submit_with_the_same_form_key_captures_one_lead(api: Api) -> None:
    page = signed_in(api, "sales_a1")
    page.get("/app/leads/new")
    form = {"customer_name": "Wang Fang", "customer_phone": PHONE, "channel": "phone"}

    first = page.post("/app/leads/new", form, key="same-tap")
    second = page.post("/app/leads/new", form, key="same-tap")

    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert len(leads_of(api, "sales_a1")) == 1


def test_a_second_capture_for_a_known_phone_lands_on_the_customers_open_lead(api: Api) -> None:
    # The store's de-duplication (docs/lead-dedup.md): the customer is reused and, their lead
    # being open, the enquiry is recorded on it; the page says so.
    page = signed_in(api, "sales_a1")

    first = capture(page)
    second = capture(page, name="Wang Fang")

    assert lead_id_of(first) == lead_id_of(second) and "enquiry=1" in second
    assert len(leads_of(api, "sales_a1")) == 1
    shown = page.get(second)
    assert "Enquiry again" in shown.text or "再次咨询" in shown.text


def test_another_salespersons_lead_and_customer_are_not_found_as_in_the_api(api: Api) -> None:
    lead_id = lead_id_of(capture(signed_in(api, "sales_a1")))
    customer_id = leads_of(api, "sales_a1")[0]["customer_id"]
    other = signed_in(api, "sales_a2")

    pages = [other.get(f"/app/leads/{lead_id}"), other.get(f"/app/customers/{customer_id}")]
    apis = [
        api.get("sales_a2", f"/leads/{lead_id}"),
        api.get("sales_a2", f"/customers/{customer_id}"),
    ]
    written = other.post(f"/app/leads/{lead_id}/activities", {"kind": "call"})

    assert [a.status_code for a in pages] == [a.status_code for a in apis] == [404, 404]
    assert written.status_code == 404
    assert api.ok(api.get("sales_a1", f"/leads/{lead_id}"), 200)["activities"] == 0


def test_a_role_that_reads_but_does_not_sell_may_not_log_a_call(api: Api) -> None:
    lead_id = lead_id_of(capture(signed_in(api, "sales_a1")))
    finance = signed_in(api, "finance")

    answer = finance.post(f"/app/leads/{lead_id}/activities", {"kind": "call"})

    assert answer.status_code == 403
    assert api.ok(api.get("sales_a1", f"/leads/{lead_id}"), 200)["activities"] == 0


def test_a_call_logged_in_one_tap_shows_in_the_timeline_and_answers_the_lead(api: Api) -> None:
    page = signed_in(api, "sales_a1")
    lead_id = lead_id_of(capture(page))

    answer = page.post(
        f"/app/leads/{lead_id}/activities", {"kind": "call", "note": "Wants a test drive"}
    )
    shown = page.get(answer.headers["location"])

    assert answer.status_code == 303
    assert "Wants a test drive" in shown.text
    assert api.ok(api.get("sales_a1", f"/leads/{lead_id}"), 200)["first_response_at"]


def test_an_appointment_is_booked_in_the_stores_zone_and_marked_shown(api: Api) -> None:
    page = signed_in(api, "sales_a1")
    lead_id = lead_id_of(capture(page))
    local = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).replace(
        hour=10, minute=30, second=0, microsecond=0
    )

    booked = page.post(
        f"/app/leads/{lead_id}/appointments",
        {"scheduled_for": local.strftime("%Y-%m-%dT%H:%M"), "purpose": "test_drive"},
    )
    lead = api.ok(api.get("sales_a1", f"/leads/{lead_id}"), 200)
    shown_page = page.get(booked.headers["location"])
    shown = page.post(f"/app/leads/{lead_id}/appointments/{lead['appointment_id']}/shown", {})

    assert booked.status_code == 303 and shown.status_code == 303
    assert datetime.fromisoformat(lead["appointment_for"]) == local
    assert local.strftime("%Y-%m-%d %H:%M") in shown_page.text
    assert api.ok(api.get("sales_a1", f"/leads/{lead_id}"), 200)["appointments_shown"] == 1


def test_a_no_show_before_the_appointment_time_is_refused_on_the_page(api: Api) -> None:
    page = signed_in(api, "sales_a1")
    lead_id = lead_id_of(capture(page))
    later = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=2)
    page.post(
        f"/app/leads/{lead_id}/appointments",
        {"scheduled_for": later.strftime("%Y-%m-%dT%H:%M"), "purpose": "visit"},
    )
    appointment = api.ok(api.get("sales_a1", f"/leads/{lead_id}"), 200)["appointment_id"]

    answer = page.post(f"/app/leads/{lead_id}/appointments/{appointment}/no-show", {})

    assert answer.status_code == 422
    assert 'class="error banner"' in answer.text
    assert api.ok(api.get("sales_a1", f"/leads/{lead_id}"), 200)["appointments_missed"] == 0


def test_an_appointment_without_a_time_is_refused_beside_the_field(api: Api) -> None:
    page = signed_in(api, "sales_a1")
    lead_id = lead_id_of(capture(page))

    answer = page.post(
        f"/app/leads/{lead_id}/appointments", {"scheduled_for": "", "purpose": "visit"}
    )

    assert answer.status_code == 422
    assert 'id="f-scheduled_for-error"' in answer.text


def test_requesting_a_loss_for_another_reason_needs_a_note(api: Api) -> None:
    page = signed_in(api, "sales_a1")
    lead_id = lead_id_of(capture(page))

    path = f"/app/leads/{lead_id}/loss-request"
    refused = page.post(path, {"reason": "other", "loss_note": ""})
    asked = page.post(path, {"reason": "price", "competitor": "Tesla", "loss_note": ""})

    assert refused.status_code == 422 and 'id="f-loss_note-error"' in refused.text
    assert asked.status_code == 303
    assert api.ok(api.get("sales_a1", f"/leads/{lead_id}"), 200)["status"] == "pending_loss"


def test_the_lead_page_offers_to_open_a_deal_with_the_lead(api: Api) -> None:
    page = signed_in(api, "sales_a1")
    location = capture(page)

    shown = page.get(location)

    assert 'action="/app/deals/new"' in shown.text
    assert f'name="lead_id" value="{lead_id_of(location)}"' in shown.text


def _capture_api(api: Api, phone: str, name: str, at: datetime) -> str:
    body = {
        "store_id": str(api.world.store_a),
        "channel": "phone",
        "customer_name": name,
        "customer_phone": phone,
        "occurred_at": at.isoformat(),
    }
    lead_id: str = api.ok(api.post("sales_a1", "/leads", body))["id"]
    return lead_id


def test_my_day_puts_new_leads_first_then_todays_appointments_then_follow_ups(
    api: Api,
) -> None:
    now = datetime.now(UTC)
    quiet = _capture_api(api, "13900000001", "Quiet Follow", now - timedelta(days=5))
    api.ok(
        api.post(
            "sales_a1",
            f"/leads/{quiet}/activities",
            {"kind": "call", "occurred_at": (now - timedelta(days=4)).isoformat()},
        )
    )
    booked = _capture_api(api, "13900000002", "Booked Today", now - timedelta(days=1))
    earlier = (now - timedelta(hours=2)).isoformat()
    api.ok(
        api.post(
            "sales_a1", f"/leads/{booked}/activities", {"kind": "call", "occurred_at": earlier}
        )
    )
    api.ok(
        api.post(
            "sales_a1",
            f"/leads/{booked}/appointments",
            {
                "scheduled_for": (now - timedelta(minutes=5)).isoformat(),
                "purpose": "visit",
                "occurred_at": earlier,
            },
        )
    )
    fresh = _capture_api(api, "13900000003", "Fresh Walkin", now - timedelta(minutes=20))
    position = api.runtime.app.position()
    page = signed_in(api, "sales_a1")

    shown = page.get(f"/app/my-day?position={position}")

    names = re.findall(r"<strong>(Quiet Follow|Booked Today|Fresh Walkin)</strong>", shown.text)
    assert shown.status_code == 200
    assert names == ["Fresh Walkin", "Booked Today", "Quiet Follow"]
    assert "Waiting 20 min" in shown.text
    assert fresh and f"/app/leads/{fresh}" in shown.text


def test_my_day_shows_only_the_salespersons_own_leads_and_the_managers_their_store(
    api: Api,
) -> None:
    capture(signed_in(api, "sales_a1"), name="Mine Only")

    theirs = signed_in(api, "sales_a2").get("/app/my-day")
    managers = signed_in(api, "manager_a").get("/app/my-day")
    other_store = signed_in(api, "manager_b").get("/app/my-day")

    assert "Mine Only" not in theirs.text
    assert "Mine Only" in managers.text
    assert "Mine Only" not in other_store.text


def test_the_customer_page_lists_their_leads_and_saves_preferences_and_consent(
    api: Api,
) -> None:
    page = signed_in(api, "sales_a1")
    lead_id = lead_id_of(capture(page))
    customer_id = leads_of(api, "sales_a1")[0]["customer_id"]

    shown = page.get(f"/app/customers/{customer_id}")
    saved = page.post(
        f"/app/customers/{customer_id}/preferences",
        {"model": "Seal", "colour": "Blue", "trim": "", "budget": "250000"},
    )
    consented = page.post(
        f"/app/customers/{customer_id}/consents", {"channel": "wechat", "granted": "yes"}
    )

    assert f"/app/leads/{lead_id}" in shown.text
    assert saved.status_code == consented.status_code == 303
    customer = api.ok(api.get("sales_a1", f"/customers/{customer_id}"), 200)
    assert customer["preferences"]["model"] == "Seal"
    assert customer["preferences"]["budget"] == "250000.00"
    assert customer["consents"] == {"wechat": True}


def test_a_budget_that_is_not_an_amount_is_refused_beside_the_field(api: Api) -> None:
    page = signed_in(api, "sales_a1")
    capture(page)
    customer_id = leads_of(api, "sales_a1")[0]["customer_id"]

    answer = page.post(f"/app/customers/{customer_id}/preferences", {"budget": "lots"})

    assert answer.status_code == 422 and 'id="f-budget-error"' in answer.text
    customer = api.ok(api.get("sales_a1", f"/customers/{customer_id}"), 200)
    assert customer["preferences"]["budget"] is None


@pytest.mark.parametrize(
    ("language", "heading", "button"),
    [("en", "My day", "New lead"), ("zh-CN", "我的一天", "新建线索")],
)
def test_the_floor_pages_speak_english_and_chinese(
    api: Api, language: str, heading: str, button: str
) -> None:
    page = signed_in(api, "sales_a1", language=language)
    location = capture(page)

    day = page.get("/app/my-day?" + location.split("?")[1])
    lead = page.get(location)

    assert f"<h1>{heading}</h1>" in day.text
    assert button in day.text
    assert lead.status_code == 200
    if language == "zh-CN":
        assert "记录联系" in lead.text and "试驾" in lead.text
    else:
        assert "Log a contact" in lead.text and "Test drive" in lead.text


def test_an_auto_reply_leaves_a_lead_unanswered_and_a_late_entered_call_is_its_first_response(
    api: Api,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    lead = _capture_api(api, "13900000004", "Late Entry", now - timedelta(days=3))

    def log(kind: str, at: datetime, automated: bool = False) -> None:
        body = {"kind": kind, "automated": automated, "occurred_at": at.isoformat()}
        api.ok(api.post("sales_a1", f"/leads/{lead}/activities", body))

    log("message", now - timedelta(days=3) + timedelta(minutes=1), automated=True)
    page = signed_in(api, "sales_a1")
    unanswered = page.get(f"/app/my-day?position={api.runtime.app.position()}")
    log("call", now - timedelta(hours=1))
    log("call", now - timedelta(days=2))
    page.get(f"/app/my-day?position={api.runtime.app.position()}")

    line = directory.list_due_leads(
        api.runtime.db,
        scope=read_scope(
            Principal(
                user_id="sales_a1",
                role=Role.SALESPERSON,
                store_id=api.world.store_a,
                staff_id=api.world.staff["sales_a1"],
            ),
            reach=Reach.OWN,
        ),
        day_ends=now,
        follow_up_by=now.date(),
    )["items"][0]

    assert "Waiting 3 days" in unanswered.text
    assert line["first_response_at"] == now - timedelta(days=2)
    assert line["last_activity_at"] == now - timedelta(hours=1)
    assert line["due"] == "later"


def test_the_json_api_lists_open_leads_by_what_is_due_as_my_day_does(api: Api) -> None:
    now = datetime.now(UTC)
    old = _capture_api(api, "13900000005", "Old Contact", now - timedelta(days=6))
    api.ok(
        api.post(
            "sales_a1",
            f"/leads/{old}/activities",
            {"kind": "visit", "occurred_at": (now - timedelta(days=5)).isoformat()},
        )
    )
    fresh = _capture_api(api, "13900000006", "New Enquiry", now - timedelta(hours=3))
    position = api.runtime.app.position()

    mine = api.ok(api.get("sales_a1", f"/leads/due?position={position}"), 200)
    theirs = api.ok(api.get("sales_a2", f"/leads/due?position={position}"), 200)

    assert [(x["id"], x["due"]) for x in mine["items"]] == [(fresh, "new"), (old, "follow_up")]
    assert mine["items"][0]["customer_name"] == "New Enquiry"
    assert theirs["items"] == [] and theirs["total"] == 0


def test_the_capture_form_preselects_walk_in_or_the_channel_asked_for(api: Api) -> None:
    page = signed_in(api, "sales_a1")

    walk_in = page.get("/app/leads/new")
    phone = page.get("/app/leads/new?channel=phone")
    unknown = page.get("/app/leads/new?channel=carrier-pigeon")

    assert '<option value="walk_in" selected>' in walk_in.text
    assert '<option value="phone" selected>' in phone.text
    assert '<option value="walk_in" selected>' in unknown.text
    assert 'type="tel"' in walk_in.text


def test_a_call_entered_late_keeps_the_time_it_happened_and_a_future_one_is_refused(
    api: Api,
) -> None:
    lead_id = _capture_api(
        api, "13900000007", "Called Back", datetime.now(UTC) - timedelta(hours=2)
    )
    page = signed_in(api, "sales_a1")
    local = datetime.now(ZoneInfo("Asia/Shanghai")).replace(second=0, microsecond=0)
    earlier, later = local - timedelta(minutes=30), local + timedelta(hours=2)

    refused = page.post(
        f"/app/leads/{lead_id}/activities",
        {"kind": "call", "occurred_at": later.strftime("%Y-%m-%dT%H:%M")},
    )
    logged = page.post(
        f"/app/leads/{lead_id}/activities",
        {"kind": "call", "occurred_at": earlier.strftime("%Y-%m-%dT%H:%M")},
    )

    assert refused.status_code == 422 and 'id="f-occurred_at-error"' in refused.text
    assert logged.status_code == 303
    lead = api.ok(api.get("sales_a1", f"/leads/{lead_id}"), 200)
    assert datetime.fromisoformat(lead["first_response_at"]) == earlier


def test_an_appointment_in_the_past_is_refused_beside_the_field(api: Api) -> None:
    page = signed_in(api, "sales_a1")
    lead_id = lead_id_of(capture(page))
    past = datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(hours=1)

    answer = page.post(
        f"/app/leads/{lead_id}/appointments",
        {"scheduled_for": past.strftime("%Y-%m-%dT%H:%M"), "purpose": "visit"},
    )

    assert answer.status_code == 422 and 'id="f-scheduled_for-error"' in answer.text
    assert api.ok(api.get("sales_a1", f"/leads/{lead_id}"), 200)["appointment_id"] is None


def test_the_lead_pages_open_a_deal_form_opens_a_deal_for_the_lead(api: Api) -> None:
    page = signed_in(api, "sales_a1")
    location = capture(page)
    lead_id = lead_id_of(location)
    page.get(location)

    answer = page.post("/app/deals/new", {"lead_id": lead_id})

    assert answer.status_code == 303 and "/app/deals/" in answer.headers["location"]
    lead = api.ok(api.get("sales_a1", f"/leads/{lead_id}"), 200)
    assert lead["status"] == "converted" and lead["deal_id"]
