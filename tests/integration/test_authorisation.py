"""Authorisation matrix: every id-taking route, for users outside the record's scope.

A salesperson's records are invisible (404) to other salespeople and to another store's staff;
a role that may not write gets 403 (or 404 when the record is also out of scope).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.leads.model import Lead
from domain.shared.values import with_check_digit
from tests.integration.conftest import Api

LEAD_MINUTE = "2026-03-10T02:00:00+00:00"


def owned_by_sales_a1(api: Api) -> dict[str, str]:
    """A customer, lead, deal, vehicle of store A, owned by sales_a1; plus staff and store ids."""
    store = str(api.world.store_a)
    lead = api.ok(
        api.post(
            "sales_a1",
            "/leads",
            {
                "store_id": store,
                "channel": "phone",
                "customer_name": "Zhao Lei",
                "customer_phone": "13600136000",
                "occurred_at": LEAD_MINUTE,
            },
        )
    )
    lead_out = api.ok(api.get("sales_a1", f"/leads/{lead['id']}"), 200)
    vehicle = api.ok(
        api.post(
            "manager_a",
            "/vehicles",
            {
                "store_id": store,
                "vin": with_check_digit("LGXCE4CB0PA000777"),
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
        api.post("sales_a1", "/deals", {"store_id": store, "customer_id": lead_out["customer_id"]})
    )
    appointment = api.ok(
        api.post(
            "sales_a1",
            f"/leads/{lead['id']}/appointments",
            {"scheduled_for": "2026-03-12T02:00:00+00:00", "occurred_at": LEAD_MINUTE},
        )
    )
    appointment_id = api.ok(api.get("sales_a1", f"/leads/{lead['id']}"), 200)["appointment_id"]
    del appointment
    loan = api.ok(
        api.post(
            "sales_a1",
            f"/deals/{deal['id']}/loan-applications",
            {
                "lender": "BYD Auto Finance",
                "amount": "100000",
                "term_months": 36,
                "down_payment": "80000",
                "rate": "4.5",
            },
        )
    )
    return {
        "lead_id": lead["id"],
        "customer_id": lead_out["customer_id"],
        "deal_id": deal["id"],
        "vehicle_id": vehicle["id"],
        "staff_id": str(api.world.staff["sales_a1"]),
        "store_id": store,
        "appointment_id": appointment_id,
        "aggregate_id": deal["id"],
        "export_id": deal["id"],
        "scorecard_id": deal["id"],
        "evaluation_id": deal["id"],
        "plan_id": deal["id"],  # not a plan: pay-plan routes answer 403/404 to outsiders
        "assignment_id": deal["id"],
        "period_id": deal["id"],  # not a pay period: its routes answer 404 to outsiders
        "appraisal_id": deal["id"],  # not an appraisal: its routes answer 403/404 to outsiders
        "dispute_id": deal["id"],
        "salesperson_id": str(api.world.staff["sales_a1"]),
        "n": "1",
        "number": "1",
        "adjustment_id": deal["id"],
        "username": "sales_a1",
        "session_id": api.ok(api.get("sales_a1", "/auth/sessions"), 200)[0]["id"],
        "notification_id": deal["id"],  # not a notification of theirs: 404 to anyone else
        "robot_id": deal["id"],
        "delivery_id": deal["id"],
        "team_id": deal["id"],  # not a team: team routes answer 403 to outsiders by role
        "weekday": "1",
        "day": "2026-10-01",
        "first": "2026-04-01",
        "offset": "1",
        "campaign_id": deal["id"],  # not a campaign: 404 (403 to a role that may never)
        "partner_id": deal["id"],
        "application_id": loan["id"],
        "order_id": _oem_order(api, store),
    }


def _oem_order(api: Api, store: str) -> str:
    """An OEM order of store A (docs/stock.md)."""
    body = {"store_id": store, "make": "BYD", "model": "Han", "model_year": 2026}
    return str(api.ok(api.post("manager_a", "/stock/orders", body))["id"])


# Every route with a path parameter, with a body that would be valid for someone in scope.
ROUTES: dict[tuple[str, str], dict[str, Any] | None] = {
    ("GET", "/stores/{store_id}"): None,
    ("PUT", "/stores/{store_id}"): {"name": "X", "city": "Y", "brands": ["BYD"]},
    ("GET", "/staff/{staff_id}"): None,
    ("POST", "/staff/{staff_id}/transfer"): {"to_store_id": "{store_b}"},
    ("POST", "/staff/{staff_id}/departure"): {"reason": "moved away"},
    ("POST", "/users/{username}/password"): {"password": "another-password-1"},
    ("POST", "/users/{username}/deactivation"): None,
    ("POST", "/users/{username}/reactivation"): None,
    ("POST", "/users/{username}/unlock"): None,
    ("POST", "/users/{username}/second-factor/reset"): None,
    ("DELETE", "/auth/sessions/{session_id}"): None,
    ("POST", "/notifications/{notification_id}/read"): None,
    ("DELETE", "/notifications/robots/{robot_id}"): None,
    ("POST", "/notifications/deliveries/{delivery_id}/replay"): None,
    ("GET", "/customers/{customer_id}"): None,
    ("POST", "/customers/{customer_id}/preferences"): {"model": "Han"},
    ("POST", "/customers/{customer_id}/owner"): {"owner_id": "{staff_id}"},
    ("POST", "/customers/{customer_id}/consents"): {"channel": "sms", "granted": True},
    ("POST", "/customers/{customer_id}/erasure"): {"reason": "request 1"},
    ("GET", "/customers/{customer_id}/personal-data"): None,
    ("GET", "/leads/{lead_id}"): None,
    ("POST", "/leads/{lead_id}/assignment"): {"salesperson_id": "{staff_id}"},
    ("POST", "/leads/{lead_id}/activities"): {"kind": "call"},
    ("POST", "/leads/{lead_id}/appointments"): {"scheduled_for": "2026-03-13T02:00:00+00:00"},
    ("POST", "/leads/{lead_id}/appointments/{appointment_id}/shown"): {},
    ("POST", "/leads/{lead_id}/appointments/{appointment_id}/no-show"): {},
    ("POST", "/leads/{lead_id}/loss"): {"reason": "price"},
    ("POST", "/leads/{lead_id}/loss-request"): {"reason": "price"},
    ("POST", "/leads/{lead_id}/loss-spot-check"): {"outcome": "confirmed"},
    ("POST", "/leads/{lead_id}/loss-approval"): {},
    ("POST", "/leads/{lead_id}/loss-rejection"): {"comment": "call again"},
    ("POST", "/leads/{lead_id}/reopening"): {"reason": "came back"},
    ("GET", "/stores/{store_id}/loss-policy"): None,
    ("GET", "/campaigns/{campaign_id}"): None,
    ("POST", "/campaigns/{campaign_id}/spend"): {"amount": "100.00", "spent_on": "2026-03-02"},
    ("GET", "/partners/{partner_id}/deliveries"): None,
    ("POST", "/partners/{partner_id}/secret"): {"grace_hours": 1},
    ("POST", "/partners/{partner_id}/revocation"): {"reason": "contract ended"},
    ("PUT", "/stores/{store_id}/loss-policy"): {"spot_check_required": True},
    ("GET", "/vehicles/{vehicle_id}"): None,
    ("POST", "/vehicles/{vehicle_id}/transfer"): {"to_store_id": "{store_b}"},
    ("POST", "/vehicles/{vehicle_id}/price"): {"list_price": "170000"},
    ("GET", "/deals/{deal_id}"): None,
    ("POST", "/deals/{deal_id}/vehicle"): {"vehicle_id": "{vehicle_id}"},
    ("POST", "/deals/{deal_id}/quote"): {"price": "180000"},
    ("POST", "/deals/{deal_id}/contract"): {},
    ("POST", "/deals/{deal_id}/delivery"): {},
    ("POST", "/deals/{deal_id}/unwind"): {"reason": "x"},
    ("POST", "/deals/{deal_id}/cancellation"): {"reason": "x"},
    # Ids inside lists are not filled in: any well-formed id makes the body valid.
    ("POST", "/deals/{deal_id}/credits"): {
        "credits": [{"salesperson_id": "00000000-0000-0000-0000-00000000a001", "share": "1"}]
    },
    ("POST", "/deals/{deal_id}/products"): {"kind": "insurance", "income": "800"},
    ("POST", "/deals/{deal_id}/product-cancellation"): {"product_id": "{staff_id}", "reason": "x"},
    ("POST", "/stores/{store_id}/pack"): {"condition": "new", "amount": "500"},
    # De-duplication and merging (docs/lead-dedup.md).
    ("GET", "/stores/{store_id}/lead-rules"): None,
    ("PUT", "/stores/{store_id}/lead-rules"): {"rule": "off", "window_days": 30},
    ("GET", "/leads/{lead_id}/enquiries"): None,
    ("POST", "/customers/{customer_id}/merges"): {"duplicate_id": "{customer_id}"},
    ("GET", "/deals/{deal_id}/survey"): None,
    ("POST", "/deals/{deal_id}/survey/exclusion"): {"reason": "x"},
    ("POST", "/deals/{deal_id}/survey/reinstatement"): {},
    ("GET", "/scorecards/{scorecard_id}"): None,
    ("POST", "/scorecards/{scorecard_id}/versions"): {
        "effective_from_month": "2026-03",
        "items": [{"kpi_id": "units", "weight": 100}],
        "grades": [{"grade": "A", "minimum": 0}],
    },
    ("GET", "/evaluations/{evaluation_id}"): None,
    ("POST", "/evaluations/{evaluation_id}/comment"): {"comment": "x"},
    ("POST", "/evaluations/{evaluation_id}/approval"): {},
    ("POST", "/evaluations/{evaluation_id}/reopening"): {"reason": "x"},
    ("GET", "/staff/{staff_id}/evaluation-history"): None,
    ("GET", "/history/{aggregate_id}"): None,
    ("GET", "/exports/{export_id}"): None,
    ("GET", "/exports/{export_id}/file"): None,
    ("GET", "/pay-plans/{plan_id}"): None,
    ("POST", "/pay-plans/{plan_id}/versions"): {
        "effective_from": "2026-03-01",
        "components": [{"type": "per_unit", "key": "unit", "new": "300"}],
    },
    ("POST", "/pay-plans/{plan_id}/assignments"): {
        "staff_id": "{staff_id}",
        "effective_from": "2026-03-01",
    },
    ("POST", "/pay-plans/{plan_id}/assignments/{assignment_id}/end"): {
        "effective_to": "2026-03-31"
    },
    ("POST", "/pay-plans/{plan_id}/retirement"): {},
    ("GET", "/pay-periods/{period_id}"): None,
    ("POST", "/pay-periods/{period_id}/close"): {},
    ("POST", "/pay-periods/{period_id}/reopening"): {"reason": "x"},
    ("POST", "/pay-periods/{period_id}/approval"): {},
    ("POST", "/pay-periods/{period_id}/payment"): {"reference": "BANK-1"},
    ("POST", "/pay-periods/{period_id}/adjustments"): {
        "salesperson_id": "{staff_id}",
        "amount": "100",
        "reason": "x",
    },
    ("POST", "/pay-periods/{period_id}/disputes"): {"line": 1, "reason": "x"},
    ("POST", "/pay-periods/{period_id}/disputes/{dispute_id}/resolution"): {"resolution": "x"},
    ("GET", "/pay-periods/{period_id}/statements"): None,
    ("GET", "/pay-periods/{period_id}/statements/{salesperson_id}"): None,
    ("GET", "/pay-periods/{period_id}/statements/{salesperson_id}/lines/{n}/explain"): None,
    ("GET", "/pay-periods/{period_id}/verification"): None,
    ("POST", "/pay-periods/{period_id}/what-if"): {"tiers": [{"threshold": "1", "amount": "1"}]},
    ("POST", "/pay-periods/{period_id}/exports"): {},
    # Four eyes: confirming, refusing and withdrawing what another person proposed.
    ("POST", "/pay-plans/{plan_id}/versions/{number}/confirmation"): {},
    ("POST", "/pay-plans/{plan_id}/versions/{number}/refusal"): {"reason": "x"},
    ("POST", "/pay-plans/{plan_id}/versions/{number}/withdrawal"): {"reason": "x"},
    ("POST", "/pay-periods/{period_id}/approval/confirmation"): {},
    ("POST", "/pay-periods/{period_id}/approval/refusal"): {"reason": "x"},
    ("POST", "/pay-periods/{period_id}/approval/withdrawal"): {"reason": "x"},
    ("POST", "/pay-periods/{period_id}/adjustments/{adjustment_id}/confirmation"): {},
    ("POST", "/pay-periods/{period_id}/adjustments/{adjustment_id}/refusal"): {"reason": "x"},
    ("POST", "/pay-periods/{period_id}/adjustments/{adjustment_id}/withdrawal"): {"reason": "x"},
    # Front of house organisation (docs/organisation-front.md).
    ("POST", "/stores/{store_id}/closure"): {},
    ("GET", "/stores/{store_id}/teams"): None,
    ("POST", "/stores/{store_id}/teams"): {"name": "T", "leader_id": "{staff_id}"},
    ("PUT", "/stores/{store_id}/teams/{team_id}"): {"name": "T2"},
    ("POST", "/stores/{store_id}/teams/{team_id}/disbanding"): None,
    ("POST", "/stores/{store_id}/teams/{team_id}/members"): {"staff_id": "{staff_id}"},
    ("POST", "/stores/{store_id}/teams/{team_id}/members/{staff_id}/removal"): None,
    ("POST", "/stores/{store_id}/teams/{team_id}/leader"): {"leader_id": "{staff_id}"},
    ("GET", "/stores/{store_id}/hours"): None,
    ("PUT", "/stores/{store_id}/hours/{weekday}"): {"spans": ["09:00-18:00"]},
    ("PUT", "/stores/{store_id}/dates/{day}"): {"spans": []},
    ("POST", "/stores/{store_id}/dates/{day}/clearing"): None,
    ("GET", "/stores/{store_id}/on-duty"): None,
    ("GET", "/staff/{staff_id}/duty"): None,
    ("PUT", "/staff/{staff_id}/shifts/{weekday}"): {"spans": ["09:00-18:00"]},
    ("POST", "/staff/{staff_id}/leave"): {"first": "2026-04-01", "last": "2026-04-02"},
    ("POST", "/staff/{staff_id}/leave/{first}/cancellation"): None,
    # Follow-ups: a lead's next day, a deal's calls (回访), a store's settings.
    ("POST", "/leads/{lead_id}/follow-up"): {"follow_up_on": "2099-01-01"},
    ("GET", "/deals/{deal_id}/calls"): None,
    ("POST", "/deals/{deal_id}/calls/{offset}"): {"outcome": "not_reached"},
    ("GET", "/stores/{store_id}/follow-up-settings"): None,
    ("PUT", "/stores/{store_id}/follow-up-settings"): {"gap_days": 2, "call_offsets": [1]},
    # Lead routing (docs/routing.md).
    ("GET", "/stores/{store_id}/routing"): None,
    ("PUT", "/stores/{store_id}/routing"): {"mode": "round_robin"},
    ("PUT", "/stores/{store_id}/routing/teams/{team_id}"): {"mode": "round_robin"},
    ("POST", "/stores/{store_id}/routing/teams/{team_id}/clearing"): None,
    ("PUT", "/stores/{store_id}/routing/matches"): {"matches": []},
    ("GET", "/stores/{store_id}/routing/queue"): None,
    ("POST", "/stores/{store_id}/routing/queue/{lead_id}"): {"salesperson_id": "{staff_id}"},
    ("GET", "/stores/{store_id}/routing/fairness"): None,
    # The floor rotation (docs/floor-rotation.md): a colleague acts only for themselves.
    ("GET", "/stores/{store_id}/rotation"): None,
    ("POST", "/stores/{store_id}/rotation/members"): {"staff_id": "{staff_id}"},
    ("POST", "/stores/{store_id}/rotation/check-outs"): {"staff_id": "{staff_id}"},
    ("PUT", "/stores/{store_id}/rotation/with-customer"): {"staff_id": "{staff_id}", "busy": True},
    ("POST", "/stores/{store_id}/rotation/skips"): {"staff_id": "{staff_id}", "reason": "x"},
    ("POST", "/stores/{store_id}/rotation/moves"): {"staff_id": "{staff_id}", "place": 1},
    ("POST", "/stores/{store_id}/rotation/walk-ins"): {
        "customer_name": "Walk In",
        "customer_phone": "13700137000",
    },
    # Used cars (docs/used-cars.md): recon, front line, wholesale, the aged policy.
    ("GET", "/used-cars/{vehicle_id}"): None,
    ("POST", "/used-cars/{vehicle_id}/recon-orders"): {"workshop": "Own workshop"},
    ("POST", "/used-cars/{vehicle_id}/recon-orders/{order_id}/items"): {
        "description": "tyres",
        "cost": "100",
    },
    ("POST", "/used-cars/{vehicle_id}/recon-orders/{order_id}/start"): {},
    ("POST", "/used-cars/{vehicle_id}/recon-orders/{order_id}/finish"): {},
    ("POST", "/used-cars/{vehicle_id}/front-line"): {},
    ("POST", "/used-cars/{vehicle_id}/wholesale"): {
        "buyer": "X",
        "buyer_kind": "dealer",
        "price": "1000",
    },
    ("GET", "/used-cars/policies/{store_id}"): None,
    ("PUT", "/used-cars/policies/{store_id}"): {"steps": [], "wholesale_at_days": 60},
    # Desking: approval rules, a quote's approval, structure and order (docs/desking.md).
    ("GET", "/stores/{store_id}/approval-rules"): None,
    ("PUT", "/stores/{store_id}/approval-rules"): {"discount_manager": "0.05"},
    ("GET", "/deals/{deal_id}/approval"): None,
    ("POST", "/deals/{deal_id}/approval-request"): {},
    ("POST", "/deals/{deal_id}/approval"): {},
    ("POST", "/deals/{deal_id}/approval-refusal"): {"reason": "x"},
    ("PUT", "/deals/{deal_id}/structure"): {"down_payment": "1000"},
    ("POST", "/deals/{deal_id}/order"): {"deposit": "1000"},
    ("POST", "/deals/{deal_id}/order-cancellation"): {"reason": "x"},
    # Auto finance: a deal's loan applications and the lender's answers.
    ("GET", "/deals/{deal_id}/loan-applications"): None,
    ("POST", "/deals/{deal_id}/loan-applications"): {
        "lender": "Ping An Bank",
        "amount": "100000",
        "term_months": 36,
        "down_payment": "80000",
        "rate": "4.5",
    },
    ("POST", "/loan-applications/{application_id}/approval"): {"conditions": "proof of income"},
    ("POST", "/loan-applications/{application_id}/decline"): {"reason": "income too low"},
    ("POST", "/loan-applications/{application_id}/funding"): {"income": "3000"},
    ("POST", "/loan-applications/{application_id}/withdrawal"): {"reason": "cash"},
    # Stock pipeline: OEM orders, transfers with an approval, stock settings (docs/stock.md).
    ("GET", "/stock/orders/{order_id}"): None,
    ("POST", "/stock/orders/{order_id}/allocation"): {
        "vin": with_check_digit("LGXCE4CB0PA000778"),
        "cost": "150000",
        "list_price": "180000",
    },
    ("POST", "/stock/orders/{order_id}/shipment"): {"expected_on": "2027-01-15"},
    ("POST", "/stock/orders/{order_id}/receipt"): {"vin": with_check_digit("LGXCE4CB0PA000778")},
    ("POST", "/stock/orders/{order_id}/cancellation"): {"reason": "x"},
    ("POST", "/stock/transfers/{vehicle_id}"): {"to_store_id": "{store_b}", "cost": "800"},
    ("POST", "/stock/transfers/{vehicle_id}/approval"): {},
    ("POST", "/stock/transfers/{vehicle_id}/refusal"): {"reason": "x"},
    ("POST", "/stock/transfers/{vehicle_id}/shipment"): {"expected_on": "2027-01-15"},
    ("POST", "/stock/transfers/{vehicle_id}/receipt"): {},
    ("GET", "/stock/settings/{store_id}"): None,
    ("PUT", "/stock/settings/{store_id}"): {"aged_days": 60, "target_days": 45},
    ("GET", "/stores/{store_id}/response-sla"): None,
    ("PUT", "/stores/{store_id}/response-sla"): {
        "rules": {"default": {"limit_minutes": 15, "warn_minutes": 10, "reassign_minutes": 30}}
    },
    # Appraisals and trade-ins (docs/trade-ins.md).
    ("GET", "/appraisals/{appraisal_id}"): None,
    ("POST", "/appraisals/{appraisal_id}/inspection"): {
        "findings": [{"item": "tyres", "result": "ok"}]
    },
    ("POST", "/appraisals/{appraisal_id}/valuation"): {"acv": "1000"},
    ("POST", "/appraisals/{appraisal_id}/offer"): {
        "amount": "1000",
        "expires_at": "2099-01-01T00:00:00+00:00",
    },
    ("POST", "/appraisals/{appraisal_id}/decline"): {"reason": "x"},
    ("POST", "/appraisals/{appraisal_id}/expiry"): {},
    ("POST", "/deals/{deal_id}/trade-in"): {"appraisal_id": "{deal_id}", "allowance": "1000"},
    ("GET", "/deals/{deal_id}/trade-in"): None,
}

STORE_LEVEL_READS = {
    ("GET", "/stores/{store_id}"),
    ("GET", "/stores/{store_id}/lead-rules"),
    ("GET", "/staff/{staff_id}"),
    ("GET", "/vehicles/{vehicle_id}"),
    # The store's teams, hours, who is on duty and a colleague's roster (shifts, leave).
    ("GET", "/stores/{store_id}/teams"),
    ("GET", "/stores/{store_id}/hours"),
    ("GET", "/stores/{store_id}/on-duty"),
    ("GET", "/staff/{staff_id}/duty"),
    ("GET", "/stores/{store_id}/follow-up-settings"),
    ("GET", "/stores/{store_id}/rotation"),
    ("GET", "/used-cars/policies/{store_id}"),  # the store's aged-car policy (no cost in it)
    ("GET", "/stores/{store_id}/approval-rules"),
    ("GET", "/stock/orders/{order_id}"),  # the store's pipeline (its cost hidden)
    ("GET", "/stock/settings/{store_id}"),
    ("GET", "/stores/{store_id}/response-sla"),
}
OUTSIDERS = ["sales_a2", "sales_b1", "manager_b"]


def fill(template: Any, ids: dict[str, str]) -> Any:
    if isinstance(template, str):
        return template.format(**ids)
    if isinstance(template, dict):
        return {k: fill(v, ids) for k, v in template.items()}
    return template


# Routes a partner system calls, authenticated by its signature over the body rather than by
# a user's token (401 without one): tests/integration/test_partner_intake.py covers them.
PARTNER_SIGNED = {("POST", "/intake/{partner_id}/leads")}


def test_the_matrix_covers_every_route_that_takes_an_id(api: Api) -> None:
    routes = {(method, path) for method, path in api.routes() if "{" in path} - PARTNER_SIGNED

    assert routes == set(ROUTES)


@pytest.mark.parametrize("user", OUTSIDERS)
def test_records_out_of_scope_are_not_found_or_forbidden(api: Api, user: str) -> None:
    ids = owned_by_sales_a1(api) | {"store_b": str(api.world.store_b)}
    before = api.runtime.app.position()
    answers = {}

    for (method, path), body in ROUTES.items():
        url = fill(path, ids)
        response = api.client.request(method, url, json=fill(body, ids), headers=api.headers(user))
        answers[(method, path)] = response.status_code

    # A colleague of the same store may see the store, its staff and its stock, nothing more.
    visible = STORE_LEVEL_READS if user == "sales_a2" else set()
    wrong = {
        route: status
        for route, status in answers.items()
        if status not in (403, 404) and not (route in visible and status == 200)
    }
    assert wrong == {}
    assert api.runtime.app.position() == before


@pytest.mark.parametrize("user", ["finance", "auditor", "exec"])
def test_read_only_roles_read_but_cannot_change_the_sales_floor(api: Api, user: str) -> None:
    ids = owned_by_sales_a1(api) | {"store_b": str(api.world.store_b)}
    before = api.runtime.app.position()

    reads = [api.get(user, f"/deals/{ids['deal_id']}"), api.get(user, f"/leads/{ids['lead_id']}")]
    writes = [
        api.post(user, f"/leads/{ids['lead_id']}/activities", {"kind": "call"}),
        api.post(user, f"/deals/{ids['deal_id']}/quote", {"price": "1"}),
        api.post(
            user, "/customers", {"store_id": ids["store_id"], "name": "N", "phone": "13511112222"}
        ),
    ]

    assert [r.status_code for r in reads] == [200, 200]
    assert [r.status_code for r in writes] == [403, 403, 403]
    assert api.runtime.app.position() == before


def test_the_owner_can_use_the_routes_the_outsiders_cannot(api: Api) -> None:
    ids = owned_by_sales_a1(api)

    statuses = [
        api.get("sales_a1", f"/deals/{ids['deal_id']}").status_code,
        api.get("sales_a1", f"/customers/{ids['customer_id']}").status_code,
        api.get("manager_a", f"/leads/{ids['lead_id']}").status_code,
        api.post("sales_a1", f"/leads/{ids['lead_id']}/activities", {"kind": "call"}).status_code,
    ]

    assert statuses == [200, 200, 200, 201]


def test_every_route_but_login_and_health_needs_a_token(api: Api) -> None:
    open_routes = {"/auth/token", "/health"}
    paths = [(method, path) for method, path in api.routes() if path not in open_routes]

    statuses = {
        (m, p): api.client.request(m, p.replace("{", "").replace("}", "")).status_code
        for m, p in paths
    }

    assert {k: v for k, v in statuses.items() if v != 401} == {}


# --- a customer you may not see (the phone of another salesperson's customer) ---------------

OWNERS_PHONE = "13600136000"  # the phone of sales_a1's customer in owned_by_sales_a1
SERVED = "this customer is already served by another salesperson of the group"


def leads_of(api: Api, user: str) -> list[dict[str, Any]]:
    position = api.runtime.app.position()
    return list(api.get(user, "/leads", params={"position": position}).json()["items"])


@pytest.mark.parametrize(
    ("user", "store", "goes_to"),
    [
        ("sales_a2", "store_a", "sales_a1"),  # same store: a lead of the owner
        ("sales_b1", "store_b", None),  # another store: the owning store's manager resolves
        ("manager_b", "store_b", None),
    ],
)
def test_capturing_another_salespersons_customer_passes_the_enquiry_on_and_tells_nothing(
    api: Api, user: str, store: str, goes_to: str | None
) -> None:
    ids = owned_by_sales_a1(api)
    # With the store's de-duplication off, the enquiry passed on opens a lead of its own (with
    # it on, it is recorded on the owner's open lead: tests/integration/test_lead_dedup_api.py).
    rule = {"rule": "off", "window_days": 30}
    headers = api.headers("manager_a")
    api.client.put(f"/stores/{ids['store_id']}/lead-rules", json=rule, headers=headers)
    mine_before = leads_of(api, user)
    body = {
        "store_id": str(getattr(api.world, store)),
        "channel": "phone",
        "customer_name": "Someone",
        "customer_phone": OWNERS_PHONE,
        "model_interest": "Han",
    }

    response = api.post(user, "/leads", body)

    assert response.status_code == 409
    problem = response.json()
    assert problem["title"] == "Customer already served"
    assert ids["customer_id"] not in response.text and "Zhao" not in response.text
    assert leads_of(api, user) == mine_before
    [passed_on] = [
        lead
        for lead in leads_of(api, "manager_a")
        if lead["id"] != ids["lead_id"] and lead["customer_id"] == ids["customer_id"]
    ]
    expected = None if goes_to is None else str(api.world.staff[goes_to])
    assert passed_on["salesperson_id"] == expected
    assert passed_on["store_id"] == ids["store_id"]


@pytest.mark.parametrize("user", ["sales_a2", "sales_b1", "manager_b"])
def test_registering_a_phone_the_caller_may_not_see_answers_the_same_neutral_409(
    api: Api, user: str
) -> None:
    ids = owned_by_sales_a1(api)
    store = api.world.store_a if user == "sales_a2" else api.world.store_b
    before = api.runtime.app.position()

    response = api.post(
        user, "/customers", {"store_id": str(store), "name": "Someone", "phone": OWNERS_PHONE}
    )

    assert response.status_code == 409
    assert response.json()["detail"] == SERVED
    assert ids["customer_id"] not in response.text
    assert api.runtime.app.position() == before


@pytest.mark.parametrize("user", ["sales_a1", "manager_a"])
def test_registering_a_phone_the_caller_may_see_names_the_customer(api: Api, user: str) -> None:
    ids = owned_by_sales_a1(api)

    response = api.post(
        user, "/customers", {"store_id": ids["store_id"], "name": "N", "phone": OWNERS_PHONE}
    )

    assert response.status_code == 409
    assert response.json()["existing_id"] == ids["customer_id"]


@pytest.mark.parametrize("user", ["sales_a2", "sales_b1", "manager_b"])
def test_a_deal_on_a_customer_the_caller_may_not_see_is_not_found(api: Api, user: str) -> None:
    ids = owned_by_sales_a1(api)
    store = api.world.store_a if user == "sales_a2" else api.world.store_b
    body = {"store_id": str(store), "customer_id": ids["customer_id"]}
    if user == "manager_b":
        body["salesperson_id"] = str(api.world.staff["sales_b1"])
    before = api.runtime.app.position()

    response = api.post(user, "/deals", body)

    assert response.status_code == 404
    assert api.runtime.app.position() == before


def test_a_lead_of_ones_own_does_not_open_a_deal_on_another_salespersons_customer(
    api: Api,
) -> None:
    # A lead linked to sales_a1's customer but assigned to sales_a2, as captures made before
    # this rule left behind.
    ids = owned_by_sales_a1(api)
    lead = Lead.capture(
        api.world.store_a, UUID(ids["customer_id"]), "phone", None, None, datetime.now(UTC)
    )
    lead.assign(api.world.staff["sales_a2"], occurred_at=datetime.now(UTC))
    api.runtime.app.save(lead)
    body = {"store_id": ids["store_id"], "customer_id": ids["customer_id"], "lead_id": str(lead.id)}

    response = api.post("sales_a2", "/deals", body)

    assert response.status_code == 404
    assert response.json()["kind"] == "customer"


# --- the role before the state ------------------------------------------------------------

# For every write route that takes an id: a role that may never call it. Auditors read
# everything and change nothing; the rest are the routes an auditor may call (a what-if writes
# nothing) or that any user may call on themselves (a password).
NEVER_CALLS: dict[tuple[str, str], str] = {
    route: "auditor" for route in ROUTES if route[0] != "GET"
} | {
    ("POST", "/pay-periods/{period_id}/what-if"): "sales_a1",
    ("POST", "/users/{username}/password"): "",
    ("DELETE", "/auth/sessions/{session_id}"): "",  # anyone, on their own sessions only
    ("POST", "/notifications/{notification_id}/read"): "",  # anyone, their own inbox only
}


def real_ids(api: Api) -> dict[str, str]:
    """Ids of records that exist (a pay period, plan and its assignment, a scorecard...)."""
    ids = owned_by_sales_a1(api) | {"store_b": str(api.world.store_b)}
    period = api.ok(
        api.post("finance", "/pay-periods", {"store_id": ids["store_id"], "month": "2026-05"})
    )
    plan = api.ok(api.post("finance", "/pay-plans", {"name": "Floor"}))
    assignment = api.ok(
        api.post(
            "finance",
            f"/pay-plans/{plan['id']}/assignments",
            {"staff_id": ids["staff_id"], "effective_from": "2026-05-01"},
        )
    )
    scorecard = api.ok(api.post("admin", "/scorecards", {"name": "Floor"}))
    return ids | {
        "period_id": period["id"],
        "plan_id": plan["id"],
        "assignment_id": assignment["assignment_id"],
        "scorecard_id": scorecard["id"],
    }


def test_every_write_route_that_takes_an_id_names_a_role_that_may_never_call_it(
    api: Api,
) -> None:
    writes = {(m, p) for m, p in api.routes() if "{" in p and m in ("POST", "PUT", "DELETE")}
    writes -= PARTNER_SIGNED

    assert writes == set(NEVER_CALLS)


def test_a_role_that_may_never_write_gets_403_for_existing_and_random_ids_alike(
    api: Api,
) -> None:
    ids = real_ids(api)
    random = {k: str(uuid4()) if k.endswith("_id") else v for k, v in ids.items()}
    before = api.runtime.app.position()
    answers = {}

    for (method, path), user in NEVER_CALLS.items():
        if not user:
            continue
        body = ROUTES[(method, path)]
        answers[(method, path)] = tuple(
            api.client.request(
                method, fill(path, known), json=fill(body, known), headers=api.headers(user)
            ).status_code
            for known in (ids, random)
        )

    assert {route: got for route, got in answers.items() if got != (403, 403)} == {}
    assert api.runtime.app.position() == before
