"""The boards' pages over a small group: who sees which board, and assigning from the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from tests.integration.conftest import PASSWORD, Api
from tests.pages.client import PageClient


def signed_in(api: Api, username: str) -> PageClient:
    page = PageClient(api.client)
    page.log_in(username, PASSWORD)
    return page


def capture(api: Api, store: UUID, phone: str, **extra: Any) -> str:
    body = {
        "store_id": str(store),
        "channel": "phone",
        "customer_name": "Wang Fang",
        "customer_phone": phone,
        "model_interest": "Seal",
        **extra,
    }
    lead_id: str = api.ok(api.post("admin", "/leads", json=body))["id"]
    return lead_id


def lead(api: Api, lead_id: str) -> Any:
    return api.ok(api.get("admin", f"/leads/{lead_id}"), 200)


def test_a_manager_reads_the_store_board_with_its_charts(api: Api) -> None:
    capture(api, api.world.store_a, "13800000001")
    page = signed_in(api, "manager_a")

    answer = page.get("/app/board")

    assert answer.status_code == 200
    assert 'data-chart="funnel-chart"' in answer.text
    assert 'data-chart="aging-chart"' in answer.text
    assert "门店看板" in answer.text


def test_a_salesperson_is_refused_the_store_board_as_the_api_refuses_the_funnel(
    api: Api,
) -> None:
    api_status = api.get("sales_a1", "/reports/funnel").status_code
    page = signed_in(api, "sales_a1")

    answer = page.get("/app/board")

    assert api_status == 403
    assert answer.status_code == 403


def test_a_manager_asking_for_another_stores_board_finds_nothing_as_in_the_api(
    api: Api,
) -> None:
    other = api.world.store_b
    api_status = api.get("manager_a", f"/reports/kpis?store_id={other}").status_code
    page = signed_in(api, "manager_a")

    answer = page.get(f"/app/board?store_id={other}")

    assert api_status == answer.status_code == 404


def test_a_malformed_store_or_month_is_not_found_not_an_error(api: Api) -> None:
    page = signed_in(api, "exec")

    assert page.get("/app/board?store_id=nope").status_code == 404
    assert page.get("/app/leaderboard?month=2026-13").status_code == 404


def test_the_executive_chooses_a_store_on_the_board(api: Api) -> None:
    page = signed_in(api, "exec")

    whole = page.get("/app/board")
    one = page.get(f"/app/board?store_id={api.world.store_b}")

    assert whole.status_code == one.status_code == 200
    assert 'name="store_id"' in whole.text
    assert "Tianhe Toyota" in one.text


def test_a_manager_has_no_store_choice(api: Api) -> None:
    page = signed_in(api, "manager_a")

    answer = page.get("/app/leaderboard")

    assert answer.status_code == 200
    assert 'name="store_id"' not in answer.text


def test_a_salesperson_sees_the_stores_leaderboard(api: Api) -> None:
    page = signed_in(api, "sales_a1")

    assert page.get("/app/leaderboard").status_code == 200


def test_the_queue_shows_an_unassigned_lead_linking_to_it(api: Api) -> None:
    lead_id = capture(api, api.world.store_a, "13800000002")
    page = signed_in(api, "manager_a")

    answer = page.get("/app/leads/queue")

    assert answer.status_code == 200
    assert f'href="/app/leads/{lead_id}"' in answer.text


def test_a_manager_assigns_a_lead_from_the_queue(api: Api) -> None:
    lead_id = capture(api, api.world.store_a, "13800000003")
    seller = api.world.staff["sales_a1"]
    page = signed_in(api, "manager_a")
    page.get("/app/leads/queue")

    answer = page.post(f"/app/leads/queue/{lead_id}/assignment", {"salesperson_id": str(seller)})

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/app/leads/queue?position=")
    assert lead(api, lead_id)["salesperson_id"] == str(seller)
    after = page.get(answer.headers["location"])
    assert f'href="/app/leads/{lead_id}"' not in after.text  # assigned just now: not slow


def test_assigning_to_a_salesperson_of_another_store_is_refused_inline(api: Api) -> None:
    lead_id = capture(api, api.world.store_a, "13800000004")
    stranger = api.world.staff["sales_b1"]
    page = signed_in(api, "manager_a")
    page.get("/app/leads/queue")

    answer = page.post(f"/app/leads/queue/{lead_id}/assignment", {"salesperson_id": str(stranger)})

    assert answer.status_code == 422
    assert f'id="sp-{lead_id}-error"' in answer.text
    assert "请选择该线索所在门店的销售顾问" in answer.text
    assert lead(api, lead_id)["salesperson_id"] is None


def test_assigning_to_nobody_known_is_refused_inline(api: Api) -> None:
    lead_id = capture(api, api.world.store_a, "13800000010")
    page = signed_in(api, "manager_a")
    page.get("/app/leads/queue")

    answer = page.post(
        f"/app/leads/queue/{lead_id}/assignment",
        {"salesperson_id": "00000000-0000-4000-8000-000000000000"},
    )

    assert answer.status_code == 422
    assert "请选择该线索所在门店的销售顾问" in answer.text
    assert lead(api, lead_id)["salesperson_id"] is None


def test_assigning_without_a_choice_is_refused_inline(api: Api) -> None:
    lead_id = capture(api, api.world.store_a, "13800000005")
    page = signed_in(api, "manager_a")
    page.get("/app/leads/queue")

    answer = page.post(f"/app/leads/queue/{lead_id}/assignment", {"salesperson_id": ""})

    assert answer.status_code == 422
    assert "请从列表中选择" in answer.text or f'id="sp-{lead_id}-error"' in answer.text
    assert lead(api, lead_id)["salesperson_id"] is None


def test_a_manager_cannot_assign_in_another_store_as_in_the_api(api: Api) -> None:
    lead_id = capture(api, api.world.store_a, "13800000006")
    seller = str(api.world.staff["sales_a1"])
    api_status = api.post(
        "manager_b", f"/leads/{lead_id}/assignment", json={"salesperson_id": seller}
    ).status_code
    page = signed_in(api, "manager_b")
    page.get("/app/leads/queue")

    answer = page.post(f"/app/leads/queue/{lead_id}/assignment", {"salesperson_id": seller})

    assert answer.status_code == api_status == 404
    assert lead(api, lead_id)["salesperson_id"] is None


def test_a_salesperson_cannot_reassign_their_lead_as_in_the_api(api: Api) -> None:
    mine = api.world.staff["sales_a1"]
    lead_id = capture(api, api.world.store_a, "13800000007", salesperson_id=str(mine))
    colleague = str(api.world.staff["sales_a2"])
    api_status = api.post(
        "sales_a1", f"/leads/{lead_id}/assignment", json={"salesperson_id": colleague}
    ).status_code
    page = signed_in(api, "sales_a1")
    page.get("/app/leads/queue")

    answer = page.post(f"/app/leads/queue/{lead_id}/assignment", {"salesperson_id": colleague})

    assert answer.status_code == api_status == 403
    assert lead(api, lead_id)["salesperson_id"] == str(mine)


def test_a_lead_unanswered_for_long_shows_as_slow(api: Api) -> None:
    seller = api.world.staff["sales_a1"]
    earlier = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    lead_id = capture(
        api, api.world.store_a, "13800000008", salesperson_id=str(seller), occurred_at=earlier
    )
    page = signed_in(api, "manager_a")

    answer = page.get("/app/leads/queue?wait=60")

    assert f'href="/app/leads/{lead_id}"' in answer.text
    assert "Sales A1" in answer.text


def test_a_quoted_deal_left_for_days_waits_on_someone(api: Api) -> None:
    lead_id = capture(api, api.world.store_a, "13800000009")
    customer = lead(api, lead_id)["customer_id"]
    earlier = (datetime.now(UTC) - timedelta(days=5)).isoformat()
    deal = api.ok(
        api.post(
            "manager_a",
            "/deals",
            json={
                "store_id": str(api.world.store_a),
                "customer_id": customer,
                "salesperson_id": str(api.world.staff["sales_a1"]),
                "lead_id": lead_id,
                "occurred_at": earlier,
            },
        )
    )
    page = signed_in(api, "manager_a")

    waiting = page.get("/app/deals/waiting?days=3")
    recent_only = page.get("/app/deals/waiting?days=7")

    assert f'href="/app/deals/{deal["id"]}"' in waiting.text
    assert f'href="/app/deals/{deal["id"]}"' not in recent_only.text


def test_the_executive_sees_the_stores_side_by_side(api: Api) -> None:
    page = signed_in(api, "exec")

    answer = page.get("/app/stores")

    assert answer.status_code == 200
    assert "Pudong BYD" in answer.text and "Tianhe Toyota" in answer.text
    assert 'data-chart="units-chart"' in answer.text


def test_the_boards_read_in_english(api: Api) -> None:
    page = signed_in(api, "exec")
    page.post("/app/language", {"language": "en", "next": "/app/board"})

    answer = page.get("/app/board")

    assert "Store board" in answer.text
    assert "Funnel by channel" in answer.text


def test_the_board_shows_the_stores_targets_against_the_month(api: Api) -> None:
    month = datetime.now(UTC).strftime("%Y-%m")
    api.ok(
        api.post(
            "admin",
            "/targets",
            json={
                "scope": "store",
                "subject_id": str(api.world.store_a),
                "month": month,
                "kpi_id": "units",
                "kpi_version": 1,
                "value": "40",
            },
        )
    )
    page = signed_in(api, "manager_a")

    answer = page.get(f"/app/board?month={month}")

    assert "交车台数" in answer.text  # the KPI's Chinese name
    assert '<td class="num">40</td>' in answer.text
    assert "本月尚未设定门店目标" not in answer.text


def test_only_a_role_that_may_assign_is_offered_the_assign_form(api: Api) -> None:
    """The group executive reads the queue; the assign form is the manager's (MANAGERS)."""
    lead_id = capture(api, api.world.store_a, "13800000011")
    action = f"/app/leads/queue/{lead_id}/assignment"

    as_manager = signed_in(api, "manager_a").get("/app/leads/queue")
    as_exec = signed_in(api, "exec").get("/app/leads/queue")

    assert action in as_manager.text
    assert as_exec.status_code == 200 and f'href="/app/leads/{lead_id}"' in as_exec.text
    assert action not in as_exec.text
