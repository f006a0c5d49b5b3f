"""Payroll: pay periods from provisional figures to payment, statements, chargebacks, what-if.

Pay is never stored as a balance: a period's statements are computed from the log's facts by the
pure pay engine (`engine.calculate_period`), and this module adds what the engine does not know
about — the period's manual and dispute adjustments, and chargebacks of deals paid in earlier
periods — as lines of their own. Approval records the result as an immutable snapshot with a
content hash; `verify` recomputes it from the log and compares.

Chargebacks (docs/payroll.md states the rule for finance):
- An unwind, or an F&I product cancelled after delivery, that was recorded after the close of the
  approved period that paid the deal (so that period's figures did not see it) is charged back.
- It lands in the *next open period*: among the periods covering the deal's store with a later
  month than the paying one, the earliest whose figures were not yet frozen when the reversal was
  recorded (still open, or closed at or after that moment).
- The amount is what the paying snapshot's lines paid for that deal (or that product): per-deal
  lines in full and the deal's part of each volume-tier line; the remaining units of the paying
  period are not re-rated, and CSI gates, caps and draws are not re-applied.
- Nothing is charged back when the reversal happened (business day) more than the paying
  period's protection window (default 90 days) after delivery.
Periods covering a store are approved in month order, and a period is never opened for a month
before an approved one, so which period takes a chargeback never changes once it is approved.

Late surveys follow the same rule: a survey answered, excluded or reinstated for a month whose
period had already closed (so its CSI gates did not see it) re-rates that period's earnings for
the salespeople it rates — gates and caps re-applied, the draw not — and the difference lands as
a `late_survey` line in the next open period (see `LateSurvey`).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from domain.app import Showroom, Written
from domain.organisation.model import Staff, Store
from domain.pay import engine
from domain.pay.components import Component, VolumeTiers, cents, parse_components
from domain.pay.facts import CreditFact, PeriodFacts, SurveyFact
from domain.pay.periods import (
    DEFAULT_PROTECTION_DAYS,
    MAX_PROTECTION_DAYS,
    SNAPSHOT_STATES,
    NoOpenPeriodError,
    PayMonth,
    PayPeriod,
    PayPeriodAlreadyExistsError,
    PayPeriodOrderError,
    PayPeriodOverlapError,
    PeriodStatus,
    period_id,
    scope_key,
    snapshot_hash,
)
from domain.pay.plans import DRAFT_PLAN_ID, PlanVersion, first_day
from domain.pay.ports import (
    PaidLine,
    PayrollViews,
    PeriodRef,
    PlansFor,
    Reversal,
    SurveyChange,
)
from domain.pay.statement import Statement
from domain.performance.evaluations import Evaluation, EvaluationStatus, evaluation_id_for
from domain.shared.access import ensure_role
from domain.shared.actor import SYSTEM, Principal, Role, acting_as
from domain.shared.clock import DEFAULT_TIMEZONE, aware, business_day, now
from domain.shared.errors import (
    ConflictError,
    IllegalTransitionError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)
from domain.shared.months import parse as parse_month
from domain.shared.shares import allocate
from domain.shared.values import money, text

ZERO = Decimal("0.00")
# Openings of one month by different scopes race on its PayMonth; each loser checks again.
OPENING_ATTEMPTS = 5
# Components whose lines pay for particular deals, and so are charged back with them.
CHARGEABLE = ("per_unit", "percent_of_gross", "volume_tiers", "spiff", "fni")
PER_DEAL = ("per_unit", "percent_of_gross", "spiff")
DRAW_TYPES = ("draw",)
OWN_LINE_TYPES = ("adjustment", "chargeback", "late_survey")

PERIOD_MANAGERS = (Role.ADMIN, Role.FINANCE, Role.STORE_MANAGER)
ADJUSTERS = (Role.FINANCE, Role.STORE_MANAGER)
RESOLVERS = (Role.FINANCE, Role.STORE_MANAGER)
APPROVERS = (Role.FINANCE,)
VERIFIERS = (Role.ADMIN, Role.FINANCE, Role.AUDITOR)
EXPORTERS = (Role.ADMIN, Role.FINANCE, Role.STORE_MANAGER)
_WEIGHT = Decimal(10) ** 8  # tier allocation weights as integers (units 4 dp × money 2 dp)


# --- the pure part: snapshot records --------------------------------------------------------------


@dataclass(frozen=True)
class Chargeback:
    """One salesperson's part of one reversal, taken back in a later period."""

    salesperson_id: UUID
    store_id: UUID
    deal_id: UUID
    kind: str  # unwind | cancellation
    product_id: UUID | None
    amount: Decimal  # negative: what the original lines paid, taken back
    origin_period_id: UUID
    origin_month: str
    links: tuple[tuple[int, Decimal], ...]  # (line n, amount paid) in the origin statement
    reason: str
    delivered_on: str
    occurred_on: str
    recorded_at: datetime
    days_since_delivery: int
    protection_days: int

    def line(self, n: int) -> dict[str, Any]:
        what = "unwound" if self.kind == "unwind" else "F&I product cancelled"
        numbers = ", ".join(str(number) for number, _ in self.links)
        return {
            "n": n,
            "component_key": "chargeback",
            "component_type": "chargeback",
            "source_deal_ids": [str(self.deal_id)],
            "inputs": {
                "kind": self.kind,
                "deal_id": str(self.deal_id),
                "product_id": None if self.product_id is None else str(self.product_id),
                "reason": self.reason,
                "delivered_on": self.delivered_on,
                "occurred_on": self.occurred_on,
                "recorded_at": self.recorded_at.isoformat(),
                "days_since_delivery": self.days_since_delivery,
                "protection_days": self.protection_days,
                "origin_period_id": str(self.origin_period_id),
                "origin_month": self.origin_month,
            },
            "formula": (
                f"deal {what} {self.occurred_on}, {self.days_since_delivery} days after delivery"
                f" (within {self.protection_days}): takes back {engine.yuan(-self.amount)} paid on"
                f" line(s) {numbers} of {self.origin_month}, not re-rated"
            ),
            "amount": str(self.amount),
            "links": [
                {
                    "period_id": str(self.origin_period_id),
                    "salesperson_id": str(self.salesperson_id),
                    "n": number,
                    "amount": str(paid),
                }
                for number, paid in self.links
            ],
        }


