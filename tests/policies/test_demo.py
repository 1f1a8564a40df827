"""The demo policies: the municipality's version tables, one in review, one overdue, acknowledged."""

from __future__ import annotations

import pytest

from app.common.timeutil import local_today
from app.policies import services
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

