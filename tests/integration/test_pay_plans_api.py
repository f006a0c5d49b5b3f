"""Pay plans over HTTP and in the read model, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.pay.components import PerUnit
from domain.shared.actor import SYSTEM
from projections.pay_plans import queries
from projections.runner import wait_for
from tests.integration.conftest import Api
from tests.integration.four_eyes import publish

UNIT = {"type": "per_unit", "key": "unit", "new": "500"}
TIERS = {
    "type": "volume_tiers",
    "key": "volume",
    "mode": "retroactive",
    "tiers": [{"threshold": "8", "amount": "200"}, {"threshold": "12", "amount": "400"}],
}


def new_plan(
    api: Api, name: str, components: list[dict[str, Any]], start: str = "2026-01-01"
) -> str:
    plan_id = str(api.ok(api.post("finance", "/pay-plans", {"name": name}))["id"])
    publish(
        api,
        plan_id,
        {"effective_from": start, "components": components, "note": "first"},
        proposer="finance",
        confirmer="admin",
    )
    return plan_id


def caught_up(api: Api) -> None:
    runtime = api.runtime
    wait_for(runtime.db, [p.name for p in runtime.runner.projections], runtime.app.position(), 10)


def floor_and_personal_plans(api: Api) -> tuple[str, str]:
    """A floor plan for store A's salespeople, and a personal plan for sales_a2."""
    floor = new_plan(api, "Floor A", [UNIT, TIERS])
    personal = new_plan(api, "Senior", [{**UNIT, "new": "800"}])
    api.ok(
        api.post(
            "finance",
            f"/pay-plans/{floor}/assignments",
            {
                "store_id": str(api.world.store_a),
                "role": "salesperson",
                "effective_from": "2026-01-01",
            },
        )
    )
    api.ok(
        api.post(
            "admin",
            f"/pay-plans/{personal}/assignments",
            {"staff_id": str(api.world.staff["sales_a2"]), "effective_from": "2026-01-01"},
        )
    )
    return floor, personal


def test_finance_writes_a_plan_and_every_write_answers_id_version_and_position(api: Api) -> None:
    created = api.ok(api.post("finance", "/pay-plans", {"name": "Floor", "description": "2026"}))
    plan_id = created["id"]

    version = publish(
        api,
        plan_id,
        {"effective_from": "2026-01-01", "components": [UNIT, TIERS]},
        proposer="finance",
        confirmer="admin",
    )
    assigned = api.ok(
        api.post(
            "finance",
            f"/pay-plans/{plan_id}/assignments",
            {"staff_id": str(api.world.staff["sales_a1"]), "effective_from": "2026-01-01"},
        )
    )
    ended = api.ok(
        api.post(
            "finance",
            f"/pay-plans/{plan_id}/assignments/{assigned['assignment_id']}/end",
            {"effective_to": "2026-06-30"},
        )
    )
    retired = api.ok(api.post("finance", f"/pay-plans/{plan_id}/retirement", {}))

    # Proposed at 2, published (confirmed by a second person) at 3.
    assert [w["version"] for w in (created, version, assigned, ended, retired)] == [1, 3, 4, 5, 6]
    assert created["position"] < version["position"] < retired["position"]
    plan = api.ok(api.get("auditor", f"/pay-plans/{plan_id}"), 200)
    assert plan["retired"] is True
    assert plan["versions"][0]["components"][0] == {
        "type": "per_unit",
        "key": "unit",
        "new": "500.00",
        "used": "0.00",
    }
    assert plan["assignments"][0]["effective_to"] == "2026-06-30"


def test_a_version_starting_after_a_months_first_day_answers_the_month_it_first_pays(
    api: Api,
) -> None:
    plan_id = new_plan(api, "Floor", [UNIT], start="2026-01-01")

    mid_march = publish(
        api,
        plan_id,
        {"effective_from": "2026-03-15", "components": [UNIT, TIERS]},
        proposer="finance",
        confirmer="admin",
    )
    first_of_may = publish(
        api,
        plan_id,
        {"effective_from": "2026-05-01", "components": [UNIT]},
        proposer="finance",
        confirmer="admin",
    )

    assert mid_march["first_paid_month"] == "2026-04"
    assert "first pays 2026-04" in mid_march["notice"]
    assert (first_of_may["first_paid_month"], first_of_may["notice"]) == ("2026-05", None)


