"""Targets: what a salesperson, a store or the group should reach in a month, per KPI version.

One target sheet per (scope, subject, month), its id derived from them, so the targets of a
salesperson's month are loaded by id without a lookup. A sheet holds at most one target per KPI
id and version; setting it again replaces it, clearing removes it.

What a target means follows its scope: a salesperson's target is theirs; a store's or the
group's is the total (or rate) of that store or group, for store and group reports. An
evaluation compares a salesperson only with the salesperson's own targets.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.performance import kpis
from domain.shared import months
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import InvalidValueError, NotFoundError

TARGET_NAMESPACE = UUID("5f3e2a41-0b8c-4d9e-8a7f-1c2b3d4e5f60")


class TargetScope(StrEnum):
    SALESPERSON = "salesperson"
    STORE = "store"
    GROUP = "group"


def target_scope(scope: str, subject_id: UUID | None) -> TargetScope:
    """The scope, checked against its subject: the group has none, the others need one."""
    try:
        parsed = TargetScope(scope)
    except ValueError:
        raise InvalidValueError("scope must be salesperson, store or group") from None
    if (parsed is TargetScope.GROUP) != (subject_id is None):
        raise InvalidValueError(
            "a group target has no subject_id"
            if parsed is TargetScope.GROUP
            else f"a {parsed.value} target needs subject_id"
        )
    return parsed


def target_sheet_id(scope: TargetScope | str, subject_id: UUID | None, month: str) -> UUID:
    """The id of the sheet of a subject's month."""
    return uuid5(TARGET_NAMESPACE, f"{TargetScope(scope).value}:{subject_id or '-'}:{month}")


class TargetSheet(ShowroomAggregate):
    """The targets of one salesperson, store or the group for one month."""

    class Opened(ShowroomAggregate.Created):
        scope: str
        subject_id: UUID | None
        month: str

    class TargetSet(ShowroomAggregate.Event):
        scope: str
        subject_id: UUID | None
        month: str
        kpi_id: str
        kpi_version: int
        value: Decimal

    class TargetCleared(ShowroomAggregate.Event):
        scope: str
        subject_id: UUID | None
        month: str
        kpi_id: str
        kpi_version: int

    @staticmethod
    def create_id(scope: str, subject_id: UUID | None, month: str) -> UUID:
        return target_sheet_id(scope, subject_id, month)

    @classmethod
    def open(
        cls, scope: str, subject_id: UUID | None, month: str, occurred_at: datetime
    ) -> TargetSheet:
        parsed = target_scope(scope, subject_id)
        return cls(
            scope=parsed.value,
            subject_id=subject_id,
            month=months.parse(month),
            occurred_at=occurred_at,
        )

    @event(Opened)
    def __init__(
        self, scope: str, subject_id: UUID | None, month: str, occurred_at: datetime
    ) -> None:
        self.scope, self.subject_id, self.month = TargetScope(scope), subject_id, month
        self.targets: dict[tuple[str, int], Decimal] = {}

    def target(self, kpi_id: str, kpi_version: int) -> Decimal | None:
        return self.targets.get((kpi_id, kpi_version))

    def set_target(
        self, kpi_id: str, kpi_version: int, value: Decimal | int | str, occurred_at: datetime
    ) -> bool:
        """Set (or replace) a target; False when it already has this value (nothing recorded)."""
        amount = kpis.definition(kpi_id, kpi_version).target(value)
        if self.target(kpi_id, kpi_version) == amount:
            return False
        self._set(
            scope=self.scope.value,
            subject_id=self.subject_id,
            month=self.month,
            kpi_id=kpi_id,
            kpi_version=kpi_version,
            value=amount,
            occurred_at=occurred_at,
        )
        return True

    @event(TargetSet)
    def _set(
        self,
        scope: str,
        subject_id: UUID | None,
        month: str,
        kpi_id: str,
        kpi_version: int,
        value: Decimal,
        occurred_at: datetime,
    ) -> None:
        self.targets = {**self.targets, (kpi_id, kpi_version): value}

    def clear_target(self, kpi_id: str, kpi_version: int, occurred_at: datetime) -> None:
        if self.target(kpi_id, kpi_version) is None:
            raise NotFoundError("target", f"{kpi_id} v{kpi_version} of {self.month}")
        self._clear(
            scope=self.scope.value,
            subject_id=self.subject_id,
            month=self.month,
            kpi_id=kpi_id,
            kpi_version=kpi_version,
            occurred_at=occurred_at,
        )

    @event(TargetCleared)
    def _clear(
        self,
        scope: str,
        subject_id: UUID | None,
        month: str,
        kpi_id: str,
        kpi_version: int,
        occurred_at: datetime,
    ) -> None:
        self.targets = {k: v for k, v in self.targets.items() if k != (kpi_id, kpi_version)}
