"""Late CSI surveys end to end: a survey its month's period learnt of only after the close
re-rates that period's CSI gate, and the difference lands in the next open period.

The May world of test_pay_periods_api (a1: a solo deal with finance and half a split deal; a2:
the other half and a solo deal) under its plan plus a CSI gate: below 80 over at least one
survey, the per-unit component is halved; with no survey it passes. a1's per-unit pay in May
is ¥500 (solo) + ¥250 (half the split) = ¥750, so a gate that shuts takes back ¥375.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.satisfaction.model import survey_id_for
from tests.integration.conftest import Api
from tests.integration.four_eyes import approve as approve_period
from tests.integration.four_eyes import publish
from tests.integration.test_pay_periods_api import (
    MAY,
    PLAN,
    May,
    fresh,
    open_period,
    sell,
    statement,
    step,
)
from tests.integration.test_payout_export import export, workbook
from workers.actors.payouts import DETAIL_SHEET, SUMMARY_SHEET

GATED_PLAN = [
    *PLAN,
    {
        "type": "csi_gate",
        "key": "csi",
        "threshold": "80",
        "min_surveys": 1,
        "too_few": "pass",
        "factor": "0.5",
        "components": ["unit"],
    },
]


def gated_may(api: Api) -> May:
    plan = api.ok(api.post("finance", "/pay-plans", {"name": "Floor 2026, CSI gated"}))
    publish(
        api,
        plan["id"],
        {"effective_from": "2026-01-01", "components": GATED_PLAN},
        proposer="finance",
        confirmer="admin",
    )
    api.ok(
        api.post(
            "finance",
            f"/pay-plans/{plan['id']}/assignments",
            {
                "store_id": str(api.world.store_a),
                "role": "salesperson",
                "effective_from": "2026-01-01",
            },
        )
    )
    a1, a2 = api.world.staff["sales_a1"], api.world.staff["sales_a2"]
    solo, product = sell(api, 1, a1, MAY + timedelta(days=6), finance=True)
    split, _ = sell(api, 2, a1, MAY + timedelta(days=8), split_with=a2)
    other, _ = sell(api, 3, a2, MAY + timedelta(days=10))
    assert product is not None
    return May(api.world.store_a, a1, a2, solo, split, other, product)


def survey(api: Api, deal: UUID, overall: int, answered_on: date) -> None:
    api.ok(
        api.post(
            "manager_a",
            "/surveys",
            {
                "deal_id": str(deal),
                "answers": {"sales": overall},
                "overall": overall,
                "answered_on": answered_on.isoformat(),
            },
        )
    )


def exclude(api: Api, deal: UUID) -> None:
    api.ok(
        api.post(
            "manager_a", f"/deals/{deal}/survey/exclusion", {"reason": "customer's own mistake"}
        )
    )


def late_lines(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for line in record["lines"] if line["component_type"] == "late_survey"]


def approve(api: Api, period: str) -> None:
    step(api, "finance", period, "close")
    approve_period(api, period)


def test_a_survey_recorded_after_the_close_re_rates_the_gate_in_the_next_open_period(
    api: Api,
) -> None:
    world = gated_may(api)
    may = open_period(api, world.store, "2026-05")
    approve(api, may)
    june = open_period(api, world.store, "2026-06")

    survey(api, world.solo, 50, date(2026, 5, 28))  # answered in May, learnt of in June
    a1 = statement(api, "sales_a1", june, world.a1)
    a2 = statement(api, "manager_a", june, world.a2)

    [line] = late_lines(a1)
    assert Decimal(line["amount"]) == Decimal("-375.00")  # ¥750 per unit × 0.5 − ¥750
    assert line["inputs"]["origin_month"] == "2026-05"
    assert line["inputs"]["csi_before"] is None and line["inputs"]["csi_after"] == "50.00"
    assert line["inputs"]["survey_ids"] == [str(survey_id_for(world.solo))]
    assert line["source_deal_ids"] == [str(world.solo)]
    assert line["links"][0]["period_id"] == may
    assert Decimal(a1["adjustments"]) == Decimal("-375.00")
    assert Decimal(a1["total"]) == Decimal("-375.00")
    assert late_lines(a2) == []  # the survey rates only a1's solo deal
    # The approved May snapshot is untouched.
    may_a1 = statement(api, "sales_a1", may, world.a1)
    assert late_lines(may_a1) == [] and Decimal(may_a1["total"]) == Decimal("2850")


def test_an_exclusion_after_the_close_gives_back_what_the_gate_took(api: Api) -> None:
    world = gated_may(api)
    survey(api, world.solo, 50, date(2026, 5, 28))
    may = open_period(api, world.store, "2026-05")
    approve(api, may)
    may_a1 = statement(api, "sales_a1", may, world.a1)
    assert Decimal(may_a1["total"]) == Decimal("2850") - Decimal("375")
    june = open_period(api, world.store, "2026-06")

    exclude(api, world.solo)
    [line] = late_lines(statement(api, "sales_a1", june, world.a1))

    assert Decimal(line["amount"]) == Decimal("375.00")
    assert (line["inputs"]["csi_before"], line["inputs"]["csi_after"]) == ("50.00", None)


def test_a_survey_of_a_period_still_open_counts_in_it_and_is_not_late(api: Api) -> None:
    world = gated_may(api)
    may = open_period(api, world.store, "2026-05")
    june = open_period(api, world.store, "2026-06")

    survey(api, world.solo, 50, date(2026, 5, 28))

    may_a1 = statement(api, "sales_a1", may, world.a1)
    assert Decimal(may_a1["total"]) == Decimal("2475")
    assert late_lines(statement(api, "sales_a1", june, world.a1)) == []


def test_a_survey_that_leaves_the_gate_as_it_was_settles_nothing(api: Api) -> None:
    world = gated_may(api)
    may = open_period(api, world.store, "2026-05")
    approve(api, may)
    june = open_period(api, world.store, "2026-06")

    survey(api, world.solo, 95, date(2026, 5, 28))  # passes, as May's "no survey" did

    assert late_lines(statement(api, "sales_a1", june, world.a1)) == []


def test_late_survey_changes_split_over_later_periods_add_up_and_every_snapshot_verifies(
    api: Api,
) -> None:
    world = gated_may(api)
    may = open_period(api, world.store, "2026-05")
    approve(api, may)
    june = open_period(api, world.store, "2026-06")
    survey(api, world.solo, 50, date(2026, 5, 28))
    approve(api, june)
    july = open_period(api, world.store, "2026-07")

    exclude(api, world.solo)  # learnt of in July: June's window is closed
    june_a1 = statement(api, "sales_a1", june, world.a1)
    july_a1 = statement(api, "sales_a1", july, world.a1)

    assert [Decimal(x["amount"]) for x in late_lines(june_a1)] == [Decimal("-375.00")]
    assert [Decimal(x["amount"]) for x in late_lines(july_a1)] == [Decimal("375.00")]
    approve(api, july)
    checks = [
        api.ok(api.get("auditor", f"/pay-periods/{p}/verification", params=fresh(api)), 200)
        for p in (may, june, july)
    ]
    assert [c["equal"] for c in checks] == [True, True, True]


def test_a_late_survey_line_is_explained_by_the_survey_events(api: Api) -> None:
    world = gated_may(api)
    may = open_period(api, world.store, "2026-05")
    approve(api, may)
    june = open_period(api, world.store, "2026-06")
    survey(api, world.solo, 50, date(2026, 5, 28))
    [line] = late_lines(statement(api, "sales_a1", june, world.a1))

    explained = api.ok(
        api.get(
            "sales_a1",
            f"/pay-periods/{june}/statements/{world.a1}/lines/{line['n']}/explain",
            params=fresh(api),
        ),
        200,
    )

    kinds = {source["kind"]: source for source in explained["sources"]}
    assert "survey" in kinds
    assert kinds["survey"]["events"][0]["type"].endswith("Answered")
    assert "CSI none counted → 50.00" in explained["line"]["formula"]


def test_the_payout_workbook_counts_a_late_survey_with_the_adjustments(api: Api) -> None:
    world = gated_may(api)
    may = open_period(api, world.store, "2026-05")
    approve(api, may)
    june = open_period(api, world.store, "2026-06")
    survey(api, world.solo, 50, date(2026, 5, 28))
    approve(api, june)

    _, download = export(api, june)
    book = workbook(download.content)
    rows = list(book[SUMMARY_SHEET].iter_rows(values_only=True))
    detail = list(book[DETAIL_SHEET].iter_rows(values_only=True))

    header = rows[0]
    a1 = next(row for row in rows[1:] if str(world.a1) in row)
    assert Decimal(str(a1[header.index("Adjustments")])) == Decimal("-375")
    assert Decimal(str(a1[header.index("Total")])) == Decimal("-375")
    assert any("late_survey" in row for row in detail[1:])