def test_the_month_a_version_first_pays_is_the_first_it_is_in_force_for(api: Api) -> None:
    plan_id = new_plan(api, "Floor", [UNIT], start="2026-01-01")
    api.ok(
        api.post(
            "finance",
            f"/pay-plans/{plan_id}/assignments",
            {"staff_id": str(api.world.staff["sales_a1"]), "effective_from": "2026-01-01"},
        )
    )
    written = publish(
        api,
        plan_id,
        {"effective_from": "2026-03-15", "components": [UNIT, TIERS]},
        proposer="finance",
        confirmer="admin",
    )
    staff = str(api.world.staff["sales_a1"])

    def in_force(month: str) -> Any:
        params = {"month": month, "staff_id": staff, "position": written["position"]}
        return api.ok(api.get("finance", "/pay-plans/in-force", params=params), 200)["version"]

    assert (in_force("2026-03"), in_force(written["first_paid_month"])) == (1, 2)


def test_plans_are_listed_within_each_roles_scope(api: Api) -> None:
    floor, personal = floor_and_personal_plans(api)
    position = api.runtime.app.position()

    def names(user: str) -> list[str]:
        page = api.ok(api.get(user, "/pay-plans", params={"position": position}), 200)
        return [item["name"] for item in page["items"]]

    assert names("finance") == ["Floor A", "Senior"]
    assert names("manager_a") == ["Floor A", "Senior"]
    assert names("manager_b") == []
    assert names("sales_a1") == ["Floor A"]
    assert names("sales_a2") == ["Floor A", "Senior"]
    assert names("sales_b1") == []
    assert api.get("sales_b1", f"/pay-plans/{floor}").status_code == 404
    assert api.get("sales_a1", f"/pay-plans/{personal}").status_code == 404


def test_a_store_manager_sees_only_their_stores_assignments_of_a_plan(api: Api) -> None:
    plan_id = new_plan(api, "Shared", [UNIT])
    for staff in ("sales_a1", "sales_b1"):
        api.ok(
            api.post(
                "finance",
                f"/pay-plans/{plan_id}/assignments",
                {"staff_id": str(api.world.staff[staff]), "effective_from": "2026-01-01"},
            )
        )

    seen = api.ok(api.get("manager_a", f"/pay-plans/{plan_id}"), 200)["assignments"]

    assert [a["staff_id"] for a in seen] == [str(api.world.staff["sales_a1"])]


def test_the_plan_in_force_follows_the_staff_assignment_before_the_role(api: Api) -> None:
    floor, personal = floor_and_personal_plans(api)
    position = api.runtime.app.position()

    def in_force(user: str, **params: Any) -> Any:
        query = {"month": "2026-03", "position": position, **params}
        return api.get(user, "/pay-plans/in-force", params=query)

    mine = api.ok(in_force("sales_a1"), 200)
    senior = api.ok(in_force("manager_a", staff_id=str(api.world.staff["sales_a2"])), 200)

    assert (mine["plan_id"], mine["version"], mine["name"]) == (floor, 1, "Floor A")
    assert senior["plan_id"] == personal
    assert api.ok(in_force("sales_a1", month="2025-12"), 200)["plan_id"] is None
    assert in_force("sales_a1", staff_id=str(api.world.staff["sales_a2"])).status_code == 404
    assert in_force("manager_b", staff_id=str(api.world.staff["sales_a1"])).status_code == 404


def test_validate_answers_the_normalised_components_or_a_problem(api: Api) -> None:
    good = api.post("finance", "/pay-plans/validate", {"components": [UNIT, TIERS]})
    bad = api.post(
        "finance", "/pay-plans/validate", {"components": [UNIT, {**TIERS, "mode": "sideways"}]}
    )
    forbidden = api.post("sales_a1", "/pay-plans/validate", {"components": [UNIT]})

    assert api.ok(good, 200)["components"][1]["tiers"][0] == {
        "threshold": "8",
        "amount": "200.00",
    }
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["where"] == "components[1].mode"
    assert forbidden.status_code == 403


