"""The risk treatment plan (issue 18, point 10): risks out of tolerance that nothing treats are listed
as gaps, done and cancelled actions stay with their results and dates, and each risk's plan shows
its owner's approval; built as the scheduler builds it (prepared.work) for the roles that read risks."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
import sqlalchemy as sa

from app.common.timeutil import local_today
from app.extensions import db
from app.reports import documents, prepared
from app.reports.models import PreparedDocument
from app.risks import plans, services
from app.risks.models import RiskCategory
from app.risks.scoring import Rating
from tests import factories

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def register():
    """Risks the plan must tell apart: out of tolerance and untreated (a gap), treated, accepted,
    closed, within tolerance, and one whose only action is done (a gap again)."""
    officer = factories.make_user("security_officer")
    owner = factories.make_user("risk_owner", full_name="Thandi Owner")
    category = RiskCategory(name="Information Security")
    db.session.add(category)
    db.session.flush()

    def risk(title, residual, **fields):
        made = services.create_risk(services.RiskInput(
            title=title, category_id=category.id, inherent=Rating(5, 5), residual=Rating(*residual), tolerance=4,
            owner_id=owner.id, **fields), actor=officer)
        db.session.flush()
        return made

    risks = {
        "gap": risk("Ransomware on the payroll system", (4, 4), strategy="modify"),
        "treated": risk("Phishing of finance clerks", (3, 3), strategy="modify", target=Rating(2, 2)),
        "accepted": risk("Legacy mainframe", (3, 3)),
        "closed": risk("Decommissioned file server", (4, 4)),
        "within": risk("Paper records", (2, 2)),
        "done_only": risk("Unpatched web portal", (3, 4), strategy="modify"),
    }
    services.add_action(risks["treated"], title="Phishing simulation programme", owner_id=owner.id,
                        due_on=date(2027, 3, 31), actor=officer)
    cancelled = services.add_action(risks["treated"], title="Block all e-mail attachments", owner_id=owner.id,
                                    due_on=date(2026, 1, 31), actor=officer)
    services.update_action(cancelled, expected_version=cancelled.version, title=cancelled.title, owner_id=owner.id,
                           due_on=cancelled.due_on, status="cancelled", control_id=None, actor=officer,
                           progress_note="Stopped: the Treasury needs PDF invoices by e-mail.")
    services.add_action(risks["done_only"], title="Patch the portal", owner_id=owner.id, due_on=date(2026, 2, 28),
                        actor=officer, status="done", progress_note="Patched to 4.2; scan clean.")
    services.accept_risk(risks["accepted"], actor=owner, justification="Replaced next year.",
                         expires_on=date.fromordinal(local_today().toordinal() + 90), today=local_today(),
                         expected_version=risks["accepted"].version)
    services.close_risk(risks["closed"], expected_version=risks["closed"].version, reason="Gone", actor=officer)
    plans.approve_plan(risks["treated"], actor=owner, seen_fingerprint=plans.plan_fingerprint(risks["treated"]))
    db.session.commit()
    return risks


def test_gaps_are_the_risks_out_of_tolerance_that_nothing_treats(register):
    plan = documents.prepare("treatment_plan", {})
    assert [risk.title for risk in plan.context["gaps"]] == ["Ransomware on the payroll system",
                                                             "Unpatched web portal"]


def test_done_and_cancelled_actions_stay_with_their_results(register):
    plan = documents.prepare("treatment_plan", {})
    finished = {action.title: action for action in plan.context["finished"]}
    assert set(finished) == {"Block all e-mail attachments", "Patch the portal"}
    assert finished["Patch the portal"].completed_on == local_today()
    assert finished["Block all e-mail attachments"].completed_on is None
    assert [action.title for action in plan.context["actions"]] == ["Phishing simulation programme"]


def test_each_plan_shows_its_owners_approval(register):
    lines = {line.risk.title: line for line in documents.prepare("treatment_plan", {}).context["plans"]}
    assert set(lines) == {"Phishing of finance clerks", "Unpatched web portal"}
    assert lines["Phishing of finance clerks"].approval.current
    assert lines["Phishing of finance clerks"].approval.label.startswith("Approved by Thandi Owner on ")
    assert lines["Unpatched web portal"].approval.label == "Not approved by the risk owner"
    phishing = lines["Phishing of finance clerks"]
    assert (phishing.open_count, phishing.finished_count) == (1, 1)


def test_a_managers_plan_holds_their_department_only(register):
    department = factories.make_department("DOH", "Health")
    manager = factories.make_user("manager", department=department)
    register["gap"].department_id = department.id
    db.session.commit()
    plan = documents.prepare("treatment_plan", {"viewer_id": manager.id})
    assert [risk.title for risk in plan.context["gaps"]] == ["Ransomware on the payroll system"]
    assert plan.context["plans"] == [] and plan.context["finished"] == []


@pytest.mark.parametrize("role", ["auditor", "risk_owner", "security_officer"])
def test_the_pdf_built_by_the_documents_job_holds_gaps_results_and_approvals(client, login_as, register, role):
    login_as(role)
    response = client.get("/reports/treatment-plan.pdf")
    assert response.status_code == 303
    prepared.work()  # as the scheduler's documents job builds it
    document = db.session.scalars(sa.select(PreparedDocument)).one()
    assert document.status == "ready", document.error
    text = " ".join(subprocess.run(["pdftotext", str(prepared.file_of(document)), "-"], capture_output=True,
                                   check=True).stdout.decode().split())
    for expected in (
        "2 risks are out of tolerance with no treatment", "Gaps: out of tolerance, not treated",
        "Ransomware on the payroll system", "Plans and the risk owners' approval", "Approved by Thandi Owner on",
        "Not approved by the risk owner", "Done and cancelled actions", "Patched to 4.2; scan clean.",
        f"{local_today().isoformat()}", "Stopped: the Treasury needs PDF invoices by e-mail.",
        "1 of 2 plans is approved",
    ):
        assert expected in text, expected
    assert "Decommissioned file server" not in text and "Legacy mainframe" not in text


def test_roles_that_do_not_read_risks_get_no_plan(client, login_as):
    login_as("hr_officer")
    assert client.get("/reports/treatment-plan.pdf").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PreparedDocument)) == 0
