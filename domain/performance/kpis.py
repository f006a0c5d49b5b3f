"""KPI definitions: explicit, versioned, and the same for reports, scorecards and pay.

A KPI is computed from the *base counters* of a salesperson's month as the salesperson KPI view
keeps them (a plain mapping: `units_delivered`, `revenue`, `front_gross`, `leads_assigned`,
`first_responses`, `response_seconds`, `appointments_set`, `appointments_shown`,
`deals_contracted`, `activities`, `surveys`, `survey_score`...). A missing counter counts as
0. A ratio whose denominator is 0 has no value (None): the KPI is not defined that month,
which is different from 0.

Deliveries count by one rule everywhere, reports, scorecards and pay alike (`UNWINDS`, which
each definition that reads deliveries states): a month's units, revenue and gross are the
deliveries of that month (the store's business day) that stand; an unwind takes its deal out
of the month it was delivered in, whenever the unwind is recorded. Reports and scorecards count
a month as it stands when they are read; pay counts it as known at its period's close, so an
unwind recorded after the close stays paid in that month and is charged back in a later period
(docs/payroll.md). Where both figures are shown they are named: the KPI report's
`units_delivered` (now) and `units_paid` (as the month's approved pay counted them).

A definition never changes once published: a different formula is a new version of the same
KPI id (`conversion_rate` v1 divides by leads assigned, v2 by shown appointments — DOMAIN.md
leaves the denominator a choice, so both exist and a target or scorecard names the one it means).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from domain.performance.errors import KpiUnknownError, TargetValueError

Counters = Mapping[str, Decimal | int | None]


class Direction(StrEnum):
    HIGHER = "higher"  # more is better (units, gross, rates, CSI)
    LOWER = "lower"  # less is better (response time)


class Unit(StrEnum):
    UNITS = "units"  # vehicles; a split deal credits its share, so fractions occur
    CNY = "CNY"
    RATIO = "ratio"  # a fraction: 0.25 is 25 %
    MINUTES = "minutes"
    SCORE = "score"  # 0–100
    COUNT = "count"


_PLACES = {
    Unit.UNITS: Decimal("0.01"),
    Unit.CNY: Decimal("0.01"),
    Unit.RATIO: Decimal("0.0001"),
    Unit.MINUTES: Decimal("0.01"),
    Unit.SCORE: Decimal("0.01"),
    Unit.COUNT: Decimal("1"),
}
# Largest sensible target per unit: a rate above 1 or a CSI above 100 is a typo, not ambition.
_TARGET_CEILING = {
    Unit.UNITS: Decimal("100000"),
    Unit.CNY: Decimal("100000000"),
    Unit.RATIO: Decimal("1"),
    Unit.MINUTES: Decimal("100000"),
    Unit.SCORE: Decimal("100"),
    Unit.COUNT: Decimal("10000000"),
}


@dataclass(frozen=True)
class KpiDefinition:
    """One version of one KPI: what it means, in words and as code."""

    id: str
    version: int
    name_en: str
    name_zh: str
    unit: Unit
    direction: Direction
    formula: str  # in words, as the API shows it
    inputs: tuple[str, ...]  # the base counters it reads
    compute: Callable[[Counters], Decimal | None]
    unwinds: str | None = None  # how an unwound delivery counts, for KPIs that read deliveries

    @property
    def key(self) -> tuple[str, int]:
        return self.id, self.version

    def value(self, counters: Counters) -> Decimal | None:
        """The KPI over these counters, rounded to its unit's places; None when undefined."""
        raw = self.compute(counters)
        return None if raw is None else raw.quantize(_PLACES[self.unit], rounding=ROUND_HALF_UP)

    def target(self, value: Decimal | int | str) -> Decimal:
        """A target for this KPI: a positive number within the unit's range, at its places."""
        return target_value(self, value)


def _n(counters: Counters, name: str) -> Decimal:
    value = counters.get(name)
    return Decimal(0) if value is None else Decimal(value)


def _ratio(numerator: str, denominator: str) -> Callable[[Counters], Decimal | None]:
    def compute(counters: Counters) -> Decimal | None:
        whole = _n(counters, denominator)
        return None if whole <= 0 else _n(counters, numerator) / whole

    return compute


def _counter(name: str) -> Callable[[Counters], Decimal | None]:
    return lambda counters: _n(counters, name)


def _avg_response_minutes(counters: Counters) -> Decimal | None:
    responses = _n(counters, "first_responses")
    if responses <= 0:
        return None
    return _n(counters, "response_seconds") / responses / 60


def _csi(counters: Counters) -> Decimal | None:
    surveys = _n(counters, "surveys")
    if surveys <= 0:
        return None
    if counters.get("survey_score") is not None:
        return _n(counters, "survey_score") / surveys
    # A view that keeps only the (rounded) mean: the same figure, to its precision.
    average = counters.get("csi_average")
    return None if average is None else Decimal(average)


def _gross_per_unit(counters: Counters) -> Decimal | None:
    units = _n(counters, "units_delivered")
    return None if units <= 0 else _n(counters, "front_gross") / units


