"""POPIA on a case for the readers who see it under a pseudonym (auditors, security officers): names
the system knows are replaced in free text, evidence files are withheld unless HR releases them for
an audit, special personal information (s26) withholds the text altogether, and each case file
carries its own classification on its pages, letters and PDFs."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.common import uploads
from app.common.privacy import pseudonym
from app.extensions import db
from app.policies.cases import privacy, redaction
from app.policies.cases import services as cases
from app.policies.cases.models import PolicyCase
from tests import factories
from tests.pages import audit_entries, error_next_to, text_of
from tests.policies.cases.test_document_views import pdf_text
from tests.policies.conftest import make_approved, make_employee, open_case

TODAY = date(2026, 12, 4)
STORY = ("Ayanda Zulu (E-mail ayanda.zulu@example.org) gave her password to Thabo; her manager Lindiwe Khumalo "
         "saw AYANDA at the printer.")
REDACTED_STORY = ("[employee] (E-mail [employee]) gave her password to Thabo; her manager "
                  "[name withheld] saw [employee] at the printer.")
PSEUDONYMISED = ("auditor", "security_officer")
NAMED = ("hr_officer", "admin", "manager")


@pytest.fixture
def story_case(app, department):
    manager = make_employee(department=department, name="Lindiwe Khumalo")
    employee = make_employee(department=department, name="Ayanda Zulu")
    employee.email, employee.manager_id = "ayanda.zulu@example.org", manager.id
    db.session.commit()
    case = open_case(employee, make_approved(), description=STORY)
    cases.add_evidence(case, uploads.check_upload("Ayanda Zulu statement.txt", b"I, Ayanda Zulu, state...",
                                                  max_bytes=1_000_000), "Statement by Ayanda", actor=None)
    db.session.commit()
    return case


def sign_in(login_as, role, department):
    return login_as(role, department=department if role == "manager" else None)


# --- free text ---------------------------------------------------------------------------------


def test_the_redactor_replaces_known_names_as_whole_words_whatever_their_case():
    redactor = redaction.Redactor(["Ayanda Zulu", "Ayanda", "Zulu", "E00042"], ["Sipho Dlamini", "Sipho"],
                                  special=False)

    assert redactor.text("ayanda zulu and Sipho met E00042; Zuluness and E000421 stay.") == (
        "[employee] and [name withheld] met [employee]; Zuluness and E000421 stay.")
    assert redactor.text("") == ""
    assert redaction.Redactor(["Ayanda"], [], special=True).text("Anything at all") == redaction.SPECIAL


@pytest.mark.parametrize("role", PSEUDONYMISED)
def test_readers_under_a_pseudonym_read_the_case_with_names_replaced(client, login_as, department, story_case, role):
    sign_in(login_as, role, department)

    page = text_of(client.get(f"/cases/{story_case.id}"))
    timeline = text_of(client.get(f"/cases/{story_case.id}/timeline"))

    assert REDACTED_STORY in page
    for shown in (page, timeline):
        assert "Ayanda" not in shown and "Zulu" not in shown and "Khumalo" not in shown
        assert pseudonym(story_case.employee_id) in shown
    assert "[employee] statement.txt: Statement by [employee]" in timeline


@pytest.mark.parametrize("role", NAMED)
def test_those_who_see_names_read_the_case_as_written(client, login_as, department, story_case, role):
    sign_in(login_as, role, department)
    assert STORY in text_of(client.get(f"/cases/{story_case.id}"))


def test_people_on_the_employees_side_are_withheld_and_the_officials_shown(client, login_as, demo_data):
    hearing_case = next(c for c in db.session.scalars(sa.select(PolicyCase).order_by(PolicyCase.id))
                        if c.hearing is not None and c.hearing.representative)
    login_as("auditor")

    page = text_of(client.get(f"/cases/{hearing_case.id}"))

    assert hearing_case.hearing.representative not in page and "Representative [withheld]" in page
    assert f"Chair {hearing_case.hearing.chair}" in page  # the employer's officials: what an auditor checks
    assert hearing_case.employee.full_name not in page


def test_every_demo_case_renders_for_an_auditor_with_no_name_and_no_file(client, login_as, demo_data):
    login_as("auditor")
    for case in db.session.scalars(sa.select(PolicyCase).order_by(PolicyCase.id)):
        for path in (f"/cases/{case.id}", f"/cases/{case.id}/timeline"):
            response = client.get(path)
            assert response.status_code == 200, path
            page = text_of(response)
            assert case.employee.full_name not in page and case.employee.number not in page, path
            assert "/evidence/" not in response.get_data(as_text=True).replace("/evidence/release", ""), path


def test_every_structured_or_withheld_column_named_exists():
    """A typo would leave a column shown as stored, or withheld for nothing."""
    tables = {model.__table__.name: model.__table__ for model in redaction.CASE_RECORDS}
    for listing in (redaction.STRUCTURED, redaction.ALWAYS_WITHHELD):
        for table, columns in listing.items():
            assert columns <= set(tables[table].columns.keys()), table


def test_the_case_export_reads_cases_as_the_reader_may(app, story_case):
    auditor = factories.make_user("auditor")
    shown = redaction.shown(story_case, auditor)
    assert shown.description == REDACTED_STORY and shown.reference == story_case.reference
    assert shown.evidence[0].original_name == "[employee] statement.txt"
    assert redaction.shown(story_case, factories.make_user("hr_officer")) is story_case


# --- evidence files ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", PSEUDONYMISED)
def test_evidence_files_are_withheld_with_a_note_that_they_exist(client, login_as, department, story_case, role):
    sign_in(login_as, role, department)

    response = client.get(f"/cases/{story_case.id}")
    download = client.get(f"/cases/{story_case.id}/evidence/{story_case.evidence[0].id}")

    assert ("1 file exists (withheld from auditors under POPIA; HR can release it for an audit)"
            in text_of(response))
    assert f"/evidence/{story_case.evidence[0].id}" not in response.get_data(as_text=True)
    assert download.status_code == 403 and not audit_entries("download")


@pytest.mark.parametrize("role", NAMED)
def test_those_who_see_names_open_the_files(client, login_as, department, story_case, role):
    sign_in(login_as, role, department)
    download = client.get(f"/cases/{story_case.id}/evidence/{story_case.evidence[0].id}")
    assert download.status_code == 200 and download.data == b"I, Ayanda Zulu, state..."
    download.close()


def test_uploaders_are_warned_that_statements_name_people(client, login_as, department, story_case):
    sign_in(login_as, "manager", department)
    for path in ("/cases/new", f"/cases/{story_case.id}"):
        assert "Statements, e-mails and screenshots usually name people" in text_of(client.get(path)), path


def release(client, case, reason="Stage 2 audit: sample of A.6.4, the disciplinary process"):
    return client.post(f"/cases/{case.id}/evidence/release", data={"reason": reason})


def test_hr_releases_the_files_for_an_audit_with_a_reason_and_withholds_them_again(client, login_as, story_case):
    hr = login_as("hr_officer")
    short = release(client, story_case, "audit")
    assert short.status_code == 422 and error_next_to(short, "reason").startswith("Say why the auditors need")
    assert release(client, story_case).status_code == 302
    entry = audit_entries("release", "case")[-1]
    assert entry.actor_id == hr.id and "Stage 2 audit" in entry.summary

    login_as("auditor")
    page = text_of(client.get(f"/cases/{story_case.id}"))
    download = client.get(f"/cases/{story_case.id}/evidence/{story_case.evidence[0].id}")
    assert "Released to auditors on" in page and "Stage 2 audit" in page
    assert download.status_code == 200
    assert 'filename="[employee] statement.txt"' in download.headers["Content-Disposition"]
    download.close()
    assert audit_entries("download", "case")

    login_as("hr_officer")
    assert client.post(f"/cases/{story_case.id}/evidence/withhold").status_code == 302
    assert audit_entries("withhold", "case")
    login_as("auditor")
    assert client.get(f"/cases/{story_case.id}/evidence/{story_case.evidence[0].id}").status_code == 403


@pytest.mark.parametrize("role", ["manager", "security_officer", "auditor"])
def test_only_hr_and_admins_release_files(client, login_as, department, story_case, role):
    sign_in(login_as, role, department)
    assert release(client, story_case).status_code == 403
    assert db.session.get(PolicyCase, story_case.id).evidence_released_at is None


# --- special personal information ------------------------------------------------------------


def mark(client, case, classification="CONFIDENTIAL", categories=(), version=None):
    data = {"classification": classification, "version": str(version or case.version)}
    if categories:
        data["special_categories"] = list(categories)
    return client.post(f"/cases/{case.id}/marking", data=data)


def test_special_personal_information_withholds_the_text_and_the_files_even_when_released(client, login_as,
                                                                                           department, story_case):
    login_as("hr_officer")
    assert release(client, story_case).status_code == 302
    sign_in(login_as, "manager", department)
    assert mark(client, story_case, categories=["health", "criminal"], version=story_case.version).status_code == 302
    entry = audit_entries("mark", "case")[-1]
    assert "special personal information" in entry.summary and "health" not in entry.summary.lower()

    hr_page = text_of(client.get(f"/cases/{story_case.id}"))
    login_as("auditor")
    page = text_of(client.get(f"/cases/{story_case.id}"))
    download = client.get(f"/cases/{story_case.id}/evidence/{story_case.evidence[0].id}")

    assert "Special personal information: Health, Alleged offence" in hr_page and STORY in hr_page
    assert "Special personal information" in page and "Alleged offence" not in page
    assert redaction.SPECIAL in page and "gave her password" not in page
    assert download.status_code == 403
    login_as("hr_officer")
    assert db.session.get(PolicyCase, story_case.id).special_categories  # and a new release is refused:
    client.post(f"/cases/{story_case.id}/evidence/withhold")
    refused = release(client, story_case)
    assert refused.status_code == 422 and "holds special personal information" in text_of(refused)


def test_a_case_opened_with_special_personal_information_is_marked(client, login_as, department):
    employee = make_employee(department=department)
    policy = make_approved()
    clause = next(c for c in policy.current.clauses if c.reference == "4.2")
    login_as("manager", department=department)

    response = client.post("/cases/new", data={
        "employee_number": employee.number, "clause_id": str(clause.id), "incident_on": "2026-11-02",
        "description": "At work under the influence; a medical certificate followed.", "severity": "high",
        "security_risk": "low", "special_categories": ["health", "criminal"]})

    assert response.status_code == 302
    case = db.session.scalars(sa.select(PolicyCase)).one()
    assert [c.value for c in case.special_categories] == ["health", "criminal"]
    assert case.classification == "CONFIDENTIAL"


# --- classification -------------------------------------------------------------------------


def test_a_case_file_gets_the_default_marking_and_can_be_raised_not_lowered(client, login_as, story_case):
    login_as("hr_officer")
    page = text_of(client.get(f"/cases/{story_case.id}"))
    assert "Case file: CONFIDENTIAL" in page

    lowered = mark(client, story_case, "RESTRICTED")
    raised = mark(client, story_case, "SECRET")

    assert lowered.status_code == 422
    assert "Not a valid choice" in error_next_to(lowered, "classification")
    assert raised.status_code == 302
    assert db.session.get(PolicyCase, story_case.id).classification == "SECRET"
    assert audit_entries("mark", "case")[-1].summary == f"Case {story_case.reference} marked SECRET"


def test_the_marking_service_refuses_a_label_below_the_default(app, story_case):
    with pytest.raises(cases.CaseRuleError, match="a case file is marked at least CONFIDENTIAL"):
        privacy.mark_case(story_case, "Internal", [], expected_version=story_case.version, actor=None)


def test_a_stale_marking_is_refused(client, login_as, story_case):
    login_as("hr_officer")
    data = {"classification": "SECRET", "version": str(story_case.version + 7)}
    response = client.post(f"/cases/{story_case.id}/marking", data=data, follow_redirects=True)
    assert "changed by someone else while you were editing it" in text_of(response)
    assert db.session.get(PolicyCase, story_case.id).classification == "CONFIDENTIAL"


def test_letters_and_the_case_file_carry_the_cases_own_marking(app, story_case):
    """Any PDF about a case (a `case` in its context) carries the case's marking, not the banner."""
    from app.reports.pdf import render_html

    story_case.classification = "SECRET"
    db.session.commit()
    who = cases.person(story_case.employee, factories.make_user("hr_officer"))
    with app.test_request_context():
        case_file = render_html("pdf/case_file.html", title="Case file", case=story_case, scope_label="",
                                version_label="", events=[], who=who, similar=[], sees_special=True,
                                codes=cases.code_summary(story_case))
        report = render_html("pdf/base.html", title="Not about a case")

    assert re.findall(r'content: "([A-Z ]+)"', case_file) == ["SECRET", "SECRET"]
    assert "Case file classification: SECRET" in case_file
    assert re.findall(r'content: "([A-Z ]+)"', report) == ["RESTRICTED", "RESTRICTED"]


