"""The disciplinary procedure's gaps closed by issue 18 point 14, against a fresh database: the union
consulted before disciplining a shop steward, what the notice says is at stake, the record and length
of service before a dismissal, the appeal's chair, the referral period from the final decision, and a
precautionary suspension that goes on without a hearing."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.admin import settings
from app.extensions import db
from app.policies.cases import disciplinary as steps
from app.policies.cases import services as cases
from app.policies.cases.disciplinary import FairnessError, SuspensionInput, UnionInput
from app.policies.cases.models import CaseHearingNotice, CaseSanction, CaseUnionConsultation
from app.policies.cases.services import CaseRuleError
from tests.policies.cases.test_disciplinary import (
    APPEAL_CHAIR,
    DISMISSAL_REASONS,
    DISMISSAL_RECORD,
    TODAY,
    disciplinary_case,
    entries,
    hearing,
    notice,
    sanction,
    to_hearing,
    to_notice,
    to_outcome,
    to_sanction,
)
from tests.policies.conftest import make_employee, open_case

pytestmark = pytest.mark.usefixtures("app")
SHOP_STEWARD = UnionInput(True, "SAMWU", date(2026, 11, 7), "Mr L. Jacobs (branch secretary)", "By letter.")


@pytest.fixture
def employee(department):
    employee = make_employee(department=department, name="Ayanda Zulu")
    employee.language = "isiZulu"
    db.session.commit()
    return employee


def _investigated(case):
    steps.record_investigation(case, investigator="Lerato Mokoena", started_on=date(2026, 11, 3), actor=None,
                               today=TODAY)
    steps.complete_investigation(case, completed_on=date(2026, 11, 6), findings="The proxy log shows the login.",
                                 actor=None, today=TODAY)
    steps.add_allegation(case, "On 2 November 2026 you shared your password with a contractor.", actor=None)
    db.session.commit()
    return case


# --- Sch 8 item 4(2): a shop steward or union office-bearer ------------------------------------------


def test_the_notice_waits_for_the_union_question(employee, policy):
    case = _investigated(disciplinary_case(employee, policy))
    assert steps.next_step(case) == "union"

    with pytest.raises(CaseRuleError, match="Answer the union question before the notice of the hearing: is the "
                                            "employee a shop steward"):
        steps.issue_notice(case, notice(), actor=None, today=TODAY)

    steps.record_union_status(case, UnionInput(False), actor=None, today=TODAY)
    assert steps.next_step(case) == "notice"
    steps.issue_notice(case, notice(), actor=None, today=TODAY)
    assert len(case.notices) == 1


def test_a_shop_steward_is_disciplined_only_after_the_union_is_informed(employee, policy):
    case = _investigated(disciplinary_case(employee, policy))
    steps.record_union_status(case, UnionInput(True, "SAMWU"), actor=None, today=TODAY)

    with pytest.raises(CaseRuleError, match=r"union representative: record when the union \(SAMWU\) was "
                                            r"informed and consulted before the notice of the hearing \(Schedule 8 "
                                            r"item 4\(2\)\)"):
        steps.issue_notice(case, notice(), actor=None, today=TODAY)
    assert steps.next_step(case) == "union"

    steps.record_union_status(case, SHOP_STEWARD, actor=None, today=TODAY)
    with pytest.raises(CaseRuleError) as refused:  # dated before the union was told
        steps.issue_notice(case, notice(issued_on=date(2026, 11, 6)), actor=None, today=TODAY)
    assert refused.value.problems[0] == ("issued_on", "The notice (2026-11-06) cannot be dated before the union was "
                                                      "informed (2026-11-07): the union is consulted first.")
    steps.issue_notice(case, notice(), actor=None, today=TODAY)
    assert case.union_consultation.informed_whom == "Mr L. Jacobs (branch secretary)"
    assert [e.summary for e in entries()][-2:] == [f"Union answer corrected in case {case.reference}",
                                                   f"Notice of the hearing issued in case {case.reference}"]


def test_learning_of_the_office_after_the_notice_holds_the_hearing_and_the_sanction(employee, policy):
    case = to_hearing(disciplinary_case(employee, policy))
    steps.record_union_status(case, UnionInput(True, "IMATU"), actor=None, today=TODAY)

    with pytest.raises(CaseRuleError, match=r"informed and consulted before the hearing"):
        steps.record_hearing(case, hearing(), actor=None, today=TODAY)
    steps.record_union_status(case, UnionInput(True, "IMATU", date(2026, 11, 12), "Ms R. Pillay (organiser)"),
                              actor=None, today=TODAY)
    steps.record_hearing(case, hearing(), actor=None, today=TODAY)
    steps.record_finding(case, case.allegations[0].id, finding="guilty", reasons="Admitted.", actor=None)
    steps.record_union_status(case, UnionInput(True, "IMATU"), actor=None, today=TODAY)  # the date was wrong

    with pytest.raises(CaseRuleError, match=r"informed and consulted before the sanction"):
        steps.record_sanction(case, sanction(), actor=None, today=TODAY)
    assert db.session.scalar(sa.select(sa.func.count(CaseSanction.id))) == 0


def test_a_case_from_before_the_question_existed_answers_it_before_the_hearing(employee, policy):
    case = to_hearing(disciplinary_case(employee, policy))
    db.session.execute(sa.delete(CaseUnionConsultation))
    db.session.commit()
    db.session.expire(case)

    with pytest.raises(CaseRuleError, match="Answer the union question before the hearing"):
        steps.record_hearing(case, hearing(), actor=None, today=TODAY)


@pytest.mark.parametrize(("answer", "problems"), [
    (UnionInput(None), ["union_representative"]),
    (UnionInput(True, ""), ["union_name"]),
    (UnionInput(True, "SAMWU", date(2026, 11, 7)), ["informed_whom"]),
    (UnionInput(True, "SAMWU", None, "Mr L. Jacobs"), ["informed_on"]),
    (UnionInput(True, "SAMWU", date(2026, 12, 5), "Mr L. Jacobs"), ["informed_on"]),  # after today
    (UnionInput(True, "SAMWU", date(2026, 11, 1), "Mr L. Jacobs"), ["informed_on"]),  # before the incident
])
def test_bad_union_answers_change_nothing(employee, policy, answer, problems):
    case = _investigated(disciplinary_case(employee, policy))
    with pytest.raises(CaseRuleError) as refused:
        steps.record_union_status(case, answer, actor=None, today=TODAY)
    assert [field for field, _ in refused.value.problems] == problems
    assert db.session.scalar(sa.select(sa.func.count(CaseUnionConsultation.id))) == 0


def test_the_union_answer_stands_once_the_sanction_is_decided(employee, policy):
    case = to_outcome(disciplinary_case(employee, policy))
    with pytest.raises(CaseRuleError, match="The sanction is decided"):
        steps.record_union_status(case, SHOP_STEWARD, actor=None, today=TODAY)
    assert not case.union_consultation.union_representative


def test_no_is_kept_without_the_union_details(employee, policy):
    case = _investigated(disciplinary_case(employee, policy))
    steps.record_union_status(case, SHOP_STEWARD, actor=None, today=TODAY)
    steps.record_union_status(case, UnionInput(False, "SAMWU", date(2026, 11, 7), "Mr L. Jacobs", "x"), actor=None,
                              today=TODAY)
    union = case.union_consultation
    assert (union.union_representative, union.union_name, union.informed_on, union.notes) == (False, "", None, "")
    # The audit entry holds the answer and the date, never the union's people or the notes.
    assert entries()[-1].changes == ('{"union_informed_on":["2026-11-07",null],'
                                     '"union_representative":[true,false]}')


# --- the notice: dismissal as a possible outcome --------------------------------------------------


def test_a_dismissal_after_a_notice_that_ruled_it_out_needs_a_reason(employee, policy):
    case = to_notice(disciplinary_case(employee, policy))
    steps.issue_notice(case, notice(dismissal_possible=False), actor=None, today=TODAY)
    steps.record_hearing(case, hearing(), actor=None, today=TODAY)
    steps.record_finding(case, case.allegations[0].id, finding="guilty", reasons="Admitted.", actor=None)

    with pytest.raises(FairnessError) as warned:
        steps.record_sanction(case, sanction(sanction="dismissal", reasons=DISMISSAL_REASONS, **DISMISSAL_RECORD),
                              actor=None, today=TODAY)

    assert [w.check for w in warned.value.warnings] == ["notice_dismissal"]
    assert db.session.scalars(sa.select(CaseHearingNotice)).one().dismissal_possible is False
    steps.record_sanction(case, sanction(), actor=None, today=TODAY)  # a lesser sanction: no warning
    assert case.sanction.sanction == "final_written_warning"


# --- Sch 8 item 3(5): the record and the length of service before a dismissal -------------------------


def test_a_dismissal_needs_the_record_and_the_length_of_service_weighed(employee, policy):
    case = to_sanction(disciplinary_case(employee, policy))

    with pytest.raises(CaseRuleError) as refused:
        steps.record_sanction(case, sanction(sanction="dismissal", reasons=DISMISSAL_REASONS), actor=None,
                              today=TODAY)

    assert refused.value.problems == [
        ("clean_record", "Before a dismissal, say whether the employee's disciplinary record is clean (Schedule 8 "
                         "item 3(5); the 2025 Code item 8)."),
        ("service_years", "Before a dismissal, give the employee's length of service in completed years."),
        ("record_weighed", "Before a dismissal, say how the employee's record and length of service were weighed "
                           "against the misconduct.")]
    steps.record_sanction(case, sanction(sanction="dismissal", reasons=DISMISSAL_REASONS, **DISMISSAL_RECORD),
                          actor=None, today=TODAY)
    assert (case.sanction.clean_record, case.sanction.service_years) == (False, 4)
    assert case.sanction.record_weighed.startswith("Four years' service")


def test_a_lesser_sanction_does_not_need_them_but_keeps_them(employee, policy):
    case = to_sanction(disciplinary_case(employee, policy))
    steps.record_sanction(case, sanction(clean_record=True, service_years=0), actor=None, today=TODAY)
    assert (case.sanction.clean_record, case.sanction.service_years, case.sanction.record_weighed) == (True, 0, "")


def test_a_record_said_to_be_clean_must_be(department, employee, policy):
    earlier = open_case(employee, policy, incident_on=date(2026, 6, 1))
    cases.decide(earlier, "written_warning", "Shared a password after being told twice not to.",
                 expected_version=earlier.version, actor=None, today=date(2026, 6, 2))
    cases.give_warning(earlier, cases.WarningInput("written", "Do not share passwords.", date(2026, 6, 3)),
                       actor=None, today=date(2026, 6, 3))
    db.session.commit()
    case = to_sanction(disciplinary_case(employee, policy))
    assert [w.case_reference for w in steps.warnings_valid_at_incident(case)] == [earlier.reference]

    with pytest.raises(CaseRuleError) as refused:
        steps.record_sanction(case, sanction(sanction="dismissal", reasons=DISMISSAL_REASONS,
                                             **{**DISMISSAL_RECORD, "clean_record": True, "service_years": 61}),
                              actor=None, today=TODAY)

    assert refused.value.problems == [
        ("service_years", "Give the completed years of service, 0 to 60 (0 for less than a year), not 61."),
        ("clean_record", f"The record is not clean: still valid on the day of the incident: written warning of "
                         f"2026-06-03 (case {earlier.reference}).")]


# --- the appeal: its chair, and the final decision -----------------------------------------------


def _appealed(employee, policy, **sanction_changes):
    case = to_outcome(disciplinary_case(employee, policy), **sanction_changes)
    steps.record_outcome_issued(case, issued_on=date(2026, 11, 19), referral_notice_given=True, actor=None,
                                today=TODAY)
    steps.record_appeal(case, lodged_on=date(2026, 11, 20), grounds="Too harsh for eleven years' service.",
                        actor=None, today=TODAY)
    db.session.commit()
    return case


def _decide_appeal(case, outcome="dismissed", **changes):
    values = {"outcome_on": date(2026, 12, 1), "reasons": "The sanction was fair.", **APPEAL_CHAIR, **changes}
    return steps.record_appeal_outcome(case, outcome=outcome, actor=None, today=TODAY, **values)


@pytest.mark.parametrize(("chair", "message"), [
    ("Mr T. Nkosi", "The appeal is decided by someone who took no part in the case: Mr T. Nkosi is the chair of the "
                    "hearing (Mr T. Nkosi)."),
    ("t nkosi (Director)", "The appeal is decided by someone who took no part in the case: t nkosi (Director) is the "
                           "chair of the hearing (Mr T. Nkosi)."),
    ("Lerato Mokoena", "The appeal is decided by someone who took no part in the case: Lerato Mokoena is the "
                       "investigator (Lerato Mokoena)."),
    ("", "Name the chair of the appeal (the appeal authority)."),
])
def test_the_appeal_chair_took_no_part_in_the_case(employee, policy, chair, message):
    case = _appealed(employee, policy)
    with pytest.raises(CaseRuleError) as refused:
        _decide_appeal(case, chair=chair)
    assert refused.value.problems == [("chair", message)]
    assert case.appeal.outcome is None


def test_the_appeal_chair_is_senior_with_a_position_on_record(employee, policy):
    case = _appealed(employee, policy)
    with pytest.raises(CaseRuleError) as refused:
        _decide_appeal(case, chair_position=" ", chair_senior=False)
    assert [field for field, _ in refused.value.problems] == ["chair_position", "chair_senior"]

    appeal = _decide_appeal(case)
    assert (appeal.chair, appeal.chair_position, appeal.chair_senior) == ("Ms N. Dube", "Municipal Manager", True)


def test_a_dismissal_upheld_on_appeal_counts_30_days_from_the_appeals_outcome(employee, policy):
    case = _appealed(employee, policy, sanction="dismissal", reasons=DISMISSAL_REASONS, **DISMISSAL_RECORD)
    before = steps.final_referral(case)
    assert (before.period.days, before.starts_on, before.counted_from) == (30, date(2026, 11, 19),
                                                                           "the written outcome")
    _decide_appeal(case)

    final = steps.final_referral(case)
    assert (final.sanction, final.period.days, final.starts_on, final.last_day) == (
        "dismissal", 30, date(2026, 12, 1), date(2026, 12, 31))
    assert final.counted_from == "the appeal's outcome"


def test_a_sanction_the_appeal_put_in_place_counts_from_the_appeals_outcome(employee, policy):
    case = _appealed(employee, policy, sanction="dismissal", reasons=DISMISSAL_REASONS, **DISMISSAL_RECORD)
    _decide_appeal(case, "varied", varied_sanction="final_written_warning")

    final = steps.final_referral(case)
    assert steps.final_sanction(case) == "final_written_warning"
    assert (final.period.days, final.period.dispute, final.starts_on) == (90, "unfair labour practice",
                                                                         date(2026, 12, 1))


def test_a_lesser_sanction_left_standing_counts_from_its_written_outcome(employee, policy):
    case = _appealed(employee, policy)
    _decide_appeal(case)
    final = steps.final_referral(case)
    assert (final.sanction, final.period.days, final.starts_on) == ("final_written_warning", 90, date(2026, 11, 19))


def test_a_sanction_set_aside_leaves_nothing_to_refer(employee, policy):
    case = _appealed(employee, policy)
    _decide_appeal(case, "upheld")
    assert steps.final_sanction(case) == "none" and steps.final_referral(case) is None


# --- a precautionary suspension without a hearing -----------------------------------------------


def _suspended(employee, policy, starts_on=date(2026, 10, 1)):
    case = disciplinary_case(employee, policy, incident_on=date(2026, 9, 30))
    steps.record_investigation(case, investigator="Lerato Mokoena", started_on=date(2026, 10, 1), actor=None,
                               today=TODAY)
    steps.record_suspension(case, SuspensionInput(starts_on, None, None, True, "The logs must be kept intact."),
                            actor=None)
    db.session.commit()
    return case


def test_a_suspension_past_60_days_without_a_hearing_warns_on_the_case(employee, policy):
    case = _suspended(employee, policy)
    assert steps.open_warnings(case, today=date(2026, 11, 30)) == []  # day 60
    assert [w.check for w in steps.open_warnings(case, today=date(2026, 12, 1))] == ["suspension_without_hearing"]
    settings.save({settings.SUSPENSION_HEARING_DAYS: 90}, actor=None)
    assert steps.open_warnings(case, today=date(2026, 12, 1)) == []


def test_lifting_the_suspension_ends_the_warning(employee, policy):
    case = _suspended(employee, policy)
    with pytest.raises(CaseRuleError) as refused:
        steps.lift_suspension(case, lifted_on=date(2026, 9, 30), actor=None, today=TODAY)
    assert refused.value.problems == [("lifted_on", "No precautionary suspension is in force on 2026-09-30.")]

    steps.lift_suspension(case, lifted_on=date(2026, 12, 2), actor=None, today=TODAY)

    assert case.suspensions[0].ends_on == date(2026, 12, 2)
    assert steps.open_warnings(case, today=TODAY) == []
    assert entries()[-1].summary == f"Precautionary suspension lifted in case {case.reference}"


def test_the_suspensions_reminded_of(employee, policy, department):
    long = _suspended(employee, policy, starts_on=date(2026, 10, 1))
    _suspended(make_employee(department=department), policy, starts_on=date(2026, 10, 20))  # not yet
    lifted = _suspended(make_employee(department=department), policy, starts_on=date(2026, 10, 1))
    steps.lift_suspension(lifted, lifted_on=date(2026, 11, 20), actor=None, today=TODAY)
    colleague = make_employee(department=department)
    colleague.language = "English"
    heard = to_hearing(disciplinary_case(colleague, policy, incident_on=date(2026, 9, 30)))
    steps.record_suspension(heard, SuspensionInput(date(2026, 10, 1), None, None, True, "The logs."), actor=None)
    steps.record_hearing(heard, hearing(), actor=None, today=TODAY)
    db.session.commit()

    found = steps.suspensions_without_hearing(date(2026, 11, 24), date(2026, 12, 1))

    assert [(s.case_id, reached) for s, reached in found] == [(long.id, date(2026, 11, 30))]
