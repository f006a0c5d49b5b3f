"""Scorecards: how a salesperson's month is scored, as versions effective from a month.

There is one scorecard for the whole group and at most one per store; its id derives from that
scope, so a second one is a conflict and the scorecard of a store is found without a lookup.
A store's own scorecard applies from the month of its first version; before that, and for
stores without one, the group's applies. Changes are new versions: version n + 1 applies from
its `effective_from_month` on (which may not be earlier than version n's), so evaluations
already computed keep naming the version they used.

A version has items (KPI id and version, weight, cap percent) whose weights sum to exactly 100,
and a grade table (grade, minimum score) with one grade at minimum 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.performance import kpis
from domain.performance.errors import ScorecardInvalidError, ScorecardVersionOrderError
from domain.performance.scoring import HUNDRED, Grade
from domain.shared import months
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.values import text

SCORECARD_NAMESPACE = UUID("0d6b3c55-8f52-4b8e-a0f6-2f1c9d7e4a31")
MIN_CAP_PERCENT = Decimal(100)
MAX_CAP_PERCENT = Decimal(500)
MAX_ITEMS = 20
MAX_GRADES = 10


def scorecard_id_for(store_id: UUID | None) -> UUID:
    """The id of the group's scorecard (None) or of a store's."""
    return uuid5(SCORECARD_NAMESPACE, "group" if store_id is None else f"store:{store_id}")


@dataclass(frozen=True)
class ScorecardItem:
    kpi_id: str
    kpi_version: int
    weight: Decimal
    cap_percent: Decimal

    @property
    def kpi(self) -> kpis.KpiDefinition:
        return kpis.definition(self.kpi_id, self.kpi_version)


@dataclass(frozen=True)
class ScorecardVersion:
    version: int
    effective_from_month: str
    items: tuple[ScorecardItem, ...]
    grades: tuple[Grade, ...]  # highest minimum first
    published_at: datetime


def _decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, float | bool):
        raise ScorecardInvalidError(f"{field} must be a decimal string or an integer")
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError, TypeError) as error:
        raise ScorecardInvalidError(f"{field} is not a number: {value!r}") from error
    if not number.is_finite():
        raise ScorecardInvalidError(f"{field} must be finite")
    if number != number.quantize(Decimal("0.01")):
        raise ScorecardInvalidError(f"{field} has more than 2 decimal places")
    return number.quantize(Decimal("0.01"))


def _whole(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScorecardInvalidError(f"{field} must be a whole number")
    return value


def check_items(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The items as a version records them, or ScorecardInvalidError.

    Each names a known KPI version once, with a positive weight and a cap of 100–500 %; the
    weights sum to exactly 100.
    """
    checked: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        kpi_id = item.get("kpi_id")
        if not isinstance(kpi_id, str):
            raise ScorecardInvalidError(f"item {n}: kpi_id must be text")
        version = _whole(item.get("kpi_version", 1), f"item {n}: kpi_version")
        kpis.definition(kpi_id, version)
        if kpi_id in seen:
            raise ScorecardInvalidError(f"item {n}: KPI {kpi_id!r} appears twice")
        seen.add(kpi_id)
        weight = _decimal(item.get("weight"), f"item {n}: weight")
        if weight <= 0:
            raise ScorecardInvalidError(f"item {n}: weight must be positive")
        cap = _decimal(item.get("cap_percent", 150), f"item {n}: cap_percent")
        if not MIN_CAP_PERCENT <= cap <= MAX_CAP_PERCENT:
            raise ScorecardInvalidError(
                f"item {n}: cap_percent must be between {MIN_CAP_PERCENT} and {MAX_CAP_PERCENT}"
            )
        checked.append(
            {"kpi_id": kpi_id, "kpi_version": version, "weight": weight, "cap_percent": cap}
        )
    if not checked:
        raise ScorecardInvalidError("a scorecard version needs at least one item")
    if len(checked) > MAX_ITEMS:
        raise ScorecardInvalidError(f"a scorecard version has at most {MAX_ITEMS} items")
    total = sum((i["weight"] for i in checked), Decimal(0))
    if total != HUNDRED:
        raise ScorecardInvalidError(f"the weights must sum to 100, not {total}")
    return checked