@pytest.mark.parametrize("role", ["auditor", "security_officer"])
def test_readers_under_a_pseudonym_cannot_mark_a_case(client, login_as, story_case, role):
    login_as(role)
    assert mark(client, story_case, "SECRET").status_code == 403


def test_a_manager_marks_only_their_own_departments_cases(client, login_as, story_case):
    login_as("manager", department=factories.make_department("DOE", "Education"))
    assert mark(client, story_case, "SECRET").status_code == 403


def test_marking_entries_are_audited_and_shown_to_auditors_without_their_changes(client, login_as, story_case):
    login_as("hr_officer")
    mark(client, story_case, "SECRET", ["trade_union"])
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "mark")).one()
    assert "trade_union" in entry.changes
    login_as("auditor")
    page = client.get("/audit/?action=mark").get_data(as_text=True)
    assert "marked SECRET and holds special personal information" in page and "trade_union" not in page


# --- the union question (special personal information) -------------------------------------------------


@pytest.fixture
def shop_steward_case(story_case):
    from app.common.timeutil import local_today
    from app.policies.cases.models import CaseUnionConsultation

    cases.decide(story_case, "disciplinary", "Deliberate forwarding of a tender document to a bidder.",
                 expected_version=story_case.version, actor=None, decided_on=local_today(), today=local_today())
    db.session.add(CaseUnionConsultation(case_id=story_case.id, union_representative=True, union_name="NEHAWU",
                                         informed_on=date(2026, 11, 22),
                                         informed_whom="Mr L. Jacobs (branch secretary)"))
    db.session.commit()
    return story_case


@pytest.mark.parametrize("role", ["auditor", "security_officer"])
def test_readers_under_a_pseudonym_do_not_learn_the_employees_union_office(client, login_as, department,
                                                                           shop_steward_case, role):
    sign_in(login_as, role, department)

    page = text_of(client.get(f"/cases/{shop_steward_case.id}"))
    case_file = " ".join(pdf_text(client.get(f"/cases/{shop_steward_case.id}/case-file.pdf")).split())

    assert "NEHAWU" not in page and "shop steward or an office-bearer" not in page
    assert "trade-union membership, special personal information (POPIA s26)" in page
    assert "NEHAWU" not in case_file and "special personal information (POPIA s26)" in case_file


@pytest.mark.parametrize("role", ["hr_officer", "manager"])
def test_those_who_run_the_case_see_the_union_and_its_consultation(client, login_as, department, shop_steward_case,
                                                                   role):
    sign_in(login_as, role, department)

    page = text_of(client.get(f"/cases/{shop_steward_case.id}"))

    assert "shop steward or an office-bearer or official of NEHAWU" in page
