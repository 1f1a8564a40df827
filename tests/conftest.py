"""Fixtures: a fresh, migrated database per test (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set), a test client, and signing in as any role."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from app import create_app  # noqa: E402
from app.assets.models import Product  # noqa: E402
from app.assets.products import sync_products  # noqa: E402
from app.controls.annex_a import sync_annex_a  # noqa: E402
from app.controls.models import AnnexA2013Mapping, Control  # noqa: E402
from app.extensions import db  # noqa: E402
from tests import factories  # noqa: E402

TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "SERVER_NAME": None,
    "ARGON2_PROFILE": "CHEAPEST",
}


def postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> str:
    """Migrate once per session: a SQLite file to copy per test, or the PostgreSQL database itself."""
    url = postgres_url()
    if url:
        _migrate(url)
        return url
    template = tmp_path_factory.mktemp("db") / "template.db"
    _migrate(f"sqlite:///{template}")
    return str(template)


def _empty_postgres(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [table.name for table in db.metadata.sorted_tables]
        quoted = ", ".join(f'"{name}"' for name in tables)
        with db.engine.begin() as connection:
            # TRUNCATE does not fire the row-level trigger that keeps audit_entry append-only.
            connection.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            # Put back what the migrations load, as a fresh SQLite copy has it.
            sync_annex_a(connection, Control.__table__, AnnexA2013Mapping.__table__)
            sync_products(connection, Product.__table__)


@pytest.fixture
def database_url(database_template, tmp_path) -> str:
    if postgres_url():
        return database_template
    copy = Path(tmp_path) / "test.db"
    shutil.copyfile(database_template, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build the app under test; extra config can be passed (CSRF on, rate limits on...)."""
    created = []

    def build(**overrides):
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                          "STAGING_FOLDER": str(tmp_path / "staged-uploads"),
                          "EVIDENCE_FOLDER": str(tmp_path / "evidence"), "PACKS_FOLDER": str(tmp_path / "packs"),
                          "PACK_SIGNING_KEY": str(tmp_path / "pack_signing_key.pem"), "PACKS_INLINE": True,
                          **overrides})
        created.append(app)
        return app

    yield build
    if postgres_url() and created:
        _empty_postgres(created[0])
    for app in created:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _forget_cached_user() -> None:
    """The test keeps an app context open, which requests share (and with it `g`): make each
    request load its user from its own session cookie, as it would in production."""
    from flask import g

    g.pop("_login_user", None)


@pytest.fixture
def app(make_app):
    app = make_app()
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
