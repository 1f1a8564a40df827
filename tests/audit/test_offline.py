"""Checking the audit log offline (issue 18, point 11): the export carries each entry's hash scheme,
previous hash and hash, and what its hash covers as it is hashed; verify_audit_extract.py, which an
auditor runs without Khusela and without the chain key, recomputes the recipe documented in it."""

from __future__ import annotations

import csv
import importlib.util
import io
import subprocess
import sys
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.audit import extracts
from app.audit import services as audit
from app.audit.models import AuditEntry
from app.common import signing
from app.common.timeutil import utcnow
from app.extensions import db
from tests.audit.test_tampering import append_legacy

NEW_COLUMNS = ["Occurred at (UTC, as hashed)", "Actor id", "Hash scheme", "Previous hash", "Hash"]


def offline_script():
    spec = importlib.util.spec_from_file_location("verify_audit_extract", extracts.OFFLINE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(extracts.OFFLINE_SCRIPT), *map(str, args)], capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def mixed_log(app):
    """Plain SHA-256 entries from before the chain key (one with non-ASCII text), then keyed ones."""
    append_legacy(3)
    audit.record("update", "risk", 4, summary="Ukuvikela — “Khusela”", changes={"title": ["é", "ü"]})
    audit.record("export", "risk", None, summary="=SUM(A1) exported")
    db.session.commit()


def test_the_script_recomputes_exactly_what_the_app_hashes(mixed_log):
    script = offline_script()
    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    for entry in entries:
        fields = audit.content_fields(entry)
        assert script.content_of(fields) == audit.entry_content(entry).encode("utf-8")
        assert sorted(fields) == sorted(script.CONTENT_FIELDS)
    assert script.HIDDEN_FROM_AUDITORS == audit.HIDDEN_FROM_AUDITORS
    assert script.CHANGES_WITHHELD == audit.CHANGES_WITHHELD
    legacy = entries[0]
    assert audit.compute_hash(legacy) == legacy.entry_hash == __import__("hashlib").sha256(
        script.content_of(audit.content_fields(legacy))).hexdigest()


def test_the_scripts_own_ed25519_agrees_with_cryptography(app):
    script = offline_script()
    raw = script.raw_public_key(signing.public_key_pem())
    signature = signing.sign(b"checkpoint")
    assert script.ed25519_valid(raw, b"checkpoint", signature)
    assert not script.ed25519_valid(raw, b"checkpoinT", signature)
    assert not script.ed25519_valid(raw, b"checkpoint", signature[:-1] + bytes([signature[-1] ^ 1]))
    assert script.fingerprint(raw) == signing.fingerprint()


def csv_export(client) -> str:
    return client.get("/audit/?export=csv").get_data().decode("utf-8-sig")


def test_the_export_carries_the_hashed_time_actor_scheme_and_links(client, login_as, mixed_log):
    admin = login_as("admin")
    rows = list(csv.DictReader(io.StringIO(csv_export(client), newline="")))
    assert list(rows[0])[-len(NEW_COLUMNS):] == NEW_COLUMNS
    by_id = {int(row["Entry"]): row for row in rows}
    for entry in db.session.scalars(sa.select(AuditEntry).where(AuditEntry.id <= max(by_id))):  # not the export's own
        row = by_id[entry.id]
        assert (row["Hash scheme"], row["Previous hash"], row["Hash"]) == (
            entry.hash_scheme, entry.prev_hash, entry.entry_hash)
        assert row["Occurred at (UTC, as hashed)"] == entry.occurred_at.isoformat(timespec="microseconds")
        assert row["Actor id"] == (str(entry.actor_id) if entry.actor_id else "")
    assert any(row["Actor id"] == str(admin.id) for row in rows)
    workbook = load_workbook(io.BytesIO(client.get("/audit/?export=xlsx").get_data()))
    header = [cell.value for cell in next(workbook.active.iter_rows(max_row=1))]
    assert header[-len(NEW_COLUMNS):] == NEW_COLUMNS


def test_the_script_checks_a_csv_export_and_names_what_was_changed(client, login_as, mixed_log, tmp_path):
    login_as("auditor")
    head = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    good = tmp_path / "khusela-audit-log.csv"
    good.write_text(csv_export(client), encoding="utf-8-sig")
    checked = run_script(good, "--expect-hash", head.entry_hash)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "plain SHA-256 entries recomputed: 3" in checked.stdout  # the non-ASCII and "=" entries are keyed
    assert "starts at the beginning of the log" in checked.stdout and "no signed checkpoint given" in checked.stdout
    assert f"hash {head.entry_hash} written down earlier: entry {head.id}" in checked.stdout

    lines = good.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    forged = tmp_path / "forged.csv"
    forged.write_text("".join(line.replace("old thing 1", "old thing 9") for line in lines), encoding="utf-8-sig")
    result = run_script(forged)
    assert result.returncode == 1 and "its content does not match its SHA-256 hash: it was altered" in result.stdout

    second_newest = [line for line in lines[1:] if line.split(",")[0] == str(head.id - 1)]
    cut = tmp_path / "cut.csv"
    cut.write_text("".join(line for line in lines if line not in second_newest), encoding="utf-8-sig")
    result = run_script(cut)
    assert result.returncode == 1 and f"entry {head.id}: its prev_hash" in result.stdout


def test_the_script_undoes_the_exports_guard_against_spreadsheet_formulas(app, tmp_path):
    """A summary starting with "=" is written as "'=..." in the CSV; the hash covers the text as it was."""
    previous = "0" * 64
    row = SimpleNamespace(occurred_at=utcnow(), actor_id=None, actor_email=None, ip_address=None, action="export",
                          entity_type="risk", entity_id=None, summary="=SUM(A1) exported", changes="{}",
                          prev_hash=previous)
    row.entry_hash = audit.compute_hash(SimpleNamespace(**vars(row), hash_scheme="sha256"))
    db.session.execute(sa.insert(AuditEntry.__table__), [vars(row)])
    db.session.commit()
    from app.audit.exports import auditors_columns
    from app.common.export import csv_bytes

    export = tmp_path / "export.csv"
    export.write_bytes(csv_bytes(db.session.execute(sa.select(AuditEntry.__table__)).all(), auditors_columns()))
    assert ",'=SUM(A1) exported," in export.read_text(encoding="utf-8-sig")
    checked = run_script(export)
    assert checked.returncode == 0 and "plain SHA-256 entries recomputed: 1" in checked.stdout


def test_the_script_refuses_a_file_that_is_not_an_export(tmp_path):
    other = tmp_path / "risks.csv"
    other.write_text("Reference,Title\nR-1,Ransomware\n")
    result = run_script(other)
    assert result.returncode == 2 and "the columns Entry, Occurred at (UTC, as hashed)" in result.stderr


def test_the_script_is_offered_on_the_audit_page(client, login_as):
    login_as("auditor")
    response = client.get("/audit/verify_audit_extract.py")
    assert response.status_code == 200
    assert response.get_data() == extracts.OFFLINE_SCRIPT.read_bytes()
    assert "verify_audit_extract.py" in response.headers["Content-Disposition"]
    response.close()
    login_as("security_officer")
    assert client.get("/audit/verify_audit_extract.py").status_code == 403


def test_the_script_imports_nothing_of_khusela():
    source = extracts.OFFLINE_SCRIPT.read_text()
    assert "from app" not in source and "import app" not in source
