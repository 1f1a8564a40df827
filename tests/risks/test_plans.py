"""The risk owner's approval of the treatment plan (ISO/IEC 27001 6.1.3 f; issue 18, point 10), and
the completion date a done action keeps: who may approve, what a stale page or an empty plan does,
and which changes ask the owner again."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa

from app.common.timeutil import local_today
from app.controls.services import annex_a_control as annex_a
from app.extensions import db
from app.risks import plans, services
from app.risks.models import PlanApproval, TreatmentAction
from app.risks.scoring import Rating
from tests import factories
from tests.pages import audit_entries
from tests.risks.conftest import input_from
from tests.risks.test_record_views import page_text, reload


@pytest.fixture
def risk(make_risk, officer, owner):
    risk = make_risk(title="Information Security", strategy="modify", target=(2, 2))
    services.add_action(risk, title="Establish a Security Operations Centre (SOC)", owner_id=owner.id,
                        due_on=date(2027, 6, 30), actor=officer, control_id=annex_a("8.16").id)
    db.session.commit()
    return risk


def approve(client, risk, fingerprint: str | None = None):
    return client.post(f"/risks/{risk.id}/plan/approve",
                       data={"plan": plans.plan_fingerprint(risk) if fingerprint is None else fingerprint})


def approvals() -> list[PlanApproval]:
    return list(db.session.scalars(sa.select(PlanApproval)))


def edit_action(action: TreatmentAction, actor, **changes) -> None:
    values = {"title": action.title, "owner_id": action.owner_id, "due_on": action.due_on, "status": action.status,
              "progress_note": action.progress_note, "control_id": action.control_id, **changes}
    services.update_action(action, expected_version=action.version, actor=actor, **values)
    db.session.commit()


# --- approving ---------------------------------------------------------------------------------------


def test_the_owner_approves_the_plan_and_it_is_audited(client, login_as, owner, risk):
    login_as(owner)
    page = client.get(f"/risks/{risk.id}").get_data(as_text=True)
    assert "Not approved" in page and "Approve this treatment plan" in page
    assert f'name="plan" value="{plans.plan_fingerprint(risk)}"' in page

    response = approve(client, risk)

    assert response.status_code == 302 and response.location.endswith(f"/risks/{risk.id}#plan-heading")
    [approval] = approvals()
    assert approval.approved_by_id == owner.id and approval.fingerprint == plans.plan_fingerprint(risk)
    assert '"title": "Establish a Security Operations Centre (SOC)"' in approval.plan_json
    [entry] = audit_entries("plan_approved", "risk", risk.id)
    assert entry.actor_id == owner.id and "Approved the treatment plan of R-0001" in entry.summary
    text = page_text(client.get(f"/risks/{risk.id}"))
    assert f"You approved the treatment plan of {risk.reference}" in text
    assert f"Approved by {owner.full_name}, the risk owner" in text and "Approve this treatment plan" not in text


@pytest.mark.parametrize("who", ["another risk owner", "admin", "security_officer", "auditor", "manager"])
def test_only_the_risks_own_owner_may_approve(client, login_as, risk, who):
    login_as(factories.make_user("risk_owner") if who == "another risk owner" else who)
    assert approve(client, risk).status_code == 403
    assert "Approve this treatment plan" not in client.get(f"/risks/{risk.id}").get_data(as_text=True)
    assert approvals() == [] and not audit_entries("plan_approved")


def test_an_administrator_who_owns_the_risk_approves_it(client, login_as, make_risk, officer):
    admin = factories.make_user("admin")
    risk = make_risk(owner_id=admin.id, strategy="retain")
    login_as(admin)
    assert approve(client, risk).status_code == 302
    assert [a.approved_by_id for a in approvals()] == [admin.id]


def test_a_plan_changed_while_the_owner_read_it_is_not_approved(client, login_as, owner, officer, risk):
    login_as(owner)
    seen = plans.plan_fingerprint(risk)
    services.add_action(risk, title="Data loss prevention", owner_id=owner.id, due_on=date(2027, 9, 30),
                        actor=officer)
    db.session.commit()

    response = approve(client, risk, seen)

    assert response.status_code == 302 and approvals() == []
    assert "The treatment plan changed while you were reading it. Nothing was approved" in \
        page_text(client.get(response.location))


@pytest.mark.parametrize(("fields", "message"), [
    ({"strategy": None}, "The plan has no treatment strategy yet"),
    ({"strategy": "modify"}, "The plan has no treatment action to approve"),
])
def test_an_empty_plan_cannot_be_approved(client, login_as, make_risk, owner, fields, message):
    risk = make_risk(**fields)
    login_as(owner)
    page = page_text(client.get(f"/risks/{risk.id}"))
    assert message in page and "Approve this treatment plan" not in page
    response = approve(client, risk)
    assert message in page_text(client.get(response.location)) and approvals() == []


def test_a_plan_to_retain_the_risk_needs_no_action(app, make_risk, owner):
    risk = make_risk(strategy="retain")
    plans.approve_plan(risk, actor=owner, seen_fingerprint=plans.plan_fingerprint(risk))
    assert plans.approval_state(risk).current


def test_approving_twice_says_it_is_approved_already(app, owner, risk):
    plans.approve_plan(risk, actor=owner, seen_fingerprint=plans.plan_fingerprint(risk))
    with pytest.raises(services.RiskRuleError, match="You approved this plan already"):
        plans.approve_plan(risk, actor=owner, seen_fingerprint=plans.plan_fingerprint(risk))


def test_a_closed_risks_plan_is_not_approved(app, owner, officer, risk):
    services.close_risk(risk, expected_version=risk.version, reason="System decommissioned", actor=officer)
    with pytest.raises(services.RiskRuleError, match="is closed"):
        plans.approve_plan(risk, actor=owner, seen_fingerprint=plans.plan_fingerprint(risk))


# --- what asks the owner again --------------------------------------------------------------------


def _approved(risk, owner):
    plans.approve_plan(risk, actor=owner, seen_fingerprint=plans.plan_fingerprint(risk))
    db.session.commit()
    assert plans.approval_state(risk).current


@pytest.mark.parametrize("change", ["due date", "owner", "title", "control", "cancelled"])
def test_a_material_change_of_an_action_asks_the_owner_again(app, owner, officer, risk, change):
    _approved(risk, owner)
    action = risk.actions[0]
    edit_action(action, officer, **{
        "due date": {"due_on": date(2028, 1, 31)}, "owner": {"owner_id": officer.id},
        "title": {"title": "Outsource the SOC"}, "control": {"control_id": annex_a("8.15").id},
        "cancelled": {"status": "cancelled", "progress_note": "Replaced by a managed service."}}[change])
    state = plans.approval_state(reload(risk))
    assert state.changed_since and not state.current
    assert state.label.startswith(f"Changed since {owner.full_name} approved it on")


def test_a_new_action_a_new_strategy_or_target_asks_again(app, owner, officer, risk):
    _approved(risk, owner)
    services.add_action(risk, title="Data loss prevention", owner_id=owner.id, due_on=None, actor=officer)
    db.session.commit()
    assert plans.approval_state(risk).changed_since
    _approved(risk, owner)
    services.update_risk(risk, input_from(risk, strategy="share"), expected_version=risk.version, actor=officer)
    db.session.commit()
    assert plans.approval_state(risk).changed_since
    _approved(risk, owner)
    services.update_risk(risk, input_from(risk, target=Rating(1, 2)), expected_version=risk.version, actor=officer,
                         reason="SOC scope widened")
    db.session.commit()
    assert plans.approval_state(risk).changed_since


def test_carrying_out_the_plan_keeps_the_approval(app, owner, officer, risk):
    _approved(risk, owner)
    action = risk.actions[0]
    edit_action(action, owner, status="in_progress", progress_note="Tender awarded.")
    edit_action(action, owner, status="done", progress_note="SOC live, monitoring 24/7.")
    services.update_risk(risk, replace(services.input_of(risk), residual=Rating(2, 2)),
                         expected_version=risk.version, actor=officer, reason="SOC live")
    db.session.commit()
    assert plans.approval_state(reload(risk)).current


def test_the_risk_page_says_when_the_plan_changed_since_its_approval(client, login_as, owner, officer, risk):
    _approved(risk, owner)
    services.add_action(risk, title="Data loss prevention", owner_id=owner.id, due_on=None, actor=officer)
    db.session.commit()
    login_as("auditor")
    text = page_text(client.get(f"/risks/{risk.id}"))
    assert "Changed since approval" in text and f"{owner.full_name} approved the plan on" in text


# --- completion date ---------------------------------------------------------------------------------


def test_an_action_keeps_the_date_it_was_done(app, owner, officer, risk):
    action = risk.actions[0]
    assert action.completed_on is None
    edit_action(action, owner, status="done", progress_note="SOC live.")
    assert action.completed_on == local_today()
    [entry] = [e for e in audit_entries("update", "risk_action") if "completed_on" in e.changes]
    assert local_today().isoformat() in entry.changes
    edit_action(action, owner, progress_note="SOC live; first quarterly report filed.")
    assert action.completed_on == local_today()  # still done: the date stays
    edit_action(action, officer, status="in_progress")
    assert action.completed_on is None  # reopened
    done = services.add_action(risk, title="Patch servers", owner_id=None, due_on=None, actor=officer,
                               status="done", progress_note="All patched.")
    assert done.completed_on == local_today()


def test_the_risk_page_shows_when_an_action_was_done(client, login_as, owner, risk):
    edit_action(risk.actions[0], owner, status="done", progress_note="SOC live.")
    login_as("auditor")
    assert f"on {local_today().isoformat()}" in page_text(client.get(f"/risks/{risk.id}"))
