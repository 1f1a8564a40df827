"""Evidence packs carry the issued internal audit reports, byte for byte as issued, and extracts of the
audits and their checklist lines."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from app.audit import checkpoints
from app.audit.models import CheckpointReason
from app.extensions import db
from app.internal_audits import services
from app.reports import documents, pack_archive, packs
from tests.internal_audits.conftest import TODAY, fake_pdf, fill, make_applicable


@pytest.fixture(autouse=True)
def quick_reports(monkeypatch):
    monkeypatch.setattr(documents, "build_report", lambda name, *, params=None, generated_by: b"%PDF-1.7 " +
                        name.encode())


def _issued(started, lead, **options):
    audited = started(lead, **options)
    fill(audited, lead, {"9.2": ("minor_nc", "No programme.")})
    services.issue_report(audited, summary="S", conclusion="C", actual_end=None, expected_version=audited.version,
                          actor=lead, render=fake_pdf, today=TODAY)
    db.session.commit()
    return audited


def _pack(tmp_path, scope: packs.Scope) -> zipfile.ZipFile:
    target = tmp_path / "pack.zip"
    pack_archive.write_pack(packs.gather(packs.check_scope(scope)), target, generated_by="Test Auditor",
                            checkpoint=checkpoints.publish(CheckpointReason.PACK))
    return zipfile.ZipFile(target)


def test_the_pack_holds_each_issued_report_and_the_audit_extracts(tmp_path, started, plan, lead):
    audited = _issued(started, lead)
    plan(lead, title="Not yet done")  # planned: no report, in no pack

    with _pack(tmp_path, packs.Scope()) as archive:
        path = f"reports/internal-audits/{audited.reference}-internal-audit-report.pdf"
        assert archive.read(path) == fake_pdf(audited)
        manifest = json.loads(archive.read(pack_archive.MANIFEST))
        audits = list(csv.DictReader(io.StringIO(archive.read("extracts/internal-audits.csv").decode("utf-8-sig"))))
        lines = list(csv.DictReader(io.StringIO(
            archive.read("extracts/internal-audit-checklists.csv").decode("utf-8-sig"))))
        names = archive.namelist()
    entry = next(item for item in manifest["files"] if item["path"] == path)
    assert entry["sha256"] == audited.report_sha256 and entry["source"]["audit"] == audited.reference
    assert [row["Reference"] for row in audits] == [audited.reference]
    assert [(row["Clause or control"], row["Result"], row["Nonconformity"]) for row in lines] == [
        ("4.1", "Conforming", ""), ("9.2", "Minor nonconformity", "NC-0001")]
    assert "extracts/internal-audit-checklists.xlsx" in names


def test_a_pack_for_controls_holds_only_the_audits_covering_them(tmp_path, started, lead):
    access, backup = make_applicable("5.15", "8.13")
    covering = _issued(started, lead, clauses=("9.2",), controls=(access,))
    _issued(started, lead, clauses=("9.2",), controls=(backup,), title="Backups")

    with _pack(tmp_path, packs.Scope(controls=("5.15",))) as archive:
        reports = [name for name in archive.namelist() if name.startswith("reports/internal-audits/")]
    assert reports == [f"reports/internal-audits/{covering.reference}-internal-audit-report.pdf"]
