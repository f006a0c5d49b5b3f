"""The keys that protect the data, kept apart from the data they protect.

Whoever copies the data folder (or a database dump) must not be able to read the events, reverse
a phone hash or extend the log's chain: so no key lives in the data folder. The keyring comes,
in this order, from

1. `SHOWROOM_KEYRING`: the keyring's JSON itself (a secret store or a KMS agent puts it there);
2. `SHOWROOM_KEYRING_FILE`: a path to that JSON (a mounted secret);
3. `keyring.json` in the key folder (`SHOWROOM_KEY_DIR`, by default beside the data folder:
   `var/` keeps its keys in `var.keys/`, 0700, the file 0600). The embedded default creates it
   on first start, as it creates its data; with PostgreSQL it must exist already
   (`showroom keys init`), and the server refuses to start without one.

A keyring holds, per purpose, a list of keys, newest first. The first is the one new data is
protected with; the older ones stay to read what they protected (rotation without downtime).

    {"version": 1, "keys": {"events": [{"id": "events-2", "secret": "<base64>"}, ...], ...}}

Purposes: `events` (the event bodies' cipher), `customers` (wraps each customer's own key),
`chain` (the HMAC of the log's hash chain and its checkpoints), `phone` (the keyed hash that
de-duplicates phone numbers: it cannot rotate without re-hashing, so it has one key), `access`
(the access log's chain).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PURPOSES = ("events", "customers", "chain", "phone", "access")
KEY_BYTES = 32
FILE_NAME = "keyring.json"
ENV_KEYRING = "SHOWROOM_KEYRING"
ENV_KEYRING_FILE = "SHOWROOM_KEYRING_FILE"
ENV_KEY_DIR = "SHOWROOM_KEY_DIR"


class KeyringError(Exception):
    """No usable keyring: missing, unreadable, or lacking a purpose's key."""


@dataclass(frozen=True)
class Key:
    """One key: its id (stored beside what it protected, to find it again) and its secret."""

    id: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class Keyring:
    """Keys per purpose, newest first."""

    keys: Mapping[str, tuple[Key, ...]] = field(repr=False)

    def __post_init__(self) -> None:
        missing = [purpose for purpose in PURPOSES if not self.keys.get(purpose)]
        if missing:
            raise KeyringError(f"the keyring has no key for {', '.join(missing)}")

    def current(self, purpose: str) -> Key:
        """The key new data of this purpose is protected with."""
        return self.keys[purpose][0]

    def find(self, purpose: str, key_id: str) -> Key | None:
        """The key of this purpose with this id, or None (a key retired and removed)."""
        return next((key for key in self.keys[purpose] if key.id == key_id), None)

    def all(self, purpose: str) -> tuple[Key, ...]:
        return self.keys[purpose]

    def rotated(self, purpose: str) -> Keyring:
        """This keyring with a new current key for `purpose` (the old ones kept after it)."""
        if purpose == "phone":
            raise KeyringError("the phone key cannot rotate: every stored phone hash uses it")
        existing = self.keys[purpose]
        number = 1 + max((_number(key.id) for key in existing), default=0)
        fresh = Key(id=f"{purpose}-{number}", secret=secrets.token_bytes(KEY_BYTES))
        return Keyring({**self.keys, purpose: (fresh, *existing)})

    def to_json(self) -> str:
        keys = {
            purpose: [{"id": key.id, "secret": _b64(key.secret)} for key in keys]
            for purpose, keys in self.keys.items()
        }
        return json.dumps({"version": 1, "keys": keys}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        try:
            document = json.loads(text)
            keys = {
                purpose: tuple(
                    Key(id=str(item["id"]), secret=base64.b64decode(item["secret"], validate=True))
                    for item in items
                )
                for purpose, items in document["keys"].items()
            }
        except (ValueError, KeyError, TypeError) as error:
            raise KeyringError(f"the keyring is not readable: {error}") from None
        for purpose, items in keys.items():
            if any(len(key.secret) < 16 for key in items):
                raise KeyringError(f"a {purpose} key is shorter than 16 bytes")
        return cls(keys)

    @classmethod
    def generate(cls, *, phone_seed: str | None = None) -> Keyring:
        """A new keyring. `phone_seed`: the secret the phone hash was keyed by before keyrings
        (an existing installation keeps de-duplicating against the hashes it stored)."""
        keys = {
            purpose: (Key(id=f"{purpose}-1", secret=secrets.token_bytes(KEY_BYTES)),)
            for purpose in PURPOSES
        }
        if phone_seed:
            keys["phone"] = (Key(id="phone-1", secret=legacy_phone_key(phone_seed)),)
        return cls(keys)


def legacy_phone_key(secret_key: str) -> bytes:
    """How the phone hash was keyed before keyrings: derived from the token secret."""
    return hmac.new(secret_key.encode(), b"phone-index", hashlib.sha256).digest()


def default_key_dir(data_dir: Path) -> Path:
    """Beside the data folder, never in it: `var/` keeps its keys in `var.keys/`."""
    return data_dir.parent / f"{data_dir.name}.keys"


def load_keyring(
    key_dir: Path,
    environ: Mapping[str, str] | None = None,
    *,
    create: bool,
    phone_seed: str | None = None,
) -> Keyring:
    """The keyring from the environment, a named file or the key folder (see the module doc).

    `create`: make one in the key folder when there is none (the embedded default); otherwise
    its absence is a KeyringError that says how to make one."""
    env = environ or {}
    if env.get(ENV_KEYRING):
        return Keyring.from_json(env[ENV_KEYRING])
    if env.get(ENV_KEYRING_FILE):
        path = Path(env[ENV_KEYRING_FILE])
        try:
            return Keyring.from_json(path.read_text())
        except OSError as error:
            raise KeyringError(f"cannot read {path}: {error.strerror}") from None
    path = key_dir / FILE_NAME
    if path.exists():
        return Keyring.from_json(path.read_text())
    if not create:
        raise KeyringError(
            f"no keyring: set {ENV_KEYRING} or {ENV_KEYRING_FILE}, or create {path}"
            " with `showroom keys init`"
        )
    keyring = Keyring.generate(phone_seed=phone_seed)
    save_keyring(path, keyring)
    return keyring


def save_keyring(path: Path, keyring: Keyring) -> None:
    """Write the keyring 0600 in a 0700 folder, atomically (a crash leaves the old one)."""
    # Not projections.private (a sibling layer): the same rule, 0700 folder and 0600 file.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(keyring.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(scratch, path)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _number(key_id: str) -> int:
    tail = key_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0
