"""Uniqueness under concurrency: ten writers released at once by a barrier, several rounds.

Every uniqueness rule must hold under any interleaving, on both backends: exactly one write
succeeds (or every writer gets the same idempotent answer), the others a 409, never a 5xx and
never a second record. The requests run on threads against the one TestClient, whose sync routes
run in the server's thread pool, so the services really do interleave.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from domain.shared.actor import SYSTEM
from domain.shared.values import with_check_digit
from tests.integration.conftest import PASSWORD, Api

WRITERS = 10
ROUNDS = 3
REGISTERED = "domain.crm.model:Customer.Registered"


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls on as many threads, all released together; their answers in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def statuses(responses: list[Any]) -> Counter[int]:
    counts = Counter(r.status_code for r in responses)
    print("answers:", dict(sorted(counts.items())))  # shown with -rP: the race's figures
    return counts


def customers_with_phone(api: Api, phone: str) -> set[UUID]:
    """The customers the log registered with this phone (read from the log, not a view)."""
    app = api.runtime.app
    wanted = api.runtime.crm.phone_hash(phone)
    found: set[UUID] = set()
    start = 1
    while True:
        page = app.recorder.select_notifications(start, 500, topics=[REGISTERED])
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            if event.phone_hash == wanted:
                found.add(event.originator_id)
        if len(page) < 500:
            return found
        start = page[-1].id + 1


def customer_body(api: Api, phone: str, n: int) -> dict[str, Any]:
    return {"store_id": str(api.world.store_a), "name": f"Racer {n}", "phone": phone}


def lead_body(api: Api, phone: str, n: int, store: UUID | None = None) -> dict[str, Any]:
    return {
        "store_id": str(store or api.world.store_a),
        "channel": "phone",
        "customer_name": f"Racer {n}",
        "customer_phone": phone,
    }


def one_success(api: Api, path: str, bodies: list[Any], user: str) -> Counter[int]:
    """Race the bodies to `path` as `user`; the count of each status answered."""
    api.headers(user)  # log in before the race, not during it
    return statuses(race([lambda b=b: api.post(user, path, b) for b in bodies]))


# --- customers: one per phone ---------------------------------------------------------------


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_ten_registrations_of_one_new_phone_make_one_customer(api: Api, round_: int) -> None:
    phone = f"1370000{round_:04d}"

    answers = one_success(
        api, "/customers", [customer_body(api, phone, n) for n in range(WRITERS)], "sales_a1"
    )

    assert answers == Counter({201: 1, 409: WRITERS - 1})
    assert len(customers_with_phone(api, phone)) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_ten_captures_of_one_new_phone_make_one_customer_all_leads_link(
    api: Api, round_: int
) -> None:
    phone = f"1371000{round_:04d}"
    api.headers("sales_a1")

    responses = race(
        [
            lambda n=n: api.post("sales_a1", "/leads", lead_body(api, phone, n))
            for n in range(WRITERS)
        ]
    )

    assert statuses(responses) == Counter({201: WRITERS})
    [customer] = customers_with_phone(api, phone)
    linked = {
        api.get("sales_a1", f"/leads/{r.json()['id']}").json()["customer_id"] for r in responses
    }
    assert linked == {str(customer)}


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_registrations_and_captures_racing_for_one_phone_make_one_customer(
    api: Api, round_: int
) -> None:
    phone = f"1372000{round_:04d}"
    api.headers("sales_a1")
    calls: list[Callable[[], Any]] = []
    for n in range(WRITERS):
        if n % 2:
            calls.append(
                lambda n=n: api.post("sales_a1", "/customers", customer_body(api, phone, n))
            )
        else:
            calls.append(lambda n=n: api.post("sales_a1", "/leads", lead_body(api, phone, n)))

    responses = race(calls)

    [customer] = customers_with_phone(api, phone)
    registrations = [r for n, r in enumerate(responses) if n % 2]
    captures = [r for n, r in enumerate(responses) if not n % 2]
    assert all(r.status_code == 201 for r in captures)
    assert sum(r.status_code == 201 for r in registrations) <= 1
    refused = [r.json() for r in registrations if r.status_code != 201]
    # The owner may see their customer, so the 409 names it.
    assert all(p["status"] == 409 and p["existing_id"] == str(customer) for p in refused)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_salespeople_of_two_stores_racing_for_one_phone_make_one_customer(
    api: Api, round_: int
) -> None:
    phone = f"1373000{round_:04d}"
    users = ["sales_a1", "sales_a2", "sales_b1", "manager_b", "manager_a"]
    for user in users:
        api.headers(user)
    store = {"sales_b1": api.world.store_b, "manager_b": api.world.store_b}
    calls = [
        lambda n=n, u=u: api.post(u, "/leads", lead_body(api, phone, n, store.get(u)))
        for n, u in enumerate(users * 2)
    ]

    responses = race(calls)

    assert len(customers_with_phone(api, phone)) == 1
    assert set(statuses(responses)) <= {201, 409}
    assert all("id" not in r.json() for r in responses if r.status_code == 409)


# --- every other uniqueness rule ----------------------------------------------------------


def test_ten_users_with_one_username_make_one_login(api: Api) -> None:
    body = {"username": "racer", "password": PASSWORD, "role": "auditor"}

    answers = one_success(api, "/users", [body] * WRITERS, "admin")

    assert answers == Counter({201: 1, 409: WRITERS - 1})


def vehicle_body(api: Api, n: int) -> dict[str, Any]:
    return {
        "store_id": str(api.world.store_a),
        "vin": with_check_digit(f"LGXCE4CB0PA{n:06d}"),
        "make": "BYD",
        "model": "Han",
        "trim": "EV",
        "colour": "white",
        "model_year": 2026,
        "cost": "100000",
        "list_price": "120000",
    }


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_ten_receipts_of_one_vin_make_one_vehicle(api: Api, round_: int) -> None:
    answers = one_success(
        api, "/vehicles", [vehicle_body(api, 900 + round_)] * WRITERS, "manager_a"
    )

    assert answers == Counter({201: 1, 409: WRITERS - 1})


def open_deal(api: Api, n: int, deliver: bool = True) -> tuple[str, str]:
    """A deal of sales_a1 (delivered unless told otherwise) and its vehicle, via the services."""
    runtime, store = api.runtime, api.world.store_a
    customer = runtime.crm.register_customer(SYSTEM, store, f"Buyer {n}", f"1390000{n:04d}").id
    vehicle = runtime.inventory.receive_vehicle(
        SYSTEM,
        store,
        with_check_digit(f"LGXCE4CB0PB{n:06d}"),
        "BYD",
        "Han",
        "EV",
        "white",
        2026,
        "new",
        Decimal("100000"),
        Decimal("120000"),
    ).id
    deal = runtime.sales.open_deal(SYSTEM, store, customer, api.world.staff["sales_a1"]).id
    if deliver:
        runtime.sales.attach_vehicle(SYSTEM, deal, vehicle)
        runtime.sales.quote_deal(SYSTEM, deal, "120000")
        runtime.sales.sign_contract(SYSTEM, deal)
        runtime.sales.deliver_deal(SYSTEM, deal)
    return str(deal), str(vehicle)


def test_ten_surveys_of_one_deal_make_one_survey(api: Api) -> None:
    deal, _ = open_deal(api, 1)
    body = {
        "deal_id": deal,
        "answers": {"greeting": 9},
        "overall": 90,
        "answered_on": datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat(),
    }

    answers = one_success(api, "/surveys", [body] * WRITERS, "manager_a")

    assert answers == Counter({201: 1, 409: WRITERS - 1})


def test_ten_deals_from_one_lead_make_one_deal(api: Api) -> None:
    lead = api.ok(api.post("sales_a1", "/leads", lead_body(api, "13740000001", 1)))
    customer = api.ok(api.get("sales_a1", f"/leads/{lead['id']}"), 200)["customer_id"]
    body = {"store_id": str(api.world.store_a), "customer_id": customer, "lead_id": lead["id"]}

    answers = one_success(api, "/deals", [body] * WRITERS, "sales_a1")

    assert answers[201] == 1
    assert answers[201] + answers[409] + answers[422] == WRITERS  # 422: the lead converted
    assert api.get("sales_a1", f"/leads/{lead['id']}").json()["status"] == "converted"


def test_ten_deals_reserving_one_vehicle_leave_it_on_one_deal(api: Api) -> None:
    _, vehicle = open_deal(api, 2, deliver=False)
    deals = [open_deal(api, 10 + n, deliver=False)[0] for n in range(WRITERS)]
    api.headers("sales_a1")

    responses = race(
        [
            lambda d=d: api.post("sales_a1", f"/deals/{d}/vehicle", {"vehicle_id": vehicle})
            for d in deals
        ]
    )

    assert statuses(responses)[201] == 1
    assert set(statuses(responses)) <= {201, 409, 422}


def test_ten_openings_of_one_stores_pay_period_make_one_period(api: Api) -> None:
    body = {"store_id": str(api.world.store_a), "month": "2026-05"}

    answers = one_success(api, "/pay-periods", [body] * WRITERS, "finance")

    assert answers == Counter({201: 1, 409: WRITERS - 1})


def test_ten_group_scorecards_make_one(api: Api) -> None:
    answers = one_success(api, "/scorecards", [{"name": "Floor"}] * WRITERS, "admin")

    assert answers == Counter({201: 1, 409: WRITERS - 1})


def test_ten_first_targets_of_one_month_make_one_sheet(api: Api) -> None:
    bodies = [
        {
            "scope": "salesperson",
            "subject_id": str(api.world.staff["sales_a1"]),
            "month": "2026-05",
            "kpi_id": "units",
            "value": str(n + 1),
        }
        for n in range(WRITERS)
    ]
    api.headers("manager_a")

    responses = race([lambda b=b: api.post("manager_a", "/targets", b) for b in bodies])

    # A target is set-or-replace: a writer that loads the sheet another one created replaces
    # the value (201); one that raced the sheet's creation or its version is refused (409).
    assert set(statuses(responses)) <= {201, 409}
    assert len({r.json()["id"] for r in responses if r.status_code == 201}) == 1
    position = api.runtime.app.position()
    query = {"month": "2026-05", "position": position}
    sheets = api.get("manager_a", "/targets", params=query).json()["items"]
    assert len([t for t in sheets if t["kpi_id"] == "units"]) == 1


def test_ten_plans_assigned_to_one_target_on_one_day_leave_one(api: Api) -> None:
    plans = [
        api.ok(api.post("finance", "/pay-plans", {"name": f"Plan {n}"}))["id"]
        for n in range(WRITERS)
    ]
    body = {"staff_id": str(api.world.staff["sales_a1"]), "effective_from": "2026-05-01"}

    responses = race(
        [lambda p=p: api.post("finance", f"/pay-plans/{p}/assignments", body) for p in plans]
    )

    assert statuses(responses) == Counter({201: 1, 409: WRITERS - 1})


def test_ten_retries_with_one_idempotency_key_write_once(api: Api) -> None:
    body = customer_body(api, "13750000001", 1)
    api.headers("sales_a1")
    before = api.runtime.app.position()

    responses = race(
        [
            lambda: api.post("sales_a1", "/customers", body, headers={"Idempotency-Key": "k-1"})
            for _ in range(WRITERS)
        ]
    )

    firsts = [
        r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r.headers
    ]
    assert len(firsts) == 1
    assert set(statuses(responses)) <= {201, 409}
    assert len(customers_with_phone(api, "13750000001")) == 1
    assert api.runtime.app.position() == before + 2  # the customer and its phone claim


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_group_and_a_store_period_racing_for_one_month_leave_one(api: Api, round_: int) -> None:
    month = f"2026-0{round_ + 4}"
    store = {"store_id": str(api.world.store_a), "month": month}
    group = {"month": month}

    answers = one_success(api, "/pay-periods", [store, group] * (WRITERS // 2), "finance")

    assert answers == Counter({201: 1, 409: WRITERS - 1})


def test_ten_evaluations_of_one_salesperson_and_month_make_one(api: Api) -> None:
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    scorecard = api.ok(api.post("admin", "/scorecards", {"name": "Floor"}))
    version = {
        "effective_from_month": "2026-01",
        "items": [{"kpi_id": "units", "weight": 100}],
        "grades": [{"grade": "A", "minimum": 0}],
    }
    api.ok(api.post("admin", f"/scorecards/{scorecard['id']}/versions", version))
    target = {
        "scope": "salesperson",
        "subject_id": str(api.world.staff["sales_a1"]),
        "month": month,
        "kpi_id": "units",
        "value": "2",
    }
    api.ok(api.post("manager_a", "/targets", target))
    open_deal(api, 3)  # a delivery this month: a value to score
    body = {"salesperson_id": str(api.world.staff["sales_a1"]), "month": month}
    wait = {"position": api.runtime.app.position()}
    api.ok(api.get("manager_a", "/deals", params=wait), 200)  # the KPI view has the delivery

    responses = race([lambda: api.post("manager_a", "/evaluations", body)] * WRITERS)

    # A draft evaluation is recomputable: every 201 names the one evaluation; the rest raced it.
    assert set(statuses(responses)) <= {201, 409}
    assert len({r.json()["id"] for r in responses if r.status_code == 201}) == 1
