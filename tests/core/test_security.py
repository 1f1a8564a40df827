"""Security headers on every response, the session cookie's flags and the idle-session timeout."""

from __future__ import annotations

import re
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.common.timeutil import utcnow
from app.extensions import db
from tests import factories
from tests.auth.conftest import session_of

HTTPS = "https://localhost"



def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _session_cookie(response, app) -> dict:
    """The Set-Cookie attributes of the session cookie, lower-cased names."""
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        if app.config["SESSION_COOKIE_NAME"] in cookie:
            morsel = cookie[app.config["SESSION_COOKIE_NAME"]]
            flags = {key: morsel[key] for key in ("httponly", "secure", "samesite", "path")}
            # SimpleCookie keeps flags without a value as True, and absent ones as "".
            return {**flags, "raw": header}
    raise AssertionError(f"no session cookie set: {response.headers.getlist('Set-Cookie')}")


# --- headers ----------------------------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        directives[name] = values
    return directives


RESPONSES = {
    "sign-in page": lambda client: client.get("/login"),
    "failed sign-in": lambda client: client.post("/login", data={"email": "x@example.gov.za", "password": "wrong"}),
    "redirect to sign in": lambda client: client.get("/admin/users"),
    "not found": lambda client: client.get("/no/such/page"),
    "method not allowed": lambda client: client.get("/logout"),
    "health check": lambda client: client.get("/health"),
    "static file": lambda client: client.get("/static/css/khusela.css"),
}


@pytest.mark.parametrize("make_request", RESPONSES.values(), ids=RESPONSES.keys())
def test_every_response_carries_the_security_headers(client, make_request):
    response = make_request(client)
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    for values in csp.values():
        assert "'unsafe-inline'" not in values
        assert "'unsafe-eval'" not in values
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers, "HSTS only over HTTPS"
    response.close()


@pytest.mark.parametrize("url", ["/", "/account/password", "/account/two-factor", "/admin/users", "/no/such/page"])
def test_signed_in_pages_are_not_stored_and_carry_the_headers(client, login_as, url):
    login_as("admin")
    response = client.get(url)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_static_files_stay_cacheable_for_signed_in_users(client, login_as):
    login_as("admin")
    response = client.get("/static/css/khusela.css")
    response.close()  # a file response: close it, or the open file trips the warnings-as-errors rule
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_the_sign_in_response_itself_is_not_stored(app, client):
    user = factories.make_user()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/", "/account/two-factor"])
def test_signed_in_pages_have_no_inline_script(client, login_as, url):
    """The CSP refuses inline script and style: a page that relied on them would silently break."""
    login_as("admin")
    page = client.get(url).get_data(as_text=True)
    assert "<script>" not in page
    assert " onclick=" not in page
    assert ' style="' not in page


def test_hsts_is_sent_over_https(client):
    response = client.get("/login", base_url=HTTPS)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# --- the session cookie -----------------------------------------------------------------------


def test_session_cookie_is_http_only_and_same_site_lax(app, client):
    user = factories.make_user()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    cookie = _session_cookie(response, app)
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"], "over plain HTTP a Secure cookie would never come back"


def test_session_cookie_is_secure_over_https(app, client):
    user = factories.make_user()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD}, base_url=HTTPS)
    cookie = _session_cookie(response, app)
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert client.get("/", base_url=HTTPS).status_code == 200


def test_secure_cookies_can_be_forced_by_config(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/login")
    assert _session_cookie(response, app)["secure"] is True


def test_no_remember_me_cookie_is_set(app, client):
    user = factories.make_user()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert not any("remember_token" in header for header in response.headers.getlist("Set-Cookie"))


# --- idle timeout (the session's last use is kept on the server: tests/auth/test_sessions.py) ------


def _idle_for(client, seconds: float) -> None:
    row = session_of(client)
    row.last_seen_at = utcnow() - timedelta(seconds=seconds)
    db.session.commit()


def test_idle_session_is_signed_out(app, client, login_as):
    user = login_as("admin")
    assert client.get("/").status_code == 200
    _idle_for(client, app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() + 60)

    response = client.get("/admin/users?role=auditor")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/admin/users?role%3Dauditor"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session expired after a period of inactivity. Sign in again to continue." in page

    [entry] = _audit("logout")
    assert entry.actor_id == user.id
    assert "inactivity" in entry.summary
    assert client.get("/").headers["Location"].startswith("/login")
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_signing_in_after_the_timeout_returns_to_the_page(app, client, login_as):
    user = login_as("admin")
    _idle_for(client, 3600)
    client.get(client.get("/admin/users").headers["Location"])
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/admin/users"


def test_a_session_used_within_the_limit_stays_signed_in(app, client, login_as):
    login_as("auditor")
    _idle_for(client, app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() - 60)
    assert client.get("/").status_code == 200
    assert utcnow() - session_of(client).last_seen_at < timedelta(seconds=60), "each use starts the idle time again"
    assert _audit("logout") == []


def test_the_limit_comes_from_config(make_app):
    app = make_app(PERMANENT_SESSION_LIFETIME=timedelta(minutes=5))
    client = app.test_client()
    with app.app_context():
        email = factories.make_user().email
        client.post("/login", data={"email": email, "password": factories.PASSWORD})
        _idle_for(client, 4 * 60)
        assert client.get("/").status_code == 200
        _idle_for(client, 6 * 60)
        assert client.get("/").headers["Location"].startswith("/login")


def test_the_health_check_does_not_keep_a_session_alive(app, client, login_as):
    login_as("auditor")
    _idle_for(client, 20 * 60)
    before = session_of(client).last_seen_at
    assert client.get("/health").status_code == 200
    assert session_of(client).last_seen_at == before


def test_a_signed_out_session_cookie_just_sees_the_sign_in_page(app, client, login_as):
    login_as("auditor")
    client.post("/logout")
    assert client.get("/login").status_code == 200
    assert len(_audit("logout")) == 1


def test_page_templates_have_no_inline_style():
    """The Content Security Policy (style-src 'self') blocks a style attribute or element in a page, which
    then renders wrongly with no error on the server; the browser suite sees it only on pages it opens.
    PDF templates are WeasyPrint's, which no policy governs."""
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "app" / "templates"
    styled = [str(path.relative_to(templates)) for path in templates.rglob("*.html")
              if path.parent.name != "pdf" and re.search(r"<style|\sstyle=\"", path.read_text(encoding="utf-8"))]
    assert styled == []


def test_a_background_fetch_leaves_the_session_cookie_alone_so_a_pages_flash_survives(client, login_as):
    """The case form's employee search runs while the form is posted: had its response re-sent the cookie it
    was sent with after the post's response (which carries the flash "opened the case…"), the flash was lost
    (the browser journey saw it now and then). Pages still refresh the cookie, so its idle time slides."""
    login_as("manager")
    client.get("/cases/new")  # the form, whose script fetches

    fetched = client.get("/cases/employees?q=Ay", headers={"Accept": "application/json"})
    page = client.get("/cases/new")

    assert fetched.status_code == 200 and fetched.is_json
    assert "Set-Cookie" not in fetched.headers
    assert "session=" in page.headers.get("Set-Cookie", "")
