"""The evaluation's KPI counters, answered from the salesperson KPI view."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from domain.app import Showroom
from domain.performance.ports import CounterReading
from projections.db import Database
from projections.runner import positions, wait_for
from projections.salesperson_kpi import queries as kpi
from projections.salesperson_kpi.projection import COUNTERS

VIEW = "salesperson_kpi"
_ATTEMPTS = 5


class ViewKpiCounters:
    """`domain.performance.ports.KpiCounters` over `rm_salesperson_kpi`.

    It first waits (bounded) until the KPI view has caught up with the log as it is now, and
    raises ViewsNotCaughtUpError (HTTP 503) when it has not: an evaluation is a permanent record
    and must not be scored from a lagging view. The reading carries the view's log position;
    if the view moved while it was read, it reads again so values and position agree.
    """

    def __init__(self, app: Showroom, db: Database, wait_seconds: float) -> None:
        self.app, self.db, self.wait_seconds = app, db, wait_seconds

    def counters(self, salesperson_id: UUID, month: str) -> CounterReading:
        wait_for(self.db, [VIEW], self.app.position(), self.wait_seconds)
        for _ in range(_ATTEMPTS):
            before = positions(self.db).get(VIEW, 0)
            values = self._values(salesperson_id, month)
            if positions(self.db).get(VIEW, 0) == before:
                break
        return CounterReading(values=values, position=before)

    def _values(self, salesperson_id: UUID, month: str) -> dict[str, Decimal | None]:
        values: dict[str, Decimal | None] = {c: Decimal(0) for c in COUNTERS}
        table = kpi.kpi_table(self.db, month=month, salesperson_id=salesperson_id, limit=1)
        for line in table["items"]:
            for key, value in line.items():
                # Every number of the line is a counter (or an average of counters); ids,
                # names and derived figures the KPI definitions recompute themselves are not.
                if key == "avg_response_seconds" or isinstance(value, bool):
                    continue
                if isinstance(value, int | Decimal):
                    values[key] = Decimal(value)
                elif value is None and key.endswith("_average"):
                    values[key] = None
        return values
