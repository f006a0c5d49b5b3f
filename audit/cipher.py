"""The event bodies' cipher: AES-256-GCM under the keyring's `events` keys, always on.

eventsourcing builds it from `CIPHER_TOPIC` with the application's environment, into which
`Settings.event_store_env` puts the keys (never read from the data). Each body it writes is

    MAGIC (4) | FORMAT (1) | len(key id) (1) | key id (ASCII) | nonce (12) | ciphertext | tag (16)

with the header (MAGIC .. key id) as the associated data, so a body cannot be moved under
another key id unseen. It reads a body with whichever key its header names, so keys rotate
without downtime: new bodies go under the current key, older ones stay readable until
`showroom keys reencrypt` moves them and `showroom keys retire` removes the old key.

Bodies without the header were stored before encryption was the default: bodies of the legacy
`SHOWROOM_CIPHER_KEY` (eventsourcing's AESCipher: nonce | tag | ciphertext), read with that key
when it is still set, or JSON in clear. A body in clear is read only while the migration
setting allows it (`SHOWROOM_READ_CLEAR_EVENTS`, `ENV_ALLOW_CLEAR`): otherwise it is refused
(`EventBodyInClearError`), because anyone who can write the database can write one, without
any key (a forged admin would log in). `showroom keys reencrypt` allows them for itself.

Why `cryptography` (OpenSSL) and not pycryptodome (eventsourcing's own AESCipher): its AESGCM
keeps a key context per key, ~1-2 us a body, where pycryptodome's `AES.new` per body costs
~60-90 us; a rebuild decrypts every body of the log (docs/benchmarks.md, "Encryption").
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eventsourcing.persistence import Cipher

from audit.keyring import Key, Keyring, KeyringError

if TYPE_CHECKING:
    from eventsourcing.utils import Environment

log = logging.getLogger(__name__)

TOPIC = "audit.cipher:EventCipher"
# Environment names (the application's environment, not the process's): the `events` keys,
# newest first, as JSON; the keyring file to follow for rotations made while running; the
# legacy AESCipher key. Prefixed so that no SHOWROOM_* variable of the process shadows them
# (eventsourcing looks up `<APP NAME>_<NAME>` before `<NAME>`).
ENV_KEYS = "EVENT_CIPHER_KEYS"
ENV_KEYRING_FILE = "EVENT_CIPHER_KEYRING_FILE"
ENV_LEGACY_KEY = "EVENT_CIPHER_LEGACY_KEY"
# "y": bodies stored in clear are read (a store of before encryption was the default, while it
# is being re-encrypted); otherwise they are refused.
ENV_ALLOW_CLEAR = "EVENT_CIPHER_ALLOW_CLEAR"

# No JSON body starts with NUL, so the marker never mistakes a body stored in clear.
MAGIC = b"\x00SRE"
FORMAT = 1
NONCE_BYTES = 12
TAG_BYTES = 16
# A running process looks at the keyring file this often, so a rotation reaches every
# process's writes within this many seconds, without a restart.
RELOAD_SECONDS = 2.0


class EventKeyMissingError(ValueError):
    """A stored body names a key the keyring no longer holds (retired, or another keyring)."""

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"event body encrypted with key {key_id!r}, which is not in the keyring"
            " (retired, or this is not the keyring the data was written with)"
        )
        self.key_id = key_id


class EventBodyUnreadableError(ValueError):
    """A body that is neither ours, nor the legacy cipher's under its key, nor JSON in clear."""


class EventBodyInClearError(EventBodyUnreadableError):
    """A body stored in clear, while bodies in clear are not allowed (module doc)."""

    def __init__(self) -> None:
        super().__init__(
            "event body stored in clear, refused: anyone who writes the database can write one."
            " A store of before encryption was the default: set SHOWROOM_READ_CLEAR_EVENTS=1"
            " and run `showroom keys reencrypt`, then unset it"
        )


def header(key_id: str) -> bytes:
    """The bytes every body under `key_id` starts with (also what a store scan compares)."""
    encoded = key_id.encode("ascii")
    if not 0 < len(encoded) < 256:
        raise KeyringError(f"an events key id must be 1-255 ASCII characters: {key_id!r}")
    return MAGIC + bytes((FORMAT, len(encoded))) + encoded


def key_id_of(body: bytes) -> str | None:
    """The key id a stored body names, or None for a body without the header."""
    if body[:4] != MAGIC or len(body) < 6 or body[4] != FORMAT:
        return None
    end = 6 + body[5]
    if len(body) < end + NONCE_BYTES + TAG_BYTES:
        return None
    try:
        return bytes(body[6:end]).decode("ascii")
    except UnicodeDecodeError:
        return None


def aes_key(key: Key) -> bytes:
    """The AES-256 key of a keyring key: HKDF-SHA256 of its secret (any length from 16 bytes),
    bound to this purpose and key id."""
    hkdf = HKDF(
        algorithm=SHA256(), length=32, salt=None, info=b"showroom/events/" + key.id.encode()
    )
    return hkdf.derive(key.secret)


