"""Split credit, F&I products and the store pack over HTTP: roles, scope and 422s."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Api
from tests.integration.test_surveys_api import delivered_deal


def halves(api: Api, other: str = "sales_a2") -> dict[str, Any]:
    return {
        "credits": [
            {"salesperson_id": str(api.world.staff["sales_a1"]), "share": "0.5"},
            {"salesperson_id": str(api.world.staff[other]), "share": "0.5"},
        ]
    }


# --- split credit -------------------------------------------------------------------------------


def test_a_manager_splits_a_deal_and_the_colleague_then_reads_it(api: Api) -> None:
    deal_id = delivered_deal(api, deliver=False)

    api.ok(api.post("manager_a", f"/deals/{deal_id}/credits", halves(api)))
    deal = api.ok(api.get("sales_a2", f"/deals/{deal_id}"), 200)

    assert deal["salesperson_id"] == str(api.world.staff["sales_a1"])
    assert [(c["salesperson_id"], c["share"]) for c in deal["credits"]] == [
        (str(api.world.staff["sales_a1"]), "0.50"),
        (str(api.world.staff["sales_a2"]), "0.50"),
    ]


@pytest.mark.parametrize(("user", "status"), [("sales_a1", 403), ("finance", 403)])
def test_salespeople_and_finance_cannot_split_a_deal(api: Api, user: str, status: int) -> None:
    deal_id = delivered_deal(api, deliver=False)

    assert api.post(user, f"/deals/{deal_id}/credits", halves(api)).status_code == status


@pytest.mark.parametrize(
    "credits",
    [
        [("sales_a1", "0.6"), ("sales_a2", "0.5")],  # more than one deal
        [("sales_a1", "0.333"), ("sales_a2", "0.667")],  # three decimals
        [("sales_a1", "0"), ("sales_a2", "1")],  # a zero share
        [("sales_a2", "1")],  # the deal's salesperson gives it all away
        [("sales_a1", "0.5"), ("sales_b1", "0.5")],  # a salesperson of another store
        [],
    ],
)
def test_a_split_that_is_not_one_deal_of_the_store_is_a_422(
    api: Api, credits: list[tuple[str, str]]
) -> None:
    deal_id = delivered_deal(api, deliver=False)
    body = {
        "credits": [{"salesperson_id": str(api.world.staff[n]), "share": s} for n, s in credits]
    }

    response = api.post("manager_a", f"/deals/{deal_id}/credits", body)

    assert response.status_code == 422, response.text


def test_a_split_after_delivery_is_a_422(api: Api) -> None:
    deal_id = delivered_deal(api)

    response = api.post("manager_a", f"/deals/{deal_id}/credits", halves(api))

    assert response.status_code == 422
    assert response.json()["title"] == "Illegal transition"


def test_the_kpis_credit_each_salesperson_half_a_unit(api: Api) -> None:
    deal_id = delivered_deal(api, deliver=False)
    api.ok(api.post("manager_a", f"/deals/{deal_id}/credits", halves(api)))
    delivered = api.ok(
        api.post("manager_a", f"/deals/{deal_id}/delivery", {"occurred_at": "2026-03-12T02:00:00Z"})
    )

    kpis = api.ok(
        api.get(
            "manager_a",
            "/reports/kpis",
            params={"month": "2026-03", "position": delivered["position"]},
        ),
        200,
    )

    units = {i["salesperson_id"]: i["units_delivered"] for i in kpis["items"]}
    assert units == {
        str(api.world.staff["sales_a1"]): "0.50",
        str(api.world.staff["sales_a2"]): "0.50",
    }


# --- products -----------------------------------------------------------------------------------


def test_a_salesperson_sells_products_and_the_deal_shows_its_back_end_gross(api: Api) -> None:
    deal_id = delivered_deal(api, deliver=False)

    loan = api.ok(
        api.post(
            "sales_a1",
            f"/deals/{deal_id}/products",
            {
                "kind": "finance",
                "provider": "BYD Auto Finance",
                "amount": "80000",
                "income": "2400",
            },
        )
    )
    api.ok(
        api.post(
            "sales_a1",
            f"/deals/{deal_id}/products",
            {"kind": "accessories", "revenue": "5000", "cost": "3000"},
        )
    )
    deal = api.ok(api.get("sales_a1", f"/deals/{deal_id}"), 200)

    assert loan["id"] == deal_id and "product_id" in loan
    assert deal["back_gross"] == "4400.00"
    assert [(p["kind"], p["income"], p["active"]) for p in deal["products"]] == [
        ("finance", "2400.00", True),
        ("accessories", "2000.00", True),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "finance", "amount": "80000", "income": "2400"},  # no lender
        {"kind": "insurance"},  # no income
        {"kind": "tyres", "income": "10"},
        {"kind": "insurance", "income": "900", "revenue": "10"},
        {"kind": "accessories", "revenue": "-5", "cost": "3"},
        {"kind": "gap", "income": "0.001"},
    ],
)
def test_a_product_with_missing_or_wrong_terms_is_a_422(api: Api, body: dict[str, Any]) -> None:
    deal_id = delivered_deal(api, deliver=False)

    response = api.post("sales_a1", f"/deals/{deal_id}/products", body)

    assert response.status_code == 422, response.text


def test_no_product_is_added_to_a_delivered_deal(api: Api) -> None:
    deal_id = delivered_deal(api)

    response = api.post("sales_a1", f"/deals/{deal_id}/products", {"kind": "gap", "income": "1"})

    assert response.status_code == 422


def test_a_manager_cancels_a_product_after_delivery_once(api: Api) -> None:
    deal_id = delivered_deal(api, deliver=False)
    product = api.ok(
        api.post("sales_a1", f"/deals/{deal_id}/products", {"kind": "warranty", "income": "800"})
    )["product_id"]
    api.ok(api.post("manager_a", f"/deals/{deal_id}/delivery", {}))
    cancel = {"product_id": product, "reason": "cancelled within 30 days"}

    by_seller = api.post("sales_a1", f"/deals/{deal_id}/product-cancellation", cancel)
    first = api.post("manager_a", f"/deals/{deal_id}/product-cancellation", cancel)
    second = api.post("manager_a", f"/deals/{deal_id}/product-cancellation", cancel)
    unknown = api.post(
        "manager_a", f"/deals/{deal_id}/product-cancellation", cancel | {"product_id": deal_id}
    )

    assert [r.status_code for r in (by_seller, first, second, unknown)] == [403, 201, 422, 404]
    assert api.ok(api.get("sales_a1", f"/deals/{deal_id}"), 200)["back_gross"] == "0.00"


# --- pack ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [("admin", 201), ("finance", 201), ("manager_a", 403), ("sales_a1", 403), ("auditor", 403)],
)
def test_admin_and_finance_set_a_stores_pack(api: Api, user: str, status: int) -> None:
    store = api.world.store_a

    response = api.post(user, f"/stores/{store}/pack", {"condition": "used", "amount": "800"})

    assert response.status_code == status, response.text


def test_the_store_shows_its_packs(api: Api) -> None:
    store = api.world.store_a
    api.ok(api.post("finance", f"/stores/{store}/pack", {"condition": "new", "amount": "500"}))

    assert api.ok(api.get("manager_a", f"/stores/{store}"), 200)["packs"] == {"new": "500.00"}


@pytest.mark.parametrize(
    "body",
    [
        {"condition": "demo", "amount": "500"},
        {"condition": "new", "amount": "-1"},
        {"condition": "new"},
        {"condition": "new", "amount": "500", "extra": 1},
    ],
)
def test_a_malformed_pack_is_a_422(api: Api, body: dict[str, Any]) -> None:
    response = api.post("admin", f"/stores/{api.world.store_a}/pack", body)

    assert response.status_code == 422, response.text
