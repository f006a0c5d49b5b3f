"""The deal desk end to end through the JSON API, on SQLite and PostgreSQL: a store manager sets
the approval rules; a salesperson's discount is refused, changed, approved, ordered and signed;
the contract answers 409 problem+json while the approval is missing, pending or refused; the
queue shows each approver what is theirs and nobody else; the notices reach the approver and
the salesperson; an order's cancellation closes the deal and frees the car."""

from __future__ import annotations

from typing import Any

from domain.shared.values import with_check_digit
from tests.integration.conftest import Api

RULES = {
    "discount_team_leader": "0.03",
    "discount_manager": "0.05",
    "discount_general_manager": "0.10",
    "floor_prices": {"Seal": "160000"},
    "floor_level": "manager",
    "loss_level": "general_manager",
}


def _deal(api: Api, n: int) -> str:
    """A deal of sales_a1 on a Seal listed at 180,000 that cost 150,000."""
    store = str(api.world.store_a)
    customer = api.ok(
        api.post(
            "sales_a1",
            "/customers",
            {"store_id": store, "name": f"Customer {n}", "phone": f"1390014{n:04d}"},
        )
    )
    vehicle = api.ok(
        api.post(
            "manager_a",
            "/vehicles",
            {
                "store_id": store,
                "vin": with_check_digit(f"LGXCE4CB0PA{n:06d}"),
                "make": "BYD",
                "model": "Seal",
                "trim": "AWD",
                "colour": "blue",
                "model_year": 2026,
                "cost": "150000",
                "list_price": "180000",
            },
        )
    )
    deal = api.ok(
        api.post("sales_a1", "/deals", {"store_id": store, "customer_id": customer["id"]})
    )
    api.ok(api.post("sales_a1", f"/deals/{deal['id']}/vehicle", {"vehicle_id": vehicle["id"]}))
    return str(deal["id"])


def _quote(api: Api, deal_id: str, discount: str) -> None:
    api.ok(
        api.post("sales_a1", f"/deals/{deal_id}/quote", {"price": "180000", "discount": discount})
    )


def _pending(api: Api, who: str, position: int) -> list[dict[str, Any]]:
    page = api.ok(api.get(who, "/deal-approvals/pending", params={"position": position}), 200)
    return list(page["items"])


def _kinds(api: Api, who: str) -> list[str]:
    # Read-your-writes: the inbox as of every write so far (its view follows the log).
    at = {"position": api.runtime.app.position()}
    return sorted(n["kind"] for n in api.ok(api.get(who, "/notifications", params=at), 200))


