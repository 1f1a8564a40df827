"""`flask backup create / verify / restore / check`: a round trip on the database the suite runs on
(SQLite, or PostgreSQL under scripts/with-postgres), a backup taken while entries are being written,
and every refusal a restore must make before it writes anything."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.backup import database
from app.backup.archive import BackupError
from app.extensions import db
from tests.backup.conftest import (
    add_entries,
    add_evidence,
    backup,
    damage,
    evidence_folder,
    is_postgres,
    manifest_of,
    rewrite_manifest,
    state,
    wipe,
)


def test_a_round_trip_brings_back_the_data_the_audit_chain_and_the_evidence(app, tmp_path):
    evidence = add_evidence()
    sha256 = evidence.current_file.sha256
    add_entries(5)
    before = state()
    archive = tmp_path / "nightly.tar"

    created = backup(app, "create", "--output", str(archive))
    assert created.exit_code == 0, created.output
    assert f"Backup written: {archive}" in created.output
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    manifest = manifest_of(archive)
    assert manifest["audit_log"] == {"entries": len(before["audit"]), "head_hash": before["audit"][-1][3]}
    assert manifest["database"]["kind"] == db.engine.dialect.name
    assert f"evidence/{sha256[:2]}/{sha256}" in {item["path"] for item in manifest["files"]}

    wipe(app)
    restored = backup(app, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert f"audit log OK: {len(before['audit'])} entries" in restored.output
    assert "stored files: all 1 present with their recorded SHA-256" in restored.output
    assert "Restore verified." in restored.output
    assert "New audit checkpoint: checkpoint #" in restored.output
    after = state()
    assert {**after, "audit": after["audit"][:-2]} == before
    assert after["audit"][-2][1:3] == ("restore", f"Restored from the backup made {manifest['created_at']} "
                                                  "(nightly.tar); changes made after it are not in the database")
    assert after["audit"][-1][1] == "checkpoint"  # the checkpoint file re-anchored on the restored log
    stored = evidence_folder(app) / sha256[:2] / sha256
    assert stored.is_file() and stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert backup(app, "check").exit_code == 0


def test_verify_reads_every_file_of_a_good_archive_without_restoring(app, tmp_path):
    add_evidence()
    archive = tmp_path / "nightly.tar"
    backup(app, "create", "--output", str(archive))
    result = backup(app, "verify", str(archive))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{archive}: OK\n")
    assert "files checked against the manifest: 1 evidence files" in result.output


def test_a_backup_taken_while_entries_are_written_holds_every_committed_entry(app, tmp_path):
    """The live SQLite database is in WAL mode: the newest commits are in the -wal file, which a copy of
    the database file misses. The online backup API takes them, in one consistent snapshot."""
    db.session.commit()
    committed: list[int] = []
    stop, problems = threading.Event(), []

    def write() -> None:
        with app.app_context():
            try:
                for number in range(3000):
                    if stop.is_set():
                        break
                    entry_id = audit.record(AuditAction.CREATE, "thing", number, summary=f"thing {number}").id
                    db.session.commit()
                    committed.append(entry_id)
            except Exception as error:  # noqa: BLE001 - the finding
                problems.append(repr(error))
            finally:
                db.session.remove()

    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + 10
    while len(committed) < 30 and time.monotonic() < deadline:
        time.sleep(0.01)
    committed_before = list(committed)
    archive = tmp_path / "busy.tar"
    try:
        created = backup(app, "create", "--output", str(archive))
    finally:
        stop.set()
        writer.join(timeout=30)
    assert not writer.is_alive() and problems == []
    assert created.exit_code == 0, created.output
    assert len(committed_before) >= 30
    entries = manifest_of(archive)["audit_log"]["entries"]
    assert entries >= len(committed_before), "entries committed before the backup began are missing from it"

    restored = backup(app, "restore", str(archive), "--yes")
    assert restored.exit_code == 0, restored.output
    assert f"audit log OK: {entries} entries" in restored.output
    assert set(committed_before) <= {row[0] for row in state()["audit"]}


def test_a_damaged_archive_is_refused_naming_the_file(app, tmp_path):
    sha256 = add_evidence().current_file.sha256
    archive = tmp_path / "nightly.tar"
    backup(app, "create", "--output", str(archive))
    damage(archive, f"evidence/{sha256[:2]}/{sha256}")

    checked = backup(app, "verify", str(archive))
    assert checked.exit_code == 1
    assert (f"evidence/{sha256[:2]}/{sha256}: its SHA-256 does not match the manifest (the file was damaged or "
            "altered)") in checked.output

    wipe(app)
    restored = backup(app, "restore", str(archive))
    assert restored.exit_code == 1
    assert f"evidence/{sha256[:2]}/{sha256}: its SHA-256 does not match the manifest" in restored.output
    assert "nothing was restored" in restored.output
    assert not evidence_folder(app).exists()


def test_a_file_missing_from_the_archive_or_not_an_archive_is_refused(app, tmp_path):
    archive = tmp_path / "nightly.tar"
    backup(app, "create", "--output", str(archive))
    manifest = manifest_of(archive)
    lost = "evidence/ab/" + "ab" * 32
    rewrite_manifest(archive, files=[*manifest["files"], {"path": lost, "size": 64, "sha256": "ab" * 32}])
    result = backup(app, "verify", str(archive))
    assert result.exit_code == 1
    assert f"{lost}: listed in the manifest but missing from the archive" in result.output

    not_a_backup = tmp_path / "notes.tar"
    not_a_backup.write_text("hello")
    result = backup(app, "verify", str(not_a_backup))
    assert result.exit_code == 1
    assert f"{not_a_backup} is not a Khusela backup archive" in result.output


def test_a_restore_over_a_database_with_data_needs_yes(app, tmp_path):
    add_evidence()
    archive = tmp_path / "nightly.tar"
    backup(app, "create", "--output", str(archive))
    backed_up = state()
    add_entries(3)  # written after the backup
    after = state()

    refused = backup(app, "restore", str(archive))
    assert refused.exit_code == 1
    assert "already holds data (accounts or audit entries)" in refused.output
    assert "run it again with --yes" in refused.output
    assert state() == after

    confirmed = backup(app, "restore", str(archive), "--yes")
    assert confirmed.exit_code == 0, confirmed.output
    restored = state()
    assert restored["audit"][:-2] == backed_up["audit"]  # then the restore's entry and its new checkpoint
    assert {**restored, "audit": None} == {**backed_up, "audit": None}


def test_a_sqlite_database_another_process_has_open_is_not_replaced(app, tmp_path, monkeypatch):
    if is_postgres():
        pytest.skip("SQLite only: on PostgreSQL pg_restore waits for the locks, then fails and rolls back")
    monkeypatch.setattr(database, "SQLITE_IN_USE_WAIT_SECONDS", 0.2)
    archive = tmp_path / "nightly.tar"
    backup(app, "create", "--output", str(archive))
    add_entries(2)
    before = state()
    db.session.remove()
    # Khusela still running: a connection of another process, open and idle.
    running = sqlite3.connect(sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
    running.execute("SELECT count(*) FROM audit_entry").fetchall()
    try:
        refused = backup(app, "restore", str(archive), "--yes")
    finally:
        running.close()
    assert refused.exit_code == 1
    assert "is in use by another process. Stop Khusela (the web server and the scheduler)" in refused.output
    assert state() == before


def test_an_evidence_file_altered_before_the_backup_is_caught_by_the_restore(app, tmp_path):
    evidence = add_evidence()
    evidence_id, sha256 = evidence.current_file.id, evidence.current_file.sha256
    stored = evidence_folder(app) / sha256[:2] / sha256
    stored.write_bytes(stored.read_bytes().replace(b"12 of 12", b"11 of 12"))
    archive = tmp_path / "nightly.tar"

    created = backup(app, "create", "--output", str(archive))
    assert created.exit_code == 0
    assert f"evidence file {stored}: its content does not match its name" in created.output

    wipe(app)
    restored = backup(app, "restore", str(archive))
    assert restored.exit_code == 1
    assert (f"{stored}: its content does not match its recorded SHA-256 (altered) (named by control evidence "
            f"file {evidence_id})") in restored.output
    assert "Restore FAILED verification" in restored.output


def test_check_names_a_missing_evidence_file(app):
    evidence = add_evidence()
    sha256 = evidence.current_file.sha256
    (evidence_folder(app) / sha256[:2] / sha256).unlink()
    result = backup(app, "check")
    assert result.exit_code == 1
    assert f"{sha256}: missing (named by control evidence file {evidence.current_file.id})" in result.output


def test_the_keys_are_backed_up_and_restored_with_mode_0600(app, tmp_path, instance):
    keys = {"secret_key": "a" * 64, "totp_key": "b" * 64, "audit_chain_key": "c" * 64}
    for name, value in keys.items():
        (instance / name).write_text(value)
    signing_key = Path(app.config["PACK_SIGNING_KEY"])
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    signing_key.write_text(pem)
    archive = tmp_path / "nightly.tar"
    created = backup(app, "create", "--output", str(archive))
    assert created.exit_code == 0
    assert "keys: secret_key, pack_signing_key.pem, totp_key, audit_chain_key" in created.output
    assert "Warning" not in created.output

    wipe(app)
    for name in keys:
        (instance / name).unlink()
    signing_key.unlink()
    restored = backup(app, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    for name, value in keys.items():
        assert (instance / name).read_text() == value
        assert stat.S_IMODE((instance / name).stat().st_mode) == 0o600
    assert signing_key.read_text() == pem


def test_a_different_existing_key_is_replaced_only_with_yes_and_kept_aside(app, tmp_path, instance):
    (instance / "secret_key").write_text("the key of the backup")
    archive = tmp_path / "nightly.tar"
    backup(app, "create", "--output", str(archive))
    wipe(app)
    (instance / "secret_key").write_text("a newer key")

    refused = backup(app, "restore", str(archive))
    assert refused.exit_code == 1
    assert f"{instance / 'secret_key'} already holds a different secret_key" in refused.output
    assert (instance / "secret_key").read_text() == "a newer key"

    confirmed = backup(app, "restore", str(archive), "--yes")
    assert confirmed.exit_code == 0, confirmed.output
    assert (instance / "secret_key").read_text() == "the key of the backup"
    kept = list(instance.glob("secret_key.before-restore-*"))
    assert [path.read_text() for path in kept] == ["a newer key"]


def test_a_key_from_the_environment_is_named_but_not_in_the_archive(app, tmp_path, instance, monkeypatch):
    monkeypatch.setenv("KHUSELA_AUDIT_CHAIN_KEY", "from-the-vault")
    (instance / "audit_chain_key").write_text("an unused file")
    archive = tmp_path / "nightly.tar"
    created = backup(app, "create", "--output", str(archive))
    assert created.exit_code == 0
    assert ("Warning: KHUSELA_AUDIT_CHAIN_KEY is set in the environment, so the archive does not hold the "
            "audit_chain_key in use") in created.output
    manifest = manifest_of(archive)
    assert "keys/audit_chain_key" not in {item["path"] for item in manifest["files"]}
    note = next(key for key in manifest["keys"] if key["name"] == "audit_chain_key")
    assert (note["included"], note["environment"]) == (False, "KHUSELA_AUDIT_CHAIN_KEY")


def test_a_backup_from_a_newer_version_is_refused_and_from_an_older_one_needs_an_upgrade(app, tmp_path):
    archive = tmp_path / "nightly.tar"
    backup(app, "create", "--output", str(archive))
    wipe(app)
    rewrite_manifest(archive, alembic_revision="ffffffffffff")
    refused = backup(app, "restore", str(archive))
    assert refused.exit_code == 1
    assert "migration ffffffffffff, which this version of Khusela does not have" in refused.output

    rewrite_manifest(archive, alembic_revision="15ef7074e4e8")  # the first migration
    restored = backup(app, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "run `flask --app wsgi db upgrade`, then `flask --app wsgi backup check`" in restored.output


def test_the_default_archive_is_named_by_the_time_in_the_backup_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_FOLDER", str(tmp_path / "backups"))
    result = backup(app, "create")
    assert result.exit_code == 0, result.output
    made = sorted(os.listdir(tmp_path / "backups"))
    assert len(made) == 1 and made[0].startswith("khusela-backup-") and made[0].endswith("Z.tar")
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700
    again = backup(app, "create", "--output", str(tmp_path / "backups" / made[0]))
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_a_missing_pg_dump_is_named_with_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(database, "PG_BIN_GLOB", str(tmp_path / "postgresql" / "*" / "bin"))
    with pytest.raises(BackupError, match="pg_dump was not found on PATH nor under .*install postgresql-client"):
        database.find_pg_tool("pg_dump")