def environment(
    keyring: Keyring,
    *,
    keyring_file: str | None,
    legacy_key: str | None,
    allow_clear: bool = False,
) -> dict[str, str]:
    """The application environment values that make eventsourcing use this cipher."""
    keys = [
        {"id": key.id, "secret": base64.b64encode(key.secret).decode()}
        for key in keyring.all("events")
    ]
    env = {"CIPHER_TOPIC": TOPIC, ENV_KEYS: json.dumps(keys)}
    if keyring_file:
        env[ENV_KEYRING_FILE] = keyring_file
    if legacy_key:
        env[ENV_LEGACY_KEY] = legacy_key
    if allow_clear:
        env[ENV_ALLOW_CLEAR] = "y"
    return env


@dataclass(frozen=True)
class _Keys:
    current_id: str
    current_header: bytes
    current: AESGCM
    by_id: dict[str, AESGCM]


def _keys(keys: tuple[Key, ...]) -> _Keys:
    if not keys:
        raise KeyringError("the keyring has no events key")
    by_id = {key.id: AESGCM(aes_key(key)) for key in keys}
    first = keys[0]
    return _Keys(first.id, header(first.id), by_id[first.id], by_id)


class EventCipher(Cipher):
    """AES-256-GCM of every event body under the keyring's current `events` key (module doc)."""

    def __init__(self, environment: Environment) -> None:
        listed = environment.get(ENV_KEYS)
        if not listed:
            raise OSError(f"{ENV_KEYS!r} not in the application's environment")
        try:
            keys = tuple(
                Key(id=str(item["id"]), secret=base64.b64decode(item["secret"], validate=True))
                for item in json.loads(listed)
            )
        except (ValueError, KeyError, TypeError) as error:
            raise KeyringError(f"the events keys are not readable: {error}") from None
        self._keys = _keys(keys)
        legacy = environment.get(ENV_LEGACY_KEY)
        self._legacy = AESGCM(base64.b64decode(legacy)) if legacy else None
        self._allow_clear = environment.get(ENV_ALLOW_CLEAR) == "y"
        self._file = environment.get(ENV_KEYRING_FILE) or None
        self._stamp = self._file_stamp()
        self._next_look = time.monotonic() + RELOAD_SECONDS
        self._lock = threading.Lock()

    @property
    def current_key_id(self) -> str:
        return self._keys.current_id

    def encrypt(self, plaintext: bytes) -> bytes:
        """A body under the current key (after a look at the keyring file every few seconds)."""
        if self._file is not None and time.monotonic() >= self._next_look:
            self._follow_file()
        keys = self._keys
        nonce = os.urandom(NONCE_BYTES)
        return (
            keys.current_header
            + nonce
            + keys.current.encrypt(nonce, plaintext, keys.current_header)
        )

    def decrypt(self, ciphertext: bytes) -> bytes:
        """The body as it was encrypted (or as stored, for a body stored in clear)."""
        body = ciphertext if isinstance(ciphertext, bytes) else bytes(ciphertext)
        keys = self._keys
        start = len(keys.current_header)
        if body[:start] == keys.current_header:  # nearly every body: the current key's
            return self._open(keys.current, body, start, keys.current_id)
        key_id = key_id_of(body)
        if key_id is None:
            return self._unheaded(body)
        context = keys.by_id.get(key_id)
        if context is None and self._file is not None:
            self._follow_file()  # rotated by another process since this one read the file
            context = self._keys.by_id.get(key_id)
        if context is None:
            raise EventKeyMissingError(key_id)
        return self._open(context, body, 6 + len(key_id), key_id)

    def _open(self, context: AESGCM, body: bytes, start: int, key_id: str) -> bytes:
        nonce = body[start : start + NONCE_BYTES]
        try:
            return context.decrypt(nonce, memoryview(body)[start + NONCE_BYTES :], body[:start])
        except InvalidTag:
            if self._legacy is not None:  # a legacy nonce that happened to start like a header
                return self._unheaded(body)
            raise EventBodyUnreadableError(
                f"event body under key {key_id!r} fails its authentication: damaged or altered"
            ) from None

    def _unheaded(self, body: bytes) -> bytes:
        if self._legacy is not None and len(body) >= NONCE_BYTES + TAG_BYTES:
            nonce, tag, data = body[:12], body[12:28], body[28:]
            try:
                return self._legacy.decrypt(nonce, data + tag, None)
            except InvalidTag:
                pass
        if body[:1] == b"{":
            if self._allow_clear:
                return body  # stored in clear before encryption was the default
            raise EventBodyInClearError
        raise EventBodyUnreadableError(
            "event body without the events-key header and not JSON: stored under the legacy"
            " SHOWROOM_CIPHER_KEY? Set it (to the key it was written with) to read it"
        )

    def _file_stamp(self) -> tuple[int, int] | None:
        if self._file is None:
            return None
        try:
            stat = os.stat(self._file)
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def _follow_file(self) -> None:
        """Take the keyring file's events keys when it changed since it was last read."""
        with self._lock:
            self._next_look = time.monotonic() + RELOAD_SECONDS
            stamp = self._file_stamp()
            if stamp is None or stamp == self._stamp or self._file is None:
                return
            try:
                with open(self._file) as handle:
                    keyring = Keyring.from_json(handle.read())
                keys = _keys(keyring.all("events"))
            except (OSError, KeyringError) as error:
                log.warning("keyring %s not reloaded: %s", self._file, error)
                return
            self._stamp = stamp
            if keys.current_id != self._keys.current_id:
                log.info("events key now %s (keyring %s)", keys.current_id, self._file)
            self._keys = keys
