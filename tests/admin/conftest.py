from __future__ import annotations

import pytest


@pytest.fixture
def admin(login_as):
    return login_as("admin")


@pytest.fixture
def site(make_app):
    """The app with no app context held open by the test, so that every request stands alone as
    in production. The `app` fixture's open context makes requests share `g`, where Flask-Login
    keeps the signed-in user: a second browser, or a session that should have been signed out,
    would silently act as whoever was signed in last. Use `with site.app_context():` for the
    database between requests."""
    return make_app()