@dataclass(frozen=True)
class LateSurvey:
    """One salesperson's earnings of an earlier, frozen period re-rated for surveys of its month
    learnt of only after its close (record time in `known_from`, `known_until`]).

    The amount is what the period would have earned had it known them: its earnings (every line
    before the draw: CSI gates and caps re-applied) with the surveys as known at `known_until`,
    less the same with the surveys as known at `known_from`. Everything else is the period's
    own facts as known at its close. Successive windows telescope, so however many later
    periods take part of it, they add up to the period re-rated with every survey it missed.
    """

    salesperson_id: UUID
    store_id: UUID
    origin_period_id: UUID
    origin_month: str
    survey_ids: tuple[UUID, ...]
    deal_ids: tuple[UUID, ...]
    known_from: datetime
    known_until: datetime
    earnings_before: Decimal
    earnings_after: Decimal
    csi_before: Decimal | None  # average of the counted surveys; None when none counted
    csi_after: Decimal | None
    links: tuple[tuple[int, Decimal], ...]  # the origin's CSI-gate lines (n, amount) before

    @property
    def amount(self) -> Decimal:
        return self.earnings_after - self.earnings_before

    def line(self, n: int) -> dict[str, Any]:
        def csi(value: Decimal | None) -> str:
            return "none counted" if value is None else str(cents(value))

        count = len(self.survey_ids)
        return {
            "n": n,
            "component_key": "late_survey",
            "component_type": "late_survey",
            "source_deal_ids": [str(d) for d in self.deal_ids],
            "inputs": {
                "survey_ids": [str(s) for s in self.survey_ids],
                "origin_period_id": str(self.origin_period_id),
                "origin_month": self.origin_month,
                "known_from": self.known_from.isoformat(),
                "known_until": self.known_until.isoformat(),
                "csi_before": None if self.csi_before is None else str(cents(self.csi_before)),
                "csi_after": None if self.csi_after is None else str(cents(self.csi_after)),
                "earnings_before": str(self.earnings_before),
                "earnings_after": str(self.earnings_after),
            },
            "formula": (
                f"{count} survey change(s) of {self.origin_month} learnt after its close:"
                f" CSI {csi(self.csi_before)} → {csi(self.csi_after)}; {self.origin_month}"
                f" earnings {engine.yuan(self.earnings_before)} →"
                f" {engine.yuan(self.earnings_after)} (gates and caps re-applied, not the draw)"
            ),
            "amount": str(self.amount),
            "links": [
                {
                    "period_id": str(self.origin_period_id),
                    "salesperson_id": str(self.salesperson_id),
                    "n": number,
                    "amount": str(amount),
                }
                for number, amount in self.links
            ],
        }


def csi_average(surveys: Iterable[SurveyFact]) -> Decimal | None:
    counted = [s.score for s in surveys if not s.excluded]
    return sum(counted, Decimal(0)) / len(counted) if counted else None


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


def _weights(values: Sequence[Decimal]) -> list[int]:
    return [int((v * _WEIGHT).to_integral_value()) for v in values]


def _split(amount: Decimal, keys: Sequence[Any], weights: Sequence[Decimal]) -> list[Any]:
    """`amount` over `keys` in proportion to `weights`, exactly to the fen."""
    if len(keys) == 1:
        return [(keys[0], amount)] if amount and weights[0] > 0 else []
    ints = _weights(weights)
    if not keys or sum(ints) <= 0:
        return []
    fen = allocate(int(amount * 100), ints)
    return [(k, Decimal(f) / 100) for k, f in zip(keys, fen, strict=True) if f]


def _overlap(low: Decimal, high: Decimal, start: Decimal, end: Decimal | None) -> Decimal:
    top = high if end is None else min(high, end)
    bottom = max(low, start)
    return top - bottom if top > bottom else Decimal(0)


def _paid_gross(credit: CreditFact) -> Decimal:
    gross = credit.front_gross - credit.pack
    return gross if gross > 0 else ZERO


def line_parts(
    line: Mapping[str, Any],
    component: Component | None,
    credits: Sequence[CreditFact],
) -> list[dict[str, Any]]:
    """What a plan line paid for each deal (and, on an F&I line, each product), to the fen.

    The parts of a line sum to its amount. Lines that pay for no deal in particular (scorecard,
    gates, caps, the draw) have none: they are not charged back.
    """
    kind, amount = line["component_type"], Decimal(line["amount"])
    if kind not in CHARGEABLE or amount == 0 or not line["source_deal_ids"]:
        return []
    if kind in PER_DEAL:
        return [{"deal_id": line["source_deal_ids"][0], "product_id": None, "amount": str(amount)}]
    inputs = line["inputs"]
    if kind == "fni":
        share = Decimal(inputs["share"])
        products = inputs["products"]
        values = [
            (Decimal(p["flat"]) + Decimal(p["rate"]) * max(Decimal(p["income"]), ZERO)) * share
            for p in products
        ]
        deal = line["source_deal_ids"][0]
        return [
            {"deal_id": deal, "product_id": product, "amount": str(part)}
            for product, part in _split(amount, [p["product_id"] for p in products], values)
        ]
    if not isinstance(component, VolumeTiers):
        return []
    counted = [
        c
        for c in sorted(credits, key=lambda c: (c.delivered_at, c.deal_id, c.share))
        if component.condition is None or c.condition == component.condition
    ]
    by_rate = "rate" in inputs
    keys: list[str] = []
    weights: list[Decimal] = []
    if inputs.get("mode") == "marginal":
        start = Decimal(inputs["from"])
        end = None if inputs["to"] is None else Decimal(inputs["to"])
        filled = Decimal(0)
        for credit in counted:
            low, filled = filled, filled + credit.share
            part = _overlap(low, filled, start, end)
            if part > 0:
                keys.append(str(credit.deal_id))
                weights.append(part * _paid_gross(credit) if by_rate else part)
    else:
        for credit in counted:
            keys.append(str(credit.deal_id))
            weights.append(credit.share * _paid_gross(credit) if by_rate else credit.share)
    return [
        {"deal_id": deal, "product_id": None, "amount": str(part)}
        for deal, part in _split(amount, keys, weights)
    ]


