"""Server-side sessions: a copied cookie stops working once the session ends (sign-out, password
change or reset, deactivation, two-factor reset, "sign out everywhere"), the absolute lifetime
setting, the idle time kept on the server, housekeeping, and the own-sessions page."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from app.admin import settings
from app.auth import services, sessions
from app.auth.models import SessionEnd, UserSession, describe_browser
from app.common.timeutil import utcnow
from app.extensions import db
from tests import factories
from tests.auth.conftest import cookie_of, previous_step_code, session_of
from tests.pages import is_signed_in, page_text, text_of
from tests.threads import run_together

COOKIE = "khusela_session"
CHROME_ON_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/126.0.0.0 Safari/537.36")


def _copy_of_cookie(app, client):
    """Another browser holding a copy of this client's session cookie (stolen, or left behind)."""
    copy = app.test_client()
    copy.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return copy


def _start(user, **fields) -> tuple[str, UserSession]:
    key = sessions.start(user, ip_address="10.0.0.7", user_agent=CHROME_ON_WINDOWS, **fields)
    db.session.commit()
    return key, sessions.find(key)


# --- the rules, against the database ------------------------------------------------------------


def test_a_session_is_stored_by_the_hash_of_its_key_only(app):
    user = factories.make_user()
    key, row = _start(user)
    assert len(key) >= 40
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = db.session.execute(sa.select(UserSession.__table__)).one()._asdict()
    assert not any(key in str(value) for value in stored.values()), "the key itself is stored nowhere"
    assert (row.ip_address, row.browser) == ("10.0.0.7", "Chrome on Windows")
    assert sessions.load_user(key) is user


def test_the_absolute_end_is_the_setting_default_12_hours(app):
    user = factories.make_user()
    _, row = _start(user)
    assert row.expires_at - row.created_at == timedelta(hours=12)
    settings.save({settings.SESSION_LIFETIME_HOURS: 3}, actor=None)
    db.session.commit()
    _, later = _start(user)
    assert later.expires_at - later.created_at == timedelta(hours=3)


@pytest.mark.parametrize("key", [None, "", "not-a-key", "x" * 5000, 42, ["a list"]])
def test_the_loader_refuses_anything_but_a_live_sessions_key(app, key):
    _start(factories.make_user())
    assert sessions.load_user(key) is None


@pytest.mark.parametrize(("created_ago", "seen_ago", "live"), [
    (timedelta(hours=11, minutes=59), timedelta(minutes=1), True),
    (timedelta(hours=12), timedelta(minutes=1), False),  # the absolute end, however active
    (timedelta(hours=1), timedelta(minutes=29), True),
    (timedelta(hours=1), timedelta(minutes=31), False),  # idle for longer than 30 minutes
])
def test_the_loader_accepts_a_session_within_both_limits_only(app, created_ago, seen_ago, live):
    user = factories.make_user()
    now = utcnow()
    key, row = _start(user, now=now - created_ago)
    row.last_seen_at = now - seen_ago
    db.session.commit()
    assert (sessions.load_user(key) is user) == live
    assert sessions.expiry_of(row, now) == (None if live else (
        SessionEnd.LIFETIME if created_ago >= timedelta(hours=12) else SessionEnd.IDLE))


def test_an_ended_session_or_a_deactivated_account_signs_no_one_in(app):
    user = factories.make_user()
    key, row = _start(user)
    assert sessions.end(row, SessionEnd.SIGNED_OUT)
    assert not sessions.end(row, SessionEnd.SIGNED_OUT), "ending it twice is no error, and reports nothing"
    db.session.commit()
    assert sessions.load_user(key) is None
    assert row.end_reason == "signed_out" and row.ended_at is not None

    other_key, _ = _start(user)
    user.active = False
    db.session.commit()
    assert sessions.load_user(other_key) is None


