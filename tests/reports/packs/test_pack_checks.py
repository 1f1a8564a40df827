"""What an auditor checks a pack with (issue 18, points 11 and 12): every file in the signed manifest
but the manifest and its signature, SHA256SUMS for `sha256sum -c`, the audit log's extract for the
pack's period with the script that checks it offline, the SoA's version history and the policies'
acknowledgement registers."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.audit import checkpoints
from app.audit import services as audit
from app.audit.models import CheckpointReason
from app.common import signing
from app.common.privacy import pseudonym
from app.common.timeutil import local_today
from app.extensions import db
from app.policies import services as policies
from app.reports import pack_archive, packs
from tests.controls.test_soa import decide_every_control
from tests.policies.conftest import make_approved, make_employee, signed_sheet
from tests.reports.packs.test_packs import build, manifest_of, names_in, rewrite

pytestmark = pytest.mark.usefixtures("app")


def unpack(path: Path, folder: Path) -> Path:
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    return folder


def read(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode("utf-8-sig")


def csv_of(path: Path, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(read(path, name), newline="")))


def run_script(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "audit/verify_audit_extract.py", *args], cwd=folder, capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def legacy_first(app):
    """Three entries from before the chain was keyed (plain SHA-256, which anyone can recompute) at the
    start of the log: ask for it before `isms`."""
    from tests.audit.test_tampering import append_legacy

    append_legacy(3)


@pytest.fixture
def registers(isms, officer, finance):
    """An issued SoA version and a policy in force: one employee of Finance acknowledged it, one of
    Finance and one elsewhere have not."""
    from app.controls import soa

    decide_every_control(officer)
    soa.issue_version(approver="Head of Department", approved_on=date(2026, 3, 2), note="First issue", actor=officer,
                      today=local_today())
    db.session.commit()
    policy = make_approved("ICT-SEC")
    signed = make_employee(department=finance, name="Nomvula Khumalo")
    waiting = make_employee(department=finance, name="Pieter van Wyk")
    elsewhere = make_employee(name="Ayanda Zulu")
    policies.record_acknowledgements(policy.current, [signed.number], on=date(2026, 3, 10), actor=officer,
                                     sheet=signed_sheet())
    db.session.commit()
    return {"policy": policy, "signed": signed, "waiting": waiting, "elsewhere": elsewhere}


# --- every file, and the manifest covering README.txt and the public key -----------------------------


def test_every_file_of_a_pack_and_the_manifest_lists_all_but_itself_and_its_signature(tmp_path, isms, registers):
    path, result = build(tmp_path)
    names = names_in(path)
    assert names == {
        "README.txt", "SHA256SUMS", "manifest.json", "manifest.sig", "public_key.pem",
        "audit/audit-log.jsonl", "audit/audit-log.csv", "audit/checkpoint.json", "audit/checkpoint.sig",
        "audit/verify_audit_extract.py",
        "reports/risk-register.pdf", "reports/risk-methodology.pdf", "reports/risk-treatment-plan.pdf",
        "reports/statement-of-applicability-v1.pdf",
        "reports/policies/ICT-SEC-v1.0.pdf",
        *(f"extracts/{stem}.{suffix}" for suffix in ("csv", "xlsx") for stem in (
            "risks", "treatment-actions", "risk-reviews", "risk-acceptances", "statement-of-applicability-current",
            "controls",
            "control-tests", "evidence", "assets", "statement-of-applicability-versions")),
        "extracts/statement-of-applicability-v1.csv",
        "extracts/acknowledgements/ICT-SEC-v1.0.csv",
        f"evidence/8.13 Information backup/E{isms['backup'].id}-restore-test.pdf",
        *(f"evidence/{folder}/E{isms['access'].id}-access.pdf" for folder in (
            "5.15 Access control", "8.2 Privileged access rights")),
    }
    manifest = manifest_of(path)
    listed = {entry["path"] for entry in manifest["files"]}
    assert listed == names - {"manifest.json", "manifest.sig", "SHA256SUMS"}
    assert {"README.txt", "public_key.pem"} <= listed and manifest["format"] == "khusela-evidence-pack/2"
    assert result.file_count == len(listed)
    assert pack_archive.verify_pack(path, signing.public_key()).ok


def test_an_edited_readme_or_swapped_public_key_fails_the_check(tmp_path, isms):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path, _ = build(tmp_path)
    other_key = signing.public_key_pem(Ed25519PrivateKey.generate().public_key())
    edited = rewrite(path, tmp_path / "edited.zip", change={
        "README.txt": b"Trust me: fingerprint 0000 0000", "public_key.pem": other_key})
    problems = pack_archive.verify_pack(edited, signing.public_key()).problems
    assert sorted(problem.split(":")[0] for problem in problems) == ["README.txt", "public_key.pem"]


def test_a_pack_of_the_first_format_still_verifies(tmp_path, isms):
    """Packs built before README.txt and the key were in the manifest: not reported as added files."""
    path, _ = build(tmp_path)
    manifest = manifest_of(path)
    manifest["format"] = "khusela-evidence-pack/1"
    manifest["files"] = [entry for entry in manifest["files"] if entry["path"] not in ("README.txt", "public_key.pem")]
    data = json.dumps(manifest).encode()
    old = rewrite(path, tmp_path / "old.zip", change={"manifest.json": data, "manifest.sig": signing.sign(data)},
                  drop={"SHA256SUMS"})
    assert pack_archive.verify_pack(old, signing.public_key()).ok


# --- SHA256SUMS -------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="GNU coreutils' sha256sum is not installed")
def test_sha256sum_checks_every_file_and_fails_after_tampering(tmp_path, isms):
    path, _ = build(tmp_path)
    folder = unpack(path, tmp_path / "unpacked")
    checked = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    listed = [line.split("  ", 1)[1] for line in (folder / "SHA256SUMS").read_text().splitlines()]
    on_disk = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    assert listed == on_disk, "every file but SHA256SUMS itself, manifest.json and manifest.sig included"
    backup = next(folder.glob("evidence/8.13*/*.pdf"))
    backup.write_bytes(b"%PDF forged")
    (folder / "README.txt").write_text("changed")
    tampered = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert tampered.returncode == 1
    assert f"{backup.relative_to(folder)}: FAILED" in tampered.stdout and "README.txt: FAILED" in tampered.stdout


def test_sha256sums_escapes_names_as_coreutils_does():
    assert pack_archive.sha256sums([("b.pdf", "2" * 64), ("a\\b\nc.txt", "1" * 64)]) == (
        f"\\{'1' * 64}  a\\\\b\\nc.txt\n{'2' * 64}  b.pdf\n".encode())


def test_a_sha256sums_that_disagrees_with_the_manifest_is_reported(tmp_path, isms):
    path, _ = build(tmp_path)
    sums = read(path, "SHA256SUMS").replace("README.txt", "README.TXT")
    edited = rewrite(path, tmp_path / "edited.zip", change={"SHA256SUMS": sums.encode()})
    [problem] = pack_archive.verify_pack(edited, signing.public_key()).problems
    assert problem.startswith("SHA256SUMS: missing or not the hashes of the signed files")


# --- the README and the pages: the fingerprint by another channel -----------------------------------


def test_the_readme_says_how_to_check_and_where_the_fingerprint_comes_from(tmp_path, isms):
    path, _ = build(tmp_path)
    readme = read(path, "README.txt")
    assert f"fingerprint: {signing.fingerprint()}" in readme
    assert "Get the key's fingerprint by another channel than this pack" in readme
    assert "flask --app wsgi packs fingerprint" in readme and "sha256sum -c SHA256SUMS" in readme
    assert "python3 audit/verify_audit_extract.py" in readme
    assert "HMAC-SHA256 under a key that\r\nstays on the server, so offline only their links" in readme
    assert "keys sorted" in readme and "2026-03-02T08:15:30.123456+00:00" in readme


def test_flask_packs_fingerprint_prints_it_for_the_phone_call(app):
    result = app.test_cli_runner().invoke(args=["packs", "fingerprint", "--pem"])
    assert result.exit_code == 0
    assert signing.fingerprint() in result.output and "BEGIN PUBLIC KEY" in result.output


def test_the_pack_pages_say_how_to_get_the_fingerprint_by_another_channel(client, login_as, isms):
    from tests.pages import text_of

    login_as("auditor")
    index = text_of(client.get("/reports/packs"))
    assert "The fingerprint by another channel" in index and "flask --app wsgi packs fingerprint" in index
    assert "sha256sum -c SHA256SUMS" in index
    client.post("/reports/packs/new", data={"controls": "", "department": "", "date_from": "", "date_to": ""})
    [pack] = packs.packs_for_listing()
    detail = text_of(client.get(f"/reports/packs/{pack.id}"))
    assert "fingerprint from the organisation by another channel than this download" in detail


# --- the audit log's extract ------------------------------------------------------------------------


def test_the_extract_holds_the_log_up_to_the_packs_checkpoint_and_the_script_passes(tmp_path, isms):
    path, _ = build(tmp_path)
    manifest = manifest_of(path)
    block = manifest["audit_extract"]
    assert block["checkpoint"] == manifest["audit_checkpoint"]["checkpoint"]
    assert block["period"] == {"from": (local_today() - timedelta(days=365)).isoformat(), "to": None}
    lines = [json.loads(line) for line in read(path, "audit/audit-log.jsonl").splitlines()]
    assert [line["id"] for line in lines] == list(range(1, block["last_entry"] + 1))
    assert lines[-1]["entry_hash"] == manifest["audit_checkpoint"]["entry_hash"]
    assert {line["hash_scheme"] for line in lines} == {"hmac-sha256"}
    rows = csv_of(path, "audit/audit-log.csv")
    assert [int(row["Entry"]) for row in rows] == [line["id"] for line in lines]
    checked = run_script(unpack(path, tmp_path / "unpacked"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"signed by the key with fingerprint {signing.fingerprint()}" in checked.stdout
    assert "keyed (HMAC-SHA256) entries: " in checked.stdout and checked.stdout.rstrip().endswith(
        "not with one printed in the pack.")


@pytest.mark.parametrize("tamper", ["remove a line", "forge a sha256 entry", "edit the checkpoint", "cut the end"])
def test_the_script_fails_on_a_tampered_extract(tmp_path, legacy_first, isms, tamper):
    path, _ = build(tmp_path)
    folder = unpack(path, tmp_path / "unpacked")
    extract = folder / "audit" / "audit-log.jsonl"
    assert run_script(folder).returncode == 0
    lines = extract.read_text(encoding="utf-8").splitlines()
    legacy = next(i for i, line in enumerate(lines) if json.loads(line)["hash_scheme"] == "sha256")
    if tamper == "remove a line":
        del lines[2]
        expected = f"entry {json.loads(lines[2])['id']}: its prev_hash"
    elif tamper == "forge a sha256 entry":
        forged = json.loads(lines[legacy])
        forged["summary"] = "nothing happened"
        lines[legacy] = json.dumps(forged, ensure_ascii=False)
        expected = f"entry {forged['id']}: its content does not match its SHA-256 hash"
    elif tamper == "edit the checkpoint":
        checkpoint = json.loads((folder / "audit" / "checkpoint.json").read_bytes())
        checkpoint["entry_count"] += 1
        (folder / "audit" / "checkpoint.json").write_text(json.dumps(checkpoint, sort_keys=True, separators=(",", ":")))
        expected = "its signature does not match"
    else:
        del lines[-1]
        expected = "is not in the extract, so the extract's end is not covered by it"
    extract.write_text("\n".join(lines) + "\n", encoding="utf-8")
    checked = run_script(folder)
    assert checked.returncode == 1, checked.stdout
    assert expected in checked.stdout and "RESULT: FAILED" in checked.stdout


def test_a_dated_pack_holds_the_entries_of_its_days(tmp_path, isms):
    today = local_today()
    path, _ = build(tmp_path, packs.Scope(date_from=today, date_to=today))
    block = manifest_of(path)["audit_extract"]
    assert block["period"] == {"from": today.isoformat(), "to": today.isoformat()}
    lines = [json.loads(line) for line in read(path, "audit/audit-log.jsonl").splitlines()]
    assert lines and all(line["in_period"] for line in lines) and block["entries_in_period"] == len(lines)
    assert run_script(unpack(path, tmp_path / "unpacked")).returncode == 0
    empty, _ = build(tmp_path, packs.Scope(date_from=today - timedelta(days=9), date_to=today - timedelta(days=8)),
                     name="empty.zip")
    assert read(empty, "audit/audit-log.jsonl") == ""
    checked = run_script(unpack(empty, tmp_path / "empty"))
    assert checked.returncode == 0 and "no entries in the extract" in checked.stdout


def test_the_extract_stops_before_the_period_and_after_the_covering_checkpoint(tmp_path, isms, monkeypatch):
    """Periods in whole days cannot be made in a test, so the plan is asked for an instant instead."""
    from app.audit import extracts

    db.session.commit()
    early = audit.record("update", "thing", 1, summary="before the period")
    db.session.commit()
    start = audit.record("update", "thing", 2, summary="first in the period")
    last = audit.record("update", "thing", 3, summary="last in the period")
    db.session.commit()
    after = audit.record("update", "thing", 4, summary="after the period")
    db.session.commit()
    covering = checkpoints.publish(CheckpointReason.DAILY)
    audit.record("update", "thing", 5, summary="after the covering checkpoint")
    db.session.commit()
    ceiling = checkpoints.publish(CheckpointReason.PACK)
    period = extracts.Period(local_today(), None)
    monkeypatch.setattr(extracts.Period, "start", property(lambda self: start.occurred_at))
    monkeypatch.setattr(extracts.Period, "end", property(lambda self: after.occurred_at))
    plan = extracts.plan(period, ceiling)
    assert (plan.first_id, plan.in_period, plan.checkpoint.id, plan.last_id) == (
        start.id, 2, covering.id, covering.entry_id)
    lines = [json.loads(line) for line in b"".join(extracts.json_lines(plan)).decode().splitlines()]
    assert [(line["id"], line["in_period"]) for line in lines] == [(start.id, True), (last.id, True), (after.id, False)]
    assert early.id < start.id


def insert_legacy_entry(entity_type: str, summary: str, changes: str) -> None:
    """An entry from before the chain key (plain SHA-256), the first of the log."""
    from types import SimpleNamespace

    import sqlalchemy as sa

    from app.audit.models import GENESIS_HASH, AuditEntry
    from app.common.timeutil import utcnow

    row = SimpleNamespace(occurred_at=utcnow(), actor_id=None, actor_email="hr@example.org", ip_address=None,
                          action="update", entity_type=entity_type, entity_id="7", summary=summary, changes=changes,
                          prev_hash=GENESIS_HASH)
    row.entry_hash = audit.compute_hash(SimpleNamespace(**vars(row), hash_scheme="sha256"))
    db.session.execute(sa.insert(AuditEntry.__table__), [vars(row)])
    db.session.commit()


@pytest.fixture
def legacy_employee_entry(app):
    """An entry about an employee from before the chain key: its SHA-256 cannot be recomputed by an
    auditor, who does not see its details."""
    insert_legacy_entry("employee", "Changed Nomvula Khumalo's phone", '{"phone":["1","2"]}')


@pytest.fixture
def legacy_case_entry(app):
    insert_legacy_entry("case", "Recorded the hearing of CASE-2025-0001", '{"statement":["","Nomvula said"]}')


def test_a_cases_changes_are_withheld_in_the_extract_and_the_entry_still_checks(tmp_path, legacy_case_entry, isms):
    """A case's summary is written without personal details, its changes are not: the extract keeps the
    summary, withholds the changes, and the offline check follows the entry's links instead."""
    path, _ = build(tmp_path)
    [line] = [json.loads(line) for line in read(path, "audit/audit-log.jsonl").splitlines()
              if json.loads(line)["entity_type"] == "case"]
    assert (line["summary"], line["changes"], line["redacted"]) == (
        "Recorded the hearing of CASE-2025-0001", audit.CHANGES_WITHHELD, True)
    checked = run_script(unpack(path, tmp_path / "unpacked"))
    assert checked.returncode == 0, checked.stdout


