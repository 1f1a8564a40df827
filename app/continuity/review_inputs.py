"""The continuity section of a management review pack (9.3.2 d 2, monitoring and measurement results):
the tests and exercises held since the previous review, with their outcomes, the recoveries that took
longer than the RTO and the findings raised as nonconformities. Named in app.reviews.inputs.PROVIDERS and
called when a pack is compiled.

Tests are dated and kept, so the section is as it stood on the date: the tests held after the previous
review (its meeting day counted there) up to and including the date."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.continuity import queries
from app.continuity.models import ContinuityTest, TestKind, TestOutcome
from app.extensions import db
from app.reviews.inputs import ROWS_LISTED, figure, table


def _recovery(test: ContinuityTest) -> str:
    if test.recovery_minutes is None:
        return ""
    within = "within" if test.recovery_minutes <= test.analysis.rto_hours * 60 else "longer than"
    return f"{test.recovery_minutes} minutes, {within} the RTO of {test.analysis.rto_hours} hours"


def _findings(test: ContinuityTest) -> str:
    return "; ".join(finding.description + (f" ({finding.nonconformity.reference})" if finding.nonconformity else "")
                     for finding in test.findings)


def continuity_results_for_review(as_of: date, since: date) -> dict | None:
    if db.session.scalar(sa.select(ContinuityTest.id).where(ContinuityTest.tested_on <= as_of).limit(1)) is None:
        return None  # nothing ever tested by the date: the pack says no tests are recorded
    start = since + timedelta(days=1)
    results = queries.test_results(start, as_of)
    held = queries.tests_between(start, as_of)
    rows = [[test.reference, test.tested_on.isoformat(), test.analysis.name, TestKind(test.kind).label,
             TestOutcome(test.outcome).label, _recovery(test), _findings(test)] for test in held]
    return {"figures": [figure("continuity_tests", "Tests and exercises held", results.total),
                        *(figure(f"continuity_{outcome.value}", outcome.label, results.by_outcome[outcome.value])
                          for outcome in TestOutcome),
                        figure("continuity_rto_missed", "Recoveries longer than the RTO", results.rto_missed),
                        figure("continuity_findings", "Findings", results.findings),
                        figure("continuity_findings_raised", "Findings raised as nonconformities",
                               results.findings_raised)],
            "tables": [table("continuity_tests", "Each test and exercise since the previous review",
                             ["Test", "Date", "Service", "Kind", "Outcome", "Recovery", "Findings"],
                             rows[:ROWS_LISTED], kind="items", more=max(0, len(rows) - ROWS_LISTED))],
            "note": f"Tests and exercises held from {start.isoformat()} to {as_of.isoformat()}, from the business "
                    "continuity register (A.5.29, 5.30, 8.13, 8.14)."}
