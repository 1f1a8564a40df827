"""Builders the cases' tests share: an approved policy, an employee of the test's department, and
cases decided up to a corrective action."""

from __future__ import annotations

from datetime import date

import pytest

from app.policies.cases import services as cases
from tests.policies.conftest import make_approved, make_employee, open_case


@pytest.fixture
def policy():
    return make_approved()


@pytest.fixture
def employee(department):
    return make_employee(department=department, name="Ayanda Zulu")


def decided(employee, policy, action: str):
    case = open_case(employee, policy)
    cases.decide(case, action, "The employee copied files to a USB stick after a briefing on the rule.",
                 expected_version=case.version, actor=None, today=date(2026, 11, 5))
    return case


@pytest.fixture
def revoking(employee, policy):
    return decided(employee, policy, "revoke_privileges")


@pytest.fixture
def training_case(employee, policy):
    return decided(employee, policy, "training")
