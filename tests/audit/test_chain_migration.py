"""The keyed chain's migration goes down only when that loses nothing, or when told to knowingly."""

from __future__ import annotations

import contextlib
import io

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.extensions import db
from tests.databases import release_app_database
from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)

BEFORE_KEYED_CHAIN = "a27f0795d3b3"


@pytest.fixture
def scratch_app(empty_database_url):  # noqa: F811
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    yield app
    release_app_database(app)


def _columns() -> set[str]:
    return {column["name"] for column in sa.inspect(db.engine).get_columns("audit_entry")}


def test_a_downgrade_with_keyed_entries_is_refused_unless_asked_for_knowingly(scratch_app):
    said = io.StringIO()
    with scratch_app.app_context(), contextlib.redirect_stderr(said):
        upgrade()
        audit.record(AuditAction.CREATE, "thing", 1, summary="keyed")
        db.session.commit()
        db.session.remove()

        with pytest.raises(SystemExit):  # Flask-Migrate logs "Error: <the message>" and exits 1
            downgrade(revision=BEFORE_KEYED_CHAIN)
        db.session.remove()
        assert "hash_scheme" in _columns()

        downgrade(revision=BEFORE_KEYED_CHAIN, x_arg=["keyed-audit=unverifiable"])
        db.session.remove()
        assert "hash_scheme" not in _columns()
    assert "1 audit entries are keyed (HMAC-SHA256)" in said.getvalue()
