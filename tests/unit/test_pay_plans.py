"""Pay plans: components parsed and refused, the PayPlan aggregate, resolution, the service."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.pay.components import (
    Cap,
    CsiGate,
    Fni,
    PercentOfGross,
    PerUnit,
    ProductRule,
    Spiff,
    Tier,
    VolumeTiers,
    parse_component,
    parse_components,
)
from domain.pay.errors import (
    PlanAssignmentAmbiguousError,
    PlanAssignmentEndedError,
    PlanAssignmentsOpenError,
    PlanAssignmentTargetError,
    PlanComponentInvalidError,
    PlanVersionOrderError,
    ProposalNotPendingError,
    ProposalPendingError,
    SecondPersonRequiredError,
)
from domain.pay.plans import (
    Assignment,
    AssignmentSlot,
    PayPlan,
    PlanVersion,
    first_day,
    first_paid_month,
    resolve_assignment,
    version_in_force,
)
from domain.pay.service.plans import PayPlans
from domain.shared.actor import Principal, Role
from domain.shared.errors import (
    DomainError,
    IllegalTransitionError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)
from tests.unit.builders import (
    ADMIN,
    AUDITOR,
    FINANCE,
    MONDAY,
    Group,
    group,
    new_app,
    new_events,
    state,
)
from tests.unit.four_eyes import publish

D = Decimal
STAFF, OTHER_STAFF, STORE = UUID(int=1), UUID(int=2), UUID(int=3)
UNIT = {"type": "per_unit", "key": "unit", "new": "500", "used": "300"}


# --- components: parsed, normalised, refused ------------------------------------------------------


def test_every_component_type_parses_and_normalises() -> None:
    components = parse_components(
        [
            {"type": "per_unit", "key": "unit", "new": 500},
            {"type": "percent_of_gross", "key": "gross", "rate": 0.25, "mini": "300"},
            {
                "type": "volume_tiers",
                "key": "tiers",
                "mode": "retroactive",
                "tiers": [{"threshold": 8, "amount": "200"}, {"threshold": "12.5", "rate": "0.1"}],
            },
            {"type": "spiff", "key": "han", "amount": "1000", "models": ["Han"], "budget": 5000},
            {"type": "fni", "key": "fni", "products": {"finance": {"flat": "300"}}},
            {"type": "scorecard_bonus", "key": "score", "amount": "2000"},
            {
                "type": "csi_gate",
                "key": "csi",
                "threshold": 85,
                "too_few": "gate",
                "factor": "0.5",
                "components": ["tiers", "score"],
            },
            {"type": "cap", "key": "han_cap", "component": "han", "limit": "3000"},
            {"type": "cap", "key": "total_cap", "limit": "50000"},
            {"type": "draw", "key": "draw", "amount": "3000"},
        ]
    )

    assert components[0] == PerUnit(key="unit", new=D("500.00"), used=D("0.00"))
    assert components[1] == PercentOfGross(key="gross", rate=D("0.25"), mini=D("300.00"))
    assert components[2] == VolumeTiers(
        key="tiers",
        mode="retroactive",
        tiers=(Tier(D(8), amount=D("200.00")), Tier(D("12.5"), rate=D("0.1"))),
    )
    assert isinstance(components[3], Spiff) and components[3].budget == D("5000.00")
    assert components[4] == Fni(key="fni", products=(("finance", ProductRule(flat=D("300"))),))
    assert isinstance(components[6], CsiGate) and components[6].min_surveys == 1
    assert components[8] == Cap(key="total_cap", limit=D("50000.00"))
    assert components[1].to_dict() == {
        "type": "percent_of_gross",
        "key": "gross",
        "rate": "0.25",
        "mini": "300.00",
    }


def test_a_normalised_component_parses_back_to_itself() -> None:
    spiff = parse_component(
        {
            "type": "spiff",
            "key": "aged",
            "amount": "800",
            "models": ["Han", "Seal"],
            "trims": ["EV"],
            "condition": "new",
            "min_days_in_stock": 60,
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-31",
            "budget": "10000",
        }
    )

    again = parse_component(spiff.to_dict())

    assert again == spiff
    assert again.to_dict() == spiff.to_dict()


@pytest.mark.parametrize(
    ("components", "complaint"),
    [
        ([], "components must be a list of 1 to 50"),
        ([{"type": "bonus", "key": "x"}], "components[0].type must be one of"),
        ([{**UNIT, "colour": "red"}], "components[0] has unknown field(s): colour"),
        ([{**UNIT, "key": "Unit"}], "components[0].key must be lower-case"),
        ([UNIT, UNIT], "components[1].key 'unit' is used twice"),
        ([{**UNIT, "new": "-5"}], "components[0].new must be between 0 and 100000000"),
        ([{**UNIT, "new": True}], "components[0].new must be a number"),
        ([{**UNIT, "new": "NaN"}], "components[0].new must be a number"),
        ([{**UNIT, "new": "1.005"}], "components[0].new has more than 2 decimal places"),
        (
            [{"type": "percent_of_gross", "key": "g", "rate": "1.5"}],
            "components[0].rate must be between 0 and 1",
        ),
        ([{"type": "percent_of_gross", "key": "g"}], "components[0].rate is required"),
        (
            [
                {
                    "type": "volume_tiers",
                    "key": "t",
                    "mode": "retroactive",
                    "tiers": [{"threshold": 8, "amount": 1}, {"threshold": 8, "amount": 2}],
                }
            ],
            "components[0].tiers[1].threshold must be larger than the previous tier's",
        ),
        (
            [
                {
                    "type": "volume_tiers",
                    "key": "t",
                    "mode": "retroactive",
                    "tiers": [{"threshold": 8, "amount": 1, "rate": "0.1"}],
                }
            ],
            "components[0].tiers[0].amount or rate: give exactly one of them",
        ),
        (
            [{"type": "volume_tiers", "key": "t", "mode": "sideways", "tiers": []}],
            "components[0].mode must be one of retroactive, marginal",
        ),
        (
            [{"type": "spiff", "key": "s", "amount": 1, "starts_on": "2026-02-30"}],
            "components[0].starts_on must be a date",
        ),
        (
            [
                {
                    "type": "spiff",
                    "key": "s",
                    "amount": 1,
                    "starts_on": "2026-03-10",
                    "ends_on": "2026-03-01",
                }
            ],
            "components[0].ends_on must not be before starts_on",
        ),
        (
            [{"type": "fni", "key": "f", "products": {"boat": {"flat": 1}}}],
            "components[0].products has unknown kind 'boat'",
        ),
        (
            [
                UNIT,
                {
                    "type": "csi_gate",
                    "key": "c",
                    "threshold": 80,
                    "factor": 0,
                    "components": ["unit"],
                },
            ],
            "components[1].too_few must be one of pass, gate",
        ),
        (
            [
                UNIT,
                {
                    "type": "csi_gate",
                    "key": "c",
                    "threshold": 80,
                    "too_few": "pass",
                    "factor": 0,
                    "components": ["bonus"],
                },
            ],
            "components[1].components names 'bonus', which is not a paying component",
        ),
        (
            [
                UNIT,
                {"type": "draw", "key": "d", "amount": 1},
                {"type": "cap", "key": "c", "component": "d", "limit": 1},
            ],
            "components[2].component names 'd', which is not a paying component",
        ),
        (
            [
                UNIT,
                {"type": "cap", "key": "a", "limit": 1},
                {"type": "cap", "key": "b", "limit": 2},
            ],
            "components[2]: the period total already has a cap",
        ),
        (
            [{"type": "draw", "key": "a", "amount": 1}, {"type": "draw", "key": "b", "amount": 1}],
            "components[1]: a plan has at most one draw",
        ),
        ([{"type": "draw", "key": "d", "amount": 0}], "components[0].amount must be more than 0"),
    ],
)
def test_malformed_components_are_refused_with_the_place_of_the_fault(
    components: list[dict[str, Any]], complaint: str
) -> None:
    with pytest.raises(PlanComponentInvalidError) as refused:
        parse_components(components)

    assert complaint in refused.value.detail
    assert isinstance(refused.value, InvalidValueError)


def test_decimal_typed_as_a_json_number_is_read_as_typed() -> None:
    component = parse_component({"type": "percent_of_gross", "key": "g", "rate": 0.1})

    assert isinstance(component, PercentOfGross)
    assert component.rate == D("0.1")


# --- the aggregate: given / when / then -----------------------------------------------------------


def publish_on(
    plan: PayPlan, effective_from: date, components: Any, note: str, when: datetime
) -> None:
    """Propose a version and have a second person confirm it (four eyes)."""
    plan.propose_version(effective_from, components, note, "admin", when)
    plan.confirm_version("finance", when)


def created() -> PayPlan:
    plan = PayPlan(name="Floor 2026", description="new-car floor plan", occurred_at=MONDAY)
    new_events(plan)
    return plan


def published() -> PayPlan:
    plan = created()
    publish_on(plan, date(2026, 1, 1), [UNIT], "first", MONDAY)
    new_events(plan)
    return plan


def assigned() -> tuple[PayPlan, UUID]:
    plan = published()
    assignment_id = uuid4()
    plan.assign(assignment_id, STAFF, None, None, date(2026, 1, 1), MONDAY)
    new_events(plan)
    return plan, assignment_id


def test_creating_a_plan_records_its_name() -> None:
    plan = PayPlan(name="Floor 2026", description="", occurred_at=MONDAY)

    [event] = new_events(plan)
    assert isinstance(event, PayPlan.Created)
    assert (plan.name, plan.versions, plan.assignments, plan.retired) == (
        "Floor 2026",
        [],
        {},
        False,
    )


def test_publishing_stores_the_normalised_components_as_the_next_version() -> None:
    plan = published()

    publish_on(
        plan, date(2026, 4, 1), [{"type": "per_unit", "key": "unit", "new": 600}], "", MONDAY
    )

    [proposed, event] = new_events(plan)
    assert isinstance(proposed, PayPlan.VersionProposed)
    assert isinstance(event, PayPlan.VersionPublished)
    assert event.version == 2
    assert event.components == [
        {"type": "per_unit", "key": "unit", "new": "600.00", "used": "0.00"}
    ]
    assert plan.plan_version(2).components == (PerUnit(key="unit", new=D("600.00")),)


# --- four eyes: a version is proposed by one person and published when another confirms it ------


def test_a_proposed_version_is_not_in_force_until_another_person_confirms_it() -> None:
    plan = published()

    plan.propose_version(date(2026, 4, 1), [{**UNIT, "new": "600"}], "raise", "alice", MONDAY)

    assert [v.version for v in plan.versions] == [1]
    assert plan.version_for_month("2026-05") == plan.plan_version(1)
    plan.confirm_version("bob", MONDAY)
    assert plan.version_for_month("2026-05") == plan.plan_version(2)
    assert plan.proposed is None


def test_the_proposer_cannot_confirm_their_own_version() -> None:
    plan = published()
    plan.propose_version(date(2026, 4, 1), [UNIT], "", "alice", MONDAY)
    new_events(plan)

    with pytest.raises(SecondPersonRequiredError):
        plan.confirm_version("Alice", MONDAY)  # logins are one person whatever the case

    assert new_events(plan) == [] and [v.version for v in plan.versions] == [1]


def test_confirming_a_version_twice_or_after_it_was_withdrawn_is_a_conflict() -> None:
    plan = published()
    plan.propose_version(date(2026, 4, 1), [UNIT], "", "alice", MONDAY)
    plan.confirm_version("bob", MONDAY)
    plan.propose_version(date(2026, 6, 1), [UNIT], "", "alice", MONDAY)
    plan.withdraw_version("alice", "typo in the rate", MONDAY)
    new_events(plan)

    with pytest.raises(ProposalNotPendingError):
        plan.confirm_version("bob", MONDAY, version=2)
    with pytest.raises(ProposalNotPendingError):
        plan.confirm_version("bob", MONDAY)

    assert new_events(plan) == [] and [v.version for v in plan.versions] == [1, 2]


def test_a_refused_version_records_who_refused_and_why_and_never_takes_effect() -> None:
    plan = published()
    plan.propose_version(date(2026, 4, 1), [UNIT], "", "alice", MONDAY)
    new_events(plan)

    plan.refuse_version("bob", "the rate is above budget", MONDAY)

    [event] = new_events(plan)
    assert isinstance(event, PayPlan.VersionRefused)
    assert (event.refuser, event.reason, event.version) == ("bob", "the rate is above budget", 2)
    assert plan.proposed is None and [v.version for v in plan.versions] == [1]


def test_a_second_proposal_while_one_waits_is_a_conflict() -> None:
    plan = published()
    plan.propose_version(date(2026, 4, 1), [UNIT], "", "alice", MONDAY)

    with pytest.raises(ProposalPendingError):
        plan.propose_version(date(2026, 5, 1), [UNIT], "", "bob", MONDAY)


def test_a_new_version_must_take_effect_after_the_latest() -> None:
    plan = published()

    with pytest.raises(PlanVersionOrderError):
        publish_on(plan, date(2026, 1, 1), [UNIT], "", MONDAY)
    assert new_events(plan) == []


def test_an_invalid_version_records_nothing() -> None:
    plan = created()

    with pytest.raises(PlanComponentInvalidError):
        publish_on(plan, date(2026, 1, 1), [{"type": "per_unit"}], "", MONDAY)
    assert new_events(plan) == []


def test_the_version_in_force_for_a_month_is_the_one_effective_on_its_first_day() -> None:
    plan = published()
    publish_on(plan, date(2026, 3, 15), [UNIT], "mid-March", MONDAY)

    assert plan.version_for_month("2025-12") is None
    march = plan.version_for_month("2026-03")
    april = plan.version_for_month("2026-04")
    assert march is not None and march.version == 1
    assert april is not None and april.version == 2


@pytest.mark.parametrize(
    ("effective_from", "month"),
    [
        (date(2026, 3, 1), "2026-03"),
        (date(2026, 3, 2), "2026-04"),
        (date(2026, 3, 31), "2026-04"),
        (date(2026, 12, 15), "2027-01"),
    ],
)
def test_a_version_first_pays_the_month_whose_first_day_it_is_in_force_on(
    effective_from: date, month: str
) -> None:
    assert first_paid_month(effective_from) == month


@given(st.dates(min_value=date(2000, 1, 2), max_value=date(2027, 11, 30)))
def test_the_first_paid_month_is_the_first_month_the_version_is_in_force_for(day: date) -> None:
    plan = created()
    publish_on(plan, date(2000, 1, 1), [UNIT], "before", MONDAY)
    publish_on(plan, day, [UNIT], "after", MONDAY)
    month = first_paid_month(day)
    before = (first_day(month) - timedelta(days=1)).isoformat()[:7]

    first, previous = plan.version_for_month(month), plan.version_for_month(before)

    assert first is not None and first.version == 2
    assert previous is not None and previous.version == 1


def test_publishing_from_a_months_first_day_answers_that_month_and_no_notice() -> None:
    g = group()
    plans = PayPlans(g.app)
    plan_id = plans.create_plan(FINANCE, "Floor").id

    written = publish(plans, FINANCE, plan_id, date(2026, 5, 1), [UNIT])

    assert (written.first_paid_month, written.notice) == ("2026-05", None)


def test_publishing_from_a_later_day_answers_the_next_month_with_a_notice() -> None:
    g = group()
    plans = PayPlans(g.app)
    plan_id = plans.create_plan(FINANCE, "Floor").id

    written = publish(plans, FINANCE, plan_id, date(2026, 5, 15), [UNIT])

    assert written.first_paid_month == "2026-06"
    assert written.notice is not None and "first pays 2026-06" in written.notice


def test_a_plan_is_assigned_to_a_staff_member_or_a_role_at_a_store() -> None:
    plan = published()

    plan.assign(uuid4(), STAFF, None, None, date(2026, 1, 1), MONDAY)
    plan.assign(uuid4(), None, STORE, "salesperson", date(2026, 1, 1), MONDAY)

    events = new_events(plan)
    assert [type(e) for e in events] == [PayPlan.Assigned, PayPlan.Assigned]
    assert len(plan.open_assignments) == 2


@pytest.mark.parametrize(
    ("staff_id", "store_id", "role"),
    [(None, None, None), (STAFF, STORE, None), (None, STORE, None), (None, None, "salesperson")],
)
def test_an_assignment_needs_exactly_one_kind_of_target(
    staff_id: UUID | None, store_id: UUID | None, role: str | None
) -> None:
    plan = published()

    with pytest.raises(PlanAssignmentTargetError):
        plan.assign(uuid4(), staff_id, store_id, role, date(2026, 1, 1), MONDAY)


def test_the_same_target_twice_from_the_same_day_is_ambiguous() -> None:
    plan, _ = assigned()

    with pytest.raises(PlanAssignmentAmbiguousError):
        plan.assign(uuid4(), STAFF, None, None, date(2026, 1, 1), MONDAY)


def test_ending_an_assignment_records_its_last_day() -> None:
    plan, assignment_id = assigned()

    plan.unassign(assignment_id, date(2026, 6, 30), MONDAY)

    [event] = new_events(plan)
    assert isinstance(event, PayPlan.Unassigned)
    assert plan.assignments[assignment_id].effective_to == date(2026, 6, 30)
    assert plan.open_assignments == []


def test_an_assignment_ends_only_once() -> None:
    plan, assignment_id = assigned()
    plan.unassign(assignment_id, date(2026, 6, 30), MONDAY)

    with pytest.raises(PlanAssignmentEndedError):
        plan.unassign(assignment_id, date(2026, 7, 31), MONDAY)


def test_an_assignment_cannot_end_before_the_day_before_it_starts() -> None:
    plan, assignment_id = assigned()

    with pytest.raises(InvalidValueError):
        plan.unassign(assignment_id, date(2025, 12, 30), MONDAY)


def test_ending_an_assignment_the_day_before_it_starts_voids_it_and_frees_its_day() -> None:
    plan, assignment_id = assigned()

    plan.unassign(assignment_id, date(2025, 12, 31), MONDAY)
    plan.assign(uuid4(), STAFF, None, None, date(2026, 1, 1), MONDAY)

    assert plan.assignments[assignment_id].void


def test_ending_an_unknown_assignment_is_not_found() -> None:
    plan, _ = assigned()

    with pytest.raises(NotFoundError):
        plan.unassign(uuid4(), date(2026, 6, 30), MONDAY)


def test_a_plan_with_open_assignments_cannot_retire() -> None:
    plan, _ = assigned()

    with pytest.raises(PlanAssignmentsOpenError):
        plan.retire(MONDAY)


def test_a_retired_plan_takes_no_versions_or_assignments() -> None:
    plan, assignment_id = assigned()
    plan.unassign(assignment_id, date(2026, 6, 30), MONDAY)
    plan.retire(MONDAY)
    new_events(plan)

    with pytest.raises(IllegalTransitionError):
        publish_on(plan, date(2027, 1, 1), [UNIT], "", MONDAY)
    with pytest.raises(IllegalTransitionError):
        plan.assign(uuid4(), OTHER_STAFF, None, None, date(2027, 1, 1), MONDAY)
    with pytest.raises(IllegalTransitionError):
        plan.retire(MONDAY)
    assert new_events(plan) == []


def test_an_assignment_slot_is_claimed_once_until_released() -> None:
    first, second = uuid4(), uuid4()
    slot = AssignmentSlot(
        key="staff:x:2026-03-01", plan_id=UUID(int=7), assignment_id=first, occurred_at=MONDAY
    )

    with pytest.raises(PlanAssignmentAmbiguousError):
        slot.reclaim(UUID(int=8), second, MONDAY)
    with pytest.raises(IllegalTransitionError):
        slot.release(second, MONDAY)
    slot.release(first, MONDAY)
    slot.reclaim(UUID(int=8), second, MONDAY)

    assert [type(e) for e in new_events(slot)] == [
        AssignmentSlot.Claimed,
        AssignmentSlot.Released,
        AssignmentSlot.Reclaimed,
    ]
    assert (slot.plan_id, slot.assignment_id) == (UUID(int=8), second)
    assert slot.id == AssignmentSlot.id_for("staff:x:2026-03-01")


zones = st.sampled_from([UTC, timezone(timedelta(hours=8))])
plan_commands = st.lists(
    st.one_of(
        st.tuples(st.just("publish"), st.integers(0, 400), st.sampled_from(["400", "500"])),
        st.tuples(
            st.just("assign_staff"), st.sampled_from([STAFF, OTHER_STAFF]), st.integers(0, 400)
        ),
        st.tuples(st.just("assign_role"), st.integers(0, 400)),
        st.tuples(st.just("unassign"), st.integers(0, 5), st.integers(-1, 400)),
        st.tuples(st.just("retire")),
    ),
    max_size=15,
)


@settings(max_examples=50, deadline=None)
@given(
    commands=plan_commands,
    moment=st.datetimes(datetime(2024, 1, 1), datetime(2026, 1, 1), timezones=zones),
)
def test_a_replayed_pay_plan_equals_the_live_one(
    commands: list[tuple[Any, ...]], moment: datetime
) -> None:
    app = new_app()
    start = date(2026, 1, 1)
    plan = PayPlan(name="Plan", description="", occurred_at=moment)
    for command in commands:
        try:
            match command:
                case ("publish", days, amount):
                    publish_on(
                        plan, start + timedelta(days=days), [{**UNIT, "new": amount}], "", moment
                    )
                case ("assign_staff", staff_id, days):
                    plan.assign(uuid4(), staff_id, None, None, start + timedelta(days=days), moment)
                case ("assign_role", days):
                    plan.assign(
                        uuid4(), None, STORE, "salesperson", start + timedelta(days=days), moment
                    )
                case ("unassign", index, days):
                    ids = sorted(plan.assignments, key=str)
                    if ids:
                        target = ids[index % len(ids)]
                        begins = plan.assignments[target].effective_from
                        plan.unassign(target, begins + timedelta(days=days), moment)
                case ("retire",):
                    plan.retire(moment)
        except DomainError:
            pass  # a refused command records nothing
    app.save(plan)

    replayed: PayPlan = app.repository.get(plan.id)

    assert state(replayed) == state(plan)


# --- resolution -----------------------------------------------------------------------------------


def assignment(
    staff_id: UUID | None = None,
    store_id: UUID | None = None,
    role: str | None = None,
    start: date = date(2026, 1, 1),
    end: date | None = None,
    plan_id: UUID | None = None,
) -> Assignment:
    return Assignment(uuid4(), plan_id or uuid4(), staff_id, store_id, role, start, end)


MARCH_1 = date(2026, 3, 1)


def test_a_staff_assignment_beats_a_role_at_store_assignment() -> None:
    mine = assignment(staff_id=STAFF, start=date(2025, 1, 1))
    everyone = assignment(store_id=STORE, role="salesperson", start=date(2026, 2, 1))

    chosen = resolve_assignment([everyone, mine], STAFF, STORE, "salesperson", MARCH_1)

    assert chosen == mine


def test_among_assignments_of_one_kind_the_latest_start_wins() -> None:
    old = assignment(staff_id=STAFF, start=date(2025, 1, 1))
    new = assignment(staff_id=STAFF, start=date(2026, 3, 1))
    later = assignment(staff_id=STAFF, start=date(2026, 3, 2))

    assert resolve_assignment([old, new, later], STAFF, STORE, "salesperson", MARCH_1) == new


def test_an_assignment_applies_only_on_its_days() -> None:
    ended = assignment(staff_id=STAFF, end=date(2026, 2, 28))
    role = assignment(store_id=STORE, role="salesperson")

    assert resolve_assignment([ended, role], STAFF, STORE, "salesperson", MARCH_1) == role
    assert resolve_assignment([ended], STAFF, STORE, "salesperson", MARCH_1) is None


def test_a_role_assignment_covers_only_that_role_at_that_store() -> None:
    role = assignment(store_id=STORE, role="salesperson")

    assert resolve_assignment([role], STAFF, STORE, "store_manager", MARCH_1) is None
    assert resolve_assignment([role], STAFF, uuid4(), "salesperson", MARCH_1) is None


def test_two_assignments_of_one_kind_from_one_day_are_ambiguous() -> None:
    first, second = assignment(staff_id=STAFF), assignment(staff_id=STAFF)

    with pytest.raises(PlanAssignmentAmbiguousError):
        resolve_assignment([first, second], STAFF, STORE, "salesperson", MARCH_1)


def test_the_version_in_force_is_the_latest_effective_on_the_first_of_the_month() -> None:
    versions = [
        PlanVersion.from_dicts(UUID(int=9), n, day, [UNIT])
        for n, day in enumerate([date(2026, 1, 1), date(2026, 3, 1), date(2026, 3, 2)], 1)
    ]

    chosen = version_in_force(versions, "2026-03")

    assert chosen is not None and chosen.version == 2


# --- the service ----------------------------------------------------------------------------------


@pytest.fixture
def g() -> Group:
    return group()


def seller_id(g: Group) -> UUID:
    assert g.seller.staff_id is not None
    return g.seller.staff_id


def a_plan(g: Group, actor: Principal = FINANCE) -> UUID:
    plans = PayPlans(g.app)
    plan_id = plans.create_plan(actor, "Floor", occurred_at=MONDAY).id
    publish(plans, actor, plan_id, date(2026, 1, 1), [UNIT])
    return plan_id


def test_finance_creates_publishes_and_assigns_a_plan(g: Group) -> None:
    plans = PayPlans(g.app)
    plan_id = a_plan(g)

    written = plans.assign(FINANCE, plan_id, date(2026, 1, 1), staff_id=seller_id(g))

    plan = plans.get_plan(FINANCE, plan_id)
    assert written.id == plan_id and written.version == plan.version == 4
    assert plan.assignments[written.assignment_id].staff_id == seller_id(g)


@pytest.mark.parametrize("who", ["manager", "seller"])
def test_only_admin_and_finance_manage_plans(g: Group, who: str) -> None:
    actor = g.manager if who == "manager" else g.seller

    with pytest.raises(PermissionDeniedError):
        PayPlans(g.app).create_plan(actor, "Mine")
    with pytest.raises(PermissionDeniedError):
        PayPlans(g.app).propose_version(actor, a_plan(g), date(2027, 1, 1), [UNIT])


def test_an_auditor_cannot_manage_plans(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        PayPlans(g.app).create_plan(AUDITOR, "Audit")


def test_a_second_plan_for_the_same_person_from_the_same_day_is_refused(g: Group) -> None:
    plans = PayPlans(g.app)
    first, second = a_plan(g), a_plan(g)
    plans.assign(FINANCE, first, date(2026, 1, 1), staff_id=seller_id(g))
    before = g.app.position()

    with pytest.raises(PlanAssignmentAmbiguousError):
        plans.assign(FINANCE, second, date(2026, 1, 1), staff_id=seller_id(g))
    assert g.app.position() == before


def test_a_second_plan_for_a_role_from_another_day_supersedes_the_first(g: Group) -> None:
    plans = PayPlans(g.app)
    first, second = a_plan(g), a_plan(g)

    plans.assign(FINANCE, first, date(2026, 1, 1), store_id=g.store_id, role="salesperson")
    plans.assign(FINANCE, second, date(2026, 4, 1), store_id=g.store_id, role="salesperson")

    assert len(plans.get_plan(ADMIN, second).open_assignments) == 1


def test_voiding_an_assignment_lets_another_plan_take_its_day(g: Group) -> None:
    plans = PayPlans(g.app)
    wrong, right = a_plan(g), a_plan(g)
    mistake = plans.assign(FINANCE, wrong, date(2026, 3, 1), staff_id=seller_id(g))

    plans.unassign(FINANCE, wrong, mistake.assignment_id, date(2026, 2, 28))
    plans.assign(FINANCE, right, date(2026, 3, 1), staff_id=seller_id(g))

    slot = g.app.repository.get(AssignmentSlot.id_for(f"staff:{seller_id(g)}:2026-03-01"))
    assert slot.plan_id == right


def test_an_unknown_staff_member_or_role_is_refused(g: Group) -> None:
    plans = PayPlans(g.app)
    plan_id = a_plan(g)

    with pytest.raises(NotFoundError):
        plans.assign(FINANCE, plan_id, date(2026, 1, 1), staff_id=uuid4())
    with pytest.raises(PlanAssignmentTargetError):
        plans.assign(FINANCE, plan_id, date(2026, 1, 1), store_id=g.store_id, role="pilot")


def test_a_salesperson_reads_only_the_plans_assigned_to_them(g: Group) -> None:
    plans = PayPlans(g.app)
    theirs, others = a_plan(g), a_plan(g)
    plans.assign(FINANCE, theirs, date(2026, 1, 1), store_id=g.store_id, role="salesperson")
    assert g.other_seller.staff_id is not None
    plans.assign(FINANCE, others, date(2026, 1, 1), staff_id=g.other_seller.staff_id)

    assert plans.get_plan(g.seller, theirs).id == theirs
    with pytest.raises(NotFoundError):
        plans.get_plan(g.seller, others)


def test_a_store_manager_sees_only_the_assignments_at_their_store(g: Group) -> None:
    plans = PayPlans(g.app)
    plan_id = a_plan(g)
    here = plans.assign(FINANCE, plan_id, date(2026, 1, 1), staff_id=seller_id(g))
    assert g.other_seller.staff_id is not None
    plans.assign(FINANCE, plan_id, date(2026, 1, 1), staff_id=g.other_seller.staff_id)

    plan = plans.get_plan(g.manager, plan_id)

    assert [a.assignment_id for a in plans.visible_assignments(g.manager, plan)] == [
        here.assignment_id
    ]
    assert len(plans.visible_assignments(FINANCE, plan)) == 2


def test_a_draft_validates_without_saving_anything(g: Group) -> None:
    before = g.app.position()

    version = PayPlans(g.app).draft([UNIT, {"type": "draw", "key": "draw", "amount": "100"}])

    assert version.draw is not None and version.version == 0
    assert g.app.position() == before
    with pytest.raises(PlanComponentInvalidError):
        PayPlans(g.app).draft([{"type": "draw"}])


def test_a_plan_is_retired_once_its_assignments_ended(g: Group) -> None:
    plans = PayPlans(g.app)
    plan_id = a_plan(g)
    written = plans.assign(FINANCE, plan_id, date(2026, 1, 1), staff_id=seller_id(g))
    plans.unassign(FINANCE, plan_id, written.assignment_id, date(2026, 6, 30))

    plans.retire(ADMIN, plan_id)

    assert plans.get_plan(AUDITOR, plan_id).retired


def test_the_plan_records_the_acting_user(g: Group) -> None:
    plan_id = a_plan(g)

    stored = list(g.app.events.get(plan_id))

    # The plan and its proposal by finance; the version's publication by the second person.
    assert [e.actor for e in stored] == ["finance", "finance", "finance-2"]


@pytest.mark.parametrize("role", [Role.SALESPERSON, Role.STORE_MANAGER])
def test_a_plan_nobody_at_your_store_has_is_not_found(g: Group, role: Role) -> None:
    plan_id = a_plan(g)
    actor = g.seller if role is Role.SALESPERSON else g.manager

    with pytest.raises(NotFoundError):
        PayPlans(g.app).get_plan(actor, plan_id)
