"""The "Revoking privileges" and "Training" parts of the case page through the test client: who may
record them, bad input shown at its field with nothing changed, what the page shows, the audit."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.common.timeutil import local_today
from app.extensions import db
from app.policies.cases import privileges
from app.policies.cases.models import CaseRevocation, CaseTraining
from tests import factories
from tests.pages import error_next_to, text_of
from tests.policies.conftest import open_case


def revocation_form(**changes) -> dict:
    """From today for 30 days; a date given as "+N" is N days after today."""
    today = local_today()
    data = {"resources": ["removable_media", "vpn"], "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(), "no_harm_confirmed": "y",
            "no_harm_note": "A colleague copies files to the shared drive for him.", **changes}
    return {name: (today + timedelta(days=int(value[1:]))).isoformat() if str(value).startswith("+") else value
            for name, value in data.items()}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def audited(action: str) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.summary).where(AuditEntry.action == action)))


def test_hr_revokes_privileges_and_the_page_shows_when_to_restore_them(client, login_as, revoking):
    login_as("hr_officer")
    ends = local_today() + timedelta(days=30)

    response = client.post(f"/cases/{revoking.id}/revocations", data=revocation_form(), follow_redirects=True)

    page = text_of(response)
    assert f"Privileges revoked until {ends.isoformat()}" in page
    assert "Removable media (USB), VPN (remote access)" in page or "VPN (remote access), Removable media (USB)" in page
    assert f"Restore due on {ends.isoformat()}" in page and "Overdue" not in page
    assert "Job functions kept: A colleague copies files to the shared drive for him." in page
    assert audited("revoke") == [f"Revoked privileges in case {revoking.reference} (vpn, removable_media) from "
                                 f"{local_today().isoformat()} until {ends.isoformat()}"]


def test_a_manager_of_the_department_restores_privileges(client, login_as, revoking, department):
    kept = privileges.revoke_privileges(revoking, privileges.RevocationInput(
        ["email"], date(2026, 11, 10), date(2026, 11, 20), True, "Reads mail on a colleague's screen."),
        actor=None, today=date(2026, 11, 10))
    login_as("manager", department=department)
    overdue = text_of(client.get(f"/cases/{revoking.id}"))

    response = client.post(f"/cases/{revoking.id}/revocations/{kept.id}/restoration",
                           data={"restored_on": local_today().isoformat()}, follow_redirects=True)

    assert "Restore due on 2026-11-20 Overdue" in overdue
    assert f"Restored on {local_today().isoformat()}" in text_of(response)
    assert len(audited("restore")) == 1


def test_a_manager_of_another_department_gets_403_and_nothing_changes(client, login_as, revoking, training_case):
    login_as("manager", department=factories.make_department("DOE", "Education"))

    revoked = client.post(f"/cases/{revoking.id}/revocations", data=revocation_form())
    trained = client.post(f"/cases/{training_case.id}/trainings", data={
        "course": "Awareness", "due_on": (local_today() + timedelta(days=30)).isoformat()})

    assert (revoked.status_code, trained.status_code) == (403, 403)
    assert count(CaseRevocation) == count(CaseTraining) == 0


def test_a_security_officer_reads_the_steps_but_records_none(client, login_as, revoking):
    login_as("security_officer")

    page = client.get(f"/cases/{revoking.id}")
    refused = client.post(f"/cases/{revoking.id}/revocations", data=revocation_form())

    assert "Revoking privileges" in text_of(page)
    assert f'action="/cases/{revoking.id}/revocations"' not in page.get_data(as_text=True)
    assert refused.status_code == 403 and count(CaseRevocation) == 0


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"ends_on": ""}, "ends_on", "Give the date the privileges are given back: a revocation is for a limited "
                                 "period."),
    ({"ends_on": "+91"}, "ends_on",
     "91 days is longer than allowed: a revocation lasts at most 90 days (the setting under Administration → "
     "Corrective actions)."),
    ({"resources": []}, "resources", "Choose at least one resource to revoke."),
    ({"resources": ["application"], "application_tag": "APP-404"}, "application_tag",
     "No item in the CMDB has the tag APP-404."),
    ({"no_harm_confirmed": ""}, "no_harm_confirmed", "Confirm that the revocation does not harm the employee's job "
                                                     "functions: the policy allows no revocation that does."),
])
def test_a_bad_revocation_is_shown_at_its_field_and_nothing_changes(client, login_as, revoking, changes, field,
                                                                    message):
    login_as("hr_officer")

    response = client.post(f"/cases/{revoking.id}/revocations", data=revocation_form(**changes))

    assert response.status_code == 422
    assert error_next_to(response, field) == message
    assert count(CaseRevocation) == 0 and audited("revoke") == []


def test_revoking_before_the_decision_says_decide_first(client, login_as, employee, policy):
    case = open_case(employee, policy)
    login_as("hr_officer")

    response = client.post(f"/cases/{case.id}/revocations", data=revocation_form())

    assert response.status_code == 422
    assert "Decide the corrective action first: revoking privileges follows the decision." in text_of(response)
    assert count(CaseRevocation) == 0


def test_training_is_assigned_and_completed_with_its_certificate(client, login_as, training_case):
    login_as("hr_officer")
    due = local_today() + timedelta(days=30)

    assigned = client.post(f"/cases/{training_case.id}/trainings", data={
        "course": "Phishing awareness", "provider": "SITA", "due_on": due.isoformat()}, follow_redirects=True)
    training = db.session.scalar(sa.select(CaseTraining))
    completed = client.post(f"/cases/{training_case.id}/trainings/{training.id}/completion", data={
        "completed_on": local_today().isoformat(),
        "evidence": (io.BytesIO(b"%PDF-1.4\n%certificate"), "certificate.pdf")},
        content_type="multipart/form-data", follow_redirects=True)

    assert f"Training assigned, to be completed by {due.isoformat()}" in text_of(assigned)
    page = text_of(completed)
    assert f"Completed on {local_today().isoformat()} (due {due.isoformat()}); evidence: certificate.pdf" in page
    assert len(audited("assign")) == len(audited("complete")) == len(audited("upload")) == 1


def test_a_bad_training_or_completion_changes_nothing(client, login_as, training_case):
    login_as("hr_officer")
    past = (local_today() - timedelta(days=1)).isoformat()

    refused = client.post(f"/cases/{training_case.id}/trainings", data={"course": "Awareness", "due_on": past})
    training = privileges.assign_training(training_case, "Awareness", "", local_today(), actor=None)
    db.session.commit()
    program = client.post(f"/cases/{training_case.id}/trainings/{training.id}/completion", data={
        "completed_on": local_today().isoformat(), "evidence": (io.BytesIO(b"MZ\x00\x00program"), "tool.exe")},
        content_type="multipart/form-data")
    early = client.post(f"/cases/{training_case.id}/trainings/{training.id}/completion", data={
        "completed_on": "2026-11-04"})

    assert refused.status_code == program.status_code == early.status_code == 422
    assert error_next_to(refused, "due_on").startswith(f"The due date ({past}) cannot be in the past")
    assert error_next_to(program, "evidence").startswith("Programs and scripts are not accepted")
    assert error_next_to(early, "override_reason").startswith("A step dated before the decision: The training's "
                                                               "completion is dated 2026-11-04, before the decision "
                                                               "of 2026-11-05")
    db.session.refresh(training)
    assert count(CaseTraining) == 1 and training.completed_on is None and training_case.evidence == []
    assert audited("complete") == [] and audited("upload") == []
