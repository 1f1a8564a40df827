"""The continuity section of a management review pack: the tests and exercises held since the previous
review, with their results."""

from __future__ import annotations

from datetime import date

from app.continuity.review_inputs import continuity_results_for_review
from app.reviews import inputs


def test_nothing_tested_gives_no_section(app, make_analysis):
    make_analysis()
    assert continuity_results_for_review(date(2026, 11, 15), date(2025, 11, 20)) is None
    part = next(s for s in inputs.compile(date(2026, 11, 15))["sections"] if s["key"] == "continuity")
    assert part["item"] == "9.3.2 d 2" and not part["available"]
    assert part["note"] == "No business continuity tests or exercises recorded in Khusela as of 2026-11-15."


def test_the_tests_of_the_period_with_their_results(app, make_analysis, make_test):
    analysis = make_analysis()  # RTO 24 hours
    make_test(analysis, tested_on=date(2025, 11, 20))  # on the previous review's day: counted there
    make_test(analysis, kind="failover", outcome="failed", tested_on=date(2026, 3, 2), recovery_minutes=30 * 60,
              findings=["Standby not patched."])
    make_test(analysis, kind="backup_restore", tested_on=date(2026, 9, 1), recovery_minutes=90)
    make_test(analysis, tested_on=date(2026, 11, 16))  # after the date

    data = continuity_results_for_review(date(2026, 11, 15), date(2025, 11, 20))

    figures = {f["key"]: f["value"] for f in data["figures"]}
    assert figures == {"continuity_tests": 2, "continuity_passed": 1, "continuity_passed_with_findings": 0,
                       "continuity_failed": 1, "continuity_rto_missed": 1, "continuity_findings": 1,
                       "continuity_findings_raised": 0}
    rows = data["tables"][0]["rows"]
    assert [row[1] for row in rows] == ["2026-03-02", "2026-09-01"]
    assert rows[0][4:] == ["Failed", "1800 minutes, longer than the RTO of 24 hours", "Standby not patched."]
    assert rows[1][5] == "90 minutes, within the RTO of 24 hours"

    # Without an earlier review the pack reads the twelve months before its date.
    part = next(s for s in inputs.compile(date(2026, 11, 15))["sections"] if s["key"] == "continuity")
    assert part["available"] and part["tables"][0]["rows"][1:] == rows