def test_the_last_use_is_written_at_most_once_a_minute(app):
    user = factories.make_user()
    now = utcnow()
    _, row = _start(user, now=now)
    assert not sessions.touch(row, now + timedelta(seconds=59))
    assert sessions.touch(row, now + timedelta(seconds=61))
    db.session.commit()
    assert row.last_seen_at == now + timedelta(seconds=61)


def test_end_all_keeps_the_session_asked_for_and_counts_only_live_ones(app):
    user, other = factories.make_user(), factories.make_user()
    _, kept = _start(user)
    _, second = _start(user)
    _, idle = _start(user)
    idle.last_seen_at = utcnow() - timedelta(hours=1)
    _, not_theirs = _start(other)
    db.session.commit()
    assert sessions.end_all(user, SessionEnd.SIGNED_OUT_ELSEWHERE, keep=kept) == 1
    db.session.commit()
    assert (kept.ended_at, not_theirs.ended_at, idle.ended_at) == (None, None, None)
    assert second.end_reason == "signed_out_elsewhere"
    assert sessions.open_sessions(user) == [kept]


def test_old_session_records_are_removed_at_sign_in_and_by_the_daily_job(app):
    user, other = factories.make_user(), factories.make_user()
    long_ago = utcnow() - timedelta(days=sessions.KEEP_DAYS + 1)
    _start(user, now=long_ago)
    _start(other, now=long_ago)
    _, recent = _start(other, now=utcnow() - timedelta(days=sessions.KEEP_DAYS - 1))

    def rows_of(person) -> int:
        return db.session.scalar(sa.select(sa.func.count()).where(UserSession.user_id == person.id))

    _start(user)  # a sign-in removes the user's own old records
    assert (rows_of(user), rows_of(other)) == (1, 2)
    assert sessions.remove_old_sessions() == "1 session record(s) not used for 30 days removed"
    db.session.commit()
    assert rows_of(other) == 1
    assert db.session.get(UserSession, recent.id) is not None


def test_the_housekeeping_job_is_registered():
    from app.scheduler import jobs

    assert jobs.get("session-housekeeping").function == "app.auth.sessions:remove_old_sessions"


def test_lowering_the_lifetime_shortens_open_sessions_but_a_longer_one_does_not_lengthen_them(app):
    user = factories.make_user()
    _, row = _start(user)
    assert sessions.shorten_open_sessions(4) == 1
    db.session.commit()
    assert row.expires_at - row.created_at == timedelta(hours=4)
    assert sessions.shorten_open_sessions(24) == 0
    assert row.expires_at - row.created_at == timedelta(hours=4)


@pytest.mark.parametrize(("agent", "described"), [
    (CHROME_ON_WINDOWS, "Chrome on Windows"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Linux"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
     "Safari/605.1.15", "Safari on macOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
     "Safari/537.36 Edg/126.0", "Edge on Windows"),
    ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
     "Chrome on Android"),
    ("curl/8.5.0", "Unknown browser"),
    (None, "Unknown browser"),
])
def test_browsers_are_described_in_words(agent, described):
    assert describe_browser(agent) == described


# --- signing out ends the session on the server ------------------------------------------------------


def test_a_copied_cookie_stops_working_once_its_session_signs_out(app, client, login_as, audit_entries):
    login_as("auditor")
    copy = _copy_of_cookie(app, client)
    assert is_signed_in(copy), "a copy works while the session lasts"
    assert client.post("/logout").headers["Location"] == "/login"

    replayed = copy.get("/audit/")
    assert replayed.status_code == 302
    assert replayed.headers["Location"].startswith("/login")
    assert 'name="password"' in page_text(copy.get(replayed.headers["Location"])), "the sign-in page"
    assert "_user_id" not in cookie_of(copy), "the dead key is dropped from the copy"
    assert len(audit_entries("logout")) == 1


