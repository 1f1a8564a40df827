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
