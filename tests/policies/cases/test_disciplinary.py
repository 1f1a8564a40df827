"""The disciplinary procedure against a fresh database: each step after the one before it, the bad
input each refuses (nothing changed), the fairness checks that need a reason to go on, the 2025
Code's sanction factors, closing, and audit entries without the employee's name."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from app.admin import settings
from app.audit.models import AuditEntry
from app.extensions import db
from app.policies.cases import disciplinary as steps
from app.policies.cases import services as cases
from app.policies.cases.disciplinary import (
    FairnessError,
    HearingInput,
    NoticeInput,
    SanctionInput,
    SuspensionInput,
    UnionInput,
)
from app.policies.cases.models import CaseFairnessOverride, CaseHearingNotice, CaseSanction, CaseSuspension
from app.policies.cases.services import CaseRuleError
from app.policies.models import PolicyAcknowledgement
from tests.policies.conftest import make_employee, open_case

pytestmark = pytest.mark.usefixtures("app")
TODAY = date(2026, 12, 4)
REASON = "The employee asked for the earlier date and waived the rest of the notice period."
DISMISSAL_REASONS = ("Shared the administrator password with an outside contractor after a final written warning "
                     "for the same conduct; trust in the employee is broken.")
# What a dismissal needs on record besides its reasons: the employee's record and length of service weighed.
DISMISSAL_RECORD = {"clean_record": False, "service_years": 4, "record_weighed": "Four years' service do not "
                    "outweigh repeating the conduct a final written warning was given for."}


@pytest.fixture
def employee(department):
    employee = make_employee(department=department, name="Ayanda Zulu")
    employee.language = "isiZulu"
    db.session.commit()
    return employee


# --- building a case up to a step (the views' tests use these too) ---------------------------------


def disciplinary_case(employee, policy, *, acknowledged=True, **changes):
    case = open_case(employee, policy, **changes)
    cases.decide(case, "disciplinary", "Deliberate sharing of an administrator password with a contractor.",
                 expected_version=case.version, actor=None, today=date(2026, 11, 3))
    db.session.commit()
    if acknowledged:
        db.session.add(PolicyAcknowledgement(version_id=case.policy_version_id, employee_id=employee.id,
                                             acknowledged_on=date(2026, 3, 10), method="paper"))
        db.session.commit()
    return case


def notice(**changes) -> NoticeInput:
    values = {"issued_on": date(2026, 11, 9), "hearing_on": date(2026, 11, 16), "hearing_time": "10:00",
              "venue": "Boardroom 2, Civic Centre", "language": "", "chair": "Mr T. Nkosi (Director: Corporate)",
              "issued_by_name": "Nomsa Dube", "issued_by_position": "HR Practitioner"}
    return NoticeInput(**{**values, **changes})


def hearing(**changes) -> HearingInput:
    values = {"held_on": date(2026, 11, 16), "chair": "Mr T. Nkosi", "attendees": "Chair, initiator, employee, "
              "shop steward", "representative": "Shop steward (SAMWU)", "interpreter": "",
              "employee_response": "Admitted sharing the password; said the contractor needed it urgently.",
              "evidence_summary": "Proxy log; the contractor's statement."}
    return HearingInput(**{**values, **changes})


def sanction(**changes) -> SanctionInput:
    values = {"sanction": "final_written_warning", "reasons": "A first disciplinary offence, admitted at once.",
              "decided_on": date(2026, 11, 18), "rule_existed": True, "rule_valid": True, "rule_known": True,
              "consistently_applied": True, "sanction_appropriate": True, "rule_importance": "The password rule "
              "protects patient records.", "harm_caused": "Potential exposure of patient records; none found.",
              "representations_on_sanction": True, "business_impact": "The clinic's records were checked for a day."}
    return SanctionInput(**{**values, **changes})


def to_notice(case):
    steps.record_investigation(case, investigator="Lerato Mokoena", started_on=date(2026, 11, 3), actor=None,
                               today=TODAY)
    steps.complete_investigation(case, completed_on=date(2026, 11, 6), findings="The proxy log shows the login.",
                                 actor=None, today=TODAY)
    steps.record_union_status(case, UnionInput(False), actor=None, today=TODAY)
    steps.add_allegation(case, "On 2 November 2026 you shared your password with a contractor (clause 4.2).",
                         actor=None)
    db.session.commit()
    return case


def to_hearing(case):
    to_notice(case)
    steps.issue_notice(case, notice(), actor=None, today=TODAY)
    db.session.commit()
    return case


def to_sanction(case):
    to_hearing(case)
    steps.record_hearing(case, hearing(), actor=None, today=TODAY)
    for allegation in case.allegations:
        steps.record_finding(case, allegation.id, finding="guilty", reasons="Admitted; the log confirms it.",
                             actor=None)
    db.session.commit()
    return case


def to_outcome(case, **changes):
    to_sanction(case)
    steps.record_sanction(case, sanction(**changes), actor=None, today=TODAY)
    db.session.commit()
    return case


# The appeal's chair: not the hearing's (Mr T. Nkosi), senior to them.
APPEAL_CHAIR = {"chair": "Ms N. Dube", "chair_position": "Municipal Manager", "chair_senior": True}


def entries(action="update") -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action,
                                                               AuditEntry.entity_type == "case")
                                   .order_by(AuditEntry.id)))


# --- only for disciplinary action -------------------------------------------------------------------


def test_the_procedure_applies_only_when_disciplinary_action_is_decided(employee, policy):
    case = open_case(employee, policy)

    with pytest.raises(CaseRuleError, match="is not made yet: the disciplinary procedure applies only"):
        steps.record_investigation(case, investigator="L. Mokoena", started_on=date(2026, 11, 3), actor=None)
    cases.decide(case, "management_warning", "", expected_version=case.version, actor=None, today=date(2026, 11, 3))
    with pytest.raises(CaseRuleError, match="is warning from management: the disciplinary"):
        steps.record_investigation(case, investigator="L. Mokoena", started_on=date(2026, 11, 3), actor=None)
    assert case.investigation is None


def test_a_closed_case_takes_no_more_steps(employee, policy):
    case = disciplinary_case(employee, policy)
    case.status = "closed"
    db.session.commit()
    with pytest.raises(CaseRuleError, match="is closed"):
        steps.record_investigation(case, investigator="L. Mokoena", started_on=date(2026, 11, 3), actor=None)


# --- investigation and suspension -----------------------------------------------------------------


def test_the_investigation_is_started_then_completed_with_findings(employee, policy):
    case = disciplinary_case(employee, policy)

    with pytest.raises(CaseRuleError, match="Record the investigation .* first"):
        steps.complete_investigation(case, completed_on=date(2026, 11, 6), findings="x", actor=None, today=TODAY)
    with pytest.raises(CaseRuleError) as refused:
        steps.record_investigation(case, investigator=" ", started_on=date(2026, 11, 1), actor=None, today=TODAY)
    assert refused.value.problems == [
        ("investigator", "Name the investigator."),
        ("started_on", "The date the investigation started (2026-11-01) cannot be before the incident (2026-11-02).")]
    steps.record_investigation(case, investigator="Lerato Mokoena", started_on=date(2026, 11, 3), actor=None,
                               today=TODAY)
    with pytest.raises(CaseRuleError, match="on record already"):
        steps.record_investigation(case, investigator="Other", started_on=date(2026, 11, 3), actor=None, today=TODAY)
    with pytest.raises(CaseRuleError) as refused:
        steps.complete_investigation(case, completed_on=date(2026, 12, 5), findings="", actor=None, today=TODAY)
    assert [field for field, _ in refused.value.problems] == ["completed_on", "findings"]
    steps.complete_investigation(case, completed_on=date(2026, 11, 6), findings="The log shows it.", actor=None,
                                 today=TODAY)

    assert (case.investigation.investigator, case.investigation.completed_on) == ("Lerato Mokoena",
                                                                                  date(2026, 11, 6))
    assert [e.summary for e in entries()] == [f"Investigation started in case {case.reference}",
                                             f"Investigation completed in case {case.reference}"]


def test_a_precautionary_suspension_is_on_full_pay_with_reasons(employee, policy):
    case = disciplinary_case(employee, policy)

    with pytest.raises(CaseRuleError) as refused:
        steps.record_suspension(case, SuspensionInput(date(2026, 11, 4), date(2026, 11, 3), None, False, ""),
                                actor=None)
    assert [field for field, _ in refused.value.problems] == ["with_pay", "reasons", "ends_on"]
    assert refused.value.problems[0][1].startswith("A precautionary suspension is on full pay")
    with pytest.raises(CaseRuleError, match="The review date must fall within"):
        steps.record_suspension(case, SuspensionInput(date(2026, 11, 4), date(2026, 12, 4), date(2026, 12, 10), True,
                                                      "Administrator access to the patient system."), actor=None)
    assert db.session.scalar(sa.select(sa.func.count(CaseSuspension.id))) == 0

    steps.record_suspension(case, SuspensionInput(date(2026, 11, 4), None, date(2026, 11, 18), True,
                                                  "Administrator access to the patient system."), actor=None)

    assert case.suspensions[0].with_pay and case.suspensions[0].review_on == date(2026, 11, 18)
    assert "Ayanda" not in entries()[-1].changes and "Administrator" not in entries()[-1].changes


# --- allegations and the notice -------------------------------------------------------------------


def test_allegations_follow_the_investigation_and_change_only_before_the_notice(employee, policy):
    case = disciplinary_case(employee, policy)
    with pytest.raises(CaseRuleError, match="Record the investigation first"):
        steps.add_allegation(case, "Shared a password.", actor=None)
    to_notice(case)
    with pytest.raises(CaseRuleError, match="Write the allegation"):
        steps.add_allegation(case, "  ", actor=None)
    second = steps.add_allegation(case, "You did not report the contractor's access.", actor=None)
    assert [a.position for a in case.allegations] == [1, 2]
    steps.remove_allegation(case, second.id, actor=None)
    assert [a.position for a in case.allegations] == [1]
    steps.issue_notice(case, notice(), actor=None, today=TODAY)

    with pytest.raises(CaseRuleError, match="The notice of the hearing was issued on 2026-11-09"):
        steps.add_allegation(case, "Another.", actor=None)
    with pytest.raises(CaseRuleError, match="can no longer change"):
        steps.remove_allegation(case, case.allegations[0].id, actor=None)


def test_the_notice_needs_the_investigation_and_the_allegations(employee, policy):
    case = disciplinary_case(employee, policy)
    with pytest.raises(CaseRuleError, match="Complete the investigation"):
        steps.issue_notice(case, notice(), actor=None, today=TODAY)
    steps.record_investigation(case, investigator="L. Mokoena", started_on=date(2026, 11, 3), actor=None, today=TODAY)
    steps.complete_investigation(case, completed_on=date(2026, 11, 6), findings="Found.", actor=None, today=TODAY)
    with pytest.raises(CaseRuleError, match="Add the allegations first"):
        steps.issue_notice(case, notice(), actor=None, today=TODAY)


def test_the_notice_is_in_the_employees_language_unless_another_is_given(employee, policy):
    case = to_notice(disciplinary_case(employee, policy))

    issued = steps.issue_notice(case, notice(), actor=None, today=TODAY)

    assert issued.language == "isiZulu"
    assert entries()[-1].summary == f"Notice of the hearing issued in case {case.reference}"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"hearing_on": date(2026, 11, 9)}, "hearing_on", "The hearing (2026-11-09) must be after the notice is issued "
                                                      "(2026-11-09)."),
    ({"issued_on": date(2026, 11, 5)}, "issued_on", "The date the notice was issued (2026-11-05) cannot be before "
                                                    "the end of the investigation (2026-11-06)."),
    ({"issued_on": date(2026, 12, 5), "hearing_on": date(2026, 12, 14)}, "issued_on",
     "The date the notice was issued cannot be after today (2026-12-04)."),
    ({"hearing_time": "9am"}, "hearing_time", "Give the time of the hearing as HH:MM (24-hour), not \"9am\"."),
    ({"venue": ""}, "venue", "Give the venue of the hearing."),
    ({"chair": ""}, "chair", "Name the chair of the hearing."),
])
def test_a_bad_notice_is_refused_and_nothing_stored(employee, policy, changes, field, message):
    case = to_notice(disciplinary_case(employee, policy))

    with pytest.raises(CaseRuleError) as refused:
        steps.issue_notice(case, notice(**changes), actor=None, today=TODAY)

    assert refused.value.problems == [(field, message)]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(CaseHearingNotice.id))) == 0


def test_a_notice_without_a_language_is_refused_when_the_employee_record_has_none(employee, policy):
    employee.language = ""
    db.session.commit()
    case = to_notice(disciplinary_case(employee, policy))
    with pytest.raises(CaseRuleError, match="Give the employee's language"):
        steps.issue_notice(case, notice(), actor=None, today=TODAY)
    assert steps.issue_notice(case, notice(language="Sesotho"), actor=None, today=TODAY).language == "Sesotho"


def test_a_hearing_too_soon_after_the_notice_needs_a_reason_to_go_on(employee, policy):
    case = to_notice(disciplinary_case(employee, policy))
    soon = notice(hearing_on=date(2026, 11, 11))  # Monday to Wednesday: 2 working days

    with pytest.raises(FairnessError) as refused:
        steps.issue_notice(case, soon, override_reason="too short", actor=None, today=TODAY)
    assert [w.check for w in refused.value.warnings] == ["notice_period"]
    assert refused.value.problems[0] == ("override_reason", "Time to prepare for the hearing: The hearing on "
                                                            "2026-11-11 is 2 working days after the notice of "
                                                            "2026-11-09: the employee should have at least 5 to "
                                                            "prepare.")
    db.session.rollback()
    assert case.notices == [] and db.session.scalar(sa.select(sa.func.count(CaseFairnessOverride.id))) == 0

    steps.issue_notice(case, soon, override_reason=REASON, actor=None, today=TODAY)

    override = case.fairness_overrides[0]
    assert (override.check, override.reason) == ("notice_period", REASON)
    entry = entries("override")[0]
    assert entry.summary == f"Went on despite fairness checks in case {case.reference}: notice_period"
    assert "waived" not in entry.changes


def test_the_notice_period_follows_the_setting(employee, policy):
    settings.save({settings.HEARING_NOTICE_WORKING_DAYS: 2}, actor=None)
    db.session.commit()
    case = to_notice(disciplinary_case(employee, policy))
    steps.issue_notice(case, notice(hearing_on=date(2026, 11, 11)), actor=None, today=TODAY)
    assert case.fairness_overrides == []


def test_a_notice_without_the_allegations_or_the_right_to_representation_warns(employee, policy):
    case = to_notice(disciplinary_case(employee, policy))
    bare = notice(allegations_included=False, representation_stated=False)

    with pytest.raises(FairnessError) as refused:
        steps.issue_notice(case, bare, actor=None, today=TODAY)
    assert [w.check for w in refused.value.warnings] == ["notice_allegations", "notice_representation"]
    steps.issue_notice(case, bare, override_reason=REASON, actor=None, today=TODAY)
    assert [o.check for o in case.fairness_overrides] == ["notice_allegations", "notice_representation"]


def test_a_postponed_hearing_gets_a_new_notice(employee, policy):
    case = to_hearing(disciplinary_case(employee, policy))
    steps.issue_notice(case, notice(issued_on=date(2026, 11, 13), hearing_on=date(2026, 11, 23)), actor=None,
                       today=TODAY)
    assert [n.hearing_on for n in case.notices] == [date(2026, 11, 16), date(2026, 11, 23)]
    assert entries()[-1].summary.startswith("Notice of the postponed hearing issued")


# --- hearing and findings -------------------------------------------------------------------------


def test_the_hearing_follows_the_notice(employee, policy):
    case = to_notice(disciplinary_case(employee, policy))
    with pytest.raises(CaseRuleError, match="Issue the notice of the hearing first"):
        steps.record_hearing(case, hearing(), actor=None, today=TODAY)
    steps.issue_notice(case, notice(), actor=None, today=TODAY)

    with pytest.raises(CaseRuleError) as refused:
        steps.record_hearing(case, hearing(held_on=date(2026, 11, 6), chair=""), actor=None, today=TODAY)

    assert refused.value.problems == [
        ("held_on", "The date of the hearing (2026-11-06) cannot be before the notice of the hearing (2026-11-09)."),
        ("chair", "Name the chair of the hearing.")]
    assert case.hearing is None


def test_the_employees_response_is_needed_when_present(employee, policy):
    case = to_hearing(disciplinary_case(employee, policy))
    with pytest.raises(CaseRuleError, match="Give the employee's response"):
        steps.record_hearing(case, hearing(employee_response=""), actor=None, today=TODAY)
    steps.record_hearing(case, hearing(employee_response="", employee_present=False), actor=None, today=TODAY)
    assert case.hearing.employee_present is False
    with pytest.raises(CaseRuleError, match="on record already"):
        steps.record_hearing(case, hearing(), actor=None, today=TODAY)


def test_a_hearing_held_earlier_than_noticed_is_checked_against_the_time_to_prepare(employee, policy):
    case = to_hearing(disciplinary_case(employee, policy))
    with pytest.raises(FairnessError):
        steps.record_hearing(case, hearing(held_on=date(2026, 11, 10)), actor=None, today=TODAY)
    steps.record_hearing(case, hearing(held_on=date(2026, 11, 10)), override_reason=REASON, actor=None, today=TODAY)
    assert [o.check for o in case.fairness_overrides] == ["notice_period"]


def test_findings_follow_the_hearing_with_reasons(employee, policy):
    case = to_hearing(disciplinary_case(employee, policy))
    allegation = case.allegations[0]
    with pytest.raises(CaseRuleError, match="Record the hearing first"):
        steps.record_finding(case, allegation.id, finding="guilty", reasons="Admitted.", actor=None)
    steps.record_hearing(case, hearing(), actor=None, today=TODAY)

    with pytest.raises(CaseRuleError) as refused:
        steps.record_finding(case, allegation.id, finding="maybe", reasons="", actor=None)
    assert [field for field, _ in refused.value.problems] == ["finding", "reasons"]
    with pytest.raises(CaseRuleError, match="not part of this case"):
        steps.record_finding(case, 9999, finding="guilty", reasons="Admitted.", actor=None)
    steps.record_finding(case, allegation.id, finding="guilty", reasons="Admitted.", actor=None)

    assert (allegation.finding, allegation.finding_reasons) == ("guilty", "Admitted.")
    assert json.loads(entries()[-1].changes) == {"finding_1": [None, "guilty"]}


# --- the sanction ---------------------------------------------------------------------------------


def test_the_sanction_follows_the_findings(employee, policy):
    case = to_hearing(disciplinary_case(employee, policy))
    with pytest.raises(CaseRuleError, match="Record the hearing first"):
        steps.record_sanction(case, sanction(), actor=None, today=TODAY)
    steps.record_hearing(case, hearing(), actor=None, today=TODAY)
    with pytest.raises(CaseRuleError, match="Record the finding on allegation 1 first"):
        steps.record_sanction(case, sanction(), actor=None, today=TODAY)


def test_a_sanction_without_reasons_is_refused(employee, policy):
    case = to_sanction(disciplinary_case(employee, policy))

    with pytest.raises(CaseRuleError) as refused:
        steps.record_sanction(case, sanction(reasons=" ", decided_on=date(2026, 11, 15)), actor=None, today=TODAY)

    assert refused.value.problems == [
        ("reasons", "Give the reasons for the sanction: a sanction without reasons cannot be defended."),
        ("decided_on", "The date the sanction was decided (2026-11-15) cannot be before the hearing (2026-11-16).")]
    assert db.session.scalar(sa.select(sa.func.count(CaseSanction.id))) == 0


def test_not_guilty_on_every_allegation_means_no_sanction(employee, policy):
    case = to_hearing(disciplinary_case(employee, policy))
    steps.record_hearing(case, hearing(), actor=None, today=TODAY)
    steps.record_finding(case, case.allegations[0].id, finding="not_guilty", reasons="The log was not the "
                         "employee's.", actor=None)
    with pytest.raises(CaseRuleError, match="the only sanction is none"):
        steps.record_sanction(case, sanction(), actor=None, today=TODAY)
    steps.record_sanction(case, sanction(sanction="none", reasons="Not guilty.", rule_importance="",
                                         harm_caused=""), actor=None, today=TODAY)
    assert case.sanction.sanction == "none"
    with pytest.raises(CaseRuleError, match="the findings stand"):
        steps.record_finding(case, case.allegations[0].id, finding="guilty", reasons="x", actor=None)


def test_the_2025_code_asks_for_the_rules_importance_and_the_harm(employee, policy):
    case = to_sanction(disciplinary_case(employee, policy))
    assert case.code == "code_2025"

    with pytest.raises(CaseRuleError) as refused:
        steps.record_sanction(case, sanction(rule_importance="", harm_caused=""), actor=None, today=TODAY)
    assert [field for field, _ in refused.value.problems] == ["rule_importance", "harm_caused"]
    with pytest.raises(FairnessError) as warned:
        steps.record_sanction(case, sanction(representations_on_sanction=False), actor=None, today=TODAY)
    assert [w.check for w in warned.value.warnings] == ["sanction_representations"]

    steps.record_sanction(case, sanction(), actor=None, today=TODAY)
    assert case.sanction.harm_caused.startswith("Potential exposure") and case.sanction.representations_on_sanction


def in_2025(employee, policy, *, incident_on: date, decided_on: date):
    """A case of 2025 decided as disciplinary action (the policy version in force since January 2025)."""
    policy.current.approved_on = date(2025, 1, 6)
    db.session.commit()
    case = open_case(employee, policy, incident_on=incident_on)
    cases.decide(case, "disciplinary", "Deliberate sharing of an administrator password with a contractor.",
                 expected_version=case.version, actor=None, decided_on=decided_on, today=TODAY)
    db.session.add(PolicyAcknowledgement(version_id=case.policy_version_id, employee_id=employee.id,
                                         acknowledged_on=date(2025, 1, 10), method="paper"))
    db.session.commit()
    return case


def heard_on(case, *, completed: date, issued: date, held: date):
    steps.record_investigation(case, investigator="Lerato Mokoena", started_on=case.decided_on, actor=None,
                               today=TODAY)
    steps.complete_investigation(case, completed_on=completed, findings="The proxy log shows the login.",
                                 actor=None, today=TODAY)
    steps.record_union_status(case, UnionInput(False), actor=None, today=TODAY)
    steps.add_allegation(case, "You shared your password with a contractor (clause 4.2).", actor=None)
    steps.issue_notice(case, notice(issued_on=issued, hearing_on=held), actor=None, today=TODAY)
    steps.record_hearing(case, hearing(held_on=held), actor=None, today=TODAY)
    for allegation in case.allegations:
        steps.record_finding(case, allegation.id, finding="guilty", reasons="Admitted; the log confirms it.",
                             actor=None)
    db.session.commit()
    return case


def test_a_sanction_decided_before_4_september_2025_weighs_schedule_8s_factors_only(employee, policy):
    case = heard_on(in_2025(employee, policy, incident_on=date(2025, 8, 1), decided_on=date(2025, 8, 4)),
                    completed=date(2025, 8, 8), issued=date(2025, 8, 11), held=date(2025, 8, 18))

    steps.record_sanction(case, sanction(decided_on=date(2025, 8, 20), rule_importance="", harm_caused="",
                                         business_impact="", representations_on_sanction=False,
                                         wrongdoing_acknowledged=True), actor=None, today=TODAY)

    assert case.sanction.code == "schedule_8"
    assert (case.sanction.rule_importance, case.sanction.representations_on_sanction,
            case.sanction.wrongdoing_acknowledged) == ("", False, False)


def test_a_sanction_decided_after_4_september_2025_weighs_the_2025_codes_factors_whatever_the_incident(employee,
                                                                                                     policy):
    """The issue's case: an incident in August 2025, the notice on 18 September and the dismissal on
    2 October 2025 follow the 2025 Code, not Schedule 8."""
    case = heard_on(in_2025(employee, policy, incident_on=date(2025, 8, 20), decided_on=date(2025, 8, 25)),
                    completed=date(2025, 9, 10), issued=date(2025, 9, 18), held=date(2025, 9, 26))
    assert case.code == "schedule_8" and case.notices[0].code == "code_2025"

    with pytest.raises(CaseRuleError) as refused:
        steps.record_sanction(case, sanction(sanction="dismissal", reasons=DISMISSAL_REASONS,
                                             decided_on=date(2025, 10, 2), rule_importance="", harm_caused="",
                                             business_impact="", **DISMISSAL_RECORD), actor=None, today=TODAY)
    assert [field for field, _ in refused.value.problems] == ["rule_importance", "business_impact", "harm_caused"]
    with pytest.raises(FairnessError) as warned:
        steps.record_sanction(case, sanction(sanction="dismissal", reasons=DISMISSAL_REASONS,
                                             decided_on=date(2025, 10, 2), representations_on_sanction=False,
                                             **DISMISSAL_RECORD),
                              actor=None, today=TODAY)
    assert "sanction_representations" in [w.check for w in warned.value.warnings]

    steps.record_sanction(case, sanction(sanction="dismissal", reasons=DISMISSAL_REASONS,
                                         decided_on=date(2025, 10, 2), wrongdoing_acknowledged=True,
                                         **DISMISSAL_RECORD),
                          override_reason="The earlier cases for the clause were first offences without a warning.",
                          actor=None, today=TODAY)
    assert case.sanction.code == "code_2025" and case.sanction.wrongdoing_acknowledged
    assert case.sanction.business_impact == "The clinic's records were checked for a day."


def test_unconfirmed_substantive_questions_need_a_reason(employee, policy):
    case = to_sanction(disciplinary_case(employee, policy))
    with pytest.raises(FairnessError) as warned:
        steps.record_sanction(case, sanction(consistently_applied=False), actor=None, today=TODAY)
    assert warned.value.warnings[0].message == "Not confirmed: the rule has been applied consistently."


def test_no_acknowledgement_of_the_policy_needs_a_reason(employee, policy):
    case = to_sanction(disciplinary_case(employee, policy, acknowledged=False))
    with pytest.raises(FairnessError) as warned:
        steps.record_sanction(case, sanction(), actor=None, today=TODAY)
    assert [w.check for w in warned.value.warnings] == ["policy_not_acknowledged"]
    steps.record_sanction(case, sanction(), override_reason="Briefed on the policy in writing on 2 March 2026.",
                          actor=None, today=TODAY)
    assert [o.check for o in case.fairness_overrides] == ["policy_not_acknowledged"]


def test_a_dismissal_with_thin_reasons_needs_a_reason_to_go_on(employee, policy):
    case = to_sanction(disciplinary_case(employee, policy))
    with pytest.raises(FairnessError) as warned:
        steps.record_sanction(case, sanction(sanction="dismissal", reasons="Serious.", **DISMISSAL_RECORD), actor=None,
                              today=TODAY)
    assert [w.check for w in warned.value.warnings] == ["dismissal_reasons"]
    steps.record_sanction(case, sanction(sanction="dismissal", reasons=DISMISSAL_REASONS, **DISMISSAL_RECORD),
                          actor=None, today=TODAY)
    assert case.sanction.sanction == "dismissal"


def test_earlier_cases_for_the_clause_with_lighter_outcomes_need_a_reason(department, employee, policy):
    earlier = open_case(make_employee(department=department), policy, incident_on=date(2026, 6, 1))
    cases.decide(earlier, "management_warning", "", expected_version=earlier.version, actor=None,
                 today=date(2026, 6, 2))
    later = open_case(make_employee(department=department), policy, incident_on=date(2026, 12, 1))
    cases.decide(later, "management_warning", "", expected_version=later.version, actor=None, today=TODAY)
    case = to_sanction(disciplinary_case(employee, policy))

    with pytest.raises(FairnessError) as warned:
        steps.record_sanction(case, sanction(), actor=None, today=TODAY)

    assert [w.check for w in warned.value.warnings] == ["lighter_similar_sanctions"]
    assert f"{earlier.reference} (management warning)" in warned.value.warnings[0].message
    assert later.reference not in warned.value.warnings[0].message
    assert steps.earlier_outcomes(case) == [steps.fairness.EarlierOutcome(earlier.reference, "management_warning")]


# --- written outcome, appeal, closing -------------------------------------------------------------


def test_the_written_outcome_follows_the_sanction(employee, policy):
    case = to_sanction(disciplinary_case(employee, policy))
    with pytest.raises(CaseRuleError, match="Record the sanction first"):
        steps.record_outcome_issued(case, issued_on=date(2026, 11, 19), referral_notice_given=False, actor=None,
                                    today=TODAY)
    steps.record_sanction(case, sanction(), actor=None, today=TODAY)
    with pytest.raises(CaseRuleError, match=r"cannot be before the sanction \(2026-11-18\)"):
        steps.record_outcome_issued(case, issued_on=date(2026, 11, 17), referral_notice_given=False, actor=None,
                                    today=TODAY)
    steps.record_outcome_issued(case, issued_on=date(2026, 11, 19), referral_notice_given=False, actor=None,
                                today=TODAY)
    assert case.sanction.outcome_issued_on == date(2026, 11, 19)


def test_a_dismissal_without_the_referral_notice_needs_a_reason(employee, policy):
    case = to_outcome(disciplinary_case(employee, policy), sanction="dismissal", reasons=DISMISSAL_REASONS,
                      **DISMISSAL_RECORD)

    with pytest.raises(FairnessError) as warned:
        steps.record_outcome_issued(case, issued_on=date(2026, 11, 19), referral_notice_given=False, actor=None,
                                    today=TODAY)
    assert [w.check for w in warned.value.warnings] == ["dismissal_referral"]
    db.session.rollback()
    assert case.sanction.outcome_issued_on is None

    steps.record_outcome_issued(case, issued_on=date(2026, 11, 19), referral_notice_given=True, actor=None,
                                today=TODAY)
    assert case.sanction.referral_notice_given


def test_the_appeal_follows_the_written_outcome(employee, policy):
    case = to_outcome(disciplinary_case(employee, policy))
    with pytest.raises(CaseRuleError, match="Record the written outcome first"):
        steps.record_appeal(case, lodged_on=date(2026, 11, 20), grounds="Too harsh.", actor=None, today=TODAY)
    steps.record_outcome_issued(case, issued_on=date(2026, 11, 19), referral_notice_given=True, actor=None,
                                today=TODAY)
    with pytest.raises(CaseRuleError, match="Record the appeal first"):
        steps.record_appeal_outcome(case, outcome="dismissed", outcome_on=TODAY, reasons="x", actor=None, today=TODAY)
    with pytest.raises(CaseRuleError) as refused:
        steps.record_appeal(case, lodged_on=date(2026, 11, 18), grounds="", actor=None, today=TODAY)
    assert [field for field, _ in refused.value.problems] == ["lodged_on", "grounds"]
    steps.record_appeal(case, lodged_on=date(2026, 11, 20), grounds="The sanction is too harsh.", actor=None,
                        today=TODAY)

    with pytest.raises(CaseRuleError) as refused:
        steps.record_appeal_outcome(case, outcome="varied", outcome_on=date(2026, 11, 19),
                                    varied_sanction="final_written_warning", reasons="", actor=None, today=TODAY)
    assert [field for field, _ in refused.value.problems] == ["varied_sanction", "outcome_on", "reasons", "chair",
                                                              "chair_position", "chair_senior"]
    steps.record_appeal_outcome(case, outcome="varied", outcome_on=date(2026, 12, 1), varied_sanction="written_warning",
                                reasons="A first offence, admitted.", **APPEAL_CHAIR, actor=None, today=TODAY)

    assert (case.appeal.outcome, case.appeal.varied_sanction) == ("varied", "written_warning")
    assert entries()[-1].summary == f"Appeal outcome: sanction varied in case {case.reference}"


def test_a_disciplinary_case_closes_after_the_sanction_and_its_written_outcome(employee, policy):
    case = to_sanction(disciplinary_case(employee, policy))

    def close():
        cases.close_case(case, "Final written warning.", expected_version=case.version, actor=None, today=TODAY)

    with pytest.raises(CaseRuleError, match="record the hearing, the findings and the sanction before closing"):
        close()
    steps.record_sanction(case, sanction(), actor=None, today=TODAY)
    with pytest.raises(CaseRuleError, match="Record the written outcome"):
        close()
    steps.record_outcome_issued(case, issued_on=date(2026, 11, 19), referral_notice_given=False, actor=None,
                                today=TODAY)
    steps.record_appeal(case, lodged_on=date(2026, 11, 20), grounds="Too harsh.", actor=None, today=TODAY)
    with pytest.raises(CaseRuleError, match="awaits its outcome"):
        close()
    steps.record_appeal_outcome(case, outcome="dismissed", outcome_on=date(2026, 12, 1), reasons="Fair.",
                                **APPEAL_CHAIR, actor=None, today=TODAY)
    close()
    assert case.status == "closed"


def test_a_dismissal_closes_only_with_the_referral_notice_or_an_override(employee, policy):
    case = to_outcome(disciplinary_case(employee, policy), sanction="dismissal", reasons=DISMISSAL_REASONS,
                      **DISMISSAL_RECORD)
    steps.record_outcome_issued(case, issued_on=date(2026, 11, 19), referral_notice_given=False,
                                override_reason="The referral notice was read out and signed for at the hearing.",
                                actor=None, today=TODAY)
    kept = case.fairness_overrides[0]
    db.session.execute(sa.delete(CaseFairnessOverride))
    db.session.commit()

    with pytest.raises(CaseRuleError, match="did not give notice of the right to refer a dispute within 30 days"):
        cases.close_case(case, "Dismissed.", expected_version=case.version, actor=None, today=TODAY)
    db.session.add(CaseFairnessOverride(case_id=case.id, check=kept.check, reason=kept.reason))
    db.session.commit()
    cases.close_case(case, "Dismissed.", expected_version=case.version, actor=None, today=TODAY)
    assert case.status == "closed"


def test_the_next_step_and_the_open_warnings(employee, policy):
    case = disciplinary_case(employee, policy)
    assert steps.next_step(case) == "investigation"
    to_hearing(case)
    assert steps.next_step(case) == "hearing" and steps.open_warnings(case) == []
    steps.record_hearing(case, hearing(), actor=None, today=TODAY)
    assert steps.next_step(case) == "findings"
    settings.save({settings.HEARING_NOTICE_WORKING_DAYS: 10}, actor=None)  # raised after the notice
    db.session.commit()
    assert [w.check for w in steps.open_warnings(case)] == ["notice_period"]


def test_audit_entries_name_the_case_not_the_employee(employee, policy):
    case = to_outcome(disciplinary_case(employee, policy))
    steps.record_outcome_issued(case, issued_on=date(2026, 11, 19), referral_notice_given=True, actor=None,
                                today=TODAY)
    for entry in entries():
        assert case.reference in entry.summary
        assert "Ayanda" not in entry.summary + entry.changes and employee.number not in entry.summary + entry.changes
