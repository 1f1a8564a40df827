"""Time-based one-time codes (RFC 6238) that can be used once only."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

# Codes from the previous and next 30-second step are accepted too, for phones whose clocks drift.
ALLOWED_DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account_name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name="Khusela")


def accepted_step(secret: str, code: str, last_used_step: int | None, now: datetime | None = None) -> int | None:
    """The time step the code belongs to, or None when it is wrong or was already used.

    Refusing any step at or before the last one used stops a code seen over someone's
    shoulder (or replayed from a captured request) from working a second time."""
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or datetime.now())
    for step in range(current - ALLOWED_DRIFT_STEPS, current + ALLOWED_DRIFT_STEPS + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
