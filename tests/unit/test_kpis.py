"""KPI definitions (explicit, versioned formulas) and the target sheets that name them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.performance.errors import KpiUnknownError, TargetValueError
from domain.performance.kpis import (
    UNWINDS,
    Direction,
    definition,
    definitions,
    kpi_value,
    latest_version,
)
from domain.performance.targets import TargetScope, TargetSheet, target_sheet_id
from domain.shared.errors import DomainError, InvalidValueError, NotFoundError
from tests.unit.builders import MONDAY, new_app, new_events, state

# What the salesperson KPI view counts (and the CSI columns the survey work adds).
BASE_COUNTERS = {
    "units_delivered",
    "revenue",
    "front_gross",
    "leads_assigned",
    "first_responses",
    "response_seconds",
    "appointments_set",
    "appointments_shown",
    "deals_contracted",
    "activities",
    "surveys",
    "survey_score",
    "csi_average",
    # F&I (docs/finance-applications.md)
    "back_gross",
    "units_with_finance",
    "units_with_insurance",
    "units_with_warranty",
    "units_with_gap",
    "units_with_accessories",
}

MONTH_COUNTERS: dict[str, Decimal | int | None] = {
    "units_delivered": Decimal("6.5"),
    "revenue": Decimal("812500.00"),
    "front_gross": Decimal("97500.00"),
    "leads_assigned": 40,
    "first_responses": 32,
    "response_seconds": 23040,
    "appointments_set": 16,
    "appointments_shown": 10,
    "deals_contracted": 8,
    "activities": 120,
    "surveys": 4,
    "survey_score": 365,
    "csi_average": Decimal("91.3"),
}


# --- definitions --------------------------------------------------------------------------------


def test_every_definition_has_a_unique_id_and_version_and_reads_known_counters() -> None:
    keys = [(d.id, d.version) for d in definitions()]

    assert len(keys) == len(set(keys))
    assert all(set(d.inputs) <= BASE_COUNTERS for d in definitions())
    assert all(d.name_en and d.name_zh and d.formula for d in definitions())


@pytest.mark.parametrize(
    ("kpi_id", "version", "expected"),
    [
        ("units", 1, Decimal("6.50")),
        ("gross", 1, Decimal("97500.00")),
        ("revenue", 1, Decimal("812500.00")),
        ("gross_per_unit", 1, Decimal("15000.00")),  # 97,500 ÷ 6.5
        ("conversion_rate", 1, Decimal("0.2000")),  # 8 ÷ 40 leads
        ("conversion_rate", 2, Decimal("0.8000")),  # 8 ÷ 10 shown appointments
        ("appointment_rate", 1, Decimal("0.4000")),  # 16 ÷ 40
        ("show_rate", 1, Decimal("0.6250")),  # 10 ÷ 16
        ("avg_response_minutes", 1, Decimal("12.00")),  # 23,040 s ÷ 32 ÷ 60
        ("activities", 1, Decimal("120")),
        ("csi", 1, Decimal("91.25")),  # 365 ÷ 4, exact (the view's mean is rounded)
    ],
)
def test_each_kpi_computes_its_formula_over_the_base_counters(
    kpi_id: str, version: int, expected: Decimal
) -> None:
    assert kpi_value(kpi_id, version, MONTH_COUNTERS) == expected


def test_the_two_conversion_versions_make_the_denominator_choice_explicit() -> None:
    v1, v2 = definition("conversion_rate", 1), definition("conversion_rate", 2)

    assert v1.inputs == ("deals_contracted", "leads_assigned")
    assert v2.inputs == ("deals_contracted", "appointments_shown")
    assert latest_version("conversion_rate") == 2


@pytest.mark.parametrize(
    ("kpi_id", "version", "zeroed"),
    [
        ("conversion_rate", 1, "leads_assigned"),
        ("conversion_rate", 2, "appointments_shown"),
        ("show_rate", 1, "appointments_set"),
        ("avg_response_minutes", 1, "first_responses"),
        ("gross_per_unit", 1, "units_delivered"),
        ("csi", 1, "surveys"),
    ],
)
def test_a_ratio_over_a_zero_denominator_has_no_value(
    kpi_id: str, version: int, zeroed: str
) -> None:
    counters = {**MONTH_COUNTERS, zeroed: 0}

    assert kpi_value(kpi_id, version, counters) is None


def test_a_missing_counter_counts_as_zero() -> None:
    assert kpi_value("units", 1, {}) == Decimal("0.00")


def test_csi_falls_back_to_the_views_mean_when_the_score_sum_is_absent() -> None:
    assert kpi_value("csi", 1, {"surveys": 3, "csi_average": Decimal("88.7")}) == Decimal("88.70")
    assert kpi_value("csi", 1, {"surveys": 3}) is None


def test_response_time_is_the_one_kpi_where_lower_is_better() -> None:
    lower = [d.key for d in definitions() if d.direction is Direction.LOWER]

    assert lower == [("avg_response_minutes", 1)]


def test_an_unknown_kpi_or_version_is_refused() -> None:
    with pytest.raises(KpiUnknownError):
        kpi_value("happiness", 1, MONTH_COUNTERS)
    with pytest.raises(KpiUnknownError):
        kpi_value("conversion_rate", 3, MONTH_COUNTERS)


# --- target values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kpi_id", "value", "expected"),
    [
        ("units", "12", Decimal("12.00")),
        ("conversion_rate", "0.25", Decimal("0.2500")),
        ("gross", 150000, Decimal("150000.00")),
        ("avg_response_minutes", "7.5", Decimal("7.50")),
        ("csi", "90", Decimal("90.00")),
    ],
)
def test_a_target_is_kept_at_its_kpis_precision(kpi_id: str, value: Any, expected: Decimal) -> None:
    assert definition(kpi_id, 1).target(value) == expected


@pytest.mark.parametrize(
    ("kpi_id", "value"),
    [
        ("units", "0"),
        ("units", "-3"),
        ("units", 1.5),
        ("units", "lots"),
        ("units", "NaN"),
        ("conversion_rate", "25"),  # a rate is a fraction, not a percent
        ("csi", "101"),
        ("conversion_rate", "0.00001"),  # rounds to 0
    ],
)
def test_a_target_must_be_a_positive_number_in_its_units_range(kpi_id: str, value: Any) -> None:
    with pytest.raises(TargetValueError):
        definition(kpi_id, 1).target(value)


# --- target sheets ------------------------------------------------------------------------------

SELLER = uuid4()


def sheet() -> TargetSheet:
    opened = TargetSheet.open("salesperson", SELLER, "2026-03", MONDAY)
    new_events(opened)
    return opened


def test_a_sheets_id_derives_from_scope_subject_and_month() -> None:
    opened = TargetSheet.open("salesperson", SELLER, "2026-03", MONDAY)

    assert opened.id == target_sheet_id(TargetScope.SALESPERSON, SELLER, "2026-03")
    assert opened.id != target_sheet_id(TargetScope.SALESPERSON, SELLER, "2026-04")


def test_setting_a_target_records_it_with_its_kpi_version() -> None:
    given = sheet()

    given.set_target("conversion_rate", 2, "0.5", MONDAY)

    [recorded] = new_events(given)
    assert isinstance(recorded, TargetSheet.TargetSet)
    assert (recorded.scope, recorded.subject_id, recorded.month) == (
        "salesperson",
        SELLER,
        "2026-03",
    )
    assert (recorded.kpi_id, recorded.kpi_version, recorded.value) == (
        "conversion_rate",
        2,
        Decimal("0.5000"),
    )
    assert given.target("conversion_rate", 2) == Decimal("0.5000")
    assert given.target("conversion_rate", 1) is None


def test_setting_the_same_value_again_records_nothing() -> None:
    given = sheet()
    given.set_target("units", 1, "10", MONDAY)
    new_events(given)

    changed = given.set_target("units", 1, "10.00", MONDAY)

    assert changed is False
    assert new_events(given) == []


def test_clearing_a_target_removes_it() -> None:
    given = sheet()
    given.set_target("units", 1, "10", MONDAY)
    new_events(given)

    given.clear_target("units", 1, MONDAY)

    [recorded] = new_events(given)
    assert isinstance(recorded, TargetSheet.TargetCleared)
    assert given.target("units", 1) is None


def test_clearing_a_target_that_is_not_set_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        sheet().clear_target("units", 1, MONDAY)


@pytest.mark.parametrize(
    ("scope", "subject"),
    [("group", uuid4()), ("store", None), ("salesperson", None), ("region", uuid4())],
)
def test_a_sheets_scope_must_fit_its_subject(scope: str, subject: Any) -> None:
    with pytest.raises(InvalidValueError):
        TargetSheet.open(scope, subject, "2026-03", MONDAY)


target_commands = st.lists(
    st.tuples(
        st.sampled_from(["set", "clear"]),
        st.sampled_from([("units", 1), ("conversion_rate", 1), ("conversion_rate", 2)]),
        st.sampled_from(["0.3", "5", "12.5", "0"]),
    ),
    max_size=12,
)


@settings(max_examples=50, deadline=None)
@given(commands=target_commands)
def test_a_replayed_target_sheet_equals_the_live_one(
    commands: list[tuple[str, tuple[str, int], str]],
) -> None:
    app = new_app()
    live = TargetSheet.open("store", uuid4(), "2026-05", MONDAY)
    for action, (kpi_id, version), value in commands:
        try:
            if action == "set":
                live.set_target(kpi_id, version, value, MONDAY)
            else:
                live.clear_target(kpi_id, version, MONDAY)
        except DomainError:
            pass
    app.save(live)

    replayed: TargetSheet = app.repository.get(live.id)

    assert state(replayed) == state(live)


def test_every_kpi_that_reads_deliveries_states_how_an_unwind_counts() -> None:
    delivery_counters = {"units_delivered", "revenue", "front_gross", "back_gross"}
    delivery_counters |= {c for c in BASE_COUNTERS if c.startswith("units_with_")}

    stated = {d.key: d.unwinds for d in definitions() if delivery_counters & set(d.inputs)}

    assert stated and all(rule == UNWINDS for rule in stated.values())
    assert all(d.unwinds is None for d in definitions() if d.key not in stated)
