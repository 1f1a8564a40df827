"""The account use cases against a fresh database: sign-in checks, lockout, passwords, two-factor."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, profiles

from app.admin import settings
from app.auth import services, throttle
from app.auth.models import Role, SignInThrottle, User
from app.auth.passwords import hash_password, verify_password
from app.extensions import db
from tests import factories
from tests.auth.conftest import previous_step_code, throttle_counts

NEW_PASSWORD = "a different long passphrase"
ADDRESS = "192.0.2.10"  # documentation addresses (RFC 5737)
OTHER_ADDRESS = "198.51.100.7"


def _fail_password(user: User, times: int, address: str = ADDRESS) -> None:
    for _ in range(times):
        result = services.check_password(user.email, "not the password at all", address=address)
        db.session.commit()
        assert result.user is None


# --- check_password ---------------------------------------------------------------------------


def test_right_password_returns_the_user(app):
    user = factories.make_user()
    result = services.check_password(user.email, factories.PASSWORD, address=ADDRESS)
    db.session.commit()
    assert result.user is user
    assert result.error is None
    assert not result.needs_second_factor


def test_e_mail_is_matched_whatever_its_case_and_spaces(app):
    user = factories.make_user(email="Thandi.Mokoena@Example.gov.za")
    assert user.email == "thandi.mokoena@example.gov.za"
    assert services.check_password("  THANDI.mokoena@example.GOV.za ", factories.PASSWORD, address=ADDRESS).user is user


def test_wrong_password_is_refused_counted_and_audited(app, audit_entries):
    user = factories.make_user()
    result = services.check_password(user.email, "wrong password here", address=ADDRESS)
    db.session.commit()
    assert result.user is None
    assert result.error == services.SIGN_IN_REFUSED
    assert throttle_counts(user.email) == {"account_at_address": 1, "account": 1}
    [entry] = audit_entries("login_failed")
    assert (entry.actor_id, entry.entity_id, entry.summary) == (user.id, str(user.id), "Wrong password")


def test_unknown_e_mail_gets_the_same_message_and_is_audited(app, audit_entries):
    result = services.check_password("Nobody@Example.gov.za", "whatever password", address=ADDRESS)
    db.session.commit()
    assert result.user is None
    assert result.error == services.SIGN_IN_REFUSED
    [entry] = audit_entries("login_failed")
    assert entry.actor_id is None
    assert entry.actor_email == "nobody@example.gov.za"
    assert throttle_counts("nobody@example.gov.za") == {"account_at_address": 1, "account": 1}, (
        "an unknown address is counted like a known one, so the throttle does not tell them apart")


def _slowed_down(user: User) -> None:
    _fail_password(user, 5)
    assert throttle.wait_left(user.email, ADDRESS) is not None


def _deactivated(user: User) -> None:
    user.active = False
    db.session.commit()


ACCOUNT_STATES = {
    "unknown address": ("nobody@example.gov.za", "any password at all", None),
    "wrong password": (None, "wrong password here", None),
    "slowed down, right password": (None, factories.PASSWORD, _slowed_down),
    "slowed down, wrong password": (None, "wrong password here", _slowed_down),
    "deactivated, wrong password": (None, "wrong password here", _deactivated),
}


@pytest.mark.parametrize("state", list(ACCOUNT_STATES))
def test_every_refusal_says_the_same(app, state):
    """Before issue 17 the fifth wrong password said "locked", which told that the account exists."""
    email, password, prepare = ACCOUNT_STATES[state]
    user = factories.make_user()
    if prepare:
        prepare(user)
    result = services.check_password(email or user.email, password, address=ADDRESS)
    db.session.commit()
    assert result.user is None
    assert result.error == services.SIGN_IN_REFUSED


@pytest.mark.parametrize("state", list(ACCOUNT_STATES))
def test_every_refusal_costs_one_password_check(app, monkeypatch, state):
    """A locked account was answered without checking the password, in ~10 ms against ~300 ms: the
    timing told that the account exists and is locked. Counted, not timed, so the test is steady."""
    email, password, prepare = ACCOUNT_STATES[state]
    user = factories.make_user()
    if prepare:
        prepare(user)
    services.check_password("warm-up@example.gov.za", "the first check may prepare a hash", address=OTHER_ADDRESS)
    db.session.commit()
    checks = []
    real_verify = PasswordHasher.verify

    def counting_verify(hasher, password_hash, password):
        checks.append(password)
        return real_verify(hasher, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    services.check_password(email or user.email, password, address=ADDRESS)
    db.session.commit()
    assert checks == [password]


def test_deactivated_account_with_the_right_password_is_told_so(app, audit_entries):
    user = factories.make_user()
    _deactivated(user)
    result = services.check_password(user.email, factories.PASSWORD, address=ADDRESS)
    db.session.commit()
    assert result.user is None
    assert "deactivated" in result.error
    assert [e.summary for e in audit_entries("login_refused")] == ["Account deactivated"]


def test_record_sign_in_clears_the_account_s_failures_from_its_address(app, audit_entries):
    user = factories.make_user()
    _fail_password(user, 3)
    _fail_password(user, 2, OTHER_ADDRESS)
    services.record_sign_in(user, address=ADDRESS)
    db.session.commit()
    counts = db.session.execute(sa.select(SignInThrottle.scope, SignInThrottle.address, SignInThrottle.failures)
                                .where(SignInThrottle.account == user.email)).all()
    assert sorted(counts) == [("account", "", 0), ("account_at_address", ADDRESS, 0),
                              ("account_at_address", OTHER_ADDRESS, 2)], "another address may be an attacker's"
    assert user.last_login_at is not None
    [entry] = audit_entries("login")
    assert entry.actor_id == user.id


def test_an_outdated_hash_is_upgraded_at_sign_in(app):
    user = factories.make_user()
    user.password_hash = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY).hash(factories.PASSWORD)
    db.session.commit()
    result = services.check_password(user.email, factories.PASSWORD, address=ADDRESS)
    db.session.commit()
    services.record_sign_in(result.user, address=ADDRESS)
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
        (factories.PASSWORD, "aaaaaaaaaaaaaaaa", "new_password", "run of repeated or consecutive characters"),
        (factories.PASSWORD, "passwordpassword", "new_password", "repeats one word"),
        (factories.PASSWORD, "Password2024!", "new_password", "list of common and leaked passwords"),
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


@pytest.mark.parametrize("password", ["long.address@example.gov.za", "Thandi Mokoena 1985!", "Khusela-2026!",
                                      "westerncape-2026", "MOKOENA.THANDI.2026"])
def test_new_password_may_not_be_built_on_the_account_or_the_organisation(app, password):
    settings.save({settings.ORGANISATION_NAME: "Western Cape Government"}, actor=None)
    user = factories.make_user(email="long.address@example.gov.za", full_name="Thandi Mokoena")
    with pytest.raises(services.AccountError, match="built on your name, your e-mail address") as refused:
        services.change_own_password(user, factories.PASSWORD, password)
        db.session.commit()
    assert refused.value.field == "new_password"


def test_a_password_set_before_the_rule_still_signs_in(app):
    """The rule applies when a password is set; existing accounts keep theirs until they change it."""
    user = factories.make_user()
    user.password_hash = hash_password("khusela-demo")  # the old demo password, refused now
    db.session.commit()
    assert services.check_password(user.email, "khusela-demo", address=ADDRESS).user is user


# --- administering accounts -------------------------------------------------------------------


def test_reset_password_forces_a_change_and_unlocks(app, audit_entries):
    admin = factories.make_user("admin")
    user = factories.make_user()
    _fail_password(user, 5)
    token = user.session_token
    services.reset_password(user, NEW_PASSWORD, actor=admin)
    db.session.commit()
    assert user.must_change_password
    assert services.sign_in_slowed_until(user) is None
    assert user.session_token != token
    [entry] = audit_entries("password_reset")
    assert entry.actor_id == admin.id


@pytest.mark.parametrize("password", ["short", "passwordpassword", "Password2024!"])
def test_reset_password_follows_the_rule(app, password):
    admin = factories.make_user("admin")
    user = factories.make_user()
    with pytest.raises(services.AccountError) as refused:
        services.reset_password(user, password, actor=admin)
    assert refused.value.field == "password"


def test_unlock_user(app, audit_entries):
    admin = factories.make_user("admin")
    user = factories.make_user()
    _fail_password(user, 5)
    _fail_password(user, 5, OTHER_ADDRESS)
    assert services.sign_in_slowed_until(user) is not None
    assert services.unlock_user(user, actor=admin) is True
    db.session.commit()
    assert services.sign_in_slowed_until(user) is None
    assert set(throttle_counts(user.email).values()) == {0}
    assert services.check_password(user.email, factories.PASSWORD, address=ADDRESS).user is user
    [entry] = audit_entries("unlock")
    assert (entry.actor_id, entry.entity_id) == (admin.id, str(user.id))


def test_unlock_with_nothing_to_clear_records_nothing(app, audit_entries):
    admin = factories.make_user("admin")
    user = factories.make_user()
    assert services.unlock_user(user, actor=admin) is False
    assert audit_entries("unlock") == []


def test_an_administrator_cannot_unlock_their_own_account(app, audit_entries):
    """A second administrator (or the server's command line) must agree the failures were no attack."""
    admin = factories.make_user("admin")
    _fail_password(admin, 5)
    with pytest.raises(services.AccountError, match="ask another administrator"):
        services.unlock_user(admin, actor=admin)
    db.session.rollback()
    assert services.sign_in_slowed_until(admin) is not None
    assert services.unlock_user(admin, actor=None) is True  # flask users unlock


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"role": "superuser"}, "role", "Unknown role 'superuser'"),
        ({"password": "short"}, "password", "at least 12 characters"),
        ({"password": "123456789012"}, "password", "run of repeated or consecutive characters"),
        ({"password": "new person 2026!"}, "password", "built on your name"),
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
    assert services.check_password(user.email, factories.PASSWORD, address=ADDRESS).needs_second_factor
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
    wrong = services.check_second_factor(user, wrong_totp_code(secret), address=ADDRESS)
    db.session.commit()
    assert wrong.user is None
    assert wrong.error == services.SECOND_FACTOR_REFUSED
    assert throttle_counts(user.email) == {"account_at_address": 1, "account": 1}
    assert [e.summary for e in audit_entries("login_failed")] == ["Wrong two-factor code"]
    assert services.check_second_factor(user, " " + pyotp.TOTP(secret).now() + " ", address=ADDRESS).user is user


