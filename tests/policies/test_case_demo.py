"""The demo cases: every point of the procedure so far, and one governed by Schedule 8."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.demo import seed_demo
from app.extensions import db
from app.policies.cases.demo import CASES, seed_demo_cases
from app.policies.cases.models import PolicyCase

pytestmark = pytest.mark.usefixtures("app")


def test_the_demo_cases_cover_the_procedure_so_far():
    seed_demo("demo password 1")
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
    assert seed_demo_cases() == []
