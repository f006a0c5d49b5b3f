"""TOTP codes (RFC 6238) with pyotp: the adapter of domain/organisation/second_factor.py's port.

pyotp is the maintained, dependency-free reference implementation for Python (used by Django
and Flask two-factor packages); what it computes is checked against the RFC's test vectors by
its own suite, which we would otherwise have to re-do for a home-made HMAC loop.
"""

from __future__ import annotations

from datetime import datetime

import pyotp

# 30-second steps, six digits, SHA-1: what every authenticator app (Google, Microsoft, FreeOTP)
# reads from an otpauth:// URI without asking.
INTERVAL = 30
WINDOW = 1  # the step before and after now are accepted too (clocks drift, people are slow)


class PyOtpCodes:
    """The one-time codes port on pyotp."""

    def new_secret(self) -> str:
        return pyotp.random_base32(32)  # 160 bits, as RFC 4226 recommends

    def step_of(self, secret: str, code: str, at: datetime) -> int | None:
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            return None
        totp = pyotp.TOTP(secret, interval=INTERVAL)
        now_step = totp.timecode(at)
        for step in range(now_step - WINDOW, now_step + WINDOW + 1):
            # pyotp compares in constant time; one step at a time, to know which one matched.
            if pyotp.utils.strings_equal(str(code), totp.generate_otp(step)):
                return step
        return None

    def provisioning_uri(self, secret: str, account: str, issuer: str) -> str:
        return pyotp.TOTP(secret, interval=INTERVAL).provisioning_uri(
            name=account, issuer_name=issuer
        )
