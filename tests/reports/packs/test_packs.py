"""Evidence packs: scope, contents, manifest and signature, the offline check, background state,
retention, and the bad input the issue names (empty scope, missing file, tampering)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.admin import settings
from app.audit import checkpoints
from app.audit.models import AuditCheckpoint, CheckpointReason
from app.common import signing, uploads
from app.common.models import RuleError
from app.common.timeutil import utcnow
from app.controls.demo import demo_pdf
from app.extensions import db
from app.reports import pack_archive, packs
from app.reports.models import EvidencePack, PackStatus
from tests import factories
from tests.pages import audit_entries
from tests.reports.packs.conftest import BACKUP_PDF

pytestmark = pytest.mark.usefixtures("app")



def build(tmp_path, scope=packs.Scope(), name="pack.zip") -> tuple[Path, pack_archive.PackResult]:
    target = tmp_path / name
    result = pack_archive.write_pack(packs.gather(packs.check_scope(scope)), target, generated_by="Test Auditor",
                                     checkpoint=checkpoints.publish(CheckpointReason.PACK))
    return target, result


def manifest_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read(pack_archive.MANIFEST))


def names_in(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


# --- scope ------------------------------------------------------------------------------------------


def test_control_references_are_read_loosely_and_kept_once():
    assert packs.parse_control_references("5.1, 8.7\nA.8.8;5.1  a.5.15") == ("5.1", "8.7", "8.8", "5.15")
    assert packs.parse_control_references("") == ()


def test_check_scope_names_each_unknown_control_and_orders_the_rest():
    with pytest.raises(RuleError) as refused:
        packs.check_scope(packs.Scope(controls=("8.7", "9.1", "banana")))
    [(field, message)] = refused.value.problems
    assert field == "controls" and "9.1" in message and "BANANA" not in message and "banana" in message
    assert packs.check_scope(packs.Scope(controls=("8.13", "5.15", "5.2"))).controls == ("5.2", "5.15", "8.13")


def test_check_scope_refuses_unknown_department_and_inverted_dates():
    with pytest.raises(RuleError) as refused:
        packs.check_scope(packs.Scope(department_id=999_999, date_from=date(2026, 5, 1), date_to=date(2026, 4, 1)))
    assert {field for field, _ in refused.value.problems} == {"department", "date_to"}


def test_scope_round_trips_through_json_and_reads_as_a_label(finance):
    scope = packs.Scope(("5.15", "8.13"), finance.id, date(2026, 1, 1), None)
    assert packs.Scope.from_json(scope.as_json()) == scope
    assert scope.label() == "Controls 5.15, 8.13; Department FIN; 2026-01-01 to today"
    assert packs.Scope().label() == "Whole ISMS"


# --- contents ---------------------------------------------------------------------------------------


def test_whole_isms_pack_holds_reports_extracts_and_each_evidence_file_byte_for_byte(tmp_path, isms, quick_reports):
    path, result = build(tmp_path)
    names = names_in(path)
    assert {"reports/risk-register.pdf", "reports/risk-treatment-plan.pdf", "extracts/risks.csv",
            "extracts/risks.xlsx", "extracts/evidence.csv", "extracts/controls.xlsx",
            "extracts/statement-of-applicability-current.csv", "extracts/assets.csv"} <= names
    assert {name for name, _ in quick_reports} >= {"risk_register", "treatment_plan"}
    backup_file = isms["backup"].current_file
    backup_path = f"evidence/8.13 Information backup/E{isms['backup'].id}-restore-test.pdf"
    with zipfile.ZipFile(path) as archive:
        assert archive.read(backup_path) == BACKUP_PDF
        # Evidence for two controls is in each control's folder.
        access_copies = [n for n in archive.namelist() if n.endswith(f"E{isms['access'].id}-access.pdf")]
    assert len(access_copies) == 2 and any(n.startswith("evidence/5.15 ") for n in access_copies)
    manifest = manifest_of(path)
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == names - pack_archive.PACK_FILES
    assert listed[backup_path]["sha256"] == backup_file.sha256 == hashlib.sha256(BACKUP_PDF).hexdigest()
    assert listed[backup_path]["size"] == len(BACKUP_PDF)
    assert listed[backup_path]["source"] == {
        "type": "evidence_file", "evidence_id": isms["backup"].id, "evidence_title": "Backup restore test",
        "file_id": backup_file.id, "control": "8.13",
        "uploaded_at": backup_file.uploaded_at.isoformat(timespec="seconds"), "recorded_sha256": backup_file.sha256}
    assert manifest["scope"]["label"] == "Whole ISMS" and manifest["missing_or_altered"] == []
    assert result.file_count == len(manifest["files"]) and not result.problems


def test_manifest_is_signed_with_the_installation_key(tmp_path, isms):
    path, _ = build(tmp_path)
    with zipfile.ZipFile(path) as archive:
        manifest, signature = archive.read(pack_archive.MANIFEST), archive.read(pack_archive.SIGNATURE)
        public_pem = archive.read(pack_archive.PUBLIC_KEY)
    assert signing.signature_valid(manifest, signature, signing.public_key())
    assert public_pem == signing.public_key_pem()
    assert json.loads(manifest)["signing_key_fingerprint"] == signing.fingerprint()


def test_signing_key_is_made_once_and_private(app):
    key_file = Path(app.config["PACK_SIGNING_KEY"])
    first = signing.public_key_pem()
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert signing.public_key_pem() == first


def test_controls_scope_keeps_to_those_controls_their_risks_and_evidence(tmp_path, isms, quick_reports):
    path, _ = build(tmp_path, packs.Scope(controls=("8.13",)))
    names = names_in(path)
    assert any(name.startswith("evidence/8.13 ") for name in names)
    assert not any(name.startswith("evidence/5.15 ") for name in names)
    assert "extracts/assets.csv" not in names  # assets belong to whole-ISMS and department packs
    with zipfile.ZipFile(path) as archive:
        risks_csv = archive.read("extracts/risks.csv").decode("utf-8-sig")
        soa_csv = archive.read("extracts/statement-of-applicability-current.csv").decode("utf-8-sig")
    assert "Ransomware" in risks_csv and "Payroll fraud" not in risks_csv
    assert len(soa_csv.strip().splitlines()) == 2  # the header and 8.13


def test_department_scope_takes_its_risks_and_the_controls_they_are_linked_to(tmp_path, isms, finance, quick_reports):
    path, _ = build(tmp_path, packs.Scope(department_id=finance.id))
    names = names_in(path)
    assert any(name.startswith("evidence/5.15 ") for name in names)
    assert not any(name.startswith("evidence/8.13 ") for name in names)
    with zipfile.ZipFile(path) as archive:
        risks_csv = archive.read("extracts/risks.csv").decode("utf-8-sig")
    assert "Payroll fraud" in risks_csv and "Ransomware" not in risks_csv
    assert ("risk_register", {"department_id": finance.id}) in quick_reports


def test_date_range_narrows_the_evidence(tmp_path, isms):
    path, _ = build(tmp_path, packs.Scope(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)))
    names = names_in(path)
    assert any(name.endswith("-restore-test.pdf") for name in names)
    assert not any(name.endswith("-access.pdf") for name in names)


def test_policy_documents_in_force_are_packed_with_their_reports(tmp_path, isms, quick_reports, monkeypatch):
    from app.policies.models import PolicyVersion

    signed = demo_pdf("ICT Security Policy", ["Approved by the Municipal Manager."])
    sha = uploads.store(uploads.check_upload("policy.pdf", signed, max_bytes=10_000_000))
    version = type("Version", (), {"id": 7, "number": "1.1", "document_sha256": sha, "document_name": "policy.pdf",
                                   "document_size": len(signed),
                                   "policy": type("Policy", (), {"code": "ICT-POL-001"})()})()
    real_gather = packs.gather
    monkeypatch.setattr(packs, "gather", lambda scope: replace(real_gather(scope), policy_versions=[version]))
    path, _ = build(tmp_path)
    with zipfile.ZipFile(path) as archive:
        assert archive.read("policies/ICT-POL-001-v1.1-policy.pdf") == signed
        assert "reports/policies/ICT-POL-001-v1.1.pdf" in archive.namelist()
    assert ("policy", {"version_id": 7}) in quick_reports
    assert PolicyVersion  # the real model is what gather returns outside this test


# --- bad input ---------------------------------------------------------------------------------------


def test_a_scope_with_nothing_in_it_is_refused_before_any_zip(tmp_path, officer, isms):
    with pytest.raises(RuleError, match="Nothing to pack"):
        packs.request_pack(packs.Scope(controls=("5.1",)), actor=officer)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidencePack)) == 0
    assert not list(tmp_path.rglob("*.zip"))


def test_a_missing_evidence_file_is_listed_in_the_manifest_and_the_readme(tmp_path, isms):
    uploads.stored_path(isms["backup"].current_file.sha256).unlink()
    path, result = build(tmp_path)
    [problem] = result.problems
    assert problem["problem"] == "missing" and problem["path"].endswith("-restore-test.pdf")
    assert problem["source"]["evidence_id"] == isms["backup"].id
    assert manifest_of(path)["missing_or_altered"] == [problem]
    with zipfile.ZipFile(path) as archive:
        assert "WARNING: 1 evidence file(s)" in archive.read(pack_archive.README).decode()
        assert problem["path"] not in archive.namelist()
    assert pack_archive.verify_pack(path, signing.public_key()).ok  # what is in the pack is as signed


def test_an_evidence_file_changed_on_disk_is_packed_but_named_as_altered(tmp_path, isms):
    stored = uploads.stored_path(isms["backup"].current_file.sha256)
    stored.write_bytes(b"%PDF-1.7 something else")
    _, result = build(tmp_path)
    [problem] = result.problems
    assert problem["problem"] == "altered" and isms["backup"].current_file.sha256 in problem["detail"]


# --- verifying ---------------------------------------------------------------------------------------


def rewrite(path: Path, target: Path, *, change: dict[str, bytes] = None, drop: set[str] = (), add: dict = None):
    change, add = change or {}, add or {}
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            if info.filename in drop:
                continue
            out.writestr(info.filename, change.get(info.filename, source.read(info.filename)))
        for name, data in add.items():
            out.writestr(name, data)
    return target


def test_an_intact_pack_verifies(tmp_path, isms):
    path, result = build(tmp_path)
    verified = pack_archive.verify_pack(path, signing.public_key())
    assert verified.ok and verified.file_count == result.file_count


def test_verify_names_each_altered_missing_or_added_file(tmp_path, isms):
    path, _ = build(tmp_path)
    backup = next(entry["path"] for entry in manifest_of(path)["files"] if entry["path"].endswith("restore-test.pdf"))
    tampered = rewrite(path, tmp_path / "tampered.zip", change={backup: b"%PDF forged"},
                       drop={"extracts/risks.csv"}, add={"evidence/extra.pdf": b"%PDF planted"})
    problems = pack_archive.verify_pack(tampered, signing.public_key()).problems
    assert len(problems) == 3
    assert any(p.startswith(f"{backup}: altered") for p in problems)
    assert "extracts/risks.csv: missing from the pack." in problems
    assert "evidence/extra.pdf: not in the manifest (added after the pack was signed)." in problems


def test_verify_refuses_an_edited_manifest_or_another_key(tmp_path, isms):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path, _ = build(tmp_path)
    manifest = manifest_of(path)
    manifest["files"] = manifest["files"][1:]
    edited = rewrite(path, tmp_path / "edited.zip", change={pack_archive.MANIFEST: json.dumps(manifest).encode()})
    [problem] = pack_archive.verify_pack(edited, signing.public_key()).problems
    assert problem.startswith("manifest.json: the signature does not match")
    assert not pack_archive.verify_pack(path, Ed25519PrivateKey.generate().public_key()).ok


def test_verify_reports_a_file_that_is_not_a_pack(tmp_path, isms):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert "not a readable ZIP file" in pack_archive.verify_pack(junk, signing.public_key()).problems[0]
    path, _ = build(tmp_path)
    unsigned = rewrite(path, tmp_path / "unsigned.zip", drop={pack_archive.SIGNATURE})
    assert pack_archive.verify_pack(unsigned, signing.public_key()).problems == [
        "manifest.sig: missing from the pack, so nothing in it can be trusted."]


# --- asking, building in the background, keeping ---------------------------------------------------


def test_request_then_build_records_progress_result_and_audit(isms, officer, app):
    pack = packs.request_pack(packs.Scope(), actor=officer)
    db.session.commit()
    assert pack.status == PackStatus.QUEUED and pack.scope_label == "Whole ISMS"
    built = packs.build_pack(pack.id)
    assert built.status == PackStatus.READY and built.progress == 100
    path = packs.file_of(built)
    assert path.parent == Path(app.config["PACKS_FOLDER"]) and path.stat().st_size == built.size
    assert hashlib.sha256(path.read_bytes()).hexdigest() == built.sha256
    retention = settings.get(settings.PACK_RETENTION_DAYS)
    assert built.expires_at - built.finished_at == timedelta(days=retention)
    summaries = [entry.summary for entry in audit_entries(entity_type="evidence_pack")]
    assert summaries[0].startswith(f"Asked for evidence pack {pack.id}") and summaries[-1].startswith("Built")


def test_the_manifest_publishes_the_audit_logs_signed_head(isms, officer, app):
    pack = packs.request_pack(packs.Scope(), actor=officer)
    db.session.commit()
    asked = audit_entries(entity_type="evidence_pack")[-1]
    built = packs.build_pack(pack.id)
    with zipfile.ZipFile(packs.file_of(built)) as archive:
        published = json.loads(archive.read(pack_archive.MANIFEST))["audit_checkpoint"]
        key = signing.load_public_key(archive.read(pack_archive.PUBLIC_KEY))
    checkpoint = db.session.get(AuditCheckpoint, published["checkpoint"])
    assert checkpoint.reason == "pack" and published == checkpoints.manifest_block(checkpoint)
    assert (published["entry_id"], published["entry_hash"]) == (asked.id, asked.entry_hash)
    signed = {name: value for name, value in published.items() if name not in ("signature", "reference", "verify_with")}
    assert signing.signature_valid(json.dumps(signed, sort_keys=True, separators=(",", ":")).encode(),
                                   bytes.fromhex(published["signature"]), key), "checkable offline with the pack's key"
    verified = app.test_cli_runner().invoke(args=["audit", "verify", "--checkpoint", published["reference"]])
    assert verified.exit_code == 0, verified.output


def test_a_pack_is_built_by_one_builder_only(isms, officer):
    pack = packs.request_pack(packs.Scope(), actor=officer)
    db.session.commit()
    assert packs.build_pack(pack.id) is not None
    assert packs.build_pack(pack.id) is None  # already claimed and built


def test_a_failed_build_is_shown_with_its_reason_and_leaves_no_file(isms, officer, monkeypatch, app):
    pack = packs.request_pack(packs.Scope(), actor=officer)
    db.session.commit()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(packs, "write_pack", broken)
    failed = packs.build_pack(pack.id)
    assert failed.status == PackStatus.FAILED and "No space left on device" in failed.error
    assert not list(Path(app.config["PACKS_FOLDER"]).glob("*"))


def test_housekeeping_removes_expired_packs_restarts_stale_ones_and_builds_queued(isms, officer):
    old = packs.request_pack(packs.Scope(), actor=officer)
    db.session.commit()
    packs.build_pack(old.id)
    stale = packs.request_pack(packs.Scope(), actor=officer)
    db.session.commit()
    stale.status, stale.heartbeat_at = PackStatus.BUILDING.value, utcnow() - timedelta(hours=1)
    queued = packs.request_pack(packs.Scope(), actor=officer)
    db.session.commit()
    db.session.commit()
    old_file = packs.file_of(old)
    later = old.expires_at + timedelta(minutes=1)
    assert packs.housekeeping(later) == "1 pack(s) removed, 1 restarted, 2 built"
    assert not old_file.exists() and db.session.get(EvidencePack, old.id).status == PackStatus.EXPIRED
    assert db.session.get(EvidencePack, stale.id).status == PackStatus.READY
    assert db.session.get(EvidencePack, queued.id).status == PackStatus.READY


def test_start_building_runs_in_a_background_thread_that_the_page_can_follow(isms, officer, app):
    import threading

    app.config["PACKS_INLINE"] = False
    pack = packs.request_pack(packs.Scope(), actor=officer)
    db.session.commit()
    packs.start_building(pack)
    for builder in [thread for thread in threading.enumerate() if thread.name == f"evidence-pack-{pack.id}"]:
        builder.join(timeout=60)  # (it may have finished already)
    db.session.expire_all()
    assert db.session.get(EvidencePack, pack.id).status == PackStatus.READY


def test_openssl_checks_the_signature_as_the_readme_says(tmp_path, isms):
    """Auditors without Khusela: the command in README.txt verifies the manifest with OpenSSL 3."""
    import subprocess

    path, _ = build(tmp_path)
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "unpacked")
        assert "openssl pkeyutl -verify -pubin -inkey public_key.pem" in archive.read(pack_archive.README).decode()
    command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "public_key.pem", "-rawin", "-in", "manifest.json",
               "-sigfile", "manifest.sig"]
    checked = subprocess.run(command, cwd=tmp_path / "unpacked", capture_output=True, text=True)
    assert checked.returncode == 0 and "Signature Verified Successfully" in checked.stdout
    (tmp_path / "unpacked" / "manifest.json").write_text("{}")
    assert subprocess.run(command, cwd=tmp_path / "unpacked", capture_output=True).returncode != 0


def test_names_in_the_pack_unpack_on_every_system_and_are_cut_at_a_word():
    from app.reports.pack_archive import _safe_name

    assert _safe_name('minutes: "Q1"/2026?.pdf') == "minutes_ _Q1_2026_.pdf"
    assert _safe_name("IC-001 Information security policy set approved by the HoD and the forum", 60) == \
        "IC-001 Information security policy set approved by the HoD"
    assert _safe_name(" ... ") == "file"


@pytest.mark.parametrize("scope", [
    packs.Scope(), packs.Scope(controls=("8.13",)), packs.Scope(controls=("5.1",)),
    packs.Scope(controls=("8.13",), date_from=date(2030, 1, 1)), packs.Scope(date_from=date(2030, 1, 1)),
    "finance", "empty department",
])
def test_the_quick_emptiness_check_agrees_with_what_a_build_gathers(isms, finance, scope):
    if scope == "finance":
        scope = packs.Scope(department_id=finance.id)
    elif scope == "empty department":
        scope = packs.Scope(department_id=factories.make_department("EMPTY", "Nobody").id)
    assert packs.has_contents(scope) == (not packs.gather(scope).empty)