def check_grades(grades: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The grade table, highest minimum first, or ScorecardInvalidError.

    Grades and minimums are distinct, minimums within 0–500, and one grade starts at 0.
    """
    checked: list[dict[str, Any]] = []
    for n, row in enumerate(grades, start=1):
        label = row.get("grade")
        if not isinstance(label, str):
            raise ScorecardInvalidError(f"grade {n}: grade must be text")
        name = text(label, f"grade {n}", max_length=10)
        minimum = _decimal(row.get("minimum"), f"grade {n}: minimum")
        if not 0 <= minimum <= MAX_CAP_PERCENT:
            raise ScorecardInvalidError(f"grade {n}: minimum must be between 0 and 500")
        checked.append({"grade": name, "minimum": minimum})
    if not checked:
        raise ScorecardInvalidError("a scorecard version needs a grade table")
    if len(checked) > MAX_GRADES:
        raise ScorecardInvalidError(f"a grade table has at most {MAX_GRADES} grades")
    if len({g["grade"] for g in checked}) != len(checked):
        raise ScorecardInvalidError("grades must not repeat")
    if len({g["minimum"] for g in checked}) != len(checked):
        raise ScorecardInvalidError("two grades must not share a minimum")
    if min(g["minimum"] for g in checked) != 0:
        raise ScorecardInvalidError("the lowest grade must start at 0, so every score has one")
    return sorted(checked, key=lambda g: g["minimum"], reverse=True)


class Scorecard(ShowroomAggregate):
    """A scorecard of the group (store_id None) or of one store, with its versions."""

    class Created(ShowroomAggregate.Created):
        name: str
        store_id: UUID | None

    class VersionPublished(ShowroomAggregate.Event):
        version: int
        effective_from_month: str
        items: list[dict[str, Any]]
        grades: list[dict[str, Any]]

    @staticmethod
    def create_id(store_id: UUID | None) -> UUID:
        return scorecard_id_for(store_id)

    @classmethod
    def create(cls, name: str, store_id: UUID | None, occurred_at: datetime) -> Scorecard:
        return cls(name=text(name, "name"), store_id=store_id, occurred_at=occurred_at)

    @event(Created)
    def __init__(self, name: str, store_id: UUID | None, occurred_at: datetime) -> None:
        self.name, self.store_id = name, store_id
        self.created_at = occurred_at
        self.versions: list[ScorecardVersion] = []

    def publish(
        self,
        effective_from_month: str,
        items: Iterable[Mapping[str, Any]],
        grades: Iterable[Mapping[str, Any]],
        occurred_at: datetime,
    ) -> None:
        """Publish the next version, applying from `effective_from_month` on."""
        month = months.parse(effective_from_month)
        checked_items, checked_grades = check_items(items), check_grades(grades)
        if self.versions and month < self.versions[-1].effective_from_month:
            latest = self.versions[-1]
            raise ScorecardVersionOrderError(
                f"version {latest.version} applies from {latest.effective_from_month}: a new"
                f" version cannot apply from an earlier month ({month})"
            )
        self._publish(
            version=len(self.versions) + 1,
            effective_from_month=month,
            items=checked_items,
            grades=checked_grades,
            occurred_at=occurred_at,
        )

    @event(VersionPublished)
    def _publish(
        self,
        version: int,
        effective_from_month: str,
        items: list[dict[str, Any]],
        grades: list[dict[str, Any]],
        occurred_at: datetime,
    ) -> None:
        self.versions = [
            *self.versions,
            ScorecardVersion(
                version=version,
                effective_from_month=effective_from_month,
                items=tuple(
                    ScorecardItem(
                        i["kpi_id"],
                        int(i["kpi_version"]),
                        Decimal(i["weight"]),
                        Decimal(i["cap_percent"]),
                    )
                    for i in items
                ),
                grades=tuple(Grade(g["grade"], Decimal(g["minimum"])) for g in grades),
                published_at=occurred_at,
            ),
        ]

    def version_for(self, month: str) -> ScorecardVersion | None:
        """The version that applies to `month`: the newest whose effective month is not later."""
        applying = [v for v in self.versions if v.effective_from_month <= month]
        return applying[-1] if applying else None

    def published(self, number: int) -> ScorecardVersion | None:
        """Version `number` (1 is the first), if published."""
        return self.versions[number - 1] if 1 <= number <= len(self.versions) else None
