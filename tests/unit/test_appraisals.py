"""Appraisals: Given/When/Then on the aggregate, a replay property, and its lifecycle against a
reference model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.appraisals.errors import (
    AppraisalOfferExpiredError,
    AppraisalOfferNotExpiredError,
    AppraisalOnAnotherDealError,
)
from domain.appraisals.model import Appraisal, AppraisalStatus, FindingResult
from domain.shared.errors import DomainError, IllegalTransitionError, InvalidValueError
from tests.unit.builders import MONDAY, at, new_app, new_events, state, vin

STORE, APPRAISER, DEAL, OTHER_DEAL = uuid4(), uuid4(), uuid4(), uuid4()
CHECKLIST = [
    ("exterior", "attention", "scratched rear bumper", "1200"),
    ("tyres", "fail", "two tyres worn out", "1600.50"),
    ("engine", "ok", "", "0"),
]


def fresh(n: int = 1, mileage_km: int = 48000) -> Appraisal:
    return Appraisal.create(
        STORE, APPRAISER, None, vin(n), "Toyota", "Camry", "2.5G", "White", 2019, mileage_km,
        "good", MONDAY,
    )  # fmt: skip


def created(n: int = 1, mileage_km: int = 48000) -> Appraisal:
    appraisal = fresh(n, mileage_km)
    new_events(appraisal)
    return appraisal


def offered(acv: str = "98000", hours: int = 48) -> Appraisal:
    appraisal = created()
    appraisal.inspect(CHECKLIST, at(minutes=10))
    appraisal.value(acv, at(minutes=20))
    appraisal.make_offer("95000", at(hours=hours), at(minutes=30))
    new_events(appraisal)
    return appraisal


# --- Given / When / Then ------------------------------------------------------------------------


def test_an_appraisal_starts_open_with_the_car_as_described() -> None:
    appraisal = created()
    assert (appraisal.status, appraisal.vin, appraisal.mileage_km) == (
        AppraisalStatus.OPEN,
        vin(1),
        48000,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("mileage_km", -1), ("mileage_km", 2_000_001), ("model_year", 1989), ("grade", "mint")],
)
def test_an_appraisal_of_an_implausible_car_is_refused(field: str, value: Any) -> None:
    args: dict[str, Any] = {"model_year": 2019, "mileage_km": 1000, "grade": "good"} | {
        field: value
    }
    with pytest.raises(InvalidValueError):
        Appraisal.create(
            STORE, APPRAISER, None, vin(1), "Toyota", "Camry", "", "", occurred_at=MONDAY, **args
        )


def test_an_inspection_records_the_findings_and_sums_the_repair_estimate() -> None:
    appraisal = created()
    appraisal.inspect(CHECKLIST, at(minutes=10))
    [event] = new_events(appraisal)
    assert isinstance(event, Appraisal.Inspected)
    assert event.repair_estimate == Decimal("2800.50")
    assert [f.result for f in appraisal.findings] == [
        FindingResult.ATTENTION,
        FindingResult.FAIL,
        FindingResult.OK,
    ]


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [("tyres", "fail", "", "100"), ("Tyres", "ok", "", "0")],
        [("engine", "ok", "", "500")],
        [("engine", "broken", "", "0")],
        [("engine", "fail", "", "-1")],
    ],
)
def test_a_malformed_checklist_is_refused(rows: list[tuple[str, str, str, str]]) -> None:
    appraisal = created()
    with pytest.raises(InvalidValueError):
        appraisal.inspect(rows, at(minutes=10))


def test_a_car_cannot_be_valued_before_it_is_inspected() -> None:
    appraisal = created()
    with pytest.raises(IllegalTransitionError):
        appraisal.value("98000", at(minutes=20))


def test_a_new_value_withdraws_the_offer() -> None:
    appraisal = offered()
    appraisal.value("90000", at(hours=1))
    assert (appraisal.status, appraisal.acv, appraisal.offer) == (
        AppraisalStatus.VALUED,
        Decimal("90000.00"),
        None,
    )


def test_an_offer_must_expire_after_it_is_made() -> None:
    appraisal = created()
    appraisal.inspect(CHECKLIST, at(minutes=10))
    appraisal.value("98000", at(minutes=20))
    with pytest.raises(InvalidValueError):
        appraisal.make_offer("95000", at(minutes=30), at(minutes=30))


def test_an_offer_accepted_before_its_expiry_belongs_to_the_deal() -> None:
    appraisal = offered()
    appraisal.accept(DEAL, at(hours=47))
    [event] = new_events(appraisal)
    assert isinstance(event, Appraisal.Accepted)
    assert (appraisal.status, appraisal.deal_id) == (AppraisalStatus.ACCEPTED, DEAL)


def test_an_offer_past_its_expiry_cannot_be_accepted() -> None:
    appraisal = offered(hours=48)
    with pytest.raises(AppraisalOfferExpiredError):
        appraisal.accept(DEAL, at(hours=49))


def test_an_accepted_offer_cannot_go_to_a_second_deal() -> None:
    appraisal = offered()
    appraisal.accept(DEAL, at(hours=1))
    with pytest.raises(AppraisalOnAnotherDealError):
        appraisal.accept(OTHER_DEAL, at(hours=2))


def test_an_offer_expires_only_after_its_expiry() -> None:
    appraisal = offered(hours=48)
    with pytest.raises(AppraisalOfferNotExpiredError):
        appraisal.expire(at(hours=47))
    appraisal.expire(at(hours=49))
    assert appraisal.status is AppraisalStatus.EXPIRED


def test_an_acquired_appraisal_names_its_vehicle_and_is_closed() -> None:
    appraisal = offered()
    appraisal.accept(DEAL, at(hours=1))
    vehicle_id = uuid4()
    appraisal.acquire(vehicle_id, at(days=1))
    assert (appraisal.status, appraisal.vehicle_id, appraisal.closed_at) == (
        AppraisalStatus.ACQUIRED,
        vehicle_id,
        at(days=1),
    )
    with pytest.raises(IllegalTransitionError):
        appraisal.decline("changed mind", at(days=2))


# --- replay -------------------------------------------------------------------------------------

commands = st.lists(
    st.one_of(
        st.tuples(st.just("inspect"), st.decimals(0, 20000, places=2)),
        st.tuples(st.just("value"), st.decimals(0, 500000, places=2)),
        st.tuples(st.just("offer"), st.decimals(0, 500000, places=2), st.integers(-2, 72)),
        st.tuples(st.just("accept"), st.integers(0, 1), st.integers(0, 100)),
        st.tuples(st.just("acquire")),
        st.tuples(st.just("decline")),
        st.tuples(st.just("expire"), st.integers(0, 100)),
    ),
    max_size=15,
)


@settings(max_examples=50, deadline=None)
@given(commands=commands)
def test_a_replayed_appraisal_equals_the_live_one(commands: list[tuple[Any, ...]]) -> None:
    app = new_app()
    appraisal = fresh()
    deals = [DEAL, OTHER_DEAL]
    for step, command in enumerate(commands):
        moment = at(minutes=step)
        try:
            match command:
                case ("inspect", cost):
                    appraisal.inspect([("tyres", "fail", "worn", cost)], moment)
                case ("value", acv):
                    appraisal.value(acv, moment)
                case ("offer", amount, hours):
                    appraisal.make_offer(amount, moment + timedelta(hours=hours), moment)
                case ("accept", d, hours):
                    appraisal.accept(deals[d], moment + timedelta(hours=hours))
                case ("acquire",):
                    appraisal.acquire(uuid4(), moment)
                case ("decline",):
                    appraisal.decline("no deal", moment)
                case ("expire", hours):
                    appraisal.expire(moment + timedelta(hours=hours))
        except DomainError:
            pass
    app.save(appraisal)
    replayed: Appraisal = app.repository.get(appraisal.id)
    assert state(replayed) == state(appraisal)


# --- lifecycle ----------------------------------------------------------------------------------

FINAL = {"acquired", "declined", "expired"}
NEXT = {
    "inspect": {"open", "inspected"},
    "value": {"inspected", "valued", "offered"},
    "offer": {"valued", "offered"},
    "accept": {"offered"},
    "acquire": {"accepted"},
    "decline": {"open", "inspected", "valued", "offered", "accepted"},
    "expire": {"offered"},
}


class AppraisalLifecycle(RuleBasedStateMachine):
    """Every step is tried whether legal or not; the aggregate's status follows the reference,
    and a closed appraisal never opens again."""

    def __init__(self) -> None:
        super().__init__()
        self.appraisal = created()
        self.status = "open"
        self.expires: datetime | None = None
        self.deal: UUID | None = None
        self.clock = MONDAY

    def _try(self, action: str, call: Any, then: str) -> None:
        self.clock += timedelta(minutes=1)
        try:
            call()
        except DomainError:
            assert self.status not in NEXT[action] or action in ("accept", "expire")
            return
        assert self.status in NEXT[action]
        self.status = then

    @rule()
    def inspect(self) -> None:
        self._try("inspect", lambda: self.appraisal.inspect(CHECKLIST, self.clock), "inspected")

    @rule(acv=st.integers(1, 300000))
    def value(self, acv: int) -> None:
        self._try("value", lambda: self.appraisal.value(acv, self.clock), "valued")

    @rule(hours=st.integers(1, 5))
    def offer(self, hours: int) -> None:
        expires = self.clock + timedelta(minutes=1, hours=hours)

        def call() -> None:
            self.appraisal.make_offer(1000, expires, self.clock)
            self.expires = expires

        self._try("offer", call, "offered")

    @rule(wait_hours=st.integers(0, 6))
    def accept(self, wait_hours: int) -> None:
        self.clock += timedelta(hours=wait_hours)
        late = self.expires is not None and self.clock + timedelta(minutes=1) > self.expires
        before = self.status
        self._try("accept", lambda: self.appraisal.accept(DEAL, self.clock), "accepted")
        if before == "offered" and late:
            assert self.status == "offered"  # an expired offer is not taken

    @rule()
    def acquire(self) -> None:
        self._try("acquire", lambda: self.appraisal.acquire(uuid4(), self.clock), "acquired")

    @rule()
    def decline(self) -> None:
        self._try("decline", lambda: self.appraisal.decline("walked", self.clock), "declined")

    @rule(wait_hours=st.integers(0, 6))
    def expire(self, wait_hours: int) -> None:
        self.clock += timedelta(hours=wait_hours)
        self._try("expire", lambda: self.appraisal.expire(self.clock), "expired")

    @invariant()
    def status_matches_the_reference(self) -> None:
        assert self.appraisal.status.value == self.status

    @invariant()
    def an_acv_exists_from_valuation_on(self) -> None:
        if self.status in ("valued", "offered", "accepted", "acquired"):
            assert self.appraisal.acv is not None


AppraisalLifecycle.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None
)
test_the_appraisal_lifecycle_follows_its_reference = AppraisalLifecycle.TestCase
_ = UTC
