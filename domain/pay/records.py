"""A period's snapshot records: each salesperson's statement as the snapshot keeps it, and totals.

Pure: the engine's statements, the period's adjustments, chargebacks and late-survey re-ratings in;
records (lines numbered on after the engine's), totals and the content hash out. `expanded`
completes a stored record's lines for readers; `paid_parts` is what a stored line paid per deal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.pay import lines
from domain.pay.chargebacks import Chargeback, LateSurvey
from domain.pay.engine import collector_paused
from domain.pay.facts import CreditFact, PeriodFacts
from domain.pay.fields import cents
from domain.pay.periods import snapshot_hash
from domain.pay.plans import PlanVersion
from domain.pay.statement import LinePart, Statement
from domain.shared.values import money

ZERO = Decimal("0.00")
DRAW_TYPES = ("draw",)
OWN_LINE_TYPES = ("adjustment", "chargeback", "late_survey")


def _adjustment_line(n: int, adjustment: Mapping[str, Any]) -> dict[str, Any]:
    dispute = adjustment.get("dispute_id")
    kind = "dispute" if dispute is not None else "manual"
    approver = adjustment.get("approver") or ""
    words = f"{kind} adjustment: {adjustment['reason']}"
    if approver:
        words += f" (approved by {approver})"
    return {
        "n": n,
        "component_key": "adjustment",
        "component_type": "adjustment",
        "source_deal_ids": [],
        "inputs": {
            "adjustment_id": str(adjustment["adjustment_id"]),
            "kind": kind,
            "reason": adjustment["reason"],
            "approver": approver,
            "dispute_id": None if dispute is None else str(dispute),
            "origin_period_id": (
                None
                if adjustment.get("origin_period_id") is None
                else str(adjustment["origin_period_id"])
            ),
        },
        "formula": words,
        "amount": str(money(adjustment["amount"], field="amount", allow_negative=True)),
    }


def paid_parts(line: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What a stored line paid per deal (an F&I line: per product), as the engine wrote it.

    A snapshot record keeps the parts of a volume-tier line (they depend on the period's
    credits); a per-deal line's one part is its deal and amount, and an F&I line's parts are its
    amount split over the products it lists (`lines.split` by `lines.fni_weights`, as the
    engine split it), so records stored before lines carried parts read the same."""
    if "parts" in line:
        return list(line["parts"])
    kind, amount = line["component_type"], Decimal(line["amount"])
    if kind not in lines.DEAL_LINES or amount == 0 or not line["source_deal_ids"]:
        return []
    deal = UUID(line["source_deal_ids"][0])
    if kind in lines.PER_DEAL:
        return [LinePart(deal, None, amount).to_dict()]
    if kind != "fni":
        return []
    products = line["inputs"]["products"]
    keys = [(deal, UUID(p["product_id"])) for p in products]
    weights = lines.fni_weights(products, Decimal(line["inputs"]["share"]))
    return [part.to_dict() for part in lines.split(amount, keys, weights)]


def expanded(record: Mapping[str, Any]) -> dict[str, Any]:
    """A stored statement record with every line complete: salesperson, plan, parts."""
    lines = []
    for line in record["lines"]:
        planned = line["component_type"] not in OWN_LINE_TYPES
        lines.append(
            {
                **line,
                "salesperson_id": record["salesperson_id"],
                "plan_id": record["plan_id"] if planned else None,
                "plan_version": record["plan_version"] if planned else None,
                "parts": paid_parts(line),
            }
        )
    return {**record, "lines": lines}


@dataclass
class PeriodFigures:
    """Statements of a period as computed now (or as known at its close)."""

    statements: list[dict[str, Any]]
    totals: dict[str, Any]
    content_hash: str  # "" for provisional figures nobody asked to hash
    known_at: datetime | None
    facts: PeriodFacts | None = None
    engine_statements: dict[UUID, Statement] = field(default_factory=dict)

    def statement(self, salesperson_id: UUID) -> dict[str, Any] | None:
        key = str(salesperson_id)
        return next((s for s in self.statements if s["salesperson_id"] == key), None)


