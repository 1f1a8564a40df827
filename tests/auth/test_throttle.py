"""Sign-in throttling (app/auth/throttle.py): failed sign-ins counted per account and address,
per address and per account, each making the next attempt wait longer once its free failures are
spent; an attacker slows down sign-ins from their own addresses, never the owner's usual one."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth import services, throttle
from app.auth.models import SignInThrottle, ThrottleScope
from app.common.timeutil import utcnow
from app.extensions import db
from tests import factories
from tests.auth.conftest import throttle_counts
from tests.threads import run_together

ADDRESS = "192.0.2.10"
HOME = "192.0.2.20"
WRONG = "not the password at all"


def _attempt(email: str, password: str = WRONG, address: str = ADDRESS) -> services.SignInResult:
    result = services.check_password(email, password, address=address)
    db.session.commit()
    return result


def _end_every_wait() -> None:
    """As if the waits had passed (the counts stay)."""
    db.session.execute(sa.update(SignInThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def _seconds_left(email: str, address: str = ADDRESS) -> float:
    wait = throttle.wait_left(email, address)
    assert wait is not None
    return wait.total_seconds()


# --- the wait, as a rule --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failures", "expected"),
    [(0, None), (4, None), (5, 15), (6, 30), (7, 60), (8, 120), (10, 480), (11, 900), (12, 900), (10_000, 900)],
)
def test_the_wait_doubles_after_the_free_failures_up_to_the_ceiling(failures, expected):
    wait = throttle.wait_after(failures, 5, timedelta(seconds=15), timedelta(minutes=15))
    assert wait == (None if expected is None else timedelta(seconds=expected))


# --- one account from one address ---------------------------------------------------------------------


def test_free_failures_then_each_failure_waits_twice_as_long(app, audit_entries):
    user = factories.make_user()
    for _ in range(4):
        _attempt(user.email)
    assert throttle.wait_left(user.email, ADDRESS) is None, "four failures are free"
    _attempt(user.email)
    assert 14 < _seconds_left(user.email) <= 15
    [slowed] = audit_entries("sign_in_slowed")
    assert slowed.summary == ("Sign-in slowed down for 15 seconds after 5 failed attempts for this account "
                              "from this address")

    _end_every_wait()
    _attempt(user.email)
    assert 29 < _seconds_left(user.email) <= 30


def test_an_attempt_during_the_wait_is_refused_without_being_counted(app, audit_entries):
    user = factories.make_user()
    for _ in range(5):
        _attempt(user.email)
    blocked_until = db.session.scalar(sa.select(SignInThrottle.blocked_until)
                                      .where(SignInThrottle.scope == ThrottleScope.ACCOUNT_AT_ADDRESS.value))
    for password in (WRONG, factories.PASSWORD):
        result = _attempt(user.email, password)
        assert (result.user, result.error) == (None, services.SIGN_IN_REFUSED)
    assert throttle_counts(user.email)["account_at_address"] == 5
    still_until = db.session.scalar(sa.select(SignInThrottle.blocked_until)
                                    .where(SignInThrottle.scope == ThrottleScope.ACCOUNT_AT_ADDRESS.value))
    assert still_until == blocked_until, "hammering does not extend the wait"
    assert [entry.summary.startswith("Sign-in slowed down: ") for entry in audit_entries("login_refused")] == [True] * 2


def test_once_the_wait_has_passed_the_right_password_signs_in(app):
    user = factories.make_user()
    for _ in range(5):
        _attempt(user.email)
    _end_every_wait()
    assert _attempt(user.email, factories.PASSWORD).user is user


def test_an_unknown_address_is_slowed_down_like_a_known_one(app):
    for _ in range(5):
        _attempt("nobody@example.gov.za")
    assert 14 < _seconds_left("nobody@example.gov.za") <= 15


def test_a_day_after_the_last_failure_the_count_starts_again(app):
    user = factories.make_user()
    for _ in range(4):
        _attempt(user.email)
    db.session.execute(sa.update(SignInThrottle).values(last_failure_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    _attempt(user.email)
    assert throttle_counts(user.email) == {"account_at_address": 1, "account": 1}
    assert throttle.wait_left(user.email, ADDRESS) is None


def test_the_settings_choose_the_free_failures_and_the_waits(make_app):
    app = make_app(LOCKOUT_THRESHOLD=2, LOCKOUT_FIRST_WAIT_SECONDS=60, LOCKOUT_MINUTES=2)
    with app.app_context():
        user = factories.make_user()
        for _ in range(2):
            _attempt(user.email)
        assert 59 < _seconds_left(user.email) <= 60
        for _ in range(3):
            _end_every_wait()
            _attempt(user.email)
        assert 119 < _seconds_left(user.email) <= 120, "LOCKOUT_MINUTES is the longest wait"


# --- other addresses, and the owner ------------------------------------------------------------------


def test_failures_from_one_address_do_not_slow_another(app):
    """Before issue 17 five wrong passwords from anywhere locked the account for everyone."""
    admin = factories.make_user("admin")
    for _ in range(12):
        _attempt(admin.email)
        _end_every_wait()
    for _ in range(3):
        _attempt(admin.email)
    assert throttle.wait_left(admin.email, ADDRESS) is not None
    assert _attempt(admin.email, factories.PASSWORD, address=HOME).user is admin


def test_many_addresses_slow_the_account_down_but_not_from_where_it_signed_in_before(app):
    admin = factories.make_user("admin")
    services.record_sign_in(admin, address=HOME)
    db.session.commit()
    for number in range(20):  # LOCKOUT_ACCOUNT_THRESHOLD, each from an address of its own
        _attempt(admin.email, address=f"203.0.113.{number}")
    assert throttle.wait_left(admin.email, "203.0.113.200") is not None, "a new address waits"
    assert _attempt(admin.email, factories.PASSWORD, address="203.0.113.200").user is None
    assert throttle.wait_left(admin.email, HOME) is None
    assert _attempt(admin.email, factories.PASSWORD, address=HOME).user is admin


def test_one_address_trying_many_accounts_is_slowed_down_for_every_account(app):
    for number in range(30):  # LOCKOUT_ADDRESS_THRESHOLD
        _attempt(f"guess{number}@example.gov.za")
    user = factories.make_user()
    assert throttle.wait_left(user.email, ADDRESS) is not None
    assert _attempt(user.email, factories.PASSWORD).user is None
    assert _attempt(user.email, factories.PASSWORD, address=HOME).user is user


def test_a_sign_in_clears_the_account_s_counts_but_not_the_address_s(app):
    user = factories.make_user()
    for _ in range(3):
        _attempt(user.email)
    services.record_sign_in(_attempt(user.email, factories.PASSWORD).user, address=ADDRESS)
    db.session.commit()
    assert throttle_counts(user.email) == {"account_at_address": 0, "account": 0}
    assert db.session.scalar(sa.select(SignInThrottle.failures).where(
        SignInThrottle.scope == ThrottleScope.ADDRESS.value)) == 3, "an office's address is shared"


def test_the_users_list_and_page_show_whose_sign_in_is_slowed_down(app):
    user, other = factories.make_user(), factories.make_user()
    for _ in range(5):
        _attempt(user.email)
    assert throttle.slowed_among([user.email, other.email]) == {user.email}
    assert services.sign_in_slowed_until(user) > utcnow()
    assert services.sign_in_slowed_until(other) is None


# --- purging -------------------------------------------------------------------------------------


def test_purge_keeps_what_a_rule_still_reads(app):
    now = utcnow()
    rows = {
        "forgotten failure": {"failures": 3, "last_failure_at": now - timedelta(hours=25)},
        "recent failure": {"failures": 3, "last_failure_at": now - timedelta(hours=23)},
        "known address": {"failures": 0, "last_success_at": now - timedelta(days=89),
                              "last_failure_at": now - timedelta(days=30)},
        "address no longer known": {"failures": 0, "last_success_at": now - timedelta(days=91)},
    }
    for account, values in rows.items():
        db.session.add(SignInThrottle(scope=ThrottleScope.ACCOUNT_AT_ADDRESS.value, account=account,
                                      address=ADDRESS, **values))
    db.session.commit()
    assert throttle.purge(now) == "2 sign-in count(s) removed"
    assert set(db.session.scalars(sa.select(SignInThrottle.account))) == {"recent failure", "known address"}


# --- at the same moment ---------------------------------------------------------------------------------


def test_failures_at_the_same_moment_all_count(make_app):
    """Two web workers counting the first failures of one key: INSERT ... ON CONFLICT adds them up."""
    app = make_app()
    people = [f"worker{number}" for number in range(4)]

    def fail(person: str) -> None:
        with app.app_context():
            throttle.count_failure("target@example.gov.za", ADDRESS)
            db.session.commit()

    run_together(fail, people, timeout=60)
    with app.app_context():
        assert throttle_counts("target@example.gov.za") == {"account_at_address": 4, "account": 4}
