"""Used cars: acquisition, reconditioning, front line and wholesale on the Vehicle aggregate;
the aged-used-car policy; a lifecycle state machine and a replay property."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.inventory.errors import (
    ReconOrderNotFoundError,
    ReconOrdersOpenError,
    VehicleNotFrontLineReadyError,
)
from domain.inventory.model import Vehicle, VehicleStatus
from domain.inventory.policy import PriceStep, UsedCarPolicy, price_steps, step_for
from domain.shared.errors import DomainError, IllegalTransitionError, InvalidValueError
from tests.unit.builders import MONDAY, at, new_app, new_events, state, vin

STORE, DEAL = uuid4(), uuid4()
BOUGHT = date(2025, 3, 1)


def bought(cost: str = "80000", source: str = "auction", collect: bool = True) -> Vehicle:
    vehicle = Vehicle.acquire(
        STORE, source, "Hangzhou car auction", vin(1), "VW", "Passat", "330TSI", "White",
        2021, cost, "99800", BOUGHT, MONDAY,
    )  # fmt: skip
    if collect:
        new_events(vehicle)
    return vehicle


def traded_in() -> Vehicle:
    """A trade-in enters stock through the plain `receive` as a used car (the trade-in desk)."""
    vehicle = Vehicle.receive(
        STORE, vin(2), "BYD", "Qin", "", "", 2020, "used", "50000", "62000", BOUGHT, MONDAY
    )
    new_events(vehicle)
    return vehicle


def reconditioned(vehicle: Vehicle, *costs: str) -> UUID:
    order = uuid4()
    vehicle.open_recon_order(order, "own workshop", date(2025, 3, 2), at(1))
    for n, cost in enumerate(costs):
        vehicle.add_recon_item(order, f"item {n}", "Bosch service", cost, at(2))
    vehicle.start_recon_order(order, date(2025, 3, 3), at(3))
    vehicle.finish_recon_order(order, date(2025, 3, 6), at(4))
    return order


def test_an_acquisition_records_its_source_and_enters_stock_at_its_cost() -> None:
    vehicle = Vehicle.acquire(
        STORE, "private", "Mr Wang", vin(1), "VW", "Passat", "", "", 2021, "80000", "99800",
        BOUGHT, MONDAY,
    )  # fmt: skip

    received, acquired = new_events(vehicle)

    assert (received.condition, received.cost) == ("used", Decimal("80000.00"))
    assert (acquired.source, acquired.seller) == ("private", "Mr Wang")


def test_an_acquisition_from_an_unknown_source_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        Vehicle.acquire(
            STORE, "found", "", vin(1), "VW", "Passat", "", "", 2021, "1", "2", BOUGHT, MONDAY
        )


def test_recon_items_add_their_cost_to_the_vehicle() -> None:
    vehicle = bought("80000")

    reconditioned(vehicle, "2400", "1350.50")

    assert vehicle.cost == Decimal("83750.50")
    assert vehicle.recon_cost == Decimal("3750.50")


def test_front_line_ready_measures_t2l_from_acquisition() -> None:
    vehicle = bought()
    reconditioned(vehicle, "1000")
    new_events(vehicle)

    vehicle.mark_front_line_ready(date(2025, 3, 7), at(5))

    (event,) = new_events(vehicle)
    assert (event.ready_on, event.t2l_days) == (date(2025, 3, 7), 6)


def test_a_used_car_not_front_line_ready_cannot_be_reserved() -> None:
    vehicle = bought()

    with pytest.raises(VehicleNotFrontLineReadyError):
        vehicle.reserve(DEAL, at(1))


def test_a_trade_in_received_as_used_is_not_sellable_until_front_line_ready() -> None:
    vehicle = traded_in()
    with pytest.raises(VehicleNotFrontLineReadyError):
        vehicle.reserve(DEAL, at(1))

    vehicle.mark_front_line_ready(BOUGHT, at(2))
    vehicle.reserve(DEAL, at(3))

    assert vehicle.status is VehicleStatus.RESERVED


def test_a_new_car_is_always_front_line_ready() -> None:
    vehicle = Vehicle.receive(
        STORE, vin(3), "BYD", "Han", "", "", 2025, "new", "1", "2", BOUGHT, MONDAY
    )

    vehicle.reserve(DEAL, at(1))

    assert vehicle.status is VehicleStatus.RESERVED


def test_front_line_ready_waits_for_every_work_order_to_finish() -> None:
    vehicle = bought()
    vehicle.open_recon_order(uuid4(), "paint shop", date(2025, 3, 2), at(1))

    with pytest.raises(ReconOrdersOpenError):
        vehicle.mark_front_line_ready(date(2025, 3, 7), at(2))


def test_front_line_ready_cannot_predate_the_last_finished_order() -> None:
    vehicle = bought()
    reconditioned(vehicle, "10")

    with pytest.raises(InvalidValueError):
        vehicle.mark_front_line_ready(date(2025, 3, 5), at(5))


def test_a_finished_order_takes_no_more_work() -> None:
    vehicle = bought()
    order = reconditioned(vehicle, "10")

    with pytest.raises(IllegalTransitionError):
        vehicle.add_recon_item(order, "late", "", "10", at(6))


def test_work_on_an_unknown_order_is_not_found() -> None:
    vehicle = bought()

    with pytest.raises(ReconOrderNotFoundError):
        vehicle.start_recon_order(uuid4(), date(2025, 3, 3), at(1))


def test_a_front_line_car_takes_no_more_recon() -> None:
    vehicle = bought()
    vehicle.mark_front_line_ready(BOUGHT, at(1))

    with pytest.raises(IllegalTransitionError):
        vehicle.open_recon_order(uuid4(), "own workshop", BOUGHT, at(2))


def test_a_new_car_has_no_recon() -> None:
    vehicle = Vehicle.receive(
        STORE, vin(3), "BYD", "Han", "", "", 2025, "new", "1", "2", BOUGHT, MONDAY
    )

    with pytest.raises(IllegalTransitionError):
        vehicle.open_recon_order(uuid4(), "own workshop", BOUGHT, at(1))


def test_wholesale_records_price_and_cost_and_takes_the_car_out_of_stock() -> None:
    vehicle = bought("80000")
    reconditioned(vehicle, "2000")
    new_events(vehicle)

    vehicle.wholesale("Jiaxing Motors", "dealer", "79000", date(2025, 4, 20), at(9))

    (event,) = new_events(vehicle)
    assert (event.price, event.cost) == (Decimal("79000.00"), Decimal("82000.00"))
    assert vehicle.status is VehicleStatus.WHOLESALED


def test_a_reserved_car_cannot_be_wholesaled() -> None:
    vehicle = traded_in()
    vehicle.mark_front_line_ready(BOUGHT, at(1))
    vehicle.reserve(DEAL, at(2))

    with pytest.raises(IllegalTransitionError):
        vehicle.wholesale("Auction", "auction", "1000", BOUGHT, at(3))


def test_a_wholesale_buyer_is_a_dealer_or_an_auction() -> None:
    vehicle = bought()

    with pytest.raises(InvalidValueError):
        vehicle.wholesale("Mr Li", "private", "1000", BOUGHT, at(1))


# --- the aged-used-car policy --------------------------------------------------------------------


def test_a_car_takes_the_last_price_step_it_has_reached() -> None:
    steps = price_steps([{"days": 30, "percent_off": "5"}, {"days": 45, "percent_off": "10"}])

    assert step_for(steps, 29) is None
    assert step_for(steps, 30) == PriceStep(30, Decimal("5.00"))
    assert step_for(steps, 60) == PriceStep(45, Decimal("10.00"))
    assert PriceStep(45, Decimal("10")).price_for(Decimal("99800")) == Decimal("89820")


@pytest.mark.parametrize(
    "steps",
    [
        [{"days": 0, "percent_off": "5"}],
        [{"days": 30, "percent_off": "100"}],
        [{"days": 30, "percent_off": "5"}, {"days": 20, "percent_off": "8"}],
        [{"days": 30, "percent_off": "5"}, {"days": 40, "percent_off": "5"}],
    ],
)
def test_price_steps_must_rise_in_age_and_discount(steps: list[dict[str, Any]]) -> None:
    with pytest.raises(InvalidValueError):
        price_steps(steps)


policy_settings = st.lists(
    st.tuples(
        st.lists(
            st.fixed_dictionaries(
                {"days": st.integers(-1, 400), "percent_off": st.sampled_from(["0", "5", "12.5"])}
            ),
            max_size=3,
        ),
        st.one_of(st.none(), st.integers(0, 400)),
    ),
    max_size=5,
)


@settings(max_examples=50, deadline=None)
@given(changes=policy_settings)
def test_a_replayed_policy_equals_the_live_one(
    changes: list[tuple[list[dict[str, Any]], int | None]],
) -> None:
    app = new_app()
    policy = UsedCarPolicy(store_id=STORE, occurred_at=MONDAY)
    for steps, wholesale_at in changes:
        with contextlib.suppress(DomainError):  # a refused setting records nothing
            policy.set(steps, wholesale_at, at(1))
    app.save(policy)

    assert state(app.repository.get(policy.id)) == state(policy)


# --- lifecycle ---------------------------------------------------------------------------------


class UsedCarLifecycle(RuleBasedStateMachine):
    """Acquisition → recon → front line → retail or wholesale, against a plain reference."""

    def __init__(self) -> None:
        super().__init__()
        self.vehicle = bought("50000")
        self.orders: list[UUID] = []
        self.finished: set[UUID] = set()
        self.started: set[UUID] = set()
        self.cost = Decimal("50000.00")
        self.ready = False
        self.status = "in_stock"

    def attempt(self, allowed: bool, command: Any) -> None:
        try:
            command()
        except DomainError:
            assert not allowed
        else:
            assert allowed

    @rule()
    def open_order(self) -> None:
        order = uuid4()
        allowed = not self.ready and self.status == "in_stock"
        self.attempt(allowed, lambda: self.vehicle.open_recon_order(order, "w", BOUGHT, at(1)))
        if allowed:
            self.orders.append(order)

    @rule(n=st.integers(0, 3), cost=st.decimals(0, 9999, places=2))
    def add_item(self, n: int, cost: Decimal) -> None:
        if n >= len(self.orders):
            return
        order = self.orders[n]
        allowed = not self.ready and self.status == "in_stock" and order not in self.finished
        self.attempt(allowed, lambda: self.vehicle.add_recon_item(order, "x", "", cost, at(2)))
        if allowed:
            self.cost += cost

    @rule(n=st.integers(0, 3))
    def start(self, n: int) -> None:
        if n >= len(self.orders):
            return
        order = self.orders[n]
        allowed = not self.ready and self.status == "in_stock" and order not in self.started
        self.attempt(allowed, lambda: self.vehicle.start_recon_order(order, BOUGHT, at(3)))
        if allowed:
            self.started.add(order)

    @rule(n=st.integers(0, 3))
    def finish(self, n: int) -> None:
        if n >= len(self.orders):
            return
        order = self.orders[n]
        allowed = (
            not self.ready
            and self.status == "in_stock"
            and order in self.started
            and order not in self.finished
        )
        self.attempt(allowed, lambda: self.vehicle.finish_recon_order(order, BOUGHT, at(4)))
        if allowed:
            self.finished.add(order)

    @rule()
    def front_line(self) -> None:
        allowed = not self.ready and self.status == "in_stock" and set(self.orders) == self.finished
        self.attempt(allowed, lambda: self.vehicle.mark_front_line_ready(BOUGHT, at(5)))
        if allowed:
            self.ready = True

    @rule()
    def retail(self) -> None:
        allowed = self.ready and self.status == "in_stock"
        self.attempt(allowed, lambda: self.vehicle.reserve(DEAL, at(6)))
        if allowed:
            self.vehicle.sell(DEAL, Decimal("60000"), at(7))
            self.status = "sold"

    @rule()
    def wholesale(self) -> None:
        allowed = self.status == "in_stock"
        self.attempt(allowed, lambda: self.vehicle.wholesale("D", "dealer", "40000", BOUGHT, at(8)))
        if allowed:
            self.status = "wholesaled"

    @invariant()
    def the_vehicle_matches_the_reference(self) -> None:
        assert self.vehicle.cost == self.cost
        assert self.vehicle.is_front_line_ready is self.ready
        assert self.vehicle.status.value == self.status


TestUsedCarLifecycle = UsedCarLifecycle.TestCase
TestUsedCarLifecycle.settings = settings(max_examples=40, stateful_step_count=15, deadline=None)


used_commands = st.lists(
    st.one_of(
        st.tuples(st.just("open")),
        st.tuples(st.just("item"), st.integers(0, 2), st.decimals(0, 9999, places=2)),
        st.tuples(st.just("start"), st.integers(0, 2)),
        st.tuples(st.just("finish"), st.integers(0, 2)),
        st.tuples(st.just("ready")),
        st.tuples(st.just("reserve")),
        st.tuples(st.just("wholesale"), st.decimals(1, 99999, places=2)),
    ),
    max_size=20,
)


@settings(max_examples=50, deadline=None)
@given(commands=used_commands)
def test_a_replayed_used_car_equals_the_live_one(commands: list[tuple[Any, ...]]) -> None:
    app = new_app()
    vehicle = bought(collect=False)
    orders: list[UUID] = []
    for command in commands:
        try:
            match command:
                case ("open",):
                    order = uuid4()
                    vehicle.open_recon_order(order, "w", BOUGHT, at(1))
                    orders.append(order)
                case ("item", n, cost) if n < len(orders):
                    vehicle.add_recon_item(orders[n], "x", "v", cost, at(2))
                case ("start", n) if n < len(orders):
                    vehicle.start_recon_order(orders[n], BOUGHT, at(3))
                case ("finish", n) if n < len(orders):
                    vehicle.finish_recon_order(orders[n], BOUGHT, at(4))
                case ("ready",):
                    vehicle.mark_front_line_ready(BOUGHT, at(5))
                case ("reserve",):
                    vehicle.reserve(DEAL, at(6))
                case ("wholesale", price):
                    vehicle.wholesale("D", "auction", price, BOUGHT, at(7))
        except DomainError:
            pass
    app.save(vehicle)

    assert state(app.repository.get(vehicle.id)) == state(vehicle)
