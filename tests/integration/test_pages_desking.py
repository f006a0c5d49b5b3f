"""The deal desk's pages: the store manager's rules page (a falling step shown beside the field),
the deal page's approval section (the contract refused inline while approval is missing or
pending, the refusal's reason shown), the approvers' queue (refuse needs a reason; approve), the
structure and order forms, in Chinese and English, each in its reader's scope."""

from __future__ import annotations

from tests.integration.conftest import Api
from tests.integration.test_desking_api import _deal, _quote
from tests.integration.test_pages_lead_losses import fresh, signed_in


def test_a_discount_goes_from_the_deal_page_through_the_queue_to_the_contract(api: Api) -> None:
    manager = signed_in(api, "manager_a")
    manager.get(fresh(api, "/app/approvals/rules"))
    falling = manager.post(
        "/app/approvals/rules",
        {"discount_team_leader": "5", "discount_manager": "3", "floor_level": "manager",
         "loss_level": "general_manager", "store_id": str(api.world.store_a)},
    )  # fmt: skip
    assert falling.status_code == 422 and 'class="error' in falling.text
    manager.get(fresh(api, "/app/approvals/rules"))
    saved = manager.post(
        "/app/approvals/rules",
        {"discount_team_leader": "3", "discount_manager": "5", "discount_general_manager": "10",
         "floor_prices": "Seal: 160000", "floor_level": "manager", "loss_level": "general_manager",
         "loss_rule": "on", "store_id": str(api.world.store_a)},
    )  # fmt: skip
    assert saved.status_code == 303
    rules_page = manager.get(fresh(api, "/app/approvals/rules"))
    assert "Seal: 160000" in rules_page.text

    deal_id = _deal(api, 7)
    _quote(api, deal_id, "12000")
    seller = signed_in(api, "sales_a1")
    page = seller.get(fresh(api, f"/app/deals/{deal_id}"))
    assert "This quote needs approval by: Manager" in page.text
    unasked = seller.post(f"/app/deals/{deal_id}/contract", {})
    assert unasked.status_code == 422 and "needs approval first" in unasked.text
    seller.get(fresh(api, f"/app/deals/{deal_id}"))
    asked = seller.post(f"/app/deals/{deal_id}/approval-request", {"approval_note": "loyal"})
    assert asked.status_code == 303
    pending = seller.get(fresh(api, f"/app/deals/{deal_id}"))
    assert "Waiting for approval" in pending.text

    other = signed_in(api, "manager_b")
    assert f'id="deal-{deal_id}"' not in other.get(fresh(api, "/app/approvals")).text
    queue = manager.get(fresh(api, "/app/approvals"))
    assert f'id="deal-{deal_id}"' in queue.text and "6.67 %" in queue.text
    no_reason = manager.post(f"/app/approvals/{deal_id}/refuse", {"reason": ""})
    assert no_reason.status_code == 422
    manager.get(fresh(api, "/app/approvals"))
    assert (
        manager.post(f"/app/approvals/{deal_id}/refuse", {"reason": "5 % at most"}).status_code
        == 303
    )
    refused = seller.get(fresh(api, f"/app/deals/{deal_id}"))
    assert "Refused" in refused.text and "5 % at most" in refused.text

    _quote(api, deal_id, "8000")
    seller.get(fresh(api, f"/app/deals/{deal_id}"))
    assert seller.post(f"/app/deals/{deal_id}/approval-request", {}).status_code == 303
    manager.get(fresh(api, "/app/approvals"))
    assert manager.post(f"/app/approvals/{deal_id}/approve", {"note": "ok"}).status_code == 303
    seller.get(fresh(api, f"/app/deals/{deal_id}"))
    assert (
        seller.post(f"/app/deals/{deal_id}/structure", {"down_payment": "50000"}).status_code == 303
    )
    page = seller.get(fresh(api, f"/app/deals/{deal_id}"))
    assert "¥122,000.00" in page.text
    assert seller.post(f"/app/deals/{deal_id}/contract", {}).status_code == 303
    assert api.ok(api.get("sales_a1", f"/deals/{deal_id}"), 200)["status"] == "contracted"


def test_the_desk_pages_speak_chinese(api: Api) -> None:
    manager = signed_in(api, "manager_a", language="zh-CN")
    deal_id = _deal(api, 8)
    _quote(api, deal_id, "12000")

    queue = manager.get(fresh(api, "/app/approvals"))
    rules = manager.get(fresh(api, "/app/approvals/rules"))
    deal = manager.get(fresh(api, f"/app/deals/{deal_id}"))

    assert "折扣审批" in queue.text and "审批规则" in rules.text and "成交结构" in deal.text