def test_broken_rules_are_problems_and_write_nothing(api: Api) -> None:
    plan_id = new_plan(api, "Floor", [UNIT])
    staff = str(api.world.staff["sales_a1"])
    api.ok(
        api.post(
            "finance",
            f"/pay-plans/{plan_id}/assignments",
            {"staff_id": staff, "effective_from": "2026-03-01"},
        )
    )
    other = new_plan(api, "Other", [UNIT])
    before = api.runtime.app.position()

    answers = [
        api.post(
            "finance",
            f"/pay-plans/{plan_id}/versions",
            {"effective_from": "2025-12-01", "components": [UNIT]},
        ),
        api.post(
            "finance",
            f"/pay-plans/{other}/assignments",
            {"staff_id": staff, "effective_from": "2026-03-01"},
        ),
        api.post(
            "finance",
            f"/pay-plans/{plan_id}/assignments",
            {"staff_id": staff, "store_id": str(api.world.store_a), "effective_from": "2026-03-01"},
        ),
        api.post("finance", f"/pay-plans/{plan_id}/retirement", {}),
        api.post("manager_a", "/pay-plans", {"name": "Mine"}),
        api.post("finance", f"/pay-plans/{plan_id}/versions", {"effective_from": "2027-01-01"}),
        api.post(
            "finance",
            f"/pay-plans/{plan_id}/versions",
            {"effective_from": "2027-01-01", "components": [UNIT], "expected_version": 1},
        ),
    ]

    assert [a.status_code for a in answers] == [422, 409, 422, 422, 403, 422, 409]
    assert api.runtime.app.position() == before


def test_the_read_model_resolves_a_month_as_known_at_a_moment(api: Api) -> None:
    floor, _ = floor_and_personal_plans(api)
    caught_up(api)
    before_v2 = datetime.now(UTC)
    publish(
        api,
        floor,
        {"effective_from": "2026-03-01", "components": [{**UNIT, "new": "650"}]},
        proposer="finance",
        confirmer="admin",
    )
    caught_up(api)
    sales_a1 = api.world.staff["sales_a1"]

    now = queries.resolver_for_month(api.runtime.db, "2026-03")(sales_a1)
    then = queries.resolver_for_month(api.runtime.db, "2026-03", as_of=before_v2)(sales_a1)
    february = queries.resolver_for_month(api.runtime.db, "2026-02")(sales_a1)

    assert now is not None and then is not None and february is not None
    assert (now.version, then.version, february.version) == (2, 1, 1)
    first = now.components[0]
    assert isinstance(first, PerUnit) and first.new == Decimal("650.00")


def test_a_transfer_moves_a_salesperson_to_the_new_stores_role_plan_from_its_day(
    api: Api,
) -> None:
    plan_a = new_plan(api, "Floor A", [UNIT])
    plan_b = new_plan(api, "Floor B", [{**UNIT, "new": "700"}])
    for plan_id, store in ((plan_a, api.world.store_a), (plan_b, api.world.store_b)):
        api.ok(
            api.post(
                "finance",
                f"/pay-plans/{plan_id}/assignments",
                {"store_id": str(store), "role": "salesperson", "effective_from": "2026-01-01"},
            )
        )
    mover = api.world.staff["sales_a1"]
    api.runtime.organisation.transfer_staff(
        SYSTEM, mover, api.world.store_b, occurred_at=datetime(2026, 3, 10, 2, tzinfo=UTC)
    )
    caught_up(api)

    march = queries.plan_versions_for_month(api.runtime.db, "2026-03")
    april = queries.plan_versions_for_month(api.runtime.db, "2026-04")
    store_b_in_april = queries.plan_versions_for_month(api.runtime.db, "2026-04", api.world.store_b)

    assert march[mover].plan_id == UUID(plan_a)
    assert april[mover].plan_id == UUID(plan_b)
    assert mover in store_b_in_april and api.world.staff["sales_a2"] not in store_b_in_april
    assert UUID(plan_a) == march[api.world.staff["sales_a2"]].plan_id
    assert date(2026, 1, 1) == april[mover].effective_from