def statement_record(
    statement: Statement,
    store_id: UUID | None,
    plan: PlanVersion | None,
    adjustments: Sequence[Mapping[str, Any]],
    chargebacks: Sequence[Chargeback],
    ids: dict[UUID, str] | None = None,
    late: Sequence[LateSurvey] = (),
) -> dict[str, Any]:
    """One salesperson's statement as the snapshot keeps it: the engine's lines (with what each
    paid per deal) and then the period's adjustments, chargebacks and late-survey re-ratings
    (counted with the adjustments), numbered on.

    `ids` remembers deal ids as text across statements (a group's period has 150,000 lines)."""
    text_of = {} if ids is None else ids
    lines: list[dict[str, Any]] = []
    by_type: dict[str, Decimal] = defaultdict(lambda: ZERO)
    components: dict[str, Decimal] = {}
    for engine_line in statement.lines:
        deals = []
        for deal in engine_line.source_deal_ids:
            name = text_of.get(deal)
            if name is None:
                name = text_of[deal] = str(deal)
            deals.append(name)
        # Stored lean: the salesperson and plan are the statement's, and a per-deal line's one
        # part is its deal and amount (`expanded` completes a line for readers).
        kind, amount = engine_line.component_type, engine_line.amount
        data: dict[str, Any] = {
            "n": engine_line.n,
            "component_key": engine_line.component_key,
            "component_type": kind,
            "source_deal_ids": deals,
            "inputs": engine_line.inputs,
            "formula": engine_line.formula,
            "amount": str(amount),
        }
        if kind == "volume_tiers" and engine_line.parts:
            data["parts"] = [part.to_dict() for part in engine_line.parts]
        lines.append(data)
        by_type[kind] += amount
        if kind not in DRAW_TYPES:
            key = engine_line.component_key
            components[key] = components.get(key, ZERO) + amount
    for adjustment in adjustments:
        line = _adjustment_line(len(lines) + 1, adjustment)
        lines.append(line)
        by_type["adjustment"] += Decimal(line["amount"])
    for chargeback in chargebacks:
        lines.append(chargeback.line(len(lines) + 1))
        by_type["chargeback"] += chargeback.amount
    for rerated in late:
        lines.append(rerated.line(len(lines) + 1))
        by_type["adjustment"] += rerated.amount
    total = sum(by_type.values(), ZERO)
    draw = None if statement.draw is None else statement.draw.to_dict()
    return {
        "salesperson_id": str(statement.salesperson_id),
        "store_id": None if store_id is None else str(store_id),
        "month": statement.month,
        "plan_id": None if statement.plan_id is None else str(statement.plan_id),
        "plan_version": statement.plan_version,
        "plan_name": "" if plan is None else plan.name,
        "units": str(statement.units),
        "commission_gross": str(statement.commission_gross),
        "back_gross": str(statement.back_gross),
        "components": {k: str(v) for k, v in components.items()},
        "earnings": str(statement.earnings),
        "draw_recovery": str(by_type["draw"]),
        "adjustments": str(by_type["adjustment"]),
        "chargebacks": str(by_type["chargeback"]),
        "total": str(total),
        "draw": draw,
        "deficit_out": "0.00" if statement.draw is None else str(statement.draw.deficit_out),
        "tiers": [t.to_dict() for t in statement.tiers],
        "lines": lines,
    }


TOTAL_FIELDS = (
    "units",
    "commission_gross",
    "back_gross",
    "earnings",
    "draw_recovery",
    "adjustments",
    "chargebacks",
    "total",
)


def period_totals(statements: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Sums over the statements: every figure, and each component key."""
    sums = {name: Decimal(0) for name in TOTAL_FIELDS}
    components: dict[str, Decimal] = {}
    for record in statements:
        for name in TOTAL_FIELDS:
            sums[name] += Decimal(record[name])
        for key, amount in record["components"].items():
            components[key] = components.get(key, ZERO) + Decimal(amount)
    totals: dict[str, Any] = {
        name: str(value if name == "units" else cents(value)) for name, value in sums.items()
    }
    totals["salespeople"] = len(statements)
    totals["components"] = {k: str(components[k]) for k in sorted(components)}
    return totals


def _store_of(
    person: UUID,
    period_store: UUID | None,
    credits: Sequence[CreditFact],
    chargebacks: Sequence[Chargeback],
    late: Sequence[LateSurvey] = (),
) -> UUID | None:
    """The store a statement belongs to: a store period's store; in a group period the store of
    the person's latest delivery (else of a chargeback or late survey); else none."""
    if period_store is not None:
        return period_store
    if credits:
        return max(credits, key=lambda c: (c.delivered_at, c.deal_id)).store_id
    if chargebacks:
        return chargebacks[-1].store_id
    if late:
        return late[-1].store_id
    return None


def compose(
    period_store: UUID | None,
    statements: Mapping[UUID, Statement],
    facts: PeriodFacts,
    plans_for: Callable[[UUID], PlanVersion | None],
    adjustments: Sequence[Mapping[str, Any]],
    chargebacks: Sequence[Chargeback],
    late: Sequence[LateSurvey] = (),
    *,
    hashed: bool = True,
) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """The period's statement records (by salesperson id), totals and content hash (not taken
    unless `hashed`: hashing a group's period costs about a second)."""
    credits: dict[UUID, list[CreditFact]] = defaultdict(list)
    for credit in facts.credits:
        credits[credit.salesperson_id].append(credit)
    own_adjustments: dict[UUID, list[Mapping[str, Any]]] = defaultdict(list)
    for adjustment in adjustments:
        own_adjustments[UUID(str(adjustment["salesperson_id"]))].append(adjustment)
    own_chargebacks: dict[UUID, list[Chargeback]] = defaultdict(list)
    for chargeback in chargebacks:
        own_chargebacks[chargeback.salesperson_id].append(chargeback)
    own_late: dict[UUID, list[LateSurvey]] = defaultdict(list)
    for rerated in late:
        own_late[rerated.salesperson_id].append(rerated)
    records = []
    ids: dict[UUID, str] = {}
    # Hundreds of thousands of small dicts and no cycles: see engine.collector_paused.
    with collector_paused():
        for person in sorted(statements):
            records.append(
                statement_record(
                    statements[person],
                    _store_of(
                        person,
                        period_store,
                        credits[person],
                        own_chargebacks[person],
                        own_late[person],
                    ),
                    plans_for(person),
                    own_adjustments[person],
                    own_chargebacks[person],
                    ids,
                    own_late[person],
                )
            )
        totals = period_totals(records)
        return records, totals, snapshot_hash(records, totals) if hashed else ""


def differing_statements(
    stored: Sequence[Mapping[str, Any]], recomputed: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Which salespeople's statements differ (at most 20 named)."""
    before = {r["salesperson_id"]: snapshot_hash([dict(r)], {}) for r in stored}
    after = {r["salesperson_id"]: snapshot_hash([dict(r)], {}) for r in recomputed}
    names = sorted(
        {k for k in before if before.get(k) != after.get(k)}
        | {k for k in after if before.get(k) != after.get(k)}
    )
    return names[:20]
