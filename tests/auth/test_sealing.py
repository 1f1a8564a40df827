"""Two-factor secrets sealed at rest with a key from the environment or instance/: the cipher, a
wrong or changed key (a clear message, never an error page), the key's source, and the migration
that seals the secrets already stored (and the downgrade that opens them)."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pyotp
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.auth import sealing, services
from app.auth.models import User
from app.config import from_environment
from app.extensions import db
from tests import factories
from tests.auth.conftest import previous_step_code, throttle_counts
from tests.databases import release_app_database
from tests.pages import page_text
from tests.test_migrations import scratch_postgres_database

KEY = "k" * 40
OTHER_KEY = "o" * 40
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BEFORE_SEALING = "b29f9ebfb755"  # the revision before the one that seals the secrets


def test_a_sealed_secret_opens_with_its_key_and_context_only():
    sealed = sealing.seal(SECRET, "user:1:totp_secret", key_material=KEY)
    assert sealed.startswith("v1:") and SECRET not in sealed
    assert sealing.unseal(sealed, "user:1:totp_secret", key_material=KEY) == SECRET
    assert sealing.seal(SECRET, "user:1:totp_secret", key_material=KEY) != sealed, "a fresh nonce each time"
    with pytest.raises(sealing.KeyMismatch, match="instance/totp_key"):
        sealing.unseal(sealed, "user:1:totp_secret", key_material=OTHER_KEY)
    with pytest.raises(sealing.KeyMismatch):
        sealing.unseal(sealed, "user:2:totp_secret", key_material=KEY)  # copied onto another account
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    for broken in (tampered, "v1:not base64!", "v1:", SECRET):
        with pytest.raises(sealing.KeyMismatch):
            sealing.unseal(broken, "user:1:totp_secret", key_material=KEY)


def _enrolled_user() -> tuple[User, str]:
    user = factories.make_user()
    secret = services.new_totp_secret()
    services.enable_mfa(user, secret, previous_step_code(secret))
    db.session.commit()
    return user, secret


def test_a_changed_key_refuses_the_code_with_a_message_and_counts_no_failure(app, client, audit_entries, caplog):
    user, secret = _enrolled_user()
    app.config["TOTP_KEY"] = OTHER_KEY  # the make_app fixture puts the shared app's config back
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    response = client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 401
    assert services.TOTP_KEY_ERROR in page_text(response)
    assert throttle_counts(user.email) == {}
    [entry] = audit_entries("login_refused")
    assert "two-factor key changed" in entry.summary
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "instance/totp_key" in logged, "the server log tells the administrator what to do"
    assert client.get("/").headers["Location"].startswith("/login")


def test_the_command_line_checks_the_key_against_every_stored_secret(app):
    user, _ = _enrolled_user()
    factories.make_user()  # no two-factor sign-in: nothing to check
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "check-totp-key"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "The two-factor key opens the secrets of all 1 account(s) with two-factor sign-in."
    app.config["TOTP_KEY"] = OTHER_KEY
    result = runner.invoke(args=["users", "check-totp-key"])
    assert result.exit_code == 1
    assert f"Error: 1 of 1 two-factor secret(s) cannot be read: {user.email}." in result.stderr
    assert "restore instance/totp_key from the same backup" in result.stderr


def test_the_key_comes_from_the_environment_else_a_file_made_once_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("KHUSELA_TOTP_KEY", raising=False)
    first = from_environment(tmp_path)["TOTP_KEY"]
    assert (tmp_path / "totp_key").read_text() == first and len(first) == 64
    assert oct((tmp_path / "totp_key").stat().st_mode & 0o777) == "0o600"
    assert from_environment(tmp_path)["TOTP_KEY"] == first, "made once, then read"
    monkeypatch.setenv("KHUSELA_TOTP_KEY", KEY)
    assert from_environment(tmp_path)["TOTP_KEY"] == KEY


def test_a_short_key_in_the_environment_stops_the_start_with_a_message(tmp_path, monkeypatch):
    monkeypatch.setenv("KHUSELA_TOTP_KEY", "short")
    with pytest.raises(RuntimeError, match="KHUSELA_TOTP_KEY must be at least 32 characters"):
        from_environment(tmp_path)


# --- the migration ----------------------------------------------------------------------------------


@pytest.fixture
def scratch_app(tmp_path):
    """An app on an empty database of its own, for running the migrations up and down."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if server_url:
        with scratch_postgres_database(server_url) as url:
            app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "TOTP_KEY": KEY})
            yield app
            release_app_database(app)
        return
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}", "TOTP_KEY": KEY})
    yield app
    release_app_database(app)


def _enrolled_row() -> tuple[int, str]:
    """A user enrolled in two-factor sign-in, written straight into the table: these tests run the
    migrations down past the keyed audit chain, which refuses while keyed entries exist, and an
    account made through the services writes them."""
    now = datetime.now(UTC).replace(tzinfo=None)
    user_id = db.session.execute(sa.text(
        'INSERT INTO "user" (email, full_name, password_hash, role, active, must_change_password, mfa_enabled, '
        "session_token, created_at, updated_at, version) VALUES ('sealed@example.gov.za', 'Sealed', 'x', "
        "'auditor', :yes, :no, :yes, 'token', :now, :now, 1) RETURNING id"),
        {"yes": True, "no": False, "now": now}).scalar_one()
    db.session.execute(sa.text('UPDATE "user" SET totp_secret = :sealed WHERE id = :id'),
                       {"sealed": sealing.seal(SECRET, sealing.user_context(user_id)), "id": user_id})
    db.session.commit()
    return user_id, SECRET


def _stored_secret(user_id: int) -> str:
    return db.session.execute(sa.text('SELECT totp_secret FROM "user" WHERE id = :id'), {"id": user_id}).scalar_one()


def test_the_migration_seals_stored_secrets_and_the_downgrade_opens_them(scratch_app):
    with scratch_app.app_context():
        upgrade()
        user_id, secret = _enrolled_row()
        db.session.remove()

        downgrade(revision=BEFORE_SEALING)
        assert _stored_secret(user_id) == secret, "in plain text again, as the older code reads it"
        db.session.remove()

        upgrade()
        stored = _stored_secret(user_id)
        assert stored.startswith("v1:") and secret not in stored
        assert sealing.unseal(stored, sealing.user_context(user_id)) == secret
        db.session.remove()


def test_a_downgrade_with_another_key_stops_and_changes_nothing(scratch_app, capsys):
    with scratch_app.app_context():
        upgrade()
        user_id, _ = _enrolled_row()
        stored = _stored_secret(user_id)
        db.session.remove()
        scratch_app.config["TOTP_KEY"] = OTHER_KEY
        with pytest.raises(SystemExit):  # Flask-Migrate logs "Error: <the message>" and exits 1
            downgrade(revision=BEFORE_SEALING)
        db.session.remove()
        said = capsys.readouterr().err
        assert "Error: Downgrade stopped, nothing changed: The two-factor secrets in the database cannot" in said
        assert "restore instance/totp_key from the same backup" in said
        assert _stored_secret(user_id) == stored
        assert sa.inspect(db.engine).has_table("user_session")
