"""The response-time pages: the store's limits per channel (managers only; a warning at or
after the limit refused inline in the user's language, nothing written), and the month's
report with its buckets and breach rates for the manager, in English and Chinese."""

from __future__ import annotations

from typing import Any

from domain.shared.actor import SYSTEM
from tests.integration.conftest import Api
from tests.integration.test_pages_floor import signed_in


def test_the_manager_sets_the_limits_and_reads_the_report(api: Api) -> None:
    manager = signed_in(api, "manager_a", language="zh_CN")
    settings = manager.get("/app/response-sla/settings")
    assert settings.status_code == 200 and "响应时限设置" in settings.text
    assert 'name="default_limit" type="number"' in settings.text
    before = api.runtime.app.position()

    bad = manager.post(
        "/app/response-sla/settings",
        {"default_warn": "15", "default_limit": "15", "default_reassign": "30", "version": "0"},
    )

    assert bad.status_code == 422 and "预警必须早于时限" in bad.text
    assert api.runtime.app.position() == before
    good = manager.post(
        "/app/response-sla/settings",
        {
            "default_warn": "10",
            "default_limit": "15",
            "default_reassign": "30",
            "phone_warn": "5",
            "phone_limit": "10",
            "phone_reassign": "20",
            "version": "0",
        },
    )
    assert good.status_code == 303
    shown = manager.get(good.headers["location"])
    assert 'name="phone_limit" type="number" min="1" max="1440" inputmode="numeric"' in shown.text
    rules: Any = api.runtime.response_sla.get_policy(SYSTEM, api.world.store_a)["rules"]
    assert rules["phone"] == {"limit_minutes": 10, "warn_minutes": 5, "reassign_minutes": 20}

    report = manager.get("/app/response-sla")
    assert (
        report.status_code == 200 and "首次响应时间" in report.text and "4 小时以上" in report.text
    )
    english = signed_in(api, "manager_a").get("/app/response-sla")
    assert "Breach rate" in english.text and "Over 4 h" in english.text


def test_a_salesperson_may_not_change_the_limits(api: Api) -> None:
    page = signed_in(api, "sales_a1")

    refused = page.post(
        "/app/response-sla/settings",
        {"default_warn": "10", "default_limit": "15", "default_reassign": "30"},
    )

    assert refused.status_code == 403
