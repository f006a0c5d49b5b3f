"""Pay on used cars, end to end on both backends, hand-computed: a used car's recon cost lowers
the commission gross its salesperson is paid on, it pays the plan's used rate, and a wholesale
pays nobody and counts as no unit (docs/used-cars.md, "Pay").

Plan: ¥500 per new unit, ¥200 per used unit, 10 % of commission gross (no pack).
May 2026, store A: sales_a1 retails a Passat bought for ¥80,000.00 with ¥3,750.50 of recon at
¥96,000.00 → front gross 12,249.50 → pay 200 + 1,224.95 = ¥1,424.95. Another used car (cost
¥50,000.00 + ¥1,000.00 recon) is wholesaled for ¥49,000.00 the same month: nobody is paid for it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from domain.shared.actor import SYSTEM
from domain.shared.values import with_check_digit
from tests.integration.conftest import Api
from tests.integration.four_eyes import publish
from tests.integration.test_pay_periods_api import by_key, open_period, statement

MAY = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PLAN = [
    {"type": "per_unit", "key": "unit", "new": "500", "used": "200"},
    {"type": "percent_of_gross", "key": "gross", "rate": "0.10"},
]


def used_car(api: Api, n: int, cost: str, *recon: str) -> UUID:
    used = api.runtime.used_cars
    car = used.acquire(
        SYSTEM, api.world.store_a, "auction", "Auction", with_check_digit(f"LFV2A21K0P47{n:05d}"),
        "VW", "Passat", "", "", 2021, cost, "99800", received_on=date(2026, 5, 1), occurred_at=MAY,
    ).id  # fmt: skip
    order = uuid4()
    used.open_recon_order(SYSTEM, car, order, "Own workshop", date(2026, 5, 2), occurred_at=MAY)
    for amount in recon:
        used.add_recon_item(SYSTEM, car, order, "work", "", amount, occurred_at=MAY)
    used.start_recon_order(SYSTEM, car, order, date(2026, 5, 3), occurred_at=MAY)
    used.finish_recon_order(SYSTEM, car, order, date(2026, 5, 5), occurred_at=MAY)
    return car


def test_recon_lowers_the_paid_gross_and_a_wholesale_pays_nobody(api: Api) -> None:
    plan = api.ok(api.post("finance", "/pay-plans", {"name": "Used 2026"}))
    publish(
        api,
        plan["id"],
        {"effective_from": "2026-01-01", "components": PLAN},
        proposer="finance",
        confirmer="admin",
    )
    assignment = {"store_id": str(api.world.store_a), "role": "salesperson"}
    api.ok(
        api.post(
            "finance",
            f"/pay-plans/{plan['id']}/assignments",
            assignment | {"effective_from": "2026-01-01"},
        )
    )
    runtime, a1 = api.runtime, api.world.staff["sales_a1"]
    retailed = used_car(api, 1, "80000", "2400", "1350.50")
    runtime.used_cars.mark_front_line_ready(SYSTEM, retailed, date(2026, 5, 6), occurred_at=MAY)
    customer = runtime.crm.register_customer(
        SYSTEM, api.world.store_a, "Buyer", "13900001111", occurred_at=MAY
    ).id
    deal = runtime.sales.open_deal(SYSTEM, api.world.store_a, customer, a1, occurred_at=MAY).id
    sold = MAY + timedelta(days=6)
    runtime.sales.attach_vehicle(SYSTEM, deal, retailed, occurred_at=sold)
    runtime.sales.quote_deal(SYSTEM, deal, "96000", occurred_at=sold)
    runtime.sales.sign_contract(SYSTEM, deal, occurred_at=sold)
    runtime.sales.deliver_deal(SYSTEM, deal, occurred_at=sold)
    wholesaled = used_car(api, 2, "50000", "1000")
    runtime.used_cars.wholesale(
        SYSTEM, wholesaled, "Jiaxing Motors", "dealer", "49000", date(2026, 5, 20), occurred_at=MAY
    )

    period = open_period(api, api.world.store_a, "2026-05")
    a1_pay = statement(api, "manager_a", period, a1)
    a2_pay = statement(api, "manager_a", period, api.world.staff["sales_a2"])

    # 200 per used unit + 10 % × (96,000.00 − 83,750.50 = 12,249.50) = 200 + 1,224.95.
    assert by_key(a1_pay) == {"unit": Decimal("200"), "gross": Decimal("1224.95")}
    assert Decimal(a1_pay["total"]) == Decimal("1424.95")
    assert Decimal(a1_pay["units"]) == Decimal("1")  # the wholesale is no unit of anyone's
    assert Decimal(a2_pay["total"]) == Decimal("0")
