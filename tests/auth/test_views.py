"""Signing in and out, lockout, redirects after sign-in, changing one's own password, CSRF and
the sign-in rate limit, through HTTP as a user meets them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.auth import services
from app.auth.models import SignInThrottle
from app.auth.passwords import verify_password
from app.common.timeutil import utcnow
from app.extensions import db
from tests import factories
from tests.auth.conftest import throttle_counts

WRONG = "not the right password"
NEW_PASSWORD = "a brand new long passphrase"
GENERIC = services.SIGN_IN_REFUSED


def _is_signed_in(client) -> bool:
    """Whether the server takes this client for a signed-in user (who may be sent to finish set-up)."""
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200 or not response.headers["Location"].startswith("/login")


# --- the sign-in page -------------------------------------------------------------------------


def test_sign_in_page_has_labelled_fields(client):
    response = client.get("/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'<label[^>]*for="email"[^>]*>Email</label>', page)
    assert re.search(r'<label[^>]*for="password"[^>]*>Password</label>', page)
    assert 'type="password"' in page


def test_sign_in_succeeds_and_is_audited(app, client, sign_in, audit_entries):
    user = factories.make_user(full_name="Thandi Mokoena")
    response = sign_in(user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    landing = client.get("/")
    assert landing.status_code == 200
    assert "Signed in as Thandi Mokoena." in landing.get_data(as_text=True)
    [entry] = audit_entries("login")
    assert (entry.actor_id, entry.actor_email, entry.entity_id) == (user.id, user.email, str(user.id))
    assert entry.ip_address == "127.0.0.1"
    assert user.last_login_at is not None


def test_a_name_with_markup_is_shown_as_text(app, client, sign_in):
    user = factories.make_user(full_name='<script>alert("x")</script> Dlamini')
    sign_in(user.email)
    page = client.get("/").get_data(as_text=True)
    assert "Signed in as &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Dlamini." in page
    assert '<script>alert("x")' not in page


def test_e_mail_address_is_not_case_sensitive(client, app, sign_in):
    user = factories.make_user(email="mixed.case@example.gov.za")
    assert sign_in("  Mixed.CASE@example.gov.za ").status_code == 302
    assert _is_signed_in(client)
    assert throttle_counts(user.email) == {"account_at_address": 0}


def test_wrong_password_is_refused_with_the_generic_message(app, client, sign_in, audit_entries):
    user = factories.make_user()
    response = sign_in(user.email, WRONG)
    assert response.status_code == 401
    assert GENERIC in response.get_data(as_text=True)
    assert not _is_signed_in(client)
    assert throttle_counts(user.email) == {"account_at_address": 1, "account": 1}
    [entry] = audit_entries("login_failed")
    assert entry.actor_id == user.id
    assert entry.ip_address == "127.0.0.1"


def test_unknown_e_mail_gets_the_same_message(app, client, sign_in, audit_entries):
    factories.make_user()
    response = sign_in("No.One@example.gov.za", WRONG)
    assert response.status_code == 401
    assert GENERIC in response.get_data(as_text=True)
    [entry] = audit_entries("login_failed")
    assert entry.actor_id is None
    assert entry.actor_email == "no.one@example.gov.za"
    assert entry.summary == "Unknown e-mail address"


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({}, ["Enter your e-mail address.", "Enter your password."]),
        ({"email": "someone@example.gov.za"}, ["Enter your password."]),
        ({"email": "a" * 250 + "@x.za", "password": WRONG}, ["Field cannot be longer than 254 characters."]),
    ],
)
def test_incomplete_form_is_refused_without_checking_anything(app, client, audit_entries, data, messages):
    response = client.post("/login", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in messages:
        assert message in page
    assert audit_entries() == []


def test_repeated_failures_slow_sign_in_down_and_say_nothing_new(app, client, sign_in, audit_entries):
    """Before issue 17 the fifth wrong password answered "This account is locked", which told that
    the account exists; now every refusal reads the same."""
    user = factories.make_user()
    for _ in range(5):
        response = sign_in(user.email, WRONG)
        assert response.status_code == 401
        assert GENERIC in response.get_data(as_text=True)
    assert len(audit_entries("login_failed")) == 5
    [slowed] = audit_entries("sign_in_slowed")
    assert slowed.entity_id == str(user.id)
    assert slowed.ip_address == "127.0.0.1"

    with_right_password = sign_in(user.email)
    assert with_right_password.status_code == 401
    assert GENERIC in with_right_password.get_data(as_text=True)
    assert "locked" not in with_right_password.get_data(as_text=True)
    assert not _is_signed_in(client)


def test_sign_in_works_again_once_the_wait_has_passed(app, client, sign_in):
    user = factories.make_user()
    for _ in range(5):
        sign_in(user.email, WRONG)
    db.session.execute(sa.update(SignInThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert sign_in(user.email).status_code == 302
    assert _is_signed_in(client)
    assert throttle_counts(user.email) == {"account_at_address": 0, "account": 0}


def test_the_sign_in_page_says_failures_slow_sign_in_down(client):
    page = client.get("/login").get_data(as_text=True)
    assert "signing in is slowed down for a while (at most 15 minutes between attempts)" in page
    assert "locked" not in page


def test_deactivated_account_is_refused(app, client, sign_in, audit_entries):
    user = factories.make_user()
    user.active = False
    db.session.commit()
    response = sign_in(user.email)
    assert response.status_code == 401
    assert "This account is deactivated." in response.get_data(as_text=True)
    assert not _is_signed_in(client)
    assert audit_entries("login") == []


def test_successful_sign_in_resets_the_failure_count(app, client, sign_in):
    user = factories.make_user()
    for _ in range(4):
        sign_in(user.email, WRONG)
    assert throttle_counts(user.email) == {"account_at_address": 4, "account": 4}
    assert sign_in(user.email).status_code == 302
    assert throttle_counts(user.email) == {"account_at_address": 0, "account": 0}
    client.post("/logout")
    sign_in(user.email, WRONG)
    assert services.sign_in_slowed_until(user) is None, "four old failures and a new one must not slow it down"


def test_signed_in_user_opening_the_sign_in_page_goes_home(client, login_as):
    login_as("manager")
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_starts_a_fresh_session(client, login_as):
    """Nothing from before signing in survives it (session fixation)."""
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login_as("manager")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]


# --- where the user lands after signing in ----------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example",
        "https://evil.example/admin/users",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/\t/evil.example",
        "/admin/users\nSet-Cookie: session=stolen",  # a line break would split the Location header
        "/admin/users\r\n",
        "/audit/\x00",
    ],
)
def test_next_to_another_site_is_ignored(app, client, sign_in, next_url):
    user = factories.make_user("admin")
    client.get("/login", query_string={"next": next_url})
    response = sign_in(user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("next_url", ["/admin/users", "/admin/users?role=auditor&status=active", "/audit/"])
def test_next_on_this_site_is_honoured(app, client, sign_in, next_url):
    user = factories.make_user("admin")
    client.get("/login", query_string={"next": next_url})
    response = sign_in(user.email)
    assert response.headers["Location"] == next_url


def test_a_page_opened_before_signing_in_opens_after_it(app, client, sign_in):
    user = factories.make_user("admin")
    to_sign_in = client.get("/admin/users?role=auditor")
    assert to_sign_in.status_code == 302
    client.get(to_sign_in.headers["Location"])
    response = sign_in(user.email)
    assert response.headers["Location"] == "/admin/users?role=auditor"
    assert client.get(response.headers["Location"]).status_code == 200


# --- signing out ------------------------------------------------------------------------------


def test_sign_out(app, client, login_as, audit_entries):
    user = login_as("auditor")
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "You have signed out." in client.get("/login").get_data(as_text=True)
    [entry] = audit_entries("logout")
    assert (entry.actor_id, entry.summary) == (user.id, "Signed out")
    assert not _is_signed_in(client)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_sign_out_needs_a_post(client, login_as):
    login_as("auditor")
    assert client.get("/logout").status_code == 405
    assert _is_signed_in(client)


# --- changing one's own password --------------------------------------------------------------


def _change(client, current=factories.PASSWORD, new=NEW_PASSWORD, confirm=None):
    confirm = new if confirm is None else confirm
    return client.post(
        "/account/password", data={"current_password": current, "new_password": new, "confirm_password": confirm}
    )


def test_change_password_page_opens(client, login_as):
    login_as("risk_owner")
    page = client.get("/account/password").get_data(as_text=True)
    assert "Change your password" in page
    assert "Current password" in page
    assert "At least 12 characters; spaces and any letters or symbols are allowed." in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"current": WRONG}, "The current password is not right."),
        ({"confirm": NEW_PASSWORD + "x"}, "The two new passwords differ."),
        ({"new": "too short"}, "The password must be at least 12 characters long (it has 9)."),
        ({"new": "passwordpassword"}, "The password repeats one word or group of characters"),
        ({"new": "Password2024!"}, "This password is on a list of common and leaked passwords"),
        ({"new": factories.PASSWORD}, "Choose a new password that differs from the current one."),
        ({"current": ""}, "Enter your current password."),
    ],
)
def test_refused_password_change_changes_nothing(app, client, login_as, audit_entries, fields, message):
    user = login_as("risk_owner")
    stored, token = user.password_hash, user.session_token
    response = _change(client, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.password_hash, user.session_token) == (stored, token)
    assert audit_entries("password_changed") == []
    assert _is_signed_in(client)


def test_password_change_signs_out_other_sessions_only(app, client, login_as, sign_in, audit_entries):
    user = login_as("risk_owner")
    other_device = app.test_client()
    assert sign_in(user.email, on=other_device).status_code == 302
    old_cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value

    response = _change(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    landing = client.get("/")
    assert landing.status_code == 200, "the device that changed the password stays signed in"
    assert "Your password was changed." in landing.get_data(as_text=True)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert len(audit_entries("password_changed")) == 1

    assert not _is_signed_in(other_device)
    stolen = app.test_client()
    stolen.set_cookie(app.config["SESSION_COOKIE_NAME"], old_cookie)
    assert not _is_signed_in(stolen)

    client.post("/logout")
    assert sign_in(user.email).status_code == 401
    assert sign_in(user.email, NEW_PASSWORD).status_code == 302


def test_a_user_who_must_change_the_password_can_do_nothing_else(app, client, sign_in):
    user = factories.make_user("admin", must_change_password=True)
    response = sign_in(user.email)
    assert response.headers["Location"] == "/account/password"
    page = client.get("/account/password").get_data(as_text=True)
    assert "Choose a new password before you go on." in page
    assert "Your password was set by an administrator." in page

    for url in ("/", "/admin/users", "/audit/", "/account/two-factor"):
        blocked = client.get(url)
        assert blocked.status_code == 302, url
        assert blocked.headers["Location"] == "/account/password"

    assert _change(client).status_code == 302
    assert not user.must_change_password
    assert client.get("/admin/users").status_code == 200


def test_after_an_admin_reset_the_new_password_must_be_changed(app, client, login_as, sign_in):
    admin = factories.make_user("admin")
    user = factories.make_user("manager")
    login_as(user)
    services.reset_password(user, "set by the administrator", actor=admin)
    db.session.commit()
    assert not _is_signed_in(client), "the reset signs the user out everywhere"

    assert sign_in(user.email).status_code == 401
    response = sign_in(user.email, "set by the administrator")
    assert response.headers["Location"] == "/account/password"
    assert client.get("/").headers["Location"] == "/account/password"
    assert _change(client, current="set by the administrator").status_code == 302
    assert _is_signed_in(client)


# --- CSRF ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong-token", "IjAwMDAi.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb"])
def test_sign_in_without_the_right_csrf_token_is_refused(make_app, token):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        user = factories.make_user()
        email = user.email
    client.get("/login")
    data = {"email": email, "password": factories.PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/login", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "security token is missing or has expired" in page
    assert "Khusela" in page
    with app.app_context():
        assert db.session.query(AuditEntry).filter(AuditEntry.action.like("login%")).count() == 0
    assert client.get("/").status_code == 302


def test_sign_in_with_the_csrf_token_of_the_page_works(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        email = factories.make_user().email
    token = factories.csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": factories.PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_sign_out_without_a_csrf_token_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        email = factories.make_user().email
    token = factories.csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": email, "password": factories.PASSWORD, "csrf_token": token})
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


# --- rate limit ---------------------------------------------------------------------------------


def test_sign_in_attempts_are_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    with app.app_context():
        email = factories.make_user().email
    for _ in range(3):
        assert client.post("/login", data={"email": email, "password": WRONG}).status_code == 401
    fourth = client.post("/login", data={"email": email, "password": factories.PASSWORD})
    assert fourth.status_code == 429
    page = fourth.get_data(as_text=True)
    assert "Too many attempts" in page
    assert "RESTRICTED" in page
    assert int(fourth.headers["Retry-After"]) > 0
    assert client.get("/").status_code == 302, "the limited attempt did not sign in"
    assert client.get("/login").status_code == 200, "opening the page is not limited"
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="login_failed").count() == 3
