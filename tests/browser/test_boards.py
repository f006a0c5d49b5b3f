"""The manager's boards in a real browser: assign a lead from the queue, then read the board."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, no_horizontal_scroll, password_of


def capture_unassigned_lead(live: Server, phone: str) -> str:
    """A phone enquiry the manager has not given anyone yet (through the JSON API)."""
    with httpx.Client(base_url=live.url) as api:
        token = api.post(
            "/auth/token", data={"username": "manager1", "password": password_of("manager1")}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        store_id = api.get("/stores", headers=headers).json()["items"][0]["id"]
        answer = api.post(
            "/leads",
            headers=headers,
            json={
                "store_id": store_id,
                "channel": "phone",
                "customer_name": "周雪",
                "customer_phone": phone,
                "model_interest": "秦 PLUS",
            },
        )
        assert answer.status_code == 201, answer.text
        lead_id: str = answer.json()["id"]
        return lead_id


def waiting_on_the_board(page: Page) -> int:
    page.goto("/app/board")
    return int(page.locator("#waiting-leads").inner_text())


def test_a_manager_assigns_a_lead_from_the_queue_and_reads_the_board(
    new_page: Callable[..., Page], live: Server, size: str
) -> None:
    """The new lead waits in the queue, unassigned; the manager gives it to a salesperson of the
    store, it leaves the queue, and the board counts one lead fewer waiting."""
    phone = "1391234567" + ("1" if size == "phone" else "2")
    lead_id = capture_unassigned_lead(live, phone)
    page = new_page(size, user="manager1")
    before = waiting_on_the_board(page)

    page.goto("/app/leads/queue")
    row = page.locator(f"#lead-{lead_id}")
    expect(row.locator(".badge")).to_be_visible()
    assert no_horizontal_scroll(page)
    row.locator("select[name=salesperson_id]").select_option(index=1)
    row.locator("button[type=submit]").click()
    page.wait_for_url("**/app/leads/queue?*position=*")

    expect(page.locator(f"#lead-{lead_id}")).to_have_count(0)
    assert waiting_on_the_board(page) == before - 1


def test_the_board_draws_its_charts(new_page: Callable[..., Page], size: str) -> None:
    """The funnel and the stock aging are drawn (a canvas in each chart) and the page fits."""
    page = new_page(size, user="manager1")
    page.goto("/app/board")

    expect(page.locator("[data-chart=funnel-chart] canvas")).to_have_count(1)
    expect(page.locator("[data-chart=aging-chart] canvas")).to_have_count(1)
    assert no_horizontal_scroll(page)


def test_the_executive_sees_the_stores_trends(new_page: Callable[..., Page], size: str) -> None:
    """The group's stores side by side, with their month trends drawn."""
    page = new_page(size, user="exec")
    page.goto("/app/stores")

    expect(page.locator("[data-chart=units-chart] canvas")).to_have_count(1)
    expect(page.locator("[data-chart=gross-chart] canvas")).to_have_count(1)
    assert no_horizontal_scroll(page)


def test_the_leaderboard_shows_the_salespeoples_names(
    new_page: Callable[..., Page], size: str
) -> None:
    """Staff names are sealed in the views: the page shows them revealed (a person's name in
    each line of the ranking and on the chart's axis), never a sealed string."""
    page = new_page(size, user="exec")
    page.goto("/app/leaderboard")

    names = page.locator("table tbody tr td:nth-child(2)").all_inner_texts()
    assert names and all(name.strip() and "pii:" not in name for name in names)
    assert "pii:" not in page.content()