def test_the_session_reaching_its_absolute_end_signs_out_however_active(app, client, login_as, audit_entries):
    user = login_as("admin")
    row = session_of(client)
    row.created_at, row.expires_at = utcnow() - timedelta(hours=12), utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get("/admin/users")
    assert response.headers["Location"] == "/login?next=/admin/users"
    assert "Your session reached the longest time a session may last." in page_text(
        client.get(response.headers["Location"]))
    assert session_of(_copy_of_cookie(app, client)) is None
    db.session.refresh(row)
    assert row.end_reason == "lifetime"
    [entry] = audit_entries("logout")
    assert (entry.actor_id, entry.summary) == (user.id, "Session reached the longest session time")


@pytest.mark.parametrize(("action", "reason", "message"), [
    ("deactivate", "deactivated", "You were signed out: account deactivated."),
    ("reset-password", "password_reset", "You were signed out: password reset by an administrator."),
    ("sign-out-everywhere", "signed_out_everywhere",
     "You were signed out: signed out everywhere by an administrator."),
])
def test_an_administrators_action_ends_every_session_of_the_account(app, client, login_as, action, reason, message):
    user = login_as("risk_owner")
    laptop, phone = _copy_of_cookie(app, client), app.test_client()
    assert phone.post("/login", data={"email": user.email, "password": factories.PASSWORD}).status_code == 302
    rows = [session_of(laptop), session_of(phone)]
    admin_browser = app.test_client()
    admin = factories.make_user("admin")
    admin_browser.post("/login", data={"email": admin.email, "password": factories.PASSWORD})

    data = {"password": "a new password set by the admin"} if action == "reset-password" else {"version": user.version}
    response = admin_browser.post(f"/admin/users/{user.id}/{action}", data=data)
    assert response.status_code == 302
    for browser in (laptop, phone):
        landing = browser.get("/", follow_redirects=True)
        assert message in text_of(landing)
        assert not is_signed_in(browser)
    for row in rows:
        db.session.refresh(row)
        assert row.end_reason == reason
    assert is_signed_in(admin_browser), "the administrator's own session goes on"


def test_a_two_factor_reset_ends_every_session(app, client):
    user = factories.make_user()
    secret = services.new_totp_secret()
    services.enable_mfa(user, secret, previous_step_code(secret))
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert is_signed_in(client)
    services.reset_mfa(user, actor=factories.make_user("admin"))
    db.session.commit()
    assert not is_signed_in(client)


def test_a_password_change_renews_this_sessions_key_and_ends_the_others(app, client, login_as, audit_entries):
    user = login_as("manager")
    old_copy, other = _copy_of_cookie(app, client), app.test_client()
    other.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    row = session_of(client)
    new_password = "a long and different passphrase"
    client.post("/account/password", data={"current_password": factories.PASSWORD, "new_password": new_password,
                                           "confirm_password": new_password})
    assert is_signed_in(client)
    assert session_of(client).id == row.id, "the same session, under a new key"
    assert not is_signed_in(old_copy)
    assert not is_signed_in(other)
    [entry] = audit_entries("password_changed")
    assert entry.summary == "Changed own password; 1 other session(s) ended"


# --- "sign out everywhere" (administrators) ----------------------------------------------------------


def test_sign_out_everywhere_ends_a_half_finished_sign_in_too_and_is_audited(app, client, login_as, audit_entries):
    user = factories.make_user()
    secret = services.new_totp_secret()
    services.enable_mfa(user, secret, previous_step_code(secret))
    db.session.commit()
    waiting = app.test_client()
    assert waiting.post("/login", data={"email": user.email, "password": factories.PASSWORD}).headers[
        "Location"] == "/login/two-factor"
    admin = login_as("admin")
    response = client.post(f"/admin/users/{user.id}/sign-out-everywhere", data={"version": user.version},
                           follow_redirects=True)
    assert f"Signed {user.email} out everywhere" in text_of(response)
    assert waiting.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()}).headers["Location"] == "/login"
    [entry] = audit_entries("sessions_ended")
    assert (entry.actor_id, entry.entity_id) == (admin.id, str(user.id))
    assert entry.summary == f"Signed {user.email} out everywhere: 0 open session(s) ended"


