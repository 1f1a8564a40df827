"""flask packs build / verify."""

from __future__ import annotations

import json
import zipfile

import pytest

from app.common import signing
from app.reports import pack_archive
from tests.pages import audit_entries

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["packs", *args])


def test_build_writes_a_signed_pack_that_verify_accepts(run, isms, tmp_path):
    out = tmp_path / "pack.zip"
    built = run("build", "--scope", "all", "--out", str(out))
    assert built.exit_code == 0, built.output
    assert "Building the evidence pack for: Whole ISMS" in built.output and "Wrote" in built.output
    checked = run("verify", str(out))
    assert checked.exit_code == 0 and "signature valid" in checked.output and "intact" in checked.output
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read(pack_archive.MANIFEST))["audit_checkpoint"]["reason"] == "pack"
    [entry] = audit_entries(action="export", entity_type="evidence_pack")
    assert entry.actor_email == "cli"


def test_verify_names_each_tampered_file_and_exits_1(run, isms, tmp_path):
    out = tmp_path / "pack.zip"
    run("build", "--out", str(out))
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read(pack_archive.MANIFEST))
        contents = {name: archive.read(name) for name in archive.namelist()}
    victim = next(entry["path"] for entry in manifest["files"] if entry["path"].startswith("evidence/"))
    contents[victim] = b"forged"
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    checked = run("verify", str(tampered))
    assert checked.exit_code == 1
    assert f"{victim}: altered" in checked.output and "NOT intact: 1 problem(s)" in checked.output


def test_verify_with_a_given_public_key(run, isms, tmp_path):
    out, key = tmp_path / "pack.zip", tmp_path / "key.pem"
    run("build", "--out", str(out))
    key.write_bytes(signing.public_key_pem())
    assert run("verify", str(out), "--public-key", str(key)).exit_code == 0
    key.write_text("not a key")
    refused = run("verify", str(out), "--public-key", str(key))
    assert refused.exit_code == 2 and "not a PEM public key" in refused.output


@pytest.mark.parametrize("args, message", [
    (["--scope", "controls"], "--scope controls needs --control"),
    (["--scope", "all", "--control", "8.13"], "--scope all takes no --control"),
    (["--scope", "department", "--department", "NOPE"], "No department has the code 'NOPE'"),
    (["--scope", "controls", "--control", "9.9"], "Not an Annex A control: 9.9"),
    (["--scope", "controls", "--control", "5.1"], "Nothing to pack"),
    (["--scope", "dates", "--from", "yesterday"], "is not a date"),
])
def test_bad_scopes_exit_2_with_a_message_and_write_nothing(run, isms, tmp_path, args, message):
    out = tmp_path / "pack.zip"
    result = run("build", *args, "--out", str(out))
    assert result.exit_code == 2 and message in result.output
    assert not out.exists()


def test_department_and_dates_scopes_build(run, isms, finance, tmp_path):
    out = tmp_path / "fin.zip"
    result = run("build", "--scope", "department", "--department", "FIN", "--from", "2026-01-01", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Department FIN; 2026-01-01 to today" in result.output


def test_build_renders_the_real_reports_outside_any_request(run, isms, tmp_path, monkeypatch):
    """The other tests stand in for the PDF reports; this one renders them as `make run`'s CLI does."""
    monkeypatch.undo()  # the real documents.build_report
    out = tmp_path / "pack.zip"
    built = run("build", "--out", str(out))
    assert built.exit_code == 0, built.output
    with zipfile.ZipFile(out) as archive:
        register = archive.read("reports/risk-register.pdf")
    assert register.startswith(b"%PDF-") and len(register) > 10_000
    assert run("verify", str(out)).exit_code == 0


def test_a_failed_build_leaves_no_partial_file(run, isms, tmp_path, monkeypatch):
    from app.reports import documents

    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint ran out of memory")

    monkeypatch.setattr(documents, "build_report", broken)
    out = tmp_path / "pack.zip"
    result = run("build", "--out", str(out))
    assert result.exit_code != 0 and not list(tmp_path.glob("pack.*"))
