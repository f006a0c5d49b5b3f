"""The demo's logins and pay plan: what `make run` prints and what the README lists."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.organisation.model import User
from domain.pay.service.plans import PayPlans
from domain.shared import months
from domain.shared.actor import SYSTEM, Principal, Role
from domain.shared.clock import DEFAULT_TIMEZONE
from ops.simulation.presets import DEMO
from projections.directory.queries import list_staff, list_stores
from workers.runtime import Runtime

GROUP_LOGINS: tuple[tuple[str, str, Role, str], ...] = (
    ("admin", "showroom-admin", Role.ADMIN, "administrator: stores, staff, logins"),
    ("exec", "showroom-exec", Role.GROUP_EXEC, "group executive: every store, read-only"),
    ("finance", "showroom-finance", Role.FINANCE, "finance / payroll"),
    ("auditor", "showroom-auditor", Role.AUDITOR, "auditor: history and integrity of the log"),
)
MANAGER_PASSWORD = "showroom-manager"
SALES_PASSWORD = "showroom-sales"


def demo_logins(stores: int = 3) -> list[tuple[str, str, str, str]]:
    """(username, password, role, description) of every demo login, for printing."""
    logins = [(u, p, r.value, d) for u, p, r, d in GROUP_LOGINS]
    specs = [DEMO.store(index) for index in range(stores)]
    for index, spec in enumerate(specs):
        manager = f"manager{index + 1}"
        logins.append((manager, MANAGER_PASSWORD, Role.STORE_MANAGER.value, f"经理, {spec.name}"))
    number = 0
    for spec in specs:
        for _ in range(spec.sellers):
            number += 1
            logins.append(
                (f"sales{number}", SALES_PASSWORD, Role.SALESPERSON.value, f"销售顾问, {spec.name}")
            )
    return logins


# The demo's pay plan: a flat per unit, 20 % of commission gross with a ¥300 mini, retroactive
# volume tiers, and F&I (a flat per finance contract, 10 % of insurance income), assigned to
# every store's salespeople from the demo's first month.
STANDARD_PLAN: list[dict[str, Any]] = [
    {"type": "per_unit", "key": "unit", "new": "300", "used": "200"},
    {"type": "percent_of_gross", "key": "commission", "rate": "0.20", "mini": "300"},
    {
        "type": "volume_tiers",
        "key": "volume",
        "mode": "retroactive",
        "tiers": [{"threshold": "4", "amount": "100"}, {"threshold": "8", "amount": "200"}],
    },
    {
        "type": "fni",
        "key": "fni",
        "products": {"finance": {"flat": "300"}, "insurance": {"rate": "0.1"}},
    },
]


# Who confirms the generated plan's version: a second person besides the system, as four eyes
# on pay require (docs/pay-plans.md).
PLAN_CONFIRMER = Principal(user_id="demo-plan-confirmer", role=Role.FINANCE, username="demo-plans")


def publish_standard_plan(plans: PayPlans, first_day: date, store_ids: list[UUID]) -> None:
    """The standard plan, in force from the month of `first_day` for every store's salespeople."""
    first = first_day.replace(day=1)
    when = datetime.combine(first, time(9), ZoneInfo(DEFAULT_TIMEZONE))
    plan_id = plans.create_plan(
        SYSTEM, "Sales floor standard", "The demo's pay plan", occurred_at=when
    ).id
    # Four eyes: the system proposes the version, a second (simulated) person confirms it.
    plans.propose_version(SYSTEM, plan_id, first, STANDARD_PLAN, "demo", occurred_at=when)
    plans.confirm_version(PLAN_CONFIRMER, plan_id, occurred_at=when)
    for store_id in store_ids:
        plans.assign(
            SYSTEM, plan_id, first, store_id=store_id, role="salesperson", occurred_at=when
        )


def settle_demo_office(runtime: Runtime, first_day: date, today: date) -> list[str]:
    """What the demo's managers and finance have done by `today`: targets for every month
    (set_demo_targets), then the payroll (settle_demo_pay). Answers the months approved."""
    set_demo_targets(runtime, first_day, today)
    return settle_demo_pay(runtime, first_day, today)


def settle_demo_pay(runtime: Runtime, first_day: date, today: date) -> list[str]:
    """The demo's payroll: each month before `today`'s approved for the group, today's open.

    Run once the views hold the demo (approval computes from them), so that the finance,
    verification and statement pages show real figures on the first `make run`. Finance requests
    each approval and the admin confirms it (four eyes), as in a real group. Answers the months
    it approved.
    """
    finance = runtime.organisation.principal(User.id_for("finance"))
    admin = runtime.organisation.principal(User.id_for("admin"))
    if finance is None or admin is None:
        return []
    payroll = runtime.payroll
    current = months.of_day(today)
    month = months.of_day(first_day)
    approved: list[str] = []
    while month < current:
        period = payroll.open_period(finance, None, month)
        payroll.close_period(finance, period.id)
        payroll.request_approval(finance, period.id)
        payroll.confirm_approval(admin, period.id)
        approved.append(month)
        month = months.next_month(month)
    payroll.open_period(finance, None, current)
    return approved


# The demo's monthly targets: per salesperson, and per store (the sellers' sum for units and
# gross). Set for every month of the demo so "against target" shows on the boards and My month.
SALESPERSON_TARGETS: tuple[tuple[str, str], ...] = (
    ("units", "3"),
    ("gross", "30000"),
    ("conversion_rate", "0.12"),
    ("csi", "90"),
)


def set_demo_targets(runtime: Runtime, first_day: date, today: date) -> int:
    """Targets for every month of the demo (set by the admin); answers how many were set."""
    admin = runtime.organisation.principal(User.id_for("admin"))
    if admin is None:
        return 0
    stores = list_stores(runtime.db, active=True, limit=1000)["items"]
    count = 0
    month = months.of_day(first_day)
    last = months.of_day(today)
    while month <= last:
        for store in stores:
            sellers = list_staff(
                runtime.db, store_id=store["id"], role="salesperson", active=True, limit=1000
            )["items"]
            for seller in sellers:
                for kpi_id, value in SALESPERSON_TARGETS:
                    runtime.performance.set_target(
                        admin, "salesperson", seller["id"], month, kpi_id, 1, value
                    )
                    count += 1
            for kpi_id, value in SALESPERSON_TARGETS[:2]:
                total = Decimal(value) * len(sellers)
                runtime.performance.set_target(admin, "store", store["id"], month, kpi_id, 1, total)
                count += 1
        month = months.next_month(month)
    return count
