"""A case's own dates (issue 18, point 5): when the breach was reported and when it was decided, both
datable and defaulting to today; no step carrying out the decision dated before it (nor one that may
precede it dated before the report) without a reason on record; the timeline in the order of these
dates. Through the services and the routes."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.common.timeutil import local_today
from app.extensions import db
from app.policies.cases import disciplinary as steps
from app.policies.cases import privileges, timeline
from app.policies.cases import services as cases
from app.policies.cases.models import CaseFairnessOverride, CaseWarning, PolicyCase
from app.policies.cases.privileges import RevocationInput
from app.policies.cases.services import CaseRuleError, FairnessError
from tests import factories
from tests.pages import error_next_to, text_of
from tests.policies.cases.test_case_views import form
from tests.policies.cases.test_disciplinary import TODAY, notice, to_notice
from tests.policies.conftest import open_case

pytestmark = pytest.mark.usefixtures("app")
REASON = "The manager warned him on the spot and recorded the decision when back at the office."


def overrides() -> list[str]:
    return list(db.session.scalars(sa.select(CaseFairnessOverride.check).order_by(CaseFairnessOverride.id)))


def audited(action: str) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.summary).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def decided_on(employee, policy, action: str, day: date) -> PolicyCase:
    case = open_case(employee, policy)
    cases.decide(case, action, "The employee copied files to a USB stick after a briefing on the rule.",
                 expected_version=case.version, actor=None, decided_on=day, today=TODAY)
    db.session.commit()
    return case


# --- the report ---------------------------------------------------------------------------------------


def test_the_report_defaults_to_today_and_may_be_dated_back_to_the_incident(employee, policy):
    today = open_case(employee, policy, reported_on=None)
    earlier = open_case(employee, policy, reported_on=date(2026, 11, 3))

    assert (today.reported_on, today.opened_on) == (TODAY, TODAY)
    assert (earlier.reported_on, earlier.opened_on) == (date(2026, 11, 3), TODAY)


@pytest.mark.parametrize(("reported_on", "message"), [
    (date(2026, 12, 5), "The breach cannot be reported after today (2026-12-04)."),
    (date(2026, 11, 1), "The breach cannot be reported (2026-11-01) before the incident (2026-11-02)."),
])
def test_a_report_in_the_future_or_before_the_incident_is_refused(employee, policy, reported_on, message):
    with pytest.raises(CaseRuleError) as refused:
        open_case(employee, policy, reported_on=reported_on)
    assert refused.value.problems == [("reported_on", message)]
    assert db.session.scalar(sa.select(sa.func.count(PolicyCase.id))) == 0


def test_hr_opens_a_case_reported_earlier(client, login_as, policy, employee):
    login_as("hr_officer")
    page = client.get("/cases/new")
    assert f'value="{local_today().isoformat()}"' in page.get_data(as_text=True)  # the report defaults to today

    opened = client.post("/cases/new", data=form(policy, employee, reported_on="2026-11-04"), follow_redirects=True)

    case = db.session.scalars(sa.select(PolicyCase)).one()
    assert case.reported_on == date(2026, 11, 4) and case.opened_on == local_today()
    assert "Reported 2026-11-04" in text_of(opened)


def test_a_manager_opening_a_case_with_a_future_report_sees_it_at_the_field(client, login_as, policy, employee,
                                                                            department):
    login_as("manager", department=department)

    refused = client.post("/cases/new", data=form(policy, employee, reported_on="2099-01-01"))

    assert refused.status_code == 422
    assert error_next_to(refused, "reported_on").startswith("The breach cannot be reported after today")
    assert db.session.scalar(sa.select(sa.func.count(PolicyCase.id))) == 0


# --- the decision -------------------------------------------------------------------------------------


def test_the_decision_is_dated_when_it_was_made(employee, policy):
    case = open_case(employee, policy)
    cases.decide(case, "management_warning", "", expected_version=case.version, actor=None,
                 decided_on=date(2026, 11, 5), today=TODAY)
    assert case.decided_on == date(2026, 11, 5)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "decide")).one()
    assert json.loads(entry.changes)["decided_on"] == [None, "2026-11-05"]

    other = open_case(employee, policy)
    cases.decide(other, "management_warning", "", expected_version=other.version, actor=None, today=TODAY)
    assert other.decided_on == TODAY  # no date given: today


@pytest.mark.parametrize(("day", "message"), [
    (date(2026, 12, 5), "The decision cannot be dated after today (2026-12-04)."),
    (date(2026, 11, 2), "The decision (2026-11-02) cannot be before the breach was reported (2026-11-03)."),
])
def test_a_decision_in_the_future_or_before_the_report_is_refused(employee, policy, day, message):
    case = open_case(employee, policy, reported_on=date(2026, 11, 3))
    with pytest.raises(CaseRuleError) as refused:
        cases.decide(case, "management_warning", "", expected_version=case.version, actor=None, decided_on=day,
                     today=TODAY)
    assert refused.value.problems == [("decided_on", message)] and case.decided is None


@pytest.mark.parametrize("role", ["hr_officer", "manager"])
def test_hr_or_the_departments_manager_dates_the_decision(client, login_as, policy, employee, department, role):
    case = open_case(employee, policy)
    login_as(role, department=department)
    page = client.get(f"/cases/{case.id}")
    assert 'id="decided_on"' in page.get_data(as_text=True)

    future = client.post(f"/cases/{case.id}/decision", data={"version": str(case.version),
                                                             "action": "management_warning",
                                                             "decided_on": "2099-01-01"})
    decided = client.post(f"/cases/{case.id}/decision", data={"version": str(case.version),
                                                              "action": "management_warning",
                                                              "decided_on": "2026-11-05"}, follow_redirects=True)

    assert future.status_code == 422 and error_next_to(future, "decided_on").startswith(
        "The decision cannot be dated after today")
    assert case.decided_on == date(2026, 11, 5) and "decided on 2026-11-05" in text_of(decided)


@pytest.mark.parametrize("role", ["auditor", "security_officer"])
def test_roles_that_do_not_decide_cannot_date_a_decision(client, login_as, policy, employee, role):
    case = open_case(employee, policy)
    login_as(role)
    refused = client.post(f"/cases/{case.id}/decision", data={"version": str(case.version),
                                                               "action": "management_warning",
                                                               "decided_on": "2026-11-05"})
    assert refused.status_code == 403 and case.decided is None


def test_a_manager_of_another_department_cannot_date_a_decision(client, login_as, policy, employee):
    case = open_case(employee, policy)
    login_as("manager", department=factories.make_department("DOE", "Education"))
    refused = client.post(f"/cases/{case.id}/decision", data={"version": str(case.version),
                                                               "action": "management_warning",
                                                               "decided_on": "2026-11-05"})
    assert refused.status_code == 403 and case.decided is None


def test_a_decision_cannot_be_moved_after_a_step_that_carries_it_out(employee, policy):
    case = decided_on(employee, policy, "revoke_privileges", date(2026, 11, 5))
    privileges.revoke_privileges(case, RevocationInput(["internet"], date(2026, 11, 6), date(2026, 11, 20), True,
                                                       "Intranet and e-mail stay."), actor=None, today=TODAY)
    with pytest.raises(CaseRuleError, match="The revocation of 2026-11-06 carries out the decision"):
        cases.decide(case, "revoke_privileges", "", expected_version=case.version, actor=None,
                     decided_on=date(2026, 11, 10), today=TODAY)
    assert case.decided_on == date(2026, 11, 5)


# --- steps before the decision or the report -----------------------------------------------------------


def test_a_warning_before_its_decision_needs_a_reason_kept_and_audited(employee, policy):
    case = decided_on(employee, policy, "management_warning", date(2026, 11, 5))
    early = cases.WarningInput("management", "Never share your password.", date(2026, 11, 4))

    with pytest.raises(FairnessError) as refused:
        cases.give_warning(case, early, actor=None, today=TODAY)
    assert refused.value.problems[0] == ("override_reason", "A step dated before the decision: The warning from "
                                         "management is dated 2026-11-04, before the decision of 2026-11-05 it "
                                         "carries out. Check the date, or say why it came first.")
    assert case.warnings == [] and overrides() == []

    cases.give_warning(case, early, override_reason=REASON, actor=None, today=TODAY)
    assert case.warnings[0].issued_on == date(2026, 11, 4) and overrides() == ["dated_before_decision"]
    assert audited("override") == [f"Went on despite fairness checks in case {case.reference}: "
                                   "dated_before_decision"]


def test_a_warning_on_or_after_its_decision_needs_no_reason(employee, policy):
    case = decided_on(employee, policy, "management_warning", date(2026, 11, 5))
    cases.give_warning(case, cases.WarningInput("management", "Never share it.", date(2026, 11, 5)), actor=None,
                       today=TODAY)
    assert overrides() == []


def test_a_revocation_before_its_decision_needs_a_reason(employee, policy):
    case = decided_on(employee, policy, "revoke_privileges", date(2026, 11, 5))
    early = RevocationInput(["internet"], date(2026, 11, 3), date(2026, 11, 20), True, "Intranet and e-mail stay.")

    with pytest.raises(FairnessError, match="The revocation is dated 2026-11-03, before the decision of 2026-11-05"):
        privileges.revoke_privileges(case, early, actor=None, today=TODAY)
    privileges.revoke_privileges(case, early, override_reason="Access was cut off at once when the breach was found.",
                                 actor=None, today=TODAY)
    assert case.revocations[0].starts_on == date(2026, 11, 3) and overrides() == ["dated_before_decision"]


def test_a_notice_of_the_hearing_before_the_decision_needs_a_reason(employee, policy):
    case = open_case(employee, policy)
    cases.decide(case, "disciplinary", "Deliberate sharing of an administrator password with a contractor.",
                 expected_version=case.version, actor=None, decided_on=date(2026, 11, 9), today=TODAY)
    steps.record_investigation(case, investigator="L. Mokoena", started_on=date(2026, 11, 3), actor=None,
                               today=TODAY)  # an investigation may come before the decision it informs
    steps.complete_investigation(case, completed_on=date(2026, 11, 5), findings="The log shows it.", actor=None,
                                 today=TODAY)
    steps.record_union_status(case, steps.UnionInput(False), actor=None, today=TODAY)
    steps.add_allegation(case, "You shared your password.", actor=None)

    with pytest.raises(FairnessError) as refused:
        steps.issue_notice(case, notice(issued_on=date(2026, 11, 6), hearing_on=date(2026, 11, 16),
                                        language="English"), actor=None, today=TODAY)
    assert [w.check for w in refused.value.warnings] == ["dated_before_decision"]
    assert overrides() == []


def test_an_investigation_before_the_report_needs_a_reason(employee, policy):
    case = open_case(employee, policy, reported_on=date(2026, 11, 4))
    cases.decide(case, "disciplinary", "Deliberate sharing of an administrator password with a contractor.",
                 expected_version=case.version, actor=None, decided_on=date(2026, 11, 5), today=TODAY)

    with pytest.raises(FairnessError, match="before the breach was reported on 2026-11-04"):
        steps.record_investigation(case, investigator="L. Mokoena", started_on=date(2026, 11, 3), actor=None,
                                   today=TODAY)
    steps.record_investigation(case, investigator="L. Mokoena", started_on=date(2026, 11, 3), actor=None,
                               today=TODAY, override_reason="The quarterly access audit found the breach.")
    assert overrides() == ["dated_before_report"]


def test_the_warning_form_asks_for_the_reason_and_keeps_it(client, login_as, employee, policy, department):
    case = decided_on(employee, policy, "management_warning", date(2026, 11, 5))
    login_as("manager", department=department)
    data = {"warning_type": "management", "issued_on": "2026-11-04", "wording": "Never share your password."}

    refused = client.post(f"/cases/{case.id}/warnings", data=data)
    kept = client.post(f"/cases/{case.id}/warnings", data={**data, "override_reason": REASON}, follow_redirects=True)

    assert refused.status_code == 422
    assert error_next_to(refused, "override_reason").startswith("A step dated before the decision: The warning from "
                                                                "management is dated 2026-11-04")
    assert kept.status_code == 200 and "Warning from management recorded" in text_of(kept)
    assert db.session.scalars(sa.select(CaseWarning.issued_on)).one() == date(2026, 11, 4)
    assert overrides() == ["dated_before_decision"]


def test_the_revocation_form_asks_for_the_reason(client, login_as, employee, policy):
    case = decided_on(employee, policy, "revoke_privileges", date(2026, 11, 5))
    login_as("hr_officer")
    refused = client.post(f"/cases/{case.id}/revocations", data={
        "resources": "internet", "starts_on": "2026-11-04", "ends_on": "2026-11-20", "no_harm_confirmed": "y",
        "no_harm_note": "Intranet and e-mail stay."})
    assert refused.status_code == 422 and case.revocations == []
    assert "before the decision of 2026-11-05" in error_next_to(refused, "override_reason")


# --- the timeline ---------------------------------------------------------------------------------------


def test_the_timeline_follows_the_dates_given_not_the_days_they_were_typed_in(employee, policy):
    case = open_case(employee, policy, reported_on=date(2026, 11, 3))  # opened in Khusela on 2026-12-04
    cases.decide(case, "management_warning", "", expected_version=case.version, actor=None,
                 decided_on=date(2026, 11, 5), today=TODAY)
    cases.give_warning(case, cases.WarningInput("management", "Never share it.", date(2026, 11, 5)), actor=None,
                       today=TODAY)

    events = [(event.on, event.title) for event in timeline.events(case)]

    assert events == [(date(2026, 11, 2), "Incident"), (date(2026, 11, 3), "Breach reported, case opened"),
                      (date(2026, 11, 5), "Decision"), (date(2026, 11, 5), "Warning from management given")]
    assert "Case opened in Khusela on 2026-12-04." in timeline.events(case)[1].detail


def test_on_the_same_day_the_report_comes_before_the_decision_and_the_closing_last(employee, policy):
    case = decided_on(employee, policy, "revoke_privileges", date(2026, 11, 2))  # reported and decided that day
    revocation = privileges.revoke_privileges(case, RevocationInput(
        ["internet"], date(2026, 11, 2), date(2026, 11, 20), True, "Intranet and e-mail stay."), actor=None,
        today=TODAY)
    privileges.record_restoration(case, revocation.id, TODAY, actor=None, today=TODAY)
    cases.close_case(case, "Restored.", expected_version=case.version, actor=None, today=TODAY)

    titles = [event.title for event in timeline.events(case)]

    assert titles == ["Incident", "Breach reported, case opened", "Decision", "Privileges revoked",
                      "Privileges restored", "Case closed"]


def test_the_timeline_page_lists_the_events_by_their_dates(client, login_as, employee, policy):
    case = open_case(employee, policy, reported_on=date(2026, 11, 3))
    cases.decide(case, "management_warning", "", expected_version=case.version, actor=None,
                 decided_on=date(2026, 11, 5), today=TODAY)
    db.session.commit()
    login_as("hr_officer")

    page = text_of(client.get(f"/cases/{case.id}/timeline"))

    assert page.index("2026-11-02 — Incident") < page.index("2026-11-03 — Breach reported, case opened") < page.index(
        "2026-11-05 — Decision")


def test_a_disciplinary_step_follows_its_decision_on_the_timeline(employee, policy):
    """A dismissal can no longer appear before its own decision: the decision is dated when it was made,
    and the steps after it."""
    case = open_case(employee, policy)
    cases.decide(case, "disciplinary", "Deliberate sharing of an administrator password with a contractor.",
                 expected_version=case.version, actor=None, decided_on=date(2026, 11, 3), today=TODAY)
    to_notice(case)
    steps.issue_notice(case, notice(language="English"), actor=None, today=TODAY)
    titles = [event.title for event in timeline.events(case)]
    assert titles.index("Decision") < titles.index("Notice of the disciplinary hearing")


def test_a_manager_of_another_department_cannot_record_a_warning(client, login_as, employee, policy):
    case = decided_on(employee, policy, "management_warning", date(2026, 11, 5))
    login_as("manager", department=factories.make_department("DOE", "Education"))
    refused = client.post(f"/cases/{case.id}/warnings", data={
        "warning_type": "management", "issued_on": "2026-11-04", "wording": "Never.", "override_reason": REASON})
    assert refused.status_code == 403 and overrides() == []
