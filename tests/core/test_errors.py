"""Error pages in the app's layout (never a stack trace), and the health check."""

from __future__ import annotations

import logging
import re

import pytest
from flask import abort

from app.admin.services import find_department_by_code
from app.auth.models import Department
from app.auth.permissions import public
from app.core.errors import render_error
from app.extensions import db
from tests import factories


def assert_error_page(response, status: int, *texts: str) -> str:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f"(error {status})" in page
    assert "Khusela" in page
    assert re.search(r'class="classification-banner"[^>]*>\s*RESTRICTED\s*<', page), "the classification banner"
    assert "Traceback" not in page
    assert 'href="/"' in page, "a way back to the start page"
    for text in texts:
        assert text in page
    return page


@pytest.mark.parametrize("url", ["/no/such/page", "/admin/users/abc", "/admin/users/1.5", "/static/missing.css"])
def test_unknown_address_is_404(client, login_as, url):
    login_as("admin")
    assert_error_page(client.get(url), 404, "Not found", "There is no page at this address.")


def test_unknown_address_is_404_before_signing_in_too(client):
    assert_error_page(client.get("/admin/users/abc"), 404, "Not found")


def test_missing_record_is_404(client, login_as):
    login_as("admin")
    assert_error_page(client.get("/admin/users/999999"), 404, "Not found")


def test_page_the_role_may_not_open_is_403(client, login_as):
    login_as("auditor")
    assert_error_page(client.get("/admin/users"), 403, "Not allowed", "Your role does not allow this page or action.")


def test_wrong_method_is_405_and_says_which_are_allowed(client, login_as):
    login_as("auditor")
    response = client.get("/logout")
    assert_error_page(response, 405, "This address does not accept that kind of request.")
    assert "POST" in response.headers["Allow"]
    assert "GET" not in response.headers["Allow"]


def test_body_over_the_limit_is_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    response = client.post("/login", data={"email": "someone@example.gov.za", "password": "x" * 2000})
    assert_error_page(response, 413, "File too large", "The upload is larger than the limit of 1 KB.")


def test_the_upload_limit_is_named_in_megabytes(make_app):
    app = make_app(MAX_CONTENT_LENGTH=20 * 1024 * 1024)
    with app.test_request_context():
        body, status = render_error(413)
    assert status == 413
    assert "The upload is larger than the limit of 20 MB." in body


def test_routing_redirects_are_not_turned_into_error_pages(client, login_as):
    login_as("admin")
    response = client.get("/audit")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/audit/")


@pytest.fixture
def app_with_routes(app, make_app):
    """A fresh app with extra routes added before its first request; `app` comes first so the
    database is set up as in every other test."""
    fresh = make_app()

    @public
    def explode():
        raise RuntimeError("database password is hunter2")

    @public
    def fail_half_way():
        db.session.add(Department(code="TMP", name="Unsaved"))
        db.session.flush()
        raise RuntimeError("half way")

    @public
    def gone():
        abort(410)

    fresh.add_url_rule("/explode", "explode", explode)
    fresh.add_url_rule("/fail-half-way", "fail_half_way", fail_half_way)
    fresh.add_url_rule("/gone", "gone", gone)
    return fresh


def test_unexpected_error_is_a_500_page_without_details(app_with_routes, caplog):
    client = app_with_routes.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/explode")
    page = assert_error_page(response, 500, "Something went wrong", "The error has been logged")
    assert "hunter2" not in page
    assert "RuntimeError" not in page
    assert any("Unhandled error" in record.getMessage() and record.exc_info for record in caplog.records)


def test_unsaved_changes_are_rolled_back_on_an_error(app_with_routes):
    client = app_with_routes.test_client()
    assert client.get("/fail-half-way").status_code == 500
    with app_with_routes.app_context():
        assert find_department_by_code("TMP") is None


def test_other_http_errors_are_shown_in_the_layout_too(app_with_routes):
    response = app_with_routes.test_client().get("/gone")
    assert_error_page(response, 410, "Gone", "The request could not be completed.")


# --- health -------------------------------------------------------------------------------------


def test_health_reports_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_needs_no_sign_in_even_for_a_restricted_account(app, client):
    user = factories.make_user(must_change_password=True)
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert client.get("/").headers["Location"] == "/account/password"
    assert client.get("/health").get_json() == {"status": "ok", "database": "ok"}


def test_health_reports_an_unreachable_database(app, make_app, caplog):
    broken = make_app(SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-dir/khusela.db")
    with caplog.at_level(logging.ERROR):
        response = broken.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error"}
    assert any("database unreachable" in record.getMessage() for record in caplog.records)


def test_error_page_renders_while_the_database_is_down(app, make_app):
    broken = make_app(SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-dir/khusela.db")
    assert_error_page(broken.test_client().get("/no/such/page"), 404, "Not found")


@pytest.mark.parametrize("path", ["/risks/99999999999999999999", "/controls/2147483648", "/soa/versions/99999999999"])
def test_an_id_the_database_cannot_hold_is_not_found(client, login_as, path):
    login_as("admin")

    assert client.get(path).status_code == 404
