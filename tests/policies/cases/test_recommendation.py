"""The corrective-action rule: the matrix, progressive discipline, and expired warnings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.policies.cases.recommendation import (
    DEFAULT_MATRIX,
    Action,
    EarlierWarning,
    SecurityRisk,
    Severity,
    WarningType,
    matrix_from_setting,
    matrix_setting,
    recommend,
)

TODAY = date(2026, 12, 4)


def warning(kind: WarningType, issued: date, until: date) -> EarlierWarning:
    return EarlierWarning(kind, issued, until, "CASE-2026-0001")


@pytest.mark.parametrize(("severity", "risk", "action"), [
    (Severity.LOW, SecurityRisk.LOW, Action.MANAGEMENT_WARNING),
    (Severity.LOW, SecurityRisk.HIGH, Action.WRITTEN_WARNING),
    (Severity.MEDIUM, SecurityRisk.MEDIUM, Action.WRITTEN_WARNING),
    (Severity.MEDIUM, SecurityRisk.HIGH, Action.REVOKE_PRIVILEGES),
    (Severity.HIGH, SecurityRisk.HIGH, Action.TRAINING),
    (Severity.CRITICAL, SecurityRisk.LOW, Action.DISCIPLINARY),
])
def test_a_first_violation_gets_the_matrix_action(severity, risk, action):
    recommendation = recommend(severity, risk, [], on=TODAY)
    assert recommendation.action == action
    assert recommendation.counted == []


def test_each_valid_warning_moves_one_step_up_the_ladder():
    earlier = [warning(WarningType.MANAGEMENT, date(2026, 10, 1), date(2027, 1, 1)),
               warning(WarningType.WRITTEN, date(2026, 11, 1), date(2027, 5, 1))]

    recommendation = recommend(Severity.LOW, SecurityRisk.LOW, earlier, on=TODAY)

    assert recommendation.action == Action.REVOKE_PRIVILEGES
    assert "2 earlier warnings still valid: 2 steps up the ladder, to revoking privileges." in recommendation.reasons


def test_expired_warnings_do_not_count_and_are_said_not_to():
    earlier = [warning(WarningType.WRITTEN, date(2025, 1, 1), date(2025, 7, 1))]

    recommendation = recommend(Severity.LOW, SecurityRisk.LOW, earlier, on=TODAY)

    assert recommendation.action == Action.MANAGEMENT_WARNING
    assert "1 earlier warning expired and does not count." in recommendation.reasons


def test_a_warning_counts_up_to_and_including_its_last_day():
    earlier = [warning(WarningType.MANAGEMENT, date(2026, 9, 4), TODAY)]
    assert recommend(Severity.LOW, SecurityRisk.LOW, earlier, on=TODAY).action == Action.WRITTEN_WARNING


def test_a_valid_written_warning_makes_the_next_one_final():
    earlier = [warning(WarningType.WRITTEN, date(2026, 11, 1), date(2027, 5, 1))]

    recommendation = recommend(Severity.LOW, SecurityRisk.LOW, earlier, on=TODAY)

    assert (recommendation.action, recommendation.warning_type) == (Action.WRITTEN_WARNING,
                                                                    WarningType.FINAL_WRITTEN)


def test_a_valid_final_written_warning_leads_to_disciplinary_action():
    earlier = [warning(WarningType.FINAL_WRITTEN, date(2026, 6, 1), date(2027, 6, 1))]

    recommendation = recommend(Severity.LOW, SecurityRisk.LOW, earlier, on=TODAY)

    assert recommendation.action == Action.DISCIPLINARY
    assert "A final written warning is still valid" in recommendation.reasons[-1]


def test_a_warning_given_after_the_incident_does_not_count_for_it():
    later = [warning(WarningType.WRITTEN, date(2026, 12, 10), date(2027, 6, 10))]
    assert recommend(Severity.LOW, SecurityRisk.LOW, later, on=TODAY).action == Action.MANAGEMENT_WARNING


def test_the_matrix_is_a_setting_and_an_unreadable_cell_falls_back_to_the_default():
    stored = matrix_setting(DEFAULT_MATRIX)
    stored["low"]["low"] = "training"
    stored["high"]["high"] = "dismissal"

    matrix = matrix_from_setting(stored)

    assert matrix[Severity.LOW][SecurityRisk.LOW] == Action.TRAINING
    assert matrix[Severity.HIGH][SecurityRisk.HIGH] == DEFAULT_MATRIX[Severity.HIGH][SecurityRisk.HIGH]
    assert recommend(Severity.LOW, SecurityRisk.LOW, [], on=TODAY, matrix=matrix).action == Action.TRAINING


dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1))
warnings = st.builds(lambda kind, issued, days: EarlierWarning(kind, issued, issued + timedelta(days=days)),
                     st.sampled_from(WarningType), dates, st.integers(0, 400))


@given(st.sampled_from(Severity), st.sampled_from(SecurityRisk), st.lists(warnings, max_size=5), dates)
def test_earlier_warnings_never_lighten_the_action(severity, risk, earlier, on):
    with_history = recommend(severity, risk, earlier, on=on).action
    without = recommend(severity, risk, [], on=on).action
    assert with_history.rung >= without.rung


@given(st.sampled_from(SecurityRisk), st.lists(warnings, max_size=5), dates)
def test_a_more_severe_violation_never_gets_a_lighter_action(risk, earlier, on):
    rungs = [recommend(severity, risk, earlier, on=on).action.rung for severity in Severity]
    assert rungs == sorted(rungs)