def test_an_administrator_cannot_sign_themself_out_everywhere_here(app, client, login_as, audit_entries):
    admin = login_as("admin")
    response = client.post(f"/admin/users/{admin.id}/sign-out-everywhere", data={"version": admin.version},
                           follow_redirects=True)
    assert "use “Sign out my other sessions” on your Sessions page" in text_of(response)
    assert is_signed_in(client)
    assert audit_entries("sessions_ended") == []
    page = text_of(client.get(f"/admin/users/{admin.id}"))
    assert "Sign out everywhere" not in page and "Your own sessions" in page


@pytest.mark.parametrize("role", ["security_officer", "auditor", "manager"])
def test_only_administrators_sign_others_out_everywhere(app, client, login_as, role):
    user = factories.make_user()
    key, _ = _start(user)
    login_as(role)
    assert client.post(f"/admin/users/{user.id}/sign-out-everywhere", data={"version": user.version}).status_code == 403
    assert sessions.load_user(key) is user


def test_sign_out_everywhere_of_no_such_account_is_not_found(client, login_as):
    login_as("admin")
    assert client.post("/admin/users/999999/sign-out-everywhere", data={"version": 1}).status_code == 404


def test_sign_out_everywhere_needs_the_forms_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    with app.app_context():
        admin, user = factories.make_user("admin"), factories.make_user()
        key, _ = _start(user)
        user_id = user.id
        token = factories.csrf_token(browser.get("/login").get_data(as_text=True))
        browser.post("/login", data={"email": admin.email, "password": factories.PASSWORD, "csrf_token": token})
        assert browser.post(f"/admin/users/{user_id}/sign-out-everywhere", data={"version": "1"}).status_code == 400
        assert sessions.load_user(key) is not None


def test_the_users_page_lists_their_open_sessions(app, client, login_as):
    user = factories.make_user()
    _start(user)
    login_as("admin")
    page = text_of(client.get(f"/admin/users/{user.id}"))
    assert "Open sessions" in page and "10.0.0.7" in page and "Chrome on Windows" in page


# --- the user's own sessions ---------------------------------------------------------------------------


def test_own_sessions_page_lists_where_one_is_signed_in(app, client, login_as):
    user = login_as("hr_officer")
    _start(user)
    page = text_of(client.get("/account/sessions"))
    assert "10.0.0.7" in page and "Chrome on Windows" in page
    assert page.count("This session") == 1
    other_user = factories.make_user()
    _start(other_user)
    assert page.count("Ends at the latest") == 1


def test_sign_out_my_other_sessions_keeps_this_one(app, client, login_as, audit_entries):
    user = login_as("risk_owner")
    phone = app.test_client()
    phone.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    response = client.post("/account/sessions/sign-out-others", follow_redirects=True)
    assert "Signed out of 1 other session(s). This one stays signed in." in text_of(response)
    assert is_signed_in(client) and not is_signed_in(phone)
    [entry] = audit_entries("sessions_ended")
    assert (entry.actor_id, entry.summary) == (user.id, "Signed out of 1 other session(s)")

    again = client.post("/account/sessions/sign-out-others", follow_redirects=True)
    assert "You had no other open sessions." in text_of(again)
    assert len(audit_entries("sessions_ended")) == 1


