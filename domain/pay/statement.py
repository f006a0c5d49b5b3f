"""A salesperson's pay statement for one period: numbered lines that explain every fen.

Each line names the component and plan version that produced it, the deals behind it, every
number its formula used, the formula in words and the amount (rounded to the fen). The total is
the sum of the lines, exactly. `to_dict` is the canonical JSON-able form (decimals as strings),
`from_dict` reads it back to an equal statement, and `content_hash` is the SHA-256 of its
canonical JSON: an approved snapshot is that dict plus its hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple
from uuid import UUID


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _need(value: Any) -> Decimal:
    return Decimal(value)


class LinePart(NamedTuple):
    """What a line paid for one deal (on an F&I line: for one of its products)."""

    deal_id: UUID
    product_id: UUID | None
    amount: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "deal_id": str(self.deal_id),
            "product_id": None if self.product_id is None else str(self.product_id),
            "amount": str(self.amount),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinePart:
        product = data.get("product_id")
        return cls(
            UUID(data["deal_id"]),
            None if product is None else UUID(product),
            Decimal(data["amount"]),
        )


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One amount on a statement and everything needed to explain it.

    `parts` is what the line paid per deal (per product on an F&I line), summing to its amount:
    the engine writes them as it computes the line, and a chargeback takes them back. Lines that
    pay for no deal in particular (scorecard, gates, caps, the draw) and lines of zero have none.
    """

    n: int
    salesperson_id: UUID
    component_key: str
    component_type: str
    plan_id: UUID
    plan_version: int
    source_deal_ids: tuple[UUID, ...]
    inputs: dict[str, Any]  # JSON-able: every number the formula used (decimals as strings)
    formula: str
    amount: Decimal
    parts: tuple[LinePart, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = {
            "n": self.n,
            "salesperson_id": str(self.salesperson_id),
            "component_key": self.component_key,
            "component_type": self.component_type,
            "plan_id": str(self.plan_id),
            "plan_version": self.plan_version,
            "source_deal_ids": [str(d) for d in self.source_deal_ids],
            "inputs": self.inputs,
            "formula": self.formula,
            "amount": str(self.amount),
        }
        if self.parts:
            data["parts"] = [part.to_dict() for part in self.parts]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StatementLine:
        return cls(
            n=int(data["n"]),
            salesperson_id=UUID(data["salesperson_id"]),
            component_key=data["component_key"],
            component_type=data["component_type"],
            plan_id=UUID(data["plan_id"]),
            plan_version=int(data["plan_version"]),
            source_deal_ids=tuple(UUID(d) for d in data["source_deal_ids"]),
            inputs=dict(data["inputs"]),
            formula=data["formula"],
            amount=Decimal(data["amount"]),
            parts=tuple(LinePart.from_dict(part) for part in data.get("parts", ())),
        )


@dataclass(frozen=True, slots=True)
class DrawResult:
    """How a recoverable draw settled this period.

    advance: the draw paid during the period; carried_in: the deficit carried in;
    earnings: the period's earnings before recovery; recovered = min(max(earnings, 0),
    advance + carried_in); payout = earnings − recovered (the statement total: paid at the
    period's end on top of the advance); deficit_out = advance + carried_in − recovered.
    """

    key: str | None
    advance: Decimal
    carried_in: Decimal
    earnings: Decimal
    recovered: Decimal
    payout: Decimal
    deficit_out: Decimal

    @property
    def paid_in_period(self) -> Decimal:
        """Cash for the period: the advance plus the payout."""
        return self.advance + self.payout

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "advance": str(self.advance),
            "carried_in": str(self.carried_in),
            "earnings": str(self.earnings),
            "recovered": str(self.recovered),
            "payout": str(self.payout),
            "deficit_out": str(self.deficit_out),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DrawResult:
        return cls(
            key=data["key"],
            advance=_need(data["advance"]),
            carried_in=_need(data["carried_in"]),
            earnings=_need(data["earnings"]),
            recovered=_need(data["recovered"]),
            payout=_need(data["payout"]),
            deficit_out=_need(data["deficit_out"]),
        )


@dataclass(frozen=True, slots=True)
class TierProgress:
    """Where a salesperson stands on one volume-tier component.

    pays_now: what this component's own lines pay (before gates and caps);
    next_unit_pays: how much more this component would pay for one more whole credited unit
    with the period's average commission gross per unit (0 when nothing would change).
    """

    component_key: str
    mode: str
    units: Decimal
    current_threshold: Decimal | None
    next_threshold: Decimal | None
    units_to_next: Decimal | None
    pays_now: Decimal
    next_unit_pays: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "component_key": self.component_key,
            "mode": self.mode,
            "units": str(self.units),
            "current_threshold": _dec(self.current_threshold),
            "next_threshold": _dec(self.next_threshold),
            "units_to_next": _dec(self.units_to_next),
            "pays_now": str(self.pays_now),
            "next_unit_pays": str(self.next_unit_pays),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TierProgress:
        return cls(
            component_key=data["component_key"],
            mode=data["mode"],
            units=_need(data["units"]),
            current_threshold=_undec(data["current_threshold"]),
            next_threshold=_undec(data["next_threshold"]),
            units_to_next=_undec(data["units_to_next"]),
            pays_now=_need(data["pays_now"]),
            next_unit_pays=_need(data["next_unit_pays"]),
        )


@dataclass(frozen=True, slots=True)
class Statement:
    """One salesperson's pay for one month under one plan version (None: no plan in force).

    total = sum of the lines = earnings − draw recovery; units = sum of credit shares;
    commission_gross = Σ (front gross − pack) × share; back_gross = Σ product income × share.
    """

    salesperson_id: UUID
    month: str
    plan_id: UUID | None
    plan_version: int | None
    lines: tuple[StatementLine, ...]
    total: Decimal
    earnings: Decimal
    units: Decimal
    commission_gross: Decimal
    back_gross: Decimal
    draw: DrawResult | None = None
    tiers: tuple[TierProgress, ...] = ()

    def line(self, n: int) -> StatementLine:
        return self.lines[n - 1]

    def by_component(self) -> dict[str, Decimal]:
        """The sum of the lines of each component key, in line order."""
        sums: dict[str, Decimal] = {}
        for line in self.lines:
            sums[line.component_key] = sums.get(line.component_key, Decimal("0.00")) + line.amount
        return sums

    @property
    def current_tier(self) -> TierProgress | None:
        """The first volume-tier component's progress (plans rarely have more than one)."""
        return self.tiers[0] if self.tiers else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "salesperson_id": str(self.salesperson_id),
            "month": self.month,
            "plan_id": None if self.plan_id is None else str(self.plan_id),
            "plan_version": self.plan_version,
            "lines": [line.to_dict() for line in self.lines],
            "total": str(self.total),
            "earnings": str(self.earnings),
            "units": str(self.units),
            "commission_gross": str(self.commission_gross),
            "back_gross": str(self.back_gross),
            "draw": None if self.draw is None else self.draw.to_dict(),
            "tiers": [t.to_dict() for t in self.tiers],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Statement:
        return cls(
            salesperson_id=UUID(data["salesperson_id"]),
            month=data["month"],
            plan_id=None if data["plan_id"] is None else UUID(data["plan_id"]),
            plan_version=data["plan_version"],
            lines=tuple(StatementLine.from_dict(line) for line in data["lines"]),
            total=_need(data["total"]),
            earnings=_need(data["earnings"]),
            units=_need(data["units"]),
            commission_gross=_need(data["commission_gross"]),
            back_gross=_need(data["back_gross"]),
            draw=None if data["draw"] is None else DrawResult.from_dict(data["draw"]),
            tiers=tuple(TierProgress.from_dict(t) for t in data["tiers"]),
        )

    def canonical_json(self) -> str:
        """Sorted keys, no spaces, UTF-8 text: the bytes the hash is taken over."""
        return canonical_json(self.to_dict())

    def content_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON: equal statements, equal hashes."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