def paid_parts(line: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What a stored line paid per deal (an F&I line: per product). Only volume-tier lines
    store their parts (they need the period's credits); the others follow from the line."""
    if "parts" in line:
        return list(line["parts"])
    return line_parts(line, None, ())


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
    credits: Sequence[CreditFact],
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
        if kind == "volume_tiers":
            component = None if plan is None else plan.component(engine_line.component_key)
            parts = line_parts(data, component, credits)
            if parts:
                data["parts"] = parts
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
                    credits[person],
                    own_adjustments[person],
                    own_chargebacks[person],
                    ids,
                    own_late[person],
                )
            )
        totals = period_totals(records)
        return records, totals, snapshot_hash(records, totals) if hashed else ""


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector while a period's records are built: hundreds of thousands of
    small dicts and no cycles, and each allocation burst would otherwise rescan the heap (the
    engine does the same, see engine._collector_paused)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def chargebacks_for(
    period: PeriodRef,
    reversals: Iterable[Reversal],
    periods: Sequence[PeriodRef],
    paid: Sequence[PaidLine],
) -> list[Chargeback]:
    """The chargebacks that land in `period` (the rule is in the module's docstring)."""
    by_id = {p.period_id: p for p in periods}
    paid_by_deal: dict[UUID, list[PaidLine]] = defaultdict(list)
    for line in paid:
        paid_by_deal[line.deal_id].append(line)
    found: list[Chargeback] = []
    for reversal in reversals:
        lines = paid_by_deal.get(reversal.deal_id, [])
        origins = sorted({line.period_id for line in lines}, key=lambda i: by_id[i].month)
        for origin_id in origins:
            origin = by_id[origin_id]
            if not _lands_in(period, origin, reversal, periods):
                continue
            found.extend(_charge(reversal, origin, [x for x in lines if x.period_id == origin_id]))
    return found


def _lands_in(
    period: PeriodRef, origin: PeriodRef, reversal: Reversal, periods: Sequence[PeriodRef]
) -> bool:
    if origin.known_at is None or reversal.recorded_at <= origin.known_at:
        return False  # the paying period's own figures saw it (or it is not closed)
    if reversal.days_since_delivery > origin.protection_days:
        return False
    if not period.covers(reversal.store_id) or period.month <= origin.month:
        return False

    def takes(p: PeriodRef) -> bool:
        return p.known_at is None or p.known_at >= reversal.recorded_at

    if not takes(period):
        return False
    return not any(
        p.period_id != period.period_id
        and p.covers(reversal.store_id)
        and origin.month < p.month < period.month
        and takes(p)
        for p in periods
    )


def _charge(reversal: Reversal, origin: PeriodRef, lines: Sequence[PaidLine]) -> list[Chargeback]:
    standing = {product.product_id for credit in reversal.credits for product in credit.products}
    people: dict[UUID, list[PaidLine]] = defaultdict(list)
    for line in lines:
        if reversal.kind == "cancellation":
            taken = reversal.product is not None and line.product_id == reversal.product.product_id
        else:
            taken = line.product_id is None or line.product_id in standing
        if taken:
            people[line.salesperson_id].append(line)
    result = []
    for person in sorted(people):
        own = people[person]
        by_n: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for line in own:
            by_n[line.n] += line.amount
        amount = sum(by_n.values(), ZERO)
        if amount == 0:
            continue
        result.append(
            Chargeback(
                salesperson_id=person,
                store_id=reversal.store_id,
                deal_id=reversal.deal_id,
                kind=reversal.kind,
                product_id=None if reversal.product is None else reversal.product.product_id,
                amount=-amount,
                origin_period_id=origin.period_id,
                origin_month=origin.month,
                links=tuple(sorted(by_n.items())),
                reason=reversal.reason,
                delivered_on=reversal.delivered_on.isoformat(),
                occurred_on=reversal.occurred_on.isoformat(),
                recorded_at=reversal.recorded_at,
                days_since_delivery=reversal.days_since_delivery,
                protection_days=origin.protection_days,
            )
        )
    return result


def with_tiers(
    plan: PlanVersion, key: str | None, tiers: Sequence[Mapping[str, Any]]
) -> PlanVersion:
    """The plan with the tier table of its volume-tier component `key` (or its only one)
    replaced: what a what-if of "a changed tier table" runs."""
    targets = [c for c in plan.components if isinstance(c, VolumeTiers)]
    if key is not None:
        targets = [c for c in targets if c.key == key]
    if not targets:
        return plan
    target = targets[0]
    changed = {**target.to_dict(), "tiers": list(tiers)}
    dicts = [changed if c.key == target.key else c.to_dict() for c in plan.components]
    return replace(plan, components=parse_components(dicts))


# --- the service ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    period_id: UUID
    equal: bool
    snapshot_hash: str
    recomputed_hash: str
    differences: list[str]


@dataclass(frozen=True)
class ProvisionalPay:
    """A salesperson's pay to date in the current month."""

    salesperson_id: UUID
    month: str
    period_id: UUID | None
    period_status: str | None
    statement: dict[str, Any]


