"""Reports, scorecards and pay count a unit by one rule (domain/performance/kpis.py `UNWINDS`).

A delivery counts in its own month while it stands: an unwind takes it out of that month,
whenever it is recorded. Pay counts the month as known at its close, so an unwind recorded
after the close stays paid there (and is charged back later); the KPI report then names both
figures: `units_delivered` (now) and `units_paid` (as the approved pay counted them), and so
does an evaluation: the `units` KPI it scores (now) beside `units_paid`.
Store A's May is the one of test_pay_periods_api: sales_a2 has half of a split deal and a deal
of their own, 1.5 units.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from tests.integration.conftest import Api
from tests.integration.four_eyes import approve as approve_period
from tests.integration.test_pay_periods_api import (
    MAY,
    approved_may,
    fresh,
    may,
    open_period,
    statement,
    step,
    unwind,
)

JUNE_3 = MAY + timedelta(days=30)
UNITS_ONLY = {
    "effective_from_month": "2026-01",
    "items": [{"kpi_id": "units", "weight": 100}],
    "grades": [{"grade": "A", "minimum": "0"}],
}


def kpi_line(api: Api, user: str, month: str, person: UUID) -> dict[str, Any]:
    report = api.ok(api.get(user, "/reports/kpis", params={"month": month, **fresh(api)}), 200)
    return next(i for i in report["items"] if i["salesperson_id"] == str(person))


def units(line: dict[str, Any]) -> tuple[Decimal, Decimal | None]:
    paid = line["units_paid"]
    return Decimal(line["units_delivered"]), None if paid is None else Decimal(paid)


def test_a_deal_unwound_before_the_close_counts_neither_in_the_kpi_nor_in_the_pay_of_its_month(
    api: Api,
) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    unwind(api, world.other, JUNE_3)
    step(api, "finance", period, "close")
    approve_period(api, period)

    paid = statement(api, "finance", period, world.a2)
    may_line = kpi_line(api, "manager_a", "2026-05", world.a2)

    assert Decimal(paid["units"]) == Decimal("0.5")
    assert units(may_line) == (Decimal("0.5"), Decimal("0.5"))


def test_an_unwind_leaves_the_month_of_the_delivery_not_the_month_of_the_unwind(
    api: Api,
) -> None:
    world = may(api)
    unwind(api, world.other, JUNE_3)
    sold_in_june = kpi_line(api, "admin", "2026-05", world.a2)  # reads after the unwind

    report = api.ok(
        api.get("admin", "/reports/kpis", params={"month": "2026-06", **fresh(api)}), 200
    )

    assert Decimal(sold_in_june["units_delivered"]) == Decimal("0.5")
    assert [i for i in report["items"] if Decimal(i["units_delivered"]) != 0] == []


def test_an_unwind_after_the_close_stays_paid_and_the_kpi_report_names_both_figures(
    api: Api,
) -> None:
    world, may_period = approved_may(api)
    june = open_period(api, world.store, "2026-06")
    unwind(api, world.other, JUNE_3)

    paid = statement(api, "finance", may_period, world.a2)
    taken = statement(api, "finance", june, world.a2)
    store_line = kpi_line(api, "manager_a", "2026-05", world.a2)
    group_line = kpi_line(api, "admin", "2026-05", world.a2)

    assert Decimal(paid["units"]) == Decimal("1.5")
    assert Decimal(taken["chargebacks"]) < 0
    assert units(store_line) == units(group_line) == (Decimal("0.5"), Decimal("1.5"))


def test_a_month_without_approved_pay_has_no_paid_units(api: Api) -> None:
    world = may(api)
    open_period(api, world.store, "2026-05")

    line = kpi_line(api, "manager_a", "2026-05", world.a2)

    assert units(line) == (Decimal("1.5"), None)


def test_an_unwind_after_the_close_shows_in_the_evaluation_beside_the_units_paid(
    api: Api,
) -> None:
    world, _ = approved_may(api)
    open_period(api, world.store, "2026-06")
    unwind(api, world.other, JUNE_3)
    scorecard = api.ok(api.post("admin", "/scorecards", {"name": "Units"}))
    api.ok(api.post("admin", f"/scorecards/{scorecard['id']}/versions", UNITS_ONLY))
    body = {"salesperson_id": str(world.a2), "month": "2026-05"}
    goal = {"scope": "salesperson", "subject_id": str(world.a2), "kpi_id": "units", "value": "2"}
    api.ok(api.post("manager_a", "/targets", {**goal, "month": "2026-05"}))
    evaluation = api.ok(api.post("manager_a", "/evaluations", body))["id"]

    one = api.ok(api.get("sales_a2", f"/evaluations/{evaluation}", params=fresh(api)), 200)
    listed = api.ok(
        api.get("sales_a2", "/evaluations", params={"month": "2026-05", **fresh(api)}), 200
    )

    scored = next(i for i in one["items"] if i["kpi_id"] == "units")
    assert (Decimal(scored["actual"]), Decimal(one["units_paid"])) == (
        Decimal("0.5"),
        Decimal("1.5"),
    )
    assert [(i["salesperson_id"], Decimal(i["units_paid"])) for i in listed["items"]] == [
        (str(world.a2), Decimal("1.5"))
    ]
