"""Stock pipeline: Given/When/Then on OEM orders, transfers with an approval and the stock
settings; the service's rules on who may do what; replayed aggregates equal live ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.inventory.errors import VehicleAlreadyAtStoreError
from domain.inventory.model import Vehicle, VehicleStatus, vehicle_id_for
from domain.shared.actor import Principal, Role
from domain.shared.errors import (
    DomainError,
    IllegalTransitionError,
    InvalidValueError,
    PermissionDeniedError,
)
from domain.stock.errors import OrderVinMismatchError
from domain.stock.model import OemOrder, OrderStatus, StockSettings
from domain.stock.service import Stock
from tests.unit.builders import MONDAY, Group, group, new_app, new_events, state, vin

STORE, OTHER_STORE = uuid4(), uuid4()
EXEC = Principal(user_id="exec", role=Role.GROUP_EXEC, username="exec")


def placed() -> OemOrder:
    return OemOrder.place(STORE, "BYD", "Han", "EV", "Black", 2025, date(2025, 3, 1), MONDAY)


def in_stock() -> Vehicle:
    vehicle = Vehicle.receive(
        STORE, vin(1), "BYD", "Han", "EV", "Black", 2025, "new", "180000", "209800",
        date(2025, 3, 1), MONDAY,
    )  # fmt: skip
    new_events(vehicle)
    return vehicle


# --- OEM orders ---------------------------------------------------------------------------------


def test_placing_an_order_records_the_line_and_the_day() -> None:
    order = placed()

    (event,) = new_events(order)

    assert isinstance(event, OemOrder.Placed)
    assert (event.model, event.trim, event.colour, event.ordered_on) == (
        "Han", "EV", "Black", date(2025, 3, 1),
    )  # fmt: skip
    assert order.status is OrderStatus.ORDERED


def test_an_allocation_names_the_vin_cost_and_list_price() -> None:
    order = placed()
    new_events(order)

    order.allocate(vin(1), "180000", "209800", date(2025, 3, 5), MONDAY)

    (event,) = new_events(order)
    assert isinstance(event, OemOrder.Allocated)
    assert (event.vin, event.cost) == (vin(1), Decimal("180000.00"))
    assert order.status is OrderStatus.ALLOCATED


def test_a_shipment_cannot_be_expected_before_it_leaves() -> None:
    order = placed()
    order.allocate(vin(1), "180000", "209800", date(2025, 3, 5), MONDAY)

    with pytest.raises(InvalidValueError):
        order.ship(date(2025, 3, 6), date(2025, 3, 4), MONDAY)


def test_an_order_not_allocated_cannot_ship() -> None:
    order = placed()

    with pytest.raises(IllegalTransitionError):
        order.ship(date(2025, 3, 6), date(2025, 3, 9), MONDAY)


def test_a_shipped_order_cannot_be_cancelled() -> None:
    order = placed()
    order.allocate(vin(1), "180000", "209800", date(2025, 3, 5), MONDAY)
    order.ship(date(2025, 3, 6), date(2025, 3, 9), MONDAY)

    with pytest.raises(IllegalTransitionError):
        order.cancel("changed our mind", MONDAY)


# --- transfers ----------------------------------------------------------------------------------


def test_a_transfer_request_records_its_cost_and_destination() -> None:
    vehicle = in_stock()

    vehicle.request_transfer(OTHER_STORE, "800", "dealer trade", MONDAY)

    (event,) = new_events(vehicle)
    assert isinstance(event, Vehicle.TransferRequested)
    assert (event.to_store_id, event.cost) == (OTHER_STORE, Decimal("800.00"))
    assert vehicle.transfer_state == "requested"
    assert vehicle.status is VehicleStatus.IN_STOCK  # still on the floor until it ships


def test_a_transfer_to_its_own_store_is_refused() -> None:
    vehicle = in_stock()

    with pytest.raises(VehicleAlreadyAtStoreError):
        vehicle.request_transfer(STORE, "800", "", MONDAY)


def test_an_unapproved_transfer_cannot_ship() -> None:
    vehicle = in_stock()
    vehicle.request_transfer(OTHER_STORE, "800", "", MONDAY)

    with pytest.raises(IllegalTransitionError):
        vehicle.ship_transfer(date(2025, 3, 3), date(2025, 3, 5), MONDAY)


def test_a_shipped_transfer_is_in_transit_and_cannot_be_reserved() -> None:
    vehicle = in_stock()
    vehicle.request_transfer(OTHER_STORE, "800", "", MONDAY)
    vehicle.approve_transfer(MONDAY)

    vehicle.ship_transfer(date(2025, 3, 3), date(2025, 3, 5), MONDAY)

    assert vehicle.status is VehicleStatus.IN_TRANSIT
    with pytest.raises(DomainError):
        vehicle.reserve(uuid4(), MONDAY)


def test_an_arrived_transfer_moves_the_vehicle_and_adds_its_cost() -> None:
    vehicle = in_stock()
    vehicle.request_transfer(OTHER_STORE, "800", "", MONDAY)
    vehicle.approve_transfer(MONDAY)
    vehicle.ship_transfer(date(2025, 3, 3), date(2025, 3, 5), MONDAY)
    new_events(vehicle)

    vehicle.receive_transfer(date(2025, 3, 5), MONDAY)

    (event,) = new_events(vehicle)
    assert isinstance(event, Vehicle.TransferArrived)
    assert (vehicle.store_id, vehicle.cost) == (OTHER_STORE, Decimal("180800.00"))
    assert vehicle.status is VehicleStatus.IN_STOCK and vehicle.transfer_state is None


def test_a_refused_transfer_leaves_the_vehicle_free_for_another_request() -> None:
    vehicle = in_stock()
    vehicle.request_transfer(OTHER_STORE, "800", "", MONDAY)

    vehicle.refuse_transfer("keep it here", MONDAY)
    vehicle.request_transfer(OTHER_STORE, "500", "", MONDAY)

    assert vehicle.transfer_state == "requested" and vehicle.transfer_cost == Decimal("500.00")


# --- settings -----------------------------------------------------------------------------------


def test_stock_settings_refuse_a_threshold_of_zero_days() -> None:
    with pytest.raises(InvalidValueError):
        StockSettings.first(STORE, 0, 45, MONDAY)


# --- the service's rules ------------------------------------------------------------------------


@pytest.fixture
def g() -> Group:
    return group()


def test_an_order_received_creates_the_vehicle_in_the_stores_stock(g: Group) -> None:
    stock = Stock(g.app)
    order_id = stock.place_order(
        g.manager, g.store_id, "BYD", "Han", "EV", "Black", 2025, date(2025, 3, 1)
    ).id
    stock.allocate_order(g.manager, order_id, vin(7), "180000", "209800", date(2025, 3, 3))

    stock.receive_order(g.manager, order_id, vin(7), date(2025, 3, 3), occurred_at=MONDAY)

    vehicle = g.vehicle_of(vehicle_id_for(vin(7)))
    assert (vehicle.store_id, vehicle.cost, vehicle.received_on) == (
        g.store_id, Decimal("180000.00"), date(2025, 3, 3),
    )  # fmt: skip
    assert stock.get_order(g.manager, order_id).status is OrderStatus.RECEIVED


def test_an_order_is_received_only_with_the_allocated_vin(g: Group) -> None:
    stock = Stock(g.app)
    order_id = stock.place_order(
        g.manager, g.store_id, "BYD", "Han", "EV", "Black", 2025, date(2025, 3, 1)
    ).id
    stock.allocate_order(g.manager, order_id, vin(7), "180000", "209800")

    with pytest.raises(OrderVinMismatchError):
        stock.receive_order(g.manager, order_id, vin(8))


def test_a_salesperson_cannot_place_an_order(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        Stock(g.app).place_order(g.seller, g.store_id, "BYD", "Han", "EV", "Black", 2025)


def test_a_store_manager_cannot_approve_a_transfer(g: Group) -> None:
    stock = Stock(g.app)
    vehicle_id = g.vehicle()
    stock.request_transfer(g.manager, vehicle_id, g.other_store_id, "800")

    with pytest.raises(PermissionDeniedError):
        stock.approve_transfer(g.manager, vehicle_id)


def test_the_receiving_stores_manager_receives_a_transfer_the_group_approved(g: Group) -> None:
    stock = Stock(g.app)
    vehicle_id = g.vehicle()
    stock.request_transfer(g.manager, vehicle_id, g.other_store_id, "800")
    stock.approve_transfer(EXEC, vehicle_id)
    stock.ship_transfer(
        g.manager, vehicle_id, date(2025, 3, 5), date(2025, 3, 3), occurred_at=MONDAY
    )

    with pytest.raises(PermissionDeniedError):
        stock.receive_transfer(g.manager, vehicle_id, date(2025, 3, 4), occurred_at=MONDAY)
    stock.receive_transfer(g.other_manager, vehicle_id, date(2025, 3, 4), occurred_at=MONDAY)

    assert g.vehicle_of(vehicle_id).store_id == g.other_store_id


def test_store_settings_default_to_sixty_and_forty_five_days(g: Group) -> None:
    settings_now = Stock(g.app).get_settings(g.manager, g.store_id)

    assert (settings_now["aged_days"], settings_now["target_days"]) == (60, 45)


# --- replay -------------------------------------------------------------------------------------

zones = st.sampled_from([UTC, timezone(timedelta(hours=8))])
moments = st.datetimes(datetime(2024, 1, 1), datetime(2026, 1, 1), timezones=zones)


@settings(max_examples=50, deadline=None)
@given(
    commands=st.lists(st.sampled_from(["allocate", "ship", "receive", "cancel"]), max_size=6),
    moment=moments,
)
def test_a_replayed_order_equals_the_live_one(commands: list[str], moment: datetime) -> None:
    app = new_app()
    day = moment.date()
    order = OemOrder.place(STORE, "BYD", "Han", "EV", "Black", 2024, day, moment)
    for command in commands:
        try:
            match command:
                case "allocate":
                    order.allocate(vin(3), "1", "2", day, moment)
                case "ship":
                    order.ship(day, day + timedelta(days=3), moment)
                case "receive":
                    order.receive(vehicle_id_for(vin(3)), day, moment)
                case "cancel":
                    order.cancel("no", moment)
        except DomainError:
            pass  # a refused command records nothing
    app.save(order)

    replayed: OemOrder = app.repository.get(order.id)

    assert state(replayed) == state(order)


@settings(max_examples=50, deadline=None)
@given(
    commands=st.lists(
        st.tuples(
            st.sampled_from(["request", "approve", "refuse", "ship", "arrive", "reserve"]),
            st.integers(0, 1),
        ),
        max_size=12,
    ),
    moment=moments,
)
def test_a_replayed_vehicle_with_transfers_equals_the_live_one(
    commands: list[tuple[str, int]], moment: datetime
) -> None:
    app = new_app()
    day = moment.date()
    stores = [STORE, OTHER_STORE]
    vehicle = Vehicle.receive(STORE, vin(9), "BYD", "Tang", "", "", 2024, "used", 1, 2, day, moment)
    for command, s in commands:
        try:
            match command:
                case "request":
                    vehicle.request_transfer(stores[s], "300", "", moment)
                case "approve":
                    vehicle.approve_transfer(moment)
                case "refuse":
                    vehicle.refuse_transfer("no", moment)
                case "ship":
                    vehicle.ship_transfer(day, day + timedelta(days=2), moment)
                case "arrive":
                    vehicle.receive_transfer(day, moment)
                case "reserve":
                    vehicle.reserve(uuid4(), moment)
        except DomainError:
            pass
    app.save(vehicle)

    replayed: Vehicle = app.repository.get(vehicle.id)

    assert state(replayed) == state(vehicle)
