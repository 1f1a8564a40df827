"""flask evidence rescan: the evidence kept before Khusela looked inside archives, checked against
today's rules; offenders are listed with their record, and nothing is changed."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.common import contents, uploads
from app.controls import services as control_services
from app.controls.models import EvidenceFile
from app.controls.services import EvidenceInput, annex_a_control
from app.extensions import db
from app.policies import services as policy_services
from app.policies.cases import services as case_services
from app.policies.cases.models import CaseEvidence, CaseStatus, PolicyCase
from app.policies.models import PolicyVersion
from tests import archives

ZIP_WITH_PROGRAM = archives.zipped({"minutes.pdf": archives.pdf(), "inner.zip": archives.zipped(
    {"setup.pdf": archives.windows_program()})})
DOCX_WITH_MACROS = archives.docx({"word/vbaProject.bin": archives.vba_project()})


@pytest.fixture
def demo(app, demo_data):
    return app


def rescan(app):
    return app.test_cli_runner().invoke(args=["evidence", "rescan"])


def evidence_store(app) -> list[tuple[Path, bytes]]:
    return [(path, path.read_bytes()) for path in sorted(Path(app.config["EVIDENCE_FOLDER"]).rglob("*"))
            if path.is_file()]


def kept_files() -> int:
    return sum(db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (EvidenceFile,
                                                                                               CaseEvidence))


def stored_before_the_rules(monkeypatch) -> tuple[str, str]:
    """Control evidence and case evidence as the upload check let them through before it looked
    inside archives; returns the title of the evidence and the reference of the case."""
    with monkeypatch.context() as before:
        before.setattr(contents, "inspect_archive", lambda *args: None)
        control_services.add_evidence(
            EvidenceInput(title="Firewall review pack", evidence_date=date(2026, 3, 2),
                          control_ids=[annex_a_control("8.20").id]),
            actor=None, filename="firewall-review.zip", content=ZIP_WITH_PROGRAM)
        case = db.session.scalars(sa.select(PolicyCase).where(PolicyCase.status == CaseStatus.OPEN.value)
                                  .order_by(PolicyCase.id)).first()
        assert case is not None, "the demo has an open case"
        case_services.add_evidence(case, uploads.check_evidence("statement.docx", DOCX_WITH_MACROS),
                                   "Signed statement", actor=None)
        db.session.commit()
    return "Firewall review pack", case.reference


def test_the_demo_evidence_passes_todays_rules(demo):
    result = rescan(demo)

    assert result.exit_code == 0, result.output
    checked = int(result.output.split()[1])
    assert checked >= 5 and result.output.strip() == (f"Checked {checked} stored files: every one passes today's "
                                                      "upload rules.")


def test_files_stored_before_the_rules_are_listed_with_their_record_and_nothing_is_changed(demo, monkeypatch):
    title, case_reference = stored_before_the_rules(monkeypatch)
    files_before = kept_files()
    on_disk = evidence_store(demo)

    result = rescan(demo)

    assert result.exit_code == 1
    program_sha = hashlib.sha256(ZIP_WITH_PROGRAM).hexdigest()
    macros_sha = hashlib.sha256(DOCX_WITH_MACROS).hexdigest()
    assert f"“{title}”, file " in result.output
    assert (f": firewall-review.zip (SHA-256 {program_sha})\n    firewall-review.zip › inner.zip › setup.pdf is a "
            "program (Windows executable); programs cannot be stored as evidence.\n") in result.output
    assert (f"case {case_reference}, evidence " in result.output
            and f": statement.docx (SHA-256 {macros_sha})\n    statement.docx › word/vbaProject.bin holds macros; "
                "documents with macros cannot be stored as evidence." in result.output)
    assert result.output.rstrip().endswith(
        "stored files: 2 would be refused today. Nothing was changed: review each record above, and replace the file "
        "or remove the evidence.")
    assert kept_files() == files_before
    assert evidence_store(demo) == on_disk


def signed_policy_document(code: str, content: bytes) -> PolicyVersion:
    policy = policy_services.create_policy(policy_services.PolicyInput(code=code, title="Acceptable Use Policy"),
                                           policy_services.DraftInput(body="# Acceptable use"), actor=None)
    version = policy.latest
    policy_services.update_draft(version, policy_services.DraftInput(body="# Acceptable use"),
                                 expected_version=version.version, actor=None,
                                 document=uploads.check_evidence("aup-signed.pdf", content))
    db.session.commit()
    return version


def test_a_missing_or_altered_file_is_listed_too(demo):
    document = signed_policy_document("AUP", archives.pdf("Acceptable use, signed"))
    missing = document.document_sha256
    uploads.stored_path(missing).unlink()
    altered = db.session.scalars(sa.select(EvidenceFile).order_by(EvidenceFile.id)).first()
    uploads.stored_path(altered.sha256).write_bytes(b"%PDF-1.4 changed")

    result = rescan(demo)

    assert result.exit_code == 1
    assert (f"policy AUP version {document.number}, signed document: aup-signed.pdf (SHA-256 {missing})\n"
            "    The file is not in the evidence store (deleted, or not restored from backup).") in result.output
    assert (f"(SHA-256 {altered.sha256})\n    The stored file's SHA-256 is "
            f"{hashlib.sha256(b'%PDF-1.4 changed').hexdigest()}, not the one recorded at upload: it changed on "
            "disk.") in result.output


def test_a_file_kept_under_a_higher_size_limit_is_not_listed_for_its_size(app, monkeypatch):
    from app.admin import settings

    control_services.add_evidence(
        EvidenceInput(title="Scan", evidence_date=date(2026, 3, 2), control_ids=[annex_a_control("8.13").id]),
        actor=None, filename="scan.pdf", content=b"%PDF-1.4\n" + b"0" * (2 * archives.MB))
    settings.save({settings.EVIDENCE_MAX_MB: 1}, actor=None)
    db.session.commit()

    result = rescan(app)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Checked 1 stored file: every one passes today's upload rules."


def test_the_check_is_the_uploads_with_its_configured_limits(demo, monkeypatch):
    control_services.add_evidence(
        EvidenceInput(title="Nested pack", evidence_date=date(2026, 3, 2), control_ids=[annex_a_control("8.13").id]),
        actor=None, filename="pack.zip", content=archives.zipped({"a.zip": archives.zipped({"x.pdf": b"%PDF"})}))
    db.session.commit()
    assert rescan(demo).exit_code == 0
    monkeypatch.setitem(demo.config, "ARCHIVE_MAX_DEPTH", 0)

    result = rescan(demo)

    assert result.exit_code == 1
    assert "pack.zip › a.zip is an archive nested more than 0 deep" in result.output
