"""Builders for the backup tests: an installation with data, evidence files and keys in the test's
own folders; running the `backup` commands; wiping the installation as a lost server would be."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.audit.models import AuditEntry
from app.auth.models import User
from app.common.timeutil import local_today
from app.controls import services as controls
from app.controls.demo import demo_pdf
from app.controls.models import Evidence, EvidenceFile
from app.extensions import db
from tests import factories

KEY_ENVIRONMENT = ("SECRET_KEY", "KHUSELA_TOTP_KEY", "KHUSELA_AUDIT_CHAIN_KEY")


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def backup(app, *args: str):
    return app.test_cli_runner().invoke(args=["backup", *args])


@pytest.fixture
def instance(app, tmp_path, monkeypatch) -> Path:
    """The app's instance folder, where the keys live, inside the test's own folder; no key comes
    from the environment (the test suite sets SECRET_KEY), as on a default install."""
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setattr(app, "instance_path", str(folder))
    for name in KEY_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return folder


def add_evidence(title: str = "Backup restore test, Q1 2026", text: str = "12 of 12 servers restored.") -> Evidence:
    officer = factories.make_user("security_officer")
    data = controls.EvidenceInput(title=title, evidence_date=local_today(),
                                  control_ids=[controls.annex_a_control("8.13").id])
    evidence = controls.add_evidence(data, actor=officer, filename="restore-test.pdf", content=demo_pdf(title, [text]))
    db.session.commit()
    return evidence


def add_entries(count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        audit.record(AuditAction.CREATE, "thing", number, summary=f"thing {number}")
    db.session.commit()


def state() -> dict:
    """What a restore must bring back exactly: every audit entry, the accounts, the evidence rows."""
    return {
        "audit": [tuple(row) for row in db.session.execute(
            sa.select(AuditEntry.id, AuditEntry.action, AuditEntry.summary, AuditEntry.entry_hash)
            .order_by(AuditEntry.id))],
        "users": sorted(db.session.scalars(sa.select(User.email))),
        "evidence": [tuple(row) for row in db.session.execute(
            sa.select(EvidenceFile.id, EvidenceFile.sha256, EvidenceFile.size).order_by(EvidenceFile.id))],
    }


def evidence_folder(app) -> Path:
    return Path(app.config["EVIDENCE_FOLDER"])


def wipe(app) -> None:
    """The server is lost: no SQLite database file and no evidence files; on PostgreSQL, a new database
    as `flask db upgrade` makes it, but without even the catalogue's rows. (TRUNCATE, not DROP SCHEMA:
    the next test's reset, tests/databases.py, needs the tables and notes each one truncated.)"""
    db.session.remove()
    db.engine.dispose()
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
    else:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.begin() as connection:
            tables = connection.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                                "AND tablename <> 'alembic_version'")).scalars()
            connection.exec_driver_sql(f"TRUNCATE {', '.join(f'public.{name}' for name in tables)} CASCADE")
        engine.dispose()
    shutil.rmtree(evidence_folder(app), ignore_errors=True)


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        handle = tar.extractfile("manifest.json")
        assert handle is not None
        return json.loads(handle.read())


def rewrite_manifest(archive: Path, **changes) -> None:
    """The archive with its manifest changed, every file kept as it is."""
    with tarfile.open(archive) as tar:
        files = {member.name: tar.extractfile(member).read() for member in tar.getmembers()}  # type: ignore[union-attr]
    manifest = {**json.loads(files["manifest.json"]), **changes}
    files["manifest.json"] = json.dumps(manifest).encode()
    archive.unlink()
    with tarfile.open(archive, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def damage(archive: Path, member_name: str) -> None:
    """Flip one byte of a file inside the archive, as a failing disk would."""
    with tarfile.open(archive) as tar:
        offset = tar.getmember(member_name).offset_data
    with archive.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))
