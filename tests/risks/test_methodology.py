"""The risk methodology (issue 18, point 6): the risk criteria of ISO/IEC 27001 6.1.2 a, read-only,
for every role that reads the register (auditors too), with each earlier matrix version, and as a PDF
that evidence packs carry."""

from __future__ import annotations

import subprocess
from dataclasses import replace

import pytest

from app.admin import settings
from app.auth.models import AcceptanceAuthority
from app.extensions import db
from app.reports import documents
from app.risks import matrices, methodology, scoring
from tests import factories
from tests.pages import audit_entries
from tests.risks.test_record_views import page_text

READERS = ["admin", "security_officer", "risk_owner", "manager", "auditor"]


def second_version(actor=None):
    """Version 2: Critical from 15, saved by an administrator with a note."""
    default = scoring.default_matrix(5)
    bands = tuple(replace(b, max_score=12) if b.name == "High" else replace(b, min_score=15) if b.name == "Critical"
                  else b for b in default.bands)
    version = matrices.save_new_version(replace(default, bands=bands), change_note="Critical from 15 after review",
                                        actor=actor or factories.make_user("admin", full_name="Ayanda Admin"))
    db.session.commit()
    return version


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return " ".join(subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True,
                                   check=True).stdout.decode().split())


# --- the page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_every_role_that_reads_risks_reads_the_criteria(client, login_as, role):
    login_as(role)
    response = client.get("/risks/methodology")
    assert response.status_code == 200
    text = page_text(response)
    for expected in (
        "Risk methodology", "Matrix version 1 (current): 5×5", "How a risk is rated",
        # the heat grid, the bands with their responses, the level meanings
        "20 Critical", "Critical 20–25", "Treat within 30 days; report to the Head of Department.",
        "Almost certain Expected to occur; several times a year",
        "Catastrophic Critical services down across the province",
        # tolerance, longest acceptance, who may accept
        "Default tolerance level 4.", "Longest acceptance 12 months.",
        "High 10–16 The head of the risk's department, or an accounting officer",
        "Critical 20–25 An accounting officer",
        # the version history
        "Versions of the matrix", "Default 5×5 matrix",
    ):
        assert expected in text, expected
    main = response.get_data(as_text=True).split('<main', 1)[1]
    assert 'method="post"' not in main  # read-only: the only form is the header's sign-out


def test_the_page_shows_the_settings_as_saved(client, login_as):
    settings.save({settings.RISK_DEFAULT_TOLERANCE: 6, settings.RISK_ACCEPTANCE_MAX_MONTHS: 9}, actor=None)
    db.session.commit()
    login_as("auditor")
    text = page_text(client.get("/risks/methodology"))
    assert "Default tolerance level 6." in text and "Longest acceptance 9 months." in text


@pytest.mark.parametrize("role", ["hr_officer"])
def test_roles_that_do_not_read_risks_are_refused(client, login_as, role):
    login_as(role)
    assert client.get("/risks/methodology").status_code == 403
    assert client.get("/reports/risk-methodology.pdf").status_code == 403


def test_signing_in_is_needed(client):
    response = client.get("/risks/methodology")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_each_version_has_its_author_date_note_and_a_read_only_page(client, login_as):
    matrices.current_matrix()
    second_version()
    login_as("auditor")
    current = page_text(client.get("/risks/methodology"))
    assert "Matrix version 2 (current)" in current and "by Ayanda Admin" in current
    assert "Critical from 15 after review" in current and "15 Critical" in current
    html = client.get("/risks/methodology").get_data(as_text=True)
    assert 'href="/risks/methodology?version=1"' in html

    older = client.get("/risks/methodology?version=1")
    assert older.status_code == 200
    text = page_text(older)
    assert "You are reading version 1, an earlier version" in text and "Read the current version (2)" in text
    assert "15 High" in text and "Matrix version 1: 5×5" in text and "by system" in text
    assert 'href="/reports/risk-methodology.pdf?version=1"' in older.get_data(as_text=True)


