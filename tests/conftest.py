"""Fixtures: one app per test session, a fresh migrated database per test (SQLite by default,
PostgreSQL when TEST_DATABASE_URL is set; see tests/databases.py), a test client, and signing in
as any role."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from app import create_app  # noqa: E402
from app.extensions import db, limiter  # noqa: E402
from tests import factories  # noqa: E402
from tests.databases import (  # noqa: E402
    PostgresDatabases,
    SqliteDatabases,
    Template,
    point_app_at,
    release_app_database,
)

TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "SERVER_NAME": None,
    "ARGON2_PROFILE": "CHEAPEST",
}


# Settings Flask and its extensions read on every request: a test may change them on the shared
# app. Any other setting (rate limits, a database URL...) is read when an app is built, so a test
# that changes one gets an app of its own.
PER_REQUEST_SETTINGS = frozenset({"WTF_CSRF_ENABLED", "MAX_CONTENT_LENGTH", "PACKS_INLINE"})


def postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
    release_app_database(app)


def files_of_test(folder: Path) -> dict:
    """Where a test's app keeps files: inside the test's own tmp_path."""
    return {"STAGING_FOLDER": str(folder / "staged-uploads"), "EVIDENCE_FOLDER": str(folder / "evidence"),
            "PACKS_FOLDER": str(folder / "packs"), "PACK_SIGNING_KEY": str(folder / "pack_signing_key.pem"),
            "PACKS_INLINE": True}


@pytest.fixture(scope="session")
def databases(tmp_path_factory) -> Iterator[SqliteDatabases | PostgresDatabases]:
    url = postgres_url()
    if url:
        databases = PostgresDatabases(url, worker=os.environ.get("PYTEST_XDIST_WORKER", "main"))
    else:
        databases = SqliteDatabases(tmp_path_factory.mktemp("databases"))
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def migrated_template(databases) -> Template:
    """Migrated once per session (per xdist worker): what `flask db upgrade` leaves."""
    return databases.migrated_template(_migrate)


@pytest.fixture(scope="session")
def seeded_template(databases, migrated_template, tmp_path_factory) -> Template:
    """The migrated template with the demo data, made the first time a test asks for it."""
    folder = tmp_path_factory.mktemp("seeded")

    def seed(url: str) -> Path:
        from app.core.demo import seed_demo

        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **files_of_test(folder)})
        with app.app_context():
            seed_demo(app.config["DEMO_PASSWORD"])
        release_app_database(app)
        return folder / "evidence"

    return databases.seeded_template(migrated_template, seed)


@pytest.fixture(scope="session")
def shared_app(migrated_template):
    """One app for the whole session: building one compiles 177 URL rules and, on first use,
    every template, which cost more than most tests themselves."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": migrated_template.url})
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_cached_user)
    yield app
    release_app_database(app)


@pytest.fixture
def database_url(request, databases, migrated_template, tmp_path) -> Iterator[str]:
    """A database of this test's own, as `flask db upgrade` leaves it, or holding the demo data
    (with its evidence files) when the test asks for `demo_data`."""
    if "demo_data" in request.fixturenames:
        template = request.getfixturevalue("seeded_template")
        url = databases.fresh(template, tmp_path)
        shutil.copytree(template.evidence, files_of_test(tmp_path)["EVIDENCE_FOLDER"])
    else:
        url = databases.fresh(migrated_template, tmp_path)
    yield url
    databases.discard(url)


@pytest.fixture
def demo_data(shared_app) -> str:
    """Ask for it and the test's database starts with the demo organisation, seeded once per session
    (seeding takes seconds); the value is the demo accounts' password."""
    return shared_app.config["DEMO_PASSWORD"]


@pytest.fixture
def make_app(shared_app, database_url, tmp_path):
    """The app under test, on this test's database; extra config can be passed (CSRF on, rate
    limits on...). The first call gets the session's shared app, unless it changes a setting
    read only when an app is built; any other call builds a new app, as a test that adds routes
    or compares two apps expects."""
    created = []
    shared_handed_out: list = []
    saved_config = dict(shared_app.config)
    folders = files_of_test(tmp_path)

    def build(**overrides):
        if set(overrides) <= PER_REQUEST_SETTINGS and not shared_handed_out:
            shared_app.config.update({**folders, **overrides})
            point_app_at(shared_app, database_url)
            shared_handed_out.append(shared_app)
            return shared_app
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **folders, **overrides})
        created.append(app)
        return app

    yield build
    for app in created:
        release_app_database(app)
    # The rate limiter is one object for every app, switched on or off by the last app built.
    limiter.enabled = shared_app.config["RATELIMIT_ENABLED"]
    if shared_handed_out:
        with shared_app.app_context():
            db.session.remove()
        shared_app.config.clear()
        shared_app.config.update(saved_config)


def _forget_cached_user() -> None:
    """The test keeps an app context open, which requests share (and with it `g`): make each
    request load its user from its own session cookie, as it would in production."""
    from flask import g

    g.pop("_login_user", None)


@pytest.fixture
def app(make_app):
    app = make_app()
    if _forget_cached_user not in app.before_request_funcs.get(None, []):
        app.before_request_funcs.setdefault(None, []).insert(0, _forget_cached_user)
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(app, client):
    """login_as("auditor") creates a user of that role (or takes one) and signs the client in."""

    def sign_in(role_or_user, **user_fields):
        user = role_or_user if not isinstance(role_or_user, str) else factories.make_user(role_or_user, **user_fields)
        with client.session_transaction() as session:
            session.clear()  # whoever was signed in before is signed out
        response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        assert response.status_code == 302, f"sign-in as {user.email} failed: {response.status_code}"
        return user

    return sign_in
