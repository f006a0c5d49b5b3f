"""Customers: Given/When/Then on the aggregate, then the CRM service's de-duplication and access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.crm.errors import (
    CustomerAlreadyExistsError,
    CustomerAlreadyServedError,
    CustomerOwnerUnchangedError,
    CustomerPhoneTakenError,
    CustomerStoreClosedError,
)
from domain.crm.model import ConsentChannel, Customer, PhoneClaim, phone_claim_id
from domain.crm.service import Crm
from domain.organisation.errors import StaffInactiveError
from domain.organisation.model import Store
from domain.shared.errors import (
    ConflictError,
    DomainError,
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
    phone,
    state,
)

HASH = "a" * 64


@pytest.fixture
def g() -> Group:
    return group()


def registered(owner: bool = True) -> Customer:
    customer = Customer.register(
        store_id=uuid4(),
        owner_id=uuid4() if owner else None,
        name="  Li Wei ",
        phone="138 0013 8000",
        phone_hash=HASH,
        source="walk_in",
        occurred_at=MONDAY,
    )
    new_events(customer)
    return customer


# --- the aggregate: given / when / then ---------------------------------------------------------


def test_registering_records_the_trimmed_name_and_the_normalised_phone() -> None:
    store_id = uuid4()

    customer = Customer.register(
        store_id, None, " Li Wei ", "+86 138-0013-8000", HASH, "website", MONDAY
    )

    [event] = new_events(customer)
    assert isinstance(event, Customer.Registered)
    assert (event.store_id, event.owner_id, event.name) == (store_id, None, "Li Wei")
    assert (event.phone, event.phone_hash, event.source) == ("+8613800138000", HASH, "website")
    assert event.occurred_at == MONDAY


def test_registering_with_an_unknown_source_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        Customer.register(uuid4(), None, "Li Wei", phone(1), HASH, "billboard", MONDAY)


def test_registering_with_a_bad_phone_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        Customer.register(uuid4(), None, "Li Wei", "12345", HASH, "walk_in", MONDAY)


def test_registering_without_a_name_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        Customer.register(uuid4(), None, "   ", phone(1), HASH, "walk_in", MONDAY)


def test_recording_preferences_replaces_the_previous_ones() -> None:
    customer = registered()
    customer.record_preferences("Han", "Black", "Flagship", "250000", at(1))
    new_events(customer)

    customer.record_preferences("Seal", None, None, None, at(2))

    [event] = new_events(customer)
    assert isinstance(event, Customer.PreferencesRecorded)
    assert (event.model, event.colour, event.trim, event.budget) == ("Seal", None, None, None)
    assert (customer.preferred_model, customer.preferred_colour, customer.budget) == (
        "Seal",
        None,
        None,
    )


def test_a_budget_is_money_in_fen() -> None:
    customer = registered()

    customer.record_preferences(None, None, None, "199999.999", at(1))

    [event] = new_events(customer)
    assert event.budget == Decimal("200000.00")


def test_a_zero_budget_is_refused() -> None:
    customer = registered()

    with pytest.raises(InvalidValueError):
        customer.record_preferences(None, None, None, 0, at(1))

    assert new_events(customer) == []


def test_reassigning_records_the_new_owner() -> None:
    customer = registered()
    owner = uuid4()

    customer.reassign(owner, at(1))

    [event] = new_events(customer)
    assert isinstance(event, Customer.Reassigned)
    assert event.owner_id == owner == customer.owner_id


def test_reassigning_to_the_same_owner_is_refused() -> None:
    customer = registered()
    assert customer.owner_id is not None

    with pytest.raises(CustomerOwnerUnchangedError):
        customer.reassign(customer.owner_id, at(1))


def test_consent_is_recorded_per_channel_and_can_be_withdrawn() -> None:
    customer = registered()
    customer.record_consent("wechat", True, at(1))

    customer.record_consent("wechat", False, at(2))

    events = new_events(customer)
    assert [(e.channel, e.granted) for e in events] == [("wechat", True), ("wechat", False)]
    assert not customer.may_contact(ConsentChannel.WECHAT)


def test_silence_is_no_consent() -> None:
    customer = registered()

    assert not customer.may_contact(ConsentChannel.SMS)


def test_consent_on_an_unknown_channel_is_refused() -> None:
    customer = registered()

    with pytest.raises(InvalidValueError):
        customer.record_consent("fax", True, at(1))


# --- registration and de-duplication -----------------------------------------------------------


def test_a_salesperson_owns_the_customers_they_register(g: Group) -> None:
    customer_id = g.crm.register_customer(g.seller, g.store_id, "Li Wei", phone(1)).id

    customer = g.crm.get_customer(g.seller, customer_id)

    assert customer.owner_id == g.seller.staff_id


def test_a_salesperson_cannot_register_a_customer_for_someone_else(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        g.crm.register_customer(
            g.seller, g.store_id, "Li Wei", phone(1), owner_id=g.colleague.staff_id
        )


def test_a_manager_may_register_a_customer_for_a_salesperson_of_the_store(g: Group) -> None:
    written = g.crm.register_customer(
        g.manager, g.store_id, "Li Wei", phone(1), owner_id=g.colleague.staff_id
    )

    assert g.crm.get_customer(g.colleague, written.id).owner_id == g.colleague.staff_id


def test_a_customer_cannot_be_owned_by_staff_of_another_store(g: Group) -> None:
    with pytest.raises(InvalidValueError):
        g.crm.register_customer(
            g.manager, g.store_id, "Li Wei", phone(1), owner_id=g.other_seller.staff_id
        )


def test_registering_a_known_phone_again_is_a_conflict_naming_the_customer(g: Group) -> None:
    first = g.crm.register_customer(g.seller, g.store_id, "Li Wei", phone(1)).id

    with pytest.raises(CustomerAlreadyExistsError) as raised:
        g.crm.register_customer(g.manager, g.store_id, "Li W.", "+86 " + phone(1))

    assert raised.value.existing_id == first
    assert raised.value.extra["existing_id"] == str(first)


def test_a_known_phone_out_of_scope_is_a_neutral_conflict_that_hides_the_customer(
    g: Group,
) -> None:
    g.crm.register_customer(g.seller, g.store_id, "Li Wei", phone(1))

    with pytest.raises(CustomerAlreadyServedError) as raised:
        g.crm.register_customer(g.other_seller, g.other_store_id, "Li Wei", phone(1))

    assert isinstance(raised.value, ConflictError)
    assert raised.value.extra == {}
    assert "Li Wei" not in raised.value.detail


def test_a_new_customer_is_saved_with_a_claim_on_its_phone(g: Group) -> None:
    first = g.crm.register_customer(g.seller, g.store_id, "Li Wei", phone(1)).id

    claim = g.app.load(PhoneClaim, phone_claim_id(g.crm.phone_hash(phone(1))), "phone claim")

    assert claim.customer_id == first


def test_a_registration_that_loses_the_race_for_the_phone_saves_nothing(g: Group) -> None:
    _, racing = g.crm.find_or_new(g.seller, g.store_id, "Li Wei", phone(1))
    _, losing = g.crm.find_or_new(g.seller, g.store_id, "Li W.", phone(1))
    assert racing is not None and losing is not None
    g.crm.save_new(racing)
    before = g.app.position()

    with pytest.raises(CustomerPhoneTakenError) as raised:
        g.crm.save_new(losing)

    assert raised.value.customer_id == racing.customer.id
    assert g.app.position() == before


def test_the_claim_id_derives_from_the_keyed_hash_not_the_number(g: Group) -> None:
    other = Crm(g.app, g.phones, b"another-key")

    assert phone_claim_id(g.crm.phone_hash(phone(1))) != phone_claim_id(other.phone_hash(phone(1)))


def test_customer_ids_are_not_derived_from_the_phone() -> None:
    one, two = group(), group()

    first = one.crm.register_customer(ADMIN, one.store_id, "Li Wei", phone(1)).id
    second = two.crm.register_customer(ADMIN, two.store_id, "Li Wei", phone(1)).id

    assert first != second


def test_the_phone_hash_is_keyed(g: Group) -> None:
    other = Crm(g.app, g.phones, b"another-key")

    assert g.crm.phone_hash(phone(1)) != other.phone_hash(phone(1))
    assert g.crm.phone_hash(phone(1)) == g.crm.phone_hash("+86" + phone(1))


def test_registering_in_another_store_is_forbidden_to_store_staff(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        g.crm.register_customer(g.seller, g.other_store_id, "Li Wei", phone(1))


def test_registering_in_a_closed_store_is_refused(g: Group) -> None:
    store = g.app.load(Store, g.store_id, "store")
    store.close(occurred_at=MONDAY)
    g.app.save(store)

    with pytest.raises(CustomerStoreClosedError):
        g.crm.register_customer(g.manager, g.store_id, "Li Wei", phone(1))


def test_registering_in_an_unknown_store_is_not_found(g: Group) -> None:
    with pytest.raises(NotFoundError):
        g.crm.register_customer(ADMIN, uuid4(), "Li Wei", phone(1))


def test_finance_may_not_register_customers(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        g.crm.register_customer(FINANCE, g.store_id, "Li Wei", phone(1))


def test_naive_business_time_is_refused(g: Group) -> None:
    with pytest.raises(InvalidValueError):
        g.crm.register_customer(
            g.seller, g.store_id, "Li Wei", phone(1), occurred_at=datetime(2025, 3, 3, 9, 30)
        )


def test_the_acting_user_is_stamped_on_the_event(g: Group) -> None:
    customer_id = g.crm.register_customer(g.seller, g.store_id, "Li Wei", phone(1)).id

    [event] = g.app.repository.event_store.get(customer_id)

    assert isinstance(event, Customer.Registered)
    assert event.actor == g.seller.user_id


# --- reading and changing: access ----------------------------------------------------------------


def test_a_salesperson_cannot_read_another_salespersons_customer(g: Group) -> None:
    customer_id = g.customer(g.seller)

    with pytest.raises(NotFoundError):
        g.crm.get_customer(g.colleague, customer_id)


def test_a_manager_cannot_read_a_customer_of_another_store(g: Group) -> None:
    customer_id = g.customer(g.seller)

    with pytest.raises(NotFoundError):
        g.crm.get_customer(g.other_manager, customer_id)


def test_a_salesperson_cannot_change_another_salespersons_customer(g: Group) -> None:
    customer_id = g.customer(g.seller)

    with pytest.raises(NotFoundError):
        g.crm.record_consent(g.colleague, customer_id, "sms", True)


def test_finance_reads_customers_but_cannot_change_them(g: Group) -> None:
    customer_id = g.customer(g.seller)
    assert g.crm.get_customer(FINANCE, customer_id).id == customer_id

    with pytest.raises(PermissionDeniedError):
        g.crm.record_preferences(FINANCE, customer_id, model="Han")


def test_an_unknown_customer_is_not_found(g: Group) -> None:
    with pytest.raises(NotFoundError):
        g.crm.get_customer(ADMIN, uuid4())


def test_a_salesperson_records_preferences_of_their_customer(g: Group) -> None:
    customer_id = g.customer(g.seller)

    written = g.crm.record_preferences(g.seller, customer_id, "Han", "Red", None, "230000")

    customer = g.crm.get_customer(g.seller, customer_id)
    assert written.version == customer.version == 2
    assert (customer.preferred_model, customer.budget) == ("Han", Decimal("230000.00"))


def test_a_manager_hands_a_customer_to_another_salesperson(g: Group) -> None:
    customer_id = g.customer(g.seller)
    assert g.colleague.staff_id is not None

    g.crm.reassign_customer(g.manager, customer_id, g.colleague.staff_id)

    assert g.crm.get_customer(g.colleague, customer_id).owner_id == g.colleague.staff_id
    with pytest.raises(NotFoundError):
        g.crm.get_customer(g.seller, customer_id)


def test_salespeople_cannot_reassign_their_customers(g: Group) -> None:
    customer_id = g.customer(g.seller)
    assert g.colleague.staff_id is not None

    with pytest.raises(PermissionDeniedError):
        g.crm.reassign_customer(g.seller, customer_id, g.colleague.staff_id)


def test_a_customer_cannot_go_to_someone_who_left(g: Group) -> None:
    customer_id = g.customer(g.seller)
    assert g.colleague.staff_id is not None
    g.organisation.staff_leaves(ADMIN, g.colleague.staff_id, "moved away")

    with pytest.raises(StaffInactiveError):
        g.crm.reassign_customer(g.manager, customer_id, g.colleague.staff_id)


def test_a_stale_expected_version_is_a_conflict(g: Group) -> None:
    customer_id = g.customer(g.seller)
    g.crm.record_consent(g.seller, customer_id, "sms", True)

    with pytest.raises(StaleVersionError):
        g.crm.record_consent(g.seller, customer_id, "sms", False, expected_version=1)


def test_an_outsider_with_a_version_is_told_not_found_rather_than_stale(g: Group) -> None:
    customer_id = g.customer(g.seller)

    with pytest.raises(NotFoundError):
        g.crm.record_consent(g.colleague, customer_id, "sms", True, expected_version=99)


# --- replay ------------------------------------------------------------------------------------

zones = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))])
moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2026, 1, 1), timezones=zones
)
maybe_words = st.none() | st.sampled_from(["Han", "Seal", " Tang ", "", "Song Plus"])
customer_commands = st.lists(
    st.one_of(
        st.tuples(
            st.just("preferences"),
            maybe_words,
            maybe_words,
            maybe_words,
            st.none() | st.decimals(min_value=0, max_value=999999, places=2),
        ),
        st.tuples(st.just("reassign"), st.sampled_from(range(3))),
        st.tuples(st.just("consent"), st.sampled_from(list(ConsentChannel)), st.booleans()),
    ),
    max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(commands=customer_commands, moment=moments)
def test_a_replayed_customer_equals_the_live_one(
    commands: list[tuple[Any, ...]], moment: datetime
) -> None:
    app = new_app()
    owners = [uuid4() for _ in range(3)]
    customer = Customer.register(uuid4(), owners[0], "Li Wei", phone(7), HASH, "phone", moment)
    for command in commands:
        try:
            match command:
                case ("preferences", model, colour, trim, budget):
                    customer.record_preferences(model, colour, trim, budget, moment)
                case ("reassign", index):
                    customer.reassign(owners[index], moment)
                case ("consent", channel, granted):
                    customer.record_consent(channel, granted, moment)
        except DomainError:
            pass  # a refused command records nothing
    app.save(customer)

    replayed: Customer = app.repository.get(customer.id)

    assert state(replayed) == state(customer)
