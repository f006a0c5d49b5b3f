"""Sealing a customer's personal fields with their own key (audit/personal.py), no database."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper

from audit import personal
from audit.personal import SealError, SealingMapper
from domain.app import Showroom
from domain.crm.model import Customer
from domain.shared.actor import SYSTEM, acting_as

WHEN = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
HASH = "ab" * 32


class FakeKeys:
    """The key store's write side, in memory."""

    def __init__(self) -> None:
        self.keys: dict[UUID, bytes] = {}

    def key_for_write(self, customer_id: UUID, *, staff: bool = False) -> bytes:
        return self.keys.setdefault(customer_id, personal.new_data_key())


def transcoder() -> JSONTranscoder:
    coder = JSONTranscoder()
    Showroom.register_transcodings(Showroom.__new__(Showroom), coder)
    return coder


def registered() -> Customer:
    with acting_as(SYSTEM):
        return Customer.register(uuid4(), None, "Wang Fang", "13900139000", HASH, "walk_in", WHEN)


def test_a_sealed_value_opens_with_its_customers_key_and_says_which_field_it_was() -> None:
    key, customer = personal.new_data_key(), uuid4()

    sealed = personal.seal(key, customer, "name", "王芳")

    parts = personal.parse(sealed)
    assert sealed.startswith(f"pii:1:{customer}:") and "王芳" not in sealed
    assert parts is not None and personal.unseal(key, parts) == ("name", "王芳")


def test_a_sealed_value_does_not_open_with_another_key_or_moved_to_another_customer() -> None:
    key = personal.new_data_key()
    parts = personal.parse(personal.seal(key, uuid4(), "phone", "+8613900139000"))
    assert parts is not None

    with pytest.raises(ValueError):
        personal.unseal(personal.new_data_key(), parts)
    with pytest.raises(ValueError):
        personal.unseal(key, personal.Sealed(uuid4(), parts.payload))


def test_a_wrapped_data_key_unwraps_only_with_its_wrapping_key_and_customer() -> None:
    wrapping, data_key, customer = secrets.token_bytes(32), personal.new_data_key(), uuid4()

    wrapped = personal.wrap(wrapping, customer, data_key)

    assert personal.unwrap(wrapping, customer, wrapped) == data_key
    with pytest.raises(ValueError):
        personal.unwrap(wrapping, uuid4(), wrapped)


def test_the_mapper_stores_the_declared_fields_sealed_and_reads_them_back_sealed() -> None:
    mapper = SealingMapper(transcoder())
    mapper.keys = keys = FakeKeys()
    customer = registered()
    [event] = customer.collect_events()

    stored = mapper.to_stored_event(event)
    read = mapper.to_domain_event(stored)

    assert b"Wang Fang" not in stored.state and b"13900139000" not in stored.state
    assert isinstance(read, Customer.Registered)
    assert personal.is_sealed(read.name) and personal.is_sealed(read.phone)
    assert read.phone_hash == HASH and read.store_id == event.store_id
    parts = personal.parse(read.name)
    assert parts is not None
    assert personal.unseal(keys.keys[customer.id], parts) == ("name", "Wang Fang")
    assert event.name == "Wang Fang"  # the event the aggregate applied is left as it was


def test_an_event_stored_in_clear_before_sealing_reads_as_it_was_stored() -> None:
    [event] = registered().collect_events()
    stored = Mapper(transcoder()).to_stored_event(event)

    read = SealingMapper(transcoder()).to_domain_event(stored)

    assert isinstance(read, Customer.Registered)
    assert (read.name, read.phone) == ("Wang Fang", "+8613900139000")


def test_without_a_key_store_the_mapper_refuses_to_store_a_personal_field_in_clear() -> None:
    [event] = registered().collect_events()

    with pytest.raises(SealError):
        SealingMapper(transcoder()).to_stored_event(event)
