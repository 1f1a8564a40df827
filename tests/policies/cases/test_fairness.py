"""The fairness checks of the disciplinary procedure: working days and each check's warning."""

from __future__ import annotations

from datetime import date

import pytest

from app.policies.cases import fairness
from app.policies.cases.fairness import EarlierOutcome


@pytest.mark.parametrize(("start", "end", "days"), [
    (date(2026, 11, 2), date(2026, 11, 9), 5),  # Monday to the next Monday
    (date(2026, 11, 2), date(2026, 11, 4), 2),
    (date(2026, 11, 6), date(2026, 11, 9), 1),  # Friday to Monday: the weekend does not count
    (date(2026, 11, 7), date(2026, 11, 8), 0),  # Saturday to Sunday
    (date(2026, 11, 4), date(2026, 11, 4), 0),
    (date(2026, 11, 9), date(2026, 11, 2), 0),  # the end before the start
    (date(2026, 12, 14), date(2026, 12, 21), 4),  # Day of Reconciliation, Wednesday 16 December
    (date(2026, 12, 24), date(2026, 12, 29), 2),  # Christmas Friday; Day of Goodwill on a Saturday stays
    (date(2026, 4, 2), date(2026, 4, 7), 1),  # Good Friday and Family Day
])
def test_working_days_count_weekdays_that_are_not_public_holidays(start, end, days):
    assert fairness.working_days_between(start, end) == days


@pytest.mark.parametrize(("day", "holiday"), [
    (date(2026, 8, 10), True),  # Women's Day on a Sunday: the Monday is off
    (date(2027, 3, 22), True),  # Human Rights Day on a Sunday
    (date(2027, 12, 27), True),  # Day of Goodwill on a Sunday
    (date(2025, 4, 28), True),  # Freedom Day on a Sunday
    (date(2024, 5, 29), True),  # election day
    (date(2025, 4, 18), True),  # Good Friday
    (date(2026, 3, 20), False),  # Human Rights Day on a Saturday moves nowhere
    (date(2026, 11, 5), False),
])
def test_public_holidays_of_2024_to_2027(day, holiday):
    assert (day in fairness.PUBLIC_HOLIDAYS) is holiday
    assert fairness.is_working_day(day) is (not holiday and day.weekday() < 5)


@pytest.mark.parametrize(("start", "days", "end"), [
    (date(2026, 11, 2), 5, date(2026, 11, 9)),
    (date(2026, 11, 6), 1, date(2026, 11, 9)),
    (date(2026, 12, 14), 4, date(2026, 12, 21)),
    (date(2026, 11, 4), 0, date(2026, 11, 4)),
])
def test_adding_working_days(start, days, end):
    assert fairness.add_working_days(start, days) == end
    assert fairness.working_days_between(start, end) == days


def test_every_year_in_the_table_has_its_twelve_holidays():
    for year in fairness.HOLIDAY_YEARS:
        in_year = [d for d in fairness.PUBLIC_HOLIDAYS if d.year == year]
        assert len(in_year) >= 12


def test_a_hearing_too_soon_after_the_notice_warns():
    warnings = fairness.notice_period(date(2026, 11, 2), date(2026, 11, 4), 5)

    assert [w.check for w in warnings] == ["notice_period"]
    assert warnings[0].message == ("The hearing on 2026-11-04 is 2 working days after the notice of 2026-11-02: the "
                                   "employee should have at least 5 to prepare.")
    assert fairness.notice_period(date(2026, 11, 2), date(2026, 11, 9), 5) == []
    assert fairness.notice_period(date(2026, 11, 2), date(2026, 11, 6), 3) == []


def test_a_notice_without_the_allegations_or_the_right_to_representation_warns():
    assert fairness.notice_content(allegations_included=True, representation_stated=True) == []
    assert [w.check for w in fairness.notice_content(allegations_included=False, representation_stated=False)] == [
        "notice_allegations", "notice_representation"]
    assert [w.check for w in fairness.notice_content(allegations_included=True, representation_stated=False)] == [
        "notice_representation"]


def test_a_dismissal_needs_reasons_and_the_referral_notice():
    assert [w.check for w in fairness.dismissal_reasons("dismissal", "Gross negligence.")] == ["dismissal_reasons"]
    assert fairness.dismissal_reasons("dismissal", "x" * fairness.DISMISSAL_REASONS_MIN_CHARS) == []
    assert fairness.dismissal_reasons("final_written_warning", "") == []
    assert [w.check for w in fairness.dismissal_referral("dismissal", False)] == ["dismissal_referral"]
    assert "within 30 days" in fairness.dismissal_referral("dismissal", False)[0].message
    assert fairness.dismissal_referral("dismissal", True) == []
    assert fairness.dismissal_referral("written_warning", False) == []


def test_no_acknowledgement_of_the_policy_warns():
    warnings = fairness.policy_acknowledged(False, "ICT-SEC v1.0")
    assert [w.check for w in warnings] == ["policy_not_acknowledged"]
    assert "ICT-SEC v1.0" in warnings[0].message
    assert fairness.policy_acknowledged(True, "ICT-SEC v1.0") == []


def test_unconfirmed_substantive_questions_are_named():
    confirmed = {"rule_existed": True, "rule_valid": True, "rule_known": True, "consistently_applied": True,
                 "sanction_appropriate": True}
    assert fairness.substantive_fairness(**confirmed) == []
    warnings = fairness.substantive_fairness(**{**confirmed, "rule_known": False, "sanction_appropriate": False})
    assert warnings[0].check == "substantive_fairness"
    assert warnings[0].message == "Not confirmed: the employee knew the rule; the sanction is appropriate."


def test_representations_on_the_sanction():
    assert [w.check for w in fairness.sanction_representations(False)] == ["sanction_representations"]
    assert fairness.sanction_representations(True) == []


def test_earlier_cases_with_lighter_outcomes_are_listed():
    earlier = [EarlierOutcome("CASE-2026-0001", "written_warning"), EarlierOutcome("CASE-2026-0002", "dismissal"),
               EarlierOutcome("CASE-2026-0003", "management_warning")]

    warnings = fairness.lighter_similar_sanctions("final_written_warning", earlier)

    assert [w.check for w in warnings] == ["lighter_similar_sanctions"]
    assert warnings[0].message == ("Earlier cases for the same clause ended lighter than final written warning: "
                                   "CASE-2026-0001 (written warning), CASE-2026-0003 (management warning). Say what "
                                   "sets this case apart.")
    assert fairness.lighter_similar_sanctions("written_warning", [EarlierOutcome("C-1", "written_warning")]) == []
    assert fairness.lighter_similar_sanctions("dismissal", []) == []
    assert fairness.lighter_similar_sanctions("none", earlier) == []


def test_every_check_has_a_label():
    assert fairness.FairnessWarning("notice_period", "x").label == "Time to prepare for the hearing"
    assert set(fairness.CHECK_LABELS) >= {"notice_period", "notice_allegations", "notice_representation",
                                          "dismissal_reasons", "dismissal_referral", "policy_not_acknowledged",
                                          "lighter_similar_sanctions"}
