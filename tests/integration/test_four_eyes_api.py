"""Four eyes on pay through the API, on SQLite and PostgreSQL (the `settings` fixture).

An adjustment above the threshold (¥2,000 by default), a period's approval and a pay plan
version are made by one person and confirmed by another, who is neither the proposer nor the
one the pay is for; refusals are problem+json (403 for who may not, 409 for what no longer
waits) and change nothing (docs/payroll.md, "Four eyes"). The world is May 2026 of store A
(tests/integration/test_pay_periods_api.py): a1 earns ¥2,850.00.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from domain.pay.four_eyes import DEFAULT_CONFIRM_ABOVE
from tests.integration.conftest import Api
from tests.integration.four_eyes import approve
from tests.integration.test_pay_periods_api import may, open_period, statement, step
from workers.settings import Settings

BONUS = {"amount": "2500.00", "reason": "record month"}


def propose(api: Api, user: str, period: str, person: Any, **body: Any) -> dict[str, Any]:
    answer = api.ok(
        api.post(
            user,
            f"/pay-periods/{period}/adjustments",
            {"salesperson_id": str(person), **BONUS, **body},
        )
    )
    return dict(answer)


def decide(api: Api, user: str, period: str, adjustment: str, action: str, **body: Any) -> Any:
    return api.post(user, f"/pay-periods/{period}/adjustments/{adjustment}/{action}", body)


def adjustments_total(api: Api, period: str, person: Any) -> Decimal:
    return Decimal(statement(api, "finance", period, person)["adjustments"])


def test_an_adjustment_above_the_threshold_counts_only_once_a_second_person_confirms_it(
    api: Api,
) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")

    proposed = propose(api, "manager_a", period, world.a1)
    before = adjustments_total(api, period, world.a1)
    confirmed = decide(api, "admin", period, proposed["adjustment_id"], "confirmation")
    after = statement(api, "finance", period, world.a1)

    assert proposed["status"] == "proposed"
    assert before == Decimal("0.00")
    assert confirmed.status_code == 201
    [line] = [x for x in after["lines"] if x["component_type"] == "adjustment"]
    assert (Decimal(line["amount"]), line["inputs"]["approver"]) == (Decimal("2500.00"), "admin")
    assert Decimal(after["total"]) == Decimal("5350.00")  # ¥2,850.00 + ¥2,500.00


def test_the_explain_of_a_confirmed_adjustment_shows_who_proposed_and_who_confirmed(
    api: Api,
) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    proposed = propose(api, "manager_a", period, world.a1)
    decide(api, "finance", period, proposed["adjustment_id"], "confirmation")
    record = statement(api, "finance", period, world.a1)
    n = next(x["n"] for x in record["lines"] if x["component_type"] == "adjustment")

    explained = api.ok(
        api.get("finance", f"/pay-periods/{period}/statements/{world.a1}/lines/{n}/explain"), 200
    )

    [source] = [s for s in explained["sources"] if s["kind"] == "pay period"]
    events = [(e["type"], e["data"]) for e in source["events"]]
    assert [t for t, _ in events] == [
        "PayPeriod.AdjustmentProposed",
        "PayPeriod.AdjustmentConfirmed",
    ]
    assert events[0][1]["proposer"] == "manager_a"
    assert Decimal(str(events[0][1]["threshold"])) == DEFAULT_CONFIRM_ABOVE
    assert events[1][1]["confirmer"] == "finance"


def test_a_store_manager_may_propose_but_never_confirm_an_adjustment(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    proposed = propose(api, "finance", period, world.a1)
    before = api.runtime.app.position()

    answer = decide(api, "manager_a", period, proposed["adjustment_id"], "confirmation")

    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert api.runtime.app.position() == before


def test_confirming_ones_own_proposal_is_forbidden_and_changes_nothing(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    proposed = propose(api, "finance", period, world.a1)
    before = api.runtime.app.position()

    answer = decide(api, "finance", period, proposed["adjustment_id"], "confirmation")

    assert answer.status_code == 403
    assert answer.json()["title"] == "A second person must confirm"
    assert api.runtime.app.position() == before
    assert adjustments_total(api, period, world.a1) == Decimal("0.00")


def test_nobody_adjusts_their_own_pay_even_below_the_threshold(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    own = api.world.staff["manager_a"]
    before = api.runtime.app.position()

    answers = [
        api.post(
            "manager_a",
            f"/pay-periods/{period}/adjustments",
            {"salesperson_id": str(own), "amount": amount, "reason": "my bonus"},
        )
        for amount in ("100.00", "2500.00")
    ]

    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json()["title"] == "The beneficiary may not decide"
    assert api.runtime.app.position() == before


def test_an_adjustment_up_to_the_threshold_counts_at_once_and_records_the_threshold(
    api: Api,
) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")

    entered = propose(api, "manager_a", period, world.a1, amount="-2000.00")

    assert entered["status"] == "confirmed"
    assert adjustments_total(api, period, world.a1) == Decimal("-2000.00")
    [event] = [
        e
        for e in api.ok(api.get("auditor", f"/history/{period}"), 200)["events"]
        if e["type"] == "PayPeriod.AdjustmentAdded"
    ]
    assert Decimal(str(event["data"]["threshold"])) == DEFAULT_CONFIRM_ABOVE


def test_confirming_twice_or_after_a_withdrawal_is_a_conflict(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    confirmed = propose(api, "manager_a", period, world.a1)
    withdrawn = propose(api, "manager_a", period, world.a2)
    decide(api, "admin", period, confirmed["adjustment_id"], "confirmation")
    api.ok(decide(api, "manager_a", period, withdrawn["adjustment_id"], "withdrawal", reason="x"))
    before = api.runtime.app.position()

    again = decide(api, "finance", period, confirmed["adjustment_id"], "confirmation")
    late = decide(api, "admin", period, withdrawn["adjustment_id"], "confirmation")

    assert (again.status_code, late.status_code) == (409, 409)
    assert again.json()["title"] == "Nothing waiting for confirmation"
    assert api.runtime.app.position() == before
    assert adjustments_total(api, period, world.a2) == Decimal("0.00")


def test_a_refusal_is_recorded_with_its_reason_and_shown_on_the_period(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    proposed = propose(api, "manager_a", period, world.a1)

    api.ok(decide(api, "finance", period, proposed["adjustment_id"], "refusal", reason="no budget"))

    shown = api.ok(api.get("manager_a", f"/pay-periods/{period}"), 200)
    [proposal] = shown["proposals"]
    assert (proposal["status"], proposal["decided_by"], proposal["decision_reason"]) == (
        "refused",
        "finance",
        "no budget",
    )
    assert shown["adjustments"] == []


def test_an_approval_is_requested_by_one_person_and_confirmed_by_another(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    step(api, "finance", period, "close")

    api.ok(api.post("finance", f"/pay-periods/{period}/approval", {}))
    waiting = api.ok(api.get("finance", f"/pay-periods/{period}"), 200)
    own = api.post("finance", f"/pay-periods/{period}/approval/confirmation", {})
    confirmed = api.post("admin", f"/pay-periods/{period}/approval/confirmation", {})
    twice = api.post("admin", f"/pay-periods/{period}/approval/confirmation", {})
    verified = api.ok(api.get("auditor", f"/pay-periods/{period}/verification"), 200)

    assert (waiting["status"], waiting["approval_request"]["requester"]) == ("closed", "finance")
    assert waiting["content_hash"] is None
    assert (own.status_code, confirmed.status_code, twice.status_code) == (403, 201, 409)
    assert verified["equal"] is True
    history = api.ok(api.get("auditor", f"/history/{period}"), 200)["events"]
    steps = [(e["type"], e["actor"]) for e in history][-2:]
    assert [t for t, _ in steps] == ["PayPeriod.ApprovalRequested", "PayPeriod.Approved"]
    assert steps[0][1] != steps[1][1]


def test_a_refused_approval_leaves_the_period_closed_and_can_be_requested_again(
    api: Api,
) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    step(api, "finance", period, "close")
    api.ok(api.post("finance", f"/pay-periods/{period}/approval", {}))

    api.ok(api.post("admin", f"/pay-periods/{period}/approval/refusal", {"reason": "wait"}))
    refused = api.ok(api.get("finance", f"/pay-periods/{period}"), 200)
    approve(api, period)

    assert (refused["status"], refused["approval_request"]) == ("closed", None)
    assert api.ok(api.get("finance", f"/pay-periods/{period}"), 200)["status"] == "approved"


def test_an_approval_waits_until_the_proposed_adjustments_are_decided(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    proposed = propose(api, "manager_a", period, world.a1)
    step(api, "finance", period, "close")

    refused = api.post("finance", f"/pay-periods/{period}/approval", {})
    decide(api, "admin", period, proposed["adjustment_id"], "confirmation")
    approve(api, period)

    assert refused.status_code == 409
    assert Decimal(statement(api, "sales_a1", period, world.a1)["total"]) == Decimal("5350.00")


def test_the_queue_shows_what_waits_for_you_and_what_waits_for_another_person(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    proposed = propose(api, "finance", period, world.a1)
    plan = api.ok(api.post("admin", "/pay-plans", {"name": "Spring"}))
    api.ok(
        api.post(
            "admin",
            f"/pay-plans/{plan['id']}/versions",
            {"effective_from": "2026-07-01", "components": [{"type": "per_unit", "key": "u"}]},
        )
    )

    for_finance = api.ok(api.get("finance", "/me/confirmations"), 200)
    for_admin = api.ok(api.get("admin", "/me/confirmations"), 200)
    for_manager = api.ok(api.get("manager_a", "/me/confirmations"), 200)

    def seen(items: list[dict[str, Any]]) -> set[tuple[str, bool]]:
        return {(i["kind"], i["mine"]) for i in items}

    assert seen(for_finance) == {("adjustment", True), ("plan_version", False)}
    assert seen(for_admin) == {("adjustment", False), ("plan_version", True)}
    assert seen(for_manager) == {("adjustment", False)}  # sees it; may not confirm it
    assert for_admin[0]["adjustment_id"] == proposed["adjustment_id"]


# --- plan versions -------------------------------------------------------------------------------


def test_a_proposed_plan_version_is_not_in_force_until_another_person_confirms_it(
    api: Api,
) -> None:
    staff = str(api.world.staff["sales_a1"])
    plan = api.ok(api.post("finance", "/pay-plans", {"name": "Floor"}))
    api.ok(
        api.post(
            "finance",
            f"/pay-plans/{plan['id']}/assignments",
            {"staff_id": staff, "effective_from": "2026-01-01"},
        )
    )
    body = {"effective_from": "2026-01-01", "components": [{"type": "per_unit", "key": "u"}]}
    proposed = api.ok(api.post("finance", f"/pay-plans/{plan['id']}/versions", body))
    in_force = f"/pay-plans/in-force?month=2026-05&staff_id={staff}"

    before = api.ok(api.get("finance", in_force), 200)
    own = api.post("finance", f"/pay-plans/{plan['id']}/versions/1/confirmation", {})
    confirmed = api.post("admin", f"/pay-plans/{plan['id']}/versions/1/confirmation", {})
    after = api.ok(api.get("finance", in_force), 200)

    assert (proposed["published"], proposed["plan_version"]) == (False, 1)
    assert before["version"] is None
    assert (own.status_code, confirmed.status_code) == (403, 201)
    assert confirmed.json()["published"] is True
    assert after["version"] == 1


def test_confirming_a_withdrawn_or_refused_plan_version_is_a_conflict(api: Api) -> None:
    plan = api.ok(api.post("finance", "/pay-plans", {"name": "Floor"}))
    body = {"effective_from": "2026-01-01", "components": [{"type": "per_unit", "key": "u"}]}
    versions = f"/pay-plans/{plan['id']}/versions"
    api.ok(api.post("finance", versions, body))
    api.ok(api.post("finance", versions + "/1/withdrawal", {"reason": "typo"}))
    api.ok(api.post("finance", versions, body))
    api.ok(api.post("admin", versions + "/1/refusal", {"reason": "too generous"}))
    before = api.runtime.app.position()

    answer = api.post("admin", versions + "/1/confirmation", {})

    assert answer.status_code == 409
    assert api.runtime.app.position() == before
    assert api.ok(api.get("finance", f"/pay-plans/{plan['id']}"), 200)["versions"] == []


# --- the threshold is a setting ------------------------------------------------------------------


def test_the_threshold_comes_from_the_environment_and_reaches_the_payroll(
    api: Api, tmp_path: Path
) -> None:
    env = {"SHOWROOM_DATA_DIR": str(tmp_path / "var"), "SHOWROOM_ADJUSTMENT_CONFIRM_ABOVE": "500"}

    chosen = Settings.from_env(env)

    assert chosen.adjustment_confirm_above == Decimal("500.00")
    assert Settings.from_env(
        {"SHOWROOM_DATA_DIR": str(tmp_path / "var")}
    ).adjustment_confirm_above == (Decimal("2000.00"))
    assert api.runtime.payroll.confirm_above == api.runtime.settings.adjustment_confirm_above
