"""Benchmark of the pay engine: one month for a dealer group, computed in memory.

    .venv/bin/python -m ops.bench.pay_engine [salespeople] [deals]

Builds synthetic facts (10 % split deals, F&I products on most deals, a CSI survey on a third,
an evaluation for everyone, draw balances for some) and three realistic plan versions using
every component, then times `calculate_period` and measures its peak memory with tracemalloc
(an untraced run gives the time, wall and CPU: tracing slows Python allocations down).
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.pay.engine import calculate_period
from domain.pay.facts import CreditFact, PeriodFacts, ProductFact, SurveyFact
from domain.pay.plans import PlanVersion

MONTH = "2026-03"
START = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
MODELS = (("Han", "EV"), ("Han", "DM-i"), ("Seal", "AWD"), ("Song", "Plus"), ("Qin", "L"))
KINDS = ("finance", "insurance", "warranty", "gap", "accessories")


def _uuid(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def plans(count: int = 3) -> list[PlanVersion]:
    """Plan versions that use every component type."""
    base: list[dict[str, Any]] = [
        {"type": "per_unit", "key": "unit", "new": "300", "used": "200"},
        {
            "type": "percent_of_gross",
            "key": "gross",
            "rate": "0.2",
            "back_rate": "0.05",
            "mini": "400",
        },
        {
            "type": "volume_tiers",
            "key": "tiers",
            "mode": "retroactive",
            "tiers": [
                {"threshold": "8", "amount": "200"},
                {"threshold": "12", "amount": "400"},
                {"threshold": "18", "amount": "600"},
            ],
        },
        {
            "type": "volume_tiers",
            "key": "gross_ladder",
            "mode": "marginal",
            "tiers": [{"threshold": "0", "rate": "0.02"}, {"threshold": "10", "rate": "0.04"}],
        },
        {
            "type": "spiff",
            "key": "han_aged",
            "amount": "1000",
            "models": ["Han"],
            "min_days_in_stock": 30,
            "budget": "200000",
        },
        {
            "type": "fni",
            "key": "fni",
            "products": {
                "finance": {"flat": "300"},
                "insurance": {"flat": "100", "rate": "0.05"},
                "warranty": {"rate": "0.1"},
                "accessories": {"rate": "0.08"},
            },
        },
        {"type": "scorecard_bonus", "key": "scorecard", "amount": "2000"},
        {
            "type": "csi_gate",
            "key": "csi",
            "threshold": "85",
            "min_surveys": 3,
            "too_few": "pass",
            "factor": "0.5",
            "components": ["tiers", "scorecard"],
        },
        {"type": "cap", "key": "spiff_cap", "component": "han_aged", "limit": "5000"},
        {"type": "cap", "key": "total_cap", "limit": "60000"},
        {"type": "draw", "key": "draw", "amount": "3000"},
    ]
    return [
        PlanVersion.from_dicts(UUID(int=i + 1), 1, date(2026, 1, 1), base, f"plan {i}")
        for i in range(count)
    ]


def facts(salespeople: int, deals: int, seed: int) -> PeriodFacts:
    rng = random.Random(seed)
    stores = [_uuid(rng) for _ in range(max(1, salespeople // 50))]
    people = [(_uuid(rng), stores[i % len(stores)]) for i in range(salespeople)]
    credits: list[CreditFact] = []
    surveys: list[SurveyFact] = []
    for _ in range(deals):
        deal_id = _uuid(rng)
        seller, store = people[rng.randrange(salespeople)]
        split = rng.random() < 0.1
        sellers = (
            [(seller, Decimal("0.5")), (people[rng.randrange(salespeople)][0], Decimal("0.5"))]
            if split
            else [(seller, Decimal(1))]
        )
        when = START + timedelta(minutes=rng.randrange(60 * 24 * 30))
        model, trim = MODELS[rng.randrange(len(MODELS))]
        products = tuple(
            ProductFact(_uuid(rng), kind, Decimal(rng.randrange(200, 4000)))
            for kind in KINDS
            if rng.random() < 0.4
        )
        for person, share in sellers:
            credits.append(
                CreditFact(
                    deal_id=deal_id,
                    salesperson_id=person,
                    store_id=store,
                    share=share,
                    delivered_at=when,
                    delivered_on=when.date(),
                    condition="new" if rng.random() < 0.8 else "used",
                    make="BYD",
                    model=model,
                    trim=trim,
                    days_in_stock=rng.randrange(0, 120),
                    selling_price=Decimal(rng.randrange(100000, 300000)),
                    front_gross=Decimal(rng.randrange(-2000, 12000)),
                    pack=Decimal(500),
                    products=products,
                )
            )
            if rng.random() < 0.33:
                surveys.append(
                    SurveyFact(
                        _uuid(rng),
                        deal_id,
                        person,
                        Decimal(rng.randrange(60, 101)),
                        when.date(),
                        excluded=rng.random() < 0.05,
                    )
                )
    return PeriodFacts(
        month=MONTH,
        store_id=None,
        credits=tuple(credits),
        surveys=tuple(surveys),
        evaluation_scores={p: Decimal(rng.randrange(40, 101)) for p, _ in people},
        draw_balances={p: Decimal(rng.randrange(0, 3000)) for p, _ in people[::7]},
    )


def run(salespeople: int = 2000, deals: int = 40000, seed: int = 1) -> dict[str, Any]:
    """Compute one month; answer the sizes, the seconds and the peak traced memory."""
    built = time.perf_counter()
    period = facts(salespeople, deals, seed)
    versions = plans()
    built = time.perf_counter() - built

    def plan_of(person: UUID) -> PlanVersion:
        return versions[person.int % len(versions)]

    started, cpu = time.perf_counter(), time.process_time()
    statements = calculate_period(period, plan_of)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu

    tracemalloc.start()
    calculate_period(period, plan_of)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    result = {
        "salespeople": len(statements),
        "deals": deals,
        "credits": len(period.credits),
        "lines": sum(len(s.lines) for s in statements.values()),
        "total": str(sum((s.total for s in statements.values()), Decimal(0))),
        "facts_seconds": round(built, 2),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),  # the same on a busy machine, where wall time is not
        "peak_mib": round(peak / 2**20, 1),
    }
    print(result)
    return result


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:3]]
    run(*sizes)
