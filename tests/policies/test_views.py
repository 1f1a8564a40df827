"""Every policy page through the test client: who may, who may not, bad input changing nothing,
and what a person sees (sanitised text, document-control tables, the register)."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.common.timeutil import local_today
from app.controls.models import Control
from app.extensions import db
from app.policies import services
from app.policies.models import Policy, PolicyAcknowledgement
from tests import archives, factories
from tests.controls.test_views import shown_total
from tests.pages import audit_entries, csv_rows, error_next_to, text_of
from tests.policies.conftest import make_approved, make_draft, make_employee, signed_sheet

NEW_POLICY = {"code": "AUP-001", "title": "Acceptable Use Policy", "change": "Original", "author_name": "S Dlamini",
              "author_designation": "Security Officer", "author_contact": "021 000 0000",
              "body": "# Acceptable use\n\n## 3.1 E-mail\nWork only.\n\n<script>alert('x')</script>"}


def url(policy: Policy, suffix: str = "", version=None) -> str:
    version = version or policy.latest
    return f"/policies/{policy.id}/versions/{version.id}{suffix}"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_every_role_reads_the_policy_list_and_the_policy(client, login_as):
    policy = make_approved()
    for role in ("admin", "security_officer", "risk_owner", "manager", "hr_officer", "auditor"):
        login_as(role)
        assert "ICT Security Policy" in text_of(client.get("/policies"))
        assert "Version 1.0 Approved" in text_of(client.get(f"/policies/{policy.id}"))


def test_creating_a_policy_shows_its_text_sanitised(officer, client):
    control = db.session.scalar(sa.select(Control).where(Control.reference == "5.10"))

    response = client.post("/policies/new", data={**NEW_POLICY, "control_ids": [str(control.id)]})

    policy = services.find_by_code("AUP-001")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/policies/{policy.id}")
    page = client.get(f"/policies/{policy.id}").get_data(as_text=True)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<h4>3.1 E-mail</h4>" in page
    assert "5.10 Acceptable use of information and other associated assets" in text_of(client.get(
        f"/controls/{control.id}"))
    assert audit_entries("create", "policy")[0].actor_id == officer.id


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"code": ""}, "code", "Give a short code, like ICT-SEC-001."),
    ({"code": "ICT-SEC"}, "code", "Code ICT-SEC is already used by ICT Security Policy."),
    ({"title": ""}, "title", "Give the policy's title, like ICT Security Policy."),
])
def test_bad_policy_input_is_shown_at_its_field_and_nothing_is_stored(officer, client, changes, field, message):
    make_draft("ICT-SEC")
    before = count(Policy)

    response = client.post("/policies/new", data={**NEW_POLICY, **changes})

    assert response.status_code == 422
    assert error_next_to(response, field) == message
    assert count(Policy) == before


def test_editing_the_draft_and_attaching_the_signed_pdf(officer, client, app):
    policy = make_draft()
    version = policy.latest
    data = {"version": str(version.version), "change": "Original", "author_name": "S Dlamini",
            "author_designation": "Security Officer", "author_contact": "", "body": "New text",
            "document": (io.BytesIO(b"%PDF-1.7\n1 0 obj\n"), "ict-sec-signed.pdf")}

    response = client.post(url(policy, "/edit"), data=data, content_type="multipart/form-data")
    download = client.get(url(policy, "/document"))

    assert response.status_code == 302
    assert version.body == "New text" and version.document_name == "ict-sec-signed.pdf"
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()


def test_a_file_that_is_not_a_pdf_is_refused_next_to_the_field(officer, client):
    policy = make_draft()
    version = policy.latest
    data = {"version": str(version.version), "change": "Original", "author_name": "S", "body": "x",
            "document": (io.BytesIO(b"plain words"), "policy.txt")}

    response = client.post(url(policy, "/edit"), data=data, content_type="multipart/form-data")

    assert response.status_code == 422
    assert error_next_to(response, "document") == "Attach the signed policy as a PDF."
    assert version.body != "x" and version.document_sha256 is None


def test_a_stale_draft_form_is_refused(officer, client):
    policy = make_draft()
    version = policy.latest
    form = {"version": str(version.version), "change": "Original", "author_name": "A", "body": "first"}
    client.post(url(policy, "/edit"), data=form)

    stale = client.post(url(policy, "/edit"), data={**form, "body": "second"})

    assert stale.status_code == 302 and stale.headers["Location"].endswith(url(policy, "/edit"))
    assert version.body == "first"


def test_the_whole_workflow_through_the_pages(officer, client):
    policy = make_draft()
    version = policy.latest

    client.post(url(policy, "/clauses/from-headings"))
    client.post(url(policy, "/clauses"), data={"reference": "5.1", "title": "Screen lock"})
    client.post(url(policy, "/submit"), data={"version": str(version.version)})
    client.post(url(policy, "/reviewers"), data={"name": "L Mokoena", "designation": "ICT Manager",
                                                 "reviewed_on": local_today().isoformat()})
    approved = client.post(url(policy, "/approve"), data={
        "version": str(version.version), "approver_name": "T Nkosi", "approver_designation": "Municipal Manager",
        "approved_on": local_today().isoformat()}, follow_redirects=True)

    assert [c.reference for c in version.clauses] == ["4", "4.1", "4.2", "5.1"]
    assert version.state == "approved"
    page = text_of(approved)
    assert "it is the version in force" in page
    assert "Name Designation Signature Date L Mokoena ICT Manager Not signed" in page  # a signature column (issue 21)
    assert "Approved by T Nkosi Designation Municipal Manager" in page


def test_an_approval_missing_its_approver_is_refused_and_changes_nothing(officer, client):
    policy = make_draft()
    version = policy.latest
    services.submit_for_review(version, expected_version=version.version, actor=None)

    response = client.post(url(policy, "/approve"), data={"version": str(version.version), "approver_name": "",
                                                          "approver_designation": "MM", "approved_on": "2099-01-01"})

    assert response.status_code == 422
    assert error_next_to(response, "approver_name") == "Give the name of the person who approved the policy."
    assert version.state == "in_review" and version.approved_on is None


def test_sending_an_incomplete_draft_for_review_says_what_is_missing(officer, client):
    policy = make_draft(author_name="")

    response = client.post(url(policy, "/submit"), data={"version": str(policy.latest.version)})

    assert response.status_code == 422
    assert "Give the author's name for the document-control table." in text_of(response)
    assert policy.latest.state == "draft"


def test_an_approved_version_offers_no_editing_and_refuses_it(officer, client):
    policy = make_approved()

    page = text_of(client.get(f"/policies/{policy.id}"))
    edit = client.get(url(policy, "/edit"))
    add = client.post(url(policy, "/clauses"), data={"reference": "9", "title": "New"})

    assert "Edit draft" not in page and "Start a new version" in page
    assert edit.status_code == 200  # the form shows; saving is refused:
    saved = client.post(url(policy, "/edit"), data={"version": str(policy.current.version), "body": "changed"})
    assert saved.status_code == 422 and "read-only" in text_of(saved)
    assert add.status_code == 422 and "read-only" in text_of(add)


def test_starting_a_new_version_and_discarding_it(officer, client):
    policy = make_approved()

    started = client.post(f"/policies/{policy.id}/versions/new", data={"major": "y"})
    draft = policy.latest
    discarded = client.post(url(policy, "/discard", draft), data={"version": str(draft.version)})

    assert started.status_code == 302 and draft.number == "2.0"
    assert discarded.status_code == 302
    db.session.expire_all()
    assert [v.number for v in policy.versions] == ["1.0"]


def test_deleting_a_draft_policy(officer, client):
    policy = make_draft("OLD-1")
    assert "Only a policy that was never approved" in text_of(client.get(f"/policies/{policy.id}/delete"))
    assert client.post(f"/policies/{policy.id}/delete").status_code == 302
    assert services.find_by_code("OLD-1") is None


def test_an_employee_acknowledges_from_the_policy_page(client, login_as, department):
    policy = make_approved()
    user = login_as("risk_owner", department=department)
    make_employee(department=department, user=user)

    before = text_of(client.get("/policies"))
    response = client.post(url(policy, "/acknowledge"), follow_redirects=True)

    assert "Please read and acknowledge 1 policy in force" in before
    assert "your acknowledgement of ICT-SEC version 1.0 is recorded" in text_of(response)
    assert "You acknowledged version 1.0." in text_of(client.get(f"/policies/{policy.id}"))
    assert count(PolicyAcknowledgement) == 1


def test_the_register_lists_who_signed_and_who_has_not(client, login_as, department):
    policy = make_approved()
    signed = make_employee(department=department, name="Ayanda Zulu")
    make_employee(department=department, name="Bongani Khumalo")
    services.record_acknowledgements(policy.current, [signed.number], on=date(2026, 4, 1), actor=None,
                                     sheet=signed_sheet())
    login_as("hr_officer")

    acknowledged = client.get(f"/policies/{policy.id}/acknowledgements")
    waiting = client.get(f"/policies/{policy.id}/acknowledgements?show=outstanding")
    export = client.get(f"/policies/{policy.id}/acknowledgements?show=outstanding&export=csv")

    assert "1 of 2 employees (50%)" in text_of(acknowledged) and "Ayanda Zulu" in text_of(acknowledged)
    assert "Bongani Khumalo" in text_of(waiting) and "Ayanda Zulu" not in text_of(waiting)
    assert csv_rows(export)[0]["Employee"] == "Bongani Khumalo"
    assert audit_entries("export", "policy")


def test_a_manager_sees_only_their_own_departments_staff(client, login_as, department):
    policy = make_approved()
    make_employee(department=department, name="Ayanda Zulu")
    make_employee(department=factories.make_department("DOE", "Education"), name="Chris Botha")
    login_as("manager", department=department)

    page = text_of(client.get(f"/policies/{policy.id}/acknowledgements?show=outstanding&department=999"))

    assert "Ayanda Zulu" in page and "Chris Botha" not in page
    assert "0 of 1 employees of your department" in page


def test_an_auditor_sees_the_registers_own_pseudonyms_and_nothing_that_singles_people_out(client, login_as,
                                                                                          department):
    """POPIA: no name, number, department or position beside a pseudonym, and not the pseudonym the
    cases use, so the register cannot be joined to the cases to re-identify anyone."""
    from app.common.privacy import pseudonym

    policy = make_approved()
    employee = make_employee(department=department, name="Ayanda Zulu")
    employee.position = "Radiographer"
    db.session.commit()
    login_as("auditor")

    page = text_of(client.get(f"/policies/{policy.id}/acknowledgements?show=outstanding"))
    export = csv_rows(client.get(f"/policies/{policy.id}/acknowledgements?show=outstanding&export=csv"))

    in_register = pseudonym(employee.id, f"acknowledgements:{policy.id}")
    assert in_register != pseudonym(employee.id)  # the cases' pseudonym of the same person
    assert in_register in page and pseudonym(employee.id) not in page
    for detail in ("Ayanda Zulu", employee.number, "Radiographer", "Position"):
        assert detail not in page
    assert export == [{"Employee": in_register}]


def test_each_policys_register_has_its_own_pseudonyms(client, login_as, department):
    from app.common.privacy import pseudonym

    first, second = make_approved(), make_approved("ICT-USE")
    employee = make_employee(department=department, name="Ayanda Zulu")
    login_as("auditor")

    one = text_of(client.get(f"/policies/{first.id}/acknowledgements?show=outstanding"))
    other = text_of(client.get(f"/policies/{second.id}/acknowledgements?show=outstanding"))

    assert pseudonym(employee.id, f"acknowledgements:{first.id}") in one
    assert pseudonym(employee.id, f"acknowledgements:{first.id}") not in other


@pytest.mark.parametrize("role", ["hr_officer", "security_officer", "manager"])
def test_roles_that_see_names_keep_department_and_position(client, login_as, department, role):
    policy = make_approved()
    employee = make_employee(department=department, name="Ayanda Zulu")
    login_as(role, department=department)

    page = text_of(client.get(f"/policies/{policy.id}/acknowledgements?show=outstanding"))
    export = csv_rows(client.get(f"/policies/{policy.id}/acknowledgements?show=outstanding&export=csv"))

    assert f"Ayanda Zulu {employee.number} DOH Clerk" in page
    assert export[0] == {"Employee": "Ayanda Zulu", "Employee number": employee.number, "Department": "DOH",
                         "Position": "Clerk"}


def test_auditors_see_acknowledgement_entries_in_the_audit_log_without_employee_numbers(client, login_as,
                                                                                        department):
    policy = make_approved()
    employee = make_employee(department=department)
    services.record_acknowledgements(policy.current, [employee.number], on=date(2026, 4, 1), actor=None,
                                     sheet=signed_sheet())
    db.session.commit()
    login_as("auditor")

    page = text_of(client.get("/audit/?action=acknowledge"))
    export = client.get("/audit/?action=acknowledge&export=csv").get_data(as_text=True)

    assert "1 acknowledgement of ICT-SEC version 1.0 (signed on paper)" in page
    assert employee.number not in page and employee.number not in export
    login_as("admin")
    assert employee.number in text_of(client.get("/audit/?action=acknowledge"))


def test_recording_signed_sheets_is_all_or_nothing(client, login_as, department):
    policy = make_approved()
    first = make_employee(department=department)
    login_as("hr_officer")

    refused = client.post(f"/policies/{policy.id}/acknowledgements/record", data={
        "employee_numbers": f"{first.number}\nE99999", "acknowledged_on": "2026-04-01",
        "sheet": (io.BytesIO(archives.pdf("Signed sheet")), "sheet.pdf")})
    recorded = client.post(f"/policies/{policy.id}/acknowledgements/record", data={
        "employee_numbers": first.number, "acknowledged_on": "2026-04-01",
        "sheet": (io.BytesIO(archives.pdf("Signed sheet")), "sheet.pdf")}, follow_redirects=True)

    assert refused.status_code == 422
    assert error_next_to(refused, "employee_numbers").startswith("No employee has the number E99999")
    assert "Recorded 1 acknowledgement of ICT-SEC version 1.0." in text_of(recorded)
    assert shown_total(recorded) == "1 employee"


def test_the_register_of_a_policy_never_approved_is_404(officer, client):
    assert client.get(f"/policies/{make_draft().id}/acknowledgements").status_code == 404


def test_a_missing_policy_or_version_is_404(officer, client):
    policy = make_draft()
    assert client.get("/policies/999999").status_code == 404
    assert client.get(f"/policies/{policy.id}/versions/999999").status_code == 404


def test_the_register_of_a_superseded_version_keeps_its_acknowledgements(client, login_as, department):
    policy = make_approved()
    first = policy.current
    signed = make_employee(department=department, name="Ayanda Zulu")
    services.record_acknowledgements(first, [signed.number], on=date(2026, 4, 1), actor=None, sheet=signed_sheet())
    draft = services.start_new_version(policy, major=False, actor=None)
    services.update_draft(draft, services.DraftInput(change="Changes", body=draft.body, author_name="S Dlamini",
                                                     author_designation="Security Officer"),
                          expected_version=draft.version, actor=None)
    services.submit_for_review(draft, expected_version=draft.version, actor=None, today=date(2026, 11, 2))
    services.add_reviewer(draft, name="L M", designation="ICT", reviewed_on=date(2026, 11, 3), actor=None,
                          today=date(2026, 11, 3))
    services.approve(draft, services.workflow.Approval("T N", "MM", date(2026, 11, 4), None),
                     expected_version=draft.version, actor=None, today=date(2026, 11, 4))
    login_as("hr_officer")

    current = text_of(client.get(f"/policies/{policy.id}/acknowledgements"))
    old = text_of(client.get(f"/policies/{policy.id}/acknowledgements?version={first.id}&show=outstanding"))
    draft_register = client.get(f"/policies/{policy.id}/acknowledgements?version=999999")

    assert "0 of 1 employees" in current and "Register of version: 1.1 · 1.0" in current
    assert "was in force from 2026-03-02 to 2026-11-04" in old and "Ayanda Zulu" in old
    assert "Not yet acknowledged" not in old
    assert draft_register.status_code == 404
