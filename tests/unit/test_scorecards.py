"""Scoring by hand-computed examples and properties; the versioned Scorecard aggregate."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.performance.errors import (
    EvaluationNotScorableError,
    KpiUnknownError,
    ScorecardInvalidError,
    ScorecardVersionOrderError,
)
from domain.performance.kpis import Direction
from domain.performance.scorecards import Scorecard, scorecard_id_for
from domain.performance.scoring import Grade, ItemInput, attainment, grade_of, score
from domain.shared.errors import DomainError, InvalidValueError
from tests.unit.builders import MONDAY, new_app, new_events, state

D = Decimal
HIGHER, LOWER = Direction.HIGHER, Direction.LOWER
GRADES = [Grade("A", D(110)), Grade("B", D(90)), Grade("C", D(70)), Grade("D", D(0))]


def item(
    kpi_id: str,
    weight: int | str,
    actual: str | None,
    target: str | None,
    cap: int | str = 150,
    direction: Direction = HIGHER,
) -> ItemInput:
    return ItemInput(
        kpi_id=kpi_id,
        kpi_version=1,
        weight=D(weight),
        cap_percent=D(cap),
        direction=direction,
        actual=None if actual is None else D(actual),
        target=None if target is None else D(target),
    )


# --- scoring: hand-computed examples ---------------------------------------------------------


def test_attainment_above_the_cap_counts_only_up_to_the_cap() -> None:
    # units 12 of 10 → 1.2 × 50 = 60; gross 400k of 200k → 2.0, capped 1.5 × 30 = 45;
    # response 8 min against 10 (lower is better) → 10 ÷ 8 = 1.25 × 20 = 25. Total 130.
    scored = score(
        [
            item("units", 50, "12", "10"),
            item("gross", 30, "400000", "200000"),
            item("avg_response_minutes", 20, "8", "10", direction=LOWER),
        ],
        GRADES,
    )

    units, gross, response = scored.items
    assert (units.attainment, units.capped, units.weighted) == (D("1.2"), D("1.2"), D("60"))
    assert (gross.attainment, gross.capped, gross.weighted) == (D("2"), D("1.5"), D("45"))
    assert (response.attainment, response.weighted) == (D("1.25"), D("25"))
    assert scored.score == D("130.00")
    assert scored.grade == "A"


def test_a_lower_is_better_kpi_scores_target_over_actual() -> None:
    # 15 minutes against a target of 10: 10 ÷ 15 = 0.6667 (4 places) → 66.67 points.
    scored = score([item("avg_response_minutes", 100, "15", "10", direction=LOWER)], GRADES)

    assert scored.items[0].attainment == D("0.6667")
    assert scored.score == D("66.67")
    assert scored.grade == "D"


def test_a_lower_is_better_actual_of_zero_attains_the_cap() -> None:
    assert attainment(D(0), D(10), LOWER, D("1.2")) == D("1.2")


def test_an_item_without_a_target_is_excluded_and_the_others_renormalised() -> None:
    # csi (weight 20) has no target: W = 80. units 11/10 → 1.1 × 40 × 100 ÷ 80 = 55;
    # gross 100k/200k → 0.5 × 40 × 100 ÷ 80 = 25. Total 80.
    scored = score(
        [
            item("units", 40, "11", "10"),
            item("gross", 40, "100000", "200000"),
            item("csi", 20, "95", None),
        ],
        GRADES,
    )

    assert [i.weighted for i in scored.items] == [D("55"), D("25"), None]
    assert scored.items[2].excluded == "no target"
    assert scored.score == D("80.00")
    assert scored.grade == "C"


def test_an_item_whose_kpi_has_no_value_this_month_is_excluded_too() -> None:
    # conversion with no lead has no value: units alone carries the score, 9/10 → 90.
    scored = score([item("units", 70, "9", "10"), item("conversion_rate", 30, None, "0.2")], GRADES)

    assert scored.items[1].excluded == "no value this month"
    assert scored.score == D("90.00")
    assert scored.grade == "B"


def test_renormalised_weights_round_each_item_to_four_places() -> None:
    # W = 90 (the third item has no target): 1 × 30 × 100 ÷ 90 = 33.3333 (4 places);
    # 1 × 60 × 100 ÷ 90 = 66.6667; 33.3333 + 66.6667 = 100.0000 → 100.00.
    scored = score(
        [item("units", 30, "5", "5"), item("gross", 60, "7", "7"), item("csi", 10, "90", None)],
        GRADES,
    )

    assert [i.weighted for i in scored.items[:2]] == [D("33.3333"), D("66.6667")]
    assert scored.score == D("100.00")


def test_negative_gross_attains_zero_rather_than_subtracting() -> None:
    scored = score([item("gross", 50, "-20000", "100000"), item("units", 50, "10", "10")], GRADES)

    assert scored.items[0].attainment == D("0")
    assert scored.score == D("50.00")


def test_a_score_exactly_at_a_grades_minimum_earns_that_grade() -> None:
    assert grade_of(D("110.00"), GRADES) == "A"
    assert grade_of(D("109.99"), GRADES) == "B"
    assert grade_of(D("0"), GRADES) == "D"


def test_a_month_where_nothing_can_be_scored_is_refused() -> None:
    with pytest.raises(EvaluationNotScorableError):
        score([item("units", 50, "3", None), item("csi", 50, None, "90")], GRADES)


# --- scoring: properties --------------------------------------------------------------------

amounts = st.decimals(min_value=-1000, max_value=100000, places=2)
targets = st.one_of(st.none(), st.decimals(min_value=D("0.01"), max_value=100000, places=2))


@st.composite
def scorecards(draw: st.DrawFn) -> list[ItemInput]:
    count = draw(st.integers(1, 5))
    weights = draw(st.lists(st.integers(1, 60), min_size=count, max_size=count))
    items = []
    for n, weight in enumerate(weights):
        items.append(
            ItemInput(
                kpi_id=f"kpi{n}",
                kpi_version=1,
                weight=D(weight),
                cap_percent=D(draw(st.integers(100, 500))),
                direction=draw(st.sampled_from([HIGHER, LOWER])),
                actual=draw(st.one_of(st.none(), amounts)),
                target=draw(targets),
            )
        )
    return items


def scorable(items: list[ItemInput]) -> bool:
    return any(i.actual is not None and i.target is not None for i in items)


@settings(max_examples=300, deadline=None)
@given(items=scorecards())
def test_a_score_lies_between_zero_and_the_largest_cap(items: list[ItemInput]) -> None:
    if not scorable(items):
        return
    largest_cap = max(i.cap_percent for i in items)

    scored = score(items, GRADES)

    assert D(0) <= scored.score <= largest_cap


@settings(max_examples=300, deadline=None)
@given(items=scorecards(), index=st.integers(0, 4), by=st.decimals(D("0.01"), 50000, places=2))
def test_improving_one_actual_never_lowers_the_score(
    items: list[ItemInput], index: int, by: Decimal
) -> None:
    chosen = items[index % len(items)]
    if not scorable(items) or chosen.actual is None:
        return
    # Improving means more for a higher-is-better KPI and less for a lower-is-better one.
    better = chosen.actual + by if chosen.direction is HIGHER else chosen.actual - by
    improved = [replace(i, actual=better) if i is chosen else i for i in items]

    assert score(improved, GRADES).score >= score(items, GRADES).score


# --- the Scorecard aggregate ------------------------------------------------------------------

ITEMS: list[dict[str, Any]] = [
    {"kpi_id": "units", "kpi_version": 1, "weight": "50", "cap_percent": "150"},
    {"kpi_id": "gross", "kpi_version": 1, "weight": 30},
    {"kpi_id": "conversion_rate", "kpi_version": 2, "weight": "20", "cap_percent": 120},
]
GRADE_TABLE: list[dict[str, Any]] = [
    {"grade": "D", "minimum": 0},
    {"grade": "A", "minimum": "110"},
    {"grade": "B", "minimum": 90},
    {"grade": "C", "minimum": "70"},
]


def created(store_id: Any = None) -> Scorecard:
    scorecard = Scorecard.create("Sales consultants 2026", store_id, MONDAY)
    new_events(scorecard)
    return scorecard


def with_version(month: str = "2026-01") -> Scorecard:
    scorecard = created()
    scorecard.publish(month, ITEMS, GRADE_TABLE, MONDAY)
    new_events(scorecard)
    return scorecard


def test_a_scorecards_id_derives_from_its_scope() -> None:
    store = uuid4()

    assert Scorecard.create("Group", None, MONDAY).id == scorecard_id_for(None)
    assert Scorecard.create("Pudong", store, MONDAY).id == scorecard_id_for(store)
    assert scorecard_id_for(store) != scorecard_id_for(None)


def test_publishing_records_the_version_with_normalised_items_and_sorted_grades() -> None:
    given_scorecard = created()

    given_scorecard.publish("2026-01", ITEMS, GRADE_TABLE, MONDAY)

    [published] = new_events(given_scorecard)
    assert isinstance(published, Scorecard.VersionPublished)
    assert (published.version, published.effective_from_month) == (1, "2026-01")
    assert published.items[1] == {
        "kpi_id": "gross",
        "kpi_version": 1,
        "weight": D("30.00"),
        "cap_percent": D("150.00"),  # the default cap
    }
    assert [g["grade"] for g in published.grades] == ["A", "B", "C", "D"]


def test_a_second_version_applies_from_its_month_and_the_first_before_it() -> None:
    scorecard = with_version("2026-01")
    heavier_units = [{**ITEMS[0], "weight": 70}, {**ITEMS[1], "weight": 30}]

    scorecard.publish("2026-04", heavier_units, GRADE_TABLE, MONDAY)

    assert scorecard.version_for("2025-12") is None
    assert scorecard.version_for("2026-03").version == 1  # type: ignore[union-attr]
    assert scorecard.version_for("2026-04").version == 2  # type: ignore[union-attr]
    assert scorecard.version_for("2027-01").version == 2  # type: ignore[union-attr]


def test_a_version_in_the_same_month_supersedes_the_earlier_one() -> None:
    scorecard = with_version("2026-04")

    scorecard.publish("2026-04", ITEMS, GRADE_TABLE, MONDAY)

    assert scorecard.version_for("2026-04").version == 2  # type: ignore[union-attr]


def test_a_version_cannot_apply_from_before_the_latest_one() -> None:
    scorecard = with_version("2026-04")

    with pytest.raises(ScorecardVersionOrderError):
        scorecard.publish("2026-03", ITEMS, GRADE_TABLE, MONDAY)
    assert new_events(scorecard) == []


@pytest.mark.parametrize(
    "items",
    [
        [],
        [{**ITEMS[0], "weight": 60}, ITEMS[1], ITEMS[2]],  # sums to 110
        [{**ITEMS[0], "weight": "50.001"}, ITEMS[1], ITEMS[2]],
        [ITEMS[0], {**ITEMS[1], "weight": 0}, {**ITEMS[2], "weight": 50}],
        [ITEMS[0], ITEMS[1], {**ITEMS[2], "kpi_id": "units", "kpi_version": 1}],  # twice
        [{**ITEMS[0], "cap_percent": 90}, ITEMS[1], ITEMS[2]],
        [{**ITEMS[0], "cap_percent": 501}, ITEMS[1], ITEMS[2]],
        [{**ITEMS[0], "weight": 50.0}, ITEMS[1], ITEMS[2]],  # a float
        [{**ITEMS[0], "kpi_version": "1"}, ITEMS[1], ITEMS[2]],
    ],
)
def test_items_must_name_each_kpi_once_with_weights_summing_to_100(
    items: list[dict[str, Any]],
) -> None:
    with pytest.raises(ScorecardInvalidError):
        created().publish("2026-01", items, GRADE_TABLE, MONDAY)


def test_an_item_must_name_a_defined_kpi_version() -> None:
    with pytest.raises(KpiUnknownError):
        created().publish(
            "2026-01", [{**ITEMS[0], "weight": 100, "kpi_version": 9}], GRADE_TABLE, MONDAY
        )


@pytest.mark.parametrize(
    "grades",
    [
        [],
        [{"grade": "A", "minimum": 100}],  # no grade from 0
        [{"grade": "A", "minimum": 0}, {"grade": "A", "minimum": 90}],
        [{"grade": "A", "minimum": 0}, {"grade": "B", "minimum": 0}],
        [{"grade": " ", "minimum": 0}],
        [{"grade": "A", "minimum": -1}],
    ],
)
def test_a_grade_table_needs_distinct_grades_and_one_from_zero(
    grades: list[dict[str, Any]],
) -> None:
    with pytest.raises(InvalidValueError):
        created().publish("2026-01", ITEMS, grades, MONDAY)


def test_a_scorecard_needs_a_name() -> None:
    with pytest.raises(InvalidValueError):
        Scorecard.create("  ", None, MONDAY)


publish_commands = st.lists(
    st.tuples(
        st.sampled_from(["2026-01", "2026-03", "2026-02", "2026-13"]),
        st.sampled_from([ITEMS, ITEMS[:2], [{**ITEMS[0], "weight": 100}]]),
    ),
    max_size=6,
)


@settings(max_examples=50, deadline=None)
@given(commands=publish_commands)
def test_a_replayed_scorecard_equals_the_live_one(
    commands: list[tuple[str, list[dict[str, Any]]]],
) -> None:
    app = new_app()
    live = Scorecard.create("Group", uuid4(), MONDAY)
    for month, items in commands:
        with suppress(DomainError):
            live.publish(month, items, GRADE_TABLE, MONDAY)
    app.save(live)

    replayed: Scorecard = app.repository.get(live.id)

    assert state(replayed) == state(live)
