"""Two-factor codes: right step, clock drift, and each code good once only."""

from __future__ import annotations

from datetime import datetime

import pyotp
import pytest

from app.auth import totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
MOMENT = datetime(2026, 11, 25, 10, 0, 15)
STEP = pyotp.TOTP(SECRET).timecode(MOMENT)


def code_at(step: int) -> str:
    return pyotp.TOTP(SECRET).generate_otp(step)


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_codes_within_one_step_of_now_are_accepted(offset):
    assert totp.accepted_step(SECRET, code_at(STEP + offset), None, now=MOMENT) == STEP + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_codes_further_away_are_refused(offset):
    assert totp.accepted_step(SECRET, code_at(STEP + offset), None, now=MOMENT) is None


def test_a_code_cannot_be_used_twice():
    used = totp.accepted_step(SECRET, code_at(STEP), None, now=MOMENT)
    assert totp.accepted_step(SECRET, code_at(STEP), used, now=MOMENT) is None


def test_an_older_code_is_refused_after_a_newer_one_was_used():
    assert totp.accepted_step(SECRET, code_at(STEP - 1), STEP, now=MOMENT) is None
    assert totp.accepted_step(SECRET, code_at(STEP + 1), STEP, now=MOMENT) == STEP + 1


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", None])
def test_malformed_codes_are_refused(code):
    assert totp.accepted_step(SECRET, code, None, now=MOMENT) is None


def test_spaces_around_the_code_are_ignored():
    assert totp.accepted_step(SECRET, f" {code_at(STEP)} ", None, now=MOMENT) == STEP
