"""Vehicles: Given/When/Then on the aggregate, then the inventory service's rules and access."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.inventory.errors import (
    VehicleAlreadyAtStoreError,
    VehicleAlreadyReceivedError,
    VehicleNotAvailableError,
    VehicleNotHeldByDealError,
    VehiclePriceUnchangedError,
    VehicleStoreClosedError,
)
from domain.inventory.model import Vehicle, VehicleStatus, vehicle_id_for
from domain.organisation.model import Store
from domain.shared.errors import (
    ConflictError,
    DomainError,
    IllegalTransitionError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
)
from tests.unit.builders import (
    ADMIN,
    FINANCE,
    MONDAY,
    Group,
    at,
    group,
    new_app,
    new_events,
    state,
    vin,
)

STORE, OTHER_STORE, DEAL, OTHER_DEAL = uuid4(), uuid4(), uuid4(), uuid4()


@pytest.fixture
def g() -> Group:
    return group()


def receive(n: int = 1, model_year: int = 2025, condition: str = "new") -> Vehicle:
    return Vehicle.receive(
        STORE,
        vin(n),
        "BYD",
        "Han",
        "EV Flagship",
        "Black",
        model_year,
        condition,
        "180000",
        "209800",
        date(2025, 3, 1),
        MONDAY,
    )


def in_stock() -> Vehicle:
    vehicle = receive()
    new_events(vehicle)
    return vehicle


def reserved() -> Vehicle:
    vehicle = in_stock()
    vehicle.reserve(DEAL, at(1))
    new_events(vehicle)
    return vehicle


def sold() -> Vehicle:
    vehicle = reserved()
    vehicle.sell(DEAL, Decimal("199800"), at(2))
    new_events(vehicle)
    return vehicle


def delivered() -> Vehicle:
    vehicle = sold()
    vehicle.deliver(DEAL, at(3))
    new_events(vehicle)
    return vehicle


# --- arrival ---------------------------------------------------------------------------------


def test_receiving_records_the_vehicle_in_stock() -> None:
    vehicle = Vehicle.receive(
        STORE,
        vin(1).lower(),
        " BYD ",
        "Han",
        "",
        "Black",
        2026,
        "used",
        "180000.005",
        209800,
        date(2025, 3, 1),
        MONDAY,
    )

    [event] = new_events(vehicle)
    assert isinstance(event, Vehicle.Received)
    assert (event.vin, event.make, event.model, event.trim, event.colour) == (
        vin(1),
        "BYD",
        "Han",
        "",
        "Black",
    )
    assert (event.model_year, event.condition) == (2026, "used")
    assert (event.cost, event.list_price) == (Decimal("180000.01"), Decimal("209800.00"))
    assert (event.store_id, event.received_on) == (STORE, date(2025, 3, 1))
    assert vehicle.status is VehicleStatus.IN_STOCK


def test_a_vehicle_id_is_derived_from_its_vin() -> None:
    vehicle = receive()

    assert vehicle.id == vehicle_id_for(vin(1).lower())


def test_a_vin_with_a_wrong_check_digit_is_refused() -> None:
    wrong = vin(1)[:8] + ("1" if vin(1)[8] != "1" else "2") + vin(1)[9:]

    with pytest.raises(InvalidValueError):
        Vehicle.receive(
            STORE, wrong, "BYD", "Han", "", "", 2025, "new", 1, 2, date(2025, 3, 1), MONDAY
        )


@pytest.mark.parametrize("model_year", [1989, 2027])
def test_an_implausible_model_year_is_refused(model_year: int) -> None:
    with pytest.raises(InvalidValueError):
        receive(model_year=model_year)


def test_next_years_model_may_arrive_already() -> None:
    vehicle = receive(model_year=2026)

    assert vehicle.model_year == 2026


def test_an_unknown_condition_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        receive(condition="salvage")


def test_a_free_vehicle_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        Vehicle.receive(
            STORE, vin(1), "BYD", "Han", "", "", 2025, "new", 1, 0, date(2025, 3, 1), MONDAY
        )


# --- the sale --------------------------------------------------------------------------------


def test_a_vehicle_in_stock_is_reserved_for_a_deal() -> None:
    vehicle = in_stock()

    vehicle.reserve(DEAL, at(1))

    [event] = new_events(vehicle)
    assert isinstance(event, Vehicle.Reserved)
    assert event.deal_id == DEAL
    assert (vehicle.status, vehicle.deal_id) == (VehicleStatus.RESERVED, DEAL)


@pytest.mark.parametrize("taken", [reserved, sold, delivered])
def test_a_taken_vehicle_cannot_be_reserved(taken: Callable[[], Vehicle]) -> None:
    vehicle = taken()

    with pytest.raises(VehicleNotAvailableError) as raised:
        vehicle.reserve(OTHER_DEAL, at(5))

    assert isinstance(raised.value, IllegalTransitionError)


def test_the_holding_deal_releases_the_vehicle() -> None:
    vehicle = reserved()

    vehicle.release(DEAL, at(2))

    [event] = new_events(vehicle)
    assert isinstance(event, Vehicle.Released)
    assert (vehicle.status, vehicle.deal_id) == (VehicleStatus.IN_STOCK, None)


def test_another_deal_cannot_release_the_vehicle() -> None:
    vehicle = reserved()

    with pytest.raises(VehicleNotHeldByDealError):
        vehicle.release(OTHER_DEAL, at(2))


def test_a_vehicle_in_stock_cannot_be_released() -> None:
    vehicle = in_stock()

    with pytest.raises(IllegalTransitionError):
        vehicle.release(DEAL, at(2))


def test_the_holding_deal_sells_the_vehicle() -> None:
    vehicle = reserved()

    vehicle.sell(DEAL, Decimal("199800"), at(2))

    [event] = new_events(vehicle)
    assert isinstance(event, Vehicle.Sold)
    assert (event.deal_id, event.price) == (DEAL, Decimal("199800.00"))
    assert vehicle.status is VehicleStatus.SOLD


def test_another_deal_cannot_sell_the_vehicle() -> None:
    vehicle = reserved()

    with pytest.raises(VehicleNotHeldByDealError):
        vehicle.sell(OTHER_DEAL, Decimal("199800"), at(2))


@pytest.mark.parametrize("state_of", [in_stock, sold, delivered])
def test_only_a_reserved_vehicle_is_sold(state_of: Callable[[], Vehicle]) -> None:
    vehicle = state_of()

    with pytest.raises(IllegalTransitionError):
        vehicle.sell(DEAL, Decimal("199800"), at(5))


def test_a_sold_vehicle_is_delivered() -> None:
    vehicle = sold()

    vehicle.deliver(DEAL, at(3))

    [event] = new_events(vehicle)
    assert isinstance(event, Vehicle.Delivered)
    assert vehicle.status is VehicleStatus.DELIVERED


@pytest.mark.parametrize("state_of", [in_stock, reserved, delivered])
def test_only_a_sold_vehicle_is_delivered(state_of: Callable[[], Vehicle]) -> None:
    vehicle = state_of()

    with pytest.raises(IllegalTransitionError):
        vehicle.deliver(DEAL, at(5))


def test_an_unwound_sale_returns_the_vehicle_to_stock() -> None:
    vehicle = delivered()

    vehicle.return_to_stock(DEAL, "customer returned it within 7 days", at(days=3))

    [event] = new_events(vehicle)
    assert isinstance(event, Vehicle.ReturnedToStock)
    assert (event.deal_id, event.reason) == (DEAL, "customer returned it within 7 days")
    assert (vehicle.status, vehicle.deal_id, vehicle.sold_price) == (
        VehicleStatus.IN_STOCK,
        None,
        None,
    )


@pytest.mark.parametrize("state_of", [in_stock, reserved, sold])
def test_only_a_delivered_vehicle_returns_to_stock(state_of: Callable[[], Vehicle]) -> None:
    vehicle = state_of()

    with pytest.raises(IllegalTransitionError):
        vehicle.return_to_stock(DEAL, "changed mind", at(5))


def test_another_deal_cannot_return_the_vehicle() -> None:
    vehicle = delivered()

    with pytest.raises(VehicleNotHeldByDealError):
        vehicle.return_to_stock(OTHER_DEAL, "changed mind", at(5))


# --- stock management --------------------------------------------------------------------------


def test_repricing_records_the_new_list_price() -> None:
    vehicle = in_stock()

    vehicle.reprice("199800", at(1))

    [event] = new_events(vehicle)
    assert isinstance(event, Vehicle.Repriced)
    assert event.list_price == Decimal("199800.00") == vehicle.list_price


def test_repricing_to_the_same_price_is_refused() -> None:
    vehicle = in_stock()

    with pytest.raises(VehiclePriceUnchangedError):
        vehicle.reprice("209800", at(1))


@pytest.mark.parametrize("state_of", [sold, delivered])
def test_a_sold_vehicle_is_not_repriced(state_of: Callable[[], Vehicle]) -> None:
    vehicle = state_of()

    with pytest.raises(IllegalTransitionError):
        vehicle.reprice("1", at(5))


def test_a_vehicle_in_stock_moves_to_another_store() -> None:
    vehicle = in_stock()

    vehicle.transfer(OTHER_STORE, at(1))

    [event] = new_events(vehicle)
    assert isinstance(event, Vehicle.Transferred)
    assert (event.from_store_id, event.to_store_id) == (STORE, OTHER_STORE)
    assert vehicle.store_id == OTHER_STORE


@pytest.mark.parametrize("state_of", [reserved, sold, delivered])
def test_only_a_vehicle_in_stock_moves(state_of: Callable[[], Vehicle]) -> None:
    vehicle = state_of()

    with pytest.raises(IllegalTransitionError):
        vehicle.transfer(OTHER_STORE, at(5))


def test_a_vehicle_does_not_move_to_its_own_store() -> None:
    vehicle = in_stock()

    with pytest.raises(VehicleAlreadyAtStoreError):
        vehicle.transfer(STORE, at(1))


# --- the service ---------------------------------------------------------------------------------


def test_a_manager_receives_a_vehicle_into_the_store(g: Group) -> None:
    written = g.inventory.receive_vehicle(
        g.manager, g.store_id, vin(1), "BYD", "Seal", "AWD", "Blue", 2025, "new", 150000, 179800
    )

    vehicle = g.inventory.get_vehicle(g.manager, written.id)
    assert (vehicle.vin, vehicle.status, written.version) == (vin(1), VehicleStatus.IN_STOCK, 1)


def test_the_receiving_day_defaults_to_the_stores_calendar_day(g: Group) -> None:
    evening_utc = datetime(2025, 3, 2, 17, 0, tzinfo=UTC)  # already Monday in Shanghai

    written = g.inventory.receive_vehicle(
        g.manager,
        g.store_id,
        vin(1),
        "BYD",
        "Seal",
        "AWD",
        "Blue",
        2025,
        "new",
        150000,
        179800,
        occurred_at=evening_utc,
    )

    assert g.inventory.get_vehicle(g.manager, written.id).received_on == date(2025, 3, 3)


def test_receiving_a_vin_twice_is_a_conflict_naming_the_vin(g: Group) -> None:
    g.vehicle(1)

    with pytest.raises(VehicleAlreadyReceivedError) as raised:
        g.vehicle(1, store_id=g.other_store_id)

    assert isinstance(raised.value, ConflictError)
    assert raised.value.extra["vin"] == vin(1)


def test_a_vin_received_twice_at_once_still_conflicts_on_save(g: Group) -> None:
    first, twin = receive(), receive()
    g.app.written(first)

    with pytest.raises(ConflictError):
        g.app.written(twin)


def test_salespeople_cannot_receive_vehicles(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        g.inventory.receive_vehicle(
            g.seller, g.store_id, vin(1), "BYD", "Seal", "", "", 2025, "new", 1, 2
        )


def test_a_manager_cannot_receive_into_another_store(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        g.inventory.receive_vehicle(
            g.manager, g.other_store_id, vin(1), "BYD", "Seal", "", "", 2025, "new", 1, 2
        )


def test_finance_cannot_receive_vehicles(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        g.inventory.receive_vehicle(
            FINANCE, g.store_id, vin(1), "BYD", "Seal", "", "", 2025, "new", 1, 2
        )


def test_a_closed_store_receives_no_vehicles(g: Group) -> None:
    store = g.app.load(Store, g.store_id, "store")
    store.close(occurred_at=MONDAY)
    g.app.save(store)

    with pytest.raises(VehicleStoreClosedError):
        g.vehicle(1)


def test_salespeople_see_the_stock_of_their_own_store(g: Group) -> None:
    vehicle_id = g.vehicle(1)

    assert g.inventory.get_vehicle(g.seller, vehicle_id).id == vehicle_id


@pytest.mark.parametrize("who", ["other_seller", "other_manager"])
def test_another_stores_staff_cannot_see_the_vehicle(g: Group, who: str) -> None:
    vehicle_id = g.vehicle(1)

    with pytest.raises(NotFoundError):
        g.inventory.get_vehicle(getattr(g, who), vehicle_id)


def test_finance_sees_every_vehicle(g: Group) -> None:
    vehicle_id = g.vehicle(1)

    assert g.inventory.get_vehicle(FINANCE, vehicle_id).id == vehicle_id


def test_a_manager_sends_a_vehicle_to_another_store(g: Group) -> None:
    vehicle_id = g.vehicle(1)

    g.inventory.transfer_vehicle(g.manager, vehicle_id, g.other_store_id)

    assert g.inventory.get_vehicle(g.other_seller, vehicle_id).store_id == g.other_store_id
    with pytest.raises(NotFoundError):
        g.inventory.get_vehicle(g.seller, vehicle_id)


def test_a_vehicle_cannot_move_to_a_closed_store(g: Group) -> None:
    vehicle_id = g.vehicle(1)
    store = g.app.load(Store, g.other_store_id, "store")
    store.close(occurred_at=MONDAY)
    g.app.save(store)

    with pytest.raises(VehicleStoreClosedError):
        g.inventory.transfer_vehicle(g.manager, vehicle_id, g.other_store_id)


def test_a_vehicle_cannot_move_to_an_unknown_store(g: Group) -> None:
    vehicle_id = g.vehicle(1)

    with pytest.raises(NotFoundError):
        g.inventory.transfer_vehicle(ADMIN, vehicle_id, uuid4())


def test_a_manager_cannot_move_another_stores_vehicle(g: Group) -> None:
    vehicle_id = g.vehicle(1)

    with pytest.raises(NotFoundError):
        g.inventory.transfer_vehicle(g.other_manager, vehicle_id, g.other_store_id)


def test_salespeople_cannot_reprice(g: Group) -> None:
    vehicle_id = g.vehicle(1)

    with pytest.raises(PermissionDeniedError):
        g.inventory.reprice_vehicle(g.seller, vehicle_id, 199800)


def test_a_manager_reprices_a_vehicle(g: Group) -> None:
    vehicle_id = g.vehicle(1)

    written = g.inventory.reprice_vehicle(g.manager, vehicle_id, "199800", expected_version=1)

    vehicle = g.inventory.get_vehicle(g.manager, vehicle_id)
    assert (written.version, vehicle.list_price) == (2, Decimal("199800.00"))


def test_repricing_a_stale_vehicle_is_a_conflict(g: Group) -> None:
    vehicle_id = g.vehicle(1)
    g.inventory.reprice_vehicle(g.manager, vehicle_id, "199800")

    with pytest.raises(StaleVersionError):
        g.inventory.reprice_vehicle(g.manager, vehicle_id, "189800", expected_version=1)


def test_an_unknown_vehicle_is_not_found(g: Group) -> None:
    with pytest.raises(NotFoundError):
        g.inventory.get_vehicle(ADMIN, uuid4())


# --- replay ------------------------------------------------------------------------------------

zones = st.sampled_from([UTC, timezone(timedelta(hours=8))])
vehicle_commands = st.lists(
    st.one_of(
        st.tuples(st.just("reserve"), st.integers(0, 1)),
        st.tuples(st.just("release"), st.integers(0, 1)),
        st.tuples(st.just("sell"), st.integers(0, 1), st.decimals(1, 500000, places=2)),
        st.tuples(st.just("deliver"), st.integers(0, 1)),
        st.tuples(st.just("return"), st.integers(0, 1)),
        st.tuples(st.just("reprice"), st.decimals(0, 500000, places=2)),
        st.tuples(st.just("transfer"), st.integers(0, 1)),
    ),
    max_size=20,
)


@settings(max_examples=50, deadline=None)
@given(
    commands=vehicle_commands,
    moment=st.datetimes(datetime(2024, 1, 1), datetime(2026, 1, 1), timezones=zones),
)
def test_a_replayed_vehicle_equals_the_live_one(
    commands: list[tuple[Any, ...]], moment: datetime
) -> None:
    app = new_app()
    deals, stores = [DEAL, OTHER_DEAL], [STORE, OTHER_STORE]
    vehicle = Vehicle.receive(
        STORE, vin(9), "BYD", "Tang", "", "", 2024, "new", 1, 2, moment.date(), moment
    )
    for command in commands:
        try:
            match command:
                case ("reserve", d):
                    vehicle.reserve(deals[d], moment)
                case ("release", d):
                    vehicle.release(deals[d], moment)
                case ("sell", d, price):
                    vehicle.sell(deals[d], price, moment)
                case ("deliver", d):
                    vehicle.deliver(deals[d], moment)
                case ("return", d):
                    vehicle.return_to_stock(deals[d], "returned", moment)
                case ("reprice", price):
                    vehicle.reprice(price, moment)
                case ("transfer", s):
                    vehicle.transfer(stores[s], moment)
        except DomainError:
            pass  # a refused command records nothing
    app.save(vehicle)

    replayed: Vehicle = app.repository.get(vehicle.id)

    assert state(replayed) == state(vehicle)
