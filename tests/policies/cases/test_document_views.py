
"""The case timeline page, the case file PDF and the warning letter: what they hold, for whom."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
import sqlalchemy as sa

from app.admin import settings
from app.audit.models import AuditEntry
from app.common.privacy import pseudonym
from app.extensions import db
from app.policies.cases import services as cases
from app.policies.cases import timeline
from tests.pages import text_of
from tests.policies.conftest import make_approved, make_employee, open_case

TODAY = date(2026, 12, 4)


@pytest.fixture
def warned_case(app, department):
    employee = make_employee(department=department, name="Ayanda Zulu")
    case = open_case(employee, make_approved())
    cases.decide(case, "management_warning", "", expected_version=case.version, actor=None, today=date(2026, 11, 5))
    warning = cases.give_warning(case, cases.WarningInput("management", "Never share your password.",
                                                          date(2026, 11, 5)), actor=None, today=TODAY)
    cases.record_signature(case, warning.id, acknowledged_on=date(2026, 11, 6), refused=False, witness_name="",
                           actor=None, today=TODAY)
    return case


def pdf_text(response) -> str:
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True).stdout
    return " ".join(text.decode().split())  # words as read, whatever the line breaks


def test_the_timeline_runs_from_the_incident_to_the_signature(app, warned_case):
    titles = [(event.on, event.title) for event in timeline.events(warned_case)]
    assert titles[0] == (date(2026, 11, 2), "Incident")
    assert (date(2026, 11, 5), "Warning from management given") in titles
    assert titles.index((date(2026, 11, 6), "Warning signed by the employee")) > titles.index(
        (date(2026, 11, 5), "Warning from management given"))
    assert [event for event in timeline.events(warned_case) if event.title == "Breach reported, case opened"]


def test_the_timeline_page(client, login_as, warned_case):
    login_as("hr_officer")
    page = text_of(client.get(f"/cases/{warned_case.id}/timeline"))
    assert "2026-11-02 — Incident" in page and "Ayanda Zulu" in page


def test_the_case_file_pdf_holds_the_case_and_its_marking(client, login_as, warned_case):
    user = login_as("hr_officer")

    text = pdf_text(client.get(f"/cases/{warned_case.id}/case-file.pdf"))

    for expected in (f"Case file {warned_case.reference}", "Ayanda Zulu", "Warning from management",
                     "Never share your password.", "Case file classification: CONFIDENTIAL", "Page 1 of",
                     f"by {user.full_name}"):
        assert expected in text
    # The case file's own marking on its pages, not the organisation's banner (RESTRICTED in the tests).
    assert "RESTRICTED" not in text and text.count("CONFIDENTIAL") >= 3
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "download")).one()
    assert entry.summary == f"Downloaded the case file of case {warned_case.reference} (with personal details)"


def test_an_auditors_case_file_and_letter_carry_the_pseudonym(client, login_as, warned_case):
    login_as("auditor")
    employee = warned_case.employee

    case_file = pdf_text(client.get(f"/cases/{warned_case.id}/case-file.pdf"))
    letter = pdf_text(client.get(f"/cases/{warned_case.id}/warnings/{warned_case.warnings[0].id}/letter.pdf"))

    for text in (case_file, letter):
        assert "Ayanda" not in text and employee.number not in text and pseudonym(employee.id) in text


def test_the_warning_letter(client, login_as, warned_case):
    login_as("hr_officer")
    warning = warned_case.warnings[0]

    text = pdf_text(client.get(f"/cases/{warned_case.id}/warnings/{warning.id}/letter.pdf"))

    assert "Warning from management" in text and "Never share your password." in text
    assert "until 2027-02-05" in text and "Code of Good Practice: Dismissal (2025)" in text
    assert ("the disciplinary code in force here: Disciplinary Code and Procedures for the Public Service (PSCBC "
            "Resolution 1 of 2003)") in text


def test_the_letters_and_case_file_cite_the_configured_disciplinary_code(client, login_as, warned_case):
    """A municipality's letters name the SALGBC's collective agreement, not the public service's code."""
    settings.save({settings.GOVERNING_DISCIPLINARY_CODE: settings.LOCAL_GOVERNMENT_DISCIPLINARY_CODE}, actor=None)
    db.session.commit()
    login_as("hr_officer")

    letter = pdf_text(client.get(f"/cases/{warned_case.id}/warnings/{warned_case.warnings[0].id}/letter.pdf"))
    case_file = pdf_text(client.get(f"/cases/{warned_case.id}/case-file.pdf"))
    page = text_of(client.get(f"/cases/{warned_case.id}"))

    for text in (letter, case_file, page):
        assert settings.LOCAL_GOVERNMENT_DISCIPLINARY_CODE in text
        assert "PSCBC" not in text
    assert "Code of Good Practice: Dismissal" in letter


def test_a_letter_of_another_cases_warning_is_404(client, login_as, warned_case):
    login_as("hr_officer")
    assert client.get(f"/cases/{warned_case.id}/warnings/999999/letter.pdf").status_code == 404


@pytest.fixture
def dismissal_case(app, demo_data):
    return next(c for c in db.session.scalars(sa.select(cases.PolicyCase)) if c.sanction
                and c.sanction.sanction == "dismissal")


def test_the_timeline_of_a_disciplinary_case_holds_every_step(dismissal_case):
    titles = [event.title for event in timeline.events(dismissal_case)]
    for step in ("Investigation started", "Notice of the disciplinary hearing", "Disciplinary hearing", "Findings",
                 "Sanction: dismissal", "Appeal lodged", "Appeal decided", "Case closed"):
        assert step in titles
    assert titles.index("Notice of the disciplinary hearing") < titles.index("Disciplinary hearing")


def test_the_notice_and_outcome_letters(client, login_as, dismissal_case):
    login_as("hr_officer")
    notice = dismissal_case.notices[0]

    notice_text = pdf_text(client.get(f"/cases/{dismissal_case.id}/notices/{notice.id}/letter.pdf"))
    outcome_text = pdf_text(client.get(f"/cases/{dismissal_case.id}/outcome.pdf"))

    assert "Notice of a disciplinary hearing" in notice_text and notice.venue in notice_text
    assert "shop steward" in notice_text and " ".join(dismissal_case.allegations[0].text.split()[:5]) in notice_text
    assert "within 30 days" in outcome_text and "Guilty" in outcome_text
    appeal_text = pdf_text(client.get(f"/cases/{dismissal_case.id}/appeal-outcome.pdf"))
    for text in (notice_text, outcome_text, appeal_text):
        assert settings.PUBLIC_SERVICE_DISCIPLINARY_CODE in text


def test_an_outcome_letter_needs_a_sanction(client, login_as, warned_case):
    login_as("hr_officer")
    assert client.get(f"/cases/{warned_case.id}/outcome.pdf").status_code == 404


def test_the_timeline_says_who_recorded_each_step(client, login_as, department):
    case = open_case(make_employee(department=department), make_approved())
    user = login_as("hr_officer")
    client.post(f"/cases/{case.id}/decision", data={"version": str(case.version), "action": "management_warning"})

    page = text_of(client.get(f"/cases/{case.id}/timeline"))

    assert f"— Decision by {user.full_name}" in page
