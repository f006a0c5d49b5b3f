"""Password hashing with the standard library's scrypt (memory-hard, salted)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


@functools.cache
def dummy_hash() -> str:
    """A hash of a random password with today's parameters, made once per process.

    A login for an unknown (or inactive) user is verified against it, so that it costs the same
    scrypt work as a real one and its answer time does not tell which usernames exist.
    """
    return hash_password(secrets.token_urlsafe(24))


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    # "surrogatepass": a password no UTF-8 can encode (a lone surrogate) is never set, so it
    # fails here like any wrong password, after the same scrypt work.
    candidate = hashlib.scrypt(
        password.encode(errors="surrogatepass"),
        salt=bytes.fromhex(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=32,
    )
    return hmac.compare_digest(candidate.hex(), digest)
