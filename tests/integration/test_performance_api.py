"""Targets, scorecards and evaluations through HTTP, on SQLite and PostgreSQL.

Deliveries are arranged through the runtime's services (the sales floor has its own API tests);
everything about performance goes through the API as each role would use it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.performance.evaluations import evaluation_id_for
from domain.performance.service import Performance
from domain.shared.access import SYSTEM_READ
from domain.shared.actor import SYSTEM
from domain.shared.values import with_check_digit
from projections.performance import queries
from projections.performance.counters import ViewKpiCounters
from projections.performance.projection import PerformanceProjection
from projections.runner import reset
from tests.integration.conftest import Api
from tests.integration.views_world import at as views_at
from tests.integration.views_world import open_world, revealed, table_rows
from workers.settings import Settings

MONTH = "2026-03"
T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PROBLEM = "application/problem+json"
GRADES = [
    {"grade": "A", "minimum": "110"},
    {"grade": "B", "minimum": "90"},
    {"grade": "C", "minimum": "70"},
    {"grade": "D", "minimum": "0"},
]


class Floor:
    """Deliveries of cars (cost ¥100,000, sold for `price`) straight through the services."""

    def __init__(self, api: Api) -> None:
        self.api, self.count = api, 0

    def deliver(self, seller: str, price: str = "120000", days: int = 0) -> None:
        runtime, self.count = self.api.runtime, self.count + 1
        store = self.store_of(seller)
        when = T0 + timedelta(days=days, minutes=self.count)
        vehicle = runtime.inventory.receive_vehicle(
            SYSTEM,
            store,
            with_check_digit(f"LGXCE4CB0PA{self.count:06d}"),
            "BYD",
            "Han",
            "EV",
            "Black",
            2026,
            "new",
            Decimal("100000"),
            Decimal(price),
            received_on=date(2026, 2, 1),
            occurred_at=when,
        ).id
        customer = runtime.crm.register_customer(
            SYSTEM, store, f"Buyer {self.count}", f"1391234{self.count:04d}", occurred_at=when
        ).id
        staff_id = self.api.world.staff[seller]
        deal = runtime.sales.open_deal(SYSTEM, store, customer, staff_id, occurred_at=when).id
        runtime.sales.attach_vehicle(SYSTEM, deal, vehicle, occurred_at=when)
        runtime.sales.quote_deal(SYSTEM, deal, Decimal(price), occurred_at=when)
        runtime.sales.sign_contract(SYSTEM, deal, occurred_at=when)
        runtime.sales.deliver_deal(SYSTEM, deal, occurred_at=when)

    def store_of(self, seller: str) -> UUID:
        return self.api.world.store_b if seller.endswith("_b1") else self.api.world.store_a


def group_scorecard(api: Api, items: list[dict[str, Any]], month: str = "2026-01") -> str:
    scorecard = api.ok(api.post("admin", "/scorecards", {"name": "Sales consultants"}))
    body = {"effective_from_month": month, "items": items, "grades": GRADES}
    api.ok(api.post("admin", f"/scorecards/{scorecard['id']}/versions", body))
    return str(scorecard["id"])


def target(
    api: Api, manager: str, seller: str, kpi_id: str, value: str, month: str = MONTH
) -> dict[str, Any]:
    body = {
        "scope": "salesperson",
        "subject_id": str(api.world.staff[seller]),
        "month": month,
        "kpi_id": kpi_id,
        "value": value,
    }
    return dict(api.ok(api.post(manager, "/targets", body)))


def evaluate(api: Api, who: str, seller: str) -> dict[str, Any]:
    body = {"salesperson_id": str(api.world.staff[seller]), "month": MONTH}
    return dict(api.ok(api.post(who, "/evaluations", body)))


UNITS_AND_GROSS = [
    {"kpi_id": "units", "weight": 60, "cap_percent": 150},
    {"kpi_id": "gross", "weight": 40, "cap_percent": 150},
]
UNITS_ONLY = [{"kpi_id": "units", "weight": 100}]
SELLERS = (("sales_a1", "manager_a"), ("sales_a2", "manager_a"), ("sales_b1", "manager_b"))


# --- KPI definitions and scorecards ----------------------------------------------------------


def test_every_role_reads_the_kpi_definitions_with_both_conversion_versions(api: Api) -> None:
    definitions = api.ok(api.get("sales_a1", "/kpis/definitions"), 200)

    conversion = [d for d in definitions if d["id"] == "conversion_rate"]
    assert [(d["version"], d["inputs"][1]) for d in conversion] == [
        (1, "leads_assigned"),
        (2, "appointments_shown"),
    ]
    assert {d["direction"] for d in definitions if d["id"] == "avg_response_minutes"} == {"lower"}


def test_a_scorecard_lists_its_versions_and_a_stores_own_is_hidden_from_other_stores(
    api: Api,
) -> None:
    group_id = group_scorecard(api, UNITS_AND_GROSS)
    own = api.ok(
        api.post("admin", "/scorecards", {"name": "Pudong", "store_id": str(api.world.store_a)})
    )
    published = api.ok(
        api.post(
            "admin",
            f"/scorecards/{group_id}/versions",
            {"effective_from_month": "2026-04", "items": UNITS_ONLY, "grades": GRADES},
        )
    )

    detail = api.ok(api.get("sales_b1", f"/scorecards/{group_id}"), 200)
    seen_by_b = api.ok(
        api.get("sales_b1", "/scorecards", params={"position": published["position"]}), 200
    )
    seen_by_exec = api.ok(api.get("exec", "/scorecards"), 200)

    assert [(v["version"], v["effective_from_month"]) for v in detail["versions"]] == [
        (1, "2026-01"),
        (2, "2026-04"),
    ]
    assert detail["versions"][0]["items"][0]["cap_percent"] == "150.00"
    assert [s["scorecard_id"] for s in seen_by_b["items"]] == [group_id]
    assert seen_by_exec["total"] == 2
    assert api.get("sales_b1", f"/scorecards/{own['id']}").status_code == 404


# --- the computed score ----------------------------------------------------------------------


def test_a_salespersons_score_is_their_deliveries_against_their_targets(api: Api) -> None:
    # One car with ¥20,000 front gross against targets of 2 units and ¥20,000:
    # units 1 ÷ 2 = 0.5 × 60 = 30; gross 1.0 × 40 = 40; 70.00 → grade C.
    group_scorecard(api, UNITS_AND_GROSS)
    target(api, "manager_a", "sales_a1", "units", "2")
    target(api, "manager_a", "sales_a1", "gross", "20000")
    Floor(api).deliver("sales_a1", price="120000")

    written = evaluate(api, "manager_a", "sales_a1")
    evaluation = api.ok(api.get("sales_a1", f"/evaluations/{written['id']}"), 200)

    assert written["id"] == str(evaluation_id_for(api.world.staff["sales_a1"], MONTH))
    assert (evaluation["score"], evaluation["grade"], evaluation["status"]) == (
        "70.00",
        "C",
        "draft",
    )
    units, gross = evaluation["items"]
    assert (units["actual"], units["target"], units["weighted"]) == ("1.00", "2.00", "30.0000")
    assert (gross["actual"], gross["attainment"]) == ("20000.00", "1.0000")
    assert Decimal(evaluation["counters"]["units_delivered"]) == 1
    assert evaluation["counters_position"] > 0


def test_approval_locks_the_evaluation_and_an_admin_can_reopen_it(api: Api) -> None:
    group_scorecard(api, UNITS_ONLY)
    target(api, "manager_a", "sales_a1", "units", "1")
    written = evaluate(api, "manager_a", "sales_a1")
    api.ok(api.post("manager_a", f"/evaluations/{written['id']}/comment", {"comment": "Solid"}))

    approved = api.ok(api.post("manager_a", f"/evaluations/{written['id']}/approval", {}))
    recompute = api.post(
        "admin",
        "/evaluations",
        {"salesperson_id": str(api.world.staff["sales_a1"]), "month": MONTH},
    )
    reopen_by_manager = api.post(
        "manager_a", f"/evaluations/{written['id']}/reopening", {"reason": "late survey"}
    )
    reopened = api.ok(
        api.post("admin", f"/evaluations/{written['id']}/reopening", {"reason": "late survey"})
    )

    assert approved["version"] == written["version"] + 2
    assert recompute.status_code == 422
    assert recompute.json()["title"] == "Evaluation approved"
    assert reopen_by_manager.status_code == 403
    detail = api.ok(api.get("admin", f"/evaluations/{written['id']}"), 200)
    assert detail["status"] == "draft" and detail["reopen_reason"] == "late survey"
    assert [c["comment"] for c in detail["comments"]] == ["Solid"]
    assert reopened["version"] == approved["version"] + 1


def test_approved_evaluations_are_ranked_per_store_and_group_with_shared_ranks(api: Api) -> None:
    group_scorecard(api, UNITS_ONLY)
    floor = Floor(api)
    for (seller, manager), units in zip(SELLERS, (2, 2, 1), strict=True):
        target(api, manager, seller, "units", "2")
        for day in range(units):
            floor.deliver(seller, days=day)
    ids = {}
    for seller, manager in (
        ("sales_a1", "manager_a"),
        ("sales_a2", "manager_a"),
        ("sales_b1", "manager_b"),
    ):
        ids[seller] = evaluate(api, manager, seller)["id"]
        last = api.ok(api.post(manager, f"/evaluations/{ids[seller]}/approval", {}))

    board = api.ok(
        api.get("exec", "/evaluations", params={"month": MONTH, "position": last["position"]}),
        200,
    )
    history = api.ok(
        api.get("sales_b1", f"/staff/{api.world.staff['sales_b1']}/evaluation-history"), 200
    )

    ranks = {
        line["salesperson_id"]: (line["score"], line["store_rank"], line["group_rank"])
        for line in board["items"]
    }
    staff = api.world.staff
    assert ranks == {
        str(staff["sales_a1"]): ("100.00", 1, 1),
        str(staff["sales_a2"]): ("100.00", 1, 1),
        str(staff["sales_b1"]): ("50.00", 1, 3),
    }
    assert [(h["month"], h["grade"], h["group_rank"]) for h in history["items"]] == [
        (MONTH, "D", 3)
    ]
    assert queries.approved_scores(api.runtime.db, MONTH) == {
        staff["sales_a1"]: Decimal("100.00"),
        staff["sales_a2"]: Decimal("100.00"),
        staff["sales_b1"]: Decimal("50.00"),
    }
    assert queries.approved_scores(api.runtime.db, MONTH, api.world.store_b) == {
        staff["sales_b1"]: Decimal("50.00")
    }


# --- scope and roles ---------------------------------------------------------------------------


def test_each_role_sees_only_the_evaluations_and_targets_in_its_scope(api: Api) -> None:
    group_scorecard(api, UNITS_ONLY)
    target(api, "manager_a", "sales_a1", "units", "2")
    target(api, "manager_a", "sales_a2", "units", "3")
    target(api, "manager_b", "sales_b1", "units", "4")
    a1 = evaluate(api, "manager_a", "sales_a1")
    evaluate(api, "manager_a", "sales_a2")
    last = evaluate(api, "manager_b", "sales_b1")
    params = {"month": MONTH, "position": last["position"]}

    def people(user: str, path: str) -> set[str]:
        items = api.ok(api.get(user, path, params=params), 200)["items"]
        return {str(i.get("salesperson_id") or i.get("subject_id")) for i in items}

    staff = {name: str(ident) for name, ident in api.world.staff.items()}
    assert people("sales_a1", "/evaluations") == {staff["sales_a1"]}
    assert people("manager_a", "/evaluations") == {staff["sales_a1"], staff["sales_a2"]}
    assert len(people("finance", "/evaluations")) == 3
    assert people("sales_a1", "/targets") == {staff["sales_a1"]}
    assert people("manager_b", "/targets") == {staff["sales_b1"]}
    assert api.get("sales_a2", f"/evaluations/{a1['id']}").status_code == 404
    assert api.get("manager_b", f"/evaluations/{a1['id']}").status_code == 404
    assert api.get("auditor", f"/evaluations/{a1['id']}").status_code == 200
    history = f"/staff/{api.world.staff['sales_a1']}/evaluation-history"
    assert api.get("sales_a2", history).status_code == 404
    assert api.get("manager_a", history).status_code == 200


def target_body(**changes: Any) -> dict[str, Any]:
    body = {
        "scope": "salesperson",
        "subject_id": "{sales_a1}",
        "month": MONTH,
        "kpi_id": "units",
        "value": "5",
    }
    return {k: v for k, v in (body | changes).items() if v is not None}


def version_body(**changes: Any) -> dict[str, Any]:
    return {"effective_from_month": MONTH, "items": UNITS_ONLY, "grades": GRADES} | changes


FORBIDDEN_WRITES: list[tuple[str, str, dict[str, Any]]] = [
    ("sales_a1", "/evaluations", {"salesperson_id": "{sales_a1}", "month": MONTH}),
    ("finance", "/evaluations", {"salesperson_id": "{sales_a1}", "month": MONTH}),
    ("sales_a1", "/targets", target_body()),
    ("manager_a", "/targets", target_body(scope="group", subject_id=None)),
    ("manager_a", "/targets", target_body(scope="store", subject_id="{store_b}")),
    ("manager_a", "/scorecards", {"name": "Mine", "store_id": "{store_a}"}),
    ("exec", "/scorecards", {"name": "Exec's"}),
]


def fill_ids(body: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    return {k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()}


def test_roles_that_may_not_write_are_forbidden_and_write_nothing(api: Api) -> None:
    ids = {
        "sales_a1": str(api.world.staff["sales_a1"]),
        "store_a": str(api.world.store_a),
        "store_b": str(api.world.store_b),
    }
    before = api.runtime.app.position()

    statuses = {
        (user, path, n): api.post(user, path, fill_ids(body, ids)).status_code
        for n, (user, path, body) in enumerate(FORBIDDEN_WRITES)
    }

    assert {key: status for key, status in statuses.items() if status != 403} == {}
    assert api.runtime.app.position() == before


def test_a_manager_cannot_set_another_stores_salesperson_target(api: Api) -> None:
    body = {
        "scope": "salesperson",
        "subject_id": str(api.world.staff["sales_b1"]),
        "month": MONTH,
        "kpi_id": "units",
        "value": "5",
    }

    assert api.post("manager_a", "/targets", body).status_code == 404


# --- bad input ---------------------------------------------------------------------------------


VERSIONS = "/scorecards/{scorecard}/versions"


BAD_BODIES: list[tuple[str, dict[str, Any]]] = [
    ("/targets", target_body(month="2026-13")),
    ("/targets", target_body(value="0")),
    ("/targets", target_body(kpi_id="happiness")),
    ("/targets", target_body(kpi_id="conversion_rate", value="25")),  # rates are fractions
    ("/targets", target_body(scope="group")),  # a group target has no subject
    ("/targets", target_body(scope="team")),
    (VERSIONS, version_body(items=[{"kpi_id": "units", "weight": 90}])),
    (VERSIONS, version_body(grades=[{"grade": "A", "minimum": 50}])),
    (VERSIONS, version_body(items=[{"kpi_id": "units", "weight": 100, "cap_percent": 80}])),
    (VERSIONS, version_body(effective_from_month="2025-12")),  # before version 1
    (VERSIONS, version_body(colour="red")),
    ("/evaluations", {"salesperson_id": "{sales_a1}", "month": "2999-01"}),
    ("/evaluations", {"salesperson_id": "{sales_a1}", "month": "March"}),
]


def test_bad_input_is_a_422_problem_and_writes_nothing(api: Api) -> None:
    scorecard = group_scorecard(api, UNITS_ONLY)
    ids = {"sales_a1": str(api.world.staff["sales_a1"]), "scorecard": scorecard}
    before = api.runtime.app.position()

    answers = {
        n: api.post("admin", path.format(**ids), fill_ids(body, ids))
        for n, (path, body) in enumerate(BAD_BODIES)
    }

    wrong = {
        n: (BAD_BODIES[n], r.status_code, r.text)
        for n, r in answers.items()
        if r.status_code != 422 or not r.headers["content-type"].startswith(PROBLEM)
    }
    assert wrong == {}
    assert api.runtime.app.position() == before


def test_a_month_that_is_not_over_cannot_be_approved(api: Api) -> None:
    now = datetime.now(UTC) + timedelta(hours=8)
    month = f"{now.year:04d}-{now.month:02d}"
    group_scorecard(api, UNITS_ONLY)
    target(api, "manager_a", "sales_a1", "units", "5", month)
    body = {"salesperson_id": str(api.world.staff["sales_a1"]), "month": month}
    written = api.ok(api.post("manager_a", "/evaluations", body))

    response = api.post("manager_a", f"/evaluations/{written['id']}/approval", {})

    assert response.status_code == 422
    assert response.json()["title"] == "Month not evaluable"


def test_evaluating_without_any_scorecard_is_a_422_problem(api: Api) -> None:
    response = api.post(
        "manager_a",
        "/evaluations",
        {"salesperson_id": str(api.world.staff["sales_a1"]), "month": MONTH},
    )

    assert response.status_code == 422
    assert response.json()["title"] == "No scorecard applies"


# --- the read model on its own: ranks, drafts, reopening, rebuild ----------------------------


def test_the_performance_view_ranks_only_approved_evaluations_and_rebuilds_row_for_row(
    settings: Settings,
) -> None:
    with open_world(settings) as world:
        store = world.store("Pudong BYD")
        other = world.store("Minhang BYD")
        amy, bob = world.salesperson(store, "Amy"), world.salesperson(store, "Bob")
        cat = world.salesperson(other, "Cat")
        performance = Performance(world.app, ViewKpiCounters(world.app, world.db, 5.0))
        card = performance.create_scorecard(SYSTEM, "Group").id
        performance.publish_scorecard_version(SYSTEM, card, "2024-01", UNITS_ONLY, GRADES)
        for seller, store_id, units in ((amy, store, 3), (bob, store, 1), (cat, other, 2)):
            performance.set_target(SYSTEM, "salesperson", seller, "2024-03", "units", 1, "2")
            for n in range(units):
                world.delivered_deal(store_id, seller, views_at(days=n))
        ids = {}
        for person in (amy, bob, cat):
            world.catch_up()  # the evaluation reads the KPI view as of the log's end
            ids[person] = performance.compute_evaluation(SYSTEM, person, "2024-03").id
        for person in (amy, cat):
            performance.approve(SYSTEM, ids[person])
        performance.approve(SYSTEM, ids[bob])
        performance.reopen(SYSTEM, ids[bob], "late unwind")
        world.catch_up()

        board = revealed(world, queries.evaluations(world.db, "2024-03", scope=SYSTEM_READ))[
            "items"
        ]  # names sealed in the view, revealed as the API answers
        live = table_rows(world.db, [PerformanceProjection()])
        reset(world.db, PerformanceProjection())
        world.runner([PerformanceProjection()]).run_until_caught_up()

        ranks = {
            line["name"]: (line["status"], line["store_rank"], line["group_rank"]) for line in board
        }
        assert ranks == {
            "Amy": ("approved", 1, 1),  # 3 of 2 → 150 (the cap)
            "Cat": ("approved", 1, 2),  # 2 of 2 → 100
            "Bob": ("draft", None, None),  # reopened: out of the ranking
        }
        assert queries.approved_scores(world.db, "2024-03") == {
            amy: Decimal("150.00"),
            cat: Decimal("100.00"),
        }
        assert [h["month"] for h in queries.history(world.db, amy)] == ["2024-03"]
        assert table_rows(world.db, [PerformanceProjection()]) == live
