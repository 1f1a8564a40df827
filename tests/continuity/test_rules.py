"""The continuity rules alone: recovery objectives, the overall impact, a test's outcome against
the RTO, and when a service is due a test."""

from __future__ import annotations

from datetime import date

import pytest

from app.continuity import rules

TODAY = date(2026, 6, 30)


def fields(problems) -> list[str | None]:
    return [field for field, _ in problems]


def test_an_rto_within_the_mtd_is_accepted():
    assert rules.objective_problems(24, 24, 72) == []
    assert rules.objective_problems(72, 0, 72) == []  # equal is within


def test_an_rto_longer_than_the_mtd_is_refused_with_both_values_named():
    problems = rules.objective_problems(96, 24, 72)
    assert fields(problems) == ["rto_hours"]
    message = problems[0][1]
    assert "96 hours (4 days)" in message and "72 hours (3 days)" in message and "at most 72 hours" in message


@pytest.mark.parametrize("rto, rpo, mtd, field", [
    (None, 24, 72, "rto_hours"), (24, None, 72, "rpo_hours"), (24, 24, None, "mtd_hours"),
    (-1, 24, 72, "rto_hours"), (24, -5, 72, "rpo_hours"), (0, 0, 0, "mtd_hours"), (24, 24, 9000, "mtd_hours"),
])
def test_missing_or_impossible_objectives_are_named(rto, rpo, mtd, field):
    assert field in fields(rules.objective_problems(rto, rpo, mtd))


def test_the_rto_rule_waits_for_valid_numbers():
    # A missing MTD is one problem, not also "RTO longer than nothing".
    assert fields(rules.objective_problems(24, 24, None)) == ["mtd_hours"]


def test_impacts_are_rated_one_to_five():
    labels = {"impact_financial": "Financial", "impact_legal": "Legal and regulatory"}
    assert rules.impact_problems({"impact_financial": 5, "impact_legal": 1}, labels) == []
    assert fields(rules.impact_problems({"impact_financial": 0, "impact_legal": None}, labels)) == [
        "impact_financial", "impact_legal"]


def test_the_overall_impact_is_the_worst_area():
    assert rules.overall_impact([2, 5, 1, 3]) == 5
    assert rules.overall_impact([1, 1, 1, 1]) == 1


def test_a_restore_slower_than_the_rto_cannot_pass():
    problems = rules.test_problems(technical=True, passed=True, recovery_minutes=25 * 60, rto_hours=24,
                                   tested_on=TODAY, today=TODAY)
    assert fields(problems) == ["outcome"]
    assert "1500 minutes" in problems[0][1]
    # within the RTO, or recorded as not passed, it is fine
    assert rules.test_problems(technical=True, passed=True, recovery_minutes=24 * 60, rto_hours=24,
                               tested_on=TODAY, today=TODAY) == []
    assert rules.test_problems(technical=True, passed=False, recovery_minutes=25 * 60, rto_hours=24,
                               tested_on=TODAY, today=TODAY) == []


def test_a_technical_test_needs_its_recovery_time_and_a_tabletop_does_not():
    assert fields(rules.test_problems(technical=True, passed=True, recovery_minutes=None, rto_hours=4,
                                      tested_on=TODAY, today=TODAY)) == ["recovery_minutes"]
    assert rules.test_problems(technical=False, passed=True, recovery_minutes=None, rto_hours=4,
                               tested_on=TODAY, today=TODAY) == []


def test_a_test_cannot_be_dated_in_the_future_or_undated():
    assert fields(rules.test_problems(technical=False, passed=True, recovery_minutes=None, rto_hours=4,
                                      tested_on=date(2026, 7, 1), today=TODAY)) == ["tested_on"]
    assert fields(rules.test_problems(technical=False, passed=True, recovery_minutes=None, rto_hours=4,
                                      tested_on=None, today=TODAY)) == ["tested_on"]


def test_rto_met():
    assert rules.rto_met(None, 4) is None
    assert rules.rto_met(240, 4) is True
    assert rules.rto_met(241, 4) is False


@pytest.mark.parametrize("last, due", [
    (None, True), (date(2025, 6, 30), True), (date(2025, 7, 1), False), (date(2026, 6, 1), False)])
def test_a_service_is_due_a_test_twelve_months_after_its_last(last, due):
    assert rules.is_test_due(last, TODAY, 12) is due
