"""A customer's personal fields sealed with that customer's own key (crypto-shredding).

Every customer has a random 256-bit data key, kept wrapped (AES-GCM) under the keyring's
current `customers` key in the key store (`workers/customer_keys.py`). A personal field (see
`domain/shared/personal.py`) is stored in the events as

    pii:1:<customer id>:<base64 of nonce + AES-GCM(data key, JSON [field, value])>

with the customer id as associated data (a value moved to another customer does not open).
The event store's mapper (`SealingMapper`) seals on the way in and leaves the value sealed on
the way out, so projections copy it into the views unchanged and nothing in clear reaches a
view; the API reveals it at the moment of answering (`api/personal.py`). Destroying a
customer's data key (erasure) makes every sealed value of theirs unreadable for good, in the
log, the views and every backup, while the events, their ids, counts and sums stay.

This module is pure: it takes keys as bytes and knows no table.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent

from domain.shared.personal import SEALED_PREFIX as PREFIX
from domain.shared.personal import personal_fields, personal_subject, subject_is_staff

DATA_KEY_BYTES = 32
_NONCE = 12
_TAG = 16


class SealError(Exception):
    """A personal field could not be sealed (no key store, or no customer named)."""


@dataclass(frozen=True)
class Sealed:
    """A sealed value taken apart: whose it is and the encrypted bytes."""

    customer_id: UUID
    payload: bytes


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def parse(value: str) -> Sealed | None:
    """The parts of a sealed value, or None when `value` is not one (a clear, older value)."""
    if not value.startswith(PREFIX):
        return None
    try:
        customer, encoded = value[len(PREFIX) :].split(":", 1)
        return Sealed(UUID(customer), base64.b64decode(encoded, validate=True))
    except (ValueError, binascii.Error):
        return None


def seal(key: bytes, customer_id: UUID, field: str, value: str) -> str:
    """`value` of `field` encrypted with the customer's data key."""
    nonce = secrets.token_bytes(_NONCE)
    plain = json.dumps([field, value], ensure_ascii=False).encode()
    data = AESGCM(key).encrypt(nonce, plain, customer_id.bytes)  # ciphertext + 16-byte tag
    return f"{PREFIX}{customer_id}:{base64.b64encode(nonce + data).decode()}"


def unseal(key: bytes, sealed: Sealed) -> tuple[str, str]:
    """(field, value) of a sealed value; ValueError when the key does not open it."""
    payload = sealed.payload
    if len(payload) < _NONCE + _TAG:
        raise ValueError("a sealed value too short")
    try:
        plain = AESGCM(key).decrypt(payload[:_NONCE], payload[_NONCE:], sealed.customer_id.bytes)
    except InvalidTag:
        raise ValueError("the key does not open this value") from None
    field, value = json.loads(plain)
    return str(field), str(value)


def new_data_key() -> bytes:
    return secrets.token_bytes(DATA_KEY_BYTES)


def wrap(wrapping_key: bytes, customer_id: UUID, data_key: bytes) -> str:
    """A customer's data key encrypted under a `customers` key of the keyring (base64)."""
    nonce = secrets.token_bytes(_NONCE)
    data = AESGCM(_aes_key(wrapping_key)).encrypt(nonce, data_key, _wrap_ad(customer_id))
    return base64.b64encode(nonce + data).decode()


def unwrap(wrapping_key: bytes, customer_id: UUID, wrapped: str) -> bytes:
    """The data key back; ValueError when the wrapping key (or the customer) is not the one."""
    payload = base64.b64decode(wrapped)
    try:
        return AESGCM(_aes_key(wrapping_key)).decrypt(
            payload[:_NONCE], payload[_NONCE:], _wrap_ad(customer_id)
        )
    except InvalidTag:
        raise ValueError("the wrapping key does not open this key") from None


def _wrap_ad(customer_id: UUID) -> bytes:
    return b"customer-key:" + customer_id.bytes


def _aes_key(secret: bytes) -> bytes:
    # The keyring's secrets are at least 16 bytes; AES takes 16, 24 or 32.
    return secret[:32] if len(secret) >= 32 else secret[:24] if len(secret) >= 24 else secret[:16]


class DataKeys(Protocol):
    """What the mapper needs of the key store: the key to seal a customer's new values with."""

    def key_for_write(self, customer_id: UUID, *, staff: bool = False) -> bytes: ...


class SealingMapper(Mapper[UUID]):
    """The event store's mapper, sealing the personal fields an event class declares.

    Built by the application's factory (`MAPPER_TOPIC=audit.personal:SealingMapper`, any
    cipher of event bodies still applying around it); the composition root gives it its key
    store (`keys`). Reading leaves sealed values sealed, and an event stored before sealing
    (clear values) reads as it was stored.
    """

    keys: DataKeys | None = None

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        names = personal_fields(type(domain_event))
        if not names:
            return super().to_stored_event(domain_event)
        state: dict[str, Any] = dict(vars(domain_event))
        customer_id = personal_subject(domain_event)
        todo = [n for n in names if isinstance(state.get(n), str) and not is_sealed(state[n])]
        if todo:
            if self.keys is None:
                raise SealError(f"{type(domain_event).__qualname__}: no customer key store")
            if customer_id is None:
                raise SealError(f"{type(domain_event).__qualname__}: no customer named")
            key = self.keys.key_for_write(customer_id, staff=subject_is_staff(type(domain_event)))
            for name in todo:
                state[name] = seal(key, customer_id, name, state[name])
        # A copy carries the sealed values: the event the aggregate applied stays as it was.
        sealed_event = object.__new__(type(domain_event))
        object.__setattr__(sealed_event, "__dict__", state)
        return super().to_stored_event(sealed_event)
