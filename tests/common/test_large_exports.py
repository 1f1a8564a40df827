"""Large downloads are built one at a time over every worker (issue 17, point 6): a second one
meanwhile is told to try again, so several can never hold every worker while sign-in waits."""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.common import transactions
from app.extensions import db
from tests import factories
from tests.pages import audit_entries, csv_rows, text_of


@pytest.fixture
def register(app, monkeypatch):
    monkeypatch.setitem(app.config, "LARGE_EXPORT_ROWS", 3)
    for number in range(3):
        factories.make_risk(title=f"Risk {number}")


@contextlib.contextmanager
def another_large_export_running(app):
    """Holds the lock a large export takes, as another worker building one would."""
    if db.engine.dialect.name == "postgresql":
        engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": transactions.LARGE_EXPORT_LOCK})
            yield
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": transactions.LARGE_EXPORT_LOCK})
        engine.dispose()
        return
    lock_file = Path(app.instance_path) / "large-export.lock"
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
        fcntl.flock(handle, fcntl.LOCK_UN)


def test_a_large_export_while_another_is_built_is_asked_to_wait_and_changes_nothing(app, client, login_as,
                                                                                     register):
    login_as("admin")
    exports_before = len(audit_entries("export"))

    with another_large_export_running(app):
        busy = client.get("/risks?export=csv")

    assert busy.status_code == 503 and busy.headers["Retry-After"] == "30"
    assert "busy preparing another large download" in text_of(busy)
    assert len(audit_entries("export")) == exports_before
    assert len(csv_rows(client.get("/risks?export=csv"))) == 3  # once it is done, it goes through


def test_a_small_export_goes_through_while_a_large_one_is_built(app, client, login_as, register, monkeypatch):
    monkeypatch.setitem(app.config, "LARGE_EXPORT_ROWS", 4)
    login_as("admin")

    with another_large_export_running(app):
        response = client.get("/risks?export=xlsx")

    assert response.status_code == 200


def test_the_lock_is_let_go_after_each_export(app, client, login_as, register):
    login_as("admin")

    for _ in range(2):
        assert client.get("/risks?export=csv").status_code == 200
