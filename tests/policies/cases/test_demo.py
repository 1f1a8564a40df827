"""The demo cases: every point of the procedure so far (revoked privileges, training and the
disciplinary procedure too), and one governed by Schedule 8."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.common.timeutil import local_today
from app.extensions import db
from app.policies.cases.demo import CASES, seed_demo_cases
from app.policies.cases.fairness import working_days_between
from app.policies.cases.models import PolicyCase

pytestmark = pytest.mark.usefixtures("app")


def test_the_demo_cases_cover_the_procedure_so_far(demo_data):
    cases = list(db.session.scalars(sa.select(PolicyCase).order_by(PolicyCase.incident_on)))

    assert len(cases) == len(CASES)
    assert {c.status for c in cases} == {"open", "closed"}
    assert {c.code for c in cases} == {"schedule_8", "code_2025"}
    assert any(c.decided is None for c in cases)
    assert any(c.decided and c.decided != c.recommended and c.decision_reason for c in cases)
    warnings = [w for c in cases for w in c.warnings]
    assert any(w.refused_to_sign and w.witness_name for w in warnings)
    assert any(w.acknowledged_on for w in warnings)
    assert any(c.department.code == "DOH" for c in cases)
    revocations = [r for c in cases for r in c.revocations]
    assert any(r.restored_on is None and r.ends_on > local_today() and r.case.status == "open" for r in revocations)
    assert any(r.restored_on and r.case.status == "closed" for r in revocations)
    assert all(r.no_harm_confirmed and r.no_harm_note for r in revocations)
    trainings = [t for c in cases for t in c.trainings]
    assert any(t.completed_on is None and t.case.status == "open" for t in trainings)
    assert any(t.completed_on and t.case.status == "closed" for t in trainings)
    disciplinary = [c for c in cases if c.sanction is not None]
    full = next(c for c in disciplinary if c.appeal is not None)
    assert (full.status, full.sanction.sanction, full.appeal.outcome) == ("closed", "dismissal", "dismissed")
    assert full.investigation.completed_on and full.suspensions and full.hearing and full.notices
    assert full.sanction.referral_notice_given and full.sanction.outcome_issued_on
    assert all(a.finding for a in full.allegations)
    flagged = next(c for c in disciplinary if any(o.check == "notice_period" for o in c.fairness_overrides))
    assert flagged.status == "open" and flagged.hearing.held_on == flagged.notices[0].hearing_on
    assert working_days_between(flagged.notices[0].issued_on, flagged.hearing.held_on) == 2
    assert seed_demo_cases() == []


def test_the_demo_cases_dates_follow_one_another(demo_data):
    """Reported on or after the incident, decided on or after the report, each step carrying out the
    decision on or after it, and every notice signed by a named issuer with a position."""
    cases = list(db.session.scalars(sa.select(PolicyCase)))
    for case in cases:
        assert case.incident_on <= case.reported_on <= case.opened_on, case.reference
        if case.decided_on:
            assert case.reported_on <= case.decided_on, case.reference
            carrying_out = ([w.issued_on for w in case.warnings] + [r.starts_on for r in case.revocations]
                            + [t.completed_on for t in case.trainings if t.completed_on]
                            + [n.issued_on for n in case.notices])
            assert all(day >= case.decided_on for day in carrying_out), case.reference
        assert all(n.issued_by_name and n.issued_by_position for n in case.notices), case.reference
        assert not any(o.check.startswith("dated_before") for o in case.fairness_overrides), case.reference
