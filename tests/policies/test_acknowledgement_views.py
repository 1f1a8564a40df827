"""The acknowledgement register's signed sheets (paper acknowledgements carry the scan of the sheet,
checked like evidence, downloaded only by those who see every name) and what an auditor may see of
the register (POPIA: no quasi-identifiers next to a pseudonym, and a pseudonym of its own)."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.common import uploads
from app.extensions import db
from app.policies import services
from app.policies.models import AcknowledgementSheet, PolicyAcknowledgement
from tests import archives
from tests.pages import audit_entries, csv_rows, error_next_to, text_of
from tests.policies.conftest import make_approved, make_employee, signed_sheet

pytestmark = pytest.mark.usefixtures("app")
SCAN = archives.pdf("Briefing of 1 April 2026: signatures")


def record(client, policy, numbers: str, sheet: tuple[bytes, str] | None = (SCAN, "briefing.pdf"), **fields):
    data = {"employee_numbers": numbers, "acknowledged_on": "2026-04-01", **fields}
    if sheet is not None:
        data["sheet"] = (io.BytesIO(sheet[0]), sheet[1])
    return client.post(f"/policies/{policy.id}/acknowledgements/record", data=data)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_paper_acknowledgements_keep_the_scanned_sheet_by_content_and_audit_it(client, login_as, department):
    policy = make_approved()
    first, second = make_employee(department=department), make_employee(department=department)
    login_as("hr_officer")

    response = record(client, policy, f"{first.number}\n{second.number}")

    assert response.status_code == 302
    sheet = db.session.scalars(sa.select(AcknowledgementSheet)).one()
    sha256 = hashlib.sha256(SCAN).hexdigest()
    assert (sheet.sha256, sheet.original_name, sheet.media_type, sheet.signed_on) == (
        sha256, "briefing.pdf", "application/pdf", date(2026, 4, 1))
    assert uploads.stored_path(sha256).read_bytes() == SCAN
    assert {ack.sheet_id for ack in db.session.scalars(sa.select(PolicyAcknowledgement))} == {sheet.id}
    entry = audit_entries("acknowledge", "policy")[-1]
    assert "briefing.pdf" in entry.changes and sha256 in entry.changes


@pytest.mark.parametrize(("sheet", "message"), [
    (None, "Attach the scanned signed sheet (PDF, PNG or JPEG): it is the evidence of the signatures."),
    ((b"names and signatures", "sheet.txt"), "sheet.txt is not a scan: attach the signed sheet as a PDF, PNG or "
                                              "JPEG."),
    ((b"not a pdf at all", "sheet.pdf"), "The content of sheet.pdf is not a .pdf file"),
    ((archives.windows_program(), "sheet.exe"), "Programs and scripts are not accepted as evidence."),
    ((archives.zipped({"scan.pdf": archives.pdf(), "inner.zip": archives.zipped({"run.pdf": archives.windows_program()
                                                                                  })}), "scans.zip"),
     "scans.zip › inner.zip › run.pdf is a program"),
])
def test_a_missing_or_refused_sheet_records_nothing_and_says_why(client, login_as, department, sheet, message):
    policy = make_approved()
    employee = make_employee(department=department)
    login_as("hr_officer")

    response = record(client, policy, employee.number, sheet=sheet)

    assert response.status_code == 422
    assert error_next_to(response, "sheet").startswith(message)
    assert count(PolicyAcknowledgement) == 0 and count(AcknowledgementSheet) == 0
    assert "enctype=\"multipart/form-data\"" in response.get_data(as_text=True)


def test_the_service_refuses_paper_without_a_sheet_but_not_an_import(department):
    version = make_approved().current
    employee = make_employee(department=department)

    with pytest.raises(services.PolicyRuleError, match="Attach the scanned signed sheet"):
        services.record_acknowledgements(version, [employee.number], on=date(2026, 4, 1), actor=None,
                                         today=date(2026, 12, 4))
    imported = services.record_acknowledgements(version, [employee.number], on=date(2026, 4, 1), actor=None,
                                                today=date(2026, 12, 4), method=services.AcknowledgementMethod.IMPORT)

    assert imported.added == [employee.number] and count(AcknowledgementSheet) == 0


def _recorded(department, policy=None):
    policy = policy or make_approved()
    employee = make_employee(department=department, name="Ayanda Zulu")
    services.record_acknowledgements(policy.current, [employee.number], on=date(2026, 4, 1), actor=None,
                                     today=date(2026, 12, 4), sheet=signed_sheet(content=SCAN))
    db.session.commit()
    return policy, employee, db.session.scalars(sa.select(AcknowledgementSheet)).one()


@pytest.mark.parametrize("role", ["admin", "security_officer", "hr_officer"])
def test_those_who_see_every_name_download_the_sheet_and_it_is_audited(client, login_as, department, role):
    policy, _, sheet = _recorded(department)
    user = login_as(role)

    register = client.get(f"/policies/{policy.id}/acknowledgements").get_data(as_text=True)
    download = client.get(f"/policies/{policy.id}/acknowledgements/sheets/{sheet.id}/download")

    assert f'href="/policies/{policy.id}/acknowledgements/sheets/{sheet.id}/download"' in register
    assert download.status_code == 200 and download.data == SCAN
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    entry = audit_entries("download", "policy")[-1]
    assert entry.actor_id == user.id and sheet.sha256[:16] in entry.summary


@pytest.mark.parametrize("role", ["manager", "auditor", "risk_owner"])
def test_managers_and_auditors_see_that_a_sheet_is_on_file_but_cannot_open_it(client, login_as, department, role):
    policy, _, sheet = _recorded(department)
    login_as(role, department=department)

    register = client.get(f"/policies/{policy.id}/acknowledgements")
    download = client.get(f"/policies/{policy.id}/acknowledgements/sheets/{sheet.id}/download")

    assert download.status_code == 403 and not audit_entries("download")
    if role != "risk_owner":  # a risk owner does not read the register at all
        assert "(signed sheet on file)" in text_of(register)
        assert "/acknowledgements/sheets/" not in register.get_data(as_text=True)


def test_a_sheet_under_another_policy_is_404(client, login_as, department):
    _, _, sheet = _recorded(department)
    other = make_approved("OTHER-1")
    login_as("hr_officer")

    assert client.get(f"/policies/{other.id}/acknowledgements/sheets/{sheet.id}/download").status_code == 404
    assert client.get(f"/policies/{other.id}/acknowledgements/sheets/999999/download").status_code == 404


def test_the_export_gives_the_sheets_hash_to_match_a_sheet_shown_by_hand(client, login_as, department):
    policy, _, sheet = _recorded(department)
    login_as("auditor")

    rows = csv_rows(client.get(f"/policies/{policy.id}/acknowledgements?export=csv"))

    assert rows[0]["How"] == "Signed on paper" and rows[0]["Signed sheet (SHA-256)"] == sheet.sha256


def test_the_record_page_asks_for_the_sheet(client, login_as):
    policy = make_approved()
    login_as("security_officer")
    page = client.get(f"/policies/{policy.id}/acknowledgements/record").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="sheet" type="file"' in page
    assert "Scanned signed sheet" in page and "only HR, security officers and administrators can open it" in page


def test_backup_check_names_a_missing_sheet(app, department):
    _, _, sheet = _recorded(department)
    uploads.stored_path(sheet.sha256).unlink()

    result = app.test_cli_runner().invoke(args=["backup", "check"])

    assert result.exit_code == 1
    assert f"{sheet.sha256}: missing (named by signed acknowledgement sheet {sheet.id})" in result.output


def test_the_rescan_reads_the_sheets_too(app, department):
    policy, _, sheet = _recorded(department)
    uploads.stored_path(sheet.sha256).unlink()

    result = app.test_cli_runner().invoke(args=["evidence", "rescan"])

    assert result.exit_code == 1
    assert (f"policy {policy.code} version 1.0, signed acknowledgement sheet {sheet.id}: briefing-sheet.pdf "
            f"(SHA-256 {sheet.sha256})") in result.output
