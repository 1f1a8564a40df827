"""The pure rules issue 18 point 14 added to the disciplinary procedure: the referral period of a
sanction (LRA s191(1)(b)) and its last day, and the checks on a long precautionary suspension and on
a dismissal the notice did not announce."""

from __future__ import annotations

from datetime import date

import pytest

from app.policies.cases import fairness, referral


@pytest.mark.parametrize(("sanction", "days", "dispute"), [
    ("dismissal", 30, "unfair dismissal"),
    ("final_written_warning", 90, "unfair labour practice"),
    ("written_warning", 90, "unfair labour practice"),
    ("suspension_without_pay", 90, "unfair labour practice"),
    ("demotion", 90, "unfair labour practice"),
])
def test_the_referral_period_follows_the_sanction(sanction, days, dispute):
    period = referral.period_for(sanction)
    assert period is not None and (period.days, period.dispute) == (days, dispute)


@pytest.mark.parametrize("sanction", ["none", "", None])
def test_no_sanction_no_referral_period(sanction):
    assert referral.period_for(sanction) is None
    assert referral.referral(sanction, date(2026, 11, 19), "the written outcome") is None


@pytest.mark.parametrize(("start", "days", "last"), [
    (date(2026, 11, 19), 30, date(2026, 12, 19)),  # a Saturday counts
    (date(2026, 11, 20), 30, date(2026, 12, 21)),  # the 30th day is a Sunday: the Monday
    (date(2026, 11, 16), 30, date(2026, 12, 17)),  # the 30th day is the Day of Reconciliation
    (date(2026, 9, 25), 90, date(2026, 12, 24)),
    (date(2026, 9, 26), 90, date(2026, 12, 28)),  # Christmas, Day of Goodwill, then a Sunday
])
def test_the_last_day_leaves_out_the_first_and_moves_off_sundays_and_public_holidays(start, days, last):
    assert referral.last_day(start, days) == last


def test_a_referral_says_from_which_decision_it_counts():
    found = referral.referral("dismissal", date(2026, 12, 1), "the appeal's outcome")
    assert found is not None
    assert (found.period.provision, found.starts_on, found.last_day) == ("s191(1)(b)(i)", date(2026, 12, 1),
                                                                        date(2026, 12, 31))


# --- a precautionary suspension without a hearing ---------------------------------------------------


def _suspension(starts_on, ends_on=None, *, hearing_held=False, today=date(2026, 12, 4), limit_days=60):
    return fairness.suspension_without_hearing(starts_on, ends_on, hearing_held=hearing_held, today=today,
                                               limit_days=limit_days)


def test_a_suspension_past_the_limit_without_a_hearing_warns():
    warned = _suspension(date(2026, 10, 4))  # 61 days before 4 December
    assert [w.check for w in warned] == ["suspension_without_hearing"]
    assert warned[0].message.startswith("The precautionary suspension since 2026-10-04 has lasted 61 days without a "
                                        "hearing (the limit is 60 days, a setting)")


@pytest.mark.parametrize("case", [
    {"starts_on": date(2026, 10, 5)},  # day 60: within the limit
    {"starts_on": date(2026, 10, 4), "hearing_held": True},
    {"starts_on": date(2026, 10, 4), "ends_on": date(2026, 12, 3)},  # lifted yesterday
    {"starts_on": date(2026, 10, 4), "limit_days": 90},  # the SALGBC's three months
])
def test_no_warning_within_the_limit_after_a_hearing_or_once_lifted(case):
    assert _suspension(**case) == []


def test_a_suspension_ending_tomorrow_still_counts_one_ending_today_does_not():
    assert _suspension(date(2026, 10, 4), date(2026, 12, 5))
    assert _suspension(date(2026, 10, 4), date(2026, 12, 4)) == []


# --- a dismissal the notice did not announce --------------------------------------------------------


def test_a_dismissal_after_a_notice_that_ruled_it_out_warns():
    assert [w.check for w in fairness.dismissal_in_notice("dismissal", False)] == ["notice_dismissal"]
    assert fairness.dismissal_in_notice("dismissal", True) == []
    assert fairness.dismissal_in_notice("final_written_warning", False) == []
