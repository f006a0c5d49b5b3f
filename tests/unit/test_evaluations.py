"""Evaluations: Given/When/Then on the aggregate, then the performance service over a group."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.performance.errors import (
    EvaluationApprovedError,
    EvaluationMonthError,
    ScorecardMissingError,
)
from domain.performance.evaluations import Evaluation, EvaluationStatus, evaluation_id_for
from domain.performance.ports import CounterReading
from domain.performance.scorecards import ScorecardItem, ScorecardVersion, scorecard_id_for
from domain.performance.scoring import Grade
from domain.performance.service import Performance
from domain.shared.actor import Principal, Role
from domain.shared.errors import (
    ConflictError,
    DomainError,
    IllegalTransitionError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
)
from domain.shared.months import next_month
from tests.unit.builders import ADMIN, FINANCE, MONDAY, Group, group, new_app, new_events, state

D = Decimal
MARCH = "2026-03"
SELLER = uuid4()
STORE = uuid4()
SCORECARD = uuid4()
VERSION = ScorecardVersion(
    version=1,
    effective_from_month="2026-01",
    items=(ScorecardItem("units", 1, D(60), D(150)), ScorecardItem("gross", 1, D(40), D(150))),
    grades=(Grade("A", D(110)), Grade("B", D(90)), Grade("C", D(70)), Grade("D", D(0))),
    published_at=MONDAY,
)
# 12 units of 10 → 1.2 × 60 = 72; ¥150,000 of ¥200,000 → 0.75 × 40 = 30; 102 → B.
READING = CounterReading(
    values={"units_delivered": D(12), "front_gross": D("150000.00"), "leads_assigned": D(30)},
    position=42,
)
TARGETS = {("units", 1): D(10), ("gross", 1): D(200000)}


def this_month() -> str:
    today = datetime.now(UTC) + timedelta(hours=8)  # on the floor in Shanghai
    return f"{today.year:04d}-{today.month:02d}"


# --- the Evaluation aggregate ------------------------------------------------------------------


def opened() -> Evaluation:
    evaluation = Evaluation.open(SELLER, MARCH, MONDAY)
    new_events(evaluation)
    return evaluation


def computed() -> Evaluation:
    evaluation = opened()
    evaluation.compute(STORE, SCORECARD, VERSION, READING, TARGETS, MONDAY)
    new_events(evaluation)
    return evaluation


def approved() -> Evaluation:
    evaluation = computed()
    evaluation.approve(MONDAY)
    new_events(evaluation)
    return evaluation


def test_an_evaluations_id_derives_from_salesperson_and_month() -> None:
    assert Evaluation.open(SELLER, MARCH, MONDAY).id == evaluation_id_for(SELLER, MARCH)
    assert evaluation_id_for(SELLER, MARCH) != evaluation_id_for(SELLER, "2026-04")


def test_computing_records_every_input_and_every_figure() -> None:
    evaluation = opened()

    evaluation.compute(STORE, SCORECARD, VERSION, READING, TARGETS, MONDAY)

    [recorded] = new_events(evaluation)
    assert isinstance(recorded, Evaluation.Computed)
    assert (recorded.store_id, recorded.scorecard_id, recorded.scorecard_version) == (
        STORE,
        SCORECARD,
        1,
    )
    assert recorded.counters == READING.values
    assert recorded.counters_position == 42
    units, gross = recorded.items
    assert units["actual"] == D("12.00") and units["target"] == D(10)
    assert (units["attainment"], units["capped"], units["weighted"]) == (D("1.2"), D("1.2"), D(72))
    assert (gross["attainment"], gross["weighted"]) == (D("0.75"), D(30))
    assert recorded.grades[0] == {"grade": "A", "minimum": D(110)}
    assert (recorded.score, recorded.grade) == (D("102.00"), "B")


def test_the_recorded_inputs_reproduce_the_recorded_score() -> None:
    evaluation = computed()

    again = evaluation.reproduce()

    assert (again.score, again.grade) == (evaluation.score, evaluation.grade)


def test_an_approved_evaluation_refuses_to_be_recomputed() -> None:
    evaluation = approved()

    with pytest.raises(EvaluationApprovedError):
        evaluation.compute(STORE, SCORECARD, VERSION, READING, {}, MONDAY)
    assert new_events(evaluation) == []


def test_an_approved_evaluation_refuses_comments_and_a_second_approval() -> None:
    evaluation = approved()

    with pytest.raises(EvaluationApprovedError):
        evaluation.comment("well done", MONDAY)
    with pytest.raises(EvaluationApprovedError):
        evaluation.approve(MONDAY)
    assert new_events(evaluation) == []


def test_only_an_approved_evaluation_can_be_reopened() -> None:
    with pytest.raises(IllegalTransitionError):
        computed().reopen("wrong target", MONDAY)


def test_a_reopened_evaluation_is_a_draft_that_can_be_recomputed() -> None:
    evaluation = approved()

    evaluation.reopen("target was entered wrongly", MONDAY)
    evaluation.compute(STORE, SCORECARD, VERSION, READING, {("units", 1): D(12)}, MONDAY)

    reopened, recomputed = new_events(evaluation)
    assert isinstance(reopened, Evaluation.Reopened)
    assert isinstance(recomputed, Evaluation.Computed)
    assert evaluation.status is EvaluationStatus.DRAFT
    assert evaluation.score == D("100.00")  # gross has no target now: units alone, 12 of 12


def test_a_comment_must_not_be_blank() -> None:
    with pytest.raises(InvalidValueError):
        computed().comment("   ", MONDAY)


evaluation_commands = st.lists(
    st.sampled_from(["compute", "compute_no_targets", "comment", "approve", "reopen"]),
    max_size=12,
)


@settings(max_examples=50, deadline=None)
@given(commands=evaluation_commands)
def test_a_replayed_evaluation_equals_the_live_one(commands: list[str]) -> None:
    app = new_app()
    live = Evaluation.open(SELLER, MARCH, MONDAY)
    for command in commands:
        try:
            match command:
                case "compute":
                    live.compute(STORE, SCORECARD, VERSION, READING, TARGETS, MONDAY)
                case "compute_no_targets":
                    live.compute(STORE, SCORECARD, VERSION, READING, {}, MONDAY)
                case "comment":
                    live.comment("keep it up", MONDAY)
                case "approve":
                    live.approve(MONDAY)
                case "reopen":
                    live.reopen("late survey", MONDAY)
        except DomainError:
            pass
    app.save(live)

    replayed: Evaluation = app.repository.get(live.id)

    assert state(replayed) == state(live)


# --- the service over a dealer group -------------------------------------------------------


class FakeKpiCounters:
    """The KpiCounters port over a dict: what the KPI view would answer, at a log position."""

    def __init__(self) -> None:
        self.months: dict[tuple[UUID, str], dict[str, Decimal | None]] = {}
        self.position = 100

    def put(self, salesperson_id: UUID, month: str, **values: Any) -> None:
        self.months[(salesperson_id, month)] = {k: D(v) for k, v in values.items()}
        self.position += 1

    def counters(self, salesperson_id: UUID, month: str) -> CounterReading:
        values: Mapping[str, Decimal | None] = self.months.get((salesperson_id, month), {})
        return CounterReading(values=dict(values), position=self.position)


SCORECARD_ITEMS = [
    {"kpi_id": "units", "kpi_version": 1, "weight": 50, "cap_percent": 150},
    {"kpi_id": "gross", "kpi_version": 1, "weight": 30, "cap_percent": 150},
    {"kpi_id": "avg_response_minutes", "kpi_version": 1, "weight": 20, "cap_percent": 120},
]
GRADE_TABLE = [
    {"grade": "A", "minimum": 110},
    {"grade": "B", "minimum": 90},
    {"grade": "C", "minimum": 70},
    {"grade": "D", "minimum": 0},
]


class World:
    def __init__(self) -> None:
        self.g: Group = group()
        self.counters = FakeKpiCounters()
        self.performance = Performance(self.g.app, self.counters)
        group_card = self.performance.create_scorecard(ADMIN, "Sales consultants").id
        self.performance.publish_scorecard_version(
            ADMIN, group_card, "2026-01", SCORECARD_ITEMS, GRADE_TABLE
        )

    def staff_id(self, who: Principal) -> UUID:
        assert who.staff_id is not None
        return who.staff_id

    def targets(self, who: Principal, month: str = MARCH, **values: str) -> None:
        for kpi_id, value in values.items():
            self.performance.set_target(
                self.g.manager, "salesperson", self.staff_id(who), month, kpi_id, 1, value
            )


@pytest.fixture
def w() -> World:
    return World()


def test_a_manager_computes_a_salespersons_month_against_their_own_targets(w: World) -> None:
    # units 12 of 10 → 1.2 × 50 = 60; gross 300k of 200k → 1.5 × 30 = 45;
    # response 30 s per response = 0.5 min against 10 → 20, capped at 1.2 × 20 = 24. 129 → A.
    seller = w.staff_id(w.g.seller)
    w.targets(w.g.seller, units="10", gross="200000", avg_response_minutes="10")
    w.counters.put(
        seller,
        MARCH,
        units_delivered=12,
        front_gross="300000",
        first_responses=4,
        response_seconds=120,
    )

    written = w.performance.compute_evaluation(w.g.manager, seller, MARCH)

    evaluation = w.performance.get(w.g.manager, written.id)
    assert written.id == evaluation_id_for(seller, MARCH)
    assert (evaluation.score, evaluation.grade) == (D("129.00"), "A")
    assert evaluation.store_id == w.g.store_id
    assert evaluation.scorecard_id == scorecard_id_for(None)
    assert evaluation.counters_position == w.counters.position
    assert [i["capped"] for i in evaluation.items] == [D("1.2"), D("1.5"), D("1.2")]


def test_a_colleagues_or_another_stores_targets_do_not_count(w: World) -> None:
    seller = w.staff_id(w.g.seller)
    w.targets(w.g.colleague, units="1")
    w.performance.set_target(ADMIN, "store", w.g.store_id, MARCH, "units", 1, "100")
    w.counters.put(seller, MARCH, units_delivered=3)

    with pytest.raises(DomainError, match="no item"):
        w.performance.compute_evaluation(w.g.manager, seller, MARCH)


def test_recomputing_a_draft_keeps_one_evaluation_per_person_and_month(w: World) -> None:
    seller = w.staff_id(w.g.seller)
    w.targets(w.g.seller, units="10")
    w.counters.put(seller, MARCH, units_delivered=5)
    first = w.performance.compute_evaluation(w.g.manager, seller, MARCH)
    w.counters.put(seller, MARCH, units_delivered=8)

    second = w.performance.compute_evaluation(w.g.manager, seller, MARCH)

    assert second.id == first.id
    assert second.version == first.version + 1
    assert w.performance.get(ADMIN, second.id).score == D("80.00")


def test_an_approved_evaluation_is_not_recomputed(w: World) -> None:
    seller = w.staff_id(w.g.seller)
    w.targets(w.g.seller, units="10")
    w.counters.put(seller, MARCH, units_delivered=5)
    written = w.performance.compute_evaluation(w.g.manager, seller, MARCH)
    w.performance.approve(w.g.manager, written.id)

    with pytest.raises(EvaluationApprovedError):
        w.performance.compute_evaluation(ADMIN, seller, MARCH)


def test_a_salesperson_cannot_compute_even_their_own_evaluation(w: World) -> None:
    with pytest.raises(PermissionDeniedError):
        w.performance.compute_evaluation(w.g.seller, w.staff_id(w.g.seller), MARCH)


def test_another_stores_manager_cannot_find_the_salesperson(w: World) -> None:
    with pytest.raises(NotFoundError):
        w.performance.compute_evaluation(w.g.other_manager, w.staff_id(w.g.seller), MARCH)


def test_a_month_that_has_not_begun_cannot_be_evaluated(w: World) -> None:
    with pytest.raises(EvaluationMonthError):
        w.performance.compute_evaluation(
            w.g.manager, w.staff_id(w.g.seller), next_month(this_month())
        )


def test_a_month_that_is_not_over_cannot_be_approved(w: World) -> None:
    month = this_month()
    seller = w.staff_id(w.g.seller)
    w.targets(w.g.seller, month, units="10")
    written = w.performance.compute_evaluation(w.g.manager, seller, month)

    with pytest.raises(EvaluationMonthError):
        w.performance.approve(w.g.manager, written.id)


def test_nobody_approves_their_own_evaluation(w: World) -> None:
    manager = w.staff_id(w.g.manager)
    w.performance.set_target(ADMIN, "salesperson", manager, MARCH, "units", 1, "5")
    written = w.performance.compute_evaluation(ADMIN, manager, MARCH)

    with pytest.raises(PermissionDeniedError):
        w.performance.approve(w.g.manager, written.id)


def test_only_an_admin_reopens_an_approved_evaluation(w: World) -> None:
    seller = w.staff_id(w.g.seller)
    w.targets(w.g.seller, units="10")
    written = w.performance.compute_evaluation(w.g.manager, seller, MARCH)
    approval = w.performance.approve(w.g.manager, written.id)

    with pytest.raises(PermissionDeniedError):
        w.performance.reopen(w.g.manager, written.id, "late survey")
    reopened = w.performance.reopen(ADMIN, written.id, "late survey", approval.version)

    assert reopened.version == approval.version + 1
    assert w.performance.get(ADMIN, written.id).status is EvaluationStatus.DRAFT


def test_a_stale_expected_version_is_refused(w: World) -> None:
    seller = w.staff_id(w.g.seller)
    w.targets(w.g.seller, units="10")
    written = w.performance.compute_evaluation(w.g.manager, seller, MARCH)

    with pytest.raises(StaleVersionError):
        w.performance.comment(w.g.manager, written.id, "good month", written.version - 1)


def test_a_salesperson_reads_only_their_own_evaluation(w: World) -> None:
    seller = w.staff_id(w.g.seller)
    w.targets(w.g.seller, units="10")
    written = w.performance.compute_evaluation(w.g.manager, seller, MARCH)

    assert w.performance.get(w.g.seller, written.id).salesperson_id == seller
    assert w.performance.get(FINANCE, written.id).salesperson_id == seller
    with pytest.raises(NotFoundError):
        w.performance.get(w.g.colleague, written.id)
    with pytest.raises(NotFoundError):
        w.performance.get(w.g.other_manager, written.id)


def test_a_stores_own_scorecard_applies_from_its_first_version(w: World) -> None:
    seller = w.staff_id(w.g.seller)
    own = w.performance.create_scorecard(ADMIN, "Hangzhou", w.g.store_id).id
    w.performance.publish_scorecard_version(
        ADMIN, own, MARCH, [{"kpi_id": "units", "weight": 100}], GRADE_TABLE
    )
    w.targets(w.g.seller, "2026-02", units="10")
    w.targets(w.g.seller, MARCH, units="10")

    february = w.performance.compute_evaluation(w.g.manager, seller, "2026-02")
    march = w.performance.compute_evaluation(w.g.manager, seller, MARCH)

    assert w.performance.get(ADMIN, february.id).scorecard_id == scorecard_id_for(None)
    assert w.performance.get(ADMIN, march.id).scorecard_id == own


def test_a_second_group_version_applies_from_its_month(w: World) -> None:
    seller = w.staff_id(w.g.seller)
    w.performance.publish_scorecard_version(
        ADMIN, scorecard_id_for(None), "2026-04", [{"kpi_id": "units", "weight": 100}], GRADE_TABLE
    )
    w.targets(w.g.seller, MARCH, units="10")
    w.targets(w.g.seller, "2026-04", units="10")

    march = w.performance.compute_evaluation(w.g.manager, seller, MARCH)
    april = w.performance.compute_evaluation(w.g.manager, seller, "2026-04")

    assert w.performance.get(ADMIN, march.id).scorecard_version == 1
    assert w.performance.get(ADMIN, april.id).scorecard_version == 2


def test_without_an_applicable_scorecard_nothing_is_evaluated(w: World) -> None:
    with pytest.raises(ScorecardMissingError):
        w.performance.compute_evaluation(w.g.manager, w.staff_id(w.g.seller), "2025-12")


def test_a_transferred_salesperson_is_evaluated_at_the_store_of_that_month(w: World) -> None:
    seller = w.staff_id(w.g.seller)
    w.targets(w.g.seller, "2026-02", units="10")
    moved = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    w.g.organisation.transfer_staff(ADMIN, seller, w.g.other_store_id, occurred_at=moved)

    february = w.performance.compute_evaluation(w.g.manager, seller, "2026-02")
    with pytest.raises(NotFoundError):
        w.performance.compute_evaluation(w.g.manager, seller, MARCH)

    assert w.performance.get(ADMIN, february.id).store_id == w.g.store_id


# --- targets: who may set them -----------------------------------------------------------


def test_a_manager_sets_targets_for_the_store_and_its_salespeople(w: World) -> None:
    seller = w.staff_id(w.g.seller)

    person = w.performance.set_target(w.g.manager, "salesperson", seller, MARCH, "units", 1, "9")
    store = w.performance.set_target(w.g.manager, "store", w.g.store_id, MARCH, "units", 1, "90")

    assert person.id != store.id


@pytest.mark.parametrize(
    ("who", "scope", "subject", "error"),
    [
        ("other_manager", "salesperson", "seller", NotFoundError),
        ("other_manager", "store", "store", PermissionDeniedError),
        ("manager", "group", None, PermissionDeniedError),
        ("seller", "salesperson", "seller", PermissionDeniedError),
        ("manager", "salesperson", "manager", PermissionDeniedError),
    ],
)
def test_targets_outside_a_writers_reach_are_refused(
    w: World, who: str, scope: str, subject: str | None, error: type[Exception]
) -> None:
    actor: Principal = getattr(w.g, who)
    subjects = {
        "seller": w.staff_id(w.g.seller),
        "manager": w.staff_id(w.g.manager),
        "store": w.g.store_id,
        None: None,
    }

    with pytest.raises(error):
        w.performance.set_target(actor, scope, subjects[subject], MARCH, "units", 1, "5")


def test_an_admin_sets_group_targets(w: World) -> None:
    written = w.performance.set_target(ADMIN, "group", None, MARCH, "csi", 1, "92")

    assert written.version == 2  # opened, then set


def test_a_stale_target_sheet_version_is_refused(w: World) -> None:
    seller = w.staff_id(w.g.seller)
    w.performance.set_target(w.g.manager, "salesperson", seller, MARCH, "units", 1, "9")

    with pytest.raises(StaleVersionError):
        w.performance.set_target(
            w.g.manager, "salesperson", seller, MARCH, "units", 1, "10", expected_version=1
        )


# --- scorecards: who may write and read them -----------------------------------------------


def test_only_an_admin_creates_scorecards(w: World) -> None:
    with pytest.raises(PermissionDeniedError):
        w.performance.create_scorecard(w.g.manager, "Mine", w.g.store_id)


def test_a_second_group_scorecard_is_a_conflict(w: World) -> None:
    with pytest.raises(ConflictError):
        w.performance.create_scorecard(ADMIN, "Another")


def test_a_stores_scorecard_is_hidden_from_other_stores(w: World) -> None:
    own = w.performance.create_scorecard(ADMIN, "Hangzhou", w.g.store_id).id

    assert w.performance.get_scorecard(w.g.seller, own).store_id == w.g.store_id
    assert w.performance.get_scorecard(w.g.other_seller, scorecard_id_for(None)).store_id is None
    with pytest.raises(NotFoundError):
        w.performance.get_scorecard(w.g.other_manager, own)


def test_a_staff_member_who_does_not_sell_is_not_evaluated(w: World) -> None:
    clerk = w.g.organisation.hire_staff(ADMIN, w.g.store_id, "Qian", Role.FINANCE).id

    with pytest.raises(InvalidValueError):
        w.performance.compute_evaluation(ADMIN, clerk, MARCH)