def test_wrong_second_factor_codes_slow_sign_in_down(app, wrong_totp_code):
    user = factories.make_user()
    secret = _enrolled(user)
    for _ in range(5):
        services.check_second_factor(user, wrong_totp_code(secret), address=ADDRESS)
        db.session.commit()
    right_code = services.check_second_factor(user, pyotp.TOTP(secret).now(), address=ADDRESS)
    db.session.commit()
    assert right_code.user is None, "while the wait lasts not even the right code signs in"
    assert right_code.error == services.SECOND_FACTOR_REFUSED


def test_second_factor_is_refused_once_the_account_is_deactivated(app):
    """Deactivated between the password and the code: the code must not finish the sign-in."""
    admin = factories.make_user("admin")
    user = factories.make_user()
    secret = _enrolled(user)
    services.set_user_active(user, False, expected_version=user.version, actor=admin)
    db.session.commit()
    result = services.check_second_factor(user, pyotp.TOTP(secret).now(), address=ADDRESS)
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


def test_active_users_with_a_role_are_its_active_accounts_oldest_first(app):
    """The one query behind every "tell the security officers" reminder (and the HR officers')."""
    first, second = factories.make_user("security_officer"), factories.make_user("security_officer")
    left = factories.make_user("security_officer")
    left.active = False
    factories.make_user("admin")
    hr = factories.make_user("hr_officer")
    db.session.commit()

    assert services.active_users_with_role(Role.SECURITY_OFFICER) == [first, second]
    assert services.active_users_with_role(Role.HR_OFFICER) == [hr]
    assert services.active_users_with_role(Role.AUDITOR) == []