def _per_unit(*names: str) -> Callable[[Counters], Decimal | None]:
    def compute(counters: Counters) -> Decimal | None:
        units = _n(counters, "units_delivered")
        return None if units <= 0 else sum((_n(counters, n) for n in names), Decimal(0)) / units

    return compute


UNWINDS = (
    "a delivery counts in the month of its business day while it stands: an unwind takes it"
    " out of that month, whenever recorded. Reports and scorecards count the month as it"
    " stands now; pay as known at its period's close (an unwind recorded after the close stays"
    " paid and is charged back in a later period)"
)

_DEFINITIONS: tuple[KpiDefinition, ...] = (
    KpiDefinition(
        "units",
        1,
        "Units delivered",
        "交车台数",
        Unit.UNITS,
        Direction.HIGHER,
        "units delivered in the month, net of unwinds; a split deal counts each salesperson's"
        " share",
        ("units_delivered",),
        _counter("units_delivered"),
        UNWINDS,
    ),
    KpiDefinition(
        "gross",
        1,
        "Front-end gross",
        "前端毛利",
        Unit.CNY,
        Direction.HIGHER,
        "front gross (selling price − vehicle cost) of the month's deliveries, net of unwinds",
        ("front_gross",),
        _counter("front_gross"),
        UNWINDS,
    ),
    KpiDefinition(
        "revenue",
        1,
        "Revenue",
        "销售额",
        Unit.CNY,
        Direction.HIGHER,
        "selling price of the month's deliveries, net of unwinds",
        ("revenue",),
        _counter("revenue"),
        UNWINDS,
    ),
    KpiDefinition(
        "gross_per_unit",
        1,
        "Front gross per unit",
        "单车毛利",
        Unit.CNY,
        Direction.HIGHER,
        "front gross ÷ units delivered (undefined without a unit)",
        ("front_gross", "units_delivered"),
        _gross_per_unit,
        UNWINDS,
    ),
    KpiDefinition(
        "conversion_rate",
        1,
        "Conversion rate (per lead)",
        "线索成交率",
        Unit.RATIO,
        Direction.HIGHER,
        "deals contracted ÷ leads assigned in the month (undefined without a lead)",
        ("deals_contracted", "leads_assigned"),
        _ratio("deals_contracted", "leads_assigned"),
    ),
    KpiDefinition(
        "conversion_rate",
        2,
        "Conversion rate (per shown appointment)",
        "到店成交率",
        Unit.RATIO,
        Direction.HIGHER,
        "deals contracted ÷ appointments shown in the month (undefined without a shown"
        " appointment)",
        ("deals_contracted", "appointments_shown"),
        _ratio("deals_contracted", "appointments_shown"),
    ),
    KpiDefinition(
        "appointment_rate",
        1,
        "Appointment set rate",
        "邀约率",
        Unit.RATIO,
        Direction.HIGHER,
        "appointments set ÷ leads assigned in the month (undefined without a lead)",
        ("appointments_set", "leads_assigned"),
        _ratio("appointments_set", "leads_assigned"),
    ),
    KpiDefinition(
        "show_rate",
        1,
        "Show rate",
        "邀约到店率",
        Unit.RATIO,
        Direction.HIGHER,
        "appointments shown ÷ appointments set in the month (undefined without an appointment)",
        ("appointments_shown", "appointments_set"),
        _ratio("appointments_shown", "appointments_set"),
    ),
    KpiDefinition(
        "avg_response_minutes",
        1,
        "Average first response time",
        "平均首次响应时长",
        Unit.MINUTES,
        Direction.LOWER,
        "response seconds ÷ first responses ÷ 60: minutes from assignment to the first human"
        " contact, auto-replies excluded (undefined without a response)",
        ("response_seconds", "first_responses"),
        _avg_response_minutes,
    ),
    KpiDefinition(
        "activities",
        1,
        "Activities logged",
        "跟进次数",
        Unit.COUNT,
        Direction.HIGHER,
        "human activities (calls, messages, visits) logged on own leads in the month",
        ("activities",),
        _counter("activities"),
    ),
    KpiDefinition(
        "csi",
        1,
        "Customer satisfaction (CSI)",
        "客户满意度",
        Unit.SCORE,
        Direction.HIGHER,
        "sum of the overall scores (0–100) of the month's surveys attributed to the"
        " salesperson ÷ their number, excluded surveys left out (undefined without a survey)",
        ("survey_score", "surveys"),
        _csi,
    ),
)