def test_employee_entries_are_withheld_in_the_extract_and_still_linked(tmp_path, legacy_employee_entry, isms):
    audit.record("update", "employee", 7, summary="Changed Nomvula Khumalo's e-mail", changes={"email": ["a", "b"]})
    db.session.commit()
    path, _ = build(tmp_path)
    jsonl, csv_text = read(path, "audit/audit-log.jsonl"), read(path, "audit/audit-log.csv")
    assert "Nomvula" not in jsonl and "Nomvula" not in csv_text
    withheld = [json.loads(line) for line in jsonl.splitlines() if json.loads(line)["entity_type"] == "employee"]
    assert [line["hash_scheme"] for line in withheld] == ["sha256", "hmac-sha256"]
    assert all(line["redacted"] and line["summary"] == audit.HIDDEN_FROM_AUDITORS
               and line["changes"] == audit.CHANGES_WITHHELD for line in withheld)
    checked = run_script(unpack(path, tmp_path / "unpacked"))
    assert checked.returncode == 0, checked.stdout
    assert "plain SHA-256 entries with details withheld (POPIA): 1, links only" in checked.stdout


# --- the SoA's version history and the acknowledgement registers --------------------------------------


def test_the_soa_version_history_and_each_versions_rows(tmp_path, registers):
    path, _ = build(tmp_path)
    [version] = csv_of(path, "extracts/statement-of-applicability-versions.csv")
    assert (version["Version"], version["Approved on"], version["Approved by"], version["Approval note"]) == (
        "1", "2026-03-02", "Head of Department", "First issue")
    assert version["Controls"] == version["Applicable"] == "93" and version["Issued by"]
    rows = csv_of(path, "extracts/statement-of-applicability-v1.csv")
    assert len(rows) == 93 and rows[0]["Reference"] == "5.1"
    narrow, _ = build(tmp_path, packs.Scope(controls=("8.13",)), name="narrow.zip")
    assert [row["Reference"] for row in csv_of(narrow, "extracts/statement-of-applicability-v1.csv")] == ["8.13"]