def test_a_discount_is_refused_changed_approved_ordered_and_signed(api: Api) -> None:
    store = str(api.world.store_a)
    api.ok(
        api.client.put(
            f"/stores/{store}/approval-rules", json=RULES, headers=api.headers("manager_a")
        )
    )
    deal_id = _deal(api, 1)
    # 12,000 off 180,000 is 6.67 %: above 5 % (9,000), so the manager; 168,000 ≥ the floor.
    _quote(api, deal_id, "12000")

    state = api.ok(api.get("sales_a1", f"/deals/{deal_id}/approval"), 200)
    assert (state["needed_level"], state["reasons"], state["may_sign"]) == (
        "manager",
        ["discount"],
        False,
    )
    unasked = api.post("sales_a1", f"/deals/{deal_id}/contract", {})
    assert unasked.status_code == 409
    assert unasked.headers["content-type"].startswith("application/problem+json")
    assert "needs approval by a manager" in unasked.json()["detail"]

    asked = api.ok(api.post("sales_a1", f"/deals/{deal_id}/approval-request", {"note": "loyal"}))
    assert api.post("sales_a1", f"/deals/{deal_id}/contract", {}).json()["title"] == (
        "Approval pending"
    )
    [line] = _pending(api, "manager_a", asked["position"])
    assert (line["level"], line["front_gross"], line["off_list_percent"]) == (
        "manager",
        "18000.00",
        "6.67",
    )
    assert _pending(api, "sales_a2", asked["position"]) == []
    assert _pending(api, "manager_b", asked["position"]) == []
    assert "deal_approval_to_decide" in _kinds(api, "manager_a")
    assert "deal_approval_to_decide" not in _kinds(api, "manager_b")
    # Neither the salesperson nor another store's manager decides.
    assert api.post("sales_a1", f"/deals/{deal_id}/approval", {}).status_code == 403
    assert api.post("manager_b", f"/deals/{deal_id}/approval", {}).status_code == 404

    api.ok(api.post("manager_a", f"/deals/{deal_id}/approval-refusal", {"reason": "5 % at most"}))
    refused = api.post("sales_a1", f"/deals/{deal_id}/contract", {})
    assert refused.status_code == 409 and "5 % at most" in refused.json()["detail"]
    assert "deal_approval_refused" in _kinds(api, "sales_a1")

    # Changed: 8,000 off is 4.44 %, a team leader's step; the manager may approve it too.
    _quote(api, deal_id, "8000")
    asked = api.ok(api.post("sales_a1", f"/deals/{deal_id}/approval-request", {}))
    assert [x["level"] for x in _pending(api, "manager_a", asked["position"])] == ["team_leader"]
    api.ok(api.post("manager_a", f"/deals/{deal_id}/approval", {"note": "ok"}))
    assert "deal_approval_granted" in _kinds(api, "sales_a1")

    api.ok(
        api.client.put(
            f"/deals/{deal_id}/structure",
            json={"down_payment": "50000"},
            headers=api.headers("sales_a1"),
        )
    )
    api.ok(api.post("sales_a1", f"/deals/{deal_id}/order", {"deposit": "5000"}))
    state = api.ok(api.get("sales_a1", f"/deals/{deal_id}/approval"), 200)
    assert (state["amount_financed"], state["order_deposit"], state["may_sign"]) == (
        "122000.00",
        "5000.00",
        True,
    )
    signed = api.ok(api.post("sales_a1", f"/deals/{deal_id}/contract", {}))
    deal = api.ok(api.get("manager_a", f"/deals/{deal_id}"), 200)
    assert (deal["status"], deal["selling_price"]) == ("contracted", "172000.00")
    mine = api.ok(
        api.get("sales_a1", "/deal-approvals", params={"position": signed["position"]}), 200
    )
    assert [(x["status"], x["deal_status"]) for x in mine["items"]] == [("approved", "contracted")]


def test_a_cancelled_order_closes_the_deal_and_frees_the_car(api: Api) -> None:
    deal_id = _deal(api, 2)
    _quote(api, deal_id, "1000")
    api.ok(api.post("sales_a1", f"/deals/{deal_id}/order", {"deposit": "3000"}))
    vehicle_id = api.ok(api.get("sales_a1", f"/deals/{deal_id}"), 200)["vehicle_id"]
    assert (
        api.post("sales_a1", f"/deals/{deal_id}/cancellation", {"reason": "x"}).status_code == 422
    )

    api.ok(
        api.post("sales_a1", f"/deals/{deal_id}/order-cancellation", {"reason": "bought elsewhere"})
    )

    deal = api.ok(api.get("sales_a1", f"/deals/{deal_id}"), 200)
    vehicle = api.ok(api.get("manager_a", f"/vehicles/{vehicle_id}"), 200)
    assert (deal["status"], vehicle["status"]) == ("cancelled", "in_stock")


def test_bad_rules_are_problem_json_and_only_managers_set_them(api: Api) -> None:
    store = str(api.world.store_a)
    url = f"/stores/{store}/approval-rules"

    falling = api.client.put(
        url,
        json={"discount_team_leader": "0.05", "discount_manager": "0.03"},
        headers=api.headers("manager_a"),
    )
    too_big = api.client.put(
        url, json={"discount_manager": "1.5"}, headers=api.headers("manager_a")
    )
    by_seller = api.client.put(url, json={}, headers=api.headers("sales_a1"))

    assert falling.status_code == 422 and "above" in falling.json()["detail"]
    assert falling.headers["content-type"].startswith("application/problem+json")
    assert too_big.status_code == 422
    assert by_seller.status_code == 403
    assert api.ok(api.get("sales_a1", url), 200)["discount_manager"] is None
