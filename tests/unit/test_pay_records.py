"""Snapshot records: a snapshot approved before the engine wrote each line's parts still reads
(what each line paid per deal) and recomputes to the same bytes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.pay import engine
from domain.pay.facts import CreditFact, PeriodFacts, ProductFact
from domain.pay.plans import PlanVersion
from domain.pay.records import compose, expanded, paid_parts

# Records, totals and hash of `period()` as composed before lines carried their parts
# (commit df46c1b): the shape of every snapshot approved until then.
STORED = Path(__file__).parent.parent / "fixtures" / "pay" / "snapshot_before_line_parts.json"
STORE = UUID(int=900)
SELLERS = (UUID(int=1), UUID(int=2))
MAY_1 = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
PLAN = PlanVersion.from_dicts(
    UUID(int=500),
    1,
    date(2026, 1, 1),
    [
        {"type": "per_unit", "key": "unit", "new": "300", "used": "150"},
        {"type": "percent_of_gross", "key": "front", "rate": "0.07", "back_rate": "0.02"},
        {
            "type": "volume_tiers",
            "key": "retro",
            "mode": "retroactive",
            "tiers": [{"threshold": "2", "rate": "0.03"}, {"threshold": "4", "rate": "0.05"}],
        },
        {
            "type": "volume_tiers",
            "key": "bands",
            "mode": "marginal",
            "tiers": [{"threshold": "1", "amount": "110"}, {"threshold": "2.5", "amount": "230"}],
        },
        {"type": "spiff", "key": "han", "amount": "700", "budget": "1500", "models": ["Han"]},
        {
            "type": "fni",
            "key": "fni",
            "products": {"finance": {"flat": "300", "rate": "0.01"}, "insurance": {"rate": "0.1"}},
        },
    ],
    "records test",
)


def credit(n: int, seller: int, share: str, front: str, *products: ProductFact) -> CreditFact:
    delivered = MAY_1 + timedelta(days=n, minutes=n)
    return CreditFact(
        deal_id=UUID(int=1000 + n),
        salesperson_id=SELLERS[seller],
        store_id=STORE,
        share=Decimal(share),
        delivered_at=delivered,
        delivered_on=delivered.date(),
        condition="used" if n % 4 == 0 else "new",
        make="BYD",
        model="Han" if n % 2 else "Seal",
        trim="EV",
        days_in_stock=20 + n,
        selling_price=Decimal("180000"),
        front_gross=Decimal(front),
        pack=Decimal("400"),
        products=products,
    )


def product(n: int, kind: str, income: str) -> ProductFact:
    return ProductFact(product_id=UUID(int=5000 + n), kind=kind, income=Decimal(income))


def period() -> PeriodFacts:
    credits = (
        credit(1, 0, "1", "5200", product(1, "finance", "1800"), product(2, "insurance", "950")),
        credit(2, 0, "0.5", "3100.50", product(3, "insurance", "1333.33")),
        credit(2, 1, "0.5", "3100.50", product(3, "insurance", "1333.33")),
        credit(3, 0, "0.75", "-800"),
        credit(3, 1, "0.25", "-800"),
        credit(4, 0, "1", "2777.77", product(4, "finance", "-50"), product(5, "gap", "600")),
        credit(5, 1, "1", "9000", product(6, "finance", "2100")),
        credit(6, 0, "0.5", "4100"),
        credit(7, 1, "1", "1234.56", product(7, "insurance", "777")),
    )
    return PeriodFacts(month="2026-05", store_id=STORE, credits=credits)


def records() -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    facts = period()
    statements = engine.calculate_period(facts, lambda _: PLAN)
    return compose(STORE, statements, facts, lambda _: PLAN, [], [])


def test_a_snapshot_stored_before_lines_carried_parts_recomputes_to_the_same_bytes() -> None:
    stored = json.loads(STORED.read_text())

    statements, totals, content_hash = records()

    assert content_hash == stored["content_hash"]
    assert statements == stored["statements"]
    assert totals == stored["totals"]


def test_a_stored_line_reads_the_parts_the_engine_wrote_for_it() -> None:
    stored = json.loads(STORED.read_text())
    facts = period()
    written = {
        (str(person), line.n): [part.to_dict() for part in line.parts]
        for person, statement in engine.calculate_period(facts, lambda _: PLAN).items()
        for line in statement.lines
    }

    read = {
        (record["salesperson_id"], line["n"]): paid_parts(line)
        for record in stored["statements"]
        for line in expanded(record)["lines"]
    }

    assert read == written
    assert any(parts and parts[0]["product_id"] for parts in read.values())  # F&I lines too
