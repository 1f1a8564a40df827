"""Two-factor sign-in (TOTP): enrolling, signing in with a code, lockout, turning it off, and
two-factor sign-in made mandatory for a role."""

from __future__ import annotations

import base64
import json
import re

import pyotp
import pytest

from app.admin import settings
from app.auth import services, sessions
from app.extensions import db
from tests import factories
from tests.auth.conftest import cookie_of, previous_step_code, session_of, throttle_counts


def _pending_secret(client) -> str | None:
    """The secret the client's session is setting up: kept on the server, not in the cookie."""
    row = session_of(client)
    return sessions.pending_totp_secret(row) if row else None


def _enrol(client) -> str:
    """Open the two-factor page and turn it on with the code of the secret shown there."""
    assert client.get("/account/two-factor").status_code == 200
    secret = _pending_secret(client)
    response = client.post("/account/two-factor/enable", data={"code": previous_step_code(secret)})
    assert response.status_code == 302
    return secret


def _location(response) -> str:
    assert response.status_code == 302
    return response.headers["Location"]


@pytest.fixture
def enrolled_user(app):
    """A security officer with two-factor sign-in on; returns (user, secret)."""
    user = factories.make_user()
    secret = services.new_totp_secret()
    services.enable_mfa(user, secret, previous_step_code(secret))
    db.session.commit()
    return user, secret


# --- enrolling --------------------------------------------------------------------------------