def test_sign_out_my_other_sessions_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    with app.app_context():
        user = factories.make_user()
        phone_key, _ = _start(user)
        token = factories.csrf_token(browser.get("/login").get_data(as_text=True))
        browser.post("/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token})
        assert browser.post("/account/sessions/sign-out-others").status_code == 400
        assert sessions.load_user(phone_key) is user


def test_own_sessions_page_needs_signing_in(client):
    assert client.get("/account/sessions").headers["Location"].startswith("/login")
    assert client.post("/account/sessions/sign-out-others").headers["Location"].startswith("/login")


# --- the lifetime setting ----------------------------------------------------------------------------


def _settings_form(**values) -> dict:
    from tests.admin.test_settings import posted

    return posted(classification_label="RESTRICTED", evidence_max_mb="20", **values)


def test_the_lifetime_is_an_administrators_setting(app, client, login_as, audit_entries):
    login_as("admin")
    row = session_of(client)
    page = page_text(client.get("/admin/settings"))
    assert re.search(r'<input[^>]*name="session_lifetime_hours"[^>]*value="12"', page)
    response = client.post("/admin/settings", data=_settings_form(session_lifetime_hours="8"))
    assert response.status_code == 302
    assert settings.get(settings.SESSION_LIFETIME_HOURS) == 8
    db.session.refresh(row)
    assert row.expires_at - row.created_at == timedelta(hours=8), "open sessions end sooner at once"
    [entry] = audit_entries("update")
    assert '"session_lifetime_hours"' in entry.changes


@pytest.mark.parametrize(("value", "message"), [
    ("0", "Choose between 1 and 72 hours"), ("73", "Choose between 1 and 72 hours"),
    ("", "Enter after how many hours a session ends"), ("twelve", "Not a valid integer value."),
])
def test_a_lifetime_out_of_range_is_refused(app, client, login_as, value, message):
    login_as("admin")
    response = client.post("/admin/settings", data=_settings_form(session_lifetime_hours=value))
    assert response.status_code == 422
    assert message in page_text(response)
    assert settings.get(settings.SESSION_LIFETIME_HOURS) == 12


def test_only_administrators_change_the_lifetime(app, client, login_as):
    login_as("security_officer")
    assert client.post("/admin/settings", data=_settings_form(session_lifetime_hours="1")).status_code == 403
    assert settings.get(settings.SESSION_LIFETIME_HOURS) == 12


# --- two requests of one session at once ---------------------------------------------------------------


def test_two_requests_of_one_session_at_once_both_succeed(app, client, login_as):
    """Both find the last use due for writing; the second UPDATE matches nothing, which is no error."""
    login_as("auditor")
    row = session_of(client)
    row.last_seen_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    browsers = {"tab 1": client, "tab 2": _copy_of_cookie(app, client)}
    statuses = {}

    def open_page(tab: str) -> None:
        statuses[tab] = browsers[tab].get("/").status_code

    run_together(open_page, browsers, timeout=60)
    assert statuses == {"tab 1": 200, "tab 2": 200}
    assert utcnow() - session_of(client).last_seen_at < timedelta(minutes=1)


def test_two_enrolment_pages_of_one_session_at_once_show_the_same_secret(app, client, login_as):
    login_as("manager")
    browsers = {"tab 1": client, "tab 2": _copy_of_cookie(app, client)}
    pages = {}

    def open_page(tab: str) -> None:
        pages[tab] = browsers[tab].get("/account/two-factor")

    run_together(open_page, browsers, timeout=60)
    secret = sessions.pending_totp_secret(session_of(client))
    for tab, response in pages.items():
        assert response.status_code == 200, tab
        assert f'id="totp-secret">{secret}</code>' in response.get_data(as_text=True), tab


def test_two_requests_of_a_session_that_ran_out_end_it_once(app, client, login_as, audit_entries):
    login_as("auditor")
    row = session_of(client)
    row.last_seen_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    browsers = {"tab 1": client, "tab 2": _copy_of_cookie(app, client)}
    locations = {}

    def open_page(tab: str) -> None:
        locations[tab] = browsers[tab].get("/").headers.get("Location")

    run_together(open_page, browsers, timeout=60)
    assert locations == {"tab 1": "/login?next=/", "tab 2": "/login?next=/"}
    assert len(audit_entries("logout")) == 1, "one sign-out recorded, by whichever request came first"
    db.session.refresh(row)
    assert row.end_reason == "idle"
