"""The demo policies: the municipality's version tables, one in review, one overdue, acknowledged."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.common.timeutil import local_today
from app.extensions import db
from app.policies import services
from app.policies.cases import models as case_models
from app.policies.demo import IN_REVIEW_CODE, OVERDUE_CODE, POLICIES, seed_demo_policies
from tests.policies.conftest import make_employee

pytestmark = pytest.mark.usefixtures("app")


def test_the_demo_policies_carry_the_municipal_version_tables(department):
    staff = [make_employee(department=department) for _ in range(20)]

    added = seed_demo_policies()

    assert len(added) == len(POLICIES) == 7
    policy = services.find_by_code("ICT-POL-001")
    assert [(v.number, v.change, v.state, v.author_designation) for v in policy.versions] == [
        ("1.0", "Original", "superseded", "Security Officer"), ("1.1", "Changes", "approved", "Security Officer")]
    assert [c.reference for c in policy.current.clauses][:3] == ["1", "2", "4.1"]
    assert {c.reference for c in policy.controls} == {"5.1", "5.2", "5.4", "6.3", "6.4"}
    coverage = services.coverage(policy.current)
    assert coverage.employed == len(staff) and 0 < coverage.acknowledged < len(staff)
    assert seed_demo_policies() == []


def test_one_policy_is_in_review_and_one_is_overdue():
    seed_demo_policies()
    today = local_today()

    assert services.find_by_code(IN_REVIEW_CODE).open_version.state == "in_review"
    assert services.find_by_code(OVERDUE_CODE).current.review_overdue(today)
    assert not services.find_by_code("ICT-POL-001").current.review_overdue(today)


def test_the_provincial_demo_policies_and_cases_use_no_municipal_wording(demo_data):
    """The province's policies and cases are the province's: no Municipal Manager approving or hearing
    appeals, no municipal e-mail clauses, no civic centre (issue 21, part 2). Every text column of the
    policy and case tables is read, so a new field cannot bring the wording back unseen."""
    tables = [mapper.local_table for mapper in db.Model.registry.mappers
              if mapper.class_.__module__ in ("app.policies.models", "app.policies.cases.models")]
    assert {"policy", "policy_version", "policy_clause", "policy_case", "case_warning", "case_appeal"} <= {
        table.name for table in tables}
    found = []
    for table in tables:
        texts = [column for column in table.columns if isinstance(column.type, (sa.String, sa.Text))]
        for row in db.session.execute(sa.select(*texts)) if texts else ():
            found += [f"{table.name}: {value[:80]}" for value in row if value and "municipal" in value.lower()]
    assert found == []
    assert db.session.scalar(sa.select(sa.func.count(case_models.PolicyCase.id))) > 0
    approvers = {v.approver_designation for p in db.session.scalars(sa.select(services.Policy)) for v in p.versions
                 if v.approver_designation}
    assert approvers == {"Head of Department: Department of the Premier"}