def test_the_acknowledgement_register_is_pseudonymised(tmp_path, registers):
    path, _ = build(tmp_path)
    text = read(path, "extracts/acknowledgements/ICT-SEC-v1.0.csv")
    for employee in (registers["signed"], registers["waiting"], registers["elsewhere"]):
        assert employee.full_name not in text and employee.number not in text
    assert "Clerk" not in text and "FIN" not in text  # no position nor department beside a pseudonym
    rows = csv_of(path, "extracts/acknowledgements/ICT-SEC-v1.0.csv")
    assert list(rows[0]) == ["Employee (pseudonym)", "Acknowledged", "Acknowledged on", "How"]
    assert rows[0] == {"Employee (pseudonym)": pseudonym(registers["signed"].id), "Acknowledged": "yes",
                       "Acknowledged on": "2026-03-10", "How": "Signed on paper"}
    assert sorted(row["Employee (pseudonym)"] for row in rows if row["Acknowledged"] == "not yet") == sorted(
        pseudonym(registers[name].id) for name in ("waiting", "elsewhere"))
    source = next(entry["source"] for entry in manifest_of(path)["files"]
                  if entry["path"] == "extracts/acknowledgements/ICT-SEC-v1.0.csv")
    assert source == {"type": "acknowledgement_register", "policy": "ICT-SEC", "version": "1.0", "acknowledged": 1,
                      "not_yet": 2, "pseudonymised": True}


def test_a_departments_pack_keeps_to_its_staff_in_the_register(tmp_path, registers, finance):
    from app.controls.services import annex_a_control
    from app.policies.models import policy_control

    # A department's pack holds the policies mapped to the controls of its risks (Finance's is linked to 5.15).
    db.session.execute(policy_control.insert().values(policy_id=registers["policy"].id,
                                                      control_id=annex_a_control("5.15").id))
    db.session.commit()
    path, _ = build(tmp_path, packs.Scope(department_id=finance.id))
    rows = csv_of(path, "extracts/acknowledgements/ICT-SEC-v1.0.csv")
    assert sorted(row["Employee (pseudonym)"] for row in rows) == sorted(
        pseudonym(registers[name].id) for name in ("signed", "waiting"))
