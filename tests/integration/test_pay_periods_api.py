"""Pay periods end to end through the API, on SQLite and PostgreSQL (the `settings` fixture).

Store A sells three cars in May 2026 — one alone with a finance contract, one split 50/50, one by
the colleague — under a plan paying ¥500 per new unit, 10 % of commission gross, ¥300 per finance
contract and a retroactive tier of ¥200 per unit from 1.5 units. Every figure is hand-computed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.pay.periods import PayPeriod, period_id, snapshot_hash
from domain.pay.service.payroll import Payroll
from domain.pay.service.snapshots import statements_of
from domain.pay.snapshots import PayStatementSnapshot, statement_snapshot_id
from domain.shared.actor import SYSTEM
from domain.shared.values import with_check_digit
from projections.payouts.sources import ViewPayrollSources
from tests.integration.conftest import Api
from tests.integration.four_eyes import approve as approve_period
from tests.integration.four_eyes import publish

MAY = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PLAN = [
    {"type": "per_unit", "key": "unit", "new": "500"},
    {"type": "percent_of_gross", "key": "gross", "rate": "0.10"},
    {"type": "fni", "key": "fni", "products": {"finance": {"flat": "300"}}},
    {
        "type": "volume_tiers",
        "key": "volume",
        "mode": "retroactive",
        "tiers": [{"threshold": "1.5", "amount": "200"}],
    },
]


@dataclass
class May:
    store: UUID
    a1: UUID
    a2: UUID
    solo: UUID  # a1 alone, with a finance contract
    split: UUID  # a1 and a2, half each
    other: UUID  # a2 alone
    finance_product: UUID


def fresh(api: Api) -> dict[str, int]:
    """Read-your-writes: wait until the views include everything written so far."""
    return {"position": api.runtime.app.position()}


def sell(
    api: Api,
    n: int,
    seller: UUID,
    delivered: datetime,
    *,
    split_with: UUID | None = None,
    finance: bool = False,
    store: UUID | None = None,
    make: str = "BYD",
) -> tuple[UUID, UUID | None]:
    """A new BYD (at store A) bought at ¥150,000 and sold at ¥160,000: ¥10,000 front gross, no
    pack."""
    runtime, store = api.runtime, store or api.world.store_a
    vehicle = runtime.inventory.receive_vehicle(
        SYSTEM,
        store,
        with_check_digit(f"LGXCE4CB0PA{n:06d}"),
        make,
        "Seal",
        "AWD",
        "blue",
        2026,
        "new",
        Decimal("150000"),
        Decimal("165000"),
        occurred_at=delivered - timedelta(days=20),
    ).id
    customer = runtime.crm.register_customer(
        SYSTEM, store, f"Customer {n}", f"1390000{n:04d}", owner_id=seller, occurred_at=delivered
    ).id
    deal = runtime.sales.open_deal(
        SYSTEM, store, customer, salesperson_id=seller, occurred_at=delivered - timedelta(days=3)
    ).id
    runtime.sales.attach_vehicle(SYSTEM, deal, vehicle, occurred_at=delivered - timedelta(days=3))
    runtime.sales.quote_deal(SYSTEM, deal, "160000", occurred_at=delivered - timedelta(days=2))
    product = None
    if split_with is not None:
        runtime.sales.split_credit(
            SYSTEM, deal, [(seller, "0.5"), (split_with, "0.5")], occurred_at=delivered
        )
    if finance:
        product = uuid4()
        runtime.sales.add_product(
            SYSTEM,
            deal,
            product,
            "finance",
            provider="ICBC",
            amount="100000",
            income="2000",
            occurred_at=delivered - timedelta(days=1),
        )
    runtime.sales.sign_contract(SYSTEM, deal, occurred_at=delivered - timedelta(days=1))
    runtime.sales.deliver_deal(SYSTEM, deal, occurred_at=delivered)
    return deal, product


def give_plan(api: Api, store: UUID | None = None) -> None:
    plan = api.ok(api.post("finance", "/pay-plans", {"name": "Floor 2026"}))
    publish(
        api,
        plan["id"],
        {"effective_from": "2026-01-01", "components": PLAN},
        proposer="finance",
        confirmer="admin",
    )
    api.ok(
        api.post(
            "finance",
            f"/pay-plans/{plan['id']}/assignments",
            {
                "store_id": str(store or api.world.store_a),
                "role": "salesperson",
                "effective_from": "2026-01-01",
            },
        )
    )


def may(api: Api) -> May:
    give_plan(api)
    a1, a2 = api.world.staff["sales_a1"], api.world.staff["sales_a2"]
    solo, product = sell(api, 1, a1, MAY + timedelta(days=6), finance=True)
    split, _ = sell(api, 2, a1, MAY + timedelta(days=8), split_with=a2)
    other, _ = sell(api, 3, a2, MAY + timedelta(days=10))
    assert product is not None
    return May(api.world.store_a, a1, a2, solo, split, other, product)


def open_period(api: Api, store: UUID, month: str, **extra: Any) -> str:
    body = {"store_id": str(store), "month": month, **extra}
    written = api.ok(api.post("finance", "/pay-periods", body))
    return str(written["id"])


def step(api: Api, user: str, period: str, action: str, body: Any = None) -> Any:
    return api.ok(api.post(user, f"/pay-periods/{period}/{action}", body or {}))


def approved_may(api: Api) -> tuple[May, str]:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    step(api, "finance", period, "close")
    approve_period(api, period)
    return world, period


def statement(api: Api, user: str, period: str, person: UUID) -> dict[str, Any]:
    return api.ok(
        api.get(user, f"/pay-periods/{period}/statements/{person}", params=fresh(api)), 200
    )


def by_key(record: dict[str, Any]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for line in record["lines"]:
        sums[line["component_key"]] = sums.get(line["component_key"], Decimal(0)) + Decimal(
            line["amount"]
        )
    return sums


def unwind(api: Api, deal: UUID, on: datetime) -> None:
    api.runtime.sales.unwind_deal(SYSTEM, deal, "finance rejected", occurred_at=on)


# --- provisional figures ------------------------------------------------------------------------


def test_an_open_period_shows_provisional_pay_computed_from_the_deals(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")

    a1 = statement(api, "manager_a", period, world.a1)
    a2 = statement(api, "manager_a", period, world.a2)

    # a1: solo 500 + 1,000 + 300 finance; split 250 + 500; 1.5 units × ¥200 = 300.
    assert by_key(a1) == {
        "unit": Decimal("750"),
        "gross": Decimal("1500"),
        "fni": Decimal("300"),
        "volume": Decimal("300"),
    }
    assert Decimal(a1["total"]) == Decimal("2850")
    assert Decimal(a1["units"]) == Decimal("1.5")
    # a2: split 250 + 500; other 500 + 1,000; 1.5 units × ¥200.
    assert Decimal(a2["total"]) == Decimal("2550")


def test_a_salesperson_sees_own_pay_to_date_with_the_next_tier(api: Api) -> None:
    world = may(api)
    open_period(api, world.store, "2026-05")

    mine = api.ok(api.get("sales_a1", "/me/pay", params={"month": "2026-05", **fresh(api)}), 200)

    assert Decimal(mine["total"]) == Decimal("2850")
    assert mine["period_status"] == "open"
    assert Decimal(mine["current_tier"]["current_threshold"]) == Decimal("1.5")
    assert mine["units_to_next_tier"] is None
    assert Decimal(mine["next_unit_pays"]) == Decimal("200")


def test_an_unwind_inside_an_open_period_removes_the_deal_from_its_figures(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")

    unwind(api, world.other, MAY + timedelta(days=15))
    a2 = statement(api, "manager_a", period, world.a2)

    # Only the split is left: 250 + 500, and 0.5 units are below the tier.
    assert Decimal(a2["total"]) == Decimal("750")
    assert not any(line["component_type"] == "chargeback" for line in a2["lines"])


# --- approval ------------------------------------------------------------------------------------


def test_approval_records_the_snapshot_and_its_hash(api: Api) -> None:
    _world, period = approved_may(api)

    out = api.ok(api.get("finance", f"/pay-periods/{period}", params=fresh(api)), 200)

    assert out["status"] == "approved"
    assert len(out["content_hash"]) == 64
    assert Decimal(out["totals"]["total"]) == Decimal("5400")
    assert Decimal(out["totals"]["units"]) == Decimal("3")
    listed = api.ok(api.get("finance", "/pay-periods", params=fresh(api)), 200)
    assert [(p["id"], p["status"], Decimal(p["total"])) for p in listed["items"]] == [
        (period, "approved", Decimal("5400"))
    ]


def test_the_approved_snapshot_is_kept_in_statement_records_and_verifies_bit_exact(
    api: Api,
) -> None:
    world, period = approved_may(api)
    app = api.runtime.app

    approved = app.load(PayPeriod, UUID(period), "pay period")
    stored = statements_of(app, approved)
    verified = api.ok(api.get("auditor", f"/pay-periods/{period}/verification"), 200)

    assert sorted(approved.statement_ids) == sorted([str(world.a1), str(world.a2)])
    assert approved.legacy_statements is None
    assert snapshot_hash(stored, approved.totals) == approved.content_hash
    assert verified["equal"] is True and verified["snapshot_hash"] == approved.content_hash
    mine = stored[approved.statement_ids.index(str(world.a1))]
    read = statement(api, "finance", period, world.a1)
    assert (read["total"], len(read["lines"])) == (mine["total"], len(mine["lines"]))


def test_a_command_on_an_approved_period_loads_none_of_its_statements(api: Api) -> None:
    world, period = approved_may(api)
    app = api.runtime.app

    disputed = step(api, "sales_a1", period, "disputes", {"line": 1, "reason": "split"})

    # The period's own events hold the snapshot's totals and hash, never a statement's lines
    # (read as stored, the event store's outer encryption taken off).
    cipher = app.mapper.cipher
    assert cipher is not None
    stored = app.recorder.select_events(UUID(period))
    assert all(b'"lines"' not in cipher.decrypt(bytes(e.state)) for e in stored)
    # Opened, closed, approval requested, approved (confirmed by a second person), disputed.
    assert (disputed["version"], stored[-1].originator_version) == (5, 5)
    record = app.load(
        PayStatementSnapshot, statement_snapshot_id(UUID(period), world.a1), "statement"
    )
    assert b'"lines"' in cipher.decrypt(bytes(app.recorder.select_events(record.id)[0].state))


def test_a_period_approved_with_its_statements_in_the_event_still_reads_and_verifies(
    api: Api,
) -> None:
    # Given: an approval stored the way it was before statements had records of their own
    # (class version 1: the statements inside the event).
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    step(api, "finance", period, "close")
    app = api.runtime.app
    closed = app.load(PayPeriod, UUID(period), "pay period")
    figures = Payroll(app, ViewPayrollSources(app, api.runtime.db, 5.0)).figures(closed)
    content_hash = snapshot_hash(figures.statements, figures.totals)
    # A single-step approval, as recorded before four eyes (no request first): the event alone.
    closed._approve(
        statement_ids=[s["salesperson_id"] for s in figures.statements],
        totals=figures.totals,
        content_hash=content_hash,
        occurred_at=MAY,
    )
    [event] = closed.collect_events()
    stored = app.mapper.to_stored_event(event)
    cipher = app.mapper.cipher
    assert cipher is not None  # bodies are encrypted; one stored in clear would be refused
    fields = app.mapper.transcoder.decode(cipher.decrypt(stored.state))
    del fields["class_version"], fields["statement_ids"]
    fields["statements"] = figures.statements
    state = cipher.encrypt(app.mapper.transcoder.encode(fields))
    app.recorder.insert_events([replace(stored, state=state)])

    verified = api.ok(api.get("auditor", f"/pay-periods/{period}/verification"), 200)
    mine = statement(api, "sales_a1", period, world.a1)
    listed = api.ok(api.get("finance", f"/pay-periods/{period}/statements", params=fresh(api)), 200)

    assert (verified["equal"], verified["snapshot_hash"]) == (True, content_hash)
    assert Decimal(mine["total"]) == Decimal("2850")
    assert {s["salesperson_id"] for s in listed["items"]} == {str(world.a1), str(world.a2)}


def test_approving_an_open_period_is_refused(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")

    refused = api.post("finance", f"/pay-periods/{period}/approval", {})

    assert refused.status_code == 422
    assert refused.json()["title"] == "Illegal transition"


def test_reopening_an_approved_period_is_refused(api: Api) -> None:
    _, period = approved_may(api)

    refused = api.post("finance", f"/pay-periods/{period}/reopening", {"reason": "late cost"})

    assert refused.status_code == 422


def test_adjusting_an_approved_period_is_refused(api: Api) -> None:
    world, period = approved_may(api)

    refused = api.post(
        "finance",
        f"/pay-periods/{period}/adjustments",
        {"salesperson_id": str(world.a1), "amount": "100", "reason": "late bonus"},
    )

    assert refused.status_code == 422


def test_an_adjustment_before_approval_is_a_line_of_the_snapshot(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    step(
        api,
        "manager_a",
        period,
        "adjustments",
        {"salesperson_id": str(world.a1), "amount": "-300.00", "reason": "demo car damage"},
    )
    step(api, "finance", period, "close")
    approve_period(api, period)

    a1 = statement(api, "sales_a1", period, world.a1)

    [line] = [x for x in a1["lines"] if x["component_type"] == "adjustment"]
    assert Decimal(line["amount"]) == Decimal("-300.00")
    assert line["inputs"]["approver"] == "manager_a"
    assert Decimal(a1["total"]) == Decimal("2550")


# --- chargebacks ---------------------------------------------------------------------------------


def test_an_unwind_after_approval_lands_as_a_chargeback_in_the_next_open_period(api: Api) -> None:
    world, may_period = approved_may(api)
    june = open_period(api, world.store, "2026-06")

    unwind(api, world.solo, MAY + timedelta(days=40))
    a1 = statement(api, "sales_a1", june, world.a1)

    [line] = [x for x in a1["lines"] if x["component_type"] == "chargeback"]
    # The solo deal paid 500 + 1,000 + 300 + its ¥200 of the tier line: all of it comes back.
    assert Decimal(line["amount"]) == Decimal("-2000.00")
    assert line["source_deal_ids"] == [str(world.solo)]
    assert {(link["period_id"], link["n"]) for link in line["links"]} == {
        (may_period, n) for n in (1, 3, 5, 6)
    }
    assert Decimal(a1["chargebacks"]) == Decimal("-2000.00")


def test_an_unwind_after_close_nets_to_zero_over_the_two_periods(api: Api) -> None:
    world, may_period = approved_may(api)
    june = open_period(api, world.store, "2026-06")

    unwind(api, world.split, MAY + timedelta(days=30))
    paid_in_may = {
        person: sum(
            (
                Decimal(part["amount"])
                for line in statement(api, "finance", may_period, person)["lines"]
                for part in line.get("parts", [])
                if part["deal_id"] == str(world.split)
            ),
            Decimal(0),
        )
        for person in (world.a1, world.a2)
    }
    taken_in_june = {
        person: sum(
            (
                Decimal(line["amount"])
                for line in statement(api, "finance", june, person)["lines"]
                if line["component_type"] == "chargeback"
            ),
            Decimal(0),
        )
        for person in (world.a1, world.a2)
    }

    # Each half paid 250 + 500 + its ¥100 of the tier line.
    assert paid_in_may == {world.a1: Decimal("850.00"), world.a2: Decimal("850.00")}
    assert {p: paid_in_may[p] + taken_in_june[p] for p in paid_in_may} == {
        world.a1: Decimal(0),
        world.a2: Decimal(0),
    }


def test_an_unwind_between_close_and_approval_is_paid_then_charged_back(api: Api) -> None:
    world = may(api)
    may_period = open_period(api, world.store, "2026-05")
    step(api, "finance", may_period, "close")
    unwind(api, world.other, MAY + timedelta(days=25))
    approve_period(api, may_period)
    june = open_period(api, world.store, "2026-06")

    paid = statement(api, "finance", may_period, world.a2)
    taken = statement(api, "finance", june, world.a2)

    # May was frozen before the unwind: it pays the deal (500 + 1,000 + its ¥200 of the tier).
    parts = [
        Decimal(p["amount"])
        for line in paid["lines"]
        for p in line["parts"]
        if p["deal_id"] == str(world.other)
    ]
    assert sum(parts) == Decimal("1700.00")
    assert Decimal(taken["chargebacks"]) == Decimal("-1700.00")


def test_an_unwind_after_the_protection_window_is_not_charged_back(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05", protection_days=30)
    step(api, "finance", period, "close")
    approve_period(api, period)
    june = open_period(api, world.store, "2026-06")

    unwind(api, world.solo, MAY + timedelta(days=6 + 31))
    a1 = statement(api, "sales_a1", june, world.a1)

    assert not any(line["component_type"] == "chargeback" for line in a1["lines"])


def test_a_cancelled_finance_contract_takes_back_only_its_own_pay(api: Api) -> None:
    world, _ = approved_may(api)
    june = open_period(api, world.store, "2026-06")

    api.runtime.sales.cancel_product(
        SYSTEM,
        world.solo,
        world.finance_product,
        "loan withdrawn",
        occurred_at=MAY + timedelta(days=20),
    )
    a1 = statement(api, "sales_a1", june, world.a1)

    [line] = [x for x in a1["lines"] if x["component_type"] == "chargeback"]
    assert Decimal(line["amount"]) == Decimal("-300.00")
    assert line["inputs"]["product_id"] == str(world.finance_product)


# --- recompute -----------------------------------------------------------------------------------


def test_recomputing_an_approved_period_reproduces_its_snapshot_after_later_unwinds(
    api: Api,
) -> None:
    world, may_period = approved_may(api)
    june = open_period(api, world.store, "2026-06")
    unwind(api, world.solo, MAY + timedelta(days=30))
    step(api, "finance", june, "close")
    approve_period(api, june)
    unwind(api, world.other, MAY + timedelta(days=45))

    checks = [
        api.ok(api.get("auditor", f"/pay-periods/{p}/verification", params=fresh(api)), 200)
        for p in (may_period, june)
    ]

    assert [c["equal"] for c in checks] == [True, True]
    assert checks[0]["snapshot_hash"] == checks[0]["recomputed_hash"]


def test_the_payout_view_rebuilds_to_the_same_rows(api: Api) -> None:
    from projections import runner as projection_runner
    from projections.payouts.projection import PayoutsProjection

    _world, _may_period = approved_may(api)
    api.runtime.runner.run_until_caught_up()
    db = api.runtime.db
    tables = ("rm_payouts_period", "rm_payouts_statement", "rm_payouts_line", "rm_payouts_paid")

    def rows() -> dict[str, list[Any]]:
        return {
            t: sorted(tuple(r.values()) for r in db.query(f"SELECT * FROM {t}")) for t in tables
        }

    before = rows()
    projection = PayoutsProjection()
    projection_runner.reset(db, projection)
    api.runtime.runner.run_until_caught_up()

    assert rows() == before
    assert len(before["rm_payouts_statement"]) == 2


# --- what-if -------------------------------------------------------------------------------------


def test_what_if_shows_old_and_new_pay_side_by_side_without_writing(api: Api) -> None:
    _, period = approved_may(api)
    before = api.runtime.app.position()

    answer = api.ok(
        api.post(
            "finance",
            f"/pay-periods/{period}/what-if",
            {"tiers": [{"threshold": "1", "amount": "400"}]},
        ),
        200,
    )

    # The tier pays ¥400 instead of ¥200 on 1.5 units each: +300 per person.
    assert Decimal(answer["old_total"]) == Decimal("5400")
    assert Decimal(answer["new_total"]) == Decimal("6000")
    assert {Decimal(p["difference"]) for p in answer["people"]} == {Decimal("300")}
    assert api.runtime.app.position() == before


def test_what_if_runs_a_draft_plan_for_chosen_staff(api: Api) -> None:
    world, period = approved_may(api)

    answer = api.ok(
        api.post(
            "finance",
            f"/pay-periods/{period}/what-if",
            {
                "components": [{"type": "per_unit", "key": "flat", "new": "1000"}],
                "staff_ids": [str(world.a1)],
            },
        ),
        200,
    )

    [row] = answer["people"]
    assert (Decimal(row["old_total"]), Decimal(row["new_total"])) == (
        Decimal("2850"),
        Decimal("1500"),
    )


# --- explain and disputes ------------------------------------------------------------------------


def test_explaining_a_line_shows_formula_inputs_plan_and_the_deal_events(api: Api) -> None:
    world, period = approved_may(api)

    explained = api.ok(
        api.get(
            "sales_a1",
            f"/pay-periods/{period}/statements/{world.a1}/lines/3/explain",
            params=fresh(api),
        ),
        200,
    )

    assert explained["line"]["component_key"] == "gross"
    assert "10%" in explained["line"]["formula"]
    assert explained["line"]["inputs"]["front_gross"] == "10000.00"
    assert explained["plan_version"] == 1
    [source] = explained["sources"]
    types = [e["type"] for e in source["events"]]
    assert "Deal.Delivered" in types
    assert all(e["recorded_at"] and e["actor"] for e in source["events"])
    assert all("cost" not in e["data"] for e in source["events"])


def test_a_dispute_resolved_after_approval_adjusts_the_next_open_period(api: Api) -> None:
    world, period = approved_may(api)
    june = open_period(api, world.store, "2026-06")
    step(api, "sales_a1", period, "disputes", {"line": 4, "reason": "the split was 0.6"})
    dispute = api.ok(api.get("manager_a", f"/pay-periods/{period}", params=fresh(api)), 200)[
        "disputes"
    ][0]

    step(
        api,
        "manager_a",
        period,
        f"disputes/{dispute['dispute_id']}/resolution",
        {"resolution": "agreed: 0.6", "adjustment_amount": "150.00"},
    )
    a1 = statement(api, "sales_a1", june, world.a1)

    [line] = [x for x in a1["lines"] if x["component_type"] == "adjustment"]
    assert Decimal(line["amount"]) == Decimal("150.00")
    assert line["inputs"]["dispute_id"] == dispute["dispute_id"]
    assert line["inputs"]["origin_period_id"] == period


def explain_adjustment(api: Api, period: str, person: UUID) -> dict[str, Any]:
    record = statement(api, "finance", period, person)
    [line] = [x for x in record["lines"] if x["component_type"] == "adjustment"]
    path = f"/pay-periods/{period}/statements/{person}/lines/{line['n']}/explain"
    return dict(api.ok(api.get("finance", path, params=fresh(api)), 200))


def events_by_source(explained: dict[str, Any]) -> dict[str, list[str]]:
    return {
        source["aggregate_id"]: [e["type"] for e in source["events"]]
        for source in explained["sources"]
    }


def dispute_line_4(api: Api, period: str, user: str = "manager_a") -> str:
    step(api, "sales_a1", period, "disputes", {"line": 4, "reason": "the split was 0.6"})
    dispute = api.ok(api.get(user, f"/pay-periods/{period}", params=fresh(api)), 200)["disputes"][0]
    step(
        api,
        user,
        period,
        f"disputes/{dispute['dispute_id']}/resolution",
        {"resolution": "agreed: 0.6", "adjustment_amount": "150.00"},
    )
    return str(dispute["dispute_id"])


def test_a_dispute_adjustment_in_a_later_period_explains_to_its_events(api: Api) -> None:
    world, may_period = approved_may(api)
    june = open_period(api, world.store, "2026-06")
    dispute_line_4(api, may_period)

    explained = explain_adjustment(api, june, world.a1)

    assert events_by_source(explained) == {
        june: ["PayPeriod.AdjustmentAdded"],
        may_period: ["PayPeriod.DisputeRaised", "PayPeriod.DisputeResolved"],
    }
    assert explained["line"]["inputs"]["approver"] == "manager_a"
    assert "line 4" in explained["line"]["formula"]


def test_a_dispute_settled_in_its_own_period_explains_to_its_events(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    step(api, "finance", period, "close")
    dispute = dispute_line_4(api, period)

    explained = explain_adjustment(api, period, world.a1)

    assert events_by_source(explained) == {
        period: [
            "PayPeriod.DisputeRaised",
            "PayPeriod.DisputeResolved",
            "PayPeriod.AdjustmentAdded",
        ]
    }
    line = explained["line"]
    assert line["inputs"]["dispute_id"] == dispute
    assert line["inputs"]["approver"] == "manager_a"
    assert "line 4" in line["formula"] and "manager_a" in line["formula"]
    assert Decimal(line["amount"]) == Decimal("150.00")


def test_a_salesperson_moved_mid_month_reaches_the_tier_across_both_store_periods(
    api: Api,
) -> None:
    give_plan(api)  # store A's salespeople, a1 among them on 1 May: ¥200 a unit from 1.5 units
    a1, world = api.world.staff["sales_a1"], api.world
    sell(api, 1, a1, MAY + timedelta(days=2))
    api.runtime.organisation.transfer_staff(
        SYSTEM, a1, world.store_b, occurred_at=MAY + timedelta(days=5)
    )
    sell(api, 2, a1, MAY + timedelta(days=8), store=world.store_b, make="Toyota")
    at_a, at_b = (
        open_period(api, world.store_a, "2026-05"),
        open_period(api, world.store_b, "2026-05"),
    )

    tiers = [by_key(statement(api, "finance", p, a1))["volume"] for p in (at_a, at_b)]

    # 2 units across the group × ¥200 (each store alone has 1, below the tier): ¥200 at each
    assert tiers == [Decimal("200.00"), Decimal("200.00")]


def test_resolving_a_dispute_the_period_does_not_have_is_not_found(api: Api) -> None:
    _, period = approved_may(api)

    answer = api.post(
        "manager_a",
        f"/pay-periods/{period}/disputes/{uuid4()}/resolution",
        {"resolution": "agreed"},
    )

    assert answer.status_code == 404
    assert answer.json()["title"] == "Dispute not found"


# --- roles ---------------------------------------------------------------------------------------


def test_a_salesperson_sees_only_own_statement(api: Api) -> None:
    world, period = approved_may(api)

    own = api.get("sales_a1", f"/pay-periods/{period}/statements/{world.a1}")
    colleague = api.get("sales_a1", f"/pay-periods/{period}/statements/{world.a2}")
    listed = api.ok(api.get("sales_a1", f"/pay-periods/{period}/statements"), 200)
    period_seen = api.ok(api.get("sales_a1", f"/pay-periods/{period}"), 200)

    assert (own.status_code, colleague.status_code) == (200, 404)
    assert [s["salesperson_id"] for s in listed["items"]] == [str(world.a1)]
    assert period_seen["totals"] is None


def test_a_store_manager_sees_the_stores_statements_and_not_another_stores(api: Api) -> None:
    _world, period = approved_may(api)

    own_store = api.ok(api.get("manager_a", f"/pay-periods/{period}/statements"), 200)
    other_store = api.get("manager_b", f"/pay-periods/{period}/statements")

    assert own_store["total"] == 2
    assert other_store.status_code == 404


def test_only_finance_requests_an_approval(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")
    step(api, "manager_a", period, "close")

    refused = [
        api.post(user, f"/pay-periods/{period}/approval", {}).status_code
        for user in ("manager_a", "admin", "auditor", "sales_a1")
    ]

    assert refused == [403, 403, 403, 403]
    assert approve_period(api, period)["version"] == 4  # requested at 3, confirmed at 4


def test_an_auditor_reads_and_verifies_but_changes_nothing(api: Api) -> None:
    world, period = approved_may(api)
    before = api.runtime.app.position()

    reads = [
        api.get("auditor", f"/pay-periods/{period}").status_code,
        api.get("auditor", f"/pay-periods/{period}/statements/{world.a1}").status_code,
        api.get("auditor", f"/pay-periods/{period}/verification").status_code,
    ]
    writes = [
        api.post("auditor", f"/pay-periods/{period}/payment", {"reference": "X"}).status_code,
        api.post(
            "auditor", "/pay-periods", {"store_id": str(world.store), "month": "2026-06"}
        ).status_code,
        api.post(
            "auditor",
            f"/pay-periods/{period}/adjustments",
            {"salesperson_id": str(world.a1), "amount": "1", "reason": "x"},
        ).status_code,
    ]

    assert reads == [200, 200, 200]
    assert writes == [403, 403, 403]
    assert api.runtime.app.position() == before


def test_a_second_period_for_the_same_store_and_month_is_a_conflict(api: Api) -> None:
    open_period(api, api.world.store_a, "2026-05")

    again = api.post(
        "finance", "/pay-periods", {"store_id": str(api.world.store_a), "month": "2026-05"}
    )

    assert again.status_code == 409


def test_a_periods_id_is_its_scope_and_month(api: Api) -> None:
    made = open_period(api, api.world.store_a, "2026-05")

    assert made == str(period_id(api.world.store_a, "2026-05"))


@pytest.mark.parametrize("user", ["sales_b1", "manager_b"])
def test_another_stores_staff_cannot_find_the_period(api: Api, user: str) -> None:
    period = open_period(api, api.world.store_a, "2026-05")

    assert api.get(user, f"/pay-periods/{period}").status_code == 404