# F&I (docs/finance-applications.md). Every delivery of a deal is a retail unit (fleet and
# wholesale are not deals), so "per vehicle retailed" divides by units delivered. A product
# counts while it stands: one cancelled, or a deal unwound, leaves the month it was counted in.
_FI_DEFINITIONS: tuple[KpiDefinition, ...] = (
    KpiDefinition(
        "back_gross",
        1,
        "F&I income (back-end gross)",
        "后端毛利",
        Unit.CNY,
        Direction.HIGHER,
        "income of the F&I products standing on the month's deliveries (finance reserve or"
        " participation, commissions, accessory margin), net of unwinds and cancellations",
        ("back_gross",),
        _counter("back_gross"),
        UNWINDS,
    ),
    KpiDefinition(
        "pvr",
        1,
        "F&I per vehicle retailed (PVR)",
        "单车后端毛利",
        Unit.CNY,
        Direction.HIGHER,
        "F&I income ÷ units delivered (undefined without a unit)",
        ("back_gross", "units_delivered"),
        _per_unit("back_gross"),
        UNWINDS,
    ),
    KpiDefinition(
        "total_pvr",
        1,
        "Total gross per vehicle retailed",
        "单车总毛利",
        Unit.CNY,
        Direction.HIGHER,
        "(front gross + F&I income) ÷ units delivered (undefined without a unit)",
        ("front_gross", "back_gross", "units_delivered"),
        _per_unit("front_gross", "back_gross"),
        UNWINDS,
    ),
    KpiDefinition(
        "finance_penetration",
        1,
        "Finance penetration",
        "金融渗透率",
        Unit.RATIO,
        Direction.HIGHER,
        "units delivered with a finance contract standing (a funded loan) ÷ units delivered",
        ("units_with_finance", "units_delivered"),
        _ratio("units_with_finance", "units_delivered"),
        UNWINDS,
    ),
    KpiDefinition(
        "insurance_penetration",
        1,
        "Insurance penetration",
        "保险渗透率",
        Unit.RATIO,
        Direction.HIGHER,
        "units delivered with an insurance policy standing ÷ units delivered",
        ("units_with_insurance", "units_delivered"),
        _ratio("units_with_insurance", "units_delivered"),
        UNWINDS,
    ),
    KpiDefinition(
        "warranty_penetration",
        1,
        "Extended warranty penetration",
        "延保渗透率",
        Unit.RATIO,
        Direction.HIGHER,
        "units delivered with an extended warranty standing ÷ units delivered",
        ("units_with_warranty", "units_delivered"),
        _ratio("units_with_warranty", "units_delivered"),
        UNWINDS,
    ),
    KpiDefinition(
        "gap_penetration",
        1,
        "GAP penetration",
        "GAP渗透率",
        Unit.RATIO,
        Direction.HIGHER,
        "units delivered with GAP cover standing ÷ units delivered with a finance contract"
        " (GAP covers a loan)",
        ("units_with_gap", "units_with_finance"),
        _ratio("units_with_gap", "units_with_finance"),
        UNWINDS,
    ),
    KpiDefinition(
        "accessories_penetration",
        1,
        "Accessories penetration",
        "精品渗透率",
        Unit.RATIO,
        Direction.HIGHER,
        "units delivered with accessories (精品) standing ÷ units delivered",
        ("units_with_accessories", "units_delivered"),
        _ratio("units_with_accessories", "units_delivered"),
        UNWINDS,
    ),
)

_DEFINITIONS += _FI_DEFINITIONS
_BY_KEY: dict[tuple[str, int], KpiDefinition] = {d.key: d for d in _DEFINITIONS}


def definitions() -> list[KpiDefinition]:
    """Every KPI definition, by id then version."""
    return sorted(_DEFINITIONS, key=lambda d: d.key)


def definition(kpi_id: str, version: int) -> KpiDefinition:
    """The definition of `kpi_id` at `version`; KpiUnknownError when there is none."""
    found = _BY_KEY.get((kpi_id, version))
    if found is None:
        raise KpiUnknownError(f"there is no KPI {kpi_id!r} version {version}")
    return found


def latest_version(kpi_id: str) -> int:
    versions = [v for (i, v) in _BY_KEY if i == kpi_id]
    if not versions:
        raise KpiUnknownError(f"there is no KPI {kpi_id!r}")
    return max(versions)


def kpi_value(kpi_id: str, version: int, counters: Counters) -> Decimal | None:
    """The value of a KPI over a month's base counters (None when its denominator is 0)."""
    return definition(kpi_id, version).value(counters)


def target_value(kpi: KpiDefinition, value: Decimal | int | str) -> Decimal:
    """A target must be a positive, finite number within the KPI unit's sensible range."""
    if isinstance(value, float | bool):
        raise TargetValueError("a target must be a decimal string or an integer")
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError, TypeError) as error:
        raise TargetValueError(f"target is not a number: {value!r}") from error
    if not number.is_finite() or number <= 0:
        raise TargetValueError("a target must be a positive number (attainment divides by it)")
    if number > _TARGET_CEILING[kpi.unit]:
        raise TargetValueError(
            f"a target in {kpi.unit.value} is at most {_TARGET_CEILING[kpi.unit]}"
            + (" (rates are fractions: 0.25 is 25 %)" if kpi.unit is Unit.RATIO else "")
        )
    rounded = number.quantize(_PLACES[kpi.unit], rounding=ROUND_HALF_UP)
    if rounded <= 0:
        raise TargetValueError(f"target rounds to 0 at {_PLACES[kpi.unit]}")
    return rounded