@pytest.mark.parametrize("version", ["99", "abc", "-1", "1.5"])
def test_a_version_that_does_not_exist_is_not_found(client, login_as, version):
    login_as("auditor")
    assert client.get(f"/risks/methodology?version={version}").status_code == 404


def test_the_register_and_the_admin_matrix_page_link_to_it(client, login_as):
    login_as("admin")
    for path in ("/risks", "/admin/risk-matrix"):
        assert 'href="/risks/methodology"' in client.get(path).get_data(as_text=True), path


def test_who_may_accept_covers_every_band_lowest_first(app):
    matrix = scoring.default_matrix(4)
    rows = methodology.acceptance_authority(matrix)
    assert [row.band.name for row in rows] == ["Low", "Medium", "High", "Critical"]
    assert [row.who for row in rows] == [  # the default setting: Low and Medium the owner, High the HoD...
        methodology.WHO_MAY_ACCEPT[AcceptanceAuthority.RISK_OWNER],
        methodology.WHO_MAY_ACCEPT[AcceptanceAuthority.RISK_OWNER],
        methodology.WHO_MAY_ACCEPT[AcceptanceAuthority.HEAD_OF_DEPARTMENT],
        methodology.WHO_MAY_ACCEPT[AcceptanceAuthority.ACCOUNTING_OFFICER]]


# --- the PDF -----------------------------------------------------------------------------------------


def test_an_auditor_downloads_the_methodology_pdf_and_it_is_audited(client, login_as):
    auditor = login_as("auditor")
    response = client.get("/reports/risk-methodology.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="risk-methodology-v1.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.get_data())
    for expected in ("Risk methodology", "Risk matrix version 1 (current)", "How a risk is rated",
                     "Treat within 90 days; report to the risk committee.", "Default tolerance level 4.",
                     "Who may accept a risk above its tolerance", "Versions of the matrix", "Default 5×5 matrix"):
        assert expected in text, expected
    [entry] = audit_entries("generate", "report")
    assert entry.actor_id == auditor.id and entry.entity_id == "risk_methodology"


def test_an_earlier_version_prints_with_the_current_one_named(client, login_as):
    matrices.current_matrix()
    second_version()
    login_as("auditor")
    response = client.get("/reports/risk-methodology.pdf?version=1")
    assert response.status_code == 200
    text = pdf_text(response.get_data())
    assert "Risk matrix version 1 (the current version is 2)" in text and "High 10–16" in text
    assert "settings are not versioned with the matrix" in text


@pytest.mark.parametrize(("version", "status"), [("99", 404), ("abc", 400), ("0", 400)])
def test_bad_versions_of_the_pdf_are_refused(client, login_as, version, status):
    login_as("auditor")
    assert client.get(f"/reports/risk-methodology.pdf?version={version}").status_code == status
    assert not audit_entries("generate", "report")


def test_the_reports_page_offers_it_to_readers_of_risks(client, login_as):
    login_as("auditor")
    page = client.get("/reports").get_data(as_text=True)
    assert "Risk methodology" in page and 'href="/reports/risk-methodology.pdf"' in page
    login_as("hr_officer")
    assert 'href="/reports/risk-methodology.pdf"' not in client.get("/reports").get_data(as_text=True)


def test_the_report_is_built_in_the_request(app):
    """A few pages whatever the register's size: rendered at once, as the policy document is."""
    assert not documents.REPORTS["risk_methodology"].in_background
    assert documents.REPORTS["risk_methodology"].permission == "risk.view"


def test_the_command_line_builds_a_version(app, tmp_path):
    matrices.current_matrix()
    second_version()
    out = tmp_path / "criteria.pdf"
    result = app.test_cli_runner().invoke(args=["reports", "build", "risk_methodology", "--version", "1",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Risk matrix version 1 (the current version is 2)" in pdf_text(out.read_bytes())
    factories.make_department("DOH", "Health")
    refused = app.test_cli_runner().invoke(args=["reports", "build", "risk_methodology", "--department", "DOH"])
    assert refused.exit_code == 2 and "--department does not apply to the risk_methodology report" in refused.output
