"""Loan applications end to end through the JSON API, on SQLite and PostgreSQL: a salesperson
applies, the lender approves with conditions and funds, and the deal carries the dealer's
income; a lender's answer sent twice is applied once; bad input is a problem, never a 500; a
decline on a contracted deal reaches the store's manager and their list, not other stores."""

from __future__ import annotations

from typing import Any

from domain.shared.values import with_check_digit
from tests.integration.conftest import Api

LOAN = {
    "lender": "BYD Auto Finance",
    "amount": "150000",
    "term_months": 36,
    "down_payment": "40000",
    "rate": "4.5",
}


def contracted_deal(api: Api, seller: str = "sales_a1") -> str:
    store = str(api.world.store_a)
    customer = api.ok(
        api.post(
            seller, "/customers", {"store_id": store, "name": "Wu Min", "phone": "13700137001"}
        )
    )
    vehicle = api.ok(
        api.post(
            "manager_a",
            "/vehicles",
            {
                "store_id": store,
                "vin": with_check_digit("LGXCE4CB0PA000888"),
                "make": "BYD",
                "model": "Seal",
                "trim": "AWD",
                "colour": "blue",
                "model_year": 2026,
                "cost": "170000",
                "list_price": "190000",
            },
        )
    )
    deal = api.ok(api.post(seller, "/deals", {"store_id": store, "customer_id": customer["id"]}))
    api.ok(api.post(seller, f"/deals/{deal['id']}/vehicle", {"vehicle_id": vehicle["id"]}))
    api.ok(api.post(seller, f"/deals/{deal['id']}/quote", {"price": "190000"}))
    api.ok(api.post(seller, f"/deals/{deal['id']}/contract", {}))
    return str(deal["id"])


def applications(api: Api, user: str, deal_id: str, position: int) -> list[dict[str, Any]]:
    response = api.get(user, f"/deals/{deal_id}/loan-applications", params={"position": position})
    return list(api.ok(response, 200))


def test_a_loan_applied_approved_and_funded_becomes_the_deals_f_and_i_income(api: Api) -> None:
    deal_id = contracted_deal(api)
    loan = api.ok(api.post("sales_a1", f"/deals/{deal_id}/loan-applications", LOAN))
    loan_path = f"/loan-applications/{loan['id']}"
    api.ok(api.post("manager_a", f"{loan_path}/approval", {"conditions": "proof of income"}))

    funded = api.ok(
        api.post("manager_a", f"{loan_path}/funding", {"income": "3200", "lender_reference": "F1"})
    )

    deal = api.ok(api.get("sales_a1", f"/deals/{deal_id}"), 200)
    assert deal["back_gross"] == "3200.00"
    [line] = applications(api, "sales_a1", deal_id, funded["position"])
    assert (line["status"], line["conditions"], line["income"]) == (
        "funded",
        "proof of income",
        "3200.00",
    )
    assert (line["lender"], line["amount"], line["term_months"]) == (
        "BYD Auto Finance",
        "150000.00",
        36,
    )


def test_a_funding_sent_twice_by_the_lender_is_applied_once(api: Api) -> None:
    deal_id = contracted_deal(api)
    loan = api.ok(api.post("sales_a1", f"/deals/{deal_id}/loan-applications", LOAN))
    loan_path = f"/loan-applications/{loan['id']}"
    api.ok(api.post("admin", f"{loan_path}/approval", {"lender_reference": "A1"}))
    body = {"income": "3200", "lender_reference": "F1", "expected_version": 2}

    first = api.ok(api.post("admin", f"{loan_path}/funding", body))
    again = api.ok(api.post("admin", f"{loan_path}/funding", body))

    assert again["version"] == first["version"] == 3
    assert api.ok(api.get("admin", f"/deals/{deal_id}"), 200)["back_gross"] == "3200.00"


def test_bad_terms_and_answers_out_of_turn_are_problems_and_write_nothing(api: Api) -> None:
    deal_id = contracted_deal(api)
    loan = api.ok(api.post("sales_a1", f"/deals/{deal_id}/loan-applications", LOAN))
    before = api.runtime.app.position()

    answers = [
        api.post("sales_a1", f"/deals/{deal_id}/loan-applications", LOAN | {"term_months": 0}),
        api.post("sales_a1", f"/deals/{deal_id}/loan-applications", LOAN | {"rate": "40"}),
        api.post("sales_a1", f"/deals/{deal_id}/loan-applications", LOAN | {"amount": "x"}),
        api.post("sales_a1", f"/loan-applications/{loan['id']}/funding", {"income": "100"}),
        api.post("sales_a1", f"/loan-applications/{loan['id']}/decline", {"reason": ""}),
    ]

    assert [r.status_code for r in answers] == [422, 422, 422, 422, 422]
    assert all(r.headers["content-type"] == "application/problem+json" for r in answers)
    assert api.runtime.app.position() == before


def test_a_decline_on_a_contracted_deal_tells_the_stores_manager(api: Api) -> None:
    deal_id = contracted_deal(api)
    loan = api.ok(api.post("sales_a1", f"/deals/{deal_id}/loan-applications", LOAN))

    declined = api.ok(
        api.post("sales_a1", f"/loan-applications/{loan['id']}/decline", {"reason": "low income"})
    )

    params = {"position": declined["position"]}
    mine = api.ok(api.get("manager_a", "/loan-applications/declined", params=params), 200)
    theirs = api.ok(api.get("manager_b", "/loan-applications/declined", params=params), 200)
    assert [i["application_id"] for i in mine["items"]] == [loan["id"]]
    assert theirs["items"] == []
    kinds = {
        who: [n["kind"] for n in api.ok(api.get(who, "/notifications"), 200)]
        for who in ("manager_a", "manager_b", "sales_a1")
    }
    assert "loan_declined" in kinds["manager_a"]
    assert "loan_declined" not in kinds["manager_b"]
    assert "loan_declined" not in kinds["sales_a1"]  # they recorded it themselves
