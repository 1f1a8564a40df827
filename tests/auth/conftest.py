"""Helpers for the sign-in tests: reading the audit log, signing in by hand, TOTP codes, the
server-side session a test client's cookie names."""

from __future__ import annotations

import time

import pyotp
import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.auth import sessions
from app.auth.models import SignInThrottle, UserSession
from app.extensions import db
from tests import factories


@pytest.fixture
def audit_entries():
    """audit_entries("login") -> the entries with that action, oldest first."""

    def entries(action: str | None = None) -> list[AuditEntry]:
        query = sa.select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list(db.session.scalars(query))

    return entries


@pytest.fixture
def sign_in(client):
    """sign_in(email, password) posts the sign-in form and returns the response (no assertion)."""

    def post(email: str, password: str = factories.PASSWORD, on=None):
        return (on or client).post("/login", data={"email": email, "password": password})

    return post


@pytest.fixture
def wrong_totp_code():
    """wrong_totp_code(secret) -> a 6-digit code no window near now accepts, whatever second it is."""

    def code_for(secret: str) -> str:
        totp = pyotp.TOTP(secret)
        now = time.time()
        near = {totp.at(now + step * totp.interval) for step in range(-3, 4)}
        return next(code for code in (f"{n:06d}" for n in range(1_000_000)) if code not in near)

    return code_for


def previous_step_code(secret: str) -> str:
    """A code from the 30-second step before now: still accepted (clock drift), and it leaves
    the current step's code unused, so a test can enrol and then sign in straight away."""
    return pyotp.TOTP(secret).at(time.time() - 30)


def throttle_counts(account: str) -> dict[str, int]:
    """{scope: consecutive failures} of an e-mail address's sign-in counts (app/auth/throttle.py)."""
    rows = db.session.execute(sa.select(SignInThrottle.scope, SignInThrottle.failures)
                              .where(SignInThrottle.account == account)).all()
    return dict(rows)


def cookie_of(client) -> dict:
    """What the client's session cookie holds (Flask signs it, it does not hide it)."""
    with client.session_transaction() as session:
        return dict(session)


def session_of(client) -> UserSession | None:
    """The server-side session the client's cookie names, as stored now."""
    row = sessions.find(cookie_of(client).get(sessions.COOKIE_KEY))
    if row is not None:
        db.session.refresh(row)
    return row