class Payroll:
    """Pay periods, statements, adjustments, disputes, recompute and what-if."""

    def __init__(
        self, app: Showroom, views: PayrollViews, clock: Callable[[], datetime] = now
    ) -> None:
        self.app, self.views, self.clock = app, views, clock

    # --- lifecycle --------------------------------------------------------------------------------

    def open_period(
        self,
        actor: Principal,
        store_id: UUID | None,
        month: str,
        protection_days: int = DEFAULT_PROTECTION_DAYS,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Open a store's (or the group's) pay period for a month."""
        with acting_as(actor):
            self._ensure_manager(actor, store_id)
            the_month = parse_month(month)
            if not 0 <= protection_days <= MAX_PROTECTION_DAYS:
                raise InvalidValueError(
                    f"protection_days must be between 0 and {MAX_PROTECTION_DAYS}"
                )
            if store_id is not None:
                self.app.load(Store, store_id, "store")
            self.views.settle()
            when = aware(occurred_at)
            for _ in range(OPENING_ATTEMPTS):
                self._check_opening(store_id, the_month)
                pay_month = self._pay_month(the_month, when)
                pay_month.add(scope_key(store_id), occurred_at=when)
                period = PayPeriod(
                    store_id=store_id,
                    month=the_month,
                    protection_days=protection_days,
                    occurred_at=when,
                )
                try:
                    return self.app.written(period, pay_month)
                except ConflictError:
                    if self.app.exists(period.id):
                        raise PayPeriodAlreadyExistsError(
                            f"the pay period of {period.scope} for {the_month} already exists"
                        ) from None
                    # Another scope opened the month meanwhile: check again against the log.
            raise ConflictError(f"{the_month} is being opened by others: retry")

    def _pay_month(self, month: str, when: datetime) -> PayMonth:
        """The month's record of scopes; started from the periods view for periods older
        than such records (the view is settled first)."""
        month_id = PayMonth.create_id(month)
        if self.app.exists(month_id):
            return self.app.load(PayMonth, month_id, "pay month")
        scopes = [scope_key(p.store_id) for p in self.views.periods() if p.month == month]
        return PayMonth(month=month, scopes=sorted(scopes), occurred_at=when)

    def _check_opening(self, store_id: UUID | None, month: str) -> None:
        for other in self.views.periods():
            if not other.covers(store_id) or other.store_id == store_id:
                continue
            if other.month == month:
                raise PayPeriodOverlapError(
                    f"{month} is already paid by the period of {other.store_id or 'the group'}"
                )
        for other in self.views.periods():
            if (
                other.covers(store_id)
                and other.month > month
                and other.status in {s.value for s in SNAPSHOT_STATES}
            ):
                raise PayPeriodOrderError(
                    f"the period of {other.month} is already approved: {month} cannot open now"
                )

    def close_period(
        self,
        actor: Principal,
        period_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Freeze the figures as the log knows them now."""
        with acting_as(actor):
            period = self._writable(actor, period_id, PERIOD_MANAGERS, expected_version)
            known_at = self.clock()
            period.close(known_at=known_at, occurred_at=aware(occurred_at))
            return self.app.written(period)

    def reopen_period(
        self,
        actor: Principal,
        period_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Make a closed (not approved) period provisional again."""
        with acting_as(actor):
            period = self._writable(actor, period_id, PERIOD_MANAGERS, expected_version)
            period.reopen(text(reason, "reason", max_length=500), occurred_at=aware(occurred_at))
            return self.app.written(period)

    def approve_period(
        self,
        actor: Principal,
        period_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record the immutable snapshot of a closed period (finance)."""
        with acting_as(actor):
            period = self._writable(actor, period_id, APPROVERS, expected_version)
            period._ensure("approve", PeriodStatus.CLOSED)
            self.views.settle()
            self._check_order(period)
            figures = self._compute(period, hashed=True)
            period.approve(
                figures.statements,
                figures.totals,
                figures.content_hash,
                occurred_at=aware(occurred_at),
            )
            return self.app.written(period)

    def _check_order(self, period: PayPeriod) -> None:
        earlier = [
            p
            for p in self.views.periods()
            if p.period_id != period.id
            and p.month < period.month
            and p.covers(period.store_id)
            and p.status not in {s.value for s in SNAPSHOT_STATES}
        ]
        if earlier:
            first = min(earlier, key=lambda p: p.month)
            raise PayPeriodOrderError(
                f"approve the period of {first.month} ({first.store_id or 'group'}) first"
            )

    def record_export(self, period_id: UUID, export_id: UUID) -> Written | None:
        """Note a finished payout workbook on the period (the export worker; idempotent)."""
        with acting_as(SYSTEM):
            period = self.app.load(PayPeriod, period_id, "pay period")
            if export_id in period.export_ids:
                return None
            period.record_export(export_id, occurred_at=aware(None))
            return self.app.written(period)

    def record_payment(
        self,
        actor: Principal,
        period_id: UUID,
        reference: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record that payroll paid the exported period (finance)."""
        with acting_as(actor):
            period = self._writable(actor, period_id, APPROVERS, expected_version)
            period.pay(text(reference, "reference", max_length=100), occurred_at=aware(occurred_at))
            return self.app.written(period)

    # --- adjustments and disputes -----------------------------------------------------------------

    def add_adjustment(
        self,
        actor: Principal,
        period_id: UUID,
        salesperson_id: UUID,
        amount: Decimal | int | str,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
        adjustment_id: UUID | None = None,
    ) -> Written:
        """A manual plus or minus on a statement (finance, the store's manager), before approval."""
        with acting_as(actor):
            period = self._writable(actor, period_id, ADJUSTERS, expected_version)
            staff = self.app.load(Staff, salesperson_id, "staff")
            if not period.covers(staff.store_id) and actor.role is Role.STORE_MANAGER:
                raise NotFoundError("staff", salesperson_id)
            period.add_adjustment(
                adjustment_id=adjustment_id or uuid4(),
                salesperson_id=salesperson_id,
                amount=money(amount, allow_negative=True),
                reason=text(reason, "reason", max_length=500),
                approver=actor.username or actor.user_id,
                occurred_at=aware(occurred_at),
            )
            return self.app.written(period)

    def raise_dispute(
        self,
        actor: Principal,
        period_id: UUID,
        line: int,
        reason: str,
        occurred_at: datetime | None = None,
        dispute_id: UUID | None = None,
    ) -> Written:
        """A salesperson disputes a line of their own statement (once its figures are frozen)."""
        with acting_as(actor):
            ensure_role(actor, Role.SALESPERSON)
            period = self._visible(actor, period_id)
            if actor.staff_id is None:
                raise PermissionDeniedError("this login is not tied to a salesperson")
            record = self.statement(actor, period_id, actor.staff_id)
            if not 1 <= line <= len(record["lines"]):
                raise NotFoundError("statement line", f"{period_id}/{actor.staff_id}/{line}")
            period.raise_dispute(
                dispute_id=dispute_id or uuid4(),
                salesperson_id=actor.staff_id,
                line_ref=str(line),
                reason=text(reason, "reason", max_length=1000, multiline=True),
                occurred_at=aware(occurred_at),
            )
            return self.app.written(period)

    def resolve_dispute(
        self,
        actor: Principal,
        period_id: UUID,
        dispute_id: UUID,
        resolution: str,
        adjustment_amount: Decimal | int | str | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Resolve a dispute (the store's manager, finance), with or without an adjustment.

        The adjustment lands in this period while it is not approved; else in the next period
        covering the salesperson's store that is not approved yet (which must exist)."""
        with acting_as(actor):
            ensure_role(actor, *RESOLVERS)
            period = self._visible(actor, period_id)
            dispute = period.disputes.get(dispute_id)
            if dispute is None:
                raise NotFoundError("dispute", dispute_id)
            if actor.role is Role.STORE_MANAGER:
                seller = self.app.load(Staff, dispute["salesperson_id"], "staff")
                if seller.store_id != actor.store_id:
                    raise PermissionDeniedError("the salesperson works at another store")
            amount = (
                None
                if adjustment_amount is None
                else money(adjustment_amount, field="adjustment_amount", allow_negative=True)
            )
            when = aware(occurred_at)
            words = text(resolution, "resolution", max_length=1000, multiline=True)
            later: PayPeriod | None = None
            if amount is not None and period.has_snapshot:
                later = self._next_open(period, dispute["salesperson_id"])
            period.resolve_dispute(
                dispute_id,
                words,
                amount,
                None if later is None else later.id,
                occurred_at=when,
            )
            if later is None:
                return self.app.written(period)
            assert amount is not None
            later.add_adjustment(
                adjustment_id=dispute_id,
                salesperson_id=dispute["salesperson_id"],
                amount=amount,
                reason=f"dispute of {period.month} line {dispute['line_ref']}: {words}",
                approver=actor.username or actor.user_id,
                occurred_at=when,
                dispute_id=dispute_id,
                origin_period_id=period.id,
            )
            return self.app.written(period, later)

    def _next_open(self, period: PayPeriod, salesperson_id: UUID) -> PayPeriod:
        self.views.settle()
        staff = self.app.load(Staff, salesperson_id, "staff")
        candidates = sorted(
            (
                p
                for p in self.views.periods()
                if p.month > period.month
                and p.covers(period.store_id or staff.store_id)
                and p.status in (PeriodStatus.OPEN.value, PeriodStatus.CLOSED.value)
            ),
            key=lambda p: p.month,
        )
        if not candidates:
            raise NoOpenPeriodError(
                f"open the pay period after {period.month} first: the adjustment goes there"
            )
        return self.app.load(PayPeriod, candidates[0].period_id, "pay period")

    # --- reads ------------------------------------------------------------------------------------

    def get_period(self, actor: Principal, period_id: UUID) -> PayPeriod:
        """A period, seen by anyone whose store it covers (and group-wide readers)."""
        return self._visible(actor, period_id)

    def sees_whole(self, actor: Principal, period: PayPeriod) -> bool:
        """Whether the actor may see every statement (and so the totals) of the period."""
        if actor.reads_everything:
            return True
        return actor.role is Role.STORE_MANAGER and period.store_id == actor.store_id

    def figures(self, period: PayPeriod) -> PeriodFigures:
        """The period's statements: the snapshot once approved, else computed now."""
        if period.has_snapshot:
            assert period.content_hash is not None
            return PeriodFigures(
                period.statements, period.totals, period.content_hash, period.known_at
            )
        return self._compute(period)

    def statements(
        self, actor: Principal, period_id: UUID, store_id: UUID | None = None
    ) -> tuple[PayPeriod, list[dict[str, Any]], dict[str, Any] | None]:
        """The statements the actor may see (all, the store's, or their own) and, for those who
        see the whole period, its totals."""
        period = self._visible(actor, period_id)
        figures = self.figures(period)
        records, totals = figures.statements, figures.totals
        visible = [r for r in records if self._may_read(actor, period, r)]
        if store_id is not None:
            visible = [r for r in visible if r["store_id"] == str(store_id)]
        return period, visible, totals if self.sees_whole(actor, period) else None

    def statement(self, actor: Principal, period_id: UUID, salesperson_id: UUID) -> dict[str, Any]:
        """One salesperson's statement in the period (404 outside the actor's scope)."""
        period = self._visible(actor, period_id)
        if actor.role is Role.SALESPERSON and actor.staff_id != salesperson_id:
            raise NotFoundError("statement", f"{period_id}/{salesperson_id}")
        record = self.figures(period).statement(salesperson_id)
        if record is None or not self._may_read(actor, period, record):
            raise NotFoundError("statement", f"{period_id}/{salesperson_id}")
        return expanded(record)

    def line(
        self, actor: Principal, period_id: UUID, salesperson_id: UUID, n: int
    ) -> tuple[PayPeriod, dict[str, Any], dict[str, Any]]:
        """One line of a statement, with its statement."""
        period = self._visible(actor, period_id)
        record = self.statement(actor, period_id, salesperson_id)
        if not 1 <= n <= len(record["lines"]):
            raise NotFoundError("statement line", f"{period_id}/{salesperson_id}/{n}")
        return period, record, record["lines"][n - 1]

    def sources_of(
        self, period: PayPeriod, salesperson_id: UUID, line: Mapping[str, Any]
    ) -> list[tuple[str, UUID]]:
        """The records whose events explain a line: its deals, the evaluation behind a scorecard
        bonus, the period itself for an adjustment."""
        found: list[tuple[str, UUID]] = [("deal", UUID(d)) for d in line["source_deal_ids"]]
        if line["component_type"] == "scorecard_bonus":
            found.append(("evaluation", evaluation_id_for(salesperson_id, period.month)))
        if line["component_type"] == "adjustment":
            origin = line["inputs"].get("origin_period_id")
            found.append(("pay period", UUID(origin) if origin else period.id))
        if line["component_type"] == "late_survey":
            found.extend(("survey", UUID(s)) for s in line["inputs"]["survey_ids"])
        return found

    def visible_adjustments(self, actor: Principal, period: PayPeriod) -> list[dict[str, Any]]:
        """The period's manual adjustments the actor may see."""
        return [a for a in period.adjustments if self._sees_person(actor, period, a)]

    def visible_disputes(self, actor: Principal, period: PayPeriod) -> list[dict[str, Any]]:
        """The period's disputes the actor may see."""
        return [d for d in period.disputes.values() if self._sees_person(actor, period, d)]

    def _sees_person(self, actor: Principal, period: PayPeriod, item: Mapping[str, Any]) -> bool:
        person = item["salesperson_id"]
        if self.sees_whole(actor, period):
            return True
        if actor.role is Role.SALESPERSON:
            return bool(person == actor.staff_id)
        if actor.role is Role.STORE_MANAGER:
            try:
                staff = self.app.load(Staff, person, "staff")
            except NotFoundError:
                return False
            return bool(staff.store_id == actor.store_id)
        return False

    def exportable(self, actor: Principal, period_id: UUID) -> PayPeriod:
        """An approved period whose payouts the actor may export (those who see it whole)."""
        # Auditors read and verify but change nothing: an export moves the period on.
        ensure_role(actor, *EXPORTERS)
        period = self._visible(actor, period_id)
        if not self.sees_whole(actor, period):
            raise PermissionDeniedError("exporting payouts needs the whole period in scope")
        if not period.has_snapshot:
            raise IllegalTransitionError(
                "pay period", period.id, period.status.value, "export the payouts of"
            )
        return period

    def verify(self, actor: Principal, period_id: UUID) -> Verification:
        """Recompute an approved period from the log and compare it with its snapshot."""
        ensure_role(actor, *VERIFIERS)
        period = self._visible(actor, period_id)
        if not period.has_snapshot or period.content_hash is None:
            raise InvalidValueError(f"pay period {period_id} has no approved snapshot yet")
        self.views.settle()
        figures = self._compute(period, hashed=True)
        differences = _differences(period.statements, figures.statements)
        return Verification(
            period_id=period.id,
            equal=figures.content_hash == period.content_hash,
            snapshot_hash=period.content_hash,
            recomputed_hash=figures.content_hash,
            differences=differences,
        )

    def provisional(self, actor: Principal, month: str | None = None) -> ProvisionalPay:
        """A salesperson's own pay to date this month, with tier progress."""
        ensure_role(actor, Role.SALESPERSON)
        if actor.staff_id is None or actor.store_id is None:
            raise PermissionDeniedError("this login is not tied to a salesperson")
        store = self.app.load(Store, actor.store_id, "store")
        the_month = (
            parse_month(month)
            if month
            else business_day(self.clock(), store.timezone or DEFAULT_TIMEZONE).strftime("%Y-%m")
        )
        period: PayPeriod | None = None
        for candidate in (period_id(actor.store_id, the_month), period_id(None, the_month)):
            try:
                period = self.app.load(PayPeriod, candidate, "pay period")
                break
            except NotFoundError:
                continue
        if period is not None:
            figures = self.figures(period)
            record = figures.statement(actor.staff_id)
        else:
            transient = _Transient(actor.store_id, the_month)
            record = self._compute(transient).statement(actor.staff_id)
        if record is None:
            record = statement_record(
                Statement(
                    actor.staff_id, the_month, None, None, (), ZERO, ZERO, Decimal(0), ZERO, ZERO
                ),
                actor.store_id,
                None,
                (),
                (),
                (),
            )
        return ProvisionalPay(
            salesperson_id=actor.staff_id,
            month=the_month,
            period_id=None if period is None else period.id,
            period_status=None if period is None else period.status.value,
            statement=expanded(record),
        )

    # --- what-if ----------------------------------------------------------------------------------

    def what_if(
        self,
        actor: Principal,
        period_id: UUID,
        components: Sequence[Mapping[str, Any]] | None = None,
        tiers: Sequence[Mapping[str, Any]] | None = None,
        tier_component: str | None = None,
        staff_ids: Sequence[UUID] | None = None,
    ) -> dict[str, Any]:
        """Old and new pay side by side under a draft plan or a changed tier table; nothing is
        written. The draft applies to everyone in the period, or only to `staff_ids`."""
        if actor.role is Role.SALESPERSON:  # never sees a whole period: 403 before any load
            raise PermissionDeniedError("a what-if shows everyone's pay: it needs the whole period")
        period = self._visible(actor, period_id)
        if not self.sees_whole(actor, period):
            raise PermissionDeniedError("a what-if shows everyone's pay: it needs the whole period")
        if (components is None) == (tiers is None):
            raise InvalidValueError("give either components (a draft plan) or tiers")
        draft = None if components is None else parse_components(list(components))
        draft_plan = (
            None
            if draft is None
            else PlanVersion(DRAFT_PLAN_ID, 0, first_day(period.month), draft, "draft")
        )
        chosen = None if staff_ids is None else set(staff_ids)
        inputs = self._inputs(period)
        old_figures = self.figures(period)
        plans = inputs.plans_for
        changed: dict[tuple[UUID, int], PlanVersion] = {}

        def new_plan(person: UUID) -> PlanVersion | None:
            current = plans(person)
            if chosen is not None and person not in chosen:
                return current
            if draft_plan is not None:
                return draft_plan
            if current is None or tiers is None:
                return current
            key = (current.plan_id, current.version)
            if key not in changed:
                changed[key] = with_tiers(current, tier_component, tiers)
            return changed[key]

        new_statements = engine.calculate_period(inputs.facts, new_plan, inputs.staff)
        old = {r["salesperson_id"]: r for r in old_figures.statements}
        people = sorted(set(old) | {str(p) for p in new_statements})
        if chosen is not None:
            people = [p for p in people if UUID(p) in chosen]
        rows = []
        old_sum = new_sum = ZERO
        for person in people:
            before = old.get(person)
            statement = new_statements.get(UUID(person))
            old_total = ZERO if before is None else Decimal(before["total"])
            extras = (
                ZERO
                if before is None
                else Decimal(before["adjustments"]) + Decimal(before["chargebacks"])
            )
            new_total = (ZERO if statement is None else statement.total) + extras
            old_sum, new_sum = old_sum + old_total, new_sum + new_total
            rows.append(
                {
                    "salesperson_id": person,
                    "store_id": None if before is None else before["store_id"],
                    "old_plan": None if before is None else _plan_label(before),
                    "new_plan": None if statement is None else _plan_label(statement.to_dict()),
                    "units": "0" if statement is None else str(statement.units),
                    "old_total": str(old_total),
                    "new_total": str(new_total),
                    "difference": str(new_total - old_total),
                }
            )
        return {
            "period_id": str(period.id),
            "month": period.month,
            "draft": None if draft is None else [c.to_dict() for c in draft],
            "people": rows,
            "old_total": str(old_sum),
            "new_total": str(new_sum),
            "difference": str(new_sum - old_sum),
        }

    # --- computing --------------------------------------------------------------------------------

    def _inputs(self, period: PayPeriod | _Transient) -> _Inputs:
        facts, plans, staff = self._engine_inputs(period)
        adjustments = period.own_adjustments()
        refs = self._refs(period)
        chargebacks = self._chargebacks(period, refs)
        late = self._late_surveys(period, refs)
        staff |= {UUID(str(a["salesperson_id"])) for a in adjustments}
        staff |= {c.salesperson_id for c in chargebacks}
        staff |= {x.salesperson_id for x in late}
        return _Inputs(facts, plans, sorted(staff), adjustments, chargebacks, late)

    def _engine_inputs(
        self, period: PayPeriod | _Transient
    ) -> tuple[PeriodFacts, PlansFor, set[UUID]]:
        """What the engine computes the period from: its facts as known at its close (or now),
        with approved evaluation scores and carried draw deficits, the plans and the staff."""
        known_at = period.known_at
        facts = self.views.period_facts(period.month, period.store_id, known_at)
        plans = self.views.plan_resolver(period.month, period.store_id, known_at)
        staff = set(self.views.planned_staff(period.month, period.store_id, known_at))
        people = {c.salesperson_id for c in facts.credits} | staff
        people |= {UUID(str(a["salesperson_id"])) for a in period.own_adjustments()}
        scores = self._scores(period, people, known_at)
        draws = self._carried_draws(period)
        return replace(facts, evaluation_scores=scores, draw_balances=draws), plans, staff

    def _compute(self, period: PayPeriod | _Transient, *, hashed: bool = False) -> PeriodFigures:
        inputs = self._inputs(period)
        statements = engine.calculate_period(inputs.facts, inputs.plans_for, inputs.staff)
        records, totals, content_hash = compose(
            period.store_id,
            statements,
            inputs.facts,
            inputs.plans_for,
            inputs.adjustments,
            inputs.chargebacks,
            inputs.late,
            hashed=hashed,
        )
        return PeriodFigures(
            records, totals, content_hash, period.known_at, inputs.facts, statements
        )

    def _scores(
        self, period: PayPeriod | _Transient, people: set[UUID], known_at: datetime | None
    ) -> dict[UUID, Decimal]:
        """Approved evaluation scores of the month; for a closed period as the log knew them at
        the close (each evaluation replayed up to then), so a recompute sees the same."""
        current = self.views.approved_scores(period.month, period.store_id)
        if known_at is None:
            return dict(current)
        scores: dict[UUID, Decimal] = {}
        for person in sorted(people | set(current)):
            events: list[Any] = [
                e
                for e in self.app.events.get(evaluation_id_for(person, period.month))
                if getattr(e, "timestamp", known_at) <= known_at
            ]
            evaluation: Evaluation | None = None
            for past in events:
                evaluation = past.mutate(evaluation)
            if (
                evaluation is None
                or evaluation.status is not EvaluationStatus.APPROVED
                or evaluation.score is None
            ):
                continue
            if period.store_id is not None and evaluation.store_id != period.store_id:
                continue
            scores[person] = evaluation.score
        return scores

    def _carried_draws(self, period: PayPeriod | _Transient) -> dict[UUID, Decimal]:
        """Draw deficits carried out of the latest approved earlier period of the same scope."""
        earlier = [
            p
            for p in self.views.periods()
            if p.store_id == period.store_id
            and p.month < period.month
            and p.status in {s.value for s in SNAPSHOT_STATES}
        ]
        if not earlier:
            return {}
        latest = max(earlier, key=lambda p: p.month)
        previous = self.app.load(PayPeriod, latest.period_id, "pay period")
        balances: dict[UUID, Decimal] = {}
        for record in previous.statements:
            deficit = Decimal(record.get("deficit_out") or "0")
            if deficit > 0:
                balances[UUID(record["salesperson_id"])] = deficit
        return balances

    def _refs(self, period: PayPeriod | _Transient) -> list[PeriodRef]:
        """Every period as the view lists it, this one as its aggregate says (the view may be a
        moment behind); none for a month with no period."""
        if isinstance(period, _Transient):
            return []
        periods = list(self.views.periods())
        me = PeriodRef(
            period.id,
            period.store_id,
            period.month,
            period.status.value,
            period.known_at,
            period.protection_days,
        )
        others = [p for p in periods if p.period_id != period.id]
        return [*others, me]

    def _chargebacks(
        self, period: PayPeriod | _Transient, refs: Sequence[PeriodRef]
    ) -> list[Chargeback]:
        if isinstance(period, _Transient):
            return []
        me = refs[-1]
        earlier = [p for p in refs if p.covers(period.store_id) and p.month < period.month]
        frozen = [p.known_at for p in earlier if p.known_at is not None]
        if not frozen:
            return []
        until = period.known_at or self.clock()
        after = min(frozen)
        reversals = [
            r for r in self.views.reversals(period.store_id, after, until) if r.recorded_at <= until
        ]
        if not reversals:
            return []
        paid = self.views.paid_lines(sorted({r.deal_id for r in reversals}))
        return chargebacks_for(me, reversals, refs, paid)

    def _late_surveys(
        self, period: PayPeriod | _Transient, refs: Sequence[PeriodRef]
    ) -> list[LateSurvey]:
        """The re-ratings of earlier frozen periods for survey changes this period takes: those
        recorded after the earlier period's close and after every period between them froze,
        and by this period's own close (the rule is `_lands_in`'s, for surveys)."""
        if isinstance(period, _Transient):
            return []
        me = refs[-1]
        until = period.known_at or self.clock()
        origins = sorted(
            (
                p
                for p in refs
                if p.known_at is not None and p.month < me.month and p.covers(me.store_id)
            ),
            key=lambda p: p.month,
        )
        if not origins:
            return []
        after = min(p.known_at for p in origins if p.known_at is not None)
        if after >= until:
            return []
        changes = self.views.survey_changes(me.store_id, after, until)
        found: list[LateSurvey] = []
        for origin in origins:
            windows: dict[datetime, list[SurveyChange]] = defaultdict(list)
            for change in changes:
                if change.month != origin.month or not origin.covers(change.store_id):
                    continue
                start = _window_start(origin, me, change.store_id, refs)
                if start is not None and start < change.recorded_at <= until:
                    windows[start].append(change)
            for start, taken in sorted(windows.items()):
                found.extend(self._rerate(origin, start, until, taken))
        return found

    def _rerate(
        self,
        origin: PeriodRef,
        known_from: datetime,
        known_until: datetime,
        changes: Sequence[SurveyChange],
    ) -> list[LateSurvey]:
        """`origin`'s earnings for the people `changes` rate, with those changes and without."""
        source = self.app.load(PayPeriod, origin.period_id, "pay period")
        facts, plans, _ = self._engine_inputs(source)
        people = {c.salesperson_id for c in changes}
        stores = {c.store_id for c in changes}
        before = self.views.period_surveys(origin.month, origin.store_id, known_from)
        now_known = self.views.period_surveys(origin.month, origin.store_id, known_until)
        after = tuple(s for s in before if s.store_id not in stores) + tuple(
            s for s in now_known if s.store_id in stores
        )
        # A SPIFF budget is shared by everyone on the same plan: keep their deliveries.
        plan_of = {p: _plan_key(plans(p)) for p in people}
        sharing = {plan_of[p] for p in people}
        keep: dict[UUID, bool] = {}
        for credit in facts.credits:
            person = credit.salesperson_id
            if person not in keep:
                keep[person] = _plan_key(plans(person)) in sharing
        credits = tuple(c for c in facts.credits if keep[c.salesperson_id])

        def computed(surveys: tuple[SurveyFact, ...]) -> dict[UUID, Statement]:
            scoped = replace(
                facts,
                credits=credits,
                surveys=tuple(s for s in surveys if s.salesperson_id in people),
                evaluation_scores={p: v for p, v in facts.evaluation_scores.items() if p in people},
                draw_balances={p: v for p, v in facts.draw_balances.items() if p in people},
            )
            return engine.calculate_period(scoped, plans, people)

        old, new = computed(before), computed(after)
        found = []
        for person in sorted(people):
            own = [c for c in changes if c.salesperson_id == person]
            earlier, later = old[person], new[person]
            if later.earnings == earlier.earnings:
                continue  # the gate (and caps) come out the same: nothing to settle
            own_after = [s for s in after if s.salesperson_id == person]
            survey_ids = tuple(sorted({c.survey_id for c in own}))
            found.append(
                LateSurvey(
                    salesperson_id=person,
                    store_id=own[-1].store_id,
                    origin_period_id=origin.period_id,
                    origin_month=origin.month,
                    survey_ids=survey_ids,
                    deal_ids=tuple(
                        sorted({s.deal_id for s in own_after if s.survey_id in survey_ids})
                    ),
                    known_from=known_from,
                    known_until=known_until,
                    earnings_before=earlier.earnings,
                    earnings_after=later.earnings,
                    csi_before=csi_average(s for s in before if s.salesperson_id == person),
                    csi_after=csi_average(own_after),
                    links=tuple(
                        (line.n, line.amount)
                        for line in earlier.lines
                        if line.component_type == "csi_gate"
                    ),
                )
            )
        return found

    # --- access -----------------------------------------------------------------------------------

    def _ensure_manager(self, actor: Principal, store_id: UUID | None) -> None:
        ensure_role(actor, *PERIOD_MANAGERS, *ADJUSTERS)
        if actor.role is Role.STORE_MANAGER and (store_id is None or store_id != actor.store_id):
            raise PermissionDeniedError("a store manager manages the own store's pay periods only")

    def _visible(self, actor: Principal, period_id: UUID) -> PayPeriod:
        period = self.app.load(PayPeriod, period_id, "pay period")
        if actor.reads_everything:
            return period
        floor = actor.role in (Role.STORE_MANAGER, Role.SALESPERSON)
        if floor and actor.store_id is not None and period.covers(actor.store_id):
            return period
        raise NotFoundError("pay period", period_id)

    def _writable(
        self,
        actor: Principal,
        period_id: UUID,
        roles: Sequence[Role],
        expected_version: int | None,
    ) -> PayPeriod:
        # Role before state: a role that may never do this gets 403 whether the id exists or not.
        ensure_role(actor, *roles)
        period = self.app.at_version(self._visible(actor, period_id), expected_version)
        if actor.role is Role.STORE_MANAGER and period.store_id != actor.store_id:
            raise PermissionDeniedError("a store manager manages the own store's pay periods only")
        return period

    def _may_read(self, actor: Principal, period: PayPeriod, record: Mapping[str, Any]) -> bool:
        if actor.reads_everything:
            return True
        if actor.role is Role.SALESPERSON:
            return actor.staff_id is not None and record["salesperson_id"] == str(actor.staff_id)
        if actor.role is Role.STORE_MANAGER:
            if period.store_id is not None:
                return period.store_id == actor.store_id
            return bool(record["store_id"] == str(actor.store_id))
        return False


@dataclass(frozen=True)
class _Inputs:
    facts: PeriodFacts
    plans_for: Callable[[UUID], PlanVersion | None]
    staff: list[UUID]
    adjustments: list[dict[str, Any]]
    chargebacks: list[Chargeback]
    late: list[LateSurvey]


@dataclass(frozen=True)
class _Transient:
    """A month with no pay period yet: provisional figures only, no adjustments."""

    store_id: UUID | None
    month: str
    known_at: datetime | None = None
    id: UUID = field(default=DRAFT_PLAN_ID)

    def own_adjustments(self) -> list[dict[str, Any]]:
        return []


def _plan_key(plan: PlanVersion | None) -> tuple[UUID, int] | None:
    return None if plan is None else (plan.plan_id, plan.version)


def _window_start(
    origin: PeriodRef, me: PeriodRef, store_id: UUID, refs: Sequence[PeriodRef]
) -> datetime | None:
    """Where the record times `me` takes for `origin` and a store begin: after the origin's close
    and after every period between them froze; None while one of those is not frozen (the
    earlier period takes them)."""
    start = origin.known_at
    for p in refs:
        if p.period_id in (origin.period_id, me.period_id) or not p.covers(store_id):
            continue
        if origin.month < p.month < me.month:
            if p.known_at is None:
                return None
            start = p.known_at if start is None else max(start, p.known_at)
    return start


def _plan_label(record: Mapping[str, Any]) -> str | None:
    if record.get("plan_id") is None:
        return None
    if record["plan_id"] == str(DRAFT_PLAN_ID):
        return "draft"
    return f"{record['plan_id']} v{record['plan_version']}"


def _differences(
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
