"""Which labour code governs each step (codes.py), and the pure checks of a case's dates and of a
case spanning both codes (fairness.py): plain values in, plain values out."""

from __future__ import annotations

from datetime import date

import pytest

from app.policies.cases import codes, fairness
from app.policies.cases.codes import GoverningCode, code_in_force


@pytest.mark.parametrize(("day", "code"), [
    (date(2025, 9, 3), GoverningCode.SCHEDULE_8),  # the last day of Schedule 8
    (date(2025, 9, 4), GoverningCode.CODE_2025),  # the 2025 Code took effect on publication
    (date(2025, 9, 18), GoverningCode.CODE_2025),  # the notice
    (date(2025, 10, 2), GoverningCode.CODE_2025),  # the dismissal
    (date(1996, 1, 1), GoverningCode.SCHEDULE_8),
    (date(2026, 12, 4), GoverningCode.CODE_2025),
])
def test_the_code_in_force_on_a_day(day, code):
    assert code_in_force(day) == code


@pytest.mark.parametrize(("dates", "spans"), [
    ([date(2025, 8, 20), date(2025, 9, 18)], True),
    ([date(2025, 8, 20), date(2025, 9, 3)], False),
    ([date(2025, 9, 4), date(2026, 1, 1)], False),
    ([date(2025, 9, 3), date(2025, 9, 4)], True),
    ([], False),
])
def test_a_case_spans_both_codes_when_its_dates_fall_on_both_sides_of_4_september_2025(dates, spans):
    assert codes.spans_both_codes(dates) is spans


def test_the_2025_code_adds_its_sanction_factors_to_schedule_8s_questions():
    schedule_8 = codes.sanction_factors(GoverningCode.SCHEDULE_8)
    code_2025 = codes.sanction_factors(GoverningCode.CODE_2025)
    assert schedule_8 == ("rule_existed", "rule_valid", "rule_known", "consistently_applied", "sanction_appropriate")
    assert set(code_2025) - set(schedule_8) == {"rule_importance", "harm_caused", "wrongdoing_acknowledged",
                                                "business_impact", "representations_on_sanction"}


def test_each_code_names_itself_as_a_letter_says_it():
    assert GoverningCode.SCHEDULE_8.short_label == "Schedule 8 of the Labour Relations Act 66 of 1995"
    assert GoverningCode.CODE_2025.short_label == "the Code of Good Practice: Dismissal (2025)"


# --- a case's dates -----------------------------------------------------------------------------------


def test_a_step_before_the_decision_it_carries_out_warns():
    warned = fairness.dated_before_decision("The written warning", date(2026, 11, 4), date(2026, 11, 5))
    assert [w.check for w in warned] == ["dated_before_decision"]
    assert warned[0].message.startswith("The written warning is dated 2026-11-04, before the decision of 2026-11-05")
    assert warned[0].label == "A step dated before the decision"
    assert fairness.dated_before_decision("The written warning", date(2026, 11, 5), date(2026, 11, 5)) == []
    assert fairness.dated_before_decision("The written warning", date(2026, 11, 4), None) == []


def test_a_step_before_the_report_warns():
    warned = fairness.dated_before_report("The investigation", date(2026, 11, 1), date(2026, 11, 2))
    assert [w.check for w in warned] == ["dated_before_report"]
    assert "before the breach was reported on 2026-11-02" in warned[0].message
    assert fairness.dated_before_report("The investigation", date(2026, 11, 2), date(2026, 11, 2)) == []


# --- a case spanning both codes -----------------------------------------------------------------------


def test_a_case_whose_steps_span_4_september_2025_says_which_step_follows_which_code():
    dated = [("Incident", date(2025, 8, 20)), ("Decision", date(2025, 8, 25)),
             ("Notice of the disciplinary hearing", date(2025, 9, 18)), ("Sanction: dismissal", date(2025, 10, 2))]

    warned = fairness.code_transition(dated, open_on=None)

    assert [w.check for w in warned] == ["code_transition"]
    message = warned[0].message
    assert "Under Schedule 8: Incident (2025-08-20), Decision (2025-08-25)." in message
    assert ("Under the 2025 Code: Notice of the disciplinary hearing (2025-09-18), Sanction: dismissal "
            "(2025-10-02).") in message


def test_an_open_case_begun_under_schedule_8_spans_both_codes_from_its_next_step():
    warned = fairness.code_transition([("Incident", date(2025, 8, 20))], open_on=date(2026, 12, 4))
    assert "Under the 2025 Code: steps from now on." in warned[0].message


def test_a_case_under_one_code_does_not_warn():
    assert fairness.code_transition([("Incident", date(2025, 8, 1)), ("Case closed", date(2025, 8, 20))],
                                    open_on=None) == []
    assert fairness.code_transition([("Incident", date(2026, 1, 5))], open_on=date(2026, 12, 4)) == []
