"""Small builders for test data, going through the services like the app does."""

from __future__ import annotations

import itertools
import re
from datetime import date

import sqlalchemy as sa

from app.admin.services import create_department, find_department_by_code
from app.auth import services as accounts
from app.auth.models import Department, User
from app.employees.models import Employee
from app.extensions import db

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def make_department(code: str | None = None, name: str | None = None) -> Department:
    code = code or f"D{next(_sequence)}"
    existing = find_department_by_code(code)
    if existing:
        return existing
    department = create_department(code=code, name=name or f"Department {code}", actor=None)
    db.session.commit()
    return department


def make_user(
    role: str = "security_officer",
    *,
    email: str | None = None,
    full_name: str | None = None,
    department: Department | None = None,
    password: str = PASSWORD,
    must_change_password: bool = False,
) -> User:
    number = next(_sequence)
    user = accounts.create_user(
        email=email or f"{role.replace('_', '-')}{number}@example.gov.za",
        full_name=full_name or f"{role.replace('_', ' ').title()} {number}",
        role=role,
        department_id=department.id if department else None,
        password=password,
        actor=None,
        must_change_password=must_change_password,
    )
    db.session.commit()
    return user


def make_employee(
    full_name: str | None = None,
    *,
    number: str | None = None,
    department: Department | None = None,
    manager: Employee | None = None,
    email: str = "",
    status: str = "active",
    position: str = "",
    **fields,
) -> Employee:
    from app.employees.services import EmployeeInput, create_employee

    sequence = next(_sequence)
    employee = create_employee(EmployeeInput(
        number=number or f"{21_000_000 + sequence}", full_name=full_name or f"Employee {sequence}",
        department_id=department.id if department else None, manager_id=manager.id if manager else None,
        email=email, status=status, position=position, **fields), actor=None)
    db.session.commit()  # the service flushes; a builder saves, as the view that calls it would
    return employee


def csrf_token(page: str) -> str:
    """The form's CSRF token in a rendered page (for tests that run with CSRF protection on)."""
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def make_risk(owner: User | None = None, *, title: str = "Ransomware on the provincial network"):
    """A risk out of tolerance (residual 9 over tolerance 4), owned by `owner`, through the service."""
    from app.risks import services as risks
    from app.risks.models import RiskCategory
    from app.risks.scoring import Rating

    category = db.session.scalar(sa.select(RiskCategory).limit(1))
    if category is None:
        category = RiskCategory(name="Information Security")
        db.session.add(category)
        db.session.commit()
    risk = risks.create_risk(risks.RiskInput(
        title=title, category_id=category.id, inherent=Rating(4, 4), residual=Rating(3, 3), tolerance=4,
        owner_id=owner.id if owner else None), actor=None)
    db.session.commit()  # the service flushes; a builder saves, as the view that calls it would
    return risk


def make_treatment_action(risk, *, title: str = "Deploy endpoint detection"):
    from app.risks import services as risks

    action = risks.add_action(risk, title=title, owner_id=risk.owner_id, due_on=date(2027, 3, 31), actor=None)
    db.session.commit()
    return action


def make_case(department: Department | None = None, *, employee: Employee | None = None):
    """An open case about an employee of `department` (rows written directly: a case of that
    department, as a manager elsewhere must not reach it)."""
    from app.policies.cases.models import PolicyCase
    from app.policies.models import Policy, PolicyVersion

    number = next(_sequence)
    employee = employee or make_employee(department=department)
    policy = Policy(code=f"POL-{number}", title="ICT Security Policy")
    policy.versions.append(PolicyVersion(number="1.0", state="approved"))
    db.session.add(policy)
    db.session.flush()
    case = PolicyCase(reference=f"CASE-2026-{number:04d}", employee_id=employee.id,
                      department_id=department.id if department else None, policy_version_id=policy.versions[0].id,
                      incident_on=date(2026, 11, 2), opened_on=date(2026, 11, 3), description="Shared a password.",
                      severity="low", security_risk="low", code="schedule_8", recommended_action="written_warning")
    db.session.add(case)
    db.session.commit()
    return case


def make_notification(user: User, *, title: str = "Risk R-0001 is due for review"):
    from app.scheduler.models import Notification

    notification = Notification(user_id=user.id, kind="risk_review", item_key=f"risk:{next(_sequence)}",
                                due_on=date(2026, 12, 7), title=title, link="/risks")
    db.session.add(notification)
    db.session.commit()
    return notification