def test_enrolment_page_shows_a_qr_code_and_the_secret(client, login_as):
    login_as("manager")
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = _pending_secret(client)
    assert len(secret) >= 26
    assert f'<code class="fs-6" id="totp-secret">{secret}</code>' in page
    image = re.search(r'<img class="qr-code[^"]*" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert image, "the QR code is an inline SVG image"
    assert base64.b64decode(image.group(1)).lstrip().startswith(b"<svg")
    assert client.get("/account/two-factor").status_code == 200
    assert _pending_secret(client) == secret, "reloading the page keeps the secret being set up"


def _decoded_cookie(app, client) -> dict:
    """The session cookie as the browser holds it, decoded the way anyone holding it could."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def test_the_secret_being_set_up_is_kept_on_the_server_not_in_the_cookie(app, client, login_as):
    login_as("manager")
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = _pending_secret(client)
    assert secret and secret in page
    cookie = _decoded_cookie(app, client)
    assert cookie.get("_user_id"), "the cookie was read: it names the signed-in session"
    assert secret not in json.dumps(cookie)
    assert cookie == cookie_of(client)
    assert secret not in session_of(client).pending_totp_secret, "sealed on the session row"


def test_the_secret_being_set_up_ends_with_the_session(app, client, login_as):
    login_as("manager")
    client.get("/account/two-factor")
    row = session_of(client)
    assert row.pending_totp_secret is not None
    client.post("/logout")
    db.session.refresh(row)
    assert row.pending_totp_secret is None


def test_enable_with_the_right_code(app, client, login_as, audit_entries):
    user = login_as("manager")
    client.get("/account/two-factor")
    secret = _pending_secret(client)
    response = client.post("/account/two-factor/enable", data={"code": pyotp.TOTP(secret).now()})
    assert _location(response) == "/"
    assert "Two-factor sign-in is on." in client.get("/").get_data(as_text=True)
    assert user.mfa_enabled
    assert services.totp_secret_of(user) == secret
    [entry] = audit_entries("mfa_enabled")
    assert entry.actor_id == user.id
    assert session_of(client).pending_totp_secret is None, "the set-up secret is forgotten once enabled"
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Each sign-in asks for a code" in page
    assert secret not in page, "the secret is not shown again once set up"


@pytest.mark.parametrize(
    ("code", "message"),
    [("wrong", "That code does not match."), ("12345", "The code is 6 digits."), ("", "Enter the 6-digit code.")],
)
def test_enable_with_a_wrong_code_is_refused(app, client, login_as, audit_entries, wrong_totp_code, code, message):
    user = login_as("manager")
    client.get("/account/two-factor")
    secret = _pending_secret(client)
    response = client.post(
        "/account/two-factor/enable", data={"code": wrong_totp_code(secret) if code == "wrong" else code}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert secret in page, "the same secret is shown again, so the app already set up still fits"
    assert not user.mfa_enabled
    assert user.totp_secret is None
    assert audit_entries("mfa_enabled") == []


def test_enable_is_refused_without_a_secret_being_set_up(app, client, login_as):
    """The session that showed the QR code has ended (signed out and in again, say)."""
    user = login_as("manager")
    response = client.post("/account/two-factor/enable", data={"code": "123456"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The set-up had expired. Scan the new code below" in page
    assert _pending_secret(client) in page
    assert not user.mfa_enabled


def test_enable_when_already_on_changes_nothing(app, client, sign_in, enrolled_user):
    user, secret = enrolled_user
    sign_in(user.email)
    client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    sessions.set_up_totp_secret(session_of(client))
    db.session.commit()
    response = client.post("/account/two-factor/enable", data={"code": pyotp.TOTP(secret).now()})
    assert _location(response) == "/account/two-factor"
    assert services.totp_secret_of(user) == secret


# --- signing in with a code -------------------------------------------------------------------


def test_sign_in_asks_for_the_code_after_the_password(app, client, sign_in, enrolled_user, audit_entries):
    user, secret = enrolled_user
    response = sign_in(user.email)
    assert _location(response) == "/login/two-factor"
    assert _location(client.get("/")).startswith("/login"), "not signed in before the code"
    assert audit_entries("login") == []
    assert "Enter your authentication code" in client.get("/login/two-factor").get_data(as_text=True)

    response = client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert _location(response) == "/"
    assert client.get("/").status_code == 200
    [entry] = audit_entries("login")
    assert entry.actor_id == user.id


def test_the_page_a_user_wanted_opens_after_the_code(app, client, sign_in):
    user = factories.make_user("admin")
    secret = services.new_totp_secret()
    services.enable_mfa(user, secret, previous_step_code(secret))
    db.session.commit()
    client.get("/login?next=/admin/users")
    sign_in(user.email)
    response = client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert _location(response) == "/admin/users"


def test_code_page_without_the_password_step_sends_to_sign_in(client):
    for response in (client.get("/login/two-factor"), client.post("/login/two-factor", data={"code": "123456"})):
        assert _location(response) == "/login"
    assert "Sign in with your e-mail address and password first." in client.get("/login").get_data(as_text=True)


def test_wrong_code_is_refused(app, client, sign_in, enrolled_user, wrong_totp_code, audit_entries):
    user, secret = enrolled_user
    sign_in(user.email)
    response = client.post("/login/two-factor", data={"code": wrong_totp_code(secret)})
    assert response.status_code == 401
    assert "That code is not right, or it was used already." in response.get_data(as_text=True)
    assert _location(client.get("/")).startswith("/login")
    assert throttle_counts(user.email) == {"account_at_address": 1, "account": 1}
    assert [e.summary for e in audit_entries("login_failed")] == ["Wrong two-factor code"]


def test_wrong_codes_count_towards_the_slowing_down(app, client, sign_in, enrolled_user, wrong_totp_code,
                                                   audit_entries):
    user, secret = enrolled_user
    for _ in range(2):
        assert sign_in(user.email, "not the right password").status_code == 401
    sign_in(user.email)
    for _ in range(2):
        assert client.post("/login/two-factor", data={"code": wrong_totp_code(secret)}).status_code == 401
    fifth = client.post("/login/two-factor", data={"code": wrong_totp_code(secret)})
    assert fifth.status_code == 401
    assert services.SECOND_FACTOR_REFUSED in fifth.get_data(as_text=True)
    assert len(audit_entries("sign_in_slowed")) == 1

    right_code = client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert right_code.status_code == 401, "while the wait lasts not even the right code signs in"
    assert services.SECOND_FACTOR_REFUSED in right_code.get_data(as_text=True)
    again = sign_in(user.email)
    assert again.status_code == 401
    assert services.SIGN_IN_REFUSED in again.get_data(as_text=True)
    assert _location(client.get("/")).startswith("/login")


def test_code_no_longer_counts_once_the_account_is_deactivated(app, client, sign_in, enrolled_user, audit_entries):
    user, secret = enrolled_user
    admin = factories.make_user("admin")
    sign_in(user.email)
    services.set_user_active(user, False, expected_version=user.version, actor=admin)
    db.session.commit()
    response = client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code in (302, 401)
    assert _location(client.get("/")).startswith("/login")
    assert audit_entries("login") == []


def test_code_no_longer_counts_once_the_password_is_reset(app, client, sign_in, enrolled_user, audit_entries):
    """An administrator resets a password thought stolen: a half-finished sign-in with it must not finish."""
    user, secret = enrolled_user
    admin = factories.make_user("admin")
    sign_in(user.email)
    services.reset_password(user, "a fresh password from the admin", actor=admin)
    db.session.commit()
    response = client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert _location(response) == "/login"
    assert _location(client.get("/")).startswith("/login")
    assert audit_entries("login") == []


def test_code_attempts_are_rate_limited(make_app, wrong_totp_code):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute", LOCKOUT_THRESHOLD=10)
    client = app.test_client()
    with app.app_context():
        user = factories.make_user()
        secret = services.new_totp_secret()
        services.enable_mfa(user, secret, previous_step_code(secret))
        db.session.commit()
        email = user.email
    assert _location(client.post("/login", data={"email": email, "password": factories.PASSWORD})) == (
        "/login/two-factor"
    )
    for _ in range(3):
        assert client.post("/login/two-factor", data={"code": wrong_totp_code(secret)}).status_code == 401
    fourth = client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert fourth.status_code == 429
    assert "Too many attempts" in fourth.get_data(as_text=True)
    assert _location(client.get("/")).startswith("/login")


# --- turning it off ---------------------------------------------------------------------------


def _signed_in_with_mfa(client, sign_in, user, secret) -> None:
    sign_in(user.email)
    assert _location(client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})) == "/"


def test_turning_off_needs_the_password(app, client, sign_in, enrolled_user, audit_entries):
    user, secret = enrolled_user
    _signed_in_with_mfa(client, sign_in, user, secret)
    assert "Turn off two-factor sign-in" in client.get("/account/two-factor").get_data(as_text=True)

    refused = client.post("/account/two-factor/disable", data={"password": "not the right password"})
    assert refused.status_code == 422
    assert "The password is not right." in refused.get_data(as_text=True)
    assert user.mfa_enabled

    response = client.post("/account/two-factor/disable", data={"password": factories.PASSWORD})
    assert _location(response) == "/account/two-factor"
    assert "Two-factor sign-in is off." in client.get("/account/two-factor").get_data(as_text=True)
    assert not user.mfa_enabled
    assert user.totp_secret is None
    assert len(audit_entries("mfa_disabled")) == 1

    client.post("/logout")
    assert _location(sign_in(user.email)) == "/", "no code is asked for any more"


# --- mandatory for a role ---------------------------------------------------------------------


def test_a_role_that_requires_it_must_enrol_before_anything_else(app, client, sign_in):
    user = factories.make_user("auditor")
    settings.save({"mfa_required_roles": ["auditor"]}, actor=None)
    db.session.commit()
    response = sign_in(user.email)
    assert _location(response) == "/account/two-factor"
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Your role requires two-factor sign-in. Set it up before you go on." in page

    for url in ("/", "/audit/"):
        assert _location(client.get(url)) == "/account/two-factor", url

    secret = _enrol(client)
    assert user.mfa_enabled
    assert client.get("/audit/").status_code == 200

    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Each sign-in asks for a code" in page
    assert "Turn off two-factor sign-in" not in page, "no way to turn off what the role requires"
    refused = client.post("/account/two-factor/disable", data={"password": factories.PASSWORD})
    assert refused.status_code == 422
    assert "Two-factor sign-in is required for your role and cannot be turned off." in refused.get_data(as_text=True)
    assert user.mfa_enabled
    assert services.totp_secret_of(user) == secret


def test_making_it_mandatory_applies_to_users_already_signed_in(app, client, login_as):
    login_as("auditor")
    assert client.get("/audit/").status_code == 200
    settings.save({"mfa_required_roles": ["auditor"]}, actor=None)
    db.session.commit()
    assert _location(client.get("/audit/")) == "/account/two-factor"


def test_other_roles_are_not_asked_to_enrol(app, client, login_as):
    settings.save({"mfa_required_roles": ["auditor"]}, actor=None)
    db.session.commit()
    login_as("manager")
    assert client.get("/").status_code == 200


def test_changing_the_password_comes_before_enrolling(app, client, sign_in):
    user = factories.make_user("auditor", must_change_password=True)
    settings.save({"mfa_required_roles": ["auditor"]}, actor=None)
    db.session.commit()
    assert _location(sign_in(user.email)) == "/account/password"
    assert _location(client.get("/account/two-factor")) == "/account/password"
    response = client.post(
        "/account/password",
        data={"current_password": factories.PASSWORD, "new_password": "my own passphrase now",
              "confirm_password": "my own passphrase now"},
    )
    assert _location(response) == "/account/two-factor"
    db.session.refresh(user)
    assert not user.must_change_password
    _enrol(client)
    assert client.get("/").status_code == 200


def test_a_code_used_to_sign_in_cannot_be_used_again(app, client, sign_in, enrolled_user, audit_entries):
    user, secret = enrolled_user
    code = pyotp.TOTP(secret).now()
    sign_in(user.email)
    assert client.post("/login/two-factor", data={"code": code}).status_code == 302
    other_browser = app.test_client()
    sign_in(user.email, on=other_browser)
    replay = other_browser.post("/login/two-factor", data={"code": code})
    assert replay.status_code == 401
    assert "used already" in replay.get_data(as_text=True)
    assert len(audit_entries("login")) == 1
