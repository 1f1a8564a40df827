"""Policies in each state, and employees to acknowledge them."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from app.employees.models import Employee
from app.extensions import db
from app.policies import services, workflow
from tests import factories

_numbers = itertools.count(1)
APPROVED_ON = date(2026, 3, 2)
TEXT = "# ICT Security Policy\n\n## 4 Passwords\n\n## 4.1 Length\nAt least 12 characters.\n\n## 4.2 Sharing\nNever."


def make_employee(*, department=None, user=None, status: str = "active", name: str | None = None) -> Employee:
    number = next(_numbers)
    employee = Employee(number=f"E{number:05d}", full_name=name or f"Employee {number}", status=status,
                        department_id=department.id if department else None, position="Clerk",
                        user_id=user.id if user else None, email=user.email if user else None)
    db.session.add(employee)
    db.session.commit()
    return employee


def make_draft(code: str = "ICT-SEC", **draft) -> services.Policy:
    policy = services.create_policy(
        services.PolicyInput(code=code, title="ICT Security Policy"),
        services.DraftInput(**{"body": TEXT, "author_name": "Sipho Dlamini", "author_designation": "Security Officer",
                               **draft}),
        actor=None)
    db.session.commit()  # the service flushes; a builder saves, as the view that calls it would
    return policy


def make_approved(code: str = "ICT-SEC") -> services.Policy:
    policy = make_draft(code)
    version = policy.latest
    services.clauses_from_headings(version, actor=None)
    services.submit_for_review(version, expected_version=version.version, actor=None, today=date(2026, 2, 20))
    services.add_reviewer(version, name="Lerato Mokoena", designation="ICT Manager", reviewed_on=date(2026, 2, 25),
                          actor=None, today=date(2026, 2, 25))
    services.approve(version, workflow.Approval("Thabo Nkosi", "Municipal Manager", APPROVED_ON, None),
                     expected_version=version.version, actor=None, today=APPROVED_ON)
    db.session.commit()
    return policy


def signed_sheet(name: str = "briefing-sheet.pdf", content: bytes = b"%PDF-1.4\nsigned briefing sheet\n%%EOF\n"):
    """The scan of a signed acknowledgement sheet, as check_evidence() passes it on."""
    from app.common.uploads import CheckedUpload

    return CheckedUpload(name, "application/pdf", content)


@pytest.fixture
def officer(login_as):
    return login_as("security_officer")


@pytest.fixture
def department():
    return factories.make_department("DOH", "Health")


def case_input(employee, policy, **changes):
    """What opening a case for a breach of clause 4.2 of `policy`'s version in force takes."""
    from app.policies.cases import services as cases

    clause = next(c for c in policy.current.clauses if c.reference == "4.2")
    values = {"employee_id": employee.id, "clause_id": clause.id, "incident_on": date(2026, 11, 2),
              "description": "Shared his password with a contractor.", "severity": "low", "security_risk": "low",
              **changes}
    values.setdefault("reported_on", values["incident_on"])  # reported the same day, unless a test says otherwise
    return cases.CaseInput(**values)


def open_case(employee, policy, **changes):
    from app.policies.cases import services as cases

    return cases.open_case(case_input(employee, policy, **changes), actor=None, today=date(2026, 12, 4))
