"""The account use cases against a fresh database: sign-in checks, lockout, passwords, two-factor."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from argon2 import PasswordHasher, profiles

from app.admin import settings
from app.auth import services
from app.auth.models import User
from app.auth.passwords import verify_password
from app.common.timeutil import utcnow
from app.extensions import db
from tests import factories
from tests.auth.conftest import previous_step_code

NEW_PASSWORD = "a different long passphrase"


def _fail_password(user: User, times: int) -> None:
    for _ in range(times):
        result = services.check_password(user.email, "not the password at all")
        db.session.commit()
        assert result.user is None


# --- check_password ---------------------------------------------------------------------------


def test_right_password_returns_the_user(app):
    user = factories.make_user()
    result = services.check_password(user.email, factories.PASSWORD)
    db.session.commit()
    assert result.user is user
    assert result.error is None
    assert not result.needs_second_factor


def test_e_mail_is_matched_whatever_its_case_and_spaces(app):
    user = factories.make_user(email="Thandi.Mokoena@Example.gov.za")
    assert user.email == "thandi.mokoena@example.gov.za"
    assert services.check_password("  THANDI.mokoena@example.GOV.za ", factories.PASSWORD).user is user


def test_wrong_password_counts_a_failure_and_is_audited(app, audit_entries):
    user = factories.make_user()
    result = services.check_password(user.email, "wrong password here")
    db.session.commit()
    assert result.user is None
    assert result.error == services.GENERIC_LOGIN_ERROR
    assert user.failed_login_count == 1
    [entry] = audit_entries("login_failed")
    assert (entry.actor_id, entry.entity_id, entry.summary) == (user.id, str(user.id), "Wrong password")


def test_unknown_e_mail_gets_the_same_message_and_is_audited(app, audit_entries):
    result = services.check_password("Nobody@Example.gov.za", "whatever password")
    db.session.commit()
    assert result.user is None
    assert result.error == services.GENERIC_LOGIN_ERROR
    [entry] = audit_entries("login_failed")
    assert entry.actor_id is None
    assert entry.actor_email == "nobody@example.gov.za"


def test_unknown_e_mail_costs_as_many_password_checks_as_a_known_one(app, monkeypatch):
    """Answering faster for an unknown address would tell an attacker which addresses have accounts."""
    user = factories.make_user()
    services.check_password("nobody@example.gov.za", "warm-up: the first check may prepare a hash")
    db.session.commit()
    checks = []
    real_verify = PasswordHasher.verify

    def counting_verify(hasher, password_hash, password):
        checks.append(password)
        return real_verify(hasher, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    services.check_password(user.email, "wrong password for a known address")
    db.session.commit()
    services.check_password("nobody@example.gov.za", "any password for an unknown address")
    db.session.commit()
    assert checks == ["wrong password for a known address", "any password for an unknown address"]


def test_fifth_failure_locks_the_account_for_the_configured_time(app, audit_entries):
    user = factories.make_user()
    _fail_password(user, 4)
    assert user.failed_login_count == 4
    assert not services.is_locked(user)

    before = utcnow()
    result = services.check_password(user.email, "wrong again, fifth")
    db.session.commit()
    assert result.error.startswith("This account is locked after too many failed sign-ins.")
    assert services.is_locked(user)
    minutes = app.config["LOCKOUT_MINUTES"]
    assert before + timedelta(minutes=minutes) <= user.locked_until <= utcnow() + timedelta(minutes=minutes)
    assert user.failed_login_count == 0, "the count starts again after the lock"
    assert len(audit_entries("login_failed")) == 5
    [locked] = audit_entries("account_locked")
    assert locked.entity_id == str(user.id)
    assert f"{minutes} minutes" in locked.summary


def test_locked_account_refuses_the_right_password_without_counting(app, audit_entries):
    user = factories.make_user()
    _fail_password(user, 5)
    locked_until = user.locked_until

    result = services.check_password(user.email, factories.PASSWORD)
    db.session.commit()
    assert result.user is None
    assert "locked" in result.error
    assert user.locked_until == locked_until, "an attempt during the lock does not extend it"
    assert [e.summary for e in audit_entries("login_refused")] == ["Account locked"]


def test_lock_passes_by_itself(app):
    user = factories.make_user()
    _fail_password(user, 5)
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not services.is_locked(user)
    assert services.check_password(user.email, factories.PASSWORD).user is user


def test_threshold_and_duration_come_from_config(make_app):
    app = make_app(LOCKOUT_THRESHOLD=2, LOCKOUT_MINUTES=60)
    with app.app_context():
        user = factories.make_user()
        _fail_password(user, 2)
        assert services.is_locked(user)
        assert user.locked_until > utcnow() + timedelta(minutes=59)


def test_deactivated_account_with_the_right_password_is_refused(app, audit_entries):
    user = factories.make_user()
    user.active = False
    db.session.commit()
    result = services.check_password(user.email, factories.PASSWORD)
    db.session.commit()
    assert result.user is None
    assert "deactivated" in result.error
    assert [e.summary for e in audit_entries("login_refused")] == ["Account deactivated"]


def test_deactivated_account_with_a_wrong_password_gets_the_generic_message(app):
    user = factories.make_user()
    user.active = False
    db.session.commit()
    assert services.check_password(user.email, "wrong password here").error == services.GENERIC_LOGIN_ERROR


def test_record_sign_in_clears_failures_and_the_lock(app, audit_entries):
    user = factories.make_user()
    _fail_password(user, 3)
    services.record_sign_in(user)
    db.session.commit()
    assert user.failed_login_count == 0
    assert user.locked_until is None
    assert user.last_login_at is not None
    [entry] = audit_entries("login")
    assert entry.actor_id == user.id


def test_an_outdated_hash_is_upgraded_at_sign_in(app):
    user = factories.make_user()
    user.password_hash = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY).hash(factories.PASSWORD)
    db.session.commit()
    result = services.check_password(user.email, factories.PASSWORD)
    db.session.commit()
    services.record_sign_in(result.user)
    db.session.commit()
    assert "m=65536" not in user.password_hash
    assert verify_password(user.password_hash, factories.PASSWORD)


# --- the half-finished sign-in (password given, code not yet) -----------------------------------
# Signed-in sessions are server-side rows: tests/auth/test_sessions.py.


def test_a_half_finished_sign_in_ends_when_the_password_changes(app):
    user = factories.make_user()
    assert services.user_of_pending_sign_in(user.get_id()) is user
    pending = user.get_id()
    services.change_own_password(user, factories.PASSWORD, NEW_PASSWORD)
    db.session.commit()
    assert services.user_of_pending_sign_in(pending) is None
    assert services.user_of_pending_sign_in(user.get_id()) is user


@pytest.mark.parametrize("pending", ["", "abc", "1", "1:", ":token", "x:token", None])
def test_a_malformed_half_finished_sign_in_names_no_one(app, pending):
    factories.make_user()
    assert services.user_of_pending_sign_in(pending) is None


def test_a_half_finished_sign_in_ends_when_the_account_is_deactivated(app):
    admin = factories.make_user("admin")
    user = factories.make_user()
    pending = user.get_id()
    services.set_user_active(user, False, expected_version=user.version, actor=admin)
    db.session.commit()
    assert services.user_of_pending_sign_in(pending) is None


# --- own password -----------------------------------------------------------------------------


def test_change_own_password(app, audit_entries):
    user = factories.make_user(must_change_password=True)
    token = user.session_token
    services.change_own_password(user, factories.PASSWORD, NEW_PASSWORD)
    db.session.commit()
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert not user.must_change_password
    assert user.session_token != token
    [entry] = audit_entries("password_changed")
    assert entry.actor_id == user.id


@pytest.mark.parametrize(
    ("current", "new", "field", "message"),
    [
        ("not my password", NEW_PASSWORD, "current_password", "The current password is not right."),
        (factories.PASSWORD, factories.PASSWORD, "new_password", "differs from the current one"),
        (factories.PASSWORD, "too short", "new_password", "at least 12 characters"),
        (factories.PASSWORD, "aaaaaaaaaaaaaaaa", "new_password", "too few different characters"),
    ],
)
def test_change_own_password_refusals_change_nothing(app, audit_entries, current, new, field, message):
    user = factories.make_user()
    stored, token = user.password_hash, user.session_token
    with pytest.raises(services.AccountError, match=message) as refused:
        services.change_own_password(user, current, new)
        db.session.commit()
    assert refused.value.field == field
    db.session.rollback()
    assert (user.password_hash, user.session_token) == (stored, token)
    assert audit_entries("password_changed") == []


def test_new_password_may_not_be_the_e_mail_address(app):
    user = factories.make_user(email="long.address@example.gov.za")
    with pytest.raises(services.AccountError, match="same as the e-mail address"):
        services.change_own_password(user, factories.PASSWORD, "long.address@example.gov.za")
        db.session.commit()


# --- administering accounts -------------------------------------------------------------------


def test_reset_password_forces_a_change_and_unlocks(app, audit_entries):
    admin = factories.make_user("admin")
    user = factories.make_user()
    _fail_password(user, 5)
    token = user.session_token
    services.reset_password(user, NEW_PASSWORD, actor=admin)
    db.session.commit()
    assert user.must_change_password
    assert not services.is_locked(user)
    assert user.session_token != token
    [entry] = audit_entries("password_reset")
    assert entry.actor_id == admin.id


def test_unlock_user(app, audit_entries):
    admin = factories.make_user("admin")
    user = factories.make_user()
    _fail_password(user, 5)
    services.unlock_user(user, actor=admin)
    db.session.commit()
    assert not services.is_locked(user)
    assert services.check_password(user.email, factories.PASSWORD).user is user
    assert len(audit_entries("unlock")) == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"role": "superuser"}, "role", "Unknown role 'superuser'"),
        ({"password": "short"}, "password", "at least 12 characters"),
        ({"department_id": 999_999}, "department_id", "Choose an active department"),
    ],
)
def test_create_user_refusals(app, fields, field, message):
    values = {"email": "new.person@example.gov.za", "full_name": "New Person", "role": "auditor",
              "department_id": None, "password": factories.PASSWORD, "actor": None, **fields}
    with pytest.raises(services.AccountError, match=message) as refused:
        services.create_user(**values)
        db.session.commit()
    assert refused.value.field == field
    db.session.rollback()
    assert services.find_user_by_email("new.person@example.gov.za") is None


def test_create_user_refuses_an_address_in_use_whatever_its_case(app):
    factories.make_user(email="taken@example.gov.za")
    with pytest.raises(services.AccountError, match="already uses") as refused:
        factories.make_user(email="TAKEN@example.gov.za")
    assert refused.value.field == "email"


# --- two-factor -------------------------------------------------------------------------------


def _enrolled(user: User) -> str:
    secret = services.new_totp_secret()
    services.enable_mfa(user, secret, previous_step_code(secret))
    db.session.commit()
    return secret


def test_enable_mfa_with_the_right_code(app, audit_entries):
    user = factories.make_user()
    secret = _enrolled(user)
    assert user.mfa_enabled
    assert services.totp_secret_of(user) == secret
    assert secret not in user.totp_secret, "stored sealed, never in plain text"
    assert services.check_password(user.email, factories.PASSWORD).needs_second_factor
    assert len(audit_entries("mfa_enabled")) == 1


def test_enable_mfa_with_a_wrong_code_changes_nothing(app, audit_entries, wrong_totp_code):
    user = factories.make_user()
    secret = services.new_totp_secret()
    with pytest.raises(services.AccountError, match="That code does not match") as refused:
        services.enable_mfa(user, secret, wrong_totp_code(secret))
        db.session.commit()
    assert refused.value.field == "code"
    assert not user.mfa_enabled
    assert user.totp_secret is None
    assert audit_entries("mfa_enabled") == []


def test_provisioning_uri_names_the_app_and_the_account(app):
    user = factories.make_user(email="someone@example.gov.za")
    uri = services.provisioning_uri(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert uri.startswith("otpauth://totp/Khusela:someone%40example.gov.za?")
    assert "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in uri
    assert "issuer=Khusela" in uri


def test_second_factor_right_and_wrong_codes(app, wrong_totp_code, audit_entries):
    user = factories.make_user()
    secret = _enrolled(user)
    wrong = services.check_second_factor(user, wrong_totp_code(secret))
    db.session.commit()
    assert wrong.user is None
    assert "That code is not right, or it was used already." in wrong.error
    assert user.failed_login_count == 1
    assert [e.summary for e in audit_entries("login_failed")] == ["Wrong two-factor code"]
    assert services.check_second_factor(user, " " + pyotp.TOTP(secret).now() + " ").user is user


def test_wrong_second_factor_codes_lock_the_account(app, wrong_totp_code):
    user = factories.make_user()
    secret = _enrolled(user)
    for _ in range(4):
        services.check_second_factor(user, wrong_totp_code(secret))
        db.session.commit()
    fifth = services.check_second_factor(user, wrong_totp_code(secret))
    db.session.commit()
    assert "locked" in fifth.error
    assert services.is_locked(user)
    assert "locked" in services.check_second_factor(user, pyotp.TOTP(secret).now()).error


def test_second_factor_is_refused_once_the_account_is_deactivated(app):
    """Deactivated between the password and the code: the code must not finish the sign-in."""
    admin = factories.make_user("admin")
    user = factories.make_user()
    secret = _enrolled(user)
    services.set_user_active(user, False, expected_version=user.version, actor=admin)
    db.session.commit()
    result = services.check_second_factor(user, pyotp.TOTP(secret).now())
    db.session.commit()
    assert result.user is None
    assert "deactivated" in result.error


def test_disable_own_mfa_needs_the_password(app, audit_entries):
    user = factories.make_user()
    _enrolled(user)
    with pytest.raises(services.AccountError, match="The password is not right."):
        services.disable_own_mfa(user, "not my password")
        db.session.commit()
    assert user.mfa_enabled
    services.disable_own_mfa(user, factories.PASSWORD)
    db.session.commit()
    assert not user.mfa_enabled
    assert user.totp_secret is None
    assert len(audit_entries("mfa_disabled")) == 1


def test_mfa_cannot_be_turned_off_when_the_role_requires_it(app):
    user = factories.make_user("auditor")
    _enrolled(user)
    settings.save({"mfa_required_roles": ["auditor"]}, actor=None)
    db.session.commit()
    assert not services.must_enrol_in_mfa(user)
    with pytest.raises(services.AccountError, match="required for your role"):
        services.disable_own_mfa(user, factories.PASSWORD)
        db.session.commit()
    assert user.mfa_enabled


def test_must_enrol_only_for_the_roles_chosen(app):
    auditor, manager = factories.make_user("auditor"), factories.make_user("manager")
    settings.save({"mfa_required_roles": ["auditor"]}, actor=None)
    db.session.commit()
    assert services.must_enrol_in_mfa(auditor)
    assert not services.must_enrol_in_mfa(manager)


def test_admin_reset_of_mfa_signs_the_user_out(app, audit_entries):
    admin = factories.make_user("admin")
    user = factories.make_user()
    _enrolled(user)
    pending = user.get_id()
    services.reset_mfa(user, actor=admin)
    db.session.commit()
    assert not user.mfa_enabled
    assert services.user_of_pending_sign_in(pending) is None
    assert len(audit_entries("mfa_reset")) == 1
