"""The log's keyed hash chain and its signed checkpoints (docs/audit-chain.md).

Each stored event is folded, in log order, into a running HMAC-SHA256 keyed with the keyring's
`chain` key:

    head_0 = 64 zeros
    head_n = HMAC(chain key, head_{n-1} || field(position) || field(originator id)
                  || field(version) || field(topic) || field(body))

`field(x)` is x's 8-byte big-endian length followed by its bytes (numbers as decimal ASCII).
The body is the event's plaintext (decrypted and decompressed), which holds its record time
(`timestamp`), business time and actor: re-encrypting the log under a new events key rewrites
the stored bytes but not the chain. Whoever can write the database but lacks the chain key can
neither extend nor recompute it.

A checkpoint is (position, head, time, key id, reason), signed with an Ed25519 key derived from
that chain key: an auditor holding the public key checks a checkpoint without the chain key, and
nobody who writes the database can make one. Since the access log is anchored too, a checkpoint
also carries the access log's head (its last sequence and chain value; format v2); one written
before that carries none and its signed message is the v1 message, unchanged.

A body stored in clear (no events-key header) after the first encrypted body of the log is a
break at its position (`stored_in_clear`): encryption by default began there, so only a writer
without the events key stores a body in clear after it.

`chain_link` is the one folding step; the access log chains its entries with it too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from audit.cipher import key_id_of

GENESIS = "0" * 64
# What the signing key's seed is derived for: never the chain key itself (that one stays secret).
_SIGNING_CONTEXT = b"showroom checkpoint signing key v1"
CHECKPOINT_FORMAT = "showroom-checkpoint-v1"
# A checkpoint that carries the access log's head too (audit/access_chain.py).
CHECKPOINT_FORMAT_ACCESS = "showroom-checkpoint-v2"

Field = bytes | str | int | UUID


class BodyUnreadableError(Exception):
    """A stored body that does not decrypt or decompress (changed bytes, or forged without the
    events key)."""


class _Mapper(Protocol):
    cipher: Any
    compressor: Any


def _bytes(value: Field) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def chain_link(key: bytes, previous_head: str, *fields: Field) -> str:
    """The head after one more entry: HMAC-SHA256(key, previous head, each field with its length).

    Fields are framed by their lengths, so no two different lists of fields give the same input."""
    parts = [bytes.fromhex(previous_head)]
    for value in fields:
        data = value if type(value) is bytes else _bytes(value)
        parts += (len(data).to_bytes(8, "big"), data)
    # One call of the one-shot C HMAC: a verification runs this once per event.
    return hmac.digest(key, b"".join(parts), "sha256").hex()


def event_body(mapper: _Mapper, state: bytes) -> bytes:
    """A stored event's plaintext body (what the chain covers), whatever protects it at rest."""
    try:
        body = bytes(state)
        if mapper.cipher is not None:
            body = mapper.cipher.decrypt(body)
        if mapper.compressor is not None:
            body = mapper.compressor.decompress(body)
    except Exception as error:  # any cipher's or compressor's failure is the same finding
        raise BodyUnreadableError(f"{type(error).__name__}: {error}") from None
    return body


def encrypted(state: bytes) -> bool:
    """Whether a stored body is under an events key (starts with the cipher's header)."""
    return key_id_of(bytes(state)) is not None


def stored_in_clear(state: bytes, body: bytes) -> bool:
    """Whether a stored body is its plaintext as is: written without any cipher."""
    return not encrypted(state) and bytes(state) == body


CLEAR_AFTER_ENCRYPTION = "stored in clear after encryption began (written without the events key)"


def event_link(
    key: bytes,
    previous_head: str,
    position: int,
    originator_id: UUID | str,
    version: int,
    topic: str,
    body: bytes,
) -> str:
    """The chain's head after one stored event, given its plaintext body."""
    return chain_link(key, previous_head, position, originator_id, version, topic, body)


def unreadable_link(
    key: bytes,
    previous_head: str,
    position: int,
    originator_id: UUID | str,
    version: int,
    topic: str,
    state: bytes,
) -> str:
    """The head folded over an event whose body cannot be read: over its stored bytes, marked,
    so that it never equals the link of any readable event."""
    return chain_link(key, previous_head, position, originator_id, version, topic, b"", state)


# --- checkpoints -------------------------------------------------------------------------------


def signing_key(chain_secret: bytes) -> Ed25519PrivateKey:
    """The checkpoints' signing key, derived from a chain key (so it rotates with it)."""
    seed = hmac.new(chain_secret, _SIGNING_CONTEXT, hashlib.sha256).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_hex(chain_secret: bytes) -> str:
    """The public half of the signing key of this chain key, as hex (32 bytes raw)."""
    public = signing_key(chain_secret).public_key()
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at a log position, when it was taken, under which key, and why."""

    position: int
    head: str
    recorded_at: str  # ISO 8601, UTC
    key_id: str
    reason: str
    signature: str = ""  # Ed25519 over `message()`, hex
    # The access log's head when it was signed (None: a checkpoint from before it was carried).
    access_sequence: int | None = None
    access_head: str | None = None

    def message(self) -> bytes:
        """The bytes signed: a fixed JSON of every field but the signature (a checkpoint without
        the access log's head: the v1 message, so old signatures still hold)."""
        fields: dict[str, Any] = {
            "format": CHECKPOINT_FORMAT,
            "position": self.position,
            "head": self.head,
            "recorded_at": self.recorded_at,
            "key_id": self.key_id,
            "reason": self.reason,
        }
        if self.access_sequence is not None:
            fields["format"] = CHECKPOINT_FORMAT_ACCESS
            fields["access_sequence"] = self.access_sequence
            fields["access_head"] = self.access_head
        return json.dumps(
            fields,
            sort_keys=True,
            separators=(",", ":"),
        ).encode()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Checkpoint:
        return cls(
            position=int(row["position"]),
            head=str(row["head"]),
            recorded_at=str(row["recorded_at"]),
            key_id=str(row["key_id"]),
            reason=str(row["reason"]),
            signature=str(row["signature"]),
            access_sequence=(
                None if row.get("access_sequence") is None else int(row["access_sequence"])
            ),
            access_head=None if row.get("access_head") is None else str(row["access_head"]),
        )


def sign_checkpoint(
    chain_secret: bytes,
    *,
    position: int,
    head: str,
    recorded_at: str,
    key_id: str,
    reason: str,
    access: tuple[int, str] | None = None,
) -> Checkpoint:
    """A checkpoint signed with the signing key derived from `chain_secret`; `access`: the
    access log's head (sequence, chain value) it carries."""
    sequence, access_head = access if access is not None else (None, None)
    unsigned = Checkpoint(position, head, recorded_at, key_id, reason, "", sequence, access_head)
    signature = signing_key(chain_secret).sign(unsigned.message()).hex()
    return replace(unsigned, signature=signature)


def signature_ok(checkpoint: Checkpoint, public_key: str) -> bool:
    """Whether the checkpoint was signed by the holder of this public key (hex)."""
    try:
        verifier = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
        verifier.verify(bytes.fromhex(checkpoint.signature), checkpoint.message())
    except (InvalidSignature, ValueError):
        return False
    return True
